// Removes, in batches of $limit, a slot's vectors that belong to another version than $version (left by
// the version that held the slot before, on nodes this version did not write), so a slot never mixes versions.
MATCH (n)
WHERE n[$versionProperty] IS NOT NULL AND n[$versionProperty] <> $version
WITH n LIMIT $limit
SET n[$embeddingProperty] = null, n[$foldInProperty] = null, n[$versionProperty] = null
RETURN count(n) AS cleared
