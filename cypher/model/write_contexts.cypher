// Writes one batch of context embeddings into the version's slot properties.
UNWIND $rows AS row
MATCH (n:Context {kind: row.kind, value: row.value})
SET n[$embeddingProperty] = row.e, n[$versionProperty] = $version
RETURN count(n) AS written
