/**
 * The re-ranking policy: turns scored candidates into a page, balancing relevance against diversity,
 * exploration, novelty and a per-category cap. Pure and seeded: the same input and seed give the same page.
 * Used online by the `recommendations` resolver and offline by bench/policy.bench.ts.
 *
 * How a page of P slots is built:
 * 1. Novelty and exposure debiasing: every candidate's score is lowered by
 *    `novelty × range × log(1 + pop) / log(1 + maxPop)` (pop = the item's interaction count: popularity bias) and by
 *    `exposureDebias × range × log(1 + exposures) / log(1 + maxExposures)` (how often the policy has already shown
 *    it: the feedback loop of a recommender, which popularity only approximates), maxima over the candidates and
 *    `range` the spread (max − min) of the candidates' scores, so the settings mean the same at any score scale.
 * 2. Slot layout: E = ⌊exploration × P⌋ + Bernoulli(frac(exploration × P)) slots (stochastic rounding, so
 *    E[E] = exploration × P exactly) are placed at uniformly random positions; every position is therefore an
 *    exploration slot with marginal probability exactly `exploration`.
 * 3. Exploitation slots are filled in position order by maximal marginal relevance:
 *    argmax (1 − diversity) × rel_i − diversity × maxSim(i, page), rel_i the novelty-adjusted score scaled to
 *    [0, 1] and sim the mean of the available parts: cosine of the item embeddings, Jaccard of the categories.
 *    diversity = 0 is pure relevance.
 * 4. Exploration slots use Thompson sampling over each item's Beta(feedback + 1, exposures − feedback + 1)
 *    posterior of its response rate, among the *exploration pool*: under-exposed candidates (exposures at or
 *    below the `underExposedQuantile` of the candidates' exposures) that the exploitation ranking would not show
 *    (outside the top P by adjusted score), the best `explorationPool` of them by adjusted score. Thompson
 *    rather than UCB because it randomises: every pool item has a positive probability of being shown, which
 *    is what inverse-propensity evaluation of logged exposures needs, and ties among never-shown items
 *    (all Beta(1, 1)) are broken at random instead of always the same way.
 * 5. Cap: no category may take more than max(1, ⌊maxCategoryShare × P⌋) slots; an item counts against each of
 *    its categories. If no remaining candidate fits, the cap is relaxed for that slot (`capRelaxed`).
 *
 * Probabilities. Every slot carries `choiceProbability`, the probability that the policy picks this item for
 * this slot given the slot's kind and the items already placed: 1 for exploitation slots (MMR is deterministic),
 * and for exploration slots P(this item has the highest Thompson draw in the pool), a Monte-Carlo estimate over
 * `propensitySamples` joint draws that include the realised one (see thompsonPick: at least 1/(samples × the
 * number of pool items with the same posterior)). `probability` is
 * the propensity to log with the exposure: choiceProbability × the marginal probability of the slot's kind at
 * that position (1 − exploration, or exploration). Both lie in (0, 1].
 */
import { betaSample, seededRandom } from './random';

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
  /** 0..1: strength of the penalty on how often an item has been shown (its exposures), in units of the score range. Default 0. */
  exposureDebias?: number;
  /** 0..1: the largest share of the page one category may take. Default 1 (no cap). */
  maxCategoryShare?: number;
  /** PRNG seed; the same seed gives the same page. Default 1. */
  seed?: number;
  /** Size of the Thompson-sampling pool of exploration candidates. Default 5 × pageSize. */
  explorationPool?: number;
  /** Candidates with exposures at or below this quantile of all candidates' exposures are under-exposed. Default 0.5. */
  underExposedQuantile?: number;
  /** Joint Thompson draws used to estimate an exploration slot's choice probability. Default 256. */
  propensitySamples?: number;
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
  /** The candidate's own parts plus `novelty` (≤ 0, popularity and exposure penalties), `diversity` (≤ 0) and `exploration` (≥ 0); they sum to `score`. */
  breakdown: Record<string, number>;
  /** Propensity of this item at this position (see the module comment), in (0, 1]. */
  probability: number;
  /** Probability of this item given the slot's kind and the items placed before it, in (0, 1]. */
  choiceProbability: number;
  /** True when the slot was an exploration slot. */
  exploration: boolean;
  /** Why the item is on the page when it is there for exploration. */
  reason?: string;
}

/** The page and how it was built. */
export interface RerankResult {
  slots: PolicySlot[];
  /** Number of exploration slots drawn for the page. */
  explorationSlots: number;
  /** True when the category cap had to be relaxed for at least one slot (too few candidates fit). */
  capRelaxed: boolean;
  options: ResolvedRerankOptions;
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
    exposureDebias: unit('exposureDebias', options.exposureDebias, 0),
    maxCategoryShare: unit('maxCategoryShare', options.maxCategoryShare, 1),
    seed,
    explorationPool: posInt('explorationPool', options.explorationPool, 5 * pageSize, 1),
    underExposedQuantile: unit('underExposedQuantile', options.underExposedQuantile, 0.5),
    propensitySamples: posInt('propensitySamples', options.propensitySamples, 256, 1),
  };
}

function checkCandidates(candidates: readonly RerankCandidate[]): number {
  let dims = -1;
  candidates.forEach((c, k) => {
    if (typeof c.id !== 'string') throw new Error(`rerank: candidates[${k}].id must be a string, got ${c.id}`);
    if (!Number.isFinite(c.score)) throw new Error(`rerank: candidates[${k}].score must be finite, got ${c.score}`);
    const e = c.exposures ?? 0;
    const f = c.feedback ?? 0;
    if (!(e >= 0) || !(f >= 0) || f > e) {
      throw new Error(`rerank: candidates[${k}] (${c.id}) needs 0 <= feedback <= exposures, got feedback ${f}, exposures ${e}`);
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

/** Re-ranks scored candidates into a page under the policy `options` (see the module comment for the rules). */
export function rerank(candidates: readonly RerankCandidate[], options: RerankOptions): RerankResult {
  const o = resolveRerankOptions(options);
  const dims = checkCandidates(candidates);
  const n = candidates.length;
  const P = Math.min(o.pageSize, n);
  const rand = seededRandom(o.seed);

  // 1. novelty-adjusted scores
  let minS = Infinity;
  let maxS = -Infinity;
  let maxPop = 0;
  let maxExposures = 0;
  for (const c of candidates) {
    minS = Math.min(minS, c.score);
    maxS = Math.max(maxS, c.score);
    maxPop = Math.max(maxPop, c.popularity ?? 0);
    maxExposures = Math.max(maxExposures, c.exposures ?? 0);
  }
  const range = n > 0 && maxS > minS ? maxS - minS : 1;
  const noveltyPart = new Float64Array(n);
  const adjusted = new Float64Array(n);
  const logMax = Math.log1p(maxPop);
  const logMaxExposures = Math.log1p(maxExposures);
  for (let i = 0; i < n; i++) {
    if (o.novelty > 0 && logMax > 0) noveltyPart[i] = -o.novelty * range * (Math.log1p(candidates[i].popularity ?? 0) / logMax);
    if (o.exposureDebias > 0 && logMaxExposures > 0) {
      noveltyPart[i] -= o.exposureDebias * range * (Math.log1p(candidates[i].exposures ?? 0) / logMaxExposures);
    }
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

  // 2. slot layout
  const x = o.exploration * P;
  const E = Math.min(P, Math.floor(x) + (rand() < x - Math.floor(x) ? 1 : 0));
  const positions = Array.from({ length: P }, (_, p) => p);
  const isExploration = new Uint8Array(P);
  for (let k = 0; k < E; k++) {
    const j = k + Math.floor(rand() * (P - k));
    const t = positions[k];
    positions[k] = positions[j];
    positions[j] = t;
    isExploration[positions[k]] = 1;
  }

  // 4. exploration eligibility: under-exposed and not on the exploitation page
  const exposures = Float64Array.from(candidates, (c) => c.exposures ?? 0);
  const threshold = quantile(exposures, o.underExposedQuantile);
  const inExploitTop = new Uint8Array(n);
  for (let r = 0; r < P; r++) inExploitTop[order[r]] = 1;

  // similarity parts for MMR
  // the similarity parts are for MMR only: with diversity 0 (the default) skip them (the norms alone were
  // ~40% of rerank's time per request online: 400 candidates × 256 dims)
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
  const maxSim = new Float64Array(n).fill(0);

  // 5. category cap
  const capLimit = o.maxCategoryShare >= 1 ? Infinity : Math.max(1, Math.floor(o.maxCategoryShare * P));
  const catCount = new Map<string, number>();
  const fitsCap = (i: number): boolean => {
    const cs = candidates[i].categories;
    if (!cs || capLimit === Infinity) return true;
    for (const c of cs) if ((catCount.get(c) ?? 0) >= capLimit) return false;
    return true;
  };

  const placed = new Uint8Array(n);
  const slots: PolicySlot[] = [];
  let capRelaxed = false;

  const place = (i: number, p: number, exploration: boolean, choiceProbability: number, extra: Record<string, number>, reason?: string) => {
    placed[i] = 1;
    const cs = candidates[i].categories;
    if (cs) for (const c of new Set(cs)) catCount.set(c, (catCount.get(c) ?? 0) + 1);
    if (useMmr) {
      for (let j = 0; j < n; j++) {
        if (placed[j]) continue;
        const s = similarity(i, j);
        if (s > maxSim[j]) maxSim[j] = s;
      }
    }
    const c = candidates[i];
    const breakdown: Record<string, number> = { ...(c.breakdown ?? {}), novelty: noveltyPart[i], diversity: extra.diversity ?? 0, exploration: extra.exploration ?? 0 };
    const kindProbability = exploration ? o.exploration : 1 - o.exploration;
    slots.push({
      id: c.id,
      candidate: i,
      position: p,
      score: c.score + breakdown.novelty + breakdown.diversity + breakdown.exploration,
      breakdown,
      probability: Math.max(Number.MIN_VALUE, kindProbability * choiceProbability),
      choiceProbability,
      exploration,
      ...(reason ? { reason } : {}),
    });
  };

  const pickExploit = (): number => {
    for (let pass = 0; pass < 2; pass++) {
      let best = -1;
      let bestValue = -Infinity;
      for (const i of order) {
        if (placed[i] || (pass === 0 && !fitsCap(i))) continue;
        if (!useMmr) return i; // `order` is by relevance: the first that fits wins
        const v = (1 - o.diversity) * rel[i] - o.diversity * maxSim[i];
        if (v > bestValue) {
          bestValue = v;
          best = i;
        }
      }
      if (best >= 0) return best;
      if (pass === 0) capRelaxed = capRelaxed || order.some((i) => !placed[i]);
    }
    return -1;
  };

  const explorationPool = (): number[] => {
    const pool: number[] = [];
    for (const i of order) {
      if (pool.length >= o.explorationPool) break;
      if (!placed[i] && !inExploitTop[i] && exposures[i] <= threshold && fitsCap(i)) pool.push(i);
    }
    if (pool.length) return pool;
    // few candidates: let any unplaced under-exposed (then any unplaced) candidate compete
    for (const i of order) if (!placed[i] && exposures[i] <= threshold && fitsCap(i) && pool.length < o.explorationPool) pool.push(i);
    if (pool.length) return pool;
    for (const i of order) if (!placed[i] && pool.length < o.explorationPool) pool.push(i);
    return pool;
  };

  let explorationSlots = 0;
  for (let p = 0; p < P; p++) {
    if (isExploration[p]) {
      const pool = explorationPool();
      if (pool.length) {
        const a = pool.map((i) => (candidates[i].feedback ?? 0) + 1);
        const b = pool.map((i) => Math.max(0, exposures[i] - (candidates[i].feedback ?? 0)) + 1);
        const { winner, theta, choiceProbability } = thompsonPick(rand, a, b, o.propensitySamples);
        const i = pool[winner];
        const e = exposures[i];
        const f = candidates[i].feedback ?? 0;
        const reason = e === 0
          ? 'exploring: not shown to anyone yet, so we are learning how people respond to it'
          : `exploring: shown only ${e} time${e === 1 ? '' : 's'} so far (${f} positive response${f === 1 ? '' : 's'}), so we are learning how people respond to it`;
        place(i, p, true, choiceProbability, { exploration: theta * range }, reason);
        explorationSlots++;
        continue;
      }
    }
    const i = pickExploit();
    if (i < 0) break;
    const diversity = useMmr ? -o.diversity * maxSim[i] * range : 0;
    place(i, p, false, 1, { diversity });
  }
  return { slots, explorationSlots, capRelaxed, options: o };
}

/** An exploration slot's Thompson draw: the winning pool index, its draw and its choice probability. */
export interface ThompsonPick {
  winner: number;
  theta: number;
  choiceProbability: number;
}

/**
 * One Thompson-sampling pick among items with Beta(a[k], b[k]) posteriors (integers >= 1), and the probability
 * that the pick is this item, estimated over `samples` joint draws including the realised one.
 *
 * Items with the same (a, b) are exchangeable, so a joint draw is made per posterior group: the group's best
 * draw is the maximum of its m iid Beta(a, b) draws, and the winner within the winning group is uniform among
 * its members; the estimate is then (draws the group won) / (samples × m), the within-group average of the
 * per-item estimate (same mean, less variance). For a = 1 (no positive response yet: most of a pool) the
 * maximum has a closed form, the inverse Beta(1, b) CDF 1 − (1 − x)^b at U^(1/m), and for b = 1 it is
 * U^(1/(m·a)); so a group of never-responded items costs one uniform per joint draw instead of m Beta draws
 * (measured: the Beta draws were the largest single cost of the policy per request). Other groups draw each
 * member. Exactly the distribution of the per-item joint draw, with a different use of the random stream.
 */
export function thompsonPick(rand: () => number, a: readonly number[], b: readonly number[], samples: number): ThompsonPick {
  // groups by posterior (a pool holds at most a few dozen items: a linear search is cheaper than a Map of keys)
  const ga: number[] = [];
  const gb: number[] = [];
  const members: number[][] = [];
  for (let k = 0; k < a.length; k++) {
    let g = 0;
    while (g < ga.length && (ga[g] !== a[k] || gb[g] !== b[k])) g++;
    if (g === ga.length) {
      ga.push(a[k]);
      gb.push(b[k]);
      members.push([]);
    }
    members[g].push(k);
  }
  const G = ga.length;
  const draw = (): [number, number] => {
    let best = 0;
    let bestTheta = -1;
    for (let g = 0; g < G; g++) {
      const m = members[g].length;
      let t: number;
      if (ga[g] === 1) {
        const q = -Math.expm1(Math.log(rand()) / m); // 1 − U^(1/m), accurate near U^(1/m) = 1
        t = -Math.expm1(Math.log(q) / gb[g]); // 1 − q^(1/b)
      } else if (gb[g] === 1) {
        t = Math.exp(Math.log(rand()) / (m * ga[g]));
      } else {
        t = -1;
        for (let j = 0; j < m; j++) t = Math.max(t, betaSample(rand, ga[g], gb[g]));
      }
      if (t > bestTheta) {
        bestTheta = t;
        best = g;
      }
    }
    return [best, bestTheta];
  };
  const [group, theta] = draw();
  const inGroup = members[group];
  const winner = inGroup[Math.min(inGroup.length - 1, Math.floor(rand() * inGroup.length))];
  let wins = 1; // the realised draw is one of the samples
  for (let s = 1; s < samples; s++) if (draw()[0] === group) wins++;
  return { winner, theta, choiceProbability: wins / (samples * inGroup.length) };
}
