import { initBackend } from './backend';
import { selectRows, type Csr } from '../graph/csr';
import { createLogger, type Logger } from '../log';
import { evaluate } from './evaluate';
import { FilterScorer, spectrumOf, type FilterBasis } from './filter';
import { graphRelations } from './pathTerms';
import { chebyCfParams, differenceStandardError, responseOf, scoreValidation, searchRecency, searchResponse, type FilterParams } from './responseSearch';
import { recencyWeightedRows } from '../graph/decay';
import { fitContextTerm, itemContextCountsOf, type ContextTermFit } from './contextTerm';
import { normalizeInteractions } from './spectral';
import { seededRandom } from '../random';
import { validationSplit } from './split';
import type { FitReport, NodeEmbeddings, Recommender, TrainedModel } from './types';
import type { HeteroGraph, InteractionDataset } from '../graph/types';

/** Hyper-parameters of the interest model's fit (not of the filter: those are fitted). */
export interface InterestModelOptions {
  /** Size of the spectral (embedding) part: top-k eigenpairs of P~ from one decomposition; default 256. */
  k?: number;
  /** Subspace iterations of the eigen-solver; default 8. */
  iterations?: number;
  /** Share of each user's train items carved out for validation (as the test split is of all); default 0.2. */
  validationFraction?: number;
  /** Validation users the search scores (a seeded sample; all when fewer); default 2,000. */
  validationUsers?: number;
  /** Candidate items per validation user in the search (the start's top ones); default 300. */
  candidates?: number;
  /** Coordinate-search passes at most; default 4. */
  passes?: number;
  logger?: Logger;
  /** Aborts the fit (checked between steps): fit rejects with an error naming the stage. */
  signal?: AbortSignal;
}

const OPTION_RULES: Record<keyof InterestModelOptions, ((v: unknown) => string | null) | null> = {
  k: (v) => (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 2048 ? null : 'an integer in [1, 2048]'),
  iterations: (v) => (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 50 ? null : 'an integer in [1, 50]'),
  validationFraction: (v) => (typeof v === 'number' && v > 0 && v < 0.5 ? null : 'a number in (0, 0.5)'),
  validationUsers: (v) => (Number.isInteger(v) && (v as number) >= 10 ? null : 'an integer ≥ 10'),
  candidates: (v) => (Number.isInteger(v) && (v as number) >= 20 && (v as number) <= 5000 ? null : 'an integer in [20, 5000]'),
  passes: (v) => (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 20 ? null : 'an integer in [0, 20]'),
  logger: null,
  signal: null,
};

/** Checks InterestModelOptions: an unknown key or an out-of-range value throws, naming the option and the value. */
export function validateInterestOptions(options: Record<string, unknown>): InterestModelOptions {
  for (const [key, value] of Object.entries(options)) {
    if (!(key in OPTION_RULES)) {
      throw new Error(`InterestModel: unknown option "${key}"; expected one of ${Object.keys(OPTION_RULES).join(', ')}`);
    }
    const rule = OPTION_RULES[key as keyof InterestModelOptions];
    const bad = value === undefined || !rule ? null : rule(value);
    if (bad) throw new Error(`InterestModel: option ${key} must be ${bad}, got ${JSON.stringify(value)}`);
  }
  return options as InterestModelOptions;
}

function sampleUsers(users: number[], n: number, seed: number): Int32Array {
  const a = users.slice();
  const rand = seededRandom(seed);
  const m = Math.min(n, a.length);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rand() * (a.length - i));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return Int32Array.from(a.slice(0, m)).sort();
}

/**
 * The interest model: a graph filter over the degree-normalised user–item graph,
 *   s(u) = w (r_u D^-βl) P~ D^ol + d_u^-e (r_u D^-βs) V diag(f(λ)) Vᵀ D^os,   P~ = R~ᵀR~, R~ = D_u^-½ R D_i^-½,
 * V, λ the top-k eigenpairs of P~ from one decomposition of a fit split of train, and f ChebyCF's plateau response
 * plus an ideal low-pass (src/model/responseSearch.ts). Every parameter is fitted on a validation split carved from
 * train by a coordinate search on Recall@20 + NDCG@20, from ChebyCF's published setting;
 * the neighbourhood term (a sum over real paths user → item ← user → item) and the degrees then come from all of
 * train, the spectrum from the one decomposition of the fit split.
 */
export class InterestModel implements Recommender {
  readonly name = 'InterestModel';
  readonly options: InterestModelOptions;
  private scorer: FilterScorer | undefined;
  private params: FilterParams | undefined;
  private readonly log: Logger;

  constructor(options: InterestModelOptions = {}) {
    this.options = validateInterestOptions(options as Record<string, unknown>);
    this.log = (options.logger ?? createLogger()).child({ component: 'interest-model' });
  }

  /** The fitted scorer (basis + response); throws before fit. */
  get fitted(): FilterScorer {
    if (!this.scorer) throw new Error('InterestModel: call fit() or load a saved model first');
    return this.scorer;
  }

  /** The fitted filter parameters; throws before fit. */
  get filterParams(): FilterParams {
    if (!this.params) throw new Error('InterestModel: call fit() or load a saved model first');
    return this.params;
  }

  /** Installs a basis and fitted parameters (used by fit and by load). */
  install(basis: FilterBasis, params: FilterParams): void {
    this.scorer?.dispose();
    this.params = params;
    this.scorer = new FilterScorer(basis, responseOf(params, basis.spectrum.values));
  }

  /**
   * Fits on `train.train`: carves a validation split out of it, decomposes the rest once (top-k spectrum), searches
   * the filter's parameters on validation, and installs them over all of train with the same spectrum.
   */
  async fit(train: InteractionDataset, options: { seed?: number; onProgress?: (info: Record<string, number>) => void } = {}): Promise<FitReport> {
    // the dense work needs the fast backend; a no-op when the process already chose one
    await initBackend({ logger: this.log });
    const t0 = Date.now();
    const o = this.options;
    const seed = options.seed ?? 2020;
    const times = train.trainTimes;
    const { fit, validation, fitTimes, latest, validationEntries } = validationSplit(train.train, { fraction: o.validationFraction ?? 0.2, seed, times });
    const normFit = normalizeInteractions(fit, 0.5, 0.5);
    const spectrum = spectrumOf(normFit, {
      k: o.k ?? 256,
      iterations: o.iterations ?? 8,
      seed,
      onProgress: (stage, done, total) => options.onProgress?.({ stage: 1, done, total }),
    });
    const tSpectrum = (Date.now() - t0) / 1000;
    if (o.signal?.aborted) throw new Error('InterestModel.fit: aborted after the spectrum');
    const candidates: number[] = [];
    const latestCandidates: number[] = [];
    for (let u = 0; u < validation.rows; u++) {
      if (validation.indptr[u + 1] > validation.indptr[u] && fit.indptr[u + 1] > fit.indptr[u]) (latest?.[u] ? latestCandidates : candidates).push(u);
    }
    const users = sampleUsers(candidates, o.validationUsers ?? 2000, seed + 1);
    const latestUsers = sampleUsers(latestCandidates, o.validationUsers ?? 2000, seed + 2);
    const g = train as Partial<HeteroGraph>;
    const relations = graphRelations(g.itemCategory, g.follows);
    const basisFit: FilterBasis = { train: fit, norm: normFit, spectrum, relations };
    // the recency of the input rows first (only dated interactions have one), then the filter's coordinate search
    // on the rows so weighted; the start reported is the starting point without recency
    const start = chebyCfParams(spectrum.k);
    const recency = fitTimes && latestUsers.length > 0
      ? await searchRecency(basisFit, start, fit, fitTimes, validation, latestUsers, { logger: this.log, signal: o.signal }) : undefined;
    const halfLife = recency?.halfLife ?? null;
    const result = await searchResponse(basisFit, recencyWeightedRows(fit, fitTimes, halfLife), validation, users, [{ ...start, recencyHalfLife: halfLife }], {
      candidates: o.candidates, passes: o.passes, logger: this.log, signal: o.signal,
    });
    if (recency) {
      // start and result on every sampled user (both kinds of held-out items), on the full ranking: the start without
      // recency, the result with it
      const all = Int32Array.from([...users, ...latestUsers]);
      result.start = scoreValidation(basisFit, start, fit, validation, all);
      result.fitted = scoreValidation(basisFit, result.params, recencyWeightedRows(fit, fitTimes, halfLife), validation, all);
      result.differenceStandardError = differenceStandardError(result.fitted.perUser, result.start.perUser);
    }
    // the context term last, on the fitted filter: where interactions carry contexts (ACTIVE_IN / POPULAR_IN's source)
    const entryContexts = train.trainContexts;
    let contextSearch: ContextTermFit | undefined;
    if (entryContexts && g.contexts && g.contexts.length > 0) {
      const all = Int32Array.from([...users, ...latestUsers]);
      const keepFit = new Uint8Array(train.train.indices.length).fill(1);
      for (const e of validationEntries) keepFit[e] = 0;
      // a user's request context: the contexts of their latest validation pair (the first when undated)
      const requests = Array.from(all, (u) => {
        let pick = -1;
        for (let v = validation.indptr[u]; v < validation.indptr[u + 1]; v++) {
          const e = validationEntries[v];
          if (pick < 0 || (times && times[e] > times[pick])) pick = e;
        }
        return pick < 0 ? [] : Array.from(entryContexts.indices.subarray(entryContexts.indptr[pick], entryContexts.indptr[pick + 1]));
      });
      const fitInput = recencyWeightedRows(fit, fitTimes, halfLife);
      const fitted = new FilterScorer(basisFit, responseOf(result.params, spectrum.values));
      try {
        contextSearch = await fitContextTerm({
          score: (u, out) => fitted.score(u, out, fitInput), fit, target: validation, users: all, requests,
          counts: itemContextCountsOf(train.train, entryContexts, keepFit), contexts: g.contexts,
        });
      } finally {
        fitted.dispose();
      }
      result.params = { ...result.params, contextWeight: contextSearch.weight, contextSmoothing: contextSearch.smoothing };
      this.log.info({ weight: contextSearch.weight, smoothing: contextSearch.smoothing, best: contextSearch.best }, 'context weight searched');
    }
    this.install({
      train: train.train, input: recencyWeightedRows(train.train, times, halfLife), norm: normalizeInteractions(train.train, 0.5, 0.5), spectrum, relations,
      ...(entryContexts && g.contexts && g.contexts.length > 0 ? { contexts: { counts: itemContextCountsOf(train.train, entryContexts), keys: g.contexts } } : {}),
    }, result.params);
    const trainSeconds = (Date.now() - t0) / 1000;
    const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
    this.log.info({ trainSeconds, spectrumSeconds: tSpectrum, start: result.start.recall20, fitted: result.fitted.recall20 }, 'interest model fitted');
    return {
      trainSeconds,
      epochs: 0,
      params: {
        ...result.params,
        k: spectrum.k,
        validationUsers: users.length,
        validationFraction: o.validationFraction ?? 0.2,
        validationStart: { recall20: r4(result.start.recall20), ndcg20: r4(result.start.ndcg20) },
        validationFitted: { recall20: r4(result.fitted.recall20), ndcg20: r4(result.fitted.ndcg20) },
        validationDifferenceSE: r4(result.differenceStandardError),
        validationFullRankingCheck: result.fullRankingCheck && {
          users: result.fullRankingCheck.users,
          fullRankingRecall20: r4(result.fullRankingCheck.fullRankingRecall20),
          candidatesRecall20: r4(result.fullRankingCheck.candidatesRecall20),
        },
        ...(recency ? { recencySearch: recency.trials } : {}),
        ...(contextSearch ? {
          contextSearch: {
            users: contextSearch.users, scale: r4(contextSearch.scale), start: contextSearch.start, fitted: contextSearch.fitted,
            best: { ...contextSearch.best, z: Math.round(contextSearch.best.z * 100) / 100 }, trials: contextSearch.trials,
          },
        } : {}),
        searchEvaluations: result.evaluations,
        searchTrace: result.trace,
        searchRejectedMoves: result.rejectedMoves,
        spectrumSeconds: tSpectrum,
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
    const input = sc.basis.input ?? sc.basis.train;
    const z = sc.userCoordinates(input, all);
    const norms = sc.userNorms(input, all);
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
   * interaction is i (weight 1). Writes all j into out.
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
  return positiveEntries(a).train;
}

/** `a` without its non-positive entries, and `times` and `contexts` (aligned with a's entries) restricted alike. */
export function positiveEntries(a: Csr, times?: Float64Array, contexts?: Csr): { train: Csr; times?: Float64Array; contexts?: Csr } {
  let bad = 0;
  for (let p = 0; p < a.values.length; p++) if (!(a.values[p] > 0)) bad++;
  if (bad === 0) return { train: a, times, contexts };
  const keep = Uint8Array.from(a.values, (v) => (v > 0 ? 1 : 0));
  const indptr = new Int32Array(a.rows + 1);
  const indices = new Int32Array(a.values.length - bad);
  const values = new Float32Array(a.values.length - bad);
  const kept = times ? new Float64Array(a.values.length - bad) : undefined;
  let w = 0;
  for (let r = 0; r < a.rows; r++) {
    for (let p = a.indptr[r]; p < a.indptr[r + 1]; p++) {
      if (a.values[p] > 0) {
        if (kept) kept[w] = times![p];
        indices[w] = a.indices[p];
        values[w++] = a.values[p];
      }
    }
    indptr[r + 1] = w;
  }
  return { train: { rows: a.rows, cols: a.cols, indptr, indices, values }, times: kept, contexts: contexts && selectRows(contexts, keep) };
}

/** Options of fitGraph: the training job's (FitGraphOptions of src/model/trainJob.ts) plus the model's own. */
export interface FitGraphOptions extends InterestModelOptions {
  seed?: number;
  version?: string;
  onProgress?: (info: Record<string, number>) => void;
  [key: string]: unknown;
}

/** Keys of FitGraphOptions that belong to the training job, not to the model. */
const JOB_KEYS = new Set(['seed', 'version', 'onProgress', 'dims', 'heldOutCheck', 'logger', 'signal']);

/**
 * Fits the interest model on a heterogeneous graph (positive interaction weights in graph.train) and returns
 * embeddings for every node plus the parameters serving needs to compute the same score.
 */
export async function fitGraph(graph: HeteroGraph, opts: FitGraphOptions = {}): Promise<TrainedModel> {
  const modelOptions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(opts)) if (!JOB_KEYS.has(key) && value !== undefined) modelOptions[key] = value;
  // `dims` (the training job's knob) is the spectral size k
  if (modelOptions.k === undefined && typeof opts.dims === 'number') modelOptions.k = opts.dims;
  const model = new InterestModel({ ...validateInterestOptions(modelOptions), logger: opts.logger as Logger | undefined, signal: opts.signal as AbortSignal | undefined });
  // only positive edges are training signal (negative feedback such as dismiss carries weight < 0)
  const positive = positiveEntries(graph.train, graph.trainTimes, graph.trainContexts);
  const g: HeteroGraph = positive.train === graph.train ? graph : { ...graph, train: positive.train, trainTimes: positive.times, trainContexts: positive.contexts };
  const report = await model.fit(g, { seed: opts.seed, onProgress: opts.onProgress });
  // the held-out check of the score the model serves (both terms), on sampled HELD_OUT users
  const check = opts.heldOutCheck as { maxUsers: number; seed: number } | undefined;
  const heldOut: Record<string, number> = {};
  if (check && check.maxUsers > 0 && graph.test && graph.test.indices.length > 0) {
    const r = await evaluate(model, { numUsers: g.numUsers, numItems: g.numItems, train: g.train, test: graph.test },
      { ks: [20], maxUsers: check.maxUsers, auc: 'none', seed: check.seed });
    Object.assign(heldOut, { heldOutRecall20: r.atK[20].recall, heldOutNdcg20: r.atK[20].ndcg, heldOutUsers: r.users });
  }
  const embeddings = model.embeddings(g);
  const fp = model.filterParams;
  const p = report.params ?? {};
  const fitted = p.validationFitted as { recall20: number; ndcg20: number };
  model.dispose();
  return {
    version: opts.version ?? new Date().toISOString(),
    embeddings,
    metrics: { valRecall20: fitted.recall20, valNdcg20: fitted.ndcg20, trainSeconds: report.trainSeconds, ...heldOut },
    params: {
      model: 'interest-filter',
      // neighbourhood term (no user norm): linearWeight · Σ_paths w_ui d_i^-(b+βl) d_v^-2a w_vi w_vj d_j^-b · d_j^ol,
      // d = weighted degrees over positive training edges, a = userExponent, b = itemExponent,
      // βl = itemInputExponent, ol = itemOutputExponent; the spectral part is the embeddings' dot product
      userExponent: 0.5,
      itemExponent: 0.5,
      linearWeight: fp.linearWeight,
      itemInputExponent: fp.linearInputExponent,
      itemOutputExponent: fp.linearOutputExponent,
      userNormExponent: embeddings.userNormExponent,
      filter: fp,
      k: p.k,
      validationStart: p.validationStart,
      validationFitted: p.validationFitted,
    },
    report,
  };
}
