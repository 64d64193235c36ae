// All ACTIVE_IN edges as [kind, value, count] tuples, one row per user.
MATCH (u:User)
WHERE u.id IS NOT NULL
CALL (u) {
  MATCH (u)-[r:ACTIVE_IN]->(c:Context)
  RETURN collect([c.kind, c.value, r.count]) AS contexts
}
WITH u, contexts
WHERE size(contexts) > 0
RETURN u.id AS node, contexts
