// Items close to one item in Cypher (graphSource 'cypher'): the model's neighbourhood term for a user
// holding only that item, Σ over i <- v -> j of d_i^-b · d_v^-2a · w_vi · w_vj · d_j^-b · d_j^γ
// (weights summed per pair, weighted degrees), co-users capped at $maxCoUsers; top $limit.
MATCH (i:Item {id: $itemId})
WITH i, COLLECT { MATCH (i)<-[q:INTERACTED]-() WHERE q.weight > 0 RETURN sum(q.weight) }[0] AS di
CALL (i) {
  MATCH (i)<-[r:INTERACTED]-(v:User)
  WHERE r.weight > 0
  WITH v, sum(r.weight) AS wvi
  LIMIT toInteger($maxCoUsers)
  RETURN v, wvi
}
WITH i, di, v, wvi, COLLECT { MATCH (v)-[q:INTERACTED]->() WHERE q.weight > 0 RETURN sum(q.weight) }[0] AS dv
MATCH (v)-[r:INTERACTED]->(j:Item)
WHERE r.weight > 0 AND j <> i
WITH di, j, sum(wvi * dv ^ (-2 * $userExponent) * r.weight) AS s
WITH di, j, s, COLLECT { MATCH (j)<-[q:INTERACTED]-() WHERE q.weight > 0 RETURN sum(q.weight) }[0] AS dj
WITH j, $linearWeight * s * di ^ (-$itemExponent) * dj ^ ($itemOutputExponent - $itemExponent) AS proximity
ORDER BY proximity DESC
LIMIT toInteger($limit)
RETURN j.id AS id, proximity
