/**
 * A seeded synthetic interest graph: the demo data and the test data of the project.
 *
 * Hidden structure that a model can learn and popularity cannot:
 * - every user has latent interests, a Dirichlet-like mix over 1-3 of the categories plus a little
 *   background mass, which drifts towards one new category over the 90 days (so a temporal split
 *   is meaningful: later interests differ a little from earlier ones);
 * - every item belongs to 1-3 categories and has a long-tailed (Pareto) popularity;
 * - an interaction first draws a moment (day, time of day from the user's habits, device from the
 *   user's habits, weekday from the date), then a category from interest x context preference
 *   (each category prefers a time of day, a device, and some prefer weekends), then an item of that
 *   category by popularity; its kind (view/click/save/purchase) is likelier to be strong when the
 *   category is one of the user's main interests;
 * - users follow other users who share their main interest (80%) or anyone (20%).
 *
 * Everything is a pure function of the options: the same seed gives the same graph, byte for byte.
 */
import { csrFromCoo, latestEventColumns, latestPerEntry, Csr } from '../graph/csr';
import { interactionWeight, isPositiveKind } from '../graph/weights';
import type { ContextKey, HeteroGraph } from '../graph/types';
import { gammaSample, seededRandom } from '../random';
import { DEVICES, HOURS, TIMES_OF_DAY, WEEKDAYS } from '../graph/contexts';

/** Size and shape of a synthetic graph; every field has a default. */
export interface SyntheticOptions {
  /** PRNG seed; the same seed (and options) gives identical output. Default 42. */
  seed?: number;
  /** Number of users. Default 2,000. */
  users?: number;
  /** Number of items. Default users / 2 (at least 20). */
  items?: number;
  /** Number of categories. Default 20 (at most users and items allow). */
  categories?: number;
  /** Mean interactions per user (long-tailed, at least 5 each). Default 30. */
  interactionsPerUser?: number;
  /** Mean follows per user. Default 4. */
  followsPerUser?: number;
  /** Days over which timestamps are spread. Default 90. */
  days?: number;
  /** Epoch ms of the first day (UTC midnight). Default 2026-07-01T00:00:00Z. */
  startMs?: number;
  /** How far interests move towards a new category by the last day, 0..1. Default 0.35. */
  drift?: number;
  /** Fraction of interactions that are negative feedback (`dismiss`, on items outside the user's interests). Default 0.02. */
  dismissRate?: number;
}

/** A generated user (the latent interests are exposed for tests and analysis, not written to Neo4j). */
export interface SyntheticUser {
  id: string;
  /** Latent interest mix over category indexes at day 0 (sums to 1). */
  interests: number[];
}

/** A generated item with its categories (names). */
export interface SyntheticItem {
  id: string;
  title: string;
  categories: string[];
}

/** One interaction event; `at` is epoch milliseconds (UTC). */
export interface SyntheticInteraction {
  userId: string;
  itemId: string;
  kind: 'view' | 'click' | 'save' | 'purchase' | 'dismiss';
  weight: number;
  at: number;
  contexts: ContextKey[];
}

/** A FOLLOWS edge between two users. */
export interface SyntheticFollow {
  from: string;
  to: string;
}

/** The whole generated graph; interactions are sorted by time. */
export interface SyntheticData {
  options: Required<SyntheticOptions>;
  users: SyntheticUser[];
  items: SyntheticItem[];
  categories: string[];
  /** Every context value that can occur (timeOfDay, device, weekday). */
  contexts: ContextKey[];
  interactions: SyntheticInteraction[];
  follows: SyntheticFollow[];
}

const CATEGORY_NAMES = ['books', 'music', 'movies', 'sports', 'travel', 'food', 'fashion', 'tech', 'gaming', 'art',
  'fitness', 'home', 'garden', 'pets', 'science', 'finance', 'beauty', 'cars', 'kids', 'outdoors'];
const DAY_MS = 86_400_000;

/** Every context value the generator can emit, in a fixed order. */
export const SYNTHETIC_CONTEXTS: readonly ContextKey[] = Object.freeze([
  ...TIMES_OF_DAY.map((value) => ({ kind: 'timeOfDay', value })),
  ...DEVICES.map((value) => ({ kind: 'device', value })),
  ...WEEKDAYS.map((value) => ({ kind: 'weekday', value })),
]);

/** The project's seeded generator (src/random.ts), under the name the generator's tests use. */
export const mulberry32 = seededRandom;

/** Samples an index from unnormalised non-negative weights. */
function pick(rand: () => number, weights: ArrayLike<number>, total?: number): number {
  let sum = total ?? 0;
  if (total === undefined) for (let k = 0; k < weights.length; k++) sum += weights[k];
  let r = rand() * sum;
  for (let k = 0; k < weights.length; k++) {
    r -= weights[k];
    if (r < 0) return k;
  }
  return weights.length - 1;
}

/** Binary search in a cumulative array: the first index whose cumulative value exceeds r. */
function pickCumulative(cum: Float64Array, r: number): number {
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid] > r) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}


function dirichlet(rand: () => number, alphas: number[]): number[] {
  const g = alphas.map((a) => gammaSample(rand, a));
  const s = g.reduce((a, b) => a + b, 0) || 1;
  return g.map((x) => x / s);
}

/** Fills in defaults and checks ranges; throws naming the option and the bad value. */
export function resolveSyntheticOptions(options: SyntheticOptions = {}): Required<SyntheticOptions> {
  const users = options.users ?? 2000;
  const int = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new Error(`synthetic: option ${name} must be an integer >= ${min}, got ${v}`);
    return v;
  };
  const num = (name: string, v: number, min: number, max: number) => {
    if (!Number.isFinite(v) || v < min || v > max) throw new Error(`synthetic: option ${name} must be a number in [${min}, ${max}], got ${v}`);
    return v;
  };
  int('users', users, 2);
  const items = int('items', options.items ?? Math.max(20, Math.round(users / 2)), 2);
  return {
    seed: int('seed', options.seed ?? 42, 0),
    users,
    items,
    categories: int('categories', options.categories ?? Math.min(20, Math.max(2, Math.floor(items / 5))), 1),
    interactionsPerUser: num('interactionsPerUser', options.interactionsPerUser ?? 30, 1, 10_000),
    followsPerUser: num('followsPerUser', options.followsPerUser ?? 4, 0, 1_000),
    days: int('days', options.days ?? 90, 1),
    startMs: int('startMs', options.startMs ?? Date.UTC(2026, 6, 1), 0),
    drift: num('drift', options.drift ?? 0.35, 0, 1),
    dismissRate: num('dismissRate', options.dismissRate ?? 0.02, 0, 0.5),
  };
}

/** Generates a synthetic interest graph from a seed; a pure function of its options. */
export function generateSynthetic(options: SyntheticOptions = {}): SyntheticData {
  const o = resolveSyntheticOptions(options);
  const rand = mulberry32(o.seed);
  const C = o.categories;
  const categories = Array.from({ length: C }, (_, c) => (c < CATEGORY_NAMES.length ? CATEGORY_NAMES[c] : `category-${c + 1}`));

  // Context preferences of categories: a preferred time of day, a device lean, a weekend lean.
  const catTod = Array.from({ length: C }, () => {
    const w = [1, 1, 1, 1];
    w[Math.floor(rand() * 4)] = 3;
    return w;
  });
  const catMobile = Array.from({ length: C }, () => (rand() < 0.5 ? 2.2 : 0.5));
  const catWeekend = Array.from({ length: C }, () => (rand() < 0.3 ? 2.5 : 1));

  // Items: 1-3 categories, Pareto popularity (long tail).
  const items: SyntheticItem[] = [];
  const itemCats: number[][] = [];
  const itemPop = new Float64Array(o.items);
  for (let i = 0; i < o.items; i++) {
    const k = 1 + (rand() < 0.35 ? 1 : 0) + (rand() < 0.15 ? 1 : 0);
    const cats = new Set<number>([i % C]); // every category gets items
    while (cats.size < Math.min(k, C)) cats.add(Math.floor(rand() * C));
    const cs = [...cats];
    itemCats.push(cs);
    itemPop[i] = Math.min(40, Math.pow(1 - rand(), -1 / 1.6));
    items.push({ id: `i${i}`, title: `${capitalise(categories[cs[0]])} item ${i}`, categories: cs.map((c) => categories[c]) });
  }
  // Per-category cumulative popularity over its items, for O(log n) item draws.
  const catItems: number[][] = Array.from({ length: C }, () => []);
  itemCats.forEach((cs, i) => cs.forEach((c) => catItems[c].push(i)));
  const catCum = catItems.map((list) => {
    const cum = new Float64Array(list.length);
    let s = 0;
    list.forEach((i, k) => {
      s += itemPop[i];
      cum[k] = s;
    });
    return cum;
  });

  // Users: interests (Dirichlet over 1-3 main categories + background), a drift target, context habits.
  const users: SyntheticUser[] = [];
  const interest0: Float64Array[] = [];
  const interest1: Float64Array[] = [];
  const mainCat: number[] = [];
  const todHabit: number[][] = [];
  const mobileHabit: number[] = [];
  for (let u = 0; u < o.users; u++) {
    const k = Math.min(C, 1 + pick(rand, [0.3, 0.45, 0.25]));
    const chosen: number[] = [];
    while (chosen.length < k) {
      const c = Math.floor(rand() * C);
      if (!chosen.includes(c)) chosen.push(c);
    }
    const mix = dirichlet(rand, chosen.map(() => 1.5));
    const v = new Float64Array(C).fill(0.08 / C);
    chosen.forEach((c, j) => (v[c] += 0.92 * mix[j]));
    interest0.push(v);
    let main = chosen[0];
    chosen.forEach((c) => { if (v[c] > v[main]) main = c; });
    mainCat.push(main);
    // drift: towards one category the user had no main interest in
    const target = C > k ? pickNotIn(rand, C, chosen) : chosen[0];
    const v1 = new Float64Array(C);
    for (let c = 0; c < C; c++) v1[c] = (c === target ? 1 : 0);
    interest1.push(v1);
    todHabit.push(dirichlet(rand, [1, 1, 2, 0.6]));
    mobileHabit.push(0.15 + 0.7 * rand());
    users.push({ id: `u${u}`, interests: Array.from(v) });
  }

  // Interactions.
  const interactions: SyntheticInteraction[] = [];
  const catW = new Float64Array(C);
  const span = o.days * DAY_MS;
  for (let u = 0; u < o.users; u++) {
    // long-tailed count: 5 + exponential with the remaining mean
    const n = 5 + Math.floor(-Math.log(1 - rand()) * Math.max(0, o.interactionsPerUser - 5));
    const seen = new Set<string>();
    const userDismissed = new Set<number>();
    for (let e = 0; e < n; e++) {
      const day = Math.floor(rand() * o.days);
      const tod = pick(rand, todHabit[u]);
      const [h0, h1] = HOURS[TIMES_OF_DAY[tod]];
      const hour = h0 + rand() * (h1 - h0);
      const at = Math.floor(o.startMs + day * DAY_MS + hour * 3_600_000);
      const weekday = new Date(at).getUTCDay();
      const weekend = weekday === 0 || weekday === 6;
      const mobile = rand() < mobileHabit[u] * (tod === 3 ? 1.3 : 1) ? 1 : 0;
      const f = o.drift * ((at - o.startMs) / span);
      const contexts: ContextKey[] = [
        { kind: 'timeOfDay', value: TIMES_OF_DAY[tod] },
        { kind: 'device', value: DEVICES[mobile ? 0 : 1] },
        { kind: 'weekday', value: WEEKDAYS[weekday] },
      ];
      if (rand() < o.dismissRate) {
        // negative feedback on a popular item outside the user's interests
        const c = pick(rand, Array.from(interest0[u], (x) => (x < 0.05 ? 1 : 0)));
        const i = catItems[c][pickCumulative(catCum[c], rand() * catCum[c][catCum[c].length - 1])];
        if (userDismissed.has(i)) continue;
        userDismissed.add(i);
        interactions.push({ userId: `u${u}`, itemId: `i${i}`, kind: 'dismiss', weight: interactionWeight('dismiss'), at, contexts });
        continue;
      }
      let total = 0;
      for (let c = 0; c < C; c++) {
        const interest = (1 - f) * interest0[u][c] + f * interest1[u][c];
        const w = interest * catTod[c][tod] * (mobile ? catMobile[c] : 1 / catMobile[c]) * (weekend ? catWeekend[c] : 1);
        catW[c] = w;
        total += w;
      }
      const c = pick(rand, catW, total);
      const cum = catCum[c];
      const i = catItems[c][pickCumulative(cum, rand() * cum[cum.length - 1])];
      const strength = interest0[u][c] + interest1[u][c] * f;
      const kind = (['view', 'click', 'save', 'purchase'] as const)[
        pick(rand, [0.6, 0.25, 0.1 + 0.1 * strength, 0.03 + 0.12 * strength])];
      const key = `${i}|${kind}|${at}`;
      if (seen.has(key)) continue;
      seen.add(key);
      interactions.push({ userId: `u${u}`, itemId: `i${i}`, kind, weight: interactionWeight(kind), at, contexts });
    }
  }
  interactions.sort((a, b) => a.at - b.at || cmpId(a.userId, b.userId) || cmpId(a.itemId, b.itemId) || cmp(a.kind, b.kind));

  // Follows: mostly users who share the main interest.
  const byMain: number[][] = Array.from({ length: C }, () => []);
  mainCat.forEach((c, u) => byMain[c].push(u));
  const follows: SyntheticFollow[] = [];
  for (let u = 0; u < o.users; u++) {
    const n = Math.floor(-Math.log(1 - rand()) * o.followsPerUser);
    const out = new Set<number>();
    for (let t = 0; t < n * 3 && out.size < n; t++) {
      const peers = byMain[mainCat[u]];
      const v = rand() < 0.8 && peers.length > 1 ? peers[Math.floor(rand() * peers.length)] : Math.floor(rand() * o.users);
      if (v !== u) out.add(v);
    }
    for (const v of [...out].sort((a, b) => a - b)) follows.push({ from: `u${u}`, to: `u${v}` });
  }

  return { options: o, users, items, categories, contexts: SYNTHETIC_CONTEXTS.map((c) => ({ ...c })), interactions, follows };
}

function pickNotIn(rand: () => number, n: number, exclude: number[]): number {
  for (;;) {
    const c = Math.floor(rand() * n);
    if (!exclude.includes(c)) return c;
  }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders ids like u2 < u10 (numeric suffix) so sorting is stable and readable. */
function cmpId(a: string, b: string): number {
  return Number(a.slice(1)) - Number(b.slice(1)) || cmp(a, b);
}

/** How to split the synthetic interactions into train and test. */
export interface SyntheticSplitOptions {
  /** `temporal`: the last `testFraction` of positive interactions by time are test; `random`: a seeded random fraction. */
  split?: 'temporal' | 'random';
  /** Fraction of positive interactions held out, in (0, 1). Default 0.2. */
  testFraction?: number;
  /** Seed of the random split (default: the generator's seed). */
  seed?: number;
}

/** The entry contexts as an optional field of the graph. */
function optionalContexts(c: Csr | undefined): { trainContexts?: Csr } {
  return c ? { trainContexts: c } : {};
}

/**
 * Builds the HeteroGraph of a synthetic dataset: train = positive interactions before the split
 * (weights summed per user-item pair), test = later positive interactions with items the user has
 * not in train, item categories, user/item context counts from train only, and follows.
 */
export function syntheticToHeteroGraph(data: SyntheticData, options: SyntheticSplitOptions = {}): HeteroGraph {
  const split = options.split ?? 'temporal';
  const testFraction = options.testFraction ?? 0.2;
  if (split !== 'temporal' && split !== 'random') throw new Error(`syntheticToHeteroGraph: split must be "temporal" or "random", got "${split}"`);
  if (!(testFraction > 0 && testFraction < 1)) throw new Error(`syntheticToHeteroGraph: testFraction must be in (0, 1), got ${testFraction}`);

  const userIds = data.users.map((u) => u.id);
  const itemIds = data.items.map((i) => i.id);
  const uIndex = new Map(userIds.map((id, k) => [id, k]));
  const iIndex = new Map(itemIds.map((id, k) => [id, k]));
  const cIndex = new Map(data.categories.map((c, k) => [c, k]));
  const contexts = data.contexts.map((c) => ({ ...c }));
  const xIndex = new Map(contexts.map((c, k) => [`${c.kind}:${c.value}`, k]));

  const positives = data.interactions.filter((e) => isPositiveKind(e.kind) && e.weight > 0);
  const isTest = new Uint8Array(positives.length);
  if (split === 'temporal') {
    // interactions are sorted by time; everything at or after the cut time is test
    const cutIndex = Math.min(positives.length - 1, Math.floor(positives.length * (1 - testFraction)));
    const cutAt = positives.length ? positives[cutIndex].at : 0;
    positives.forEach((e, k) => (isTest[k] = e.at >= cutAt ? 1 : 0));
  } else {
    const rand = mulberry32((options.seed ?? data.options.seed) ^ 0x5eed);
    positives.forEach((_, k) => (isTest[k] = rand() < testFraction ? 1 : 0));
  }

  const tr: [number[], number[], number[], number[]] = [[], [], [], []];
  const trCtx: (number[] | null)[] = [];
  const trainPairs = new Set<number>();
  const nItems = itemIds.length;
  const uc: [number[], number[]] = [[], []];
  const ic: [number[], number[]] = [[], []];
  positives.forEach((e, k) => {
    if (isTest[k]) return;
    const u = uIndex.get(e.userId)!;
    const i = iIndex.get(e.itemId)!;
    tr[0].push(u);
    tr[1].push(i);
    tr[2].push(e.weight);
    tr[3].push(e.at);
    trainPairs.add(u * nItems + i);
    const cols: number[] = [];
    trCtx.push(cols);
    for (const c of e.contexts) {
      const x = xIndex.get(`${c.kind}:${c.value}`);
      if (x === undefined) continue;
      cols.push(x);
      uc[0].push(u);
      uc[1].push(x);
      ic[0].push(i);
      ic[1].push(x);
    }
  });
  const te: [number[], number[]] = [[], []];
  const testPairs = new Set<number>();
  positives.forEach((e, k) => {
    if (!isTest[k]) return;
    const u = uIndex.get(e.userId)!;
    const i = iIndex.get(e.itemId)!;
    const key = u * nItems + i;
    if (trainPairs.has(key) || testPairs.has(key)) return;
    testPairs.add(key);
    te[0].push(u);
    te[1].push(i);
  });
  const nU = userIds.length;
  const ones = (n: number) => new Float32Array(n).fill(1);
  const coo = (rows: number, cols: number, r: number[], c: number[], v?: number[]): Csr =>
    csrFromCoo(rows, cols, Int32Array.from(r), Int32Array.from(c), v ? Float32Array.from(v) : ones(r.length));

  const catR: number[] = [];
  const catC: number[] = [];
  data.items.forEach((it, i) => it.categories.forEach((name) => { catR.push(i); catC.push(cIndex.get(name)!); }));
  const fR = data.follows.map((f) => uIndex.get(f.from)!);
  const fC = data.follows.map((f) => uIndex.get(f.to)!);

  const train = coo(nU, nItems, tr[0], tr[1], tr[2]);
  return {
    name: `synthetic-s${data.options.seed}-u${nU}-${split}`,
    numUsers: nU,
    numItems: nItems,
    userIds,
    itemIds,
    categories: [...data.categories],
    contexts,
    train,
    trainTimes: latestPerEntry(train, tr[0], tr[1], tr[3]),
    ...optionalContexts(latestEventColumns(train, tr[0], tr[1], tr[3], trCtx, contexts.length)),
    test: coo(nU, nItems, te[0], te[1]),
    itemCategory: coo(nItems, data.categories.length, catR, catC),
    userContext: coo(nU, contexts.length, uc[0], uc[1]),
    itemContext: coo(nItems, contexts.length, ic[0], ic[1]),
    follows: coo(nU, nU, fR, fC),
  };
}
