import { decayFactor, decayWeights, decayedInteractionMatrix, decayedWeight, DAY_MS, modelRecencyHalfLife, recencyFactors, recencyWeightedRows, type TimedInteraction } from '../../src/graph/decay';
import { entryOf, latestPerEntry, type Csr } from '../../src/graph/csr';

describe('policy/decay: exponential time decay of interaction weights', () => {
  it('halves a weight every half-life and leaves recent or future interactions whole', () => {
    expect(decayFactor(0, DAY_MS)).toBe(1);
    expect(decayFactor(-5, DAY_MS)).toBe(1);
    expect(decayFactor(DAY_MS, DAY_MS)).toBeCloseTo(0.5, 12);
    expect(decayFactor(3 * DAY_MS, DAY_MS)).toBeCloseTo(0.125, 12);
    expect(decayFactor(1e12, Infinity)).toBe(1);
    expect(decayedWeight(5, 0, 14 * DAY_MS, 7 * DAY_MS)).toBeCloseTo(1.25, 12);
    expect(Array.from(decayWeights([2, 2], [0, 10], 10, 10))).toEqual([1, 2]);
  });

  it('rejects a non-positive half-life and mismatched arrays', () => {
    expect(() => decayFactor(1, 0)).toThrow(/halfLifeMs must be > 0.*got 0/);
    expect(() => decayWeights([1, 2], [0], 0, 1)).toThrow(/weights \(2\) and atMs \(1\)/);
  });

  it('lets recent interests win an item-kNN ranking on a crafted graph', () => {
    // items 0-2 form cluster A, items 3-5 cluster B; users 1-10 like all of A, users 11-20 all of B.
    // User 0 liked A0 and A1 sixty days ago and B3 yesterday. Candidates: A2 and B4.
    const now = 100 * DAY_MS;
    const events: TimedInteraction[] = [];
    for (let u = 1; u <= 20; u++) for (let i = 0; i < 3; i++) events.push({ user: u, item: u <= 10 ? i : 3 + i, weight: 1, at: now - 30 * DAY_MS });
    events.push({ user: 0, item: 0, weight: 1, at: now - 60 * DAY_MS });
    events.push({ user: 0, item: 1, weight: 1, at: now - 60 * DAY_MS });
    events.push({ user: 0, item: 3, weight: 1, at: now - DAY_MS });
    events.push({ user: 0, item: 5, weight: -1, at: now }); // a dismiss: not a positive edge

    // item–item cosine from the others' (undecayed) co-interactions
    const sim = (a: number, b: number) => {
      const ua = new Set(events.filter((e) => e.item === a && e.user > 0).map((e) => e.user));
      const ub = new Set(events.filter((e) => e.item === b && e.user > 0).map((e) => e.user));
      const inter = [...ua].filter((u) => ub.has(u)).length;
      return inter / Math.sqrt(ua.size * ub.size);
    };
    const score = (m: Csr, item: number) => {
      let s = 0;
      for (let k = m.indptr[0]; k < m.indptr[1]; k++) s += m.values[k] * sim(m.indices[k], item);
      return s;
    };
    const plain = decayedInteractionMatrix(events, 21, 6, Infinity, now);
    const decayed = decayedInteractionMatrix(events, 21, 6, 7 * DAY_MS, now);
    expect(Array.from(plain.indices.subarray(plain.indptr[0], plain.indptr[1]))).toEqual([0, 1, 3]);
    // without decay the two old A interactions outweigh the recent B one ...
    expect(score(plain, 2)).toBeGreaterThan(score(plain, 4));
    // ... with a one-week half-life the recent interest wins
    expect(score(decayed, 4)).toBeGreaterThan(score(decayed, 2));
    expect(decayed.values[decayed.indptr[0] + 2]).toBeCloseTo(Math.pow(0.5, 1 / 7), 6);
  });
});

describe('graph/decay: the recency rule of input rows', () => {
  it('weighs a pair 0.5^(r / h), r the dated pairs strictly after it; ties share a rank, undated pairs count whole', () => {
    const f = Array.from(recencyFactors([30, 10, NaN, 30, 20], 1));
    // 30 and 30: rank 0; 20: two later pairs; 10: three later pairs; NaN: whole
    expect(f).toEqual([1, 0.125, 1, 1, 0.25]);
    const h2 = recencyFactors([5, 1, 3], 2);
    expect(h2[0]).toBe(1);
    expect(h2[1]).toBe(0.5);
    expect(h2[2]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(Array.from(recencyFactors([5, 1, 3], null))).toEqual([1, 1, 1]);
  });

  it('weighs each row of a matrix on its own and leaves it untouched without recency', () => {
    const rows: Csr = { rows: 2, cols: 3, indptr: Int32Array.from([0, 2, 3]), indices: Int32Array.from([0, 2, 1]), values: Float32Array.from([2, 4, 3]) };
    const at = Float64Array.from([100, 200, 50]);
    expect(Array.from(recencyWeightedRows(rows, at, 1).values)).toEqual([1, 4, 3]);
    expect(recencyWeightedRows(rows, at, null)).toBe(rows);
    expect(recencyWeightedRows(rows, undefined, 1)).toBe(rows);
    expect(() => recencyWeightedRows(rows, Float64Array.from([1]), 1)).toThrow('latestAt has 1 entries, the rows 3');
  });

  it('reads the fitted half-life from a version\'s params and rejects anything but null or a positive number', () => {
    expect(modelRecencyHalfLife({ filter: { recencyHalfLife: 5 } })).toBe(5);
    expect(modelRecencyHalfLife({ filter: { recencyHalfLife: null } })).toBeNull();
    expect(modelRecencyHalfLife({})).toBeNull();
    expect(() => modelRecencyHalfLife({ filter: { recencyHalfLife: -1 } })).toThrow('recencyHalfLife must be null (no recency) or a positive number of interactions, got -1');
    expect(() => recencyFactors([1], 0)).toThrow('recencyFactors: recencyHalfLife must be null');
  });

  it('latestPerEntry keeps each entry\'s latest dated event and NaN for undated entries', () => {
    const a: Csr = { rows: 2, cols: 3, indptr: Int32Array.from([0, 2, 3]), indices: Int32Array.from([0, 2, 1]), values: Float32Array.from([1, 1, 1]) };
    const t = latestPerEntry(a, [0, 0, 0, 1, 1], [2, 0, 2, 1, 0], [5, 7, 9, NaN, 4]);
    // (1, 0) is not an entry: ignored; (1, 1) only undated
    expect(Array.from(t)).toEqual([7, 9, NaN]);
    expect(entryOf(a, 0, 1)).toBe(-1);
  });
});
