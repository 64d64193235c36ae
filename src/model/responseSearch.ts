import type { Csr } from '../graph/csr';
import type { Logger } from '../log';
import { startProgress } from '../progress';
import { categoryRows, followsRows, projectRows, rowDegrees } from './pathTerms';
import { FilterScorer, type FilterBasis, type FilterResponse } from './filter';
import { degreePower } from './spectral';
import { topK } from './topk';
import { ndcgAtK, recallAtK } from './metrics';
import { recencyWeightedRows } from '../graph/decay';
import { DEFAULT_CONTEXT_SMOOTHING } from './contextTerm';

/**
 * The filter's parameters as the search sees them. The spectral response on the top-k eigenpairs (λ descending) is
 *   f(λ_j) = alpha · [j < cutoff] + plateau · linearWeight · (h_φ(λ_j)/φ − λ_j),  h_φ(λ) = ChebyCF's plateau,
 * so that with plateau = 1 the whole filter's response (the neighbourhood term contributes linearWeight · λ on every
 * eigenvector) is linearWeight · h_φ(λ)/φ on the top k and linearWeight · λ (h's slope at 0) beyond.
 */
export interface FilterParams {
  linearWeight: number;
  linearInputExponent: number;
  linearOutputExponent: number;
  spectralInputExponent: number;
  spectralOutputExponent: number;
  userNormExponent: number;
  alpha: number;
  cutoff: number;
  plateau: number;
  flatness: number;
  /** Weight of the category term (paths user → item → category → item); 0 without categories. */
  categoryWeight: number;
  /** Weight of the follows term (paths user → followee → item); 0 without follows. */
  followsWeight: number;
  /**
   * Half-life in interactions of the recency rule on the users' input rows (src/graph/decay.ts recencyFactors);
   * null: no recency (also for undated interactions). Fitted by searchRecency, before the coordinate search.
   */
  recencyHalfLife: number | null;
  /** Weight of the context term (w · lift of the request's contexts, src/model/contextTerm.ts); 0 without contexts. */
  contextWeight: number;
  /** The lift's pseudo-count. */
  contextSmoothing: number;
}

/** ChebyCF's plateau transfer function on an eigenvalue λ of P~ (x = 1 − 2λ is the Laplacian's, in [−1, 1]). */
export function plateauResponse(lambda: number, flatness: number): number {
  const x = 1 - 2 * lambda;
  return x < 0 ? 0.5 + 0.5 * Math.pow(-x, flatness) : 0.5 - 0.5 * Math.pow(x, flatness);
}

/** The spectral response vector (length values.length) of a parameter point. */
export function spectralResponse(p: FilterParams, values: Float64Array): Float32Array {
  const out = new Float32Array(values.length);
  for (let j = 0; j < values.length; j++) {
    const l = values[j];
    out[j] = (j < p.cutoff ? p.alpha : 0) + (p.plateau !== 0 ? p.plateau * p.linearWeight * (plateauResponse(l, p.flatness) / p.flatness - l) : 0);
  }
  return out;
}

/** The FilterResponse of a parameter point on a spectrum's eigenvalues. */
export function responseOf(p: FilterParams, values: Float64Array): FilterResponse {
  return {
    linearWeight: p.linearWeight,
    linearInputExponent: p.linearInputExponent,
    linearOutputExponent: p.linearOutputExponent,
    spectral: spectralResponse(p, values),
    spectralInputExponent: p.spectralInputExponent,
    spectralOutputExponent: p.spectralOutputExponent,
    userNormExponent: p.userNormExponent,
    categoryWeight: p.categoryWeight,
    followsWeight: p.followsWeight,
    contextWeight: p.contextWeight,
    contextSmoothing: p.contextSmoothing,
  };
}

/**
 * ChebyCF's published Gowalla configuration (the search's start; Kim et al., SIGIR 2025: item-degree normalisation 0.4 before and after,
 * plateau response of flatness 1.5, ideal low-pass 0.2) as a parameter point: the linear tail of its response
 * beyond the top k is the neighbourhood term, whose weight is the plateau's slope at 0 (the flatness).
 */
export function chebyCfParams(k: number): FilterParams {
  return {
    linearWeight: 1.5, linearInputExponent: 0.4, linearOutputExponent: 0.4, spectralInputExponent: 0.4, spectralOutputExponent: 0.4,
    userNormExponent: 0, alpha: 0.2, cutoff: k, plateau: 1, flatness: 1.5, categoryWeight: 0, followsWeight: 0, recencyHalfLife: null,
    contextWeight: 0, contextSmoothing: DEFAULT_CONTEXT_SMOOTHING,
  };
}

/** Recall@20 and NDCG@20 (LightGCN protocol, src/model/metrics.ts) of the first `got` entries of a ranked list. */
function rankMetrics(list: Int32Array, got: number, isTarget: (i: number) => boolean, targets: number): { recall: number; ndcg: number } {
  const top = list.subarray(0, got);
  const relevant = { has: isTarget, size: targets };
  return { recall: recallAtK(top, relevant, 20), ndcg: ndcgAtK(top, relevant, 20) };
}

/** Per-user validation metrics of a full ranking (every item but the user's fit items), and their means. */
export interface ValidationScore {
  recall20: number;
  ndcg20: number;
  perUser: Float64Array;
}

/** The options of the response search. */
export interface ResponseSearchOptions {
  /** Candidate items per validation user and starting point for the search (each start's top ones); default 300. */
  candidates?: number;
  /** Coordinate-search passes at most; default 4. */
  passes?: number;
  logger?: Logger;
  signal?: AbortSignal;
  /** Users per scoring batch; default 256. */
  batchSize?: number;
  /** Validation users (the first of `users`) whose result is also scored on the full ranking; default 500. */
  checkUsers?: number;
  /** Least z of a move's paired per-user gain for it to be taken; default 2. */
  minZ?: number;
}

/** What the search found, with the validation scores of its start and of its result (full ranking). */
export interface ResponseSearchResult {
  params: FilterParams;
  start: ValidationScore;
  fitted: ValidationScore;
  /** Every starting point's validation score (the best one is `start`). */
  starts: { params: FilterParams; recall20: number; ndcg20: number }[];
  /** Standard error of the per-user difference (recall + ndcg) of fitted and start: the sample's resolution. */
  differenceStandardError: number;
  evaluations: number;
  /** The moves taken, each with the z of its paired gain over the point before it. */
  trace: { param: string; value: number; objective: number; z: number }[];
  /** Best moves whose gain was within noise (z below minZ), not taken. */
  rejectedMoves: number;
  /** The result's Recall@20 on the full ranking and on the candidates for the same sample of users. */
  fullRankingCheck?: { users: number; fullRankingRecall20: number; candidatesRecall20: number };
}

const LIN_IN = [0, 0.1, 0.2, 0.3, 0.4, 0.5];
const SPEC_IN = [0.3, 0.4, 0.5];
const BAND = 16;

/**
 * Scores `users` with a filter basis and a parameter point over all items and measures Recall/NDCG@20 against
 * `target`, the users' `fit` items excluded. Calls `onRow` with each user's scores (for candidate selection).
 */
export function scoreValidation(
  basis: FilterBasis,
  p: FilterParams,
  fit: Csr,
  target: Csr,
  users: Int32Array,
  batchSize = 256,
  onRow?: (q: number, scores: Float32Array, offset: number) => void,
): ValidationScore {
  const scorer = new FilterScorer(basis, responseOf(p, basis.spectrum.values));
  const n = scorer.numItems;
  const perUser = new Float64Array(users.length * 2);
  const buf = new Float32Array(Math.min(batchSize, users.length) * n);
  const idx = new Int32Array(20);
  let rec = 0;
  let nd = 0;
  try {
    for (let s = 0; s < users.length; s += batchSize) {
      const batch = users.subarray(s, s + batchSize);
      scorer.score(batch, buf, fit);
      for (let q = 0; q < batch.length; q++) {
        const u = batch[q];
        const o = q * n;
        for (let t = fit.indptr[u]; t < fit.indptr[u + 1]; t++) buf[o + fit.indices[t]] = -Infinity;
        onRow?.(s + q, buf, o);
        const got = topK(buf, o, n, 20, idx);
        const tset = new Set<number>();
        for (let t = target.indptr[u]; t < target.indptr[u + 1]; t++) tset.add(target.indices[t]);
        const m = rankMetrics(idx, got, (i) => tset.has(i), tset.size);
        perUser[(s + q) * 2] = m.recall;
        perUser[(s + q) * 2 + 1] = m.ndcg;
        rec += m.recall;
        nd += m.ndcg;
      }
    }
  } finally {
    scorer.dispose();
  }
  return { recall20: rec / users.length, ndcg20: nd / users.length, perUser };
}

/**
 * Fits the filter's parameters on a validation split by coordinate search on the metric itself (Recall@20 +
 * NDCG@20), from the best of `starts` on validation. Each start is scored on the full ranking, and its top ones per
 * user become the candidates; every parameter point is then scored on the candidates from cached parts (the
 * neighbourhood term per input exponent; per spectral input exponent the spectral products split into bands of 16
 * eigenvectors with their first moment in λ, so any response is a cheap recombination, exact up to the curvature of
 * f within a band). The result's score is its score on the candidates; `fullRankingCheck` compares it with the full
 * ranking on a sample of users.
 */
export async function searchResponse(
  basis: FilterBasis,
  fit: Csr,
  target: Csr,
  users: Int32Array,
  starts: FilterParams[],
  options: ResponseSearchOptions = {},
): Promise<ResponseSearchResult> {
  if (starts.length === 0) throw new Error('searchResponse: needs at least one starting point');
  const perStart = options.candidates ?? 300;
  const N = perStart * starts.length;
  const batchSize = options.batchSize ?? 256;
  const log = options.logger;
  const { spectrum, norm } = basis;
  const n = spectrum.n;
  const k = spectrum.k;
  const B = users.length;
  const values = spectrum.values;
  let tStage = Date.now();
  const stageDone = (stage: string) => {
    log?.info({ stage, seconds: (Date.now() - tStage) / 1000 }, 'response search: stage done');
    tStage = Date.now();
  };
  const yieldNow = async (stage: string) => {
    await new Promise((resolve) => setImmediate(resolve));
    if (options.signal?.aborted) throw new Error(`searchResponse: aborted during ${stage}`);
  };

  // 1. the starts on the full ranking; each user's top ones under each start (fit items excluded) become its
  // candidates (up to perStart from each, the union, -1 for empty slots)
  const cand = new Int32Array(B * N).fill(-1);
  const candScore = new Float32Array(perStart);
  const candIdx = new Int32Array(perStart);
  const filled = new Int32Array(B);
  const startScores: ValidationScore[] = [];
  for (const st of starts) {
    startScores.push(scoreValidation(basis, st, fit, target, users, batchSize, (q, scores, o) => {
      const got = topK(scores, o, n, perStart, candIdx, candScore);
      const base = q * N;
      const have = new Set(cand.subarray(base, base + filled[q]));
      for (let c = 0; c < got; c++) if (!have.has(candIdx[c])) cand[base + filled[q]++] = candIdx[c];
    }));
    await yieldNow('the starts');
    stageDone('start scored');
  }
  let si = 0;
  startScores.forEach((sc, i) => {
    log?.info({ start: i, valRecall20: sc.recall20, valNdcg20: sc.ndcg20, users: B }, 'response search: starting point on validation');
    if (sc.recall20 + sc.ndcg20 > startScores[si].recall20 + startScores[si].ndcg20) si = i;
  });
  const start = starts[si];
  const startScore = startScores[si];

  // targets per user and candidate
  const isTarget = new Uint8Array(B * N);
  const targets = new Int32Array(B);
  for (let q = 0; q < B; q++) {
    const u = users[q];
    const tset = new Set<number>();
    for (let t = target.indptr[u]; t < target.indptr[u + 1]; t++) tset.add(target.indices[t]);
    targets[q] = tset.size;
    for (let c = 0; c < N; c++) if (cand[q * N + c] >= 0 && tset.has(cand[q * N + c])) isTarget[q * N + c] = 1;
  }
  const logDeg = Float32Array.from(norm.itemDegree, (d) => (d > 0 ? Math.log(d) : -Infinity));
  const userLogDeg = Float64Array.from(rowDegrees(fit, users), (d) => (d > 0 ? Math.log(d) : 0));

  // 2. cached parts on the candidates: the neighbourhood term for every input exponent in one pass per user
  // (user accumulators per exponent, then each candidate's column of R~), and the banded spectral products
  const lin = new Map<number, Float32Array>(LIN_IN.map((e) => [e, new Float32Array(B * N)]));
  const bar = startProgress('response search: cached parts', B * (1 + SPEC_IN.length), 'user passes');
  {
    const m = LIN_IN.length;
    const inScale = LIN_IN.map((e) => degreePower(norm.itemDegree, -e));
    const parts = LIN_IN.map((e) => lin.get(e)!);
    const acc = new Float64Array(norm.r.rows * m);
    const touched = new Int32Array(norm.r.rows);
    const seen = new Uint8Array(norm.r.rows);
    const { rT } = norm;
    for (let q = 0; q < B; q++) {
      const u = users[q];
      let t = 0;
      for (let p = fit.indptr[u]; p < fit.indptr[u + 1]; p++) {
        const i = fit.indices[p];
        const w = fit.values[p];
        for (let x = rT.indptr[i]; x < rT.indptr[i + 1]; x++) {
          const v = rT.indices[x];
          if (!seen[v]) {
            seen[v] = 1;
            touched[t++] = v;
          }
          const val = w * rT.values[x];
          for (let e = 0; e < m; e++) acc[v * m + e] += val * inScale[e][i];
        }
      }
      for (let c = 0; c < N; c++) {
        const j = cand[q * N + c];
        if (j < 0) continue;
        for (let e = 0; e < m; e++) {
          let s2 = 0;
          for (let x = rT.indptr[j]; x < rT.indptr[j + 1]; x++) s2 += acc[rT.indices[x] * m + e] * rT.values[x];
          parts[e][q * N + c] = s2;
        }
      }
      for (let x = 0; x < t; x++) {
        const v = touched[x];
        seen[v] = 0;
        for (let e = 0; e < m; e++) acc[v * m + e] = 0;
      }
      if ((q & 255) === 255) {
        bar.increment(256);
        await yieldNow('the neighbourhood parts');
      }
    }
  }
  stageDone('neighbourhood parts');
  const bands = Math.ceil(k / BAND);
  const bandMean = new Float64Array(bands);
  for (let g = 0; g < bands; g++) {
    let s = 0;
    let m = 0;
    for (let j = g * BAND; j < Math.min(k, (g + 1) * BAND); j++, m++) s += values[j];
    bandMean[g] = s / m;
  }
  const spec = new Map<number, Float32Array>(); // B × N × bands × 2: Σ_j∈g z_j v_ij and Σ_j∈g z_j v_ij (λ_j − λ̄_g)
  for (const e of SPEC_IN) {
    const part = new Float32Array(B * N * bands * 2);
    const z = projectRows(fit, users, degreePower(norm.itemDegree, -e), spectrum.vectors, k);
    const vectors = spectrum.vectors;
    const centred = new Float64Array(k); // λ_j − λ̄ of j's band
    for (let j = 0; j < k; j++) centred[j] = values[j] - bandMean[Math.floor(j / BAND)];
    const zq = new Float64Array(k);
    const zl = new Float64Array(k);
    for (let q = 0; q < B; q++) {
      const zo = q * k;
      for (let j = 0; j < k; j++) {
        zq[j] = z[zo + j];
        zl[j] = z[zo + j] * centred[j];
      }
      for (let c = 0; c < N; c++) {
        const i = cand[q * N + c];
        if (i < 0) continue;
        const vo = i * k;
        let po = ((q * N) + c) * bands * 2;
        for (let g = 0; g < bands; g++) {
          let s0 = 0;
          let s1 = 0;
          const end = Math.min(k, (g + 1) * BAND);
          for (let j = g * BAND; j < end; j++) {
            const v = vectors[vo + j];
            s0 += zq[j] * v;
            s1 += zl[j] * v;
          }
          part[po++] = s0;
          part[po++] = s1;
        }
      }
      if ((q & 255) === 255) {
        bar.increment(256);
        await yieldNow('the spectral parts');
      }
    }
    spec.set(e, part);
  }
  bar.stop();
  stageDone('spectral parts');
  // the relation terms on the candidates (before their output scale), and the scale that makes a weight of 1 as
  // large on average as the start's neighbourhood term
  const rel = basis.relations;
  const relParts = new Map<'categoryWeight' | 'followsWeight', { part: Float32Array; scale: number }>();
  if (rel && (rel.category || rel.follows)) {
    const linStart = lin.get(start.linearInputExponent);
    const row = new Float32Array(n);
    for (const [key, present] of [['categoryWeight', rel.category], ['followsWeight', rel.follows]] as const) {
      if (!present) continue;
      const part = new Float32Array(B * N);
      let sumPart = 0;
      let sumLin = 0;
      for (let q = 0; q < B; q++) {
        const one = users.subarray(q, q + 1);
        if (key === 'categoryWeight') categoryRows(rel, fit, one, row);
        else followsRows(rel, norm, one, row);
        for (let c = 0; c < N; c++) {
          const j = cand[q * N + c];
          if (j < 0) continue;
          part[q * N + c] = row[j];
          sumPart += Math.abs(row[j]);
          sumLin += Math.abs(linStart ? linStart[q * N + c] : 0) * start.linearWeight;
        }
      }
      relParts.set(key, { part, scale: sumPart > 0 ? sumLin / sumPart : 0 });
    }
    stageDone('relation parts');
  }

  // 3. the objective of a parameter point on the candidates. The spectral response is α·[j < cutoff] + p·w·plat_φ(λ),
  // so the spectral part of a candidate is α·S_cutoff + p·w·S_φ, each sum from the band fit of its shape, cached per
  // (input exponent, cutoff) and (input exponent, φ): a point costs a few multiply-adds per candidate
  const bandA = new Float64Array(bands);
  const bandB = new Float64Array(bands);
  const shapeSums = new Map<string, Float32Array>();
  const shapeSum = (e: number, key: string, shape: (j: number) => number): Float32Array => {
    const id = `${e}|${key}`;
    let out = shapeSums.get(id);
    if (out) return out;
    const part = spec.get(e);
    if (!part) throw new Error(`searchResponse: no cached spectral part for input exponent ${e}`);
    for (let g = 0; g < bands; g++) {
      // least-squares line of the shape over the band's eigenvalues
      let sx = 0;
      let sy = 0;
      let sxx = 0;
      let sxy = 0;
      let m = 0;
      for (let j = g * BAND; j < Math.min(k, (g + 1) * BAND); j++, m++) {
        const x = values[j] - bandMean[g];
        const y = shape(j);
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
      }
      const den = m * sxx - sx * sx;
      bandB[g] = den > 1e-18 ? (m * sxy - sx * sy) / den : 0;
      bandA[g] = (sy - bandB[g] * sx) / m;
    }
    out = new Float32Array(B * N);
    for (let pc = 0; pc < B * N; pc++) {
      const po = pc * bands * 2;
      let t = 0;
      for (let g = 0; g < bands; g++) t += bandA[g] * part[po + g * 2] + bandB[g] * part[po + g * 2 + 1];
      out[pc] = t;
    }
    shapeSums.set(id, out);
    return out;
  };
  const sc = new Float32Array(N);
  const order = new Int32Array(20);
  const linOut = new Float32Array(n);
  const specOut = new Float32Array(n);
  let evaluations = 0;
  const objective = (p: FilterParams, perUser?: Float64Array): number => {
    evaluations++;
    const e = p.spectralInputExponent;
    const cut = p.alpha !== 0 ? shapeSum(e, `cut${p.cutoff}`, (j) => (j < p.cutoff ? 1 : 0)) : undefined;
    const plat = p.plateau !== 0 ? shapeSum(e, `plat${p.flatness}`, (j) => plateauResponse(values[j], p.flatness) / p.flatness - values[j]) : undefined;
    const pw = p.plateau * p.linearWeight;
    for (let i = 0; i < n; i++) {
      linOut[i] = Math.exp(p.linearOutputExponent * logDeg[i]);
      specOut[i] = Math.exp(p.spectralOutputExponent * logDeg[i]);
    }
    const linPart = lin.get(p.linearInputExponent);
    if (!linPart) throw new Error(`searchResponse: no cached neighbourhood part for input exponent ${p.linearInputExponent}`);
    const catPart = p.categoryWeight !== 0 ? relParts.get('categoryWeight')?.part : undefined;
    const folPart = p.followsWeight !== 0 ? relParts.get('followsWeight')?.part : undefined;
    let total = 0;
    for (let q = 0; q < B; q++) {
      const un = Math.exp(-p.userNormExponent * userLogDeg[q]);
      for (let c = 0; c < N; c++) {
        const pc = q * N + c;
        const i = cand[pc];
        if (i < 0) {
          sc[c] = -Infinity;
          continue;
        }
        const s = (cut ? p.alpha * cut[pc] : 0) + (plat ? pw * plat[pc] : 0);
        let neigh = p.linearWeight * linPart[pc];
        if (catPart) neigh += p.categoryWeight * catPart[pc];
        if (folPart) neigh += p.followsWeight * folPart[pc];
        sc[c] = neigh * linOut[i] + un * s * specOut[i];
      }
      const got = topK(sc, 0, N, 20, order);
      const m = rankMetrics(order, got, (c) => isTarget[q * N + c] === 1, targets[q]);
      total += m.recall + m.ndcg;
      if (perUser) {
        perUser[q * 2] = m.recall;
        perUser[q * 2 + 1] = m.ndcg;
      }
    }
    return total / B;
  };

  // 4. coordinate search: each parameter over its moves, the best move kept, until a pass changes nothing
  type Searched = Exclude<keyof FilterParams, 'recencyHalfLife' | 'contextWeight' | 'contextSmoothing'>;
  type Move = { param: Searched; values: (p: FilterParams) => number[]; tie?: Searched };
  const moves: Move[] = [
    // input and output exponents together (ChebyCF's D^-β … D^β), then each alone
    { param: 'linearInputExponent', tie: 'linearOutputExponent', values: () => LIN_IN },
    { param: 'spectralInputExponent', tie: 'spectralOutputExponent', values: () => SPEC_IN },
    { param: 'linearInputExponent', values: () => LIN_IN },
    { param: 'spectralInputExponent', values: () => SPEC_IN },
    { param: 'linearOutputExponent', values: (p) => [-0.2, -0.1, -0.05, 0.05, 0.1, 0.2].map((d) => round(p.linearOutputExponent + d)) },
    { param: 'spectralOutputExponent', values: (p) => [-0.2, -0.1, -0.05, 0.05, 0.1, 0.2].map((d) => round(p.spectralOutputExponent + d)) },
    { param: 'linearWeight', values: (p) => [0.5, 0.7, 0.85, 1.2, 1.4, 2].map((m) => round(p.linearWeight * m)) },
    { param: 'alpha', values: (p) => [0, 0.5, 0.75, 1.25, 1.5, 2].map((m) => round(p.alpha * m)).concat(p.alpha === 0 ? [0.1, 0.3] : []) },
    { param: 'cutoff', values: () => [32, 64, 96, 128, 160, 192, 224, 256, 320, 384, 448, 512].filter((c) => c <= k) },
    { param: 'plateau', values: (p) => [0, 0.5, 1, 1.5, 2, 2.5, 3, 4, 5].filter((v) => v !== p.plateau) },
    { param: 'flatness', values: (p) => (p.plateau === 0 ? [] : [1, 1.25, 1.5, 2, 3, 4]) },
    { param: 'userNormExponent', values: (p) => [-0.2, -0.1, -0.05, 0.05, 0.1, 0.2].map((d) => round(p.userNormExponent + d)) },
    // relation weights in units of the scale that matches the start's neighbourhood term (0 is the start)
    ...[...relParts].map(([param, { scale }]): Move => ({
      param, values: () => (scale > 0 ? [0, 0.01, 0.03, 0.1, 0.3, 1, 3].map((m) => Number((m * scale).toPrecision(4))) : []),
    })),
  ];
  // a move is taken only when its gain over the current point is significant: the per-user paired difference of
  // recall + ndcg at least `minZ` standard errors above 0, so the search does not follow the sample's noise
  const minZ = options.minZ ?? 2;
  let best = { ...start };
  let bestPer = new Float64Array(B * 2);
  let bestObj = objective(best, bestPer);
  const trace: ResponseSearchResult['trace'] = [];
  const passes = options.passes ?? 4;
  let rejected = 0;
  for (let pass = 0; pass < passes; pass++) {
    let changed = false;
    for (const mv of moves) {
      let moveBest: FilterParams | undefined;
      let moveObj = bestObj;
      for (const v of mv.values(best)) {
        if (v === best[mv.param]) continue;
        const cand2 = { ...best, [mv.param]: v, ...(mv.tie ? { [mv.tie]: v } : {}) };
        const o = objective(cand2);
        if (o > moveObj + 1e-6) {
          moveObj = o;
          moveBest = cand2;
        }
      }
      if (moveBest) {
        const per = new Float64Array(B * 2);
        objective(moveBest, per);
        const z = pairedGainZ(per, bestPer);
        const param = mv.tie ? (`${mv.param}+${mv.tie}` as keyof FilterParams) : mv.param;
        if (z >= minZ) {
          best = moveBest;
          bestObj = moveObj;
          bestPer = per;
          changed = true;
          trace.push({ param, value: best[mv.param], objective: moveObj, z: Math.round(z * 100) / 100 });
          log?.info({ pass, param: mv.param, value: best[mv.param], objective: moveObj, z }, 'response search: move');
        } else {
          rejected++;
          log?.debug({ pass, param: mv.param, value: moveBest[mv.param], objective: moveObj, z }, 'response search: gain within noise, move not taken');
        }
      }
      await yieldNow('the coordinate search');
    }
    if (!changed) break;
  }

  stageDone('coordinate search');
  // 5. the result's validation score on the candidates (the start's top `perStart` per user, so the start's own
  // score there is its full-ranking score); a sample of users is also scored on the full ranking, which measures
  // what restricting the result to the candidates changes
  const perUser = new Float64Array(B * 2);
  objective(best, perUser);
  let rec = 0;
  let nd = 0;
  for (let q = 0; q < B; q++) {
    rec += perUser[q * 2];
    nd += perUser[q * 2 + 1];
  }
  const fitted: ValidationScore = { recall20: rec / B, ndcg20: nd / B, perUser };
  const checkN = Math.min(B, options.checkUsers ?? 500);
  let check: ResponseSearchResult['fullRankingCheck'];
  if (checkN > 0) {
    const full = scoreValidation(basis, best, fit, target, users.subarray(0, checkN), batchSize);
    let cr = 0;
    for (let q = 0; q < checkN; q++) cr += perUser[q * 2];
    check = { users: checkN, fullRankingRecall20: full.recall20, candidatesRecall20: cr / checkN };
    stageDone('full-ranking check');
  }
  return {
    params: best, start: startScore, fitted, differenceStandardError: differenceStandardError(fitted.perUser, startScore.perUser), evaluations, trace, rejectedMoves: rejected, fullRankingCheck: check,
    starts: starts.map((p, i) => ({ params: p, recall20: startScores[i].recall20, ndcg20: startScores[i].ndcg20 })),
  };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * The z of a paired per-user gain: per-user (recall, ndcg) pairs of two points on the same users, the mean of
 * a's recall + ndcg minus b's over its standard error (Infinity for a constant positive gain).
 */
export function pairedGainZ(a: Float64Array, b: Float64Array): number {
  const { mean, se } = pairedGain(a, b);
  return se > 0 ? mean / se : mean > 0 ? Infinity : 0;
}

/** The standard error of the paired per-user difference of recall + ndcg (see pairedGainZ). */
export function differenceStandardError(a: Float64Array, b: Float64Array): number {
  return pairedGain(a, b).se;
}

function pairedGain(a: Float64Array, b: Float64Array): { mean: number; se: number } {
  const B = a.length / 2;
  if (b.length !== a.length) throw new Error(`pairedGain: ${a.length / 2} users against ${b.length / 2}`);
  let mean = 0;
  const d = new Float64Array(B);
  for (let q = 0; q < B; q++) {
    d[q] = a[q * 2] + a[q * 2 + 1] - b[q * 2] - b[q * 2 + 1];
    mean += d[q] / B;
  }
  let v = 0;
  for (let q = 0; q < B; q++) v += (d[q] - mean) ** 2;
  return { mean, se: Math.sqrt(v / Math.max(1, B - 1) / B) };
}

/** Half-lives (interactions) the recency search tries. */
export const RECENCY_HALF_LIVES = [80, 40, 20, 10, 5, 3, 2];

/** What searchRecency found: the half-life (null: none) and every trial's full-ranking validation score. */
export interface RecencySearchResult {
  halfLife: number | null;
  /** The score without recency (the search's start). */
  start: ValidationScore;
  /** The score at the chosen half-life. */
  fitted: ValidationScore;
  trials: { halfLife: number | null; recall20: number; ndcg20: number; z: number }[];
}

/**
 * Fits the recency half-life of the users' input rows at the parameter point `p`: every half-life of
 * RECENCY_HALF_LIVES is scored on the full ranking of `users` (rows `fit` weighted by the recency rule with
 * `fitTimes`, the pairs' latest times), and the best by Recall@20 + NDCG@20 is kept only when its paired gain over
 * no recency has z ≥ minZ (default 2); otherwise none.
 */
export async function searchRecency(
  basis: FilterBasis,
  p: FilterParams,
  fit: Csr,
  fitTimes: Float64Array,
  target: Csr,
  users: Int32Array,
  options: { minZ?: number; batchSize?: number; logger?: Logger; signal?: AbortSignal } = {},
): Promise<RecencySearchResult> {
  const minZ = options.minZ ?? 2;
  const none = scoreValidation(basis, { ...p, recencyHalfLife: null }, fit, target, users, options.batchSize);
  const trials: RecencySearchResult['trials'] = [{ halfLife: null, recall20: none.recall20, ndcg20: none.ndcg20, z: 0 }];
  let best: { halfLife: number | null; score: ValidationScore; z: number } = { halfLife: null, score: none, z: 0 };
  for (const h of RECENCY_HALF_LIVES) {
    await new Promise((resolve) => setImmediate(resolve));
    if (options.signal?.aborted) throw new Error('searchRecency: aborted');
    const sc = scoreValidation(basis, { ...p, recencyHalfLife: h }, recencyWeightedRows(fit, fitTimes, h), target, users, options.batchSize);
    const z = pairedGainZ(sc.perUser, none.perUser);
    trials.push({ halfLife: h, recall20: sc.recall20, ndcg20: sc.ndcg20, z: Math.round(z * 100) / 100 });
    if (sc.recall20 + sc.ndcg20 > best.score.recall20 + best.score.ndcg20) best = { halfLife: h, score: sc, z };
  }
  const chosen = best.halfLife !== null && best.z >= minZ ? best : { halfLife: null, score: none, z: 0 };
  options.logger?.info({ halfLife: chosen.halfLife, best: best.halfLife, z: best.z, trials }, 'recency half-life searched');
  return { halfLife: chosen.halfLife, start: none, fitted: chosen.score, trials };
}

