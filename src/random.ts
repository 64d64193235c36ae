/**
 * A seeded pseudo-random generator (mulberry32): returns floats in [0, 1), the same sequence for the same
 * seed. Hand-written (ten lines) because no seeded generator is among the dependencies; good enough for
 * simulation, sampling and shuffling, not for cryptography. The one generator of the project.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
