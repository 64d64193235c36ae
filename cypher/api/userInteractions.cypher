// One page of a user's interactions, newest first (ties by item id, then kind, for a stable order).
MATCH (u:User {id: $userId})-[r:INTERACTED]->(i:Item)
RETURN i.id AS itemId, r.kind AS kind, r.weight AS weight, toString(r.at) AS at, coalesce(r.contexts, []) AS contexts
ORDER BY r.at DESC, i.id, r.kind
SKIP toInteger($skip)
LIMIT toInteger($limit)
