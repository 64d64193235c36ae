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
