import { decayedPairWeight, halfLifeMsOf, recencyFactors } from '../graph/decay';

/** One positive (user, item) pair for fold-in: the pair's weight and the item's fold-in vector. */
export interface FoldInRow {
  weight: number;
  foldIn: number[] | null;
}

/**
 * One positive (user, item) pair as api/userFoldInRows reads it: the weight and time (epoch ms, NaN when
 * undated) of each of the pair's positive interactions, and the item's fold-in vector (null when the served
 * version has none for it).
 */
export interface TimedFoldInRow {
  weights: number[];
  ats: number[];
  foldIn: number[] | null;
}

/**
 * Pair weights for the fold-in with the model's time decay: each interaction weighted by 0.5^(age / halfLife)
 * with its age measured from `nowMs`, then summed per pair — the rule training's extraction applies
 * (src/graph/decay.ts decayedPairWeight), then each pair weighted by the version's recency rule over the pairs' latest
 * times (recencyFactors, among the given rows). `halfLifeDays` undefined means no decay (plain sums), `recencyHalfLife`
 * null no recency.
 */
export function decayFoldInRows(rows: readonly TimedFoldInRow[], nowMs: number, halfLifeDays: number | undefined, recencyHalfLife: number | null): FoldInRow[] {
  const halfLifeMs = halfLifeMsOf(halfLifeDays);
  const latest = Float64Array.from(rows, (r) => r.ats.reduce((m, t) => (Number.isNaN(t) || m >= t ? m : t), NaN));
  const f = recencyFactors(latest, recencyHalfLife);
  return rows.map((r, p) => ({ weight: decayedPairWeight(r.weights, r.ats, nowMs, halfLifeMs) * f[p], foldIn: r.foldIn }));
}

/**
 * A user's embedding from its interactions by the model's propagation rule:
 * d_u^-e * sum_i w_ui * item.foldIn, with d_u = sum_i w_ui (the user's weighted degree) and e the
 * model's userNormExponent. Rows without a fold-in vector of `dims` entries are skipped (their weight still
 * counts in d_u, as in training, where every interacted item is in the graph); returns null when none remains.
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

/**
 * A user's embedding as serving folds it in, with the served model's time decay: foldInUser over
 * decayFoldInRows(rows, nowMs, halfLifeDays, recencyHalfLife), so both w_ui and the degree d_u use the decayed weights. Pass the
 * half-life the served version was trained with (modelHalfLifeDays(model.params)) so that a folded-in user
 * follows the same weighting as the users training wrote; ages are measured from now, so the newest
 * interactions weigh most (training measures from the latest interaction in the graph, which differs only by
 * one factor common to all of a user's weights, i.e. the embedding's length, not its direction).
 */
export function foldInUserDecayed(rows: readonly TimedFoldInRow[], dims: number, userNormExponent: number,
  halfLifeDays: number | undefined, recencyHalfLife: number | null, nowMs: number): number[] | null {
  return foldInUser(decayFoldInRows(rows, nowMs, halfLifeDays, recencyHalfLife), dims, userNormExponent);
}
