// Training interactions of the LightGCN text format for rows whose user has no INTERACTED edge to any of
// the row's items yet ($rows: [{user, items: [item elementId]}], checked in the same transaction), so
// CREATE cannot duplicate anything. Returns how many edges it made; the caller checks that every item was found.
UNWIND $rows AS row
MATCH (u:User {id: row.user})
UNWIND row.items AS itemElementId
MATCH (i:Item) WHERE elementId(i) = itemElementId
CREATE (u)-[:INTERACTED {kind: $kind, weight: $weight}]->(i)
RETURN count(*) AS created
