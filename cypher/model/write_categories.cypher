// Writes one batch (vectors as registry.ts vectorText strings) of category embeddings into the version's slot properties.
UNWIND $rows AS row
MATCH (n:Category {name: row.id})
SET n[$embeddingProperty] = [v IN split(row.e, ',') | toFloat(v)], n[$versionProperty] = $version
RETURN count(n) AS written
