// All ACTIVE_IN edges as [kind, value, count] tuples, one row per user.
MATCH (u:User)-[r:ACTIVE_IN]->(c:Context)
WHERE u.id IS NOT NULL AND c.kind IS NOT NULL AND c.value IS NOT NULL
RETURN u.id AS node, collect([c.kind, c.value, r.count]) AS contexts
