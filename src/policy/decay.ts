/**
 * Interests that move: exponential time decay of interaction weights, w × 0.5^(age / halfLife), so an
 * interaction one half-life old counts half as much as one made now. Used for the fold-in of a user's
 * embedding at serving time and for the training weights.
 */
import { csrFromCoo, type Csr } from '../graph/csr';

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
 * each), measured from `nowMs` (default: the latest event). Events with weight ≤ 0 (negative feedback) are
 * skipped: they are not positive edges.
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
  for (const e of events) latest = Math.max(latest, e.at);
  const now = nowMs ?? (Number.isFinite(latest) ? latest : 0);
  const pos = events.filter((e) => e.weight > 0);
  return csrFromCoo(
    numUsers,
    numItems,
    Int32Array.from(pos, (e) => e.user),
    Int32Array.from(pos, (e) => e.item),
    Float32Array.from(pos, (e) => decayedWeight(e.weight, e.at, now, halfLifeMs)),
  );
}
