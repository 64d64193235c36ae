/**
 * The context term of a score and its weight fit: score(u, i | c) = base(u, i) + w · lift(i, c), with
 * lift(i, c) the served context lift of src/model/contextLift.ts (ContextLift: Σ over the request's contexts of
 * log(q_ic / p_c), the item's smoothed share of its uses in c over the share of c among all uses, from
 * item × context counts, POPULAR_IN). w is fitted on a validation split carved from train by a grid search
 * on Recall@20; w = 0 is always a candidate and is kept unless a weight's paired gain on validation users is
 * significant, so the term never lowers validation Recall@20 and is not switched on by noise.
 */
import type { Csr } from '../graph/csr';
import { ContextLift } from './contextLift';
import type { ContextKey } from '../graph/types';

/** Default pseudo-count of the lift (ContextLift's). */
export const DEFAULT_CONTEXT_SMOOTHING = 5;

/**
 * The lift of every item (rows of `itemContextCounts`, items × contexts) for one request context: the sum over
 * the request's known contexts of log(q_ic / p_c) (see the module comment). Items without context data get 0.
 */
export function contextLift(
  itemContextCounts: Csr,
  contexts: readonly ContextKey[],
  request: readonly ContextKey[],
  smoothing = DEFAULT_CONTEXT_SMOOTHING,
  out: Float32Array = new Float32Array(itemContextCounts.rows),
): Float32Array {
  const lift = new ContextLift(itemContextCounts, contexts, smoothing);
  lift.scoreAll(lift.resolve(request), out);
  return out;
}

/** The context term added to base scores: out[q, i] += weight · lift[q's request, i]. */
export function addContextTerm(out: Float32Array, numItems: number, weight: number, liftRows: readonly Float32Array[]): void {
  if (weight === 0) return;
  for (let q = 0; q < liftRows.length; q++) {
    const l = liftRows[q];
    const o = q * numItems;
    for (let i = 0; i < numItems; i++) out[o + i] += weight * l[i];
  }
}

/** One candidate of the weight search and its validation score. */
export interface WeightTrial {
  weight: number;
  recall20: number;
  ndcg20: number;
}

/** What a trial evaluation returns: the means and Recall@20 per validation user (the same users for every weight). */
export interface WeightEvaluation {
  recall20: number;
  ndcg20: number;
  perUserRecall20: Float64Array;
}

/** What fitContextWeight returns. */
export interface ContextWeightFit {
  /** The chosen weight (0 unless the best weight's gain over 0 is significant, see fitContextWeight). */
  weight: number;
  /** Validation score without the term (w = 0): the starting point. */
  start: WeightTrial;
  /** Validation score at the chosen weight. */
  fitted: WeightTrial;
  /** The best weight of the grid by validation Recall@20, and the z of its paired gain over w = 0. */
  best: WeightTrial & { z: number };
  trials: WeightTrial[];
}

/**
 * Chooses the context weight by a grid search on validation: `evaluateAt(w)` scores the validation users with the
 * term at weight w. The best grid weight by Recall@20 (ties to the smaller |w|) is kept only when its paired
 * per-user gain over w = 0 is at least `minZ` standard errors (default 2): a gain within noise chooses w = 0, so
 * the term is not switched on by chance.
 */
export async function fitContextWeight(
  grid: readonly number[],
  evaluateAt: (weight: number) => Promise<WeightEvaluation>,
  minZ = 2,
): Promise<ContextWeightFit> {
  for (const w of grid) if (!Number.isFinite(w)) throw new Error(`fitContextWeight: grid weights must be finite numbers, got ${w}`);
  if (!(minZ >= 0)) throw new Error(`fitContextWeight: minZ must be >= 0, got ${minZ}`);
  const candidates = [0, ...grid.filter((w) => w !== 0).sort((a, b) => Math.abs(a) - Math.abs(b))];
  const trials: WeightTrial[] = [];
  const zero = await evaluateAt(0);
  trials.push({ weight: 0, recall20: zero.recall20, ndcg20: zero.ndcg20 });
  let best = { ...trials[0], z: 0 };
  for (const w of candidates.slice(1)) {
    const m = await evaluateAt(w);
    if (m.perUserRecall20.length !== zero.perUserRecall20.length) {
      throw new Error(`fitContextWeight: weight ${w} was evaluated on ${m.perUserRecall20.length} users, w = 0 on ${zero.perUserRecall20.length}`);
    }
    const t = { weight: w, recall20: m.recall20, ndcg20: m.ndcg20 };
    trials.push(t);
    if (t.recall20 > best.recall20) best = { ...t, z: pairedZ(m.perUserRecall20, zero.perUserRecall20) };
  }
  const chosen = best.weight !== 0 && best.z >= minZ ? best : { ...trials[0], z: 0 };
  return { weight: chosen.weight, start: trials[0], fitted: { weight: chosen.weight, recall20: chosen.recall20, ndcg20: chosen.ndcg20 }, best, trials };
}

/** Mean of a − b over their standard error (paired); 0 when they are identical. */
export function pairedZ(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  if (n !== b.length) throw new Error(`pairedZ: lengths differ (${a.length}, ${b.length})`);
  if (n < 2) return 0;
  let s = 0;
  for (let k = 0; k < n; k++) s += a[k] - b[k];
  const mean = s / n;
  let v = 0;
  for (let k = 0; k < n; k++) v += (a[k] - b[k] - mean) ** 2;
  const se = Math.sqrt(v / (n - 1) / n);
  return se > 0 ? mean / se : mean > 0 ? Infinity : mean < 0 ? -Infinity : 0;
}
