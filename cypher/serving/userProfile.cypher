// What ranking needs about one user: whether it exists; its interactions (item id, kind, stored weight, time in
// epoch ms or null), from which serving builds its current input row by training's edge weights and the version's
// decay (src/serving/modelState.ts rowFromInteractions) and excludes the items it interacted with; and its negative
// items: up to 50 items it dismissed or disliked, most recent first, not interacted with positively since (the
// re-ranking policy never shows them and pushes their close neighbours down).
OPTIONAL MATCH (u:User {id: $userId})
RETURN u IS NOT NULL AS exists,
       [(u)-[r:INTERACTED]->(i:Item) | [i.id, coalesce(r.kind, ''), r.weight, toFloat(r.at.epochMillis)]] AS interactions,
       COLLECT {
         MATCH (u)-[n:INTERACTED]->(i:Item)
         WHERE n.weight < 0 AND NOT EXISTS { (u)-[p:INTERACTED]->(i) WHERE p.weight > 0 AND p.at > n.at }
         WITH i, max(n.at) AS at
         ORDER BY at DESC
         LIMIT 50
         RETURN i.id
       } AS negatives
