// Vector index of slot b over the dot-product index vectors (see src/model/registry.ts): euclidean on
// vectors of equal norm orders items exactly like the dot product. Quantisation off: scores stay exact
// enough to recover the dot product from them.
CREATE VECTOR INDEX item_embedding_b IF NOT EXISTS
FOR (i:Item) ON i.embeddingIndex_b
OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: 'euclidean', `vector.quantization.enabled`: false}}
