import type { RowTerms, SparseRow } from '../model/scorer';
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

/**
 * The model's `count` best allowed items for an input row and a request's context term (ModelScorer.contextRow), exactly as the version's dense score ranks them
 * (ModelScorer.top over the basis items, merged with the embedding term of items upserted since loading). An
 * empty row scores every item 0 (the model has no evidence): those ties are ordered by interaction count.
 */
export function retrieve(s: ModelState, row: SparseRow, count: number, allowed: Uint8Array, terms?: RowTerms, context: Float32Array | null = null): Retrieved[] {
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
  const t = terms ?? s.scorer.terms(row, true);
  const top = s.scorer.top(row, count, allowed.subarray(0, n), t, context);
  const out: Retrieved[] = Array.from(top.items, (r, q) => ({ row: r, score: top.scores[q], graph: top.graph[q], embedding: top.embedding[q], context: top.context[q] }));
  if (m.count > n) {
    for (let r = n; r < m.count; r++) {
      if (!allowed[r]) continue;
      let e = 0;
      for (let c = 0; c < m.dims; c++) e += t.coords[c] * m.embeddings[r * m.dims + c];
      out.push({ row: r, score: e, graph: 0, embedding: e, context: 0 });
    }
    out.sort((a, b) => b.score - a.score || a.row - b.row);
    out.length = Math.min(out.length, count);
  }
  return out;
}
