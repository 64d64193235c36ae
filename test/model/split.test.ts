import { binaryCsr } from '../../src/graph/files';
import { seededRandom } from '../../src/random';
import { LATEST_SHARE, validationSplit } from '../../src/model/split';

describe('model/split: validation split carved from train', () => {
  // user u has u+1 items: 0..u (user 0 has a single item)
  const users: number[] = [];
  const items: number[] = [];
  for (let u = 0; u < 30; u++) for (let i = 0; i <= u; i++) { users.push(u); items.push((i * 7 + u) % 40); }
  const train = binaryCsr(30, 40, Int32Array.from(users), Int32Array.from(items));

  it('moves about a fraction of each user\'s items, keeping at least one in fit', () => {
    const { fit, validation } = validationSplit(train, { fraction: 0.2, seed: 1 });
    expect(fit.indices.length + validation.indices.length).toBe(train.indices.length);
    for (let u = 0; u < 30; u++) {
      const n = train.indptr[u + 1] - train.indptr[u];
      const nv = validation.indptr[u + 1] - validation.indptr[u];
      const expected = n < 2 ? 0 : Math.min(n - 1, Math.max(1, Math.round(0.2 * n)));
      expect(nv).toBe(expected);
      // fit ∪ validation = train row, disjoint, sorted
      const f = Array.from(fit.indices.subarray(fit.indptr[u], fit.indptr[u + 1]));
      const v = Array.from(validation.indices.subarray(validation.indptr[u], validation.indptr[u + 1]));
      const all = [...f, ...v].sort((a, b) => a - b);
      expect(all).toEqual(Array.from(train.indices.subarray(train.indptr[u], train.indptr[u + 1])));
      expect(f).toEqual([...f].sort((a, b) => a - b));
    }
  });

  it('is deterministic by seed and differs across seeds', () => {
    const a = validationSplit(train, { seed: 7 });
    const b = validationSplit(train, { seed: 7 });
    const c = validationSplit(train, { seed: 8 });
    expect(Array.from(a.validation.indices)).toEqual(Array.from(b.validation.indices));
    expect(Array.from(a.validation.indices)).not.toEqual(Array.from(c.validation.indices));
  });

  it('rejects a fraction outside (0, 1)', () => {
    expect(() => validationSplit(train, { fraction: 1 })).toThrow('validationSplit: options.fraction must be in (0, 1), got 1');
  });

  it('seededRandom repeats its sequence and stays in [0, 1)', () => {
    const r1 = seededRandom(42);
    const r2 = seededRandom(42);
    for (let k = 0; k < 1000; k++) {
      const x = r1();
      expect(x).toBe(r2());
      expect(x >= 0 && x < 1).toBe(true);
    }
  });
});

describe('model/split: with interaction times', () => {
  it('moves a latest-share user\'s latest items to validation and carries the fit entries\' times', () => {
    // user 0: items 0..4 at times 50, 10, 40, 20, 30; user 1: items 0, 1 with one undated (random choice)
    const train = binaryCsr(2, 5, Int32Array.from([0, 0, 0, 0, 0, 1, 1]), Int32Array.from([0, 1, 2, 3, 4, 0, 1]));
    const times = Float64Array.from([50, 10, 40, 20, 30, 5, NaN]);
    // the seed that makes user 0 one of the latest share (user 1 has an undated pair: never)
    const seed = [...Array(50).keys()].find((x) => validationSplit(train, { fraction: 0.4, seed: x, times }).latest![0] === 1)!;
    const { fit, validation, fitTimes, latest } = validationSplit(train, { fraction: 0.4, seed, times });
    expect(Array.from(latest!)).toEqual([1, 0]);
    expect(Array.from(validation.indices.subarray(validation.indptr[0], validation.indptr[1]))).toEqual([0, 2]);
    expect(Array.from(fit.indices.subarray(fit.indptr[0], fit.indptr[1]))).toEqual([1, 3, 4]);
    expect(Array.from(fitTimes!.subarray(0, 3))).toEqual([10, 20, 30]);
    // user 1 keeps one of its two pairs (chosen at random) with that pair's time: item 0 at 5 or the undated item 1
    expect(fit.indptr[2] - fit.indptr[1]).toBe(1);
    expect(fitTimes![3]).toEqual(fit.indices[3] === 0 ? 5 : NaN);
    expect(fitTimes).toHaveLength(fit.indices.length);
    expect(validation.indptr[2] - validation.indptr[1]).toBe(1);
    expect(validationSplit(train, { seed: 3 }).fitTimes).toBeUndefined();
    expect(() => validationSplit(train, { times: Float64Array.from([1]) })).toThrow('options.times has 1 entries, train 7');
  });

  it('moves the latest items for about LATEST_SHARE of the dated users and random ones for the rest', () => {
    const users: number[] = [];
    const items: number[] = [];
    const at: number[] = [];
    for (let u = 0; u < 300; u++) for (let i = 0; i < 10; i++) { users.push(u); items.push(i); at.push(1000 * u + (i * 7) % 10); }
    const train = binaryCsr(300, 10, Int32Array.from(users), Int32Array.from(items));
    const { validation, latest } = validationSplit(train, { fraction: 0.2, seed: 5, times: Float64Array.from(at) });
    const share = latest!.reduce((a, b) => a + b, 0) / 300;
    expect(Math.abs(share - LATEST_SHARE)).toBeLessThan(0.08);
    for (let u = 0; u < 300; u++) {
      const held = Array.from(validation.indices.subarray(validation.indptr[u], validation.indptr[u + 1])).sort((a, b) => a - b);
      // item i's time is (7 i) mod 10: the two latest are items 7 (9) and 4 (8)
      if (latest![u]) expect(held).toEqual([4, 7]);
    }
  });
});
