// Top items by the served slot's vector index for a query vector (the path that scales to millions of
// items). The index is euclidean over norm-equalised vectors, which orders exactly like the dot product
// (src/model/registry.ts); the caller recovers the dot product from the score.
CALL db.index.vector.queryNodes($indexName, toInteger($k), $vector)
YIELD node, score
RETURN node.id AS id, score
