// The items a user had interacted with before $at (ISO 8601): what serving excluded from the page logged then.
MATCH (u:User {id: $userId})-[r:INTERACTED]->(i:Item)
WHERE r.at < datetime($at)
RETURN collect(DISTINCT i.id) AS items
