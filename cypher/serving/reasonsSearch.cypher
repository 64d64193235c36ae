// Evidence for one page of recommended items when graph proximity comes from Cypher (graphSource
// "cypher"), in one statement whatever the page size: per item the
// strongest co-interaction path (user -> i <- v -> item), how many followees interacted with it, the
// request contexts it is popular in, a category shared with one of the user's items or requested, and
// its popularity. Each piece names the real nodes of its path; other users stay anonymous (only counted).
UNWIND $itemIds AS itemId
MATCH (j:Item {id: itemId})
OPTIONAL MATCH (u:User {id: $userId})
OPTIONAL CALL (u, j) {
  MATCH (u)-[r:INTERACTED]->(i:Item)
  WHERE r.weight > 0 AND i <> j
  WITH DISTINCT i, max(r.kind) AS kind, max(r.at) AS last
  ORDER BY last DESC
  LIMIT toInteger($maxUserItems)
  WITH i, kind, COUNT { (i)<-[r1:INTERACTED]-(v:User)-[r2:INTERACTED]->(j) WHERE v <> u AND r1.weight > 0 AND r2.weight > 0 } AS people
  WHERE people > 0
  RETURN {id: i.id, title: i.title, kind: kind, people: people} AS co
  ORDER BY people DESC
  LIMIT 1
}
OPTIONAL CALL (u, j) {
  MATCH (u)-[:FOLLOWS]->(f:User)-[r:INTERACTED]->(j)
  WHERE r.weight > 0
  WITH DISTINCT f
  RETURN count(f) AS followees, collect(f.id)[0..3] AS followeeIds
}
OPTIONAL CALL (j) {
  UNWIND $contexts AS x
  MATCH (j)-[p:POPULAR_IN]->(c:Context {kind: x.kind, value: x.value})
  RETURN collect({kind: c.kind, value: c.value, count: p.count}) AS popularIn
}
OPTIONAL CALL (u, j) {
  MATCH (j)-[:IN_CATEGORY]->(c:Category)
  WHERE c.name IN $categories
  RETURN {name: c.name, viaId: null, viaTitle: null} AS category
  LIMIT 1
  UNION
  MATCH (u)-[r:INTERACTED]->(i:Item)-[:IN_CATEGORY]->(c:Category)
  WHERE r.weight > 0 AND i <> j AND NOT c.name IN $categories AND EXISTS { (j)-[:IN_CATEGORY]->(c) }
  RETURN {name: c.name, viaId: i.id, viaTitle: i.title} AS category
  LIMIT 1
}
WITH j, co, followees, followeeIds, popularIn, collect(category)[0] AS category
RETURN j.id AS id, j.title AS title, co, followees, followeeIds, popularIn, category,
       COUNT { (j)<-[:INTERACTED]-() } AS popularity
