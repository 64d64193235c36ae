// Held-out interactions of the LightGCN text format for rows whose user already has HELD_OUT edges to them: MERGE
// keyed on (user, item), so nothing is duplicated ($rows: [{user, items: [item elementId]}]).
// Returns how many (user, item) rows it matched.
UNWIND $rows AS row
MATCH (u:User {id: row.user})
UNWIND row.items AS itemElementId
MATCH (i:Item) WHERE elementId(i) = itemElementId
MERGE (u)-[r:HELD_OUT]->(i)
ON CREATE SET r.kind = $kind, r.weight = $weight
RETURN count(*) AS matched
