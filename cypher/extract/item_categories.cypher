// All IN_CATEGORY edges, one row per item with its category names (driven by the relationship pattern,
// so a graph without categories costs nothing).
MATCH (i:Item)-[:IN_CATEGORY]->(c:Category)
WHERE i.id IS NOT NULL AND c.name IS NOT NULL
RETURN i.id AS item, collect(c.name) AS categories
