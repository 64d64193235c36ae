import type { ItemMatrix } from './modelStore';

/**
 * Exact top-k items by dot product with `query` over the in-memory matrix, skipping rows for which
 * `keep` is false. Hand-written because it is the hot path of every request: one fused dot + threshold
 * pass over 41k × 64 floats costs ~2-3 ms in plain JS, and a sorted buffer of k entries (k ≤ a few
 * hundred) beats a generic sort of all scores.
 */
export function topByDot(m: ItemMatrix, query: Float32Array | number[], k: number, keep: (row: number) => boolean): { row: number; score: number }[] {
  const d = m.dims;
  if (query.length !== d) throw new Error(`topByDot: query has ${query.length} dims, the item matrix has ${d}`);
  const e = m.embeddings;
  const q = query instanceof Float32Array ? query : Float32Array.from(query);
  const outRow: number[] = [];
  const outScore: number[] = [];
  let worst = -Infinity;
  for (let r = 0; r < m.count; r++) {
    let s = 0;
    const o = r * d;
    for (let c = 0; c < d; c++) s += q[c] * e[o + c];
    if (outRow.length >= k && s <= worst) continue;
    if (!keep(r)) continue;
    // insert into the descending buffer
    let p = outRow.length;
    if (p >= k) p = k - 1; // drop the last
    else { outRow.push(0); outScore.push(0); }
    while (p > 0 && outScore[p - 1] < s) {
      outRow[p] = outRow[p - 1];
      outScore[p] = outScore[p - 1];
      p--;
    }
    outRow[p] = r;
    outScore[p] = s;
    if (outRow.length >= k) worst = outScore[k - 1];
  }
  return outRow.map((row, i) => ({ row, score: outScore[i] }));
}

/** Dot product of `query` with matrix row `row`. */
export function dotRow(m: ItemMatrix, query: Float32Array, row: number): number {
  const d = m.dims;
  const o = row * d;
  let s = 0;
  for (let c = 0; c < d; c++) s += query[c] * m.embeddings[o + c];
  return s;
}

/** Top-k rows by a per-row value (e.g. popularity), skipping rows for which `keep` is false. */
export function topByValue(values: Float64Array, count: number, k: number, keep: (row: number) => boolean): number[] {
  const rows: number[] = [];
  for (let r = 0; r < count; r++) if (keep(r)) rows.push(r);
  rows.sort((a, b) => values[b] - values[a] || a - b);
  return rows.slice(0, k);
}
