// Graph-proximity candidates in Cypher (graphSource 'cypher'; the in-process GraphIndex computes the
// same): the model's neighbourhood term linearWeight · Σ over paths u -> i <- v -> j of
// w_ui · d_i^-b · d_v^-2a · w_vi · w_vj · d_j^-b · d_j^γ, with w the summed positive weights of a pair
// and d weighted degrees. Fan-out is capped per hop ($maxUserItems most recent items, $maxCoUsers
// co-users per item) so heavy users and popular items keep it bounded; returns the top $limit items
// (the user's own included: the caller excludes them).
MATCH (u:User {id: $userId})
WITH u, COLLECT { MATCH (u)-[q:INTERACTED]->() WHERE q.weight > 0 RETURN sum(q.weight) }[0] AS du
WHERE du > 0
CALL (u) {
  MATCH (u)-[r:INTERACTED]->(i:Item)
  WHERE r.weight > 0
  WITH i, sum(r.weight) AS wui, max(r.at) AS last
  ORDER BY last DESC
  LIMIT toInteger($maxUserItems)
  RETURN i, wui
}
WITH u, du, i, wui, COLLECT { MATCH (i)<-[q:INTERACTED]-() WHERE q.weight > 0 RETURN sum(q.weight) }[0] AS di
CALL (u, i) {
  MATCH (i)<-[r:INTERACTED]-(v:User)
  WHERE r.weight > 0 AND v <> u
  WITH v, sum(r.weight) AS wvi
  LIMIT toInteger($maxCoUsers)
  RETURN v, wvi
}
WITH du, wui * di ^ (-$itemExponent) * wvi AS w, v, COLLECT { MATCH (v)-[q:INTERACTED]->() WHERE q.weight > 0 RETURN sum(q.weight) }[0] AS dv
MATCH (v)-[r:INTERACTED]->(j:Item)
WHERE r.weight > 0
WITH du, j, sum(w * dv ^ (-2 * $userExponent) * r.weight) AS s
WITH du, j, s, COLLECT { MATCH (j)<-[q:INTERACTED]-() WHERE q.weight > 0 RETURN sum(q.weight) }[0] AS dj
WITH j, $linearWeight * s * dj ^ ($itemOutputExponent - $itemExponent) AS proximity
ORDER BY proximity DESC
LIMIT toInteger($limit)
RETURN j.id AS id, proximity
