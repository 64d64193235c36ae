// Writes one batch (vectors as registry.ts vectorText strings) of user embeddings into the version's slot properties (dynamic keys from the fixed
// slot table, never from input), so the served slot is never touched.
UNWIND $rows AS row
MATCH (n:User {id: row.id})
SET n[$embeddingProperty] = [v IN split(row.e, ',') | toFloat(v)], n[$versionProperty] = $version
RETURN count(n) AS written
