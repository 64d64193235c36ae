/**
 * The three evaluations of a split with cold users and cold items (../shared/data/ml-100k/README.md), all
 * all-ranking at K = 20 through src/model/evaluate.ts (Recall uncapped, NDCG binary):
 * - warm: users not cold with test items among the train items; ranked: the train items minus the user's own;
 *   relevant: their test items among the train items.
 * - coldUsers: the cold users with test items among the train items; ranked: the train items; relevant: those
 *   test items.
 * - coldItems: users not cold who have a cold item in test; ranked: the cold items; relevant: the cold items
 *   they rated.
 * "Train items" are the items with at least one train interaction.
 */
import type { Csr } from '../graph/csr';
import { binaryCsr } from '../graph/files';
import { seededRandom } from '../random';
import { ndcgAtK, recallAtK } from './metrics';
import { evaluate } from './evaluate';
import { topK } from './topk';

/** One evaluation: who is ranked for, what is ranked, what is masked and what is relevant. */
export interface EvaluationSlice {
  name: 'warm' | 'coldUsers' | 'coldItems';
  /** Ranked users, ascending, each with at least one relevant item. */
  users: Int32Array;
  /** 1 for the items that are ranked. */
  candidates: Uint8Array;
  /** Items excluded per user (users × items): the user's train items. */
  exclude: Csr;
  /** Relevant items per user (users × items), all among the candidates. */
  relevant: Csr;
}

/** The three slices of a split. */
export interface Slices {
  warm: EvaluationSlice;
  coldUsers: EvaluationSlice;
  coldItems: EvaluationSlice;
}

/** The rows of `a` restricted to the columns with keep[col] = 1 (and, if given, to the rows with keepRow = 1). */
export function restrictColumns(a: Csr, keep: Uint8Array, keepRow?: Uint8Array): Csr {
  const indptr = new Int32Array(a.rows + 1);
  const idx: number[] = [];
  const val: number[] = [];
  for (let r = 0; r < a.rows; r++) {
    if (!keepRow || keepRow[r]) {
      for (let p = a.indptr[r]; p < a.indptr[r + 1]; p++) {
        if (keep[a.indices[p]]) {
          idx.push(a.indices[p]);
          val.push(a.values[p]);
        }
      }
    }
    indptr[r + 1] = idx.length;
  }
  return { rows: a.rows, cols: a.cols, indptr, indices: Int32Array.from(idx), values: Float32Array.from(val) };
}

function nonEmptyRows(a: Csr): Int32Array {
  const out: number[] = [];
  for (let r = 0; r < a.rows; r++) if (a.indptr[r + 1] > a.indptr[r]) out.push(r);
  return Int32Array.from(out);
}

/** 1 for the items with at least one entry in `train`. */
export function itemsIn(train: Csr): Uint8Array {
  const out = new Uint8Array(train.cols);
  for (let p = 0; p < train.indices.length; p++) out[train.indices[p]] = 1;
  return out;
}

/**
 * Builds the three slices (see the module comment) from train and test (users × items) and the cold users and
 * items; throws if a cold user or cold item has a train interaction.
 */
export function buildSlices(train: Csr, test: Csr, coldUsers: ArrayLike<number>, coldItems: ArrayLike<number>): Slices {
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new Error(`buildSlices: train (${train.rows}×${train.cols}) and test (${test.rows}×${test.cols}) differ in shape`);
  }
  const isColdUser = new Uint8Array(train.rows);
  for (let k = 0; k < coldUsers.length; k++) {
    const u = coldUsers[k];
    if (!(u >= 0 && u < train.rows)) throw new Error(`buildSlices: cold user ${u} out of range [0, ${train.rows})`);
    if (train.indptr[u + 1] > train.indptr[u]) throw new Error(`buildSlices: cold user ${u} has train interactions`);
    isColdUser[u] = 1;
  }
  const trainItems = itemsIn(train);
  const isColdItem = new Uint8Array(train.cols);
  for (let k = 0; k < coldItems.length; k++) {
    const i = coldItems[k];
    if (!(i >= 0 && i < train.cols)) throw new Error(`buildSlices: cold item ${i} out of range [0, ${train.cols})`);
    if (trainItems[i]) throw new Error(`buildSlices: cold item ${i} has train interactions`);
    isColdItem[i] = 1;
  }
  const warmUser = Uint8Array.from(isColdUser, (c) => 1 - c);
  const warmRelevant = restrictColumns(test, trainItems, warmUser);
  const coldUserRelevant = restrictColumns(test, trainItems, isColdUser);
  const coldItemRelevant = restrictColumns(test, isColdItem, warmUser);
  return {
    warm: { name: 'warm', users: nonEmptyRows(warmRelevant), candidates: trainItems, exclude: train, relevant: warmRelevant },
    coldUsers: { name: 'coldUsers', users: nonEmptyRows(coldUserRelevant), candidates: trainItems, exclude: train, relevant: coldUserRelevant },
    coldItems: { name: 'coldItems', users: nonEmptyRows(coldItemRelevant), candidates: isColdItem, exclude: train, relevant: coldItemRelevant },
  };
}

/** Scores every item (row-major users.length × items) for a batch of users. */
export type ScoreFunction = (users: Int32Array, out: Float32Array) => void | Promise<void>;

/** Recall@20 and NDCG@20 of one slice. */
export interface SliceMetrics {
  users: number;
  recall20: number;
  ndcg20: number;
}

/** Evaluates a score function on a slice with src/model/evaluate.ts: non-candidates and excluded items are never ranked. */
export async function evaluateSlice(score: ScoreFunction, slice: EvaluationSlice, options: { batchSize?: number } = {}): Promise<SliceMetrics> {
  const { candidates, exclude, relevant } = slice;
  const n = candidates.length;
  const masked = {
    scoreUsers: async (users: Int32Array, out: Float32Array) => {
      await score(users, out);
      for (let q = 0; q < users.length; q++) {
        const o = q * n;
        for (let i = 0; i < n; i++) if (!candidates[i]) out[o + i] = -Infinity;
      }
    },
  };
  const res = await evaluate(masked, { numUsers: exclude.rows, numItems: n, train: exclude, test: relevant }, { ks: [20], auc: 'none', users: slice.users, batchSize: options.batchSize ?? 256 });
  return { users: res.users, recall20: res.atK[20].recall, ndcg20: res.atK[20].ndcg };
}

/** Recall@20 and NDCG@20 of every slice user, in slice.users order. */
export interface PerUserMetrics {
  recall20: Float64Array;
  ndcg20: Float64Array;
}

/**
 * Recall@20 and NDCG@20 of every slice user (in slice.users order) with the project's per-list metrics
 * (src/model/metrics.ts recallAtK, ndcgAtK), masking as evaluateSlice does; for paired comparisons of score
 * functions on the same users. Their means equal evaluateSlice's.
 */
export async function perUserMetrics20(score: ScoreFunction, slice: EvaluationSlice): Promise<PerUserMetrics> {
  const { candidates, exclude, relevant, users } = slice;
  const n = candidates.length;
  const out = new Float64Array(users.length);
  const nd = new Float64Array(users.length);
  const idx = new Int32Array(20);
  const batch = 256;
  const buf = new Float32Array(Math.min(batch, users.length) * n);
  for (let s = 0; s < users.length; s += batch) {
    const b = users.subarray(s, s + batch);
    const rows = buf.subarray(0, b.length * n);
    await score(b, rows);
    for (let q = 0; q < b.length; q++) {
      const u = b[q];
      const o = q * n;
      for (let i = 0; i < n; i++) if (!candidates[i]) rows[o + i] = -Infinity;
      for (let p = exclude.indptr[u]; p < exclude.indptr[u + 1]; p++) rows[o + exclude.indices[p]] = -Infinity;
      const got = topK(rows, o, n, 20, idx);
      const rel = new Set(relevant.indices.subarray(relevant.indptr[u], relevant.indptr[u + 1]));
      out[s + q] = recallAtK(idx.subarray(0, got), rel, 20);
      nd[s + q] = ndcgAtK(idx.subarray(0, got), rel, 20);
    }
  }
  return { recall20: out, ndcg20: nd };
}

/** Timed interactions in index space (the shape of src/graph/ml100kFiles.ts TimedRatings). */
export interface TimedInteractions {
  users: Int32Array;
  items: Int32Array;
  /** UTC seconds. */
  timestamps: Float64Array;
}

/** Options of carveColdSplit. */
export interface ColdSplitOptions {
  /** Share of the users (with interactions) made cold; default 0.1. */
  userFraction?: number;
  /** Share of the items (with interactions) made cold; default 0.1. */
  itemFraction?: number;
  /** Share of each remaining user's interactions (the latest, at least one) held out; default 0.2. */
  heldOutFraction?: number;
  /** Seed of the choice of cold users and items; default 2020. */
  seed?: number;
}

/** A split of timed interactions into what is fitted on and what is held out, with cold users and items. */
export interface ColdSplit {
  /** Indices into the input interactions. */
  fit: Int32Array;
  heldOut: Int32Array;
  coldUsers: Int32Array;
  coldItems: Int32Array;
}

/**
 * Splits timed interactions the way ../shared/data/ml-100k/README.md split the data, so that a validation split
 * carved from train looks like the test split: a seeded share of the users and of the items become cold (all
 * their interactions held out); for every other user the latest share of their remaining interactions in time
 * order (ties by item index, at least one) is held out, the rest is fitted on. Users with a single remaining
 * interaction keep it in fit.
 */
export function carveColdSplit(data: TimedInteractions, options: ColdSplitOptions = {}): ColdSplit {
  const uf = options.userFraction ?? 0.1;
  const itf = options.itemFraction ?? 0.1;
  const hf = options.heldOutFraction ?? 0.2;
  for (const [name, v] of [['userFraction', uf], ['itemFraction', itf], ['heldOutFraction', hf]] as const) {
    if (!(v >= 0 && v < 1)) throw new Error(`carveColdSplit: options.${name} must be in [0, 1), got ${v}`);
  }
  const rand = seededRandom(options.seed ?? 2020);
  const pick = (ids: number[], share: number): Int32Array => {
    const a = ids.slice();
    const m = Math.round(share * a.length);
    for (let k = 0; k < m; k++) {
      const j = k + Math.floor(rand() * (a.length - k));
      [a[k], a[j]] = [a[j], a[k]];
    }
    return Int32Array.from(a.slice(0, m)).sort();
  };
  const n = data.users.length;
  const userSet = [...new Set(data.users)].sort((a, b) => a - b);
  const itemSet = [...new Set(data.items)].sort((a, b) => a - b);
  const coldUsers = pick(userSet, uf);
  const coldItems = pick(itemSet, itf);
  const cu = new Set(coldUsers);
  const ci = new Set(coldItems);
  const byUser = new Map<number, number[]>();
  const held: number[] = [];
  const fit: number[] = [];
  for (let k = 0; k < n; k++) {
    if (cu.has(data.users[k]) || ci.has(data.items[k])) {
      held.push(k);
      continue;
    }
    let l = byUser.get(data.users[k]);
    if (!l) byUser.set(data.users[k], (l = []));
    l.push(k);
  }
  for (const l of byUser.values()) {
    l.sort((a, b) => data.timestamps[a] - data.timestamps[b] || data.items[a] - data.items[b]);
    const take = l.length < 2 ? 0 : Math.min(l.length - 1, Math.max(1, Math.round(hf * l.length)));
    for (let k = 0; k < l.length; k++) (k < l.length - take ? fit : held).push(l[k]);
  }
  return { fit: Int32Array.from(fit).sort(), heldOut: Int32Array.from(held).sort(), coldUsers, coldItems };
}

/** Binary users × items CSR of the interactions at `rows` (indices into `data`). */
export function interactionsCsr(data: TimedInteractions, rows: Int32Array, numUsers: number, numItems: number): Csr {
  return binaryCsr(numUsers, numItems, Int32Array.from(rows, (k) => data.users[k]), Int32Array.from(rows, (k) => data.items[k]));
}

/** For every user, the index (into `data`, among `rows`) of their earliest interaction (ties by item), -1 when none. */
export function firstInteraction(data: TimedInteractions, rows: Int32Array, numUsers: number): Int32Array {
  const out = new Int32Array(numUsers).fill(-1);
  for (const k of rows) {
    const u = data.users[k];
    const f = out[u];
    if (f < 0 || data.timestamps[k] < data.timestamps[f] || (data.timestamps[k] === data.timestamps[f] && data.items[k] < data.items[f])) out[u] = k;
  }
  return out;
}
