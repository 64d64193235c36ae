/**
 * Cold start for the interest model, fitted on validation carved from train only.
 *
 * Cold users (no interaction, only attributes): a pseudo-profile row
 *   p_u = c · Σ_a w_a m_{a, g_a(u)} / Σ_a w_a
 * where a runs over "all users" and each attribute (e.g. gender, age bucket, occupation, gender × age decade),
 * m_{a,g} is the mean over the train users in group g of their interaction rows scaled to sum 1 (each user counts
 * once), w_a ≥ 0 are mixing weights and c the row's total weight (a typical user's degree). The row is scored
 * through the interest model's own scorer, FilterScorer.score(users, out, input) with the pseudo-profiles as input.
 *
 * Cold items (no interaction, only categories and a release date): an embedding e_i = Σ_j J(i, j)^ρ f_j / Σ_j J(i, j)^ρ
 * over warm items j, with f_j the scorer's itemFactors and J the Jaccard similarity of the category sets, so that
 * z_u · e_i is the spectral score the item would have (z_u = Σ_j r_uj foldIn_j). The cold-item score is
 *   s(u, i) = (z_u · e_i + β · p_u · g_i) / d_u + γ · prior_i
 * with p_u the user's category counts, g_i the item's 0/1 categories, d_u the user's degree and prior_i the log of
 * the mean train degree of warm items released in the same year (the overall mean when unknown).
 *
 * Both mixes are fitted by coordinate search on validation Recall@20, starting from (cold users) the all-users
 * profile alone and (cold items) the embedding alone; a step is taken only when it strictly improves.
 */
import type { Csr } from '../graph/csr';

/** One search coordinate: its name and the values tried. */
export interface SearchCoordinate {
  name: string;
  values: readonly number[];
}

/** What coordinateSearch returns. */
export interface SearchResult {
  params: Record<string, number>;
  start: { recall20: number; ndcg20: number };
  fitted: { recall20: number; ndcg20: number };
  evaluations: number;
}

/**
 * Coordinate search on a validation metric: from `start`, each pass tries every value of every coordinate with
 * the others fixed and keeps a value only when Recall@20 strictly improves (NDCG@20 breaks exact ties); stops
 * after `passes` passes or a pass without a change.
 */
export async function coordinateSearch(
  start: Record<string, number>,
  coordinates: readonly SearchCoordinate[],
  evaluateAt: (params: Record<string, number>) => Promise<{ recall20: number; ndcg20: number }>,
  passes = 2,
): Promise<SearchResult> {
  for (const c of coordinates) if (!(c.name in start)) throw new Error(`coordinateSearch: coordinate "${c.name}" has no start value`);
  let params = { ...start };
  const first = await evaluateAt(params);
  let best = { recall20: first.recall20, ndcg20: first.ndcg20 };
  let evaluations = 1;
  for (let pass = 0; pass < passes; pass++) {
    let changed = false;
    for (const c of coordinates) {
      for (const v of c.values) {
        if (v === params[c.name]) continue;
        const trial = { ...params, [c.name]: v };
        const m = await evaluateAt(trial);
        evaluations++;
        if (m.recall20 > best.recall20 || (m.recall20 === best.recall20 && m.ndcg20 > best.ndcg20)) {
          best = { recall20: m.recall20, ndcg20: m.ndcg20 };
          params = trial;
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  return { params, start: { recall20: first.recall20, ndcg20: first.ndcg20 }, fitted: best, evaluations };
}

/** A user attribute as a group id per user (0..groups-1; -1 = unknown, never matched). */
export interface UserAttribute {
  name: string;
  groups: Int32Array;
}

/** Means m_{a,g} of the train rows of each attribute group (see the module comment). */
export class ColdUserProfiles {
  /** Per attribute (index 0 = all users), per group: a dense row over items (sums to 1, or all 0 for an empty group). */
  private readonly means: Float32Array[][];
  readonly names: string[];
  /** Median degree of the train users with interactions (the default total weight c). */
  readonly medianDegree: number;

  constructor(
    private readonly train: Csr,
    private readonly attributes: readonly UserAttribute[],
  ) {
    const n = train.cols;
    for (const a of attributes) {
      if (a.groups.length !== train.rows) throw new Error(`ColdUserProfiles: attribute "${a.name}" has ${a.groups.length} entries, expected ${train.rows}`);
    }
    this.names = ['all', ...attributes.map((a) => a.name)];
    const all = [{ name: 'all', groups: new Int32Array(train.rows) }, ...attributes];
    const degrees: number[] = [];
    for (let u = 0; u < train.rows; u++) if (train.indptr[u + 1] > train.indptr[u]) degrees.push(train.indptr[u + 1] - train.indptr[u]);
    degrees.sort((x, y) => x - y);
    this.medianDegree = degrees.length ? degrees[degrees.length >> 1] : 1;
    this.means = all.map((a) => {
      let g = 0;
      for (const x of a.groups) g = Math.max(g, x + 1);
      const rows = Array.from({ length: g }, () => new Float32Array(n));
      const counts = new Float64Array(g);
      for (let u = 0; u < train.rows; u++) {
        const grp = a.groups[u];
        let s = 0;
        for (let p = train.indptr[u]; p < train.indptr[u + 1]; p++) s += train.values[p];
        if (grp < 0 || !(s > 0)) continue;
        counts[grp]++;
        for (let p = train.indptr[u]; p < train.indptr[u + 1]; p++) rows[grp][train.indices[p]] += train.values[p] / s;
      }
      rows.forEach((r, k) => {
        if (counts[k] > 0) for (let i = 0; i < n; i++) r[i] /= counts[k];
      });
      return rows;
    });
  }

  /**
   * Pseudo-profile rows of `users` (row q of the result is users[q]) for mixing weights by component name
   * (missing names weigh 0) and total weight `scale`; throws when all weights are 0.
   */
  rows(users: ArrayLike<number>, weights: Record<string, number>, scale: number): Csr {
    const n = this.train.cols;
    const w = this.names.map((name) => weights[name] ?? 0);
    for (const [k, x] of w.entries()) if (!(x >= 0)) throw new Error(`ColdUserProfiles.rows: weight "${this.names[k]}" must be >= 0, got ${x}`);
    if (!(scale > 0)) throw new Error(`ColdUserProfiles.rows: scale must be > 0, got ${scale}`);
    const attrs = [new Int32Array(this.train.rows), ...this.attributes.map((a) => a.groups)];
    const indptr = new Int32Array(users.length + 1);
    const idx: number[] = [];
    const val: number[] = [];
    const row = new Float64Array(n);
    for (let q = 0; q < users.length; q++) {
      row.fill(0);
      let tot = 0;
      for (let a = 0; a < w.length; a++) {
        const g = attrs[a][users[q]];
        if (w[a] === 0 || g < 0 || g >= this.means[a].length) continue;
        const m = this.means[a][g];
        let s = 0;
        for (let i = 0; i < n; i++) s += m[i];
        if (!(s > 0)) continue; // an empty group carries no evidence
        tot += w[a];
        for (let i = 0; i < n; i++) row[i] += w[a] * m[i];
      }
      if (!(tot > 0)) throw new Error(`ColdUserProfiles.rows: user ${users[q]} has no non-empty component with a positive weight`);
      for (let i = 0; i < n; i++) {
        if (row[i] > 0) {
          idx.push(i);
          val.push((scale * row[i]) / tot);
        }
      }
      indptr[q + 1] = idx.length;
    }
    return { rows: users.length, cols: n, indptr, indices: Int32Array.from(idx), values: Float32Array.from(val) };
  }
}

/** The part of the fitted interest model the cold-start scores use (FilterScorer's public surface). */
export interface ColdStartScorer {
  readonly numItems: number;
  readonly k: number;
  readonly foldIn: Float32Array;
  readonly itemFactors: Float32Array;
  score(users: Int32Array, out: Float32Array, input?: Csr): void;
}

/** Scores cold users from their pseudo-profiles through the scorer: writes users.length × numItems into out. */
export function scoreColdUsers(scorer: ColdStartScorer, profiles: ColdUserProfiles, users: Int32Array, weights: Record<string, number>, scale: number, out: Float32Array): void {
  const input = profiles.rows(users, weights, scale);
  scorer.score(Int32Array.from({ length: users.length }, (_, q) => q), out, input);
}

/** Jaccard similarity of two ascending index lists. */
function jaccard(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      inter++;
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  const union = a.length + b.length - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Embeddings of cold items (cold.length × k, row-major) as the Jaccard^power-weighted mean of the warm items'
 * itemFactors (see the module comment); an item sharing no category with any warm item gets the plain mean.
 */
export function coldItemFactors(scorer: ColdStartScorer, itemCategory: Csr, warm: Uint8Array, cold: Int32Array, power: number): Float32Array {
  if (!(power >= 0)) throw new Error(`coldItemFactors: power must be >= 0, got ${power}`);
  const k = scorer.k;
  const f = scorer.itemFactors;
  const out = new Float32Array(cold.length * k);
  const cats = (i: number) => itemCategory.indices.subarray(itemCategory.indptr[i], itemCategory.indptr[i + 1]);
  for (let q = 0; q < cold.length; q++) {
    const ci = cats(cold[q]);
    let tot = 0;
    for (let j = 0; j < warm.length; j++) {
      if (!warm[j]) continue;
      const s = jaccard(ci, cats(j));
      if (s === 0) continue;
      const w = Math.pow(s, power);
      tot += w;
      for (let c = 0; c < k; c++) out[q * k + c] += w * f[j * k + c];
    }
    if (tot === 0) {
      for (let j = 0; j < warm.length; j++) {
        if (!warm[j]) continue;
        tot++;
        for (let c = 0; c < k; c++) out[q * k + c] += f[j * k + c];
      }
    }
    if (tot > 0) for (let c = 0; c < k; c++) out[q * k + c] /= tot;
  }
  return out;
}

/** The release-year prior of each item: log(1 + mean train degree of the warm items released the same year). */
export function releaseYearPrior(train: Csr, releaseYear: ArrayLike<number | null>, warm: Uint8Array): Float32Array {
  const deg = new Float64Array(train.cols);
  for (let p = 0; p < train.indices.length; p++) deg[train.indices[p]] += train.values[p];
  const sum = new Map<number, number>();
  const cnt = new Map<number, number>();
  let all = 0;
  let allN = 0;
  for (let i = 0; i < train.cols; i++) {
    if (!warm[i]) continue;
    all += deg[i];
    allN++;
    const y = releaseYear[i];
    if (y === null) continue;
    sum.set(y, (sum.get(y) ?? 0) + deg[i]);
    cnt.set(y, (cnt.get(y) ?? 0) + 1);
  }
  const overall = allN ? all / allN : 0;
  return Float32Array.from({ length: train.cols }, (_, i) => {
    const y = releaseYear[i];
    const c = y === null ? 0 : cnt.get(y) ?? 0;
    return Math.log1p(c > 0 ? sum.get(y!)! / c : overall);
  });
}

/** Parts of the cold-item score for a batch of users, precomputed once (users × cold items each). */
export interface ColdItemParts {
  /** z_u · e_i / d_u per jaccard power, keyed by power. */
  spectral: Map<number, Float32Array>;
  /** p_u · g_i / d_u. */
  genre: Float32Array;
  /** prior_i per cold item. */
  prior: Float32Array;
}

/** The parts of s(u, i) (see the module comment) for `users` (rows of `input`) and the cold items, for each jaccard power. */
export function coldItemParts(
  scorer: ColdStartScorer,
  input: Csr,
  users: ArrayLike<number>,
  itemCategory: Csr,
  warm: Uint8Array,
  cold: Int32Array,
  powers: readonly number[],
  prior: Float32Array,
): ColdItemParts {
  const k = scorer.k;
  const nc = cold.length;
  const z = new Float32Array(users.length * k);
  const deg = new Float32Array(users.length);
  const g = itemCategory.cols;
  const prof = new Float32Array(users.length * g);
  for (let q = 0; q < users.length; q++) {
    const u = users[q];
    for (let p = input.indptr[u]; p < input.indptr[u + 1]; p++) {
      const w = input.values[p];
      const i = input.indices[p];
      deg[q] += w;
      for (let c = 0; c < k; c++) z[q * k + c] += w * scorer.foldIn[i * k + c];
      for (let t = itemCategory.indptr[i]; t < itemCategory.indptr[i + 1]; t++) prof[q * g + itemCategory.indices[t]] += w;
    }
  }
  const spectral = new Map<number, Float32Array>();
  for (const power of powers) {
    const e = coldItemFactors(scorer, itemCategory, warm, cold, power);
    const s = new Float32Array(users.length * nc);
    for (let q = 0; q < users.length; q++) {
      const inv = deg[q] > 0 ? 1 / deg[q] : 0;
      for (let j = 0; j < nc; j++) {
        let d = 0;
        for (let c = 0; c < k; c++) d += z[q * k + c] * e[j * k + c];
        s[q * nc + j] = d * inv;
      }
    }
    spectral.set(power, s);
  }
  const genre = new Float32Array(users.length * nc);
  for (let q = 0; q < users.length; q++) {
    const inv = deg[q] > 0 ? 1 / deg[q] : 0;
    for (let j = 0; j < nc; j++) {
      let d = 0;
      const i = cold[j];
      for (let t = itemCategory.indptr[i]; t < itemCategory.indptr[i + 1]; t++) d += prof[q * g + itemCategory.indices[t]];
      genre[q * nc + j] = d * inv;
    }
  }
  return { spectral, genre, prior: Float32Array.from(cold, (i) => prior[i]) };
}

/** Cold-item mixing parameters: jaccard power ρ, genre-profile weight β, release-year prior weight γ. */
export interface ColdItemMix {
  power: number;
  genreWeight: number;
  priorWeight: number;
}

/**
 * Writes s(u, i) for the batch `rows` (indices into the parts' users) into out (rows.length × numItems, only the
 * cold items' columns written; the others are set to -Infinity).
 */
export function mixColdItemScores(parts: ColdItemParts, rows: ArrayLike<number>, cold: Int32Array, numItems: number, mix: ColdItemMix, out: Float32Array): void {
  const s = parts.spectral.get(mix.power);
  if (!s) throw new Error(`mixColdItemScores: no spectral part for power ${mix.power}; computed for ${[...parts.spectral.keys()].join(', ')}`);
  const nc = cold.length;
  for (let q = 0; q < rows.length; q++) {
    const o = q * numItems;
    out.fill(-Infinity, o, o + numItems);
    const r = rows[q] * nc;
    for (let j = 0; j < nc; j++) out[o + cold[j]] = s[r + j] + mix.genreWeight * parts.genre[r + j] + mix.priorWeight * parts.prior[j];
  }
}
