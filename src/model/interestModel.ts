import { initBackend, tf } from './backend';
import type { Csr } from '../graph/csr';
import { createLogger, type Logger } from '../log';
import { startProgress } from '../progress';
import { buildFilterBasis, FilterScorer, type FilterBasis, type FilterResponse } from './filter';
import { seededRandom, validationSplit } from './split';
import { topK } from './topk';
import { matMulConst } from './kernels/matMulConst';
import { softmaxXent } from './kernels/softmaxXent';
import { softmaxXentImpl } from './kernels/softmaxXent_impl';
import type { FitReport, HeteroGraph, InteractionDataset, NodeEmbeddings, Recommender, TrainedModel } from './types';

/** Hyper-parameters of the interest model (defaults measured on Gowalla's validation split). */
export interface InterestModelOptions {
  /** a in R~ = D_u^-a R D_i^-b; default 0.5. */
  userExponent?: number;
  /** b in R~ = D_u^-a R D_i^-b; default 0.5. */
  itemExponent?: number;
  /** Size of the spectral (embedding) part: top-k singular vectors of R~; default 256. */
  k?: number;
  /** Subspace iterations of the eigen-solver; default 8. */
  iterations?: number;
  /** Degree of the trained polynomial response f(λ) on the top-k spectrum; default 3. */
  degree?: number;
  /** Maximum training epochs; default 4. */
  epochs?: number;
  /** Epochs without a better validation score before stopping; default 2. */
  patience?: number;
  /** Users per epoch (sampled, seeded) for the masked-reconstruction loss; default 1,024. */
  usersPerEpoch?: number;
  /** Users per mini-batch; default 128. */
  batchSize?: number;
  /** Validation users scored after every epoch (a fixed seeded sample); default 2,000. */
  validationUsers?: number;
  /** Adam learning rate; default 0.01. */
  learningRate?: number;
  /** Share of each user's train items held out for validation (stopping); default 0.1. */
  validationFraction?: number;
  /** Share of the remaining items held out as training targets of the response; default 0.1. */
  targetFraction?: number;
  /**
   * Grid of starting responses compared on all validation users before training: f(λ) = lowPass + sharpening·λ²,
   * popularity exponent γ and user-degree exponent e. Training starts from the best.
   */
  grid?: ResponseGrid;
  /** Refit the basis on all training data after choosing (true) or keep the fit-split basis; default true. */
  refit?: boolean;
  logger?: Logger;
  /** Aborts the fit (checked between batches): fit rejects with an error naming the stage. */
  signal?: AbortSignal;
}

/** The learned response in a form independent of the basis: evaluated on any basis's eigenvalues. */
export interface LearnedResponse {
  /** Coefficients c_p of f(λ) = Σ_p c_p λ^p applied to the top-k eigenvalues λ = σ² of P~. */
  poly: number[];
  /** Weight of the neighbourhood term r_u P~ (fixed at 1: the scale of the rest is relative to it). */
  linearWeight: number;
  /** γ: scores are multiplied by d_i^γ. */
  itemOutputExponent: number;
  /** e: the spectral part is multiplied by d_u^-e (user degree); the embeddings' userNormExponent. */
  userNormExponent: number;
}

/** A grid of starting responses (see InterestModelOptions.grid). */
export interface ResponseGrid {
  lowPass: number;
  sharpening: number[];
  itemOutputExponent: number[];
  userNormExponent: number[];
}

/** The default grid: GF-CF's 0.3 ideal low-pass, with sharpening, popularity and user-degree variants. */
export const DEFAULT_GRID: ResponseGrid = {
  lowPass: 0.3,
  sharpening: [0, -0.15, -0.3],
  itemOutputExponent: [0, 0.1],
  userNormExponent: [0, 0.25],
};

/** f(λ_j) for every eigenvalue of a spectrum. */
export function polyResponse(poly: number[], values: Float64Array): Float32Array {
  const out = new Float32Array(values.length);
  for (let j = 0; j < values.length; j++) {
    let s = 0;
    for (let p = poly.length - 1; p >= 0; p--) s = s * values[j] + poly[p];
    out[j] = s;
  }
  return out;
}

/** Turns a learned response into the response of a particular basis. */
export function responseFor(basis: FilterBasis, learned: LearnedResponse): FilterResponse {
  return {
    linearWeight: learned.linearWeight,
    spectral: polyResponse(learned.poly, basis.spectrum.values),
    itemOutputExponent: learned.itemOutputExponent,
    userNormExponent: learned.userNormExponent,
  };
}

function rowsWithItems(a: Csr): number[] {
  const out: number[] = [];
  for (let u = 0; u < a.rows; u++) if (a.indptr[u + 1] > a.indptr[u]) out.push(u);
  return out;
}

function sample(list: number[], n: number, rand: () => number): number[] {
  const a = list.slice();
  const m = Math.min(n, a.length);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rand() * (a.length - i));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, m);
}

/** Recall@20 and NDCG@20 (the LightGCN protocol) of score rows against target rows, known items masked. */
function rankingAt20(scores: Float32Array, users: ArrayLike<number>, n: number, known: Csr[], target: Csr): { recall: number; ndcg: number } {
  const idx = new Int32Array(20);
  let recall = 0;
  let ndcg = 0;
  for (let q = 0; q < users.length; q++) {
    const u = users[q];
    const o = q * n;
    for (const kn of known) for (let p = kn.indptr[u]; p < kn.indptr[u + 1]; p++) scores[o + kn.indices[p]] = -Infinity;
    const got = topK(scores, o, n, 20, idx);
    const t = new Set<number>();
    for (let p = target.indptr[u]; p < target.indptr[u + 1]; p++) t.add(target.indices[p]);
    let hits = 0;
    let dcg = 0;
    let idcg = 0;
    for (let r = 0; r < got; r++) {
      if (t.has(idx[r])) {
        hits++;
        dcg += 1 / Math.log2(r + 2);
      }
    }
    for (let r = 0; r < Math.min(20, t.size); r++) idcg += 1 / Math.log2(r + 2);
    recall += hits / t.size;
    ndcg += dcg / idcg;
  }
  return { recall: recall / users.length, ndcg: ndcg / users.length };
}

/** Trainable parameters of the response (tfjs variables). */
interface ResponseVars {
  poly: tf.Variable;
  gamma: tf.Variable;
  /** e (userNormExponent) */
  userExp: tf.Variable;
  logTemp: tf.Variable;
}

/**
 * The interest model: a graph filter over the degree-normalised user–item graph whose spectral response is
 * refined by training. Scores are s(u) = [r_u P~ + (r_u D^-b V) diag(f(λ)) (Vᵀ D^b)] ⊙ d_i^γ with P~ = R~ᵀR~
 * (the neighbourhood term: a sum over real paths user→item←user→item) and V, λ the top-k eigenpairs of P~
 * (the embedding term). f (a polynomial in λ), γ and a softmax temperature are trained with Adam on a
 * masked-reconstruction task inside the training data; epochs are chosen on a validation split of train.
 */
export class InterestModel implements Recommender {
  readonly name = 'InterestModel';
  private scorer: FilterScorer | undefined;
  private learned: LearnedResponse | undefined;
  private readonly log: Logger;

  constructor(readonly options: InterestModelOptions = {}) {
    this.log = (options.logger ?? createLogger()).child({ component: 'interest-model' });
  }

  /** The fitted scorer (basis + response); throws before fit. */
  get fitted(): FilterScorer {
    if (!this.scorer) throw new Error('InterestModel: call fit() or load a saved model first');
    return this.scorer;
  }

  /** The learned response; throws before fit. */
  get response(): LearnedResponse {
    if (!this.learned) throw new Error('InterestModel: call fit() or load a saved model first');
    return this.learned;
  }

  /** Installs a basis and a learned response (used by fit and by load). */
  install(basis: FilterBasis, learned: LearnedResponse): void {
    this.scorer?.dispose();
    this.learned = learned;
    this.scorer = new FilterScorer(basis, responseFor(basis, learned));
  }

  /**
   * Fits on `train.train`: carves validation and target splits out of it, builds the filter basis on the rest,
   * trains the response (early stopping on validation Recall@20 + NDCG@20), then refits the basis on all of
   * train with the chosen response.
   */
  async fit(train: InteractionDataset, options: { seed?: number; onProgress?: (info: Record<string, number>) => void } = {}): Promise<FitReport> {
    // The dense work needs the fast backend (wasm's matMul is ~15x the cpu backend's here); a no-op when the
    // process already chose one, so callers (tests, the bench) may pick first.
    await initBackend({ logger: this.log });
    const t0 = Date.now();
    const o = this.options;
    const seed = options.seed ?? 2020;
    const a = o.userExponent ?? 0.5;
    const b = o.itemExponent ?? 0.5;
    const k = o.k ?? 256;
    const iterations = o.iterations ?? 8;
    const degree = o.degree ?? 3;
    const maxEpochs = o.epochs ?? 4;
    const patience = o.patience ?? 2;
    const usersPerEpoch = o.usersPerEpoch ?? 1024;
    const batchSize = o.batchSize ?? 128;
    const valUsersN = o.validationUsers ?? 2000;
    const lr = o.learningRate ?? 0.01;

    const { fit: rest, validation } = validationSplit(train.train, { fraction: o.validationFraction ?? 0.1, seed });
    const { fit, validation: target } = validationSplit(rest, { fraction: o.targetFraction ?? 0.1, seed: seed + 1 });
    const basisOpts = { userExponent: a, itemExponent: b, k, iterations, seed };
    this.log.info({ fitNnz: fit.indices.length, targetNnz: target.indices.length, validationNnz: validation.indices.length }, 'splits carved from train');
    const fitBasis = buildFilterBasis(fit, {
      ...basisOpts,
      onProgress: (stage, done, total) => options.onProgress?.({ stage: stage === 'spectrum' ? 1 : 0, done, total }),
    });
    const n = fitBasis.spectrum.n;
    const kk = fitBasis.spectrum.k;
    const rand = seededRandom(seed + 2);
    const trainUsers = rowsWithItems(target).filter((u) => fit.indptr[u + 1] > fit.indptr[u]);
    const valUsers = Int32Array.from(sample(rowsWithItems(validation).filter((u) => fit.indptr[u + 1] > fit.indptr[u]), valUsersN, rand)).sort();

    // Constants of the training graph: fold-in rows (D^-b V, independent of the response), Vᵀ D^b, λ, log d_i.
    const base = new FilterScorer(fitBasis, { linearWeight: 1, spectral: new Float32Array(kk), itemOutputExponent: 0, userNormExponent: 0 });
    const dB = new Float32Array(n);
    const logD = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const d = fitBasis.norm.itemDegree[i];
      dB[i] = d > 0 ? Math.pow(d, b) : 0;
      logD[i] = d > 0 ? Math.log(d) : 0;
    }
    const rightT = tf.tidy(() => tf.mul(tf.tensor2d(fitBasis.spectrum.vectors, [n, kk]), tf.tensor2d(dB, [n, 1])) as tf.Tensor2D);
    const right = tf.tidy(() => tf.transpose(rightT) as tf.Tensor2D);
    const lambdaPowers = tf.tidy(() => {
      const lam = tf.tensor1d(Float32Array.from(fitBasis.spectrum.values));
      return tf.stack(Array.from({ length: degree + 1 }, (_, p) => tf.pow(lam, p)));
    }); // (degree+1) × k
    const logDt = tf.tensor2d(logD, [1, n]);

    // (inside tidy so that the initial-value tensors are freed; the variables survive it)
    const vars: ResponseVars = tf.tidy(() => ({
      poly: tf.variable(tf.tensor2d([[0.3, ...new Array<number>(degree).fill(0)]], [1, degree + 1]), true, 'poly'),
      gamma: tf.variable(tf.scalar(0), true, 'gamma'),
      userExp: tf.variable(tf.scalar(0), true, 'userExp'),
      logTemp: tf.variable(tf.scalar(0), true, 'logTemp'),
    }));
    const optimizer = tf.train.adam(lr);
    const release = (): void => {
      optimizer.dispose();
      for (const t of [vars.poly, vars.gamma, vars.userExp, vars.logTemp, right, rightT, lambdaPowers, logDt]) t.dispose();
      base.dispose();
    };

    // logits = (lin + d_u^-e (z ⊙ f) Vᵀ D^b) ⊙ exp(γ log d_i + τ); τ (temperature) only during training
    const scoresOf = (z: tf.Tensor2D, lin: tf.Tensor2D, logDu: tf.Tensor2D, withTemp: boolean): tf.Tensor2D => {
      const f = tf.matMul(vars.poly as tf.Tensor2D, lambdaPowers as tf.Tensor2D); // 1 × k
      const zs = tf.mul(tf.mul(z, f), tf.exp(tf.mul(tf.neg(vars.userExp), logDu))) as tf.Tensor2D;
      const spec = matMulConst(zs, right, rightT);
      const col = tf.mul(vars.gamma, logDt);
      return tf.mul(tf.add(lin, spec), tf.exp(withTemp ? tf.add(col, vars.logTemp) : col)) as tf.Tensor2D;
    };
    const batchInputs = (users: ArrayLike<number>) => {
      const z = base.userCoordinates(fit, users);
      const lin = base.neighbourhood(fit, users);
      const du = new Float32Array(users.length);
      for (let q = 0; q < users.length; q++) {
        let d = 0;
        for (let p = fit.indptr[users[q]]; p < fit.indptr[users[q] + 1]; p++) d += fit.values[p];
        du[q] = Math.log(Math.max(d, 1e-12));
      }
      return { z, lin, du };
    };

    // Start the temperature at its best value for the starting response (a line search on one probe batch):
    // with a poor temperature Adam first bends the response to fix the scale, which wrecks the ranking.
    const chooseTemperature = (): number => {
      const probe = trainUsers.slice(0, Math.min(batchSize, trainUsers.length));
      const { z, lin, du } = batchInputs(probe);
      const st = tf.tidy(() => scoresOf(tf.tensor2d(z, [probe.length, kk]), tf.tensor2d(lin, [probe.length, n]), tf.tensor2d(du, [probe.length, 1]), false));
      const s0 = st.dataSync() as Float32Array;
      st.dispose();
      let sd = 0;
      for (let i = 0; i < s0.length; i++) sd += s0[i] * s0[i];
      sd = Math.sqrt(sd / s0.length) || 1;
      const scaled = new Float32Array(s0.length);
      const g = new Float32Array(s0.length);
      let bestTemp = 0;
      let bestLoss = Infinity;
      for (let lt = Math.log(1 / sd) - 2; lt <= Math.log(1 / sd) + 8; lt += 0.25) {
        const m = Math.exp(lt);
        for (let i = 0; i < s0.length; i++) scaled[i] = s0[i] * m;
        g.fill(0);
        const l = softmaxXentImpl(scaled, n, probe, target, [fit], g);
        if (l < bestLoss) {
          bestLoss = l;
          bestTemp = lt;
        }
      }
      tf.tidy(() => vars.logTemp.assign(tf.scalar(bestTemp)));
      this.log.info({ logTemp: bestTemp, probeLoss: bestLoss }, 'initial temperature chosen on a probe batch');
      return bestLoss;
    };

    const validate = (): { recall: number; ndcg: number } => {
      let rec = 0;
      let nd = 0;
      for (let s = 0; s < valUsers.length; s += batchSize) {
        const users = valUsers.subarray(s, s + batchSize);
        const { z, lin, du } = batchInputs(users);
        const st = tf.tidy(() => scoresOf(tf.tensor2d(z, [users.length, kk]), tf.tensor2d(lin, [users.length, n]), tf.tensor2d(du, [users.length, 1]), false));
        const scores = st.dataSync() as Float32Array;
        st.dispose();
        const r = rankingAt20(scores, users, n, [fit, target], validation);
        rec += r.recall * users.length;
        nd += r.ndcg * users.length;
      }
      return { recall: rec / valUsers.length, ndcg: nd / valUsers.length };
    };

    const snapshot = (): LearnedResponse => ({
      poly: Array.from(vars.poly.dataSync()),
      linearWeight: 1,
      itemOutputExponent: vars.gamma.dataSync()[0],
      userNormExponent: vars.userExp.dataSync()[0],
    });
    const curve: NonNullable<FitReport['curve']> = [];
    await new Promise((resolve) => setImmediate(resolve));
    // Grid search of the starting response on ALL validation users (a 2,000-user sample is too noisy to tell
    // these apart: NDCG@20's standard error there is ~0.004): per batch the neighbourhood term and the spectral
    // products for λ^0 and λ^2 are computed once, then every candidate is a cheap recombination.
    const grid = o.grid ?? DEFAULT_GRID;
    const cands: { c2: number; gamma: number; e: number }[] = [];
    for (const c2 of grid.sharpening) for (const gamma of grid.itemOutputExponent) for (const e of grid.userNormExponent) cands.push({ c2, gamma, e });
    const allVal = Int32Array.from(rowsWithItems(validation).filter((u) => fit.indptr[u + 1] > fit.indptr[u]));
    const sums = cands.map(() => ({ recall: 0, ndcg: 0 }));
    const lam2 = Float32Array.from(fitBasis.spectrum.values, (v) => v * v);
    const gammaScale = cands.map((c) => Float32Array.from(logD, (l, i) => (fitBasis.norm.itemDegree[i] > 0 ? Math.exp(c.gamma * l) : 0)));
    const gbar = startProgress('response grid', allVal.length, 'users');
    for (let s0 = 0; s0 < allVal.length; s0 += batchSize) {
      const users = allVal.subarray(s0, s0 + batchSize);
      const bs = users.length;
      const { z, lin, du } = batchInputs(users);
      const z2 = Float32Array.from(z, (v, j) => v * lam2[j % kk]);
      const st = tf.tidy(() => tf.matMul(tf.concat([tf.tensor2d(z, [bs, kk]), tf.tensor2d(z2, [bs, kk])]), right));
      const sp = st.dataSync() as Float32Array;
      st.dispose();
      const buf = new Float32Array(bs * n);
      cands.forEach((c, ci) => {
        const gs = gammaScale[ci];
        for (let q = 0; q < bs; q++) {
          const un = Math.exp(-c.e * du[q]);
          const o0 = q * n;
          const o2 = (bs + q) * n;
          for (let i = 0; i < n; i++) buf[o0 + i] = (lin[o0 + i] + un * (grid.lowPass * sp[o0 + i] + c.c2 * sp[o2 + i])) * gs[i];
        }
        const r = rankingAt20(buf, users, n, [fit, target], validation);
        sums[ci].recall += r.recall * bs;
        sums[ci].ndcg += r.ndcg * bs;
      });
      gbar.increment(bs);
      await new Promise((resolve) => setImmediate(resolve));
      if (o.signal?.aborted) {
        gbar.stop();
        release();
        throw new Error('InterestModel.fit: aborted during the response grid');
      }
    }
    gbar.stop();
    let bestCi = 0;
    cands.forEach((c, ci) => {
      const recall = sums[ci].recall / allVal.length;
      const ndcg = sums[ci].ndcg / allVal.length;
      this.log.info({ ...c, valRecall20: recall, valNdcg20: ndcg }, 'starting response on validation (all users)');
      if (recall + ndcg > (sums[bestCi].recall + sums[bestCi].ndcg) / allVal.length) bestCi = ci;
    });
    const chosen = cands[bestCi];
    const gridResult = { recall: sums[bestCi].recall / allVal.length, ndcg: sums[bestCi].ndcg / allVal.length };
    const startPoly = [grid.lowPass, 0, chosen.c2, ...new Array<number>(degree + 1).fill(0)].slice(0, degree + 1);
    tf.tidy(() => {
      vars.poly.assign(tf.tensor2d([startPoly], [1, degree + 1]));
      vars.gamma.assign(tf.scalar(chosen.gamma));
      vars.userExp.assign(tf.scalar(chosen.e));
    });
    // the training epochs are compared on the fixed validation sample, starting from the grid's choice
    const startSample = validate();
    const start = { ...startSample, learned: snapshot() };
    const probeLoss = chooseTemperature();
    let best = { epoch: 0, score: start.recall + start.ndcg, learned: start.learned, recall: start.recall, ndcg: start.ndcg };
    this.log.info({ ...chosen, gridValRecall20: gridResult.recall, gridValNdcg20: gridResult.ndcg }, 'starting response chosen on validation');
    curve.push({ epoch: 0, loss: probeLoss, valRecall20: start.recall });
    this.log.info({ epoch: 0, valRecall20: start.recall, valNdcg20: start.ndcg, ...start.learned }, 'validation before training (best starting response)');
    const perEpoch = Math.min(usersPerEpoch, trainUsers.length);
    const bar = startProgress('interest model', maxEpochs * Math.ceil(perEpoch / batchSize), 'batches', 'loss {loss} | val R@20 {val}');
    let epochsRun = 0;
    for (let epoch = 1; epoch <= maxEpochs; epoch++) {
      const users = sample(trainUsers, perEpoch, rand);
      let lossSum = 0;
      let batches = 0;
      for (let s = 0; s < users.length; s += batchSize) {
        const bu = users.slice(s, s + batchSize);
        const { z, lin, du } = batchInputs(bu);
        const loss = tf.tidy(() => {
          const zt = tf.tensor2d(z, [bu.length, kk]);
          const lt = tf.tensor2d(lin, [bu.length, n]);
          const dt = tf.tensor2d(du, [bu.length, 1]);
          return optimizer.minimize(() => softmaxXent(scoresOf(zt, lt, dt, true), bu, target, [fit]), true) as tf.Scalar;
        });
        // yield to the event loop: log writes flush and a server running the training stays responsive
        await new Promise((resolve) => setImmediate(resolve));
        if (o.signal?.aborted) {
          loss.dispose();
          bar.stop();
          release();
          throw new Error(`InterestModel.fit: aborted in epoch ${epoch}`);
        }
        lossSum += loss.dataSync()[0];
        loss.dispose();
        batches++;
        bar.increment(1, { loss: (lossSum / batches).toFixed(4), val: best.recall.toFixed(4) });
      }
      const v = validate();
      epochsRun = epoch;
      curve.push({ epoch, loss: lossSum / batches, valRecall20: v.recall });
      const learned = snapshot();
      this.log.info({ epoch, loss: lossSum / batches, valRecall20: v.recall, valNdcg20: v.ndcg, ...learned }, 'epoch');
      options.onProgress?.({ epoch, epochs: maxEpochs, loss: lossSum / batches, valRecall20: v.recall });
      if (v.recall + v.ndcg > best.score) {
        best = { epoch, score: v.recall + v.ndcg, learned, ...v };
      } else if (epoch - best.epoch >= patience) {
        break;
      }
    }
    bar.stop();
    release();

    const finalBasis = o.refit === false ? fitBasis : buildFilterBasis(train.train, basisOpts);
    this.install(finalBasis, best.learned);
    const trainSeconds = (Date.now() - t0) / 1000;
    this.log.info({ trainSeconds, bestEpoch: best.epoch, valRecall20: best.recall, valNdcg20: best.ndcg }, 'interest model fitted');
    return {
      trainSeconds,
      epochs: epochsRun,
      curve,
      params: {
        userExponent: a,
        itemExponent: b,
        k: kk,
        degree,
        bestEpoch: best.epoch,
        valRecall20: best.recall,
        valNdcg20: best.ndcg,
        ...best.learned,
      },
    };
  }

  /** Scores every item for the given users with their training rows as input. */
  scoreUsers(users: Int32Array, out: Float32Array): void {
    this.fitted.score(users, out);
  }

  /**
   * Embeddings of every node: items = D^(b+γ) V diag(f), itemFoldIn = D^-b V, users = d_u^-e Σ_i w_ui
   * itemFoldIn[i] (e = userNormExponent), so dot(users[u], items[i]) is the spectral part of the score; categories and contexts
   * are degree-normalised means of their items' (and, for contexts, users') embeddings — one propagation step.
   */
  embeddings(graph: HeteroGraph): NodeEmbeddings {
    const sc = this.fitted;
    const k = sc.k;
    const users = new Float32Array(graph.numUsers * k);
    const all = Int32Array.from({ length: graph.numUsers }, (_, u) => u);
    const z = sc.userCoordinates(sc.basis.train, all);
    const norms = sc.userNorms(sc.basis.train, all);
    for (let u = 0; u < graph.numUsers; u++) for (let j = 0; j < k; j++) users[u * k + j] = norms[u] * z[u * k + j];
    const meanOf = (rel: Csr, from: Float32Array, into: Float32Array) => {
      // rel is (source rows × target cols); into[target] += w · from[source] / Σ w
      const tot = new Float64Array(rel.cols);
      for (let r = 0; r < rel.rows; r++) {
        for (let p = rel.indptr[r]; p < rel.indptr[r + 1]; p++) {
          const c = rel.indices[p];
          const w = rel.values[p];
          tot[c] += w;
          for (let j = 0; j < k; j++) into[c * k + j] += w * from[r * k + j];
        }
      }
      return tot;
    };
    const categories = new Float32Array(graph.categories.length * k);
    const ct = meanOf(graph.itemCategory, sc.itemFactors, categories);
    for (let c = 0; c < ct.length; c++) if (ct[c] > 0) for (let j = 0; j < k; j++) categories[c * k + j] /= ct[c];
    const contexts = new Float32Array(graph.contexts.length * k);
    const fromItems = new Float32Array(graph.contexts.length * k);
    const fromUsers = new Float32Array(graph.contexts.length * k);
    const ti = meanOf(graph.itemContext, sc.itemFactors, fromItems);
    const tu = meanOf(graph.userContext, users, fromUsers);
    for (let c = 0; c < graph.contexts.length; c++) {
      // items describe what is popular in the context (target side); users active in it are added scaled to the
      // same norm, so both neighbourhoods count alike
      let ni = 0;
      let nu = 0;
      for (let j = 0; j < k; j++) {
        if (ti[c] > 0) fromItems[c * k + j] /= ti[c];
        if (tu[c] > 0) fromUsers[c * k + j] /= tu[c];
        ni += fromItems[c * k + j] ** 2;
        nu += fromUsers[c * k + j] ** 2;
      }
      const su = nu > 0 && ni > 0 ? Math.sqrt(ni / nu) : nu > 0 ? 1 : 0;
      const parts = (ti[c] > 0 ? 1 : 0) + (tu[c] > 0 ? 1 : 0);
      for (let j = 0; j < k; j++) contexts[c * k + j] = parts ? (fromItems[c * k + j] + su * fromUsers[c * k + j]) / parts : 0;
    }
    return {
      dims: k,
      users,
      items: sc.itemFactors,
      itemFoldIn: sc.foldIn,
      categories,
      contexts,
      userNormExponent: sc.response.userNormExponent,
    };
  }

  /**
   * Item-to-item similarity consistent with the score: sim(i, j) is the score of j for a user whose only
   * interaction is i (weight 1): dot(itemFoldIn[i], items[j]) + linearWeight · P~_ij · d_j^γ. Writes all j into out.
   */
  similarItems(item: number, out: Float32Array = new Float32Array(this.fitted.numItems)): Float32Array {
    const sc = this.fitted;
    const one: Csr = { rows: 1, cols: sc.numItems, indptr: Int32Array.from([0, 1]), indices: Int32Array.from([item]), values: Float32Array.from([1]) };
    sc.score(Int32Array.from([0]), out, one);
    return out;
  }

  /** Frees tensors. */
  dispose(): void {
    this.scorer?.dispose();
  }
}

/** The CSR without its non-positive entries (the same object when there are none). */
export function positiveOnly(a: Csr): Csr {
  let bad = 0;
  for (let p = 0; p < a.values.length; p++) if (!(a.values[p] > 0)) bad++;
  if (bad === 0) return a;
  const indptr = new Int32Array(a.rows + 1);
  const indices = new Int32Array(a.values.length - bad);
  const values = new Float32Array(a.values.length - bad);
  let w = 0;
  for (let r = 0; r < a.rows; r++) {
    for (let p = a.indptr[r]; p < a.indptr[r + 1]; p++) {
      if (a.values[p] > 0) {
        indices[w] = a.indices[p];
        values[w++] = a.values[p];
      }
    }
    indptr[r + 1] = w;
  }
  return { rows: a.rows, cols: a.cols, indptr, indices, values };
}

/** Options of fitGraph (FitGraphOptions of src/model/trainJob.ts plus the model's own). */
export interface FitGraphOptions extends InterestModelOptions {
  seed?: number;
  version?: string;
  onProgress?: (info: Record<string, number>) => void;
  [key: string]: unknown;
}

/**
 * Fits the interest model on a heterogeneous graph (positive interaction weights in graph.train) and returns
 * embeddings for every node plus the parameters serving needs to compute the neighbourhood term the same way.
 */
export async function fitGraph(graph: HeteroGraph, opts: FitGraphOptions = {}): Promise<TrainedModel> {
  // `dims` (the training job's knob) is the spectral size k
  const k = opts.k ?? (typeof opts.dims === 'number' ? opts.dims : undefined);
  const model = new InterestModel({ ...opts, k, logger: opts.logger as Logger | undefined, signal: opts.signal as AbortSignal | undefined });
  // only positive edges are training signal (negative feedback such as dismiss carries weight < 0)
  const positive = positiveOnly(graph.train);
  const g: HeteroGraph = positive === graph.train ? graph : { ...graph, train: positive };
  const report = await model.fit(g, { seed: opts.seed, onProgress: opts.onProgress });
  const embeddings = model.embeddings(g);
  const learned = model.response;
  const p = report.params ?? {};
  model.dispose();
  return {
    version: opts.version ?? new Date().toISOString(),
    embeddings,
    metrics: { valRecall20: Number(p.valRecall20 ?? 0), valNdcg20: Number(p.valNdcg20 ?? 0), trainSeconds: report.trainSeconds },
    params: {
      model: 'interest-filter',
      // neighbourhood term (no user norm): linearWeight · Σ_paths w_ui d_i^-b d_v^-2a w_vi w_vj d_j^-b · d_j^γ,
      // d = weighted degrees over positive training edges, a = userExponent, b = itemExponent, γ = itemOutputExponent
      userExponent: p.userExponent,
      itemExponent: p.itemExponent,
      linearWeight: learned.linearWeight,
      itemOutputExponent: learned.itemOutputExponent,
      userNormExponent: embeddings.userNormExponent,
      poly: learned.poly,
      k: p.k,
      bestEpoch: p.bestEpoch,
    },
    report,
  };
}
