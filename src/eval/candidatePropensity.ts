/**
 * A candidate policy's position-wise propensities π(item at position | context) for off-policy evaluation:
 * the share of `samples` pages that put the item there, each page built by the re-ranking policy that serves
 * (src/policy/rerank.ts) with its own seed. A policy without exploration is deterministic: one page suffices and
 * the propensities are 0 or 1.
 */
import { rerank, type RerankCandidate, type RerankOptions } from '../policy/rerank';

/** The candidate's marginal probabilities: `prob(itemId, position)`; 0 for placements it never made. */
export interface PositionPropensities {
  prob(itemId: string, position: number): number;
  /** Pages drawn. */
  samples: number;
}

/**
 * Position-wise propensities of `options` (without its seed) on `candidates` from `samples` seeded pages (seeds
 * seed0, seed0 + 1, ...); one page when options.exploration is 0.
 */
export function positionPropensities(candidates: readonly RerankCandidate[], options: Omit<RerankOptions, 'seed'>, samples: number, seed0 = 1): PositionPropensities {
  if (!(Number.isInteger(samples) && samples >= 1)) throw new Error(`propensities: samples must be a positive integer, got ${samples}`);
  const m = (options.exploration ?? 0) === 0 ? 1 : samples;
  const counts = new Map<string, number>();
  for (let s = 0; s < m; s++) {
    for (const slot of rerank(candidates, { ...options, seed: seed0 + s }).slots) {
      const key = `${slot.position}\u0000${slot.id}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return { samples: m, prob: (itemId, position) => (counts.get(`${position}\u0000${itemId}`) ?? 0) / m };
}
