// All HELD_OUT edges (evaluation only, never trained on), one row per user with the held-out item ids.
MATCH (u:User)
WHERE u.id IS NOT NULL
CALL (u) {
  MATCH (u)-[:HELD_OUT]->(i:Item)
  WHERE i.id IS NOT NULL
  RETURN collect(i.id) AS items
}
WITH u, items
WHERE size(items) > 0
RETURN u.id AS user, items
