// Held-out evaluation interactions of the LightGCN text format for users that have no HELD_OUT edge yet
// ($rows: [{user, items: [item elementId]}], all of a user's items in one row and one transaction), so
// CREATE cannot duplicate anything. Never read by training or serving. Returns how many edges it made.
UNWIND $rows AS row
MATCH (u:User {id: row.user})
UNWIND row.items AS itemElementId
MATCH (i:Item) WHERE elementId(i) = itemElementId
CREATE (u)-[:HELD_OUT {kind: $kind, weight: $weight}]->(i)
RETURN count(*) AS created
