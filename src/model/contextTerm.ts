/**
 * The context term of a score and its weight fit: score(u, i | c) = base(u, i) + w · lift(i, c), with
 * lift(i, c) the served context lift of src/model/contextLift.ts (ContextLift: Σ over the request's contexts of
 * log(q_ic / p_c), the item's smoothed share of its uses in c over the share of c among all uses, from
 * item × context counts, POPULAR_IN). w is fitted on a validation split carved from train by a grid search
 * on Recall@20; w = 0 is always a candidate and is kept unless a weight's paired gain on validation users is
 * significant, so the term never lowers validation Recall@20 and is not switched on by noise.
 */
import { csrFromCoo, type Csr } from '../graph/csr';
import { ContextLift } from './contextLift';
import type { ContextKey } from '../graph/types';
import { ndcgAtK, recallAtK } from './metrics';
import { topK } from './topk';

/** Default pseudo-count of the lift (ContextLift's). */
export const DEFAULT_CONTEXT_SMOOTHING = 5;

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

/**
 * items × contexts counts of a set of training entries: each entry (a user–item pair of `train`) counts once on its
 * item for each context of its latest interaction (`entryContexts`, rows aligned with train's entries); `keep`
 * (1 per entry) restricts the entries, e.g. to a fit split. The one definition of the lift's counts, offline and
 * online.
 */
export function itemContextCountsOf(train: Csr, entryContexts: Csr, keep?: Uint8Array): Csr {
  if (entryContexts.rows !== train.indices.length) {
    throw new Error(`itemContextCountsOf: ${entryContexts.rows} entry rows for ${train.indices.length} train entries`);
  }
  const rows: number[] = [];
  const cols: number[] = [];
  for (let p = 0; p < train.indices.length; p++) {
    if (keep && !keep[p]) continue;
    for (let x = entryContexts.indptr[p]; x < entryContexts.indptr[p + 1]; x++) {
      rows.push(train.indices[p]);
      cols.push(entryContexts.indices[x]);
    }
  }
  return csrFromCoo(train.cols, entryContexts.cols, Int32Array.from(rows), Int32Array.from(cols));
}

/** What fitContextTerm returns: the chosen weight and smoothing, the score scale the grid is in, the weight search. */
export interface ContextTermFit extends ContextWeightFit {
  smoothing: number;
  /** Median over validation users of their base scores' standard deviation: the grid's unit. */
  scale: number;
  users: number;
}

/** Smoothings and weights (in units of the score scale) the context term's fit tries. */
export const CONTEXT_SMOOTHINGS = [DEFAULT_CONTEXT_SMOOTHING, 50];
export const CONTEXT_WEIGHT_STEPS = [1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1];

/**
 * Fits the context term's weight and smoothing on validation users: each user's request context is the contexts of
 * their latest validation pair, their base scores (`score`, the fitted filter on the fit rows) are cached, and every
 * (smoothing, weight) point adds weight · lift to them and ranks the items not in `fit`. Per smoothing, the weight
 * comes from fitContextWeight (0 unless significant); the smoothing whose best weight scores highest is kept.
 */
export async function fitContextTerm(o: {
  score: (users: Int32Array, out: Float32Array) => void;
  fit: Csr;
  target: Csr;
  users: Int32Array;
  /** Per user of `users`, the request context (context columns). */
  requests: readonly (readonly number[])[];
  counts: Csr;
  contexts: readonly ContextKey[];
}): Promise<ContextTermFit> {
  const n = o.fit.cols;
  const B = o.users.length;
  const base = new Float32Array(B * n);
  for (let s = 0; s < B; s += 256) {
    const b = o.users.subarray(s, s + 256);
    o.score(b, base.subarray(s * n, (s + b.length) * n));
    await new Promise((resolve) => setImmediate(resolve));
  }
  // mask each user's fit items, and the scale: the median of the users' score standard deviations
  const sds: number[] = [];
  for (let q = 0; q < B; q++) {
    const u = o.users[q];
    for (let p = o.fit.indptr[u]; p < o.fit.indptr[u + 1]; p++) base[q * n + o.fit.indices[p]] = -Infinity;
    let s1 = 0;
    let s2 = 0;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const x = base[q * n + i];
      if (x === -Infinity) continue;
      s1 += x;
      s2 += x * x;
      m++;
    }
    if (m > 0) sds.push(Math.sqrt(Math.max(0, s2 / m - (s1 / m) ** 2)));
  }
  sds.sort((a, b) => a - b);
  const scale = sds[sds.length >> 1] || 1;
  const targets = Array.from(o.users, (u) => new Set(o.target.indices.subarray(o.target.indptr[u], o.target.indptr[u + 1])));
  const row = new Float32Array(n);
  const top = new Int32Array(20);
  let best: ContextTermFit | undefined;
  for (const smoothing of CONTEXT_SMOOTHINGS) {
    const lift = new ContextLift(o.counts, o.contexts, smoothing);
    const lifts = new Map<string, Float32Array>();
    const liftOf = (req: readonly number[]) => {
      const key = req.join(',');
      let l = lifts.get(key);
      if (!l) lifts.set(key, (l = new Float32Array(n))), lift.scoreAll(req, l);
      return l;
    };
    const f = await fitContextWeight(CONTEXT_WEIGHT_STEPS.map((x) => x * scale), async (w) => {
      const per = new Float64Array(B);
      let rec = 0;
      let nd = 0;
      for (let q = 0; q < B; q++) {
        const l = liftOf(o.requests[q]);
        for (let i = 0; i < n; i++) row[i] = base[q * n + i] + w * l[i];
        const got = topK(row, 0, n, 20, top);
        const list = top.subarray(0, got);
        const rel = { has: (i: number) => targets[q].has(i), size: targets[q].size };
        per[q] = recallAtK(list, rel, 20);
        rec += per[q];
        nd += ndcgAtK(list, rel, 20);
      }
      return { recall20: rec / B, ndcg20: nd / B, perUserRecall20: per };
    });
    if (!best || f.best.recall20 > best.best.recall20) best = { ...f, smoothing, scale, users: B };
  }
  return best!;
}
