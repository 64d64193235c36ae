// Training interactions of the LightGCN text format ($rows: [{user, items: [itemId]}], one row per user
// holding ALL of that user's items, so a user's edges commit together; users and items exist already).
// A user with no INTERACTED edge at all cannot have any of these yet, so its edges are CREATEd (fast);
// a user that has some (an earlier run, other data) goes through MERGE, keyed on (user, item, kind).
// Re-running therefore never duplicates an edge.
UNWIND $rows AS row
MATCH (u:User {id: row.user})
WITH u, row, EXISTS { (u)-[:INTERACTED]->() } AS seen
UNWIND row.items AS itemId
MATCH (i:Item {id: itemId})
FOREACH (_ IN CASE WHEN seen THEN [] ELSE [1] END |
  CREATE (u)-[:INTERACTED {kind: $kind, weight: $weight}]->(i))
FOREACH (_ IN CASE WHEN seen THEN [1] ELSE [] END |
  MERGE (u)-[r:INTERACTED {kind: $kind}]->(i)
  ON CREATE SET r.weight = $weight)
