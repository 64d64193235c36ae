import type { Csr } from '../graph/csr';
import { seededRandom } from '../random';

/**
 * The share of the fully dated users whose latest items are held out (the recency half-life's validation); the
 * others' random items are the filter search's, so that one split serves both.
 */
export const LATEST_SHARE = 1 / 3;

/** Options of validationSplit. */
export interface ValidationSplitOptions {
  /** Share of each user's items moved to validation, in (0, 1); default 0.2. */
  fraction?: number;
  /** Seed of the random choice; default 2020. */
  seed?: number;
  /**
   * Per entry of `train`, the pair's latest time (InteractionDataset.trainTimes). A share of the users whose pairs
   * are all dated (LATEST_SHARE, at random) move their latest items to validation (ties by column): the next items from the
   * past ones, what the recency half-life is fitted on; the other users' items are chosen at random.
   */
  times?: Float64Array;
}

/** The training interactions split in two: `fit` to train on, `validation` to choose epochs and hyper-parameters. */
export interface ValidationSplit {
  fit: Csr;
  validation: Csr;
  /** `times` restricted to fit's entries (absent without `times`). */
  fitTimes?: Float64Array;
  /** Per entry of `validation`, the index of its entry in `train` (to map anything aligned with train's entries). */
  validationEntries: Int32Array;
  /** Per user, 1 when their latest items were moved (a dated user of the LATEST_SHARE), 0 when random ones. */
  latest?: Uint8Array;
}

/**
 * Carves a validation split out of `train` only: for each user with at least 2 items, round(fraction × n)
 * items (at least 1, at most n − 1) move to `validation` (chosen at random, or the latest for a share of the dated users); users with fewer than 2 items keep
 * all of them in `fit`. Deterministic for a given seed; both outputs keep train's shape, column order and values.
 */
export function validationSplit(train: Csr, options: ValidationSplitOptions = {}): ValidationSplit {
  const fraction = options.fraction ?? 0.2;
  const seed = options.seed ?? 2020;
  if (!(fraction > 0 && fraction < 1)) {
    throw new Error(`validationSplit: options.fraction must be in (0, 1), got ${fraction}`);
  }
  if (!Number.isInteger(seed)) throw new Error(`validationSplit: options.seed must be an integer, got ${seed}`);
  const times = options.times;
  if (times && times.length !== train.indices.length) {
    throw new Error(`validationSplit: options.times has ${times.length} entries, train ${train.indices.length}`);
  }
  const rand = seededRandom(seed);
  const nnz = train.indices.length;
  const latestUser = times ? new Uint8Array(train.rows) : undefined;
  const toValidation = new Uint8Array(nnz);
  const fitPtr = new Int32Array(train.rows + 1);
  const valPtr = new Int32Array(train.rows + 1);
  let perm = new Int32Array(64);
  for (let u = 0; u < train.rows; u++) {
    const s = train.indptr[u];
    const n = train.indptr[u + 1] - s;
    let take = 0;
    if (n >= 2) {
      take = Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
      if (perm.length < n) perm = new Int32Array(n * 2);
      for (let k = 0; k < n; k++) perm[k] = k;
      let allDated = times !== undefined;
      for (let k = 0; allDated && k < n; k++) if (Number.isNaN(times![s + k])) allDated = false;
      if (allDated && rand() < LATEST_SHARE) {
        latestUser![u] = 1;
        const latest = Array.from(perm.subarray(0, n)).sort((a, b) => times![s + b] - times![s + a] || a - b);
        for (let k = 0; k < take; k++) toValidation[s + latest[k]] = 1;
        fitPtr[u + 1] = fitPtr[u] + n - take;
        valPtr[u + 1] = valPtr[u] + take;
        continue;
      }
      // partial Fisher–Yates: the first `take` slots become a uniform random subset
      for (let k = 0; k < take; k++) {
        const j = k + Math.floor(rand() * (n - k));
        const t = perm[k];
        perm[k] = perm[j];
        perm[j] = t;
        toValidation[s + perm[k]] = 1;
      }
    }
    fitPtr[u + 1] = fitPtr[u] + n - take;
    valPtr[u + 1] = valPtr[u] + take;
  }
  const shaped = (indptr: Int32Array): Csr => ({
    rows: train.rows, cols: train.cols, indptr, indices: new Int32Array(indptr[train.rows]), values: new Float32Array(indptr[train.rows]),
  });
  const fit = shaped(fitPtr);
  const validation = shaped(valPtr);
  const fitTimes = times ? new Float64Array(fit.indices.length) : undefined;
  const validationEntries = new Int32Array(validation.indices.length);
  let f = 0;
  let v = 0;
  for (let k = 0; k < nnz; k++) {
    if (toValidation[k]) {
      validationEntries[v] = k;
      validation.indices[v] = train.indices[k];
      validation.values[v++] = train.values[k];
    } else {
      if (fitTimes) fitTimes[f] = times![k];
      fit.indices[f] = train.indices[k];
      fit.values[f++] = train.values[k];
    }
  }
  return { fit, validation, validationEntries, ...(fitTimes ? { fitTimes, latest: latestUser } : {}) };
}
