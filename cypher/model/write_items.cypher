// Writes one batch (vectors as registry.ts vectorText strings) of item embeddings, fold-in vectors and dot-product index vectors into the version's slot.
UNWIND $rows AS row
MATCH (n:Item {id: row.id})
SET n[$embeddingProperty] = [v IN split(row.e, ',') | toFloat(v)], n[$foldInProperty] = [v IN split(row.f, ',') | toFloat(v)],
    n[$indexProperty] = [v IN split(row.x, ',') | toFloat(v)],
    n[$versionProperty] = $version
RETURN count(n) AS written
