import type { ModelScorer, SparseRow } from '../model/scorer';
import { topK } from '../model/topk';
import type { ModelState } from './modelState';

/** A retrieved item: its matrix row, the model's score and the score's terms. */
export interface Retrieved {
  row: number;
  score: number;
  graph: number;
  embedding: number;
  /** The context term (0 without a request context). */
  context: number;
}

/** Which matrix rows may be returned: not excluded, not removed, in a wanted category when any is named. */
export function allowedRows(s: ModelState, excludedIds: Iterable<string>, categories: readonly string[]): Uint8Array {
  const m = s.matrix;
  const allowed = new Uint8Array(m.count);
  const wanted = categories.length > 0 ? new Set(categories) : null;
  for (let r = 0; r < m.count; r++) allowed[r] = !wanted || m.categories[r].some((c) => wanted.has(c)) ? 1 : 0;
  for (const id of excludedIds) {
    const r = m.index.get(id);
    if (r !== undefined) allowed[r] = 0;
  }
  if (m.removed) for (const r of m.removed) allowed[r] = 0;
  return allowed;
}

/** Rows one embedding product takes at most: past a few rows the product is compute-bound (serving.md). */
export const PRODUCT_BATCH_ROWS = 8;

/**
 * The embedding terms of the rows requests ask for in the same turn of the event loop, in one product
 * (ModelScorer.embeddingTerms over up to PRODUCT_BATCH_ROWS rows): the product reads every item's factors, so a
 * batch costs little more than one row. A row's result does not depend on its batch. Nothing waits for company: the
 * batch is run by setImmediate, after the I/O callbacks of the turn that queued its first row.
 */
class ProductBatcher {
  private queue: { coords: Float32Array; resolve: (e: Float32Array) => void; reject: (err: unknown) => void }[] = [];
  private scheduled = false;

  constructor(private readonly scorer: ModelScorer) {}

  embeddingTerms(coords: Float32Array): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      this.queue.push({ coords, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.run());
      }
    });
  }

  private run(): void {
    this.scheduled = false;
    const k = this.scorer.k;
    const n = this.scorer.numItems;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, PRODUCT_BATCH_ROWS);
      try {
        const z = new Float32Array(batch.length * k);
        batch.forEach((r, q) => z.set(r.coords, q * k));
        const e = this.scorer.embeddingTerms(z, batch.length);
        batch.forEach((r, q) => r.resolve(e.subarray(q * n, (q + 1) * n)));
      } catch (err) {
        for (const r of batch) r.reject(err);
      }
    }
  }
}

const batchers = new WeakMap<ModelScorer, ProductBatcher>();

/**
 * The model's `count` best allowed items for an input row and a request's context term (ModelScorer.contextRow), exactly as the version's dense score ranks them
 * (ModelScorer.top over the basis items, its embedding term batched with concurrent requests', merged with the
 * embedding term of items upserted since loading). An empty row scores every item 0 (the model has no evidence):
 * those ties are ordered by interaction count.
 */
export async function retrieve(s: ModelState, row: SparseRow, count: number, allowed: Uint8Array, context: Float32Array | null = null): Promise<Retrieved[]> {
  const m = s.matrix;
  const n = m.basisItems;
  if (row.indices.length === 0) {
    // no evidence: the score is the context term alone (0 without one); ties by interaction count
    if (!context) {
      const pop = new Float32Array(m.count);
      for (let r = 0; r < m.count; r++) pop[r] = allowed[r] ? m.degree[r] : -Infinity;
      const idx = new Int32Array(Math.max(1, count));
      const got = topK(pop, 0, m.count, count, idx);
      return Array.from(idx.subarray(0, got), (r) => ({ row: r, score: 0, graph: 0, embedding: 0, context: 0 }));
    }
    const rows: number[] = [];
    for (let r = 0; r < m.count; r++) if (allowed[r]) rows.push(r);
    const ctx = (r: number) => (context && r < n ? context[r] : 0);
    rows.sort((a, b) => ctx(b) - ctx(a) || m.degree[b] - m.degree[a] || a - b);
    return rows.slice(0, count).map((r) => ({ row: r, score: ctx(r), graph: 0, embedding: 0, context: ctx(r) }));
  }
  let batcher = batchers.get(s.scorer);
  if (!batcher) batchers.set(s.scorer, (batcher = new ProductBatcher(s.scorer)));
  const coords = s.scorer.coords(row);
  const embedding = await batcher.embeddingTerms(coords);
  // from here on synchronous: the graph term is the scorer's scratch
  const t = { graph: s.scorer.graphTerm(row, true), coords };
  const top = s.scorer.top(row, count, allowed.subarray(0, n), t, context, embedding);
  const out: Retrieved[] = Array.from(top.items, (r, q) => ({ row: r, score: top.scores[q], graph: top.graph[q], embedding: top.embedding[q], context: top.context[q] }));
  if (m.count > n) {
    for (let r = n; r < m.count; r++) {
      if (!allowed[r]) continue;
      let e = 0;
      for (let c = 0; c < m.dims; c++) e += t.coords[c] * m.upserted[(r - n) * m.dims + c];
      out.push({ row: r, score: e, graph: 0, embedding: e, context: 0 });
    }
    out.sort((a, b) => b.score - a.score || a.row - b.row);
    out.length = Math.min(out.length, count);
  }
  return out;
}
