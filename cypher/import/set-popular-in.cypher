// Aggregated item-context popularity ($rows: [{id, kind, value, count}]): SETs the count (not an
// increment), so re-running an import leaves it as it was.
UNWIND $rows AS row
MATCH (i:Item {id: row.id})
MATCH (c:Context {kind: row.kind, value: row.value})
MERGE (i)-[r:POPULAR_IN]->(c)
SET r.count = toInteger(row.count)
