/**
 * The one time-decay rule of interaction weights, w × 0.5^(age / halfLife), for training's extraction, the serving
 * fold-in and the model's catch-up; its Cypher copy (cypher/model/catch_up_users.cypher) is checked against it by
 * test/integration/decay.int.test.ts ("catches users up at activation by the same decayed rule").
 */
import { csrFromCoo, type Csr } from './csr';

/** Milliseconds in a day, for half-lives given in days. */
export const DAY_MS = 86_400_000;

function checkHalfLife(halfLifeMs: number, where: string): void {
  if (!(halfLifeMs > 0)) throw new Error(`${where}: halfLifeMs must be > 0 (or Infinity for no decay), got ${halfLifeMs}`);
}

/**
 * The decay factor 0.5^(age / halfLife) of an interaction `ageMs` old; ages ≤ 0 (now, or clock skew into the
 * future) give 1, and halfLifeMs = Infinity means no decay.
 */
export function decayFactor(ageMs: number, halfLifeMs: number): number {
  checkHalfLife(halfLifeMs, 'decayFactor');
  if (!Number.isFinite(ageMs) && !Number.isNaN(ageMs)) return ageMs > 0 ? 0 : 1;
  if (Number.isNaN(ageMs)) throw new Error('decayFactor: ageMs is NaN, expected a number of milliseconds');
  if (ageMs <= 0 || halfLifeMs === Infinity) return 1;
  return Math.pow(0.5, ageMs / halfLifeMs);
}

/** The decayed weight w × 0.5^((nowMs − atMs) / halfLifeMs) of an interaction made at `atMs` (epoch ms). */
export function decayedWeight(weight: number, atMs: number, nowMs: number, halfLifeMs: number): number {
  return weight * decayFactor(nowMs - atMs, halfLifeMs);
}

/**
 * The decay factor of one interaction made at `atMs` (epoch ms) seen from `nowMs`: 0.5^((nowMs − atMs) / halfLifeMs),
 * 1 for an undated interaction (null or NaN: it keeps its full weight) or one in the future. The one per-interaction
 * rule that training's extraction (src/graph/builder.ts) and the serving fold-in (src/serving/foldIn.ts) share.
 */
export function interactionDecay(atMs: number | null | undefined, nowMs: number, halfLifeMs: number): number {
  if (atMs === null || atMs === undefined || Number.isNaN(atMs)) return 1;
  return decayFactor(nowMs - atMs, halfLifeMs);
}

/**
 * The weight of one (user, item) pair from its interactions: Σ_k weights[k] × interactionDecay(atMs[k], nowMs,
 * halfLifeMs), each interaction decayed on its own and then summed, as training sums repeated user–item edges.
 */
export function decayedPairWeight(weights: ArrayLike<number>, atMs: ArrayLike<number | null>, nowMs: number, halfLifeMs: number): number {
  if (weights.length !== atMs.length) {
    throw new Error(`decayedPairWeight: weights (${weights.length}) and atMs (${atMs.length}) must have the same length`);
  }
  checkHalfLife(halfLifeMs, 'decayedPairWeight');
  let w = 0;
  for (let k = 0; k < weights.length; k++) w += weights[k] * interactionDecay(atMs[k], nowMs, halfLifeMs);
  return w;
}

/** A half-life in days (undefined: no decay) as milliseconds, Infinity meaning no decay. */
export function halfLifeMsOf(halfLifeDays: number | undefined): number {
  if (halfLifeDays === undefined) return Infinity;
  if (!(halfLifeDays > 0 && Number.isFinite(halfLifeDays))) throw new Error(`halfLifeMsOf: halfLifeDays must be a positive number of days, got ${halfLifeDays}`);
  return halfLifeDays * DAY_MS;
}

/**
 * The half-life (days) a model version was trained with, from its registry params (`params.extract.halfLifeDays`,
 * written by src/model/trainJob.ts): undefined when it was trained without decay (null or absent). Throws on any
 * other value: the registry only ever writes a positive number or null there.
 */
export function modelHalfLifeDays(params: Record<string, unknown> | null | undefined): number | undefined {
  const extract = params?.extract;
  if (extract === undefined || extract === null) return undefined;
  const v = (extract as Record<string, unknown>).halfLifeDays;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) {
    throw new Error(`model params: extract.halfLifeDays must be a positive number of days or null, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Decays many weights at once: out[k] = weights[k] × 0.5^((nowMs − atMs[k]) / halfLifeMs); returns a new array. */
export function decayWeights(weights: ArrayLike<number>, atMs: ArrayLike<number>, nowMs: number, halfLifeMs: number): Float32Array {
  if (weights.length !== atMs.length) {
    throw new Error(`decayWeights: weights (${weights.length}) and atMs (${atMs.length}) must have the same length`);
  }
  checkHalfLife(halfLifeMs, 'decayWeights');
  const out = new Float32Array(weights.length);
  for (let k = 0; k < weights.length; k++) out[k] = weights[k] * decayFactor(nowMs - atMs[k], halfLifeMs);
  return out;
}

/** One interaction event in index space, for building a decayed interaction matrix. */
export interface TimedInteraction {
  user: number;
  item: number;
  weight: number;
  /** Epoch milliseconds. */
  at: number;
}

/**
 * Builds the users × items matrix of decayed weights (repeated user–item events are summed after decaying
 * each; undated events, at NaN, keep their weight), measured from `nowMs` (default: the latest event). Events
 * with weight ≤ 0 (negative feedback) are skipped: they are not positive edges.
 */
export function decayedInteractionMatrix(
  events: readonly TimedInteraction[],
  numUsers: number,
  numItems: number,
  halfLifeMs: number,
  nowMs?: number,
): Csr {
  checkHalfLife(halfLifeMs, 'decayedInteractionMatrix');
  let latest = -Infinity;
  for (const e of events) if (e.at > latest) latest = e.at; // NaN (undated) never compares greater
  const now = nowMs ?? (Number.isFinite(latest) ? latest : 0);
  const pos = events.filter((e) => e.weight > 0);
  return csrFromCoo(
    numUsers,
    numItems,
    Int32Array.from(pos, (e) => e.user),
    Int32Array.from(pos, (e) => e.item),
    Float32Array.from(pos, (e) => e.weight * interactionDecay(e.at, now, halfLifeMs)),
  );
}

/**
 * The recency rule of a user's input row, with the model's fitted half-life `halfLife` (in interactions; null: no
 * recency): a pair whose latest positive interaction has r of the user's dated pairs strictly after it counts
 * 0.5^(r / halfLife) of its weight; undated pairs (NaN) count whole. `latestAt` holds one user's pairs' latest
 * times (epoch ms). Training, evaluation, serving and the catch-up (cypher/model/catch_up_users.cypher) share it.
 */
export function recencyFactors(latestAt: ArrayLike<number>, halfLife: number | null, out: Float64Array = new Float64Array(latestAt.length)): Float64Array {
  checkRecencyHalfLife(halfLife, 'recencyFactors');
  const n = latestAt.length;
  out.fill(1, 0, n);
  if (halfLife === null || n < 2) return out;
  const dated: number[] = [];
  for (let p = 0; p < n; p++) if (!Number.isNaN(latestAt[p])) dated.push(p);
  dated.sort((a, b) => latestAt[b] - latestAt[a]);
  let rank = 0;
  for (let x = 0; x < dated.length; x++) {
    if (x > 0 && latestAt[dated[x]] !== latestAt[dated[x - 1]]) rank = x;
    out[dated[x]] = Math.pow(0.5, rank / halfLife);
  }
  return out;
}

/** Throws unless `halfLife` is null (no recency) or a positive finite number of interactions. */
export function checkRecencyHalfLife(halfLife: number | null, where: string): void {
  if (halfLife !== null && !(typeof halfLife === 'number' && halfLife > 0 && Number.isFinite(halfLife))) {
    throw new Error(`${where}: recencyHalfLife must be null (no recency) or a positive number of interactions, got ${JSON.stringify(halfLife)}`);
  }
}

/**
 * Users × items input rows weighted by the recency rule (recencyFactors per row); `latestAt` is aligned with
 * `rows`' entries. Returns `rows` itself when halfLife is null or no entry is dated; otherwise a copy sharing its
 * structure.
 */
export function recencyWeightedRows(rows: Csr, latestAt: Float64Array | undefined, halfLife: number | null): Csr {
  checkRecencyHalfLife(halfLife, 'recencyWeightedRows');
  if (halfLife === null || !latestAt) return rows;
  if (latestAt.length !== rows.indices.length) {
    throw new Error(`recencyWeightedRows: latestAt has ${latestAt.length} entries, the rows ${rows.indices.length}`);
  }
  const values = new Float32Array(rows.values.length);
  let f = new Float64Array(64);
  for (let u = 0; u < rows.rows; u++) {
    const s = rows.indptr[u];
    const e = rows.indptr[u + 1];
    if (f.length < e - s) f = new Float64Array((e - s) * 2);
    recencyFactors(latestAt.subarray(s, e), halfLife, f);
    for (let p = s; p < e; p++) values[p] = rows.values[p] * f[p - s];
  }
  return { ...rows, values };
}

/**
 * The recency half-life a model version was fitted with (`params.filter.recencyHalfLife`, null or absent: none);
 * throws on any other value.
 */
export function modelRecencyHalfLife(params: Record<string, unknown> | null | undefined): number | null {
  const filter = params?.filter as Record<string, unknown> | undefined;
  const v = filter?.recencyHalfLife;
  if (v === undefined || v === null) return null;
  checkRecencyHalfLife(v as number, 'model params: filter');
  return v as number;
}
