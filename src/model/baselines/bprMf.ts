import * as tf from '@tensorflow/tfjs-core';
// a backend is always registered; callers (the bench) may switch to a faster one with src/model/backend.ts first
import '@tensorflow/tfjs-backend-cpu';
import type { Csr } from '../../graph/csr';
import { startProgress } from '../../progress';
import { evaluate } from '../evaluate';
import { seededRandom } from '../../random';
import { validationSplit } from '../split';
import type { FitReport, Recommender } from '../types';
import type { InteractionDataset } from '../../graph/types';

/** Options of BprMf; every field has a default. */
export interface BprMfOptions {
  /** Embedding size; default 64. */
  dims?: number;
  /** SGD learning rate; default 0.1. */
  learningRate?: number;
  /** L2 regularisation of the touched user and item rows; default 0.01. */
  reg?: number;
  /** Std of the normal initialisation; default 0.1. */
  initStd?: number;
  /** Upper bound of epochs in the validation run; default 100. */
  maxEpochs?: number;
  /** Validate every this many epochs; default 5. */
  evalEvery?: number;
  /** Stop after this many validations without a better Recall@20; default 3. */
  patience?: number;
  /** Wall-clock budget of the validation run in seconds (stops early when exceeded); default 300. */
  maxSeconds?: number;
  /** Validation users sampled per check; default 5,000. */
  validationUsers?: number;
  /** Fixed number of epochs: skips validation (no early stopping). */
  epochs?: number;
  /** Refit on all of train for the chosen number of epochs (true, default) or keep the validation-run model. */
  refit?: boolean;
  /** Show progress bars on stderr; default true. */
  progress?: boolean;
}

/** Parameters of a matrix factorisation: row-major user and item factors. */
interface Factors {
  users: Float32Array;
  items: Float32Array;
}

/**
 * Matrix factorisation trained with the BPR pairwise loss −log σ(p_u·q_i − p_u·q_j) (Rendle et al. 2009) by
 * plain per-triple SGD over typed arrays, one uniformly sampled negative per observed pair; scoring (the dense
 * users × items product) goes through TensorFlow.js matMul on the active backend.
 *
 * The training loop is hand-written because a tfjs step's gradient goes through unsortedSegmentSum, which the wasm
 * backend lacks and the cpu backend runs in quadratic time (../shared/DESIGN.md); per-triple SGD touches 3 × dims floats.
 *
 * Epochs are chosen by early stopping on Recall@20 of a validation split carved from train; the model is then
 * refitted on all of train for that many epochs with the same seed.
 */
export class BprMf implements Recommender {
  readonly name = 'BPR-MF';
  private factors?: Factors;
  private numItems = 0;
  private itemTensor?: tf.Tensor2D;
  private readonly o: Required<Omit<BprMfOptions, 'epochs'>> & { epochs?: number };

  constructor(options: BprMfOptions = {}) {
    this.o = {
      dims: options.dims ?? 64,
      learningRate: options.learningRate ?? 0.1,
      reg: options.reg ?? 0.01,
      initStd: options.initStd ?? 0.1,
      maxEpochs: options.maxEpochs ?? 100,
      evalEvery: options.evalEvery ?? 5,
      patience: options.patience ?? 3,
      maxSeconds: options.maxSeconds ?? 300,
      validationUsers: options.validationUsers ?? 5000,
      refit: options.refit ?? true,
      progress: options.progress ?? true,
      epochs: options.epochs,
    };
    const o = this.o;
    const positiveInt = { dims: o.dims, maxEpochs: o.maxEpochs, evalEvery: o.evalEvery, patience: o.patience, validationUsers: o.validationUsers };
    for (const [name, v] of Object.entries(positiveInt)) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`BprMf: ${name} must be a positive integer, got ${v}`);
    }
    if (o.epochs !== undefined && !(Number.isInteger(o.epochs) && o.epochs >= 1)) {
      throw new Error(`BprMf: epochs must be a positive integer, got ${o.epochs}`);
    }
    for (const [name, v] of Object.entries({ learningRate: o.learningRate, initStd: o.initStd, maxSeconds: o.maxSeconds })) {
      if (!(v > 0)) throw new Error(`BprMf: ${name} must be positive, got ${v}`);
    }
    if (!(o.reg >= 0)) throw new Error(`BprMf: reg must be >= 0, got ${o.reg}`);
  }

  /** Trains (early stopping on validation unless `epochs` is fixed) and keeps the factors for scoring. */
  async fit(
    data: InteractionDataset,
    fitOptions: { seed?: number; onProgress?: (info: Record<string, number>) => void } = {},
  ): Promise<FitReport> {
    const t0 = performance.now();
    const seed = fitOptions.seed ?? 2020;
    const o = this.o;
    const curve: NonNullable<FitReport['curve']> = [];
    let epochs = o.epochs ?? 0;
    let bestVal = NaN;
    if (o.epochs === undefined) {
      const split = validationSplit(data.train, { seed });
      const valData = { numUsers: data.numUsers, numItems: data.numItems, train: split.fit, test: split.validation };
      let best = -1;
      let bestEpoch = 0;
      let bestFactors: Factors | undefined;
      let since = 0;
      const bar = o.progress ? startProgress('BPR-MF (validation run)', o.maxEpochs, 'epochs', 'loss {loss} | val R@20 {val}') : undefined;
      bar?.update(0, { loss: '-', val: '-' });
      try {
        await this.train(split.fit, data.numUsers, data.numItems, o.maxEpochs, seed, async (epoch, loss, factors) => {
          const point: { epoch: number; loss: number; valRecall20?: number } = { epoch, loss };
          let stop = false;
          if (epoch % o.evalEvery === 0 || epoch === o.maxEpochs) {
            this.useFactors(factors, data.numItems);
            const res = await evaluate(this, valData, { ks: [20], auc: 'none', maxUsers: o.validationUsers, seed });
            const r = res.atK[20].recall;
            point.valRecall20 = r;
            if (r > best) {
              best = r;
              bestEpoch = epoch;
              since = 0;
              if (!o.refit) bestFactors = { users: factors.users.slice(), items: factors.items.slice() };
            } else if (++since >= o.patience) stop = true;
            if ((performance.now() - t0) / 1000 > o.maxSeconds) stop = true;
          }
          curve.push(point);
          fitOptions.onProgress?.({ epoch, loss, ...(point.valRecall20 !== undefined ? { valRecall20: point.valRecall20 } : {}) });
          bar?.increment(1, { loss: loss.toFixed(4), val: best >= 0 ? best.toFixed(4) : '-' });
          return stop;
        });
      } finally {
        bar?.stop();
      }
      epochs = bestEpoch;
      bestVal = best;
      if (!o.refit && bestFactors) {
        this.useFactors(bestFactors, data.numItems);
        return this.report(t0, epochs, curve, bestVal);
      }
    }
    const bar = o.progress ? startProgress('BPR-MF (fit on train)', epochs, 'epochs', 'loss {loss}') : undefined;
    bar?.update(0, { loss: '-' });
    try {
      const factors = await this.train(data.train, data.numUsers, data.numItems, epochs, seed, async (epoch, loss) => {
        if (o.epochs !== undefined) curve.push({ epoch, loss });
        bar?.increment(1, { loss: loss.toFixed(4) });
        return false;
      });
      this.useFactors(factors, data.numItems);
    } finally {
      bar?.stop();
    }
    return this.report(t0, epochs, curve, bestVal);
  }

  private report(t0: number, epochs: number, curve: NonNullable<FitReport['curve']>, bestVal: number): FitReport {
    const { progress: _progress, ...params } = this.o;
    return {
      trainSeconds: (performance.now() - t0) / 1000,
      epochs,
      curve,
      params: { ...params, bestValRecall20: bestVal, optimiser: 'per-triple SGD (typed arrays)', negatives: 1 },
    };
  }

  /** Runs `epochs` epochs of BPR SGD on `train`; `onEpoch` returns true to stop. Returns the factors. */
  private async train(
    train: Csr,
    numUsers: number,
    numItems: number,
    epochs: number,
    seed: number,
    onEpoch: (epoch: number, loss: number, factors: Factors) => Promise<boolean>,
  ): Promise<Factors> {
    const { dims: d, learningRate: lr, reg, initStd } = this.o;
    const rand = seededRandom(seed);
    const gauss = () => {
      // Box–Muller
      const u1 = rand() || 1e-12;
      return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rand());
    };
    const P = new Float32Array(numUsers * d);
    const Q = new Float32Array(numItems * d);
    for (let k = 0; k < P.length; k++) P[k] = gauss() * initStd;
    for (let k = 0; k < Q.length; k++) Q[k] = gauss() * initStd;
    const nnz = train.indices.length;
    // the user of each stored pair, for sampling pairs uniformly
    const pairUser = new Int32Array(nnz);
    for (let u = 0; u < train.rows; u++) pairUser.fill(u, train.indptr[u], train.indptr[u + 1]);
    const { indptr, indices } = train;
    const diff = new Float32Array(d);
    for (let epoch = 1; epoch <= epochs; epoch++) {
      let lossSum = 0;
      for (let s = 0; s < nnz; s++) {
        const pair = Math.floor(rand() * nnz);
        const u = pairUser[pair];
        const i = indices[pair];
        // a negative: uniform over items, rejected while it is in the user's (sorted) row
        const rs = indptr[u];
        const re = indptr[u + 1];
        let j: number;
        for (;;) {
          j = Math.floor(rand() * numItems);
          let a = rs;
          let z = re;
          while (a < z) {
            const m = (a + z) >> 1;
            if (indices[m] < j) a = m + 1;
            else z = m;
          }
          if (a === re || indices[a] !== j) break;
        }
        const pu = u * d;
        const qi = i * d;
        const qj = j * d;
        let x = 0;
        for (let f = 0; f < d; f++) {
          const df = Q[qi + f] - Q[qj + f];
          diff[f] = df;
          x += P[pu + f] * df;
        }
        // σ(−x) is the gradient scale of −log σ(x); log1p form keeps the loss finite
        const g = x > 0 ? Math.exp(-x) / (1 + Math.exp(-x)) : 1 / (1 + Math.exp(x));
        lossSum += x > 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x));
        for (let f = 0; f < d; f++) {
          const p = P[pu + f];
          P[pu + f] = p + lr * (g * diff[f] - reg * p);
          const qif = Q[qi + f];
          Q[qi + f] = qif + lr * (g * p - reg * qif);
          const qjf = Q[qj + f];
          Q[qj + f] = qjf + lr * (-g * p - reg * qjf);
        }
      }
      if (await onEpoch(epoch, lossSum / Math.max(nnz, 1), { users: P, items: Q })) break;
    }
    return { users: P, items: Q };
  }

  private useFactors(f: Factors, numItems: number): void {
    this.factors = f;
    this.numItems = numItems;
    this.itemTensor?.dispose();
    this.itemTensor = undefined;
  }

  /** The learned factors (users × dims, items × dims, row-major); throws before fit. */
  get embeddings(): { dims: number; users: Float32Array; items: Float32Array } {
    if (!this.factors) throw new Error('BprMf.embeddings: call fit() first');
    return { dims: this.o.dims, users: this.factors.users, items: this.factors.items };
  }

  /** Scores = user factors · item factorsᵀ for the batch, computed with tf.matMul. */
  scoreUsers(users: Int32Array, out: Float32Array): void {
    const f = this.factors;
    if (!f) throw new Error('BprMf.scoreUsers: call fit() first');
    const d = this.o.dims;
    const n = this.numItems;
    if (out.length < users.length * n) throw new Error(`BprMf.scoreUsers: out has ${out.length} entries, needs ${users.length * n}`);
    // items pre-transposed to dims × items: wasm matMul with transposeB is much slower
    if (!this.itemTensor) this.itemTensor = tf.tidy(() => tf.transpose(tf.tensor2d(f.items, [n, d])) as tf.Tensor2D);
    const ub = new Float32Array(users.length * d);
    for (let b = 0; b < users.length; b++) ub.set(f.users.subarray(users[b] * d, users[b] * d + d), b * d);
    const items = this.itemTensor;
    const scores = tf.tidy(() => tf.matMul(tf.tensor2d(ub, [users.length, d]), items));
    try {
      out.set(scores.dataSync());
    } finally {
      scores.dispose();
    }
  }

  /** Frees the tensors held for scoring. */
  dispose(): void {
    this.itemTensor?.dispose();
    this.itemTensor = undefined;
  }
}
