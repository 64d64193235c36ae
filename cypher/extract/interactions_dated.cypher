// As extract/interactions, plus each edge's time in epoch ms (NaN when it has none) and its contexts ("kind:value"
// keys, [] when none), for the time decay, the recency rule and the context term.
MATCH (u:User)
WHERE u.id IS NOT NULL
CALL (u) {
  MATCH (u)-[r:INTERACTED]->(i:Item)
  WHERE i.id IS NOT NULL
  RETURN collect(i.id) AS items, collect(coalesce(r.kind, '')) AS kinds, collect(CASE r.kind WHEN 'rating' THEN coalesce(r.weight, 0.0) ELSE 0.0 END) AS weights,
         collect(coalesce(toFloat(r.at.epochMillis), 0.0 / 0.0)) AS ats, collect(coalesce(r.contexts, [])) AS contexts
}
WITH u, items, kinds, weights, ats, contexts
WHERE size(items) > 0
RETURN u.id AS user, items, kinds, weights, ats, contexts
