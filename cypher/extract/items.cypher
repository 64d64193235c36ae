// Every item id, in id order (so the index map is deterministic whatever the store order). Graph extraction.
MATCH (i:Item)
WHERE i.id IS NOT NULL
RETURN i.id AS id
ORDER BY id
