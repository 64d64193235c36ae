/**
 * Seeded random draws for the policy layer: the project's shared samplers (src/random.ts) plus a seed derived
 * from a string, so a request's page is reproducible.
 */import { betaSample, gammaSample, normal, seededRandom } from '../random';

export { betaSample, gammaSample, normal, seededRandom };

/** A 32-bit seed from any string (FNV-1a), so a request can derive its seed from e.g. user id and request id. */
export function seedFromString(text: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < text.length; k++) {
    h ^= text.charCodeAt(k);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
