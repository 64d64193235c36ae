// Writes one batch of category embeddings into the version's slot properties.
UNWIND $rows AS row
MATCH (n:Category {name: row.id})
SET n[$embeddingProperty] = row.e, n[$versionProperty] = $version
RETURN count(n) AS written
