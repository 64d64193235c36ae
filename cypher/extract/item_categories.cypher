// All IN_CATEGORY edges, one row per item with its category names.
MATCH (i:Item)
WHERE i.id IS NOT NULL
CALL (i) {
  MATCH (i)-[:IN_CATEGORY]->(c:Category)
  RETURN collect(c.name) AS categories
}
WITH i, categories
WHERE size(categories) > 0
RETURN i.id AS item, categories
