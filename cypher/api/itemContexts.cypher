// The contexts items are popular in, with counts (DataLoader batch), most frequent first.
UNWIND $ids AS id
MATCH (i:Item {id: id})
OPTIONAL MATCH (i)-[p:POPULAR_IN]->(c:Context)
WITH i, c, p ORDER BY p.count DESC
RETURN i.id AS id, [x IN collect({kind: c.kind, value: c.value, count: p.count}) WHERE x.kind IS NOT NULL] AS contexts
