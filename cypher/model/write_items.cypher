// Writes one batch of item embeddings, fold-in vectors and dot-product index vectors into the version's slot.
UNWIND $rows AS row
MATCH (n:Item {id: row.id})
SET n[$embeddingProperty] = row.e, n[$foldInProperty] = row.f, n[$indexProperty] = row.x,
    n[$versionProperty] = $version
RETURN count(n) AS written
