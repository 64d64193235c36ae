import { csrFromCoo, latestEventColumns, latestPerEntry, Csr } from './csr';
import { isInteractionKind, isPositiveKind, trainingEdgeWeight } from './weights';
import { DAY_MS, interactionDecay } from './decay';
import type { ContextKey, HeteroGraph } from './types';

/** How interaction edges become training weights. */
export interface EdgeWeighting {
  /**
   * Half-life in days of an exponential time decay on interaction weights (weight * 2^(-age / halfLife)),
   * or undefined for no decay (the default).
   */
  halfLifeDays?: number;
  /**
   * Epoch ms that ages are measured from when decaying; default: the latest interaction seen, so that the
   * same graph always gives the same weights (Date.now() would not be reproducible).
   */
  decayReferenceMs?: number;
}

/** What the builder does with an edge whose endpoint is not in the node lists. */
export interface BuilderOptions extends EdgeWeighting {
  /**
   * 'throw' (default): a bug, fail loudly. 'skip': count and drop it — for a live graph read in several
   * statements, where a node created after the node lists were read may already have edges.
   */
  unknownNodes?: 'throw' | 'skip';
}

/** The relations a builder collects, each of which can be cleared and re-read (a retried transaction). */
export type Relation = 'interactions' | 'heldOut' | 'itemCategories' | 'userContexts' | 'itemContexts' | 'follows';

/** What the builder dropped or kept, for the logs of an extraction. */
export interface BuildStats {
  interactions: number;
  positiveEdges: number;
  negativeSkipped: number;
  unknownKindSkipped: number;
  /** Distinct user-item pairs in train after summing. */
  trainPairs: number;
  heldOutPairs: number;
  itemCategoryEdges: number;
  userContextEdges: number;
  itemContextEdges: number;
  followEdges: number;
  /** Edges dropped because an endpoint was not in the node lists (only with unknownNodes 'skip'). */
  unknownNodeSkipped: number;
}

/** A growable coordinate list (row, column, value) over typed arrays. */
class Coo {
  r = new Int32Array(1024);
  c = new Int32Array(1024);
  v = new Float32Array(1024);
  n = 0;

  push(r: number, c: number, v: number): void {
    if (this.n === this.r.length) {
      const cap = this.r.length * 2;
      const r2 = new Int32Array(cap);
      r2.set(this.r);
      this.r = r2;
      const c2 = new Int32Array(cap);
      c2.set(this.c);
      this.c = c2;
      const v2 = new Float32Array(cap);
      v2.set(this.v);
      this.v = v2;
    }
    this.r[this.n] = r;
    this.c[this.n] = c;
    this.v[this.n] = v;
    this.n++;
  }

  toCsr(rows: number, cols: number): Csr {
    return csrFromCoo(rows, cols, this.r.subarray(0, this.n), this.c.subarray(0, this.n), this.v.subarray(0, this.n));
  }
}

/** Index map of one node kind: external id -> dense index in first-seen order. */
function indexOf(ids: readonly string[], what: string): Map<string, number> {
  const m = new Map<string, number>();
  ids.forEach((id, k) => {
    if (m.has(id)) throw new Error(`HeteroGraphBuilder: duplicate ${what} id "${id}" (ids must be unique)`);
    m.set(id, k);
  });
  return m;
}

function contextKey(kind: string, value: string): string {
  return `${kind}\u0000${value}`;
}

/**
 * Assembles a HeteroGraph from node lists and edge rows in any order (the Neo4j extraction streams
 * into it; tests feed it directly). Interaction weights come from src/graph/weights.ts by kind
 * (`rating` keeps the stored weight, which is the scaled rating), summed per user-item pair;
 * negative feedback never becomes an edge. Held-out edges become `test` with value 1.
 */
export class HeteroGraphBuilder {
  private readonly users: Map<string, number>;
  private readonly items: Map<string, number>;
  private readonly cats: Map<string, number>;
  private readonly ctx: Map<string, number>;
  private coo: Record<Relation, Coo> = {
    interactions: new Coo(), heldOut: new Coo(), itemCategories: new Coo(), userContexts: new Coo(), itemContexts: new Coo(), follows: new Coo(),
  };
  private trainAt: number[] = [];
  /** Per positive interaction (as trainAt), its context columns (null: none). */
  private trainCtx: (Int32Array | null)[] = [];
  private latestAt = -Infinity;
  private counts = { interactions: 0, negativeSkipped: 0, unknownKindSkipped: 0 };
  private skipped: Record<Relation, number> = { interactions: 0, heldOut: 0, itemCategories: 0, userContexts: 0, itemContexts: 0, follows: 0 };
  /** Unknown interaction kinds seen, with counts (they are skipped, not guessed). */
  unknownKinds = new Map<string, number>();

  constructor(
    readonly userIds: string[],
    readonly itemIds: string[],
    readonly categories: string[],
    readonly contexts: ContextKey[],
    private readonly options: BuilderOptions = {},
  ) {
    if (options.halfLifeDays !== undefined && !(options.halfLifeDays > 0 && Number.isFinite(options.halfLifeDays))) {
      throw new Error(`HeteroGraphBuilder: halfLifeDays must be a positive number of days, got ${options.halfLifeDays}`);
    }
    this.users = indexOf(userIds, 'user');
    this.items = indexOf(itemIds, 'item');
    this.cats = indexOf(categories, 'category');
    this.ctx = new Map(contexts.map((c, k) => [contextKey(c.kind, c.value), k]));
  }

  /** Forgets everything collected for one relation, so that it can be read again from the start. */
  clear(relation: Relation): void {
    this.coo[relation] = new Coo();
    this.skipped[relation] = 0;
    if (relation === 'interactions') {
      this.trainAt = [];
      this.trainCtx = [];
      this.latestAt = -Infinity;
      this.counts = { interactions: 0, negativeSkipped: 0, unknownKindSkipped: 0 };
      this.unknownKinds = new Map();
    }
  }

  /** Index of a node, or -1 (counted) when unknown and skipping; throws when unknown and strict. */
  private lookup(map: Map<string, number>, id: string, kind: string, relation: Relation, rel: string): number {
    const k = map.get(id);
    if (k !== undefined) return k;
    if (this.options.unknownNodes === 'skip') {
      this.skipped[relation]++;
      return -1;
    }
    throw new Error(`HeteroGraphBuilder: ${rel} names ${kind} "${id}", which is not in the ${kind} list`);
  }

  private context(kind: string, value: string, relation: Relation, rel: string): number {
    const x = this.ctx.get(contextKey(kind, value));
    if (x !== undefined) return x;
    if (this.options.unknownNodes === 'skip') {
      this.skipped[relation]++;
      return -1;
    }
    throw new Error(`HeteroGraphBuilder: ${rel} names context ${kind}/${value}, which is not in the context list`);
  }

  /**
   * Adds one INTERACTED edge. `storedWeight` is only used for `rating` (whose weight is the scaled rating);
   * `atMs` (epoch ms, or null/NaN) dates it; `contexts` are the "kind:value" keys it happened in (unknown ones skipped).
   */
  addInteraction(userId: string, itemId: string, kind: string | null, storedWeight: number | null, atMs: number | null, contexts?: readonly string[] | null): void {
    this.counts.interactions++;
    const k = kind ?? '';
    if (!isInteractionKind(k)) {
      this.counts.unknownKindSkipped++;
      this.unknownKinds.set(k, (this.unknownKinds.get(k) ?? 0) + 1);
      return;
    }
    if (!isPositiveKind(k)) {
      this.counts.negativeSkipped++;
      return;
    }
    const w = trainingEdgeWeight(k, storedWeight);
    if (k === 'rating') {
      if (w <= 0) {
        this.counts.unknownKindSkipped++;
        this.unknownKinds.set('rating without a positive weight', (this.unknownKinds.get('rating without a positive weight') ?? 0) + 1);
        return;
      }
    }
    const u = this.lookup(this.users, userId, 'user', 'interactions', 'INTERACTED');
    const i = this.lookup(this.items, itemId, 'item', 'interactions', 'INTERACTED');
    if (u < 0 || i < 0) return;
    this.coo.interactions.push(u, i, w);
    const at = typeof atMs === 'number' && !Number.isNaN(atMs) ? atMs : NaN;
    this.trainAt.push(at);
    this.trainCtx.push(contexts && contexts.length > 0 ? this.contextColumns(contexts) : null);
    if (at > this.latestAt) this.latestAt = at;
  }

  /** The known context columns of "kind:value" keys (unknown or malformed keys are skipped). */
  private contextColumns(keys: readonly string[]): Int32Array | null {
    const cols: number[] = [];
    for (const key of keys) {
      const colon = typeof key === 'string' ? key.indexOf(':') : -1;
      const x = colon > 0 ? this.ctx.get(contextKey(key.slice(0, colon), key.slice(colon + 1))) : undefined;
      if (x !== undefined && !cols.includes(x)) cols.push(x);
    }
    return cols.length > 0 ? Int32Array.from(cols) : null;
  }

  /** Adds one HELD_OUT edge (evaluation only). */
  addHeldOut(userId: string, itemId: string): void {
    const u = this.lookup(this.users, userId, 'user', 'heldOut', 'HELD_OUT');
    const i = this.lookup(this.items, itemId, 'item', 'heldOut', 'HELD_OUT');
    if (u >= 0 && i >= 0) this.coo.heldOut.push(u, i, 1);
  }

  /** Adds one IN_CATEGORY edge. */
  addItemCategory(itemId: string, category: string): void {
    const i = this.lookup(this.items, itemId, 'item', 'itemCategories', 'IN_CATEGORY');
    const c = this.lookup(this.cats, category, 'category', 'itemCategories', 'IN_CATEGORY');
    if (i >= 0 && c >= 0) this.coo.itemCategories.push(i, c, 1);
  }

  /** Adds one ACTIVE_IN edge with its count (a missing count counts 1). */
  addUserContext(userId: string, kind: string, value: string, count: number | null): void {
    const u = this.lookup(this.users, userId, 'user', 'userContexts', 'ACTIVE_IN');
    const x = this.context(kind, value, 'userContexts', 'ACTIVE_IN');
    if (u >= 0 && x >= 0) this.coo.userContexts.push(u, x, count ?? 1);
  }

  /** Adds one POPULAR_IN edge with its count (a missing count counts 1). */
  addItemContext(itemId: string, kind: string, value: string, count: number | null): void {
    const i = this.lookup(this.items, itemId, 'item', 'itemContexts', 'POPULAR_IN');
    const x = this.context(kind, value, 'itemContexts', 'POPULAR_IN');
    if (i >= 0 && x >= 0) this.coo.itemContexts.push(i, x, count ?? 1);
  }

  /** Adds one FOLLOWS edge (follower -> followee). */
  addFollow(fromId: string, toId: string): void {
    const a = this.lookup(this.users, fromId, 'user', 'follows', 'FOLLOWS');
    const b = this.lookup(this.users, toId, 'user', 'follows', 'FOLLOWS');
    if (a >= 0 && b >= 0) this.coo.follows.push(a, b, 1);
  }

  /** Applies the optional time decay to the collected interaction weights (once, at build time). */
  private decay(): void {
    const half = this.options.halfLifeDays;
    if (half === undefined) return;
    const ref = this.options.decayReferenceMs ?? (Number.isFinite(this.latestAt) ? this.latestAt : Date.now());
    const halfMs = half * DAY_MS;
    const train = this.coo.interactions;
    // the serving fold-in applies the same per-interaction rule (undated edges keep their full weight)
    for (let k = 0; k < train.n; k++) train.v[k] *= interactionDecay(this.trainAt[k], ref, halfMs);
  }

  /** Builds the graph: CSRs with duplicates summed (train) or merged (test set membership stays 1). */
  build(name: string): { graph: HeteroGraph; stats: BuildStats } {
    this.decay();
    const nU = this.userIds.length;
    const nI = this.itemIds.length;
    const train = this.coo.interactions.toCsr(nU, nI);
    const ti = this.coo.interactions;
    const dated = this.trainAt.some((t) => !Number.isNaN(t));
    const contexts = latestEventColumns(train, ti.r.subarray(0, ti.n), ti.c.subarray(0, ti.n), this.trainAt, this.trainCtx, this.contexts.length);
    const test = this.coo.heldOut.toCsr(nU, nI);
    test.values.fill(1); // a pair held out twice is still one held-out pair
    const graph: HeteroGraph = {
      name,
      numUsers: nU,
      numItems: nI,
      userIds: this.userIds,
      itemIds: this.itemIds,
      categories: this.categories,
      contexts: this.contexts,
      train,
      ...(dated ? { trainTimes: latestPerEntry(train, ti.r.subarray(0, ti.n), ti.c.subarray(0, ti.n), this.trainAt) } : {}),
      ...(contexts ? { trainContexts: contexts } : {}),
      test,
      itemCategory: binarise(this.coo.itemCategories.toCsr(nI, this.categories.length)),
      userContext: this.coo.userContexts.toCsr(nU, this.contexts.length),
      itemContext: this.coo.itemContexts.toCsr(nI, this.contexts.length),
      follows: binarise(this.coo.follows.toCsr(nU, nU)),
    };
    const stats: BuildStats = {
      interactions: this.counts.interactions,
      positiveEdges: this.coo.interactions.n,
      negativeSkipped: this.counts.negativeSkipped,
      unknownKindSkipped: this.counts.unknownKindSkipped,
      trainPairs: train.indices.length,
      heldOutPairs: test.indices.length,
      itemCategoryEdges: this.coo.itemCategories.n,
      userContextEdges: this.coo.userContexts.n,
      itemContextEdges: this.coo.itemContexts.n,
      followEdges: this.coo.follows.n,
      unknownNodeSkipped: Object.values(this.skipped).reduce((a, b) => a + b, 0),
    };
    return { graph, stats };
  }
}

function binarise(a: Csr): Csr {
  a.values.fill(1);
  return a;
}
