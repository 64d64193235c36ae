import type { Executor, StatementCounter } from '../db/executor';
import type { Logger } from '../log';
import { apiError, ErrorCode, notFound } from '../api/errors';
import { ModelStore, slotParams, type ActiveModel, type ItemMatrix } from './modelStore';
import { dotFromIndexScore, indexQueryVector } from '../model/registry';
import { dotRow, topByDegree, topByDotAmong } from './scan';
import { DotScorer } from './dotScorer';
import { WorkerScorer } from './workerScorer';
import { neighbourhoodParams, type GraphIndex, type NeighbourhoodParams, type ProximityRow, type ViaPath } from './graphIndex';
import { GraphWorker } from './graphWorkerClient';
import { memoryEvidence, type ContextHits } from './evidence';
import { reasonsFor, similarReasonsFor, type ReasonRow, type SimilarReasonRow } from './explain';
import { ServingPolicy, type PolicyRequest } from './policy';
import { DEFAULT_WEIGHTS, type ContextValue, type RecommendationResult, type ScoreBreakdown, type ScoreWeights, type ScoredItem } from './types';

/** Tuning of candidate generation; defaults fit graphs of Gowalla's size (~40k items). */
export interface ServingOptions {
  /** 'scan': exact dot product over the in-memory item matrix; 'index': the Neo4j vector index (millions of items). */
  candidateSource: 'scan' | 'index';
  /** Run the scan's dot products on TensorFlow.js (wasm/tfjs-node, micro-batched) instead of plain JS. */
  tensorScan: boolean;
  /** Run the TensorFlow.js scan on a worker thread (src/serving/workerScorer.ts) rather than the event loop. */
  scanWorker: boolean;
  /** Compute the graph neighbourhood term on a worker thread holding a copy of the graph index (src/serving/graphWorker.ts). */
  graphWorker: boolean;
  /**
   * Where graph proximity is computed: 'memory' (the in-process GraphIndex, which also supplies the
   * evidence paths unless evidenceSource is 'neo4j') or 'cypher' (the whole co-interaction expansion as Cypher statements:
   * no memory, but ~1 s per request on Gowalla).
   */
  graphSource: 'memory' | 'cypher';
  /**
   * Where the evidence paths of recommendations come from with graphSource 'memory': 'memory' (the
   * process's copy of the graph, src/serving/evidence.ts: no statement) or 'neo4j' (each path confirmed
   * by point lookups in one more statement per request, cypher/serving/reasons.cypher).
   */
  evidenceSource: 'memory' | 'neo4j';
  /**
   * When the exact embedding scan (or the vector index) retrieves candidates: 'always', or 'adaptive': only
   * when the graph neighbourhood is thin (fewer than graphCandidates items after exclusions; then every
   * item it reaches is a candidate already, and any other item's graph term is 0), for cold-start users,
   * category-filtered requests and the Cypher graph source. Items no interaction reaches yet (new items)
   * are scored on their own either way, so a new item is recommended before the next training. Measured
   * on 1,000 Gowalla users: 99.8% of the top 20 are the same items with and without the scan (99.6% for
   * users with fewer than 10 interactions), and the scan was most of a request's CPU.
   */
  embeddingRetrieval: 'always' | 'adaptive';
  /** Candidates taken from the embeddings and from the graph before merging. */
  embeddingCandidates: number;
  /**
   * Default 100: on 2,000 held-out Gowalla users with the default policy (`npm run bench:candidates`,
   * bench/results/serving-candidates.json), 200 gave Recall@20 0.151 and 17.7k distinct items shown, 100 gave
   * 0.153 and 17.1k, for about 40% less CPU per request (2.56 against 4.43 ms; the policy and the scoring grow
   * with the count).
   */
  graphCandidates: number;
  /** Fan-out caps of the co-interaction statement (user items, co-users per item). */
  maxUserItems: number;
  maxCoUsers: number;
  /** How long the active model lookup is cached (ms); a version switch is served within this time. */
  modelTtlMs: number;
  /** Longest wait (ms) of a scan batch for requests still on their way to it (see DotScorer). */
  scanBatchWaitMs: number;
  /** Most queries per pass of the scan worker (see ScanWorkerOptions). */
  scanWorkerMaxBatch: number;
  /** Serve this model version instead of the active one (a canary, a benchmark of a version not yet activated). */
  pinnedVersion?: string;
}

/**
 * Above this many items without interactions, the adaptive retrieval scans every request instead of
 * scoring them apart (the plain-JS loop over them would cost more than the scan).
 */
const MAX_UNREACHED_SCORED = 2000;

/** Default serving options. */
export const DEFAULT_SERVING: ServingOptions = Object.freeze({
  candidateSource: 'scan', tensorScan: true, scanWorker: true, graphWorker: true, graphSource: 'memory', evidenceSource: 'memory', embeddingRetrieval: 'adaptive', embeddingCandidates: 200, graphCandidates: 100, maxUserItems: 100,
  // 50 co-users per item: served Recall@20 on 2,000 Gowalla users with held-out items 0.1690, against 0.1688 with
  // 100 and 0.1679 with 200, with the graph term 24% cheaper than at 100 (a check through ServingEngine, 2026-11-23)
  maxCoUsers: 50, modelTtlMs: 2000, scanBatchWaitMs: 3, scanWorkerMaxBatch: 16,
});

/** A recommendations request after argument validation. */
export interface RecommendRequest {
  userId: string;
  first: number;
  contexts: ContextValue[];
  categories: string[];
  excludeItemIds: string[];
  includeInteracted: boolean;
  /** Re-ranking policy settings over the configured defaults (src/serving/policy.ts). */
  policy?: PolicyRequest;
}

interface Candidate {
  id: string;
  row: number | undefined;
  embedding: number;
  graph: number;
  context: number;
  popularity: number;
}

/** Score weights from the model's params.serving (numbers only), over the defaults. */
export function weightsOf(model: ActiveModel): ScoreWeights {
  const s = (model.params.serving ?? {}) as Record<string, unknown>;
  const pick = (k: keyof ScoreWeights) => (typeof s[k] === 'number' && Number.isFinite(s[k]) ? (s[k] as number) : DEFAULT_WEIGHTS[k]);
  return { embedding: pick('embedding'), graph: pick('graph'), context: pick('context'), popularity: pick('popularity') };
}

function mean(vectors: (number[] | null)[], dims: number): Float32Array | null {
  const ok = vectors.filter((v): v is number[] => Array.isArray(v) && v.length === dims);
  if (ok.length === 0) return null;
  const out = new Float32Array(dims);
  for (const v of ok) for (let c = 0; c < dims; c++) out[c] += v[c] / ok.length;
  return out;
}

/**
 * Candidates, scoring, re-ranking and explanations: a bounded number of Cypher statements per
 * request (profile, graph candidates, context scores, reasons; plus the cached model lookup),
 * whatever the page size.
 */
export class ServingEngine {
  readonly store: ModelStore;
  private scorer: DotScorer | null = null;
  private worker: WorkerScorer | null = null;
  private graphWorker: GraphWorker | null = null;
  /** Set when the worker cannot run at all (no tensorflow.js backend in a worker): scan on the event loop. */
  private workerBroken = false;

  /** The re-ranking policy and exposure log (neutral settings unless one is passed). */
  readonly policy: ServingPolicy;

  constructor(private readonly db: Executor, private readonly log: Logger, readonly options: ServingOptions = DEFAULT_SERVING,
    store?: ModelStore, policy?: ServingPolicy) {
    this.store = store ?? new ModelStore(db, log, options.modelTtlMs, undefined, options.pinnedVersion);
    this.policy = policy ?? new ServingPolicy(db, log);
  }

  /** Loads the active model's item matrix and graph index ahead of the first request (errors are logged). */
  async warm(): Promise<void> {
    try {
      const model = await this.store.activeModel();
      if (!model) return;
      const [, graph] = await Promise.all([this.store.itemMatrix(model), this.options.graphSource === 'memory' ? this.store.graphIndex(model) : null]);
      if (graph && this.options.graphWorker) await (this.graphWorker ??= new GraphWorker(this.log)).prepare(graph);
    } catch (err) {
      this.log.warn({ err }, 'warming the serving caches failed; the first request will load them');
    }
  }

  /** Stops the scan worker and frees the scan tensors (the engine can be used again: they restart on demand). */
  async dispose(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    const g = this.graphWorker;
    this.graphWorker = null;
    await g?.dispose();
    this.scorer?.dispose();
    this.scorer = null;
    await w?.dispose();
  }

  /** The active model, or MODEL_NOT_READY. */
  async requireModel(counter?: StatementCounter): Promise<ActiveModel> {
    const model = await this.store.activeModel(counter);
    if (!model) throw apiError(ErrorCode.MODEL_NOT_READY, 'No trained model is active yet; run the train mutation (admin) or `npm run train`, then retry.');
    return model;
  }

  /** Requests between their start and their embedding scan (the scorer's batches wait for them). */
  private approaching = 0;

  /** Embedding scans (or vector index queries) run for recommendations so far. */
  scans = 0;

  /** Ranked, explained recommendations for one user. */
  async recommend(req: RecommendRequest, counter?: StatementCounter, timings: Record<string, number> = {}): Promise<RecommendationResult> {
    this.approaching++;
    const ticket = { pending: true };
    try {
      return await this.rank(req, ticket, counter, timings);
    } finally {
      this.arrive(ticket);
    }
  }

  /** Marks a request as past the point where it could join a scan batch (once). */
  private arrive(ticket: { pending: boolean }): void {
    if (!ticket.pending) return;
    ticket.pending = false;
    this.approaching--;
    this.scorer?.recheck();
  }

  private async rank(req: RecommendRequest, ticket: { pending: boolean }, counter?: StatementCounter,
    timings: Record<string, number> = {}): Promise<RecommendationResult> {
    let t = performance.now();
    const lap = (phase: string) => {
      const now = performance.now();
      timings[phase] = Math.round((now - t) * 100) / 100;
      t = now;
    };
    const model = await this.requireModel(counter);
    const [m, graph] = await Promise.all([
      this.store.itemMatrix(model, counter),
      this.options.graphSource === 'memory' ? this.store.graphIndex(model, counter) : Promise.resolve(null),
    ]);
    const w = weightsOf(model);
    lap('model');
    const [profile] = await this.db.read('serving/userProfile', { ...slotParams(model), userId: req.userId, categories: req.categories, contexts: req.contexts }, counter);
    if (!profile.exists) throw notFound('User', req.userId, 'Create it with upsertUser.');
    const interacted: string[] = profile.interacted;
    const excluded = new Set<string>(req.excludeItemIds);
    if (!req.includeInteracted) for (const id of interacted) excluded.add(id);
    const userEmb: number[] | null = profile.embedding;
    const coldStart = profile.positives === 0 || !Array.isArray(userEmb) || userEmb.length !== m.dims;
    const wanted = req.categories.length > 0 ? new Set(req.categories) : null;
    // rows, not ids: the scan calls this for every row that would enter its top k (a thousand per request)
    const excludedRows = new Set<number>();
    for (const id of excluded) {
      const r = m.index.get(id);
      if (r !== undefined) excludedRows.add(r);
    }
    const removed = m.removed;
    const keepRow = (r: number) => !excludedRows.has(r) && !(removed?.has(r)) && (!wanted || m.categories[r].some((c) => wanted.has(c)));

    const query = coldStart
      ? mean([...profile.categoryEmbeddings, ...profile.contextEmbeddings], m.dims)
      : Float32Array.from(userEmb as number[]);

    const cands = new Map<string, Candidate>();
    // `row`: the item's matrix row when the caller knows it (undefined: not in the matrix)
    const add = (id: string, row: number | undefined): Candidate => {
      let c = cands.get(id);
      if (!c) {
        c = { id, row, embedding: query && row !== undefined ? dotRow(m, query, row) : 0, graph: 0, context: 0, popularity: 0 };
        cands.set(id, c);
      }
      return c;
    };
    lap('profile');
    this.arrive(ticket);
    const k = this.options.embeddingCandidates;
    const scan = async () => {
      this.scans++;
      for (const { row } of await this.scanOrIndex(model, m, query!, k, keepRow, counter,
        wanted ? null : excludedRows.size + (removed?.size ?? 0))) add(m.ids[row], row);
    };
    // the scan before the graph term, which then values every scanned candidate exactly (the `also` items)
    const scanFirst = this.options.embeddingRetrieval === 'always' || coldStart || wanted !== null || !graph
      || m.unreached.size > MAX_UNREACHED_SCORED;
    if (query && k > 0) {
      if (scanFirst) await scan();
      else for (const r of topByDotAmong(m, query, k, keepRow, m.unreached)) add(m.ids[r.row], r.row);
    }
    lap('embeddingCandidates');
    if (coldStart) {
      for (const r of topByDegree(m, this.options.graphCandidates, keepRow)) add(m.ids[r], r);
    } else {
      const rows = graph
        ? await this.userProximity(graph, req.userId, neighbourhoodParams(model.params), this.options.graphCandidates + excluded.size, [...cands.keys()])
        : await this.db.read<{ id: string; proximity: number }>('serving/graphCandidates', {
          ...neighbourhoodParams(model.params), userId: req.userId, maxUserItems: this.options.maxUserItems, maxCoUsers: this.options.maxCoUsers, limit: this.options.graphCandidates,
        }, counter);
      let reached = 0;
      const rowOf = graph ? graph.matrixRows(m) : null;
      for (const r of rows) {
        const known = rowOf ? rowOf[(r as ProximityRow).item] : -2; // -2: look it up by id
        const row = known >= 0 ? known : known === -1 ? undefined : m.index.get(r.id);
        if (row !== undefined ? excludedRows.has(row) : excluded.has(r.id)) continue;
        if (wanted && (row === undefined || !m.categories[row].some((c) => wanted.has(c)))) continue;
        // keyed by the matrix's own id strings: Map lookups with the same string objects are the fast ones
        add(row !== undefined ? m.ids[row] : r.id, row).graph = r.proximity;
        reached++;
      }
      // a thin neighbourhood: fewer than asked after exclusions means the graph returned every item it reaches
      // (a full top list holds at least graphCandidates unexcluded ones), so scanned items outside it have graph 0
      if (!scanFirst && query && k > 0 && reached < this.options.graphCandidates) await scan();
    }
    lap('graph');
    const contextHits = new Map<string, ContextHits[]>();
    if (req.contexts.length > 0 && cands.size > 0) {
      const rows = await this.db.read<{ id: string; contexts: (ContextHits & { share: number })[] }>('serving/contextScores',
        { itemIds: [...cands.keys()], contexts: req.contexts }, counter);
      for (const r of rows) {
        const c = cands.get(r.id);
        if (c) c.context = r.contexts.reduce((t, x) => t + x.share, 0) / req.contexts.length;
        contextHits.set(r.id, r.contexts);
      }
    }
    if (coldStart) {
      const top = topByDegree(m, 1, () => true);
      const maxDeg = top.length ? m.degree[top[0]] : 0;
      for (const c of cands.values()) {
        c.popularity = c.row !== undefined && maxDeg > 0 ? Math.log1p(m.degree[c.row]) / Math.log1p(maxDeg) : 0;
      }
    }
    const scored = [...cands.values()].map((c) => {
      const breakdown: ScoreBreakdown = {
        embedding: w.embedding * c.embedding,
        graph: w.graph * c.graph,
        context: w.context * c.context,
        popularity: w.popularity * c.popularity,
        exploration: 0,
      };
      const score = breakdown.embedding + breakdown.graph + breakdown.context + breakdown.popularity + breakdown.exploration;
      return { id: c.id, score, breakdown };
    });
    // the re-ranking policy (src/serving/policy.ts): negative feedback, debiasing, diversity, exploration, category cap
    const ranked = await this.policy.rank({ first: req.first, userId: req.userId, policy: req.policy, model, matrix: m,
      negatives: profile.negatives ?? [], categories: req.categories, scored }, counter);
    const page = ranked.page;
    lap('contextAndRank');
    let reasonRows: ReasonRow[] = [];
    const ids = page.map((p) => p.id);
    if (page.length > 0 && graph && this.options.evidenceSource === 'memory') {
      reasonRows = memoryEvidence(graph, m, req.userId, ids,
        { categories: req.categories, maxUserItems: this.options.maxUserItems, contextHits, via: await this.viaPaths(graph, req.userId, ids) });
    } else if (page.length > 0 && graph) {
      const via = await this.viaPaths(graph, req.userId, ids);
      reasonRows = await this.db.read<ReasonRow>('serving/reasons', {
        userId: req.userId, items: page.map((p) => ({ id: p.id, viaId: via.get(p.id)?.viaId ?? null, coUserId: via.get(p.id)?.coUserId ?? null, people: via.get(p.id)?.people ?? 0 })),
        contexts: req.contexts, categories: req.categories,
      }, counter);
    } else if (page.length > 0) {
      reasonRows = await this.db.read<ReasonRow>('serving/reasonsSearch', {
        userId: req.userId, itemIds: ids, contexts: req.contexts, categories: req.categories,
        maxUserItems: this.options.maxUserItems,
      }, counter);
    }
    lap('reasons');
    const byId = new Map(reasonRows.map((r) => [r.id, r]));
    const items: ScoredItem[] = page.map((p, i) => ({
      itemId: p.id, title: byId.get(p.id)?.title, rank: i + 1, score: p.score, breakdown: p.breakdown,
      reasons: byId.has(p.id) ? reasonsFor(req.userId, byId.get(p.id)!) : [],
    }));
    return this.policy.finish(ranked, { userId: req.userId, modelVersion: model.version, coldStart, items });
  }

  /** The co-interaction paths of a page's items (GraphIndex.bestVia), on the graph worker when it is on. */
  private viaPaths(graph: GraphIndex, userId: string, itemIds: string[]): Promise<Map<string, ViaPath>> {
    return this.onGraphWorker('the evidence paths', (w) => w.bestVia(graph, userId, itemIds, this.options.maxUserItems),
      () => graph.bestVia(userId, itemIds, this.options.maxUserItems));
  }

  /** The neighbourhood term, on the graph worker when it is on. */
  private userProximity(graph: GraphIndex, userId: string, p: NeighbourhoodParams, limit: number, also: string[]): Promise<ProximityRow[]> {
    const { maxUserItems, maxCoUsers } = this.options;
    return this.onGraphWorker('the graph term', (w) => w.userProximity(graph, userId, p, maxUserItems, maxCoUsers, limit, also),
      () => graph.userProximity(userId, p, maxUserItems, maxCoUsers, limit, also));
  }

  /** `onWorker` on the graph worker (started when needed), or `here` on the event loop when the worker is off or failed. */
  private async onGraphWorker<T>(what: string, onWorker: (w: GraphWorker) => Promise<T>, here: () => T): Promise<T> {
    if (this.options.graphWorker) {
      try {
        return await onWorker(this.graphWorker ??= new GraphWorker(this.log));
      } catch (err) {
        this.log.warn({ err }, `graph worker failed; computing ${what} on the event loop for this request`);
      }
    }
    return here();
  }

  /** Items similar to `itemId` by embedding dot product and co-interaction, with reasons. */
  async similarItems(itemId: string, first: number, counter?: StatementCounter): Promise<{ modelVersion: string; items: ScoredItem[] }> {
    const model = await this.requireModel(counter);
    const [m, graph] = await Promise.all([
      this.store.itemMatrix(model, counter),
      this.options.graphSource === 'memory' ? this.store.graphIndex(model, counter) : Promise.resolve(null),
    ]);
    const w = weightsOf(model);
    const row = m.index.get(itemId);
    const cands = new Map<string, { embedding: number; graph: number }>();
    const query = row !== undefined ? m.embeddings.slice(row * m.dims, (row + 1) * m.dims) : null;
    if (query) {
      const keep = (r: number) => r !== row && !(m.removed?.has(r));
      for (const { row: r, score } of await this.scanOrIndex(model, m, query, this.options.embeddingCandidates, keep, counter, 1 + (m.removed?.size ?? 0))) {
        cands.set(m.ids[r], { embedding: score, graph: 0 });
      }
    }
    const graphRows = graph
      ? graph.itemProximity(itemId, neighbourhoodParams(model.params), this.options.maxCoUsers * 4, this.options.graphCandidates, [...cands.keys()])
      : await this.db.read<{ id: string; proximity: number }>('serving/similarCandidates', {
        ...neighbourhoodParams(model.params), itemId, maxCoUsers: this.options.maxCoUsers * 4, limit: this.options.graphCandidates,
      }, counter);
    if (row === undefined && graphRows.length === 0) {
      const exists = await this.db.read('api/itemsByIds', { ids: [itemId] }, counter);
      if (exists.length === 0) throw notFound('Item', itemId);
    }
    for (const g of graphRows) {
      const c = cands.get(g.id) ?? { embedding: 0, graph: 0 };
      if (query && !cands.has(g.id)) {
        const r = m.index.get(g.id);
        if (r !== undefined) c.embedding = dotRow(m, query, r);
      }
      c.graph = g.proximity;
      cands.set(g.id, c);
    }
    const scored = [...cands.entries()].map(([id, c]) => {
      const breakdown: ScoreBreakdown = { embedding: w.embedding * c.embedding, graph: w.graph * c.graph, context: 0, popularity: 0, exploration: 0 };
      return { id, breakdown, score: breakdown.embedding + breakdown.graph };
    });
    scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
    const page = scored.slice(0, first);
    const rows = page.length === 0 ? [] : await this.db.read<SimilarReasonRow & { title?: string }>('serving/similarReasons',
      { itemId, itemIds: page.map((p) => p.id) }, counter);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return {
      modelVersion: model.version,
      items: page.map((p, i) => ({
        itemId: p.id, title: byId.get(p.id)?.title, rank: i + 1, score: p.score, breakdown: p.breakdown,
        reasons: byId.has(p.id) ? similarReasonsFor(itemId, null, byId.get(p.id)!) : [],
      })),
    };
  }

  /**
   * Top-k rows by dot product: the exact in-process scan, or the served slot's vector index (whose
   * euclidean order over norm-equalised vectors is the dot-product order), over-fetching 4× so that
   * excluded items still leave k.
   */
  private async scanOrIndex(model: ActiveModel, m: ItemMatrix, query: Float32Array, k: number, keep: (r: number) => boolean,
    counter?: StatementCounter, rejects: number | null = null): Promise<{ row: number; score: number }[]> {
    if (this.options.candidateSource === 'scan') {
      // the worker ranks by score alone, so it serves requests whose rejected rows are few and counted
      // (exclusions); a category filter can reject most rows and is scanned here
      if (this.options.tensorScan && this.options.scanWorker && rejects !== null && !this.workerBroken) {
        const worker = (this.worker ??= new WorkerScorer(this.log, { maxBatch: this.options.scanWorkerMaxBatch }));
        try {
          return await worker.top(m, query, k, keep, rejects);
        } catch (err) {
          if (!worker.lastError) throw err;
          this.workerBroken = worker.lastError.message.includes('no tensorflow.js backend');
          this.log.warn({ err }, 'scan worker failed; scanning on the event loop for this request');
        }
      }
      this.scorer ??= new DotScorer(this.log, this.options.tensorScan, () => this.approaching, this.options.scanBatchWaitMs);
      return this.scorer.top(m, query, k, keep);
    }
    const rows = await this.db.read<{ id: string; score: number }>('serving/vectorCandidates',
      { indexName: model.indexName, k: k * 4, vector: indexQueryVector(query) }, counter);
    const out: { row: number; score: number }[] = [];
    for (const r of rows) {
      const row = m.index.get(r.id);
      if (row !== undefined && keep(row)) out.push({ row, score: dotFromIndexScore(query, r.score, model.indexNorm) });
    }
    out.sort((a, b) => b.score - a.score);
    return out.slice(0, k);
  }
}
