// Training interactions of the LightGCN text format for rows whose user already has INTERACTED edges to them (a
// re-run, a repaired partial import, or other data): MERGE keyed on (user, item, kind), so nothing is
// duplicated ($rows: [{user, items: [item elementId]}]). Returns how many (user, item) rows it matched.
UNWIND $rows AS row
MATCH (u:User {id: row.user})
UNWIND row.items AS itemElementId
MATCH (i:Item) WHERE elementId(i) = itemElementId
MERGE (u)-[r:INTERACTED {kind: $kind}]->(i)
ON CREATE SET r.weight = $weight
RETURN count(*) AS matched
