// Aggregated user-context activity ($rows: [{id, kind, value, count}]): SETs the count (not an increment),
// so re-running an import leaves it as it was.
UNWIND $rows AS row
MATCH (u:User {id: row.id})
MATCH (c:Context {kind: row.kind, value: row.value})
MERGE (u)-[r:ACTIVE_IN]->(c)
SET r.count = toInteger(row.count)
