import type { Executor, StatementCounter } from '../db/executor';
import type { Logger } from '../log';
import { activeModel as registryActiveModel, getModel } from '../model/registry';
import { GraphIndex } from './graphIndex';
import { modelHalfLifeDays } from '../policy/decay';

/**
 * The served model's metadata and where its vectors live (the registry's slot properties and index),
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
  indexProperty: string;
  indexName: string;
  /** Largest item norm M of the dot-product index vectors. */
  indexNorm: number;
}

/** The statement parameters that name the served slot's properties (for `n[$embeddingProperty]` etc.). */
export function slotParams(m: ActiveModel): Record<string, unknown> {
  return {
    version: m.version, embeddingProperty: m.embeddingProperty, foldInProperty: m.foldInProperty,
    versionProperty: m.versionProperty, indexProperty: m.indexProperty, indexName: m.indexName, indexNorm: m.indexNorm,
  };
}

/**
 * All items with an embedding as one row-major Float32Array (count × dims), for the exact dot-product
 * scan; plus each item's categories and interaction degree (popularity for cold start).
 */
export interface ItemMatrix {
  version: string;
  dims: number;
  ids: string[];
  index: Map<string, number>;
  embeddings: Float32Array;
  /** Category names per item row. */
  categories: string[][];
  /** Display title per item row (null when it has none). */
  titles: (string | null)[];
  degree: Float64Array;
  /** Rows in use (the arrays have spare capacity for items upserted after loading). */
  count: number;
  /** Rows of items removed since loading (never recommended; absent when none was). */
  removed?: Set<number>;
  /**
   * Rows of items without any interaction (at loading, or upserted since, until this process records one): no
   * graph path reaches them, so when a request skips the full embedding scan they are scored on their own.
   */
  unreached: Set<number>;
  /** Changes whenever rows change (load, upsert, removal), so the scan worker knows to re-read the matrix. */
  generation?: number;
}

let generations = 0;

/** A row-major matrix buffer the scan worker can read without a copy (src/serving/workerScorer.ts). */
function sharedFloats(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(length * Float32Array.BYTES_PER_ELEMENT));
}

/**
 * Knows which model is served (re-read at most every `ttlMs`) and holds that version's item matrix,
 * loaded once per version; concurrent requests share one load. A version switch on the graph is
 * picked up within `ttlMs`.
 */
export class ModelStore {
  private active: { at: number; model: ActiveModel | null } | null = null;
  private activeLoad: Promise<ActiveModel | null> | null = null;
  private matrix: ItemMatrix | null = null;
  private matrixLoad: { version: string; promise: Promise<ItemMatrix> } | null = null;
  private graph: { version: string; at: number; index: GraphIndex } | null = null;
  private graphLoad: { version: string; promise: Promise<GraphIndex> } | null = null;

  /**
   * @param ttlMs how long the active model lookup is cached
   * @param graphRefreshMs age after which the in-process graph index is reloaded in the background (it
   *   follows this process's writes at once; the refresh brings in other writers' changes)
   * @param pinnedVersion serve this version (ready or inactive, e.g. a canary or a benchmark) instead of the active one
   */
  constructor(private readonly db: Executor, private readonly log: Logger, private readonly ttlMs = 2000,
    private readonly graphRefreshMs = 10 * 60_000, private readonly pinnedVersion?: string) {}

  /**
   * The in-process user–item graph for `model`'s version: loaded (one statement) when the version
   * changed, awaited only the first time; later, when older than graphRefreshMs, reloaded in the
   * background while the current one keeps serving.
   */
  async graphIndex(model: ActiveModel, counter?: StatementCounter): Promise<GraphIndex> {
    const g = this.graph;
    if (g && g.version === model.version) {
      if (Date.now() - g.at > this.graphRefreshMs && !this.graphLoad) {
        this.startGraphLoad(model).catch((err) => this.log.warn({ err }, 'graph index refresh failed; keeping the loaded one'));
      }
      return g.index;
    }
    if (!this.graphLoad || this.graphLoad.version !== model.version) this.startGraphLoad(model, counter);
    return this.graphLoad!.promise;
  }

  private startGraphLoad(model: ActiveModel, counter?: StatementCounter): Promise<GraphIndex> {
    const t0 = Date.now();
    const version = model.version;
    // the version's half-life: its graph term weighs interactions as its training did
    const promise = GraphIndex.load(this.db, counter, modelHalfLifeDays(model.params)).then((index) => {
      this.graph = { version, at: Date.now(), index };
      this.log.info({ version, ...index.size, ms: Date.now() - t0 }, 'graph index loaded');
      return index;
    }).finally(() => {
      if (this.graphLoad?.promise === promise) this.graphLoad = null;
    });
    this.graphLoad = { version, promise };
    return promise;
  }

  /**
   * Tells the loaded graph index about a positive interaction this process wrote (and the item matrix,
   * whose degree is the item's interaction count).
   */
  noteInteraction(userId: string, itemId: string, weight: number, kind: string | null = null): void {
    this.graph?.index.addInteraction(userId, itemId, weight, kind);
    const row = this.matrix?.index.get(itemId);
    if (row !== undefined) {
      this.matrix!.degree[row]++;
      this.matrix!.unreached.delete(row);
    }
  }

  /** Tells the loaded graph index that a user was deleted. */
  noteUserDeleted(userId: string): void {
    this.graph?.index.removeUser(userId);
  }

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
    if (!m.slot || !m.embeddingProperty || !m.foldInProperty || !m.versionProperty || !m.indexProperty || !m.indexName) {
      this.log.error({ version: m.version, slot: m.slot }, 'the active model names no embedding slot; treating it as not ready');
      return null;
    }
    return {
      version: m.version, status: m.status, trainedAt: m.trainedAt, dims: m.dims, userNormExponent: m.userNormExponent,
      metrics: m.metrics, params: m.params, embeddingProperty: m.embeddingProperty, foldInProperty: m.foldInProperty,
      versionProperty: m.versionProperty, indexProperty: m.indexProperty, indexName: m.indexName, indexNorm: m.indexNorm ?? 0,
    };
  }

  /** The item matrix of `model`'s version, loading it (one statement) when the version changed. */
  async itemMatrix(model: ActiveModel, counter?: StatementCounter): Promise<ItemMatrix> {
    if (this.matrix && this.matrix.version === model.version) return this.matrix;
    if (!this.matrixLoad || this.matrixLoad.version !== model.version) {
      const promise = this.loadMatrix(model, counter).then((m) => {
        this.matrix = m;
        return m;
      }).finally(() => {
        if (this.matrixLoad?.promise === promise) this.matrixLoad = null;
      });
      this.matrixLoad = { version: model.version, promise };
    }
    return this.matrixLoad.promise;
  }

  private async loadMatrix(model: ActiveModel, counter?: StatementCounter): Promise<ItemMatrix> {
    const t0 = Date.now();
    const rows = await this.db.read<{ id: string; title: string | null; embedding: number[]; categories: string[]; degree: number; positives: number }>(
      'serving/itemMatrix', slotParams(model), counter);
    const dims = model.dims || (rows[0]?.embedding.length ?? 0);
    const capacity = rows.length + 1024;
    const m: ItemMatrix = {
      version: model.version, dims, ids: [], index: new Map(), embeddings: sharedFloats(capacity * dims),
      categories: [], titles: [], degree: new Float64Array(capacity), count: 0, generation: ++generations, unreached: new Set(),
    };
    for (const r of rows) {
      if (r.embedding.length !== dims) {
        this.log.warn({ item: r.id, length: r.embedding.length, dims }, 'item embedding has the wrong length; skipped');
        continue;
      }
      putRow(m, r.id, r.embedding, r.categories, r.degree, r.title ?? null);
      if (r.positives > 0) m.unreached.delete(m.count - 1);
      else m.unreached.add(m.count - 1);
    }
    this.log.info({ version: model.version, items: m.count, dims, ms: Date.now() - t0 }, 'item matrix loaded');
    return m;
  }

  /**
   * Adds or replaces one item's row in the loaded matrix of `version` (an upserted item becomes
   * recommendable at once in this process); a no-op when another version is loaded.
   */
  upsertItem(version: string, id: string, embedding: number[], categories: string[], title: string | null = null): void {
    const m = this.matrix;
    if (!m || m.version !== version || embedding.length !== m.dims) return;
    const row = m.index.get(id);
    m.generation = ++generations;
    if (row !== undefined) {
      m.embeddings.set(embedding, row * m.dims);
      m.categories[row] = categories;
      m.titles[row] = title;
      return;
    }
    putRow(m, id, embedding, categories, 0, title);
  }

  /** Updates an item's title and categories in the loaded matrix (category filters and the evidence read them). */
  noteItem(id: string, title: string | null, categories: string[]): void {
    const row = this.matrix?.index.get(id);
    if (row === undefined) return;
    this.matrix!.titles[row] = title;
    this.matrix!.categories[row] = categories;
  }

  /** Marks an item as gone from the loaded matrix (its row is zeroed and never recommended). */
  removeItem(id: string): void {
    const m = this.matrix;
    const row = m?.index.get(id);
    if (!m || row === undefined) return;
    m.embeddings.fill(0, row * m.dims, (row + 1) * m.dims);
    m.index.delete(id);
    m.generation = ++generations;
    (m.removed ??= new Set()).add(row);
  }
}

function putRow(m: ItemMatrix, id: string, embedding: number[], categories: string[], degree: number, title: string | null): void {
  if ((m.count + 1) * m.dims > m.embeddings.length) {
    const cap = Math.max(1024, m.count * 2);
    const e = sharedFloats(cap * m.dims);
    e.set(m.embeddings);
    m.embeddings = e;
    const d = new Float64Array(cap);
    d.set(m.degree);
    m.degree = d;
  }
  const row = m.count++;
  m.ids[row] = id;
  m.index.set(id, row);
  m.embeddings.set(embedding, row * m.dims);
  m.categories[row] = categories;
  m.titles[row] = title;
  m.degree[row] = degree;
  if (!(degree > 0)) m.unreached.add(row);
}
