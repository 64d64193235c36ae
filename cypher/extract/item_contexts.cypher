// All POPULAR_IN edges as [kind, value, count] tuples, one row per item.
MATCH (i:Item)
WHERE i.id IS NOT NULL
CALL (i) {
  MATCH (i)-[r:POPULAR_IN]->(c:Context)
  RETURN collect([c.kind, c.value, r.count]) AS contexts
}
WITH i, contexts
WHERE size(contexts) > 0
RETURN i.id AS node, contexts
