import type { Csr } from '../graph/csr';
import { startProgress } from '../progress';
import { seededRandom } from '../random';
import { dcgDiscount } from './metrics';
import { topK } from './topk';
import type { Recommender } from './types';

/**
 * All-ranking evaluation (the LightGCN protocol, ../shared/data/gowalla/README.md): every user with held-out
 * items gets a score for every item, the user's train items are excluded, and the top K are compared with
 * the held-out items.
 *
 * Definitions, all averaged over evaluated users unless said otherwise:
 * - Recall@K = hits / |test items| (not capped at K); Precision@K = hits / K; HitRate@K = share of users with
 *   at least one hit.
 * - NDCG@K: binary relevance, DCG = Σ 1/log2(rank+1) over hits (rank from 1), IDCG over min(K, |test items|).
 * - F1@K = 2PR/(P+R) of the *mean* Precision@K and *mean* Recall@K (not a per-user F1 averaged).
 * - Coverage@K = distinct items in any user's top K / numItems (a catalogue measure, not per user).
 * - Novelty@K = mean over users of the mean self-information −log2(max(pop_i, 1) / numUsers) of the
 *   recommended items, pop_i = number of train users of item i.
 * - AUC = per-user share of (test item, negative) pairs ordered correctly (ties count ½), negatives being all
 *   items in neither the user's train nor test set; exact over all negatives by default (a binary search of
 *   each item's score among the user's sorted test scores), or over sampled negatives when asked.
 */

/** The held-out evaluation data in index space: `train` items are excluded from ranking, `test` items are the targets. */
export interface EvaluationData {
  numUsers: number;
  numItems: number;
  train: Csr;
  test: Csr;
}

/** Options of evaluate. */
export interface EvaluateOptions {
  /** Cut-offs; default [20]. */
  ks?: number[];
  /** Users scored per scoreUsers call; default 1024. */
  batchSize?: number;
  /** Evaluate only these users (those without test items are skipped); default every user with test items. */
  users?: Int32Array;
  /** Evaluate a seeded random sample of at most this many users (e.g. for fast validation during training). */
  maxUsers?: number;
  /** Seed of the user sample and of sampled AUC negatives; default 2020. */
  seed?: number;
  /** 'exact' (default), 'none', or a number of uniformly sampled negatives per user. */
  auc?: 'exact' | 'none' | number;
  /** Shows a progress bar with this label on stderr. */
  progressLabel?: string;
  /** Called after every batch with users done and total. */
  onProgress?: (done: number, total: number) => void;
}

/** Ranking metrics at one cut-off K (see the module comment for their definitions). */
export interface RankingMetrics {
  recall: number;
  ndcg: number;
  precision: number;
  hitRate: number;
  f1: number;
  coverage: number;
  novelty: number;
}

/** What evaluate returns. */
export interface EvaluationResult {
  /** Users evaluated (with at least one test item). */
  users: number;
  /** Metrics by cut-off K. */
  atK: Record<number, RankingMetrics>;
  /** Mean per-user AUC, NaN when not computed. */
  auc: number;
  /** 'exact', 'sampled:<n>' or 'none'. */
  aucMethod: string;
  /** Wall-clock seconds of scoring and the ranking metrics (AUC's own time excluded, see aucSeconds). */
  evalSeconds: number;
  /** Wall-clock seconds spent on AUC (exact AUC is a second pass over every user × item). */
  aucSeconds: number;
}

/** Number of sorted positive scores `ps` strictly above s, plus half of those equal to s. */
function positivesAbove(ps: Float64Array, s: number): number {
  const n = ps.length;
  let a = 0;
  let z = n;
  while (a < z) {
    const m = (a + z) >> 1;
    if (ps[m] <= s) a = m + 1;
    else z = m;
  }
  const upper = a;
  if (upper === 0 || ps[upper - 1] !== s) return n - upper;
  let lower = upper - 1;
  while (lower > 0 && ps[lower - 1] === s) lower--;
  return n - upper + 0.5 * (upper - lower);
}

/** Indices of the rows of `csr` that have at least one entry. */
export function usersWithItems(csr: Csr): Int32Array {
  let n = 0;
  for (let u = 0; u < csr.rows; u++) if (csr.indptr[u + 1] > csr.indptr[u]) n++;
  const out = new Int32Array(n);
  n = 0;
  for (let u = 0; u < csr.rows; u++) if (csr.indptr[u + 1] > csr.indptr[u]) out[n++] = u;
  return out;
}

/** Self-information −log2(max(pop_i, 1) / numUsers) of each item, pop_i = the number of train entries in column i. */
export function itemSelfInformation(train: Csr, numItems: number, numUsers: number): Float64Array {
  const pop = new Int32Array(numItems);
  for (let k = 0; k < train.indices.length; k++) pop[train.indices[k]]++;
  const out = new Float64Array(numItems);
  for (let i = 0; i < numItems; i++) out[i] = -Math.log2(Math.max(pop[i], 1) / numUsers);
  return out;
}

/**
 * Evaluates `model` on `data` with the all-ranking protocol; returns metrics at each K, AUC and the time taken.
 * The model must already be fitted; only `scoreUsers` is called, in batches, into one reused buffer.
 */
export async function evaluate(
  model: Pick<Recommender, 'scoreUsers'>,
  data: EvaluationData,
  options: EvaluateOptions = {},
): Promise<EvaluationResult> {
  const t0 = performance.now();
  const ks = [...(options.ks ?? [20])].sort((a, b) => a - b);
  for (const k of ks) if (!Number.isInteger(k) || k < 1) throw new Error(`evaluate: options.ks must be positive integers, got ${k}`);
  const maxK = ks[ks.length - 1];
  const batchSize = options.batchSize ?? 1024;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`evaluate: options.batchSize must be a positive integer, got ${batchSize}`);
  const aucMode = options.auc ?? 'exact';
  if (typeof aucMode === 'number' && !(Number.isInteger(aucMode) && aucMode > 0)) {
    throw new Error(`evaluate: options.auc must be 'exact', 'none' or a positive integer, got ${aucMode}`);
  }
  const { numItems, numUsers, train, test } = data;
  if (train.rows !== numUsers || test.rows !== numUsers || train.cols !== numItems || test.cols !== numItems) {
    throw new Error(
      `evaluate: train (${train.rows}×${train.cols}) and test (${test.rows}×${test.cols}) must both be ${numUsers}×${numItems}`,
    );
  }
  const seed = options.seed ?? 2020;
  const rand = seededRandom(seed);

  // users to evaluate
  let users = options.users ? options.users.filter((u) => test.indptr[u + 1] > test.indptr[u]) : usersWithItems(test);
  if (options.maxUsers !== undefined && users.length > options.maxUsers) {
    const pick = Int32Array.from(users);
    for (let k = 0; k < options.maxUsers; k++) {
      const j = k + Math.floor(rand() * (pick.length - k));
      const t = pick[k];
      pick[k] = pick[j];
      pick[j] = t;
    }
    users = pick.subarray(0, options.maxUsers).sort();
  }
  const total = users.length;

  const selfInfo = itemSelfInformation(train, numItems, numUsers);
  // idcg[m] = Σ_{r<m} 1/log2(r+2)
  const discount = new Float64Array(maxK);
  for (let r = 0; r < maxK; r++) discount[r] = dcgDiscount(r);
  const idcg = new Float64Array(maxK + 1);
  for (let m = 1; m <= maxK; m++) idcg[m] = idcg[m - 1] + discount[m - 1];

  const nk = ks.length;
  const sumRecall = new Float64Array(nk);
  const sumNdcg = new Float64Array(nk);
  const sumHits = new Float64Array(nk);
  const sumHitUsers = new Float64Array(nk);
  const sumNovelty = new Float64Array(nk);
  // smallest rank at which each item was recommended to anyone: coverage@K = #items with minRank < K
  const minRank = new Int32Array(numItems).fill(maxK);
  let aucSum = 0;
  let aucUsers = 0;
  let aucMs = 0;

  const testStamp = new Int32Array(numItems).fill(-1);
  const trainStamp = new Int32Array(numItems).fill(-1);
  const topIdx = new Int32Array(maxK);
  const hitAt = new Uint8Array(maxK);
  let posScores = new Float64Array(64);

  const bufUsers = Math.min(batchSize, Math.max(1, total));
  const buffer = new Float32Array(bufUsers * numItems);
  const bar = options.progressLabel ? startProgress(options.progressLabel, total, 'users') : undefined;

  try {
    for (let b0 = 0; b0 < total; b0 += batchSize) {
      const batch = users.subarray(b0, Math.min(total, b0 + batchSize));
      const out = buffer.subarray(0, batch.length * numItems);
      await model.scoreUsers(batch, out);
      for (let bu = 0; bu < batch.length; bu++) {
        const u = batch[bu];
        const off = bu * numItems;
        for (let k = train.indptr[u]; k < train.indptr[u + 1]; k++) {
          const it = train.indices[k];
          out[off + it] = -Infinity;
          trainStamp[it] = u;
        }
        const ts = test.indptr[u];
        const te = test.indptr[u + 1];
        const nTest = te - ts;
        for (let k = ts; k < te; k++) testStamp[test.indices[k]] = u;

        // ranking metrics
        const got = topK(out, off, numItems, maxK, topIdx);
        for (let r = 0; r < got; r++) {
          const it = topIdx[r];
          hitAt[r] = testStamp[it] === u ? 1 : 0;
          if (r < minRank[it]) minRank[it] = r;
        }
        let hits = 0;
        let dcg = 0;
        let info = 0;
        let r = 0;
        for (let q = 0; q < nk; q++) {
          const K = ks[q];
          const lim = Math.min(K, got);
          for (; r < lim; r++) {
            if (hitAt[r]) {
              hits++;
              dcg += discount[r];
            }
            info += selfInfo[topIdx[r]];
          }
          sumRecall[q] += hits / nTest;
          sumNdcg[q] += dcg / idcg[Math.min(K, nTest)];
          sumHits[q] += hits;
          if (hits > 0) sumHitUsers[q]++;
          if (lim > 0) sumNovelty[q] += info / lim;
        }

        // AUC
        if (aucMode !== 'none') {
          const ta = performance.now();
          if (posScores.length < nTest) posScores = new Float64Array(nTest * 2);
          for (let k = ts; k < te; k++) posScores[k - ts] = out[off + test.indices[k]];
          const ps = posScores.subarray(0, nTest).sort();
          const lo = ps[0];
          const hi = ps[nTest - 1];
          let correct = 0;
          let negatives = 0;
          if (aucMode === 'exact') {
            // inlined (this loop runs users × items times): most items fall outside [lo, hi] and cost two compares
            for (let it = 0; it < numItems; it++) {
              if (trainStamp[it] === u || testStamp[it] === u) continue;
              const s = out[off + it];
              negatives++;
              if (s < lo) correct += nTest;
              else if (s <= hi) correct += positivesAbove(ps, s);
              else if (s !== s) correct += 0.5 * nTest; // NaN orders nothing: a tie
            }
          } else {
            const nNeg = numItems - (train.indptr[u + 1] - train.indptr[u]) - nTest;
            for (let drawn = 0; nNeg > 0 && drawn < aucMode; ) {
              const it = Math.floor(rand() * numItems);
              if (trainStamp[it] === u || testStamp[it] === u) continue;
              drawn++;
              const s = out[off + it];
              negatives++;
              if (s < lo) correct += nTest;
              else if (s <= hi) correct += positivesAbove(ps, s);
              else if (s !== s) correct += 0.5 * nTest;
            }
          }
          if (negatives > 0) {
            aucSum += correct / (nTest * negatives);
            aucUsers++;
          }
          aucMs += performance.now() - ta;
        }
      }
      bar?.increment(batch.length);
      options.onProgress?.(Math.min(total, b0 + batchSize), total);
    }
  } finally {
    bar?.stop();
  }

  const atK: Record<number, RankingMetrics> = {};
  for (let q = 0; q < nk; q++) {
    const K = ks[q];
    const n = Math.max(total, 1);
    const recall = sumRecall[q] / n;
    const precision = sumHits[q] / (K * n);
    let covered = 0;
    for (let i = 0; i < numItems; i++) if (minRank[i] < K) covered++;
    atK[K] = {
      recall,
      ndcg: sumNdcg[q] / n,
      precision,
      hitRate: sumHitUsers[q] / n,
      f1: recall + precision > 0 ? (2 * precision * recall) / (precision + recall) : 0,
      coverage: covered / numItems,
      novelty: sumNovelty[q] / n,
    };
  }
  return {
    users: total,
    atK,
    auc: aucUsers > 0 ? aucSum / aucUsers : NaN,
    aucMethod: aucMode === 'exact' ? 'exact' : aucMode === 'none' ? 'none' : `sampled:${aucMode}`,
    evalSeconds: (performance.now() - t0 - aucMs) / 1000,
    aucSeconds: aucMs / 1000,
  };
}
