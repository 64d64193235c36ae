/**
 * The context term of a score and its weight fit: score(u, i | c) = base(u, i) + w · lift(i, c), with
 * lift(i, c) the served context lift of src/policy/context.ts (ContextLift: Σ over the request's contexts of
 * log(q_ic / p_c), the item's smoothed share of its uses in c over the share of c among all uses, from
 * item × context counts, POPULAR_IN). w is fitted on a validation split carved from train by a grid search
 * on Recall@20; w = 0 is always a candidate and wins ties, so the term can never lower validation Recall@20.
 */
import type { Csr } from '../graph/csr';
import { ContextLift } from '../policy/context';
import type { ContextKey } from './types';

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

/** What fitContextWeight returns. */
export interface ContextWeightFit {
  /** The chosen weight (0 when no positive weight beats it on validation Recall@20). */
  weight: number;
  /** Validation score without the term (w = 0): the starting point. */
  start: WeightTrial;
  /** Validation score at the chosen weight. */
  fitted: WeightTrial;
  trials: WeightTrial[];
}

/**
 * Chooses the context weight by a grid search on validation: `evaluateAt(w)` returns validation Recall@20 and
 * NDCG@20 with the term at weight w; 0 is always tried first and a weight replaces the best only when its
 * Recall@20 is strictly higher (ties on Recall@20 go to the higher NDCG@20, then to the smaller |w|).
 */
export async function fitContextWeight(
  grid: readonly number[],
  evaluateAt: (weight: number) => Promise<{ recall20: number; ndcg20: number }>,
): Promise<ContextWeightFit> {
  for (const w of grid) if (!Number.isFinite(w)) throw new Error(`fitContextWeight: grid weights must be finite numbers, got ${w}`);
  const candidates = [0, ...grid.filter((w) => w !== 0).sort((a, b) => Math.abs(a) - Math.abs(b))];
  const trials: WeightTrial[] = [];
  let best: WeightTrial | undefined;
  for (const w of candidates) {
    const m = await evaluateAt(w);
    const t = { weight: w, recall20: m.recall20, ndcg20: m.ndcg20 };
    trials.push(t);
    if (!best || t.recall20 > best.recall20 || (t.recall20 === best.recall20 && t.ndcg20 > best.ndcg20)) best = t;
  }
  return { weight: best!.weight, start: trials[0], fitted: best!, trials };
}
