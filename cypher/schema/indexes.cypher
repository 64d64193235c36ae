// Indexes the queries need, applied idempotently at start-up (src/db/schema.ts).
// Which model version is served: one lookup per request.
CREATE INDEX model_active IF NOT EXISTS FOR (m:Model) ON (m.active);
// Recency filters and time-decayed weights read interactions by time.
CREATE INDEX interacted_at IF NOT EXISTS FOR ()-[r:INTERACTED]-() ON (r.at);
// Idempotent recordInteraction looks its key up before writing.
CREATE INDEX interacted_key IF NOT EXISTS FOR ()-[r:INTERACTED]-() ON (r.idempotencyKey);
// Context nodes are looked up by kind when requests carry context.
CREATE INDEX context_kind IF NOT EXISTS FOR (c:Context) ON (c.kind);
// The exposure log's retention deletes SHOWN edges by time.
CREATE INDEX shown_at IF NOT EXISTS FOR ()-[s:SHOWN]-() ON (s.at);
// Graphs written before model versions stopped building an item vector index hold one per slot: dropped.
DROP INDEX item_embedding_a IF EXISTS;
DROP INDEX item_embedding_b IF EXISTS;
