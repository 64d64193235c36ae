import { binaryCsr } from '../../src/graph/files';
import { seededRandom } from '../../src/random';
import { validationSplit } from '../../src/model/split';

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
