// The positive user -> item adjacency for the in-process graph index: per user its distinct items,
// most recent first (the order the fan-out cap keeps).
MATCH (u:User)
RETURN u.id AS id,
       COLLECT {
         MATCH (u)-[r:INTERACTED]->(i:Item)
         WHERE r.weight > 0
         WITH i, max(r.at) AS last
         ORDER BY last DESC
         RETURN i.id
       } AS items
