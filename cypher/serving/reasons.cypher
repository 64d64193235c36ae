// Evidence for one page of recommended items, in one statement whatever the page size. Per item
// (from $items: id, and the co-interaction path the in-process graph index chose: viaId, the user's
// item shared with most people, coUserId, one of those people, and people, how many): the path
// user -> via <- coUser -> item, confirmed to exist here by point lookups (not by expanding the via
// item's audience, which cost thousands of db hits per page on Gowalla); how many followees
// interacted with it; the request contexts it is popular in; a category it shares with one of the
// user's items, or that was requested; and its interaction count. The user's followees and the
// categories of the user's items are read once for the page, not once per item.
// Other users stay anonymous (only counted).
OPTIONAL MATCH (u:User {id: $userId})
CALL (u) {
  OPTIONAL MATCH (u)-[:FOLLOWS]->(f:User)
  RETURN collect(DISTINCT f) AS followees
}
CALL (u) {
  OPTIONAL MATCH (u)-[r:INTERACTED]->(i:Item)-[:IN_CATEGORY]->(c:Category)
  WHERE r.weight > 0 AND NOT c.name IN $categories
  WITH c.name AS name, collect(i)[0..2] AS items
  RETURN collect([name, items]) AS userCategories
}
UNWIND $items AS x
MATCH (j:Item {id: x.id})
OPTIONAL CALL (u, j, x) {
  MATCH (u)-[r:INTERACTED]->(i:Item {id: x.viaId})
  WHERE r.weight > 0 AND EXISTS {
    MATCH (i)<-[r1:INTERACTED]-(v:User {id: x.coUserId})-[r2:INTERACTED]->(j)
    WHERE v <> u AND r1.weight > 0 AND r2.weight > 0
  }
  WITH i, r
  ORDER BY r.weight DESC
  LIMIT 1
  RETURN {id: i.id, title: i.title, kind: r.kind, people: x.people} AS co
}
WITH u, j, co, userCategories,
     [f IN followees WHERE EXISTS { (f)-[r:INTERACTED]->(j) WHERE r.weight > 0 }] AS fs
OPTIONAL CALL (j) {
  UNWIND $contexts AS c
  MATCH (j)-[p:POPULAR_IN]->(ctx:Context {kind: c.kind, value: c.value})
  RETURN collect({kind: ctx.kind, value: ctx.value, count: p.count}) AS popularIn
}
OPTIONAL CALL (j, userCategories) {
  MATCH (j)-[:IN_CATEGORY]->(c:Category)
  WITH c, [p IN userCategories WHERE p[0] = c.name | [k IN p[1] WHERE k <> j][0]][0] AS i
  WHERE c.name IN $categories OR i IS NOT NULL
  WITH c, i
  ORDER BY c.name IN $categories DESC, c.name
  LIMIT 1
  RETURN CASE WHEN c.name IN $categories THEN {name: c.name, viaId: null, viaTitle: null}
              ELSE {name: c.name, viaId: i.id, viaTitle: i.title} END AS category
}
RETURN j.id AS id, j.title AS title, co, size(fs) AS followees, [f IN fs | f.id][0..3] AS followeeIds, popularIn, category,
       COUNT { (j)<-[:INTERACTED]-() } AS popularity
