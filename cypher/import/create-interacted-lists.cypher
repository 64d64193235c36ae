// Training interactions of the LightGCN text format for users that have no INTERACTED edge yet
// ($rows: [{user, items: [item elementId]}], all of a user's items in one row and one transaction), so
// CREATE cannot duplicate anything. Returns how many edges it made; the caller checks that every item was found.
UNWIND $rows AS row
MATCH (u:User {id: row.user})
UNWIND row.items AS itemElementId
MATCH (i:Item) WHERE elementId(i) = itemElementId
CREATE (u)-[:INTERACTED {kind: $kind, weight: $weight}]->(i)
RETURN count(*) AS created
