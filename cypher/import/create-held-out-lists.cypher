// Held-out evaluation interactions of the LightGCN text format for rows whose user has no HELD_OUT edge to
// any of the row's items yet ($rows: [{user, items: [item elementId]}], checked in the same transaction), so
// CREATE cannot duplicate anything. Never read by training or serving. Returns how many edges it made.
UNWIND $rows AS row
MATCH (u:User {id: row.user})
UNWIND row.items AS itemElementId
MATCH (i:Item) WHERE elementId(i) = itemElementId
CREATE (u)-[:HELD_OUT {kind: $kind, weight: $weight}]->(i)
RETURN count(*) AS created
