// The positive user -> item adjacency for the in-process graph index: per user its distinct items
// with the summed weight of their positive interactions (as training extraction weighs them) and the
// kind of the latest one, most recent first (the order the fan-out cap keeps), and the users it follows
// (for the "people you follow" evidence). With the served version's half-life ($halfLifeMs, null for
// none) each interaction counts w * 0.5^(age / halfLife), its age measured from $nowMs (undated or future
// ones count whole): src/policy/decay.ts interactionDecay, as training and the fold-in weigh it.
MATCH (u:User)
RETURN u.id AS id,
       COLLECT {
         MATCH (u)-[r:INTERACTED]->(i:Item)
         WHERE r.weight > 0
         WITH i, r
         ORDER BY r.at IS NULL, r.at DESC
         WITH i, sum(r.weight * CASE WHEN $halfLifeMs IS NULL OR r.at IS NULL OR r.at.epochMillis >= $nowMs THEN 1.0
                                     ELSE 0.5 ^ (toFloat($nowMs - r.at.epochMillis) / $halfLifeMs) END) AS w,
              max(r.at) AS last, collect(r.kind)[0] AS kind
         ORDER BY last DESC
         RETURN [i.id, w, kind]
       } AS items,
       [(u)-[:FOLLOWS]->(f:User) | f.id] AS follows
