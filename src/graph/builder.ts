import { csrFromCoo, Csr } from './csr';
import { interactionWeight, isInteractionKind, isPositiveKind } from './weights';
import type { ContextKey, HeteroGraph } from '../model/types';

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
}

const DAY_MS = 86_400_000;

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
  private readonly train = new Coo();
  private readonly trainAt: number[] = [];
  private readonly test = new Coo();
  private readonly itemCat = new Coo();
  private readonly userCtx = new Coo();
  private readonly itemCtx = new Coo();
  private readonly follow = new Coo();
  private latestAt = -Infinity;
  private readonly stats: BuildStats = {
    interactions: 0, positiveEdges: 0, negativeSkipped: 0, unknownKindSkipped: 0, trainPairs: 0, heldOutPairs: 0,
    itemCategoryEdges: 0, userContextEdges: 0, itemContextEdges: 0, followEdges: 0,
  };
  /** Unknown interaction kinds seen, with counts (they are skipped, not guessed). */
  readonly unknownKinds = new Map<string, number>();

  constructor(
    readonly userIds: string[],
    readonly itemIds: string[],
    readonly categories: string[],
    readonly contexts: ContextKey[],
    private readonly weighting: EdgeWeighting = {},
  ) {
    if (weighting.halfLifeDays !== undefined && !(weighting.halfLifeDays > 0 && Number.isFinite(weighting.halfLifeDays))) {
      throw new Error(`HeteroGraphBuilder: halfLifeDays must be a positive number of days, got ${weighting.halfLifeDays}`);
    }
    this.users = indexOf(userIds, 'user');
    this.items = indexOf(itemIds, 'item');
    this.cats = indexOf(categories, 'category');
    this.ctx = new Map(contexts.map((c, k) => [contextKey(c.kind, c.value), k]));
  }

  private user(id: string, where: string): number {
    const u = this.users.get(id);
    if (u === undefined) throw new Error(`HeteroGraphBuilder: ${where} names user "${id}", which is not in the user list`);
    return u;
  }

  private item(id: string, where: string): number {
    const i = this.items.get(id);
    if (i === undefined) throw new Error(`HeteroGraphBuilder: ${where} names item "${id}", which is not in the item list`);
    return i;
  }

  private context(kind: string, value: string, where: string): number {
    const x = this.ctx.get(contextKey(kind, value));
    if (x === undefined) throw new Error(`HeteroGraphBuilder: ${where} names context ${kind}/${value}, which is not in the context list`);
    return x;
  }

  /**
   * Adds one INTERACTED edge. `storedWeight` is only used for `rating` (whose weight is the scaled rating);
   * `atMs` (epoch ms, or null) only matters when decaying.
   */
  addInteraction(userId: string, itemId: string, kind: string | null, storedWeight: number | null, atMs: number | null): void {
    this.stats.interactions++;
    const k = kind ?? '';
    if (!isInteractionKind(k)) {
      this.stats.unknownKindSkipped++;
      this.unknownKinds.set(k, (this.unknownKinds.get(k) ?? 0) + 1);
      return;
    }
    if (!isPositiveKind(k)) {
      this.stats.negativeSkipped++;
      return;
    }
    let w: number;
    if (k === 'rating') {
      w = typeof storedWeight === 'number' && storedWeight > 0 ? storedWeight : 0;
      if (w <= 0) {
        this.stats.unknownKindSkipped++;
        return;
      }
    } else {
      w = interactionWeight(k);
    }
    const u = this.user(userId, 'INTERACTED');
    const i = this.item(itemId, 'INTERACTED');
    this.train.push(u, i, w);
    this.trainAt.push(typeof atMs === 'number' ? atMs : NaN);
    if (typeof atMs === 'number' && atMs > this.latestAt) this.latestAt = atMs;
    this.stats.positiveEdges++;
  }

  /** Adds one HELD_OUT edge (evaluation only). */
  addHeldOut(userId: string, itemId: string): void {
    this.test.push(this.user(userId, 'HELD_OUT'), this.item(itemId, 'HELD_OUT'), 1);
  }

  /** Adds one IN_CATEGORY edge. */
  addItemCategory(itemId: string, category: string): void {
    const c = this.cats.get(category);
    if (c === undefined) throw new Error(`HeteroGraphBuilder: IN_CATEGORY names category "${category}", which is not in the category list`);
    this.itemCat.push(this.item(itemId, 'IN_CATEGORY'), c, 1);
    this.stats.itemCategoryEdges++;
  }

  /** Adds one ACTIVE_IN edge with its count (a missing count counts 1). */
  addUserContext(userId: string, kind: string, value: string, count: number | null): void {
    this.userCtx.push(this.user(userId, 'ACTIVE_IN'), this.context(kind, value, 'ACTIVE_IN'), count ?? 1);
    this.stats.userContextEdges++;
  }

  /** Adds one POPULAR_IN edge with its count (a missing count counts 1). */
  addItemContext(itemId: string, kind: string, value: string, count: number | null): void {
    this.itemCtx.push(this.item(itemId, 'POPULAR_IN'), this.context(kind, value, 'POPULAR_IN'), count ?? 1);
    this.stats.itemContextEdges++;
  }

  /** Adds one FOLLOWS edge (follower -> followee). */
  addFollow(fromId: string, toId: string): void {
    this.follow.push(this.user(fromId, 'FOLLOWS'), this.user(toId, 'FOLLOWS'), 1);
    this.stats.followEdges++;
  }

  /** Applies the optional time decay to the collected interaction weights (once, at build time). */
  private decay(): void {
    const half = this.weighting.halfLifeDays;
    if (half === undefined) return;
    const ref = this.weighting.decayReferenceMs ?? (Number.isFinite(this.latestAt) ? this.latestAt : Date.now());
    const halfMs = half * DAY_MS;
    for (let k = 0; k < this.train.n; k++) {
      const at = this.trainAt[k];
      if (Number.isNaN(at)) continue; // undated edges keep their full weight
      const age = Math.max(0, ref - at);
      this.train.v[k] *= Math.pow(2, -age / halfMs);
    }
  }

  /** Builds the graph: CSRs with duplicates summed (train) or merged (test set membership stays 1). */
  build(name: string): { graph: HeteroGraph; stats: BuildStats } {
    this.decay();
    const nU = this.userIds.length;
    const nI = this.itemIds.length;
    const train = this.train.toCsr(nU, nI);
    const test = this.test.toCsr(nU, nI);
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
      test,
      itemCategory: binarise(this.itemCat.toCsr(nI, this.categories.length)),
      userContext: this.userCtx.toCsr(nU, this.contexts.length),
      itemContext: this.itemCtx.toCsr(nI, this.contexts.length),
      follows: binarise(this.follow.toCsr(nU, nU)),
    };
    return { graph, stats: { ...this.stats, trainPairs: train.indices.length, heldOutPairs: test.indices.length } };
  }
}

function binarise(a: Csr): Csr {
  a.values.fill(1);
  return a;
}
