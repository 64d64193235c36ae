// Deletes a user and everything that identifies it: its interactions (also held-out ones), follows in
// both directions and ACTIVE_IN edges go with DETACH DELETE; the items' POPULAR_IN counts its positive
// interactions contributed are taken back first (edges reaching 0 are removed).
MATCH (u:User {id: $id})
CALL (u) {
  MATCH (u)-[r:INTERACTED]->(i:Item)
  WHERE r.weight > 0
  UNWIND coalesce(r.contexts, []) AS key
  WITH i, key, count(*) AS n
  MATCH (i)-[p:POPULAR_IN]->(c:Context)
  WHERE c.kind + ':' + c.value = key
  SET p.count = p.count - n
  WITH p
  WHERE p.count <= 0
  DELETE p
}
WITH u, u.id AS id, COUNT { (u)-[:INTERACTED]->() } AS interactions
DETACH DELETE u
RETURN id, interactions
