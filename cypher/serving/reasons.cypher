// Evidence for one page of recommended items, in one statement whatever the page size. Per item
// (from $items: id, viaId and people, chosen in process by the graph index as the user's item shared
// with most people): the co-interaction path user -> via <- someone -> item, confirmed to exist here;
// how many followees interacted with it; the request contexts it is popular in; a category it shares
// with one of the user's items, or that was requested; and its interaction count.
// Other users stay anonymous (only counted).
UNWIND $items AS x
MATCH (j:Item {id: x.id})
OPTIONAL MATCH (u:User {id: $userId})
OPTIONAL CALL (u, j, x) {
  MATCH (u)-[r:INTERACTED]->(i:Item {id: x.viaId})
  WHERE r.weight > 0 AND EXISTS { (i)<-[r1:INTERACTED]-(v:User)-[r2:INTERACTED]->(j) WHERE v <> u AND r1.weight > 0 AND r2.weight > 0 }
  WITH i, r
  ORDER BY r.weight DESC
  LIMIT 1
  RETURN {id: i.id, title: i.title, kind: r.kind, people: x.people} AS co
}
OPTIONAL CALL (u, j) {
  MATCH (u)-[:FOLLOWS]->(f:User)-[r:INTERACTED]->(j)
  WHERE r.weight > 0
  WITH DISTINCT f
  RETURN count(f) AS followees, collect(f.id)[0..3] AS followeeIds
}
OPTIONAL CALL (j) {
  UNWIND $contexts AS c
  MATCH (j)-[p:POPULAR_IN]->(ctx:Context {kind: c.kind, value: c.value})
  RETURN collect({kind: ctx.kind, value: ctx.value, count: p.count}) AS popularIn
}
OPTIONAL CALL (u, j) {
  MATCH (j)-[:IN_CATEGORY]->(c:Category)
  WITH c
  ORDER BY c.name IN $categories DESC
  OPTIONAL CALL (u, j, c) {
    MATCH (u)-[r:INTERACTED]->(i:Item)-[:IN_CATEGORY]->(c)
    WHERE r.weight > 0 AND i <> j AND NOT c.name IN $categories
    RETURN i
    LIMIT 1
  }
  WITH c, collect(i)[0] AS i
  WHERE c.name IN $categories OR i IS NOT NULL
  RETURN CASE WHEN c.name IN $categories THEN {name: c.name, viaId: null, viaTitle: null}
              ELSE {name: c.name, viaId: i.id, viaTitle: i.title} END AS category
  LIMIT 1
}
RETURN j.id AS id, j.title AS title, co, followees, followeeIds, popularIn, category,
       COUNT { (j)<-[:INTERACTED]-() } AS popularity
