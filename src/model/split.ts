import type { Csr } from '../graph/csr';
import { seededRandom } from '../random';

/** Options of validationSplit. */
export interface ValidationSplitOptions {
  /** Share of each user's items moved to validation, in (0, 1); default 0.2. */
  fraction?: number;
  /** Seed of the random choice; default 2020. */
  seed?: number;
}

/** The training interactions split in two: `fit` to train on, `validation` to choose epochs and hyper-parameters. */
export interface ValidationSplit {
  fit: Csr;
  validation: Csr;
}

/**
 * Carves a validation split out of `train` only: for each user with at least 2 items, round(fraction × n)
 * items (at least 1, at most n − 1) chosen at random move to `validation`; users with fewer than 2 items keep
 * all of them in `fit`. Deterministic for a given seed; both outputs keep train's shape, column order and values.
 */
export function validationSplit(train: Csr, options: ValidationSplitOptions = {}): ValidationSplit {
  const fraction = options.fraction ?? 0.2;
  const seed = options.seed ?? 2020;
  if (!(fraction > 0 && fraction < 1)) {
    throw new Error(`validationSplit: options.fraction must be in (0, 1), got ${fraction}`);
  }
  if (!Number.isInteger(seed)) throw new Error(`validationSplit: options.seed must be an integer, got ${seed}`);
  const rand = seededRandom(seed);
  const nnz = train.indices.length;
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
  let f = 0;
  let v = 0;
  for (let k = 0; k < nnz; k++) {
    if (toValidation[k]) {
      validation.indices[v] = train.indices[k];
      validation.values[v++] = train.values[k];
    } else {
      fit.indices[f] = train.indices[k];
      fit.values[f++] = train.values[k];
    }
  }
  return { fit, validation };
}
