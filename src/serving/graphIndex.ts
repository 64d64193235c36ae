import type { Executor, StatementCounter } from '../db/executor';
import { halfLifeMsOf } from '../policy/decay';
import type { ItemMatrix } from './modelStore';

/**
 * How the model's neighbourhood term is computed (from the active Model's params, see
 * src/model/interestModel.ts): linearWeight · Σ over paths u→i←v→j of
 * w_ui · d_i^-(b+βl) · d_v^-2a · w_vi · w_vj · d_j^-b · d_j^γ, with weighted degrees d. The user norm d_u^-e
 * (userNormExponent) belongs to the embedding part only: it is already inside the user's embedding.
 */
export interface NeighbourhoodParams {
  /** a: user degree exponent of the normalised interaction matrix. */
  userExponent: number;
  /** b: item degree exponent. */
  itemExponent: number;
  /** βl: the user's items enter scaled by d_i^-βl. */
  itemInputExponent: number;
  /** γ: scores are multiplied by d_j^γ. */
  itemOutputExponent: number;
  /** e: the user's embedding carries d_u^-e; the neighbourhood term does not (kept for completeness). */
  userNormExponent: number;
  linearWeight: number;
}

/** LightGCN's symmetric normalisation when the model does not say otherwise. */
export const DEFAULT_NEIGHBOURHOOD: NeighbourhoodParams = Object.freeze({
  userExponent: 0.5, itemExponent: 0.5, itemInputExponent: 0, itemOutputExponent: 0, userNormExponent: 0, linearWeight: 1,
});

/** The model's neighbourhood parameters from Model.params (numbers only), over the defaults. */
export function neighbourhoodParams(params: Record<string, unknown>): NeighbourhoodParams {
  const pick = (k: keyof NeighbourhoodParams) => (typeof params[k] === 'number' && Number.isFinite(params[k]) ? params[k] as number : DEFAULT_NEIGHBOURHOOD[k]);
  return {
    userExponent: pick('userExponent'), itemExponent: pick('itemExponent'), itemInputExponent: pick('itemInputExponent'),
    itemOutputExponent: pick('itemOutputExponent'),
    userNormExponent: pick('userNormExponent'), linearWeight: pick('linearWeight'),
  };
}

let indexSerial = 0;

const pw = (d: number, e: number) => (d > 0 ? Math.pow(d, e) : 0);

/** A write applied to a GraphIndex (GraphIndex.onChange, apply). */
export type GraphChange =
  | { type: 'add'; userId: string; itemId: string; weight: number; kind: string | null }
  | { type: 'removeUser'; userId: string };

/** A GraphIndex as flat arrays (GraphIndex.toCompact), per user its slice offsets[u]..offsets[u + 1]. */
export interface GraphCompact {
  userIds: string[];
  itemIds: string[];
  kindNames: string[];
  offsets: Int32Array;
  items: Int32Array;
  weights: Float32Array;
  kinds: Uint8Array;
  followOffsets: Int32Array;
  follows: Int32Array;
  userDeg: Float64Array;
  itemDeg: Float64Array;
}

/** One item reached by the neighbourhood term: its id, the term's value and its index in this GraphIndex. */
export interface ProximityRow {
  id: string;
  proximity: number;
  item: number;
}

/** A co-interaction path user → via ← coUser → target chosen as evidence (GraphIndex.bestVia). */
export interface ViaPath {
  viaId: string;
  /** How many other users interacted with both via and the target. */
  people: number;
  coUserId: string;
  /** Kind of the user's latest positive interaction with via (null when it had none recorded). */
  kind: string | null;
}

/** Whether the ascending array `a` holds `x` (binary search). */
function sortedHas(a: Int32Array, x: number): boolean {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] === x) return true;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * The positive user–item graph in process memory (weights summed per pair, as training extracts
 * them), for the model's neighbourhood term and the choice of evidence paths. Measured on Gowalla
 * (30k users, 41k items, 810k edges) the co-interaction expansion as a Cypher statement
 * (cypher/serving/graphCandidates.cypher) took 756 ms at the median and 1.5 s at p90 per request on
 * this 2-core machine, here a few milliseconds; the index loads in ~4 s once per model version and
 * follows this process's own writes at once (recordInteraction, deleteUser). It also holds what the
 * evidence of a recommendation needs (src/serving/evidence.ts): each pair's latest interaction kind and
 * who follows whom, so reasons are built from this copy of the graph without a statement per request.
 */
export class GraphIndex {
  private readonly userIndex = new Map<string, number>();
  private readonly itemIndex = new Map<string, number>();
  private readonly userIds: string[] = [];
  private readonly itemIds: string[] = [];
  /** Per user: distinct positive items, most recent first, and their summed weights. */
  private readonly userItems: Int32Array[] = [];
  private readonly userWeights: Float32Array[] = [];
  /** Per user, parallel to userItems: the kind (a code into kindNames) of the pair's latest positive interaction. */
  private readonly userKinds: Uint8Array[] = [];
  private readonly kindNames: string[] = [];
  private readonly kindCodes = new Map<string, number>();
  /** Per user: the users it follows (FOLLOWS). */
  private readonly follows: Int32Array[] = [];
  /** Per item: users with a positive interaction, ascending (for intersections), and the weights. */
  private itemUsers: Int32Array[] = [];
  private itemWeights: Float32Array[] = [];
  private userDeg: number[] = [];
  private itemDeg: number[] = [];
  private scratch = new Float64Array(0);
  private touched = new Int32Array(0);
  private rowMap: { m: ItemMatrix; generation: number; rows: Int32Array } | null = null;
  /** Order of creation among this process's indexes (a refresh makes a newer one). */
  readonly serial = ++indexSerial;
  /** Called with every write applied here, so a copy (the graph worker's) can apply it too, in the same order. */
  onChange: ((change: GraphChange) => void) | null = null;
  /** Per-user bit masks of bestVia (all zero between calls). */
  private mask = new Int32Array(0);
  /**
   * The degree powers of the model's normalisation, computed once per parameter set instead of a
   * Math.pow per (item, co-user) pair (a tenth of the server's CPU profile under load): per user
   * d_v^-2a, per item d_i^-b (as the user's item) and d_j^(γ-b) (as the reached item). Kept in step
   * with this process's writes.
   */
  private powers: { a: number; b: number; bi: number; g: number; user: Float64Array; itemIn: Float64Array; itemOut: Float64Array } | null = null;

  /**
   * Loads the adjacency from Neo4j in one statement; with `halfLifeDays` (the served model's), each
   * interaction's weight decays with its age at load time, as training weighed it. Interactions this process
   * records later count whole (they are newer than the load), until the next refresh reweighs everything.
   */
  static async load(db: Executor, counter?: StatementCounter, halfLifeDays?: number): Promise<GraphIndex> {
    const rows = await db.read<{ id: string; items: [string, number, string | null][]; follows: string[] }>('serving/graphLoad', {
      halfLifeMs: halfLifeDays === undefined ? null : halfLifeMsOf(halfLifeDays), nowMs: Date.now(),
    }, counter);
    const g = new GraphIndex();
    const users: number[][] = [];
    const weights: number[][] = [];
    for (const r of rows) {
      const u = g.user(r.id);
      const items = r.items.map(([id]) => g.item(id));
      g.userItems[u] = Int32Array.from(items);
      g.userWeights[u] = Float32Array.from(r.items.map(([, w]) => w));
      g.userKinds[u] = Uint8Array.from(r.items.map(([, , kind]) => g.kindCode(kind)));
      if (r.follows.length > 0) g.follows[u] = Int32Array.from(r.follows, (f) => g.user(f));
      r.items.forEach(([, w], k) => {
        const i = items[k];
        (users[i] ??= []).push(u);
        (weights[i] ??= []).push(w);
        g.userDeg[u] += w;
        g.itemDeg[i] += w;
      });
    }
    g.itemUsers = g.itemIds.map((_, i) => {
      const us = users[i] ?? [];
      const ws = weights[i] ?? [];
      const order = us.map((_, k) => k).sort((a, b) => us[a] - us[b]);
      g.itemWeights[i] = Float32Array.from(order.map((k) => ws[k]));
      return Int32Array.from(order.map((k) => us[k]));
    });
    return g;
  }

  /**
   * The whole index as a few flat arrays (a copy), to be rebuilt elsewhere with fromCompact: the graph worker
   * gets its copy this way, typed arrays moved rather than 30k per-user arrays cloned. Indices are kept, so
   * the copy's item and user numbers are this index's (and stay so while both apply the same changes).
   */
  toCompact(): GraphCompact {
    const nu = this.userIds.length;
    const offsets = new Int32Array(nu + 1);
    const followOffsets = new Int32Array(nu + 1);
    for (let u = 0; u < nu; u++) {
      offsets[u + 1] = offsets[u] + this.userItems[u].length;
      followOffsets[u + 1] = followOffsets[u] + (this.follows[u]?.length ?? 0);
    }
    const items = new Int32Array(offsets[nu]);
    const weights = new Float32Array(offsets[nu]);
    const kinds = new Uint8Array(offsets[nu]);
    const follows = new Int32Array(followOffsets[nu]);
    for (let u = 0; u < nu; u++) {
      items.set(this.userItems[u], offsets[u]);
      weights.set(this.userWeights[u], offsets[u]);
      kinds.set(this.userKinds[u], offsets[u]);
      if (this.follows[u]) follows.set(this.follows[u], followOffsets[u]);
    }
    return {
      userIds: [...this.userIds], itemIds: [...this.itemIds], kindNames: [...this.kindNames], offsets, items, weights, kinds, followOffsets, follows,
      userDeg: Float64Array.from(this.userDeg), itemDeg: Float64Array.from(this.itemDeg),
    };
  }

  /** Rebuilds an index from toCompact's arrays (item audiences ascending by user, as load builds them). */
  static fromCompact(c: GraphCompact): GraphIndex {
    const g = new GraphIndex();
    for (const id of c.kindNames.slice(1)) g.kindCode(id);
    c.userIds.forEach((id) => g.user(id));
    c.itemIds.forEach((id) => g.item(id));
    const users: number[][] = [];
    const weights: number[][] = [];
    for (let u = 0; u < c.userIds.length; u++) {
      const a = c.offsets[u];
      const b = c.offsets[u + 1];
      g.userItems[u] = c.items.slice(a, b);
      g.userWeights[u] = c.weights.slice(a, b);
      g.userKinds[u] = c.kinds.slice(a, b);
      if (c.followOffsets[u + 1] > c.followOffsets[u]) g.follows[u] = c.follows.slice(c.followOffsets[u], c.followOffsets[u + 1]);
      for (let k = a; k < b; k++) {
        (users[c.items[k]] ??= []).push(u);
        (weights[c.items[k]] ??= []).push(c.weights[k]);
      }
    }
    g.itemUsers = c.itemIds.map((_, i) => Int32Array.from(users[i] ?? []));
    g.itemWeights = c.itemIds.map((_, i) => Float32Array.from(weights[i] ?? []));
    g.userDeg = Array.from(c.userDeg);
    g.itemDeg = Array.from(c.itemDeg);
    return g;
  }

  /** Applies a change recorded by another index's onChange. */
  apply(change: GraphChange): void {
    if (change.type === 'add') this.addInteraction(change.userId, change.itemId, change.weight, change.kind);
    else this.removeUser(change.userId);
  }

  /** The id of item number `i` of this index. */
  itemIdOf(i: number): string {
    return this.itemIds[i];
  }

  /** Number of users, items and positive (user, item) pairs held. */
  get size(): { users: number; items: number; edges: number } {
    let edges = 0;
    for (const a of this.userItems) edges += a?.length ?? 0;
    return { users: this.userIds.length, items: this.itemIds.length, edges };
  }

  private user(id: string): number {
    let u = this.userIndex.get(id);
    if (u === undefined) {
      u = this.userIds.length;
      this.userIds.push(id);
      this.userIndex.set(id, u);
      this.userItems[u] = new Int32Array(0);
      this.userWeights[u] = new Float32Array(0);
      this.userKinds[u] = new Uint8Array(0);
      this.userDeg[u] = 0;
    }
    return u;
  }

  /** The code of an interaction kind (0 for none; at most 255 distinct kinds, later ones share code 0). */
  private kindCode(kind: string | null | undefined): number {
    if (!kind) return 0;
    let c = this.kindCodes.get(kind);
    if (c === undefined) {
      if (this.kindNames.length === 0) this.kindNames.push('');
      if (this.kindNames.length > 255) return 0;
      c = this.kindNames.length;
      this.kindNames.push(kind);
      this.kindCodes.set(kind, c);
    }
    return c;
  }

  private item(id: string): number {
    let i = this.itemIndex.get(id);
    if (i === undefined) {
      i = this.itemIds.length;
      this.itemIds.push(id);
      this.itemIndex.set(id, i);
      this.itemUsers[i] = new Int32Array(0);
      this.itemWeights[i] = new Float32Array(0);
      this.itemDeg[i] = 0;
    }
    return i;
  }

  /** Records a positive interaction of `weight` written by this process (added to the pair's weight). */
  addInteraction(userId: string, itemId: string, weight = 1, kind: string | null = null): void {
    if (!(weight > 0)) return;
    this.onChange?.({ type: 'add', userId, itemId, weight, kind });
    const u = this.user(userId);
    const i = this.item(itemId);
    const items = this.userItems[u];
    const ws = this.userWeights[u];
    const ks = this.userKinds[u];
    const at = items.indexOf(i);
    const nextItems = new Int32Array(items.length + (at < 0 ? 1 : 0));
    const nextWs = new Float32Array(nextItems.length);
    const nextKs = new Uint8Array(nextItems.length);
    nextItems[0] = i;
    nextWs[0] = (at < 0 ? 0 : ws[at]) + weight;
    nextKs[0] = this.kindCode(kind);
    let k = 1;
    for (let p = 0; p < items.length; p++) {
      if (items[p] === i) continue;
      nextItems[k] = items[p];
      nextKs[k] = ks[p];
      nextWs[k++] = ws[p];
    }
    this.userItems[u] = nextItems;
    this.userWeights[u] = nextWs;
    this.userKinds[u] = nextKs;
    this.userDeg[u] += weight;
    this.itemDeg[i] += weight;
    this.refreshPowers([u], [i]);
    const us = this.itemUsers[i];
    let p = 0;
    while (p < us.length && us[p] < u) p++;
    if (p < us.length && us[p] === u) {
      this.itemWeights[i][p] += weight;
      return;
    }
    const merged = new Int32Array(us.length + 1);
    merged.set(us.subarray(0, p));
    merged[p] = u;
    merged.set(us.subarray(p), p + 1);
    const mw = new Float32Array(us.length + 1);
    mw.set(this.itemWeights[i].subarray(0, p));
    mw[p] = weight;
    mw.set(this.itemWeights[i].subarray(p), p + 1);
    this.itemUsers[i] = merged;
    this.itemWeights[i] = mw;
  }

  /** Forgets a deleted user's edges. */
  removeUser(userId: string): void {
    const u = this.userIndex.get(userId);
    if (u === undefined) return;
    this.onChange?.({ type: 'removeUser', userId });
    const items = this.userItems[u];
    for (let k = 0; k < items.length; k++) {
      const i = items[k];
      const keep = Array.from(this.itemUsers[i].keys()).filter((p) => this.itemUsers[i][p] !== u);
      this.itemDeg[i] -= this.userWeights[u][k];
      this.itemUsers[i] = Int32Array.from(keep.map((p) => this.itemUsers[i][p]));
      this.itemWeights[i] = Float32Array.from(keep.map((p) => this.itemWeights[i][p]));
    }
    this.userItems[u] = new Int32Array(0);
    this.userWeights[u] = new Float32Array(0);
    this.userKinds[u] = new Uint8Array(0);
    this.userDeg[u] = 0;
    this.refreshPowers([u], Array.from(items));
    // its follows in both directions (a scan over every follow list: deletions are rare)
    delete this.follows[u];
    this.follows.forEach((fs, v) => {
      if (fs.includes(u)) this.follows[v] = fs.filter((f) => f !== u);
    });
  }

  /** The user's positive items, most recent first, with the kind of each pair's latest positive interaction. */
  userItemsOf(userId: string): { ids: string[]; kinds: (string | null)[] } {
    const u = this.userIndex.get(userId);
    if (u === undefined) return { ids: [], kinds: [] };
    return {
      ids: Array.from(this.userItems[u], (i) => this.itemIds[i]),
      kinds: Array.from(this.userKinds[u], (k) => this.kindNames[k] || null),
    };
  }

  /**
   * Per target item, the users `userId` follows who have a positive interaction with it (in follow-list
   * order); targets none of them interacted with are absent.
   */
  followeesWith(userId: string, itemIds: readonly string[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    const u = this.userIndex.get(userId);
    const fs = u === undefined ? undefined : this.follows[u];
    if (!fs || fs.length === 0) return out;
    for (const id of itemIds) {
      const j = this.itemIndex.get(id);
      if (j === undefined) continue;
      const audience = this.itemUsers[j];
      const who: string[] = [];
      for (const f of fs) if (sortedHas(audience, f)) who.push(this.userIds[f]);
      if (who.length > 0) out.set(id, who);
    }
    return out;
  }

  /** The degree powers for `p`, computed when the parameters change. */
  private powersFor(p: NeighbourhoodParams): NonNullable<GraphIndex['powers']> {
    const c = this.powers;
    if (c && c.a === p.userExponent && c.b === p.itemExponent && c.bi === p.itemInputExponent && c.g === p.itemOutputExponent
      && c.user.length >= this.userIds.length && c.itemIn.length >= this.itemIds.length) return c;
    const user = new Float64Array(this.userIds.length + 1024);
    const itemIn = new Float64Array(this.itemIds.length + 1024);
    const itemOut = new Float64Array(this.itemIds.length + 1024);
    const next = { a: p.userExponent, b: p.itemExponent, bi: p.itemInputExponent, g: p.itemOutputExponent, user, itemIn, itemOut };
    this.powers = next;
    this.refreshPowers(this.userIds.keys(), this.itemIds.keys());
    return next;
  }

  /** Recomputes the cached degree powers of some users and items after their degrees changed. */
  private refreshPowers(users: Iterable<number>, items: Iterable<number>): void {
    const c = this.powers;
    if (!c) return;
    if (c.user.length < this.userIds.length || c.itemIn.length < this.itemIds.length) {
      this.powers = null; // grown past the capacity: rebuilt on the next request
      return;
    }
    for (const v of users) c.user[v] = pw(this.userDeg[v], -2 * c.a);
    for (const i of items) {
      c.itemIn[i] = pw(this.itemDeg[i], -c.b - c.bi);
      c.itemOut[i] = pw(this.itemDeg[i], c.g - c.b);
    }
  }

  /**
   * Per item of this index, its row in the item matrix `m` (-1 when it has none), so that ranking maps the
   * proximity rows to matrix rows without a string lookup each (which showed as a twentieth of the
   * server's CPU under load). Rebuilt when the matrix's rows change (its generation) or items were added here.
   */
  matrixRows(m: ItemMatrix): Int32Array {
    const c = this.rowMap;
    const generation = m.generation ?? 0;
    if (c && c.m === m && c.generation === generation && c.rows.length === this.itemIds.length) return c.rows;
    const rows = Int32Array.from(this.itemIds, (id) => m.index.get(id) ?? -1);
    this.rowMap = { m, generation, rows };
    return rows;
  }

  /** The user's number of distinct positive items (0 for unknown users). */
  userDegree(userId: string): number {
    const u = this.userIndex.get(userId);
    return u === undefined ? 0 : this.userItems[u].length;
  }

  /** The items touched by an expansion (each at most once: its accumulator turns positive once). */
  private touchedScratch(): Int32Array {
    if (this.touched.length < this.itemIds.length) this.touched = new Int32Array(this.itemIds.length + 1024);
    return this.touched;
  }

  private acc(n: number): Float64Array {
    if (this.scratch.length < n) this.scratch = new Float64Array(Math.max(n, this.scratch.length * 2));
    return this.scratch;
  }

  /**
   * The top `limit` touched items, plus the values of the `also` items outside it; resets the
   * accumulator. A bounded insertion buffer over typed arrays: sorting thousands of touched items as
   * objects per request showed up as a tenth of the server's CPU profile (sort + garbage).
   */
  private top(acc: Float64Array, touched: Int32Array, nTouched: number, limit: number, also: readonly string[], scale: number,
    itemOut: Float64Array): ProximityRow[] {
    const extra: { i: number; s: number }[] = [];
    for (const id of also) {
      const i = this.itemIndex.get(id);
      if (i !== undefined && acc[i] > 0) extra.push({ i, s: acc[i] * scale * itemOut[i] });
    }
    const idx = new Int32Array(Math.max(1, limit));
    const val = new Float64Array(Math.max(1, limit));
    let n = 0;
    for (let t = 0; t < nTouched; t++) {
      const i = touched[t];
      // the output scaling (linear weight, d_j^(γ-b)) applied here rather than in a pass of its own
      const s = acc[i] * scale * itemOut[i];
      acc[i] = 0;
      if (!(s > 0) || limit === 0) continue;
      if (n === limit && (s < val[n - 1] || (s === val[n - 1] && i > idx[n - 1]))) continue;
      let p = n < limit ? n++ : n - 1;
      while (p > 0 && (val[p - 1] < s || (val[p - 1] === s && idx[p - 1] > i))) {
        val[p] = val[p - 1];
        idx[p] = idx[p - 1];
        p--;
      }
      val[p] = s;
      idx[p] = i;
    }
    const out: ProximityRow[] = [];
    const seen = new Set<number>();
    for (let k = 0; k < n; k++) {
      out.push({ id: this.itemIds[idx[k]], proximity: val[k], item: idx[k] });
      seen.add(idx[k]);
    }
    for (const x of extra) if (!seen.has(x.i)) out.push({ id: this.itemIds[x.i], proximity: x.s, item: x.i });
    return out;
  }

  /**
   * The model's neighbourhood term for a user over every item reached by a path u→i←v→j (see
   * NeighbourhoodParams), over the user's `maxUserItems` most recent items and the first
   * `maxCoUsers` co-users of each (exact when the caps exceed the degrees); the top `limit` items,
   * the user's own included (the caller excludes them), plus the values of the `also` items (e.g. the
   * embedding candidates) wherever they rank, so every merged candidate gets its exact graph term.
   */
  userProximity(userId: string, p: NeighbourhoodParams, maxUserItems: number, maxCoUsers: number, limit: number,
    also: readonly string[] = []): ProximityRow[] {
    const u = this.userIndex.get(userId);
    if (u === undefined) return [];
    const mine = this.userItems[u];
    const mineW = this.userWeights[u];
    if (mine.length === 0) return [];
    const pow = this.powersFor(p);
    const acc = this.acc(this.itemIds.length);
    const touched = this.touchedScratch();
    let nt = 0;
    const n = Math.min(mine.length, maxUserItems);
    for (let a = 0; a < n; a++) {
      const i = mine[a];
      const users = this.itemUsers[i];
      const uw = this.itemWeights[i];
      const wi = mineW[a] * pow.itemIn[i];
      let seen = 0;
      for (let b = 0; b < users.length && seen < maxCoUsers; b++) {
        const v = users[b];
        if (v === u) continue;
        seen++;
        const w = wi * uw[b] * pow.user[v];
        const theirs = this.userItems[v];
        const tw = this.userWeights[v];
        for (let c = 0; c < theirs.length; c++) {
          const j = theirs[c];
          if (acc[j] === 0) touched[nt++] = j;
          acc[j] += w * tw[c];
        }
      }
    }
    // no d_u^-e here: the model scales only its embedding part by the user norm (src/model/filter.ts)
    return this.top(acc, touched, nt, limit, also, p.linearWeight, pow.itemOut);
  }

  /**
   * Items close to an item: the neighbourhood term of a user who has only that item (weight 1):
   * Σ over i←v→j of d_i^-b · d_v^-2a · w_vi · w_vj · d_j^-b · d_j^γ, top `limit`.
   */
  itemProximity(itemId: string, p: NeighbourhoodParams, maxCoUsers: number, limit: number, also: readonly string[] = []): ProximityRow[] {
    const i = this.itemIndex.get(itemId);
    if (i === undefined) return [];
    const users = this.itemUsers[i];
    const uw = this.itemWeights[i];
    const pow = this.powersFor(p);
    const acc = this.acc(this.itemIds.length);
    const touched = this.touchedScratch();
    let nt = 0;
    const di = pow.itemIn[i];
    for (let b = 0; b < users.length && b < maxCoUsers; b++) {
      const v = users[b];
      const w = di * uw[b] * pow.user[v];
      const theirs = this.userItems[v];
      const tw = this.userWeights[v];
      for (let c = 0; c < theirs.length; c++) {
        const j = theirs[c];
        if (j === i) continue;
        if (acc[j] === 0) touched[nt++] = j;
        acc[j] += w * tw[c];
      }
    }
    return this.top(acc, touched, nt, limit, also, p.linearWeight, pow.itemOut);
  }
  /**
   * For each target item, the user's item (among its `maxUserItems` most recent) shared with the most
   * other users, how many, one of them (the lowest index, so the choice is stable) and the kind of the
   * user's latest interaction with it: the strongest co-interaction path to show as evidence.
   */
  bestVia(userId: string, itemIds: string[], maxUserItems: number): Map<string, ViaPath> {
    const out = new Map<string, ViaPath>();
    const u = this.userIndex.get(userId);
    if (u === undefined) return out;
    const mine = this.userItems[u].subarray(0, maxUserItems);
    // Targets in chunks of 32: each user who interacted with a target gets that target's bit (a pass over the
    // targets' audiences), then one pass over the audience of each of the user's items counts, per target,
    // the people shared with it. Cost Σ|audience(target)| + Σ|audience(mine)| per chunk, instead of a merge
    // of two audiences per (target, item) pair, which repeated each popular target's audience 100 times.
    for (let start = 0; start < itemIds.length; start += 32) {
      const chunk = itemIds.slice(start, start + 32).map((id) => this.itemIndex.get(id) ?? -1);
      const mask = this.maskScratch();
      const marked: number[] = [];
      chunk.forEach((j, t) => {
        if (j < 0) return;
        for (const v of this.itemUsers[j]) {
          if (v === u) continue;
          if (mask[v] === 0) marked.push(v);
          mask[v] |= 1 << t;
        }
      });
      const bestCount = new Int32Array(chunk.length);
      const bestItem = new Int32Array(chunk.length).fill(-1);
      const bestUser = new Int32Array(chunk.length).fill(-1);
      const count = new Int32Array(chunk.length);
      const first = new Int32Array(chunk.length);
      const bestAt = new Int32Array(chunk.length);
      for (let a = 0; a < mine.length; a++) {
        const i = mine[a];
        count.fill(0);
        for (const v of this.itemUsers[i]) {
          let bits = mask[v];
          while (bits !== 0) {
            const t = 31 - Math.clz32(bits);
            bits &= ~(1 << t);
            if (count[t]++ === 0) first[t] = v;
          }
        }
        for (let t = 0; t < chunk.length; t++) {
          if (chunk[t] !== i && count[t] > bestCount[t]) {
            bestCount[t] = count[t];
            bestItem[t] = i;
            bestUser[t] = first[t];
            bestAt[t] = a;
          }
        }
      }
      for (const v of marked) mask[v] = 0;
      chunk.forEach((j, t) => {
        if (j >= 0 && bestItem[t] >= 0) out.set(itemIds[start + t], {
          viaId: this.itemIds[bestItem[t]], people: bestCount[t], coUserId: this.userIds[bestUser[t]],
          kind: this.kindNames[this.userKinds[u][bestAt[t]]] || null,
        });
      });
    }
    return out;
  }

  private maskScratch(): Int32Array {
    if (this.mask.length < this.userIds.length) this.mask = new Int32Array(this.userIds.length + 1024);
    return this.mask;
  }
}
