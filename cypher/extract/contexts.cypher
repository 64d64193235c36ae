// Every context (kind, value), in (kind, value) order. Graph extraction.
MATCH (c:Context)
WHERE c.kind IS NOT NULL AND c.value IS NOT NULL
RETURN c.kind AS kind, c.value AS value
ORDER BY kind, value
