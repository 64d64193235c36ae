import type { Csr } from '../../graph/csr';
import { transpose } from '../../graph/csr';
import { startProgress } from '../../progress';
import { evaluate } from '../evaluate';
import { validationSplit } from '../split';
import { topK } from '../topk';
import type { FitReport, Recommender } from '../types';
import type { InteractionDataset } from '../../graph/types';

/** Options of ItemKnn. */
export interface ItemKnnOptions {
  /** Neighbour counts tried on the validation split; the best by Recall@20 is refitted on all of train. Default [100, 200, 400, 800]. */
  neighbourCandidates?: number[];
  /** Fixed neighbour count: skips the validation search over k. */
  neighbours?: number;
  /**
   * How each user's co-occurrences are weighted, tried on validation: 'none' (plain cosine) or 'inverse'
   * (each user counts 1/|I_u|, the inverse-user-frequency weighting that keeps heavy users from dominating).
   * Default ['none', 'inverse'].
   */
  userWeightings?: UserWeighting[];
  /** Validation users sampled for the choice (all when undefined); default 10,000. */
  validationUsers?: number;
  /** Show progress bars on stderr; default true. */
  progress?: boolean;
}

/** Weighting of a user's contribution to co-occurrence counts. */
export type UserWeighting = 'none' | 'inverse';

/** The k nearest neighbours of every item, best first, at a fixed stride (row i holds counts[i] ≤ stride entries). */
export interface ItemNeighbours {
  stride: number;
  counts: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/**
 * Item-item cosine similarity on binary co-occurrence, Σ_{u ∈ U_i ∩ U_j} w_u / sqrt(|U_i| |U_j|) with user
 * weights w_u (1 when not given), keeping each item's `k` most similar other items. Hand-written over typed arrays: one dense accumulator row per item, touched
 * only at co-occurring items, so the cost is Σ_u |I_u|² rather than items².
 */
export function itemNeighbours(userItems: Csr, k: number, onItem?: (done: number) => void, userWeight?: Float32Array): ItemNeighbours {
  const numItems = userItems.cols;
  const itemUsers = transpose(userItems);
  const deg = new Float64Array(numItems);
  for (let i = 0; i < numItems; i++) deg[i] = itemUsers.indptr[i + 1] - itemUsers.indptr[i];
  const acc = new Float32Array(numItems);
  const touched = new Int32Array(numItems);
  const candScores = new Float32Array(numItems);
  const best = new Int32Array(k);
  const bestScores = new Float32Array(k);
  const out: ItemNeighbours = {
    stride: k,
    counts: new Int32Array(numItems),
    indices: new Int32Array(numItems * k),
    values: new Float32Array(numItems * k),
  };
  const { indptr: uPtr, indices: uIdx } = userItems;
  for (let i = 0; i < numItems; i++) {
    let nt = 0;
    for (let a = itemUsers.indptr[i]; a < itemUsers.indptr[i + 1]; a++) {
      const u = itemUsers.indices[a];
      const w = userWeight ? userWeight[u] : 1;
      for (let b = uPtr[u]; b < uPtr[u + 1]; b++) {
        const j = uIdx[b];
        if (acc[j] === 0) touched[nt++] = j;
        acc[j] += w;
      }
    }
    // similarities of the touched items (excluding i itself), then the top k among them
    let nc = 0;
    const di = deg[i];
    for (let t = 0; t < nt; t++) {
      const j = touched[t];
      candScores[t] = j === i ? -Infinity : acc[j] / Math.sqrt(di * deg[j]);
      acc[j] = 0;
      nc++;
    }
    const got = topK(candScores, 0, nc, k, best, bestScores);
    out.counts[i] = got;
    for (let r = 0; r < got; r++) {
      out.indices[i * k + r] = touched[best[r]];
      out.values[i * k + r] = bestScores[r];
    }
    if (onItem && (i & 1023) === 1023) onItem(i + 1);
  }
  onItem?.(numItems);
  return out;
}

/**
 * Item-based k-nearest-neighbour recommender (Deshpande & Karypis): a user's score for item i is the sum of
 * cosine similarities sim(j, i) over the user's items j that have i among their k nearest neighbours.
 * k and the user weighting are chosen by Recall@20 on a validation split carved from train, then the model is
 * refitted on all of train.
 */
export class ItemKnn implements Recommender {
  readonly name = 'ItemKNN';
  private neighbours?: ItemNeighbours;
  private k = 0;
  private train?: Csr;

  /** Per-user weights 1/|I_u| for the 'inverse' weighting, undefined for 'none'. */
  static userWeights(train: Csr, weighting: UserWeighting): Float32Array | undefined {
    if (weighting === 'none') return undefined;
    const w = new Float32Array(train.rows);
    for (let u = 0; u < train.rows; u++) w[u] = 1 / Math.max(1, train.indptr[u + 1] - train.indptr[u]);
    return w;
  }

  constructor(private readonly options: ItemKnnOptions = {}) {
    for (const c of options.neighbourCandidates ?? []) {
      if (!Number.isInteger(c) || c < 1) throw new Error(`ItemKnn: neighbourCandidates must be positive integers, got ${c}`);
    }
    for (const w of options.userWeightings ?? []) {
      if (w !== 'none' && w !== 'inverse') throw new Error(`ItemKnn: userWeightings must be 'none' or 'inverse', got "${w}"`);
    }
    if (options.neighbours !== undefined && !(Number.isInteger(options.neighbours) && options.neighbours > 0)) {
      throw new Error(`ItemKnn: neighbours must be a positive integer, got ${options.neighbours}`);
    }
  }

  /** Chooses k on validation (unless fixed), then computes the neighbours on the whole train matrix. */
  async fit(data: InteractionDataset, fitOptions: { seed?: number; onProgress?: (info: Record<string, number>) => void } = {}): Promise<FitReport> {
    const t0 = performance.now();
    const seed = fitOptions.seed ?? 2020;
    const showBars = this.options.progress ?? true;
    const candidates = this.options.neighbours !== undefined ? [this.options.neighbours] : this.options.neighbourCandidates ?? [100, 200, 400, 800];
    const weightings = this.options.userWeightings ?? ['none', 'inverse'];
    const validation: Record<string, number> = {};
    let chosen = candidates[0];
    let chosenWeighting = weightings[0];
    if (candidates.length > 1 || weightings.length > 1) {
      const split = validationSplit(data.train, { seed });
      const maxK = Math.max(...candidates);
      let bestRecall = -1;
      for (const weighting of weightings) {
        this.neighbours = this.computeNeighbours(split.fit, maxK, weighting, showBars ? `ItemKNN validation (${weighting})` : undefined);
        this.train = split.fit;
        for (const k of candidates) {
          this.k = k;
          const res = await evaluate(
            this,
            { numUsers: data.numUsers, numItems: data.numItems, train: split.fit, test: split.validation },
            { ks: [20], auc: 'none', maxUsers: this.options.validationUsers ?? 10_000, seed },
          );
          const recall = res.atK[20].recall;
          validation[`valRecall20(${weighting},k=${k})`] = recall;
          fitOptions.onProgress?.({ k, valRecall20: recall });
          if (recall > bestRecall) {
            bestRecall = recall;
            chosen = k;
            chosenWeighting = weighting;
          }
        }
      }
    }
    this.neighbours = this.computeNeighbours(data.train, chosen, chosenWeighting, showBars ? 'ItemKNN similarities' : undefined);
    this.k = chosen;
    this.train = data.train;
    return {
      trainSeconds: (performance.now() - t0) / 1000,
      epochs: 0,
      params: { neighbours: chosen, userWeighting: chosenWeighting, similarity: 'cosine', candidates, weightings, ...validation },
    };
  }

  private computeNeighbours(train: Csr, k: number, weighting: UserWeighting, label?: string): ItemNeighbours {
    const bar = label ? startProgress(label, train.cols, 'items') : undefined;
    try {
      let last = 0;
      return itemNeighbours(
        train,
        k,
        (done) => {
          bar?.increment(done - last);
          last = done;
        },
        ItemKnn.userWeights(train, weighting),
      );
    } finally {
      bar?.stop();
    }
  }

  /** Sums, for each of the user's train items, its k neighbours' similarities into the user's row. */
  scoreUsers(users: Int32Array, out: Float32Array): void {
    const nb = this.neighbours;
    const train = this.train;
    if (!nb || !train) throw new Error('ItemKnn.scoreUsers: call fit() first');
    const n = train.cols;
    if (out.length < users.length * n) throw new Error(`ItemKnn.scoreUsers: out has ${out.length} entries, needs ${users.length * n}`);
    const { stride, counts, indices, values } = nb;
    const k = this.k;
    out.fill(0, 0, users.length * n);
    for (let b = 0; b < users.length; b++) {
      const u = users[b];
      const off = b * n;
      for (let a = train.indptr[u]; a < train.indptr[u + 1]; a++) {
        const j = train.indices[a];
        const base = j * stride;
        const lim = base + Math.min(k, counts[j]);
        for (let r = base; r < lim; r++) out[off + indices[r]] += values[r];
      }
    }
  }
}
