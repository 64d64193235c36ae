// Writes one batch (vectors as registry.ts vectorText strings) of item embeddings and fold-in vectors into the version's slot.
UNWIND $rows AS row
MATCH (n:Item {id: row.id})
SET n[$embeddingProperty] = [v IN split(row.e, ',') | toFloat(v)], n[$foldInProperty] = [v IN split(row.f, ',') | toFloat(v)],
    n[$versionProperty] = $version
RETURN count(n) AS written
