import { stream, type Executor, type StatementCounter } from '../db/executor';
import type { Logger } from '../log';
import { activeModel as registryActiveModel, getModel } from '../model/registry';
import { extractGraph } from '../graph/extract';
import type { Csr } from '../graph/csr';
import { positiveEntries } from '../model/interestModel';
import { normalizeInteractions } from '../model/spectral';
import { graphRelations } from '../model/pathTerms';
import { ModelScorer, rowOf, type SparseRow } from '../model/scorer';
import { ContextLift } from '../model/contextLift';
import { initBackend } from '../model/backend';
import { itemContextCountsOf } from '../model/contextTerm';
import { halfLifeMsOf, interactionDecay, modelHalfLifeDays, modelRecencyHalfLife, recencyFactors, recencyWeightedRows } from '../graph/decay';
import { trainingEdgeWeight } from '../graph/weights';

/**
 * The served model's metadata and where its vectors live (the registry's slot properties),
 * as stored on the active (:Model) node.
 */
export interface ActiveModel {
  version: string;
  status: string | null;
  trainedAt: string | null;
  dims: number;
  userNormExponent: number;
  metrics: Record<string, unknown>;
  params: Record<string, unknown>;
  embeddingProperty: string;
  foldInProperty: string;
  versionProperty: string;
}

/** The statement parameters that name the served slot's properties (for `n[$embeddingProperty]` etc.). */
export function slotParams(m: ActiveModel): Record<string, unknown> {
  return {
    version: m.version, embeddingProperty: m.embeddingProperty, foldInProperty: m.foldInProperty,
    versionProperty: m.versionProperty,
  };
}

/**
 * The items of the served version: rows 0..basisItems-1 are the version's basis items in its order (their
 * vectors are the version's item factors, held by the scorer), rows beyond are items upserted since loading
 * (cold-start embeddings in `upserted`, no graph term). Titles, categories and interaction counts per row.
 */
export interface ItemMatrix {
  version: string;
  dims: number;
  ids: string[];
  index: Map<string, number>;
  /** The vectors of rows beyond the basis: row r at (r − basisItems) · dims. */
  upserted: Float32Array;
  /** The vectors of the given rows (rows.length × dims, row-major): item factors for basis rows, `upserted` beyond. */
  vectors: (rows: ArrayLike<number>) => Float32Array;
  categories: string[][];
  titles: (string | null)[];
  /** Interaction count per row (cold start orders by it). */
  degree: Float64Array;
  count: number;
  /** Rows of the version's basis (the scorer's items). */
  basisItems: number;
  /** Rows of items removed since loading (never recommended; absent when none was). */
  removed?: Set<number>;
}

/**
 * One version as serving computes its score: the model scorer over the version's training graph (the same
 * extraction training runs, src/graph/extract.ts, with the version's half-life), the item matrix and the training
 * rows; a request's input row is read with the user's profile (rowFromInteractions).
 */
export interface ModelState {
  model: ActiveModel;
  scorer: ModelScorer;
  matrix: ItemMatrix;
  userIndex: Map<string, number>;
  userIds: string[];
  /** The users' input rows at load (positive training rows, users × basis items, with the version's recency rule). */
  rows: Csr;
  /** The version's recency half-life (interactions; null: none), src/graph/decay.ts recencyFactors. */
  recencyHalfLife: number | null;
}

/** One stored interaction as serving/userProfile reads it: item id, kind, stored weight, time (epoch ms or null). */
export type StoredInteraction = [string, string, number | null, number | null];

/**
 * The user's current input row in the version's basis: its interactions weighed as training's extraction weighs
 * them (trainingEdgeWeight, then the version's decay with ages from now), summed per item, then weighted by the
 * version's recency rule over the pairs' latest times; items outside the basis have no column.
 */
export function rowFromInteractions(s: ModelState, interactions: readonly StoredInteraction[], nowMs = Date.now(), user?: number): SparseRow {
  const half = halfLifeMsOf(modelHalfLifeDays(s.model.params));
  const byItem = new Map<number, { w: number; latest: number }>();
  for (const [id, kind, stored, at] of interactions) {
    const w = trainingEdgeWeight(kind, stored);
    const i = s.matrix.index.get(id);
    if (!(w > 0) || i === undefined || i >= s.matrix.basisItems) continue;
    const pair = byItem.get(i) ?? { w: 0, latest: NaN };
    pair.w += w * interactionDecay(at, nowMs, half);
    if (at !== null && !Number.isNaN(at) && !(pair.latest >= at)) pair.latest = at;
    byItem.set(i, pair);
  }
  const items = [...byItem.keys()].sort((a, b) => a - b);
  const f = recencyFactors(Float64Array.from(items, (i) => byItem.get(i)!.latest), s.recencyHalfLife);
  return { indices: Int32Array.from(items), values: Float32Array.from(items, (i, p) => byItem.get(i)!.w * f[p]), user };
}

/** The training row of a user of the basis (empty for a user not in it). */
export function trainingRow(s: ModelState, userId: string): SparseRow {
  const u = s.userIndex.get(userId);
  return u === undefined ? { indices: new Int32Array(0), values: new Float32Array(0) } : { ...rowOf(s.rows, u), user: u };
}

/** The user's row in the version's basis graph (-1 when the user is not in it). */
export function basisUser(s: ModelState, userId: string): number {
  return s.userIndex.get(userId) ?? -1;
}

/** A fitted weight of the version's filter (params.filter[key]); 0 for versions fitted without it. */
function filterWeight(params: Record<string, unknown>, key: 'categoryWeight' | 'followsWeight'): number {
  const f = params.filter as Record<string, unknown> | undefined;
  const v = f?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** The version's fitted context term (params.filter.contextWeight, contextSmoothing), or null when its weight is 0. */
export function modelContextTerm(params: Record<string, unknown>): { weight: number; smoothing: number } | null {
  const f = params.filter as Record<string, unknown> | undefined;
  const weight = f?.contextWeight;
  if (weight === undefined || weight === null || weight === 0) return null;
  const smoothing = f?.contextSmoothing;
  if (typeof weight !== 'number' || !Number.isFinite(weight) || typeof smoothing !== 'number' || !(smoothing > 0)) {
    throw new Error(`model params: filter.contextWeight must be a finite number and contextSmoothing > 0, got ${JSON.stringify(weight)}, ${JSON.stringify(smoothing)}`);
  }
  return { weight, smoothing };
}

/** Loads a version's state: its training graph (one extraction), its item vectors (one statement), the scorer. */
export async function loadModelState(db: Executor, model: ActiveModel, log: Logger, counter?: StatementCounter): Promise<ModelState> {
  const t0 = Date.now();
  await initBackend({ logger: log }); // the embedding term is a tfjs product (ModelScorer.embeddingTerms)
  const recency = modelRecencyHalfLife(model.params);
  const context = modelContextTerm(model.params);
  const { graph } = await extractGraph(db, { halfLifeDays: modelHalfLifeDays(model.params), dated: recency !== null || context !== null, progress: false, logger: log });
  const { train, times, contexts: entryContexts } = positiveEntries(graph.train, graph.trainTimes, graph.trainContexts);
  const p = model.params;
  const num = (k: string, d: number) => (typeof p[k] === 'number' && Number.isFinite(p[k]) ? (p[k] as number) : d);
  const norm = normalizeInteractions(train, num('userExponent', 0.5), num('itemExponent', 0.5));
  const n = graph.numItems;
  const dims = model.dims;
  if (!(Number.isInteger(dims) && dims > 0)) throw new Error(`model ${model.version} records no embedding dimensions (dims ${dims})`);
  // the basis rows' vectors go to the scorer (`factors` below); `upserted` grows with the items upserted (putRow)
  const m: ItemMatrix = {
    version: model.version, dims, ids: graph.itemIds.slice(), index: new Map(graph.itemIds.map((id, i) => [id, i])),
    upserted: new Float32Array(0), vectors: () => new Float32Array(0), categories: graph.itemIds.map(() => []), titles: graph.itemIds.map(() => null),
    degree: new Float64Array(n), count: n, basisItems: n,
  };
  const factors = new Float32Array(n * dims);
  const foldIn = new Float32Array(n * dims);
  // streamed into the typed arrays: the records of all items at once would hold every vector as JS numbers
  const extra: { id: string; embedding: number[]; categories: string[]; degree: number; title: string | null }[] = [];
  await db.readTx(async (tx) => {
    extra.length = 0; // a retried transaction reads again from the start
    if (counter) counter.count++;
    await stream(tx, 'serving/itemMatrix', slotParams(model), (g) => {
      const id = g('id') as string;
      const embedding = g('embedding') as number[];
      const f = g('foldIn') as number[] | null;
      const title = (g('title') as string | null) ?? null;
      const categories = g('categories') as string[];
      const degree = Number(g('degree'));
      if (embedding.length !== dims) {
        log.warn({ item: id, length: embedding.length, dims }, 'item embedding has the wrong length; skipped');
        return;
      }
      const i = m.index.get(id);
      if (i === undefined) {
        extra.push({ id, embedding, categories, degree, title });
        return;
      }
      factors.set(embedding, i * dims);
      if (f && f.length === dims) foldIn.set(f, i * dims);
      m.categories[i] = categories;
      m.titles[i] = title;
      m.degree[i] = degree;
    });
  });
  for (const x of extra) putRow(m, x.id, x.embedding, x.categories, x.degree, x.title);
  const scorer = new ModelScorer({
    norm, foldIn, itemFactors: factors, k: dims,
    linearWeight: num('linearWeight', 1), linearInputExponent: num('itemInputExponent', 0), linearOutputExponent: num('itemOutputExponent', 0),
    userNormExponent: model.userNormExponent,
    // the version's relation terms: its graph's categories and follows, with the fitted weights (0 when absent)
    relations: graphRelations(graph.itemCategory, graph.follows),
    categoryWeight: filterWeight(p, 'categoryWeight'), followsWeight: filterWeight(p, 'followsWeight'),
    // the version's context term over the graph's entry contexts (the counts training fitted it with)
    ...(context && entryContexts
      ? { context: { lift: new ContextLift(itemContextCountsOf(train, entryContexts), graph.contexts, context.smoothing), weight: context.weight } } : {}),
  });
  m.vectors = vectorsOf(m, scorer); // made outside this scope: a closure here would keep `factors` alive
  log.info({ version: model.version, users: graph.numUsers, items: m.count, edges: train.indices.length, dims, ms: Date.now() - t0 }, 'model state loaded');
  return {
    model, scorer, matrix: m, userIndex: new Map(graph.userIds.map((id, u) => [id, u])), userIds: graph.userIds,
    rows: recencyWeightedRows(train, times, recency), recencyHalfLife: recency,
  };
}

/**
 * Knows which model is served (re-read at most every `ttlMs`) and holds that version's state, loaded once per
 * version; concurrent requests share one load. A version switch on the graph is picked up within `ttlMs`.
 */
export class ModelStore {
  private active: { at: number; model: ActiveModel | null } | null = null;
  private activeLoad: Promise<ActiveModel | null> | null = null;
  private loaded: ModelState | null = null;
  private loading: { version: string; promise: Promise<ModelState> } | null = null;

  /**
   * @param ttlMs how long the active model lookup is cached
   * @param pinnedVersion serve this version (ready or inactive, e.g. a benchmark) instead of the active one
   */
  constructor(private readonly db: Executor, private readonly log: Logger, private readonly ttlMs = 2000, private readonly pinnedVersion?: string) {}

  /** The active model, or null when none is active; cached for `ttlMs`. */
  async activeModel(counter?: StatementCounter): Promise<ActiveModel | null> {
    const now = Date.now();
    if (this.active && now - this.active.at < this.ttlMs) return this.active.model;
    if (!this.activeLoad) {
      this.activeLoad = this.readActive(counter).then((model) => {
        this.active = { at: Date.now(), model };
        return model;
      }).finally(() => { this.activeLoad = null; });
    }
    return this.activeLoad;
  }

  /** Forgets the cached active model, so the next request re-reads it (after training or in tests). */
  invalidate(): void {
    this.active = null;
  }

  private async readActive(counter?: StatementCounter): Promise<ActiveModel | null> {
    if (counter) counter.count++;
    const m = this.pinnedVersion ? await getModel(this.db, this.pinnedVersion) : await registryActiveModel(this.db);
    if (!m) return null;
    if (!m.slot || !m.embeddingProperty || !m.foldInProperty || !m.versionProperty) {
      this.log.error({ version: m.version, slot: m.slot }, 'the active model names no embedding slot; treating it as not ready');
      return null;
    }
    return {
      version: m.version, status: m.status, trainedAt: m.trainedAt, dims: m.dims, userNormExponent: m.userNormExponent,
      metrics: m.metrics, params: m.params, embeddingProperty: m.embeddingProperty, foldInProperty: m.foldInProperty,
      versionProperty: m.versionProperty,
    };
  }

  /** The state of `model`'s version, loading it when the version changed. */
  async state(model: ActiveModel, counter?: StatementCounter): Promise<ModelState> {
    if (this.loaded && this.loaded.model.version === model.version) return this.loaded;
    if (!this.loading || this.loading.version !== model.version) {
      const promise = loadModelState(this.db, model, this.log, counter).then((s) => {
        // one version's factors in the backend at a time (its heap never shrinks): the replaced one's go first, and
        // a request still holding it is retried on this one (ServingEngine, ScorerDisposedError)
        const replaced = this.loaded;
        this.loaded = null; // should prepare() fail, the next request loads again
        replaced?.scorer.dispose();
        s.scorer.prepare();
        this.loaded = s;
        return s;
      }).finally(() => {
        if (this.loading?.promise === promise) this.loading = null;
      });
      this.loading = { version: model.version, promise };
    }
    return this.loading.promise;
  }

  /**
   * Adds an upserted item (a cold-start embedding) to the loaded matrix of `version`: recommendable at once by its
   * embedding term; a no-op for an item of the version's basis or another version.
   */
  upsertItem(version: string, id: string, embedding: number[], categories: string[], title: string | null = null): void {
    const m = this.loaded?.matrix;
    if (!m || m.version !== version || embedding.length !== m.dims) return;
    const row = m.index.get(id);
    if (row !== undefined) {
      m.categories[row] = categories;
      m.titles[row] = title;
      if (row >= m.basisItems) m.upserted.set(embedding, (row - m.basisItems) * m.dims);
      return;
    }
    putRow(m, id, embedding, categories, 0, title);
  }

  /** Updates an item's title and categories in the loaded matrix (category filters and the evidence read them). */
  noteItem(id: string, title: string | null, categories: string[]): void {
    const m = this.loaded?.matrix;
    const row = m?.index.get(id);
    if (!m || row === undefined) return;
    m.titles[row] = title;
    m.categories[row] = categories;
  }
}

/** ItemMatrix.vectors of a loaded version: basis rows from the scorer (one read), upserted rows from the matrix. */
function vectorsOf(m: ItemMatrix, scorer: ModelScorer): (rows: ArrayLike<number>) => Float32Array {
  return (rows) => matrixVectors(m, scorer, rows);
}

function matrixVectors(m: ItemMatrix, scorer: ModelScorer, rows: ArrayLike<number>): Float32Array {
  if (m.count === m.basisItems) return scorer.factorRows(rows); // nothing upserted: every row is a basis row
  const d = m.dims;
  const out = new Float32Array(rows.length * d);
  const basis: number[] = [];
  const at: number[] = [];
  for (let q = 0; q < rows.length; q++) {
    const r = rows[q];
    if (r < m.basisItems) {
      basis.push(r);
      at.push(q);
    } else {
      out.set(m.upserted.subarray((r - m.basisItems) * d, (r - m.basisItems + 1) * d), q * d);
    }
  }
  const f = scorer.factorRows(basis);
  at.forEach((q, x) => out.set(f.subarray(x * d, (x + 1) * d), q * d));
  return out;
}

function putRow(m: ItemMatrix, id: string, embedding: number[], categories: string[], degree: number, title: string | null): void {
  const extra = m.count - m.basisItems;
  if ((extra + 1) * m.dims > m.upserted.length) {
    const cap = m.count + 1024;
    const e = new Float32Array((cap - m.basisItems) * m.dims);
    e.set(m.upserted);
    m.upserted = e;
    const d = new Float64Array(cap);
    d.set(m.degree);
    m.degree = d;
  }
  const row = m.count++;
  m.ids[row] = id;
  m.index.set(id, row);
  m.upserted.set(embedding, (row - m.basisItems) * m.dims);
  m.categories[row] = categories;
  m.titles[row] = title;
  m.degree[row] = degree;
}
