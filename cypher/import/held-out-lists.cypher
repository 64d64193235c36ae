// Held-out evaluation interactions of the LightGCN text format ($rows: [{user, items: [itemId]}], one row
// per user with all of its items), never read by training or serving. Same create-or-merge rule as
// interacted-lists: CREATE for a user without HELD_OUT edges, MERGE keyed on (user, item) otherwise.
UNWIND $rows AS row
MATCH (u:User {id: row.user})
WITH u, row, EXISTS { (u)-[:HELD_OUT]->() } AS seen
UNWIND row.items AS itemId
MATCH (i:Item {id: itemId})
FOREACH (_ IN CASE WHEN seen THEN [] ELSE [1] END |
  CREATE (u)-[:HELD_OUT {kind: $kind, weight: $weight}]->(i))
FOREACH (_ IN CASE WHEN seen THEN [1] ELSE [] END |
  MERGE (u)-[r:HELD_OUT]->(i)
  ON CREATE SET r.kind = $kind, r.weight = $weight)
