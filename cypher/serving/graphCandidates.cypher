// Graph-proximity candidates: normalised co-interaction paths user -> i <- v -> j, each weighing
// 1 / (sqrt(d_u) * d_i * d_v * sqrt(d_j)) (the normalised item-item filter of GF-CF applied to the
// user's items). Fan-out is capped per hop ($maxUserItems, $maxCoUsers) so heavy users and popular
// items keep the statement bounded; returns the top $limit items by proximity (the user's own
// items included: the caller excludes them).
MATCH (u:User {id: $userId})
WITH u, COUNT { (u)-[r:INTERACTED]->() WHERE r.weight > 0 } AS du
WHERE du > 0
CALL (u) {
  MATCH (u)-[r:INTERACTED]->(i:Item)
  WHERE r.weight > 0
  WITH DISTINCT i, max(r.at) AS last
  ORDER BY last DESC
  LIMIT toInteger($maxUserItems)
  RETURN i
}
WITH u, du, i, COUNT { (i)<-[:INTERACTED]-() } AS di
CALL (u, i) {
  MATCH (i)<-[r:INTERACTED]-(v:User)
  WHERE r.weight > 0 AND v <> u
  WITH DISTINCT v
  LIMIT toInteger($maxCoUsers)
  RETURN v
}
WITH du, i, di, v, COUNT { (v)-[:INTERACTED]->() } AS dv
MATCH (v)-[r:INTERACTED]->(j:Item)
WHERE r.weight > 0 AND j <> i
WITH du, j, sum(1.0 / (di * dv)) AS s
WITH j, s / sqrt(du * COUNT { (j)<-[:INTERACTED]-() }) AS proximity
ORDER BY proximity DESC
LIMIT toInteger($limit)
RETURN j.id AS id, proximity
