// All INTERACTED edges, one row per user with its edges as [itemId, kind, weight, atEpochMillis] tuples:
// ~30x fewer records than one row per edge, which is what the driver's decoding time scales with.
// Tuples (not parallel collect()s) because collect() drops nulls and would misalign the lists.
MATCH (u:User)
WHERE u.id IS NOT NULL
CALL (u) {
  MATCH (u)-[r:INTERACTED]->(i:Item)
  RETURN collect([i.id, r.kind, r.weight, r.at.epochMillis]) AS edges
}
WITH u, edges
WHERE size(edges) > 0
RETURN u.id AS user, edges
