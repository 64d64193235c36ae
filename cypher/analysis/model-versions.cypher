// Model versions: every trained model, newest first, with its status, whether it is the one served
// (exactly one has active = true), its dimensions, metrics (JSON) and how many items carry its embeddings.
MATCH (m:Model)
RETURN m.version AS version, m.active AS active, m.status AS status, m.trainedAt AS trainedAt, m.dims AS dims,
       m.metrics AS metrics, COUNT { MATCH (i:Item) WHERE i.embeddingVersion = m.version } AS itemsWithEmbedding
ORDER BY m.trainedAt DESC
