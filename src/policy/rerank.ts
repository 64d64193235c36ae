/**
 * The re-ranking policy: turns scored candidates into a page, balancing relevance against diversity,
 * exploration, novelty and a per-category cap. Pure and seeded: the same input and seed give the same page.
 * Used online by the `recommendations` resolver and offline by bench/policy.bench.ts and the off-policy evaluation.
 *
 * How a page of P slots is built:
 * 1. Novelty: every candidate's score is lowered by `novelty × range × log(1 + pop) / log(1 + maxPop)` (pop = the
 *    item's interaction count: popularity bias), maxPop over the candidates and `range` the spread (max − min) of the
 *    candidates' scores, so the setting means the same at any score scale.
 * 2. The exploitation list L (deterministic): P items in order by maximal marginal relevance,
 *    argmax (1 − diversity) × rel_i − diversity × maxSim(i, L so far), rel_i the novelty-adjusted score scaled to
 *    [0, 1] and sim the mean of the available parts: cosine of the item embeddings, Jaccard of the categories;
 *    diversity = 0 is pure relevance. Category cap: no category may take more than max(1, ⌊maxCategoryShare × P⌋)
 *    items of L (an item counts against each of its categories); if no remaining candidate fits, the cap is relaxed
 *    for that item (`capRelaxed`). Least-shown slots: the last F = round(leastShown × P) items of L are instead, one
 *    at a time, the remaining candidate with the fewest exposures (ties: the better adjusted score), under the same
 *    cap: each page shows what the policy has shown least among its candidates (the feedback loop of a recommender
 *    narrows what is shown; this widens it where it costs least relevance), which is what covers a catalogue over users.
 *    They count as exploration slots (marked, with a reason) but are deterministic, so L stays a fixed list.
 * 3. The exploration pool Q (deterministic): the best `explorationPool` candidates by adjusted score that are not in
 *    L, under-exposed (exposures at or below the `underExposedQuantile` of the candidates' exposures; if none is,
 *    any) and fit the cap together: an item joins only if each of its categories still has room for it beside L and
 *    the items already in Q, so any subset of Q shown with any part of L keeps the cap.
 * 4. Slot layout: E = ⌊exploration × P⌋ + Bernoulli(frac(exploration × P)) (stochastic rounding), at most P and
 *    |Q|, exploration slots at a uniformly random E-subset of the positions.
 * 5. Exploration slots: Thompson ranking. Every item of Q draws θ ~ Beta(feedback + 1, exposures − feedback + 1),
 *    its posterior response rate, and the E best draws fill the exploration slots in position order (best first).
 *    Thompson rather than UCB because it randomises: every pool item has a positive probability of being shown,
 *    which inverse-propensity evaluation of logged exposures needs. The other slots take L[0], L[1], ... in order.
 *
 * Propensities. Every slot carries `probability`, the position-wise marginal P(this item at this position | the
 * candidates, the options) of the policy as served, exact up to quadrature error: the draws of steps 4 and 5 are
 * independent of each other and of L and Q, so for an L item j at position k it is
 * Σ_e P(E = e) C(k, k − j) C(P − 1 − k, e − k + j) / C(P, e) (k − j earlier exploration slots, k not one), and for
 * a pool item Σ_e P(E = e) Σ_r P(its draw ranks r-th in Q) C(k, r − 1) C(P − 1 − k, e − r) / C(P, e) (k is the r-th
 * exploration slot), the rank law from src/policy/thompsonRank.ts. `pagePropensities` gives the same number for
 * any item and position, which is what an off-policy evaluation of this policy needs.
 */
import { betaSample, seededRandom } from '../random';
import { rankLaw } from './thompsonRank';

/** One scored candidate item. */
export interface RerankCandidate {
  /** Item id. */
  id: string;
  /** Model score (higher is better); its parts, if given, are passed through in the slot's breakdown. */
  score: number;
  breakdown?: Readonly<Record<string, number>>;
  /** Item embedding for the diversity similarity (all candidates' embeddings must have the same length). */
  embedding?: Float32Array | undefined;
  /** Category names, for the diversity similarity and the category cap. */
  categories?: readonly string[] | undefined;
  /** Times the item has been shown (exposure log); default 0. */
  exposures?: number;
  /** Positive responses after being shown (at most `exposures`); default 0. */
  feedback?: number;
  /** Interaction count of the item, for novelty; default 0. */
  popularity?: number;
}

/** Per-request policy settings; everything but pageSize has a default. */
export interface RerankOptions {
  /** Number of slots of the page (at most the number of candidates is filled). */
  pageSize: number;
  /** 0..1: weight of MMR's dissimilarity term; 0 = pure relevance. Default 0. */
  diversity?: number;
  /** 0..1: expected share of exploration slots. Default 0. */
  exploration?: number;
  /** 0..1: strength of the popularity penalty, in units of the score range. Default 0. */
  novelty?: number;
  /** 0..1: share of the page, its last round(leastShown × P) slots of L, given to the least-shown candidates. Default 0. */
  leastShown?: number;
  /** 0..1: the largest share of the page one category may take. Default 1 (no cap). */
  maxCategoryShare?: number;
  /** PRNG seed; the same seed gives the same page. Default 1. */
  seed?: number;
  /** Size of the Thompson-sampling pool of exploration candidates. Default 5 × pageSize. */
  explorationPool?: number;
  /** Candidates with exposures at or below this quantile of all candidates' exposures are under-exposed. Default 0.5. */
  underExposedQuantile?: number;
}

/** RerankOptions with every default filled in. */
export type ResolvedRerankOptions = Required<RerankOptions>;

/** One slot of the page. */
export interface PolicySlot {
  id: string;
  /** Index of the item in the candidates array. */
  candidate: number;
  /** 0-based position on the page. */
  position: number;
  /** Final score: the candidate's score plus the policy's parts (novelty, diversity, exploration). */
  score: number;
  /** The candidate's own parts plus `novelty` (≤ 0, the popularity penalty), `diversity` (≤ 0) and `exploration` (≥ 0); they sum to `score`. */
  breakdown: Record<string, number>;
  /** P(this item at this position | candidates, options): the position-wise marginal (see the module comment), in (0, 1]. */
  probability: number;
  /** True when the slot was an exploration slot. */
  exploration: boolean;
  /** Why the item is on the page when it is there for exploration. */
  reason?: string;
}

/** The page and how it was built. */
export interface RerankResult {
  slots: PolicySlot[];
  /** Number of exploration slots of the page: the drawn ones (step 4) and the least-shown ones still on it. */
  explorationSlots: number;
  /** True when the category cap had to be relaxed for at least one slot (too few candidates fit). */
  capRelaxed: boolean;
  options: ResolvedRerankOptions;
  /** P(item at 0-based position | these candidates, these options) for any item: the law the slots' probabilities come from. */
  propensity(itemId: string, position: number): number;
}

function unit(name: string, v: number | undefined, dflt: number): number {
  const x = v ?? dflt;
  if (typeof x !== 'number' || !(x >= 0 && x <= 1)) throw new Error(`rerank: option ${name} must be a number in [0, 1], got ${v}`);
  return x;
}

function posInt(name: string, v: number | undefined, dflt: number, min: number): number {
  const x = v ?? dflt;
  if (!Number.isInteger(x) || x < min) throw new Error(`rerank: option ${name} must be an integer >= ${min}, got ${v}`);
  return x;
}

/** Validates the options and fills in the defaults; throws naming the option and the bad value. */
export function resolveRerankOptions(options: RerankOptions): ResolvedRerankOptions {
  const pageSize = posInt('pageSize', options.pageSize, NaN, 1);
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed)) throw new Error(`rerank: option seed must be an integer, got ${options.seed}`);
  return {
    pageSize,
    diversity: unit('diversity', options.diversity, 0),
    exploration: unit('exploration', options.exploration, 0),
    novelty: unit('novelty', options.novelty, 0),
    leastShown: unit('leastShown', options.leastShown, 0),
    maxCategoryShare: unit('maxCategoryShare', options.maxCategoryShare, 1),
    seed,
    explorationPool: posInt('explorationPool', options.explorationPool, 5 * pageSize, 1),
    underExposedQuantile: unit('underExposedQuantile', options.underExposedQuantile, 0.5),
  };
}

function checkCandidates(candidates: readonly RerankCandidate[]): number {
  let dims = -1;
  candidates.forEach((c, k) => {
    if (typeof c.id !== 'string') throw new Error(`rerank: candidates[${k}].id must be a string, got ${c.id}`);
    if (!Number.isFinite(c.score)) throw new Error(`rerank: candidates[${k}].score must be finite, got ${c.score}`);
    const e = c.exposures ?? 0;
    const f = c.feedback ?? 0;
    if (!Number.isInteger(e) || !Number.isInteger(f) || e < 0 || f < 0 || f > e) {
      throw new Error(`rerank: candidates[${k}] (${c.id}) needs integer counts 0 <= feedback <= exposures, got feedback ${f}, exposures ${e}`);
    }
    if (c.popularity !== undefined && !(c.popularity >= 0)) {
      throw new Error(`rerank: candidates[${k}].popularity must be >= 0, got ${c.popularity}`);
    }
    if (c.embedding) {
      if (dims < 0) dims = c.embedding.length;
      else if (c.embedding.length !== dims) {
        throw new Error(`rerank: candidates[${k}].embedding has ${c.embedding.length} dims, expected ${dims} like the others`);
      }
    }
  });
  return dims;
}

/** The q-quantile (lower) of the values. */
function quantile(values: Float64Array, q: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))];
}


/** The deterministic part of a page (steps 1–3) and the law of its draws (steps 4–5). */
interface PagePlan {
  o: ResolvedRerankOptions;
  /** Slots of the page: min(pageSize, candidates). */
  P: number;
  noveltyPart: Float64Array;
  range: number;
  /** The list L (candidate indices, length P) and each item's diversity part (≤ 0); its last `fresh` are the least-shown items. */
  exploit: number[];
  exploitDiversity: number[];
  fresh: number;
  /** The exploration pool Q (candidate indices) and its Beta posteriors. */
  pool: number[];
  a: number[];
  b: number[];
  /** The law of the number of exploration slots: [e, P(E = e)] with positive probability. */
  slotLaw: [number, number][];
  /** Candidate index → its index in L / in Q, or −1. */
  exploitIndex: Int32Array;
  poolIndex: Int32Array;
  capRelaxed: boolean;
  /** Rank laws of pool items by posterior ("a,b"), computed when first needed. */
  rankLaws: Map<string, Float64Array>;
}

function buildPlan(candidates: readonly RerankCandidate[], o: ResolvedRerankOptions): PagePlan {
  const dims = checkCandidates(candidates);
  const n = candidates.length;
  const P = Math.min(o.pageSize, n);

  // 1. novelty-adjusted scores
  let minS = Infinity;
  let maxS = -Infinity;
  let maxPop = 0;
  for (const c of candidates) {
    minS = Math.min(minS, c.score);
    maxS = Math.max(maxS, c.score);
    maxPop = Math.max(maxPop, c.popularity ?? 0);
  }
  const range = n > 0 && maxS > minS ? maxS - minS : 1;
  const noveltyPart = new Float64Array(n);
  const adjusted = new Float64Array(n);
  const logMax = Math.log1p(maxPop);
  for (let i = 0; i < n; i++) {
    if (o.novelty > 0 && logMax > 0) noveltyPart[i] = -o.novelty * range * (Math.log1p(candidates[i].popularity ?? 0) / logMax);
    adjusted[i] = candidates[i].score + noveltyPart[i];
  }
  let minA = Infinity;
  let maxA = -Infinity;
  for (let i = 0; i < n; i++) {
    minA = Math.min(minA, adjusted[i]);
    maxA = Math.max(maxA, adjusted[i]);
  }
  const rel = new Float64Array(n);
  for (let i = 0; i < n; i++) rel[i] = maxA > minA ? (adjusted[i] - minA) / (maxA - minA) : 1;
  // candidates by adjusted score, best first (ties: lower index)
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => adjusted[b] - adjusted[a] || a - b);

  // similarity parts for MMR, only with diversity > 0 (the norms alone were ~40% of rerank's time per request
  // online: 400 candidates × 256 dims)
  const useMmr = o.diversity > 0;
  const norms = new Float64Array(n);
  if (useMmr && dims > 0) {
    for (let i = 0; i < n; i++) {
      const e = candidates[i].embedding;
      if (!e) continue;
      let s = 0;
      for (let d = 0; d < dims; d++) s += e[d] * e[d];
      norms[i] = Math.sqrt(s);
    }
  }
  // categories as sorted, distinct integer ids: the Jaccard term of every MMR step without Set iteration
  const catIds = new Map<string, number>();
  const catSets = candidates.map((c) => (useMmr && c.categories && c.categories.length
    ? Int32Array.from(new Set(c.categories), (name) => {
      let id = catIds.get(name);
      if (id === undefined) catIds.set(name, (id = catIds.size));
      return id;
    }).sort()
    : null));
  const similarity = (a: number, b: number): number => {
    let parts = 0;
    let sum = 0;
    const ea = candidates[a].embedding;
    const eb = candidates[b].embedding;
    if (ea && eb) {
      let dot = 0;
      for (let d = 0; d < dims; d++) dot += ea[d] * eb[d];
      sum += norms[a] > 0 && norms[b] > 0 ? dot / (norms[a] * norms[b]) : 0;
      parts++;
    }
    const ca = catSets[a];
    const cb = catSets[b];
    if (ca && cb) {
      let inter = 0;
      for (let x = 0, y = 0; x < ca.length && y < cb.length;) {
        if (ca[x] === cb[y]) {
          inter++;
          x++;
          y++;
        } else if (ca[x] < cb[y]) x++;
        else y++;
      }
      sum += inter / (ca.length + cb.length - inter);
      parts++;
    }
    return parts ? sum / parts : 0;
  };
  const maxSim = new Float64Array(n);

  // 2. the exploitation list, under the category cap
  const capLimit = o.maxCategoryShare >= 1 ? Infinity : Math.max(1, Math.floor(o.maxCategoryShare * P));
  const catCount = new Map<string, number>();
  const fitsCap = (i: number): boolean => {
    const cs = candidates[i].categories;
    if (!cs || capLimit === Infinity) return true;
    for (const c of new Set(cs)) if ((catCount.get(c) ?? 0) >= capLimit) return false;
    return true;
  };
  const count = (i: number) => {
    const cs = candidates[i].categories;
    if (cs) for (const c of new Set(cs)) catCount.set(c, (catCount.get(c) ?? 0) + 1);
  };
  const inList = new Uint8Array(n);
  const exploit: number[] = [];
  const exploitDiversity: number[] = [];
  let capRelaxed = false;
  const pickExploit = (): number => {
    for (let pass = 0; pass < 2; pass++) {
      let best = -1;
      let bestValue = -Infinity;
      for (const i of order) {
        if (inList[i] || (pass === 0 && !fitsCap(i))) continue;
        if (!useMmr) return i; // `order` is by relevance: the first that fits wins
        const v = (1 - o.diversity) * rel[i] - o.diversity * maxSim[i];
        if (v > bestValue) {
          bestValue = v;
          best = i;
        }
      }
      if (best >= 0) return best;
      if (pass === 0) capRelaxed = capRelaxed || order.some((i) => !inList[i]);
    }
    return -1;
  };
  // the least-shown candidate off L under the cap (ties: the better adjusted score), else the cap relaxed
  const pickLeastShown = (): number => {
    for (let pass = 0; pass < 2; pass++) {
      let best = -1;
      for (const i of order) {
        if (inList[i] || (pass === 0 && !fitsCap(i))) continue;
        if (best < 0 || (candidates[i].exposures ?? 0) < (candidates[best].exposures ?? 0)) best = i;
      }
      if (best >= 0) return best;
      if (pass === 0) capRelaxed = capRelaxed || order.some((i) => !inList[i]);
    }
    return -1;
  };
  const fresh = Math.min(P, Math.round(o.leastShown * P));
  for (let p = 0; p < P; p++) {
    const leastShown = p >= P - fresh;
    const i = leastShown ? pickLeastShown() : pickExploit();
    exploit.push(i);
    exploitDiversity.push(useMmr && !leastShown ? -o.diversity * maxSim[i] * range : 0);
    inList[i] = 1;
    count(i);
    if (useMmr && p < P - fresh - 1) {
      for (let j = 0; j < n; j++) {
        if (inList[j]) continue;
        const s = similarity(i, j);
        if (s > maxSim[j]) maxSim[j] = s;
      }
    }
  }

  // 3. the exploration pool: under-exposed items off L (else any off L), fitting the cap together with L
  const exposures = Float64Array.from(candidates, (c) => c.exposures ?? 0);
  const threshold = quantile(exposures, o.underExposedQuantile);
  const pool: number[] = [];
  for (const underExposedOnly of [true, false]) {
    for (const i of order) {
      if (pool.length >= o.explorationPool) break;
      if (inList[i] || (underExposedOnly && exposures[i] > threshold) || !fitsCap(i)) continue;
      pool.push(i);
      inList[i] = 2;
      count(i);
    }
    if (pool.length) break;
  }
  const a = pool.map((i) => (candidates[i].feedback ?? 0) + 1);
  const b = pool.map((i) => exposures[i] - (candidates[i].feedback ?? 0) + 1);

  // 4. the law of the number of exploration slots
  const x = o.exploration * P;
  const lo = Math.floor(x);
  const cap = Math.min(P, pool.length);
  const law = new Map<number, number>();
  const addLaw = (e: number, p: number) => {
    if (p > 0) law.set(Math.min(e, cap), (law.get(Math.min(e, cap)) ?? 0) + p);
  };
  addLaw(lo, 1 - (x - lo));
  addLaw(lo + 1, x - lo);

  const exploitIndex = new Int32Array(n).fill(-1);
  exploit.forEach((i, j) => (exploitIndex[i] = j));
  const poolIndex = new Int32Array(n).fill(-1);
  pool.forEach((i, j) => (poolIndex[i] = j));
  return { o, P, noveltyPart, range, exploit, exploitDiversity, fresh, pool, a, b, slotLaw: [...law.entries()], exploitIndex, poolIndex, capRelaxed,
    rankLaws: new Map() };
}

/** C(n, k) as a float (0 outside 0 <= k <= n). */
function choose(n: number, k: number): number {
  if (k < 0 || k > n || n < 0) return 0;
  let c = 1;
  for (let j = 1; j <= Math.min(k, n - k); j++) c = (c * (n - Math.min(k, n - k) + j)) / j;
  return c;
}

/** P(candidate i at 0-based position k) under the plan (see the module comment). */
function planProbability(plan: PagePlan, i: number, k: number): number {
  const { P } = plan;
  if (!(k >= 0 && k < P) || i < 0 || i >= plan.exploitIndex.length) return 0;
  let total = 0;
  const j = plan.exploitIndex[i];
  if (j >= 0) {
    const d = k - j;
    for (const [e, pe] of plan.slotLaw) total += pe * choose(k, d) * choose(P - 1 - k, e - d) / choose(P, e);
    return total;
  }
  const q = plan.poolIndex[i];
  if (q < 0) return 0;
  const maxE = Math.max(...plan.slotLaw.map(([e]) => e));
  if (maxE === 0) return 0;
  const key = `${plan.a[q]},${plan.b[q]}`;
  let ranks = plan.rankLaws.get(key);
  if (!ranks) plan.rankLaws.set(key, (ranks = rankLaw(plan.a, plan.b, q, maxE)));
  for (const [e, pe] of plan.slotLaw) {
    if (e === 0) continue;
    const layouts = choose(P, e);
    for (let r = 1; r <= e; r++) total += pe * ranks[r - 1] * choose(k, r - 1) * choose(P - 1 - k, e - r) / layouts;
  }
  return total;
}

/** Re-ranks scored candidates into a page under the policy `options` (see the module comment for the rules). */
export function rerank(candidates: readonly RerankCandidate[], options: RerankOptions): RerankResult {
  const o = resolveRerankOptions(options);
  const plan = buildPlan(candidates, o);
  const { P, pool } = plan;
  const rand = seededRandom(o.seed);

  // 4. slot layout
  const x = o.exploration * P;
  const E = Math.min(P, pool.length, Math.floor(x) + (rand() < x - Math.floor(x) ? 1 : 0));
  const positions = Array.from({ length: P }, (_, p) => p);
  const isExploration = new Uint8Array(P);
  for (let k = 0; k < E; k++) {
    const j = k + Math.floor(rand() * (P - k));
    const t = positions[k];
    positions[k] = positions[j];
    positions[j] = t;
    isExploration[positions[k]] = 1;
  }

  // 5. Thompson ranking of the pool (one draw each), the E best to the exploration slots in position order
  let ranked: number[] = [];
  let theta = new Float64Array(0);
  if (E > 0) {
    theta = Float64Array.from(pool, (_, q) => betaSample(rand, plan.a[q], plan.b[q]));
    ranked = pool.map((_, q) => q).sort((u, v) => theta[v] - theta[u] || u - v).slice(0, E);
  }

  const slots: PolicySlot[] = [];
  let nextExploit = 0;
  let nextExplore = 0;
  let leastShownSlots = 0;
  for (let p = 0; p < P; p++) {
    const drawn = isExploration[p] === 1;
    const q = drawn ? ranked[nextExplore++] : -1;
    const leastShown = !drawn && nextExploit >= P - plan.fresh;
    const exploration = drawn || leastShown;
    if (leastShown) leastShownSlots++;
    const i = drawn ? pool[q] : plan.exploit[nextExploit];
    const c = candidates[i];
    const breakdown: Record<string, number> = {
      ...(c.breakdown ?? {}), novelty: plan.noveltyPart[i],
      diversity: drawn ? 0 : plan.exploitDiversity[nextExploit++],
      exploration: drawn ? theta[q] * plan.range : 0,
    };
    const e = c.exposures ?? 0;
    const f = c.feedback ?? 0;
    slots.push({
      id: c.id,
      candidate: i,
      position: p,
      score: c.score + breakdown.novelty + breakdown.diversity + breakdown.exploration,
      breakdown,
      probability: Math.max(Number.MIN_VALUE, Math.min(1, planProbability(plan, i, p))),
      exploration,
      ...(exploration ? {
        reason: e === 0
          ? 'exploring: not shown to anyone yet, so we are learning how people respond to it'
          : `exploring: shown only ${e} time${e === 1 ? '' : 's'} so far (${f} positive response${f === 1 ? '' : 's'}), so we are learning how people respond to it`,
      } : {}),
    });
  }
  return { slots, explorationSlots: E + leastShownSlots, capRelaxed: plan.capRelaxed, options: o, propensity: propensityOf(candidates, plan) };
}

/** The plan's probability by item id (the first candidate with that id). */
function propensityOf(candidates: readonly RerankCandidate[], plan: PagePlan): (itemId: string, position: number) => number {
  let index: Map<string, number> | undefined;
  return (itemId, position) => {
    if (!index) {
      index = new Map();
      for (let i = candidates.length - 1; i >= 0; i--) index.set(candidates[i].id, i);
    }
    return planProbability(plan, index.get(itemId) ?? -1, position);
  };
}

/** A policy's position-wise propensities on one set of candidates. */
export interface PagePropensities {
  /** P(item `itemId` at 0-based `position` | candidates, options): exactly what rerank logs for it; 0 where it never goes. */
  prob(itemId: string, position: number): number;
}

/**
 * The position-wise marginals of the policy `options` (its seed is irrelevant) on `candidates`, for any item and
 * position (see the module comment); a slot of rerank(candidates, options) carries prob(slot.id, slot.position).
 */
export function pagePropensities(candidates: readonly RerankCandidate[], options: Omit<RerankOptions, 'seed'>): PagePropensities {
  return { prob: propensityOf(candidates, buildPlan(candidates, resolveRerankOptions({ ...options, seed: 1 }))) };
}
