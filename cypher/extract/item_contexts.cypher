// All POPULAR_IN edges as [kind, value, count] tuples, one row per item.
MATCH (i:Item)-[r:POPULAR_IN]->(c:Context)
WHERE i.id IS NOT NULL AND c.kind IS NOT NULL AND c.value IS NOT NULL
RETURN i.id AS node, collect([c.kind, c.value, r.count]) AS contexts
