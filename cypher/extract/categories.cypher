// Every category name, in name order. Graph extraction.
MATCH (c:Category)
WHERE c.name IS NOT NULL
RETURN c.name AS name
ORDER BY name
