// Writes one batch of user embeddings into the version's slot properties (dynamic keys from the fixed
// slot table, never from input), so the served slot is never touched.
UNWIND $rows AS row
MATCH (n:User {id: row.id})
SET n[$embeddingProperty] = row.e, n[$versionProperty] = $version
RETURN count(n) AS written
