// Cold start of an item: its embedding and fold-in vector (served slot) become the mean of those of up
// to $sample items sharing a category with it that carry trained vectors of $version. Items with a
// trained embedding of $version are left alone; neighbourEmbeddingVersion marks derived ones.
MATCH (i:Item {id: $id})
WHERE i[$versionProperty] IS NULL OR i[$versionProperty] <> $version OR i.neighbourEmbeddingVersion = $version
CALL (i) {
  MATCH (i)-[:IN_CATEGORY]->(:Category)<-[:IN_CATEGORY]-(n:Item)
  WHERE n <> i AND n[$versionProperty] = $version AND coalesce(n.neighbourEmbeddingVersion, '') <> $version
  WITH DISTINCT n
  LIMIT toInteger($sample)
  RETURN collect(n[$embeddingProperty]) AS es, collect(n[$foldInProperty]) AS fs
}
WITH i, es, fs
WHERE size(es) > 0
WITH i, size(es) AS n, size(es[0]) AS d, es, fs
WITH i, n, [k IN range(0, d - 1) | reduce(s = 0.0, e IN es | s + e[k]) / n] AS embedding,
     [k IN range(0, d - 1) | reduce(s = 0.0, f IN fs | s + f[k]) / n] AS foldIn
SET i[$embeddingProperty] = embedding, i[$foldInProperty] = foldIn, i[$versionProperty] = $version,
    i.neighbourEmbeddingVersion = $version
RETURN embedding, n AS neighbours, [(i)-[:IN_CATEGORY]->(c:Category) | c.name] AS categories
