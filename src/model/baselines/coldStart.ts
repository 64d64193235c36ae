/**
 * Baselines of the cold-start evaluations (../shared/data/ml-100k/README.md):
 * - DemographicPopular (cold users): item popularity among the train users of the same demographic group
 *   (gender × age decade on ml-100k), ties broken by overall popularity.
 * - GenreProfile (cold items): score(u, i) = p_u · g_i with p_u the user's genre counts over their train items
 *   and g_i the item's genre vector, either scaled to sum 1 on both sides ('mean': every item spreads one unit
 *   over its genres, in the profile and in the score; the README's reference figure) or 0/1 ('sum', which also
 *   favours items with many genres).
 * - RandomScores: seeded uniform scores, the floor of the cold-item ranking.
 */
import type { Csr } from '../../graph/csr';
import { seededRandom } from '../../random';

/** Popularity within the user's demographic group (see the module comment). */
export class DemographicPopular {
  readonly name = 'DemographicPopular';
  private readonly byGroup: Float32Array;
  private readonly groupCount: number;

  /**
   * @param train users × items interactions, @param groups group id (0..G-1) of every user (cold users
   * included: they are scored by their group).
   */
  constructor(train: Csr, private readonly groups: Int32Array) {
    if (groups.length !== train.rows) throw new Error(`DemographicPopular: groups has ${groups.length} entries, expected one per user (${train.rows})`);
    let g = 0;
    for (const x of groups) {
      if (!(Number.isInteger(x) && x >= 0)) throw new Error(`DemographicPopular: group ids must be non-negative integers, got ${x}`);
      g = Math.max(g, x + 1);
    }
    this.groupCount = g;
    const n = train.cols;
    const counts = new Float64Array(g * n);
    const overall = new Float64Array(n);
    for (let u = 0; u < train.rows; u++) {
      for (let p = train.indptr[u]; p < train.indptr[u + 1]; p++) {
        counts[groups[u] * n + train.indices[p]]++;
        overall[train.indices[p]]++;
      }
    }
    // overall popularity below one group count: it only orders items the group counts tie
    let maxOverall = 1;
    for (const c of overall) maxOverall = Math.max(maxOverall, c);
    this.byGroup = new Float32Array(g * n);
    for (let k = 0; k < g; k++) for (let i = 0; i < n; i++) this.byGroup[k * n + i] = counts[k * n + i] + overall[i] / (maxOverall + 1);
  }

  /** Writes the group's popularity row for every user. */
  scoreUsers(users: Int32Array, out: Float32Array): void {
    const n = this.byGroup.length / Math.max(this.groupCount, 1);
    for (let q = 0; q < users.length; q++) out.set(this.byGroup.subarray(this.groups[users[q]] * n, (this.groups[users[q]] + 1) * n), q * n);
  }
}

/** The gender × age-decade group of each user: gender (0 = M, 1 = F) × 10 + min(floor(age / 10), 9). */
export function genderAgeDecadeGroups(users: readonly { gender: 'M' | 'F'; age: number }[]): Int32Array {
  return Int32Array.from(users, (u) => (u.gender === 'F' ? 10 : 0) + Math.min(Math.floor(u.age / 10), 9));
}

/** The user's genre profile · the item's genres (see the module comment). */
export class GenreProfile {
  readonly name = 'GenreProfile';

  private readonly itemScale: Float32Array;

  /**
   * @param input users × items rows the profiles come from, @param itemGenre items × genres 0/1,
   * @param itemGenres 'mean' (g_i sums to 1) or 'sum' (g_i is 0/1).
   */
  constructor(
    private readonly input: Csr,
    private readonly itemGenre: Csr,
    readonly itemGenres: 'mean' | 'sum' = 'mean',
  ) {
    if (input.cols !== itemGenre.rows) throw new Error(`GenreProfile: input has ${input.cols} items but itemGenre ${itemGenre.rows} rows`);
    if (itemGenres !== 'mean' && itemGenres !== 'sum') throw new Error(`GenreProfile: itemGenres must be 'mean' or 'sum', got ${String(itemGenres)}`);
    this.itemScale = Float32Array.from({ length: itemGenre.rows }, (_, i) => {
      let s = 0;
      for (let t = itemGenre.indptr[i]; t < itemGenre.indptr[i + 1]; t++) s += itemGenre.values[t];
      return itemGenres === 'sum' ? 1 : s > 0 ? 1 / s : 0;
    });
  }

  /** Genre counts p_u of the given users (users.length × genres). */
  profiles(users: ArrayLike<number>): Float32Array {
    const g = this.itemGenre.cols;
    const out = new Float32Array(users.length * g);
    for (let q = 0; q < users.length; q++) {
      const u = users[q];
      for (let p = this.input.indptr[u]; p < this.input.indptr[u + 1]; p++) {
        const i = this.input.indices[p];
        for (let t = this.itemGenre.indptr[i]; t < this.itemGenre.indptr[i + 1]; t++) out[q * g + this.itemGenre.indices[t]] += this.input.values[p] * this.itemGenre.values[t] * this.itemScale[i];
      }
    }
    return out;
  }

  /** Writes p_u · g_i for every item. */
  scoreUsers(users: Int32Array, out: Float32Array): void {
    const g = this.itemGenre.cols;
    const n = this.itemGenre.rows;
    const prof = this.profiles(users);
    const ig = this.itemGenre;
    for (let q = 0; q < users.length; q++) {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let t = ig.indptr[i]; t < ig.indptr[i + 1]; t++) s += prof[q * g + ig.indices[t]] * ig.values[t];
        out[q * n + i] = s * this.itemScale[i];
      }
    }
  }
}

/** Seeded uniform random scores, a different draw per call. */
export class RandomScores {
  readonly name = 'Random';
  private readonly rand: () => number;

  constructor(seed = 2020) {
    this.rand = seededRandom(seed);
  }

  scoreUsers(users: Int32Array, out: Float32Array): void {
    for (let k = 0; k < out.length; k++) out[k] = this.rand();
  }
}
