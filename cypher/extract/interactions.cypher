// All INTERACTED edges, one row per user with parallel lists of item ids, kinds and stored weights (the
// weight only matters for `rating`): ~30x fewer records than one row per edge, and flat lists decode
// faster than nested ones. Nulls are filtered or coalesced here because collect() drops them and would
// misalign the lists. (The dated variant, for time decay, adds the times.)
MATCH (u:User)
WHERE u.id IS NOT NULL
CALL (u) {
  MATCH (u)-[r:INTERACTED]->(i:Item)
  WHERE i.id IS NOT NULL
  RETURN collect(i.id) AS items, collect(coalesce(r.kind, '')) AS kinds, collect(coalesce(r.weight, 0.0)) AS weights
}
WITH u, items, kinds, weights
WHERE size(items) > 0
RETURN u.id AS user, items, kinds, weights
