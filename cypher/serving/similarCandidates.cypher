// Items close to one item in the graph: normalised co-interaction paths i <- v -> j weighing
// 1 / (sqrt(d_i) * d_v * sqrt(d_j)), with co-users capped at $maxCoUsers; top $limit by proximity.
MATCH (i:Item {id: $itemId})
WITH i, COUNT { (i)<-[:INTERACTED]-() } AS di
CALL (i) {
  MATCH (i)<-[r:INTERACTED]-(v:User)
  WHERE r.weight > 0
  WITH DISTINCT v
  LIMIT toInteger($maxCoUsers)
  RETURN v
}
WITH i, di, v, COUNT { (v)-[:INTERACTED]->() } AS dv
MATCH (v)-[r:INTERACTED]->(j:Item)
WHERE r.weight > 0 AND j <> i
WITH di, j, sum(1.0 / dv) AS s
WITH j, s / sqrt(di * COUNT { (j)<-[:INTERACTED]-() }) AS proximity
ORDER BY proximity DESC
LIMIT toInteger($limit)
RETURN j.id AS id, proximity
