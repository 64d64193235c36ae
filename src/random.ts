/**
 * Seeded random draws shared by the synthetic generator, the splits, the spectral initialisation and the
 * policy layer. Hand-written because no well-kept seeded sampling library is among the dependencies and only
 * these few distributions are needed.
 */

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

/** A standard normal draw (Box–Muller) from a uniform source. */
export function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() || 1e-300)) * Math.cos(2 * Math.PI * rand());
}

/** A Gamma(shape, 1) draw, shape > 0 (Marsaglia–Tsang; shapes below 1 by the usual boost). */
export function gammaSample(rand: () => number, shape: number): number {
  if (!(shape > 0)) throw new Error(`gammaSample: shape must be > 0, got ${shape}`);
  if (shape < 1) return gammaSample(rand, shape + 1) * Math.pow(rand() || 1e-300, 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rand);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rand();
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u || 1e-300) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A Beta(a, b) draw, a, b > 0; Beta(1, b) uses the closed-form inverse CDF (the common "never clicked" case). */
export function betaSample(rand: () => number, a: number, b: number): number {
  if (a === 1) return 1 - Math.pow(1 - rand(), 1 / b);
  if (b === 1) return Math.pow(rand(), 1 / a);
  const x = gammaSample(rand, a);
  const y = gammaSample(rand, b);
  return x / (x + y);
}
