/** One positive (user, item) pair for fold-in: the pair's weight and the item's fold-in vector. */
export interface FoldInRow {
  weight: number;
  foldIn: number[] | null;
}

/**
 * A user's embedding from its interactions by the model's propagation rule:
 * d_u^-e * sum_i w_ui * item.foldIn, with d_u = sum_i w_ui (the user's weighted degree) and e the
 * model's userNormExponent. Rows without a fold-in vector of `dims` entries are skipped; returns null
 * when none remains.
 */
export function foldInUser(rows: FoldInRow[], dims: number, userNormExponent: number): number[] | null {
  const out = new Float64Array(dims);
  let degree = 0;
  let used = 0;
  for (const r of rows) {
    if (!(r.weight > 0)) continue;
    degree += r.weight;
    if (!r.foldIn || r.foldIn.length !== dims) continue;
    used++;
    for (let c = 0; c < dims; c++) out[c] += r.weight * r.foldIn[c];
  }
  if (used === 0) return null;
  const norm = Math.pow(degree, -userNormExponent);
  return Array.from(out, (x) => x * norm);
}
