import { topK } from '../../src/model/topk';
import { seededRandom } from '../../src/random';

/** Reference: full sort by score desc, index asc, excluding -Infinity and NaN. */
function reference(row: Float32Array, k: number): number[] {
  return Array.from(row.keys())
    .filter((i) => row[i] > -Infinity)
    .sort((a, b) => row[b] - row[a] || a - b)
    .slice(0, k);
}

describe('model/topk: partial selection of the best K', () => {
  it('returns the K best, best first, ties by lower index', () => {
    const row = Float32Array.from([0.5, 0.9, 0.5, 0.1, 0.9, 0.5]);
    const idx = new Int32Array(4);
    const sc = new Float32Array(4);
    expect(topK(row, 0, row.length, 4, idx, sc)).toBe(4);
    expect(Array.from(idx)).toEqual([1, 4, 0, 2]);
    expect(Array.from(sc)).toEqual([0.9, 0.9, 0.5, 0.5].map(Math.fround));
  });

  it('honours an offset into a batch buffer and excludes -Infinity and NaN', () => {
    const row = Float32Array.from([9, 9, 9, /* row starts */ 1, -Infinity, NaN, 3, 2]);
    const idx = new Int32Array(5);
    expect(topK(row, 3, 5, 5, idx)).toBe(3);
    expect(Array.from(idx.subarray(0, 3))).toEqual([3, 4, 0]);
  });

  it('matches a full sort on random rows with many ties', () => {
    const rand = seededRandom(3);
    for (let t = 0; t < 200; t++) {
      const n = 1 + Math.floor(rand() * 300);
      const k = 1 + Math.floor(rand() * 40);
      const row = new Float32Array(n);
      for (let i = 0; i < n; i++) row[i] = rand() < 0.1 ? -Infinity : Math.floor(rand() * 20);
      const idx = new Int32Array(k);
      const got = topK(row, 0, n, k, idx);
      expect(Array.from(idx.subarray(0, got))).toEqual(reference(row, k));
    }
  });

  it('rejects an output buffer shorter than K', () => {
    expect(() => topK(new Float32Array(10), 0, 10, 5, new Int32Array(3))).toThrow('topK: outIdx has length 3, needs at least k = 5');
  });
});
