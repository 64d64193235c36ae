// Writes one batch (vectors as registry.ts vectorText strings) of context embeddings into the version's slot properties.
UNWIND $rows AS row
MATCH (n:Context {kind: row.kind, value: row.value})
SET n[$embeddingProperty] = [v IN split(row.e, ',') | toFloat(v)], n[$versionProperty] = $version
RETURN count(n) AS written
