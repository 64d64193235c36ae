// Every user id, in id order (so the index map is deterministic whatever the store order). Graph extraction.
MATCH (u:User)
WHERE u.id IS NOT NULL
RETURN u.id AS id
ORDER BY id
