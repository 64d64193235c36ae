import { binaryCsr } from '../../src/graph/files';
import { evaluate, itemSelfInformation, usersWithItems } from '../../src/model/evaluate';
import { seededRandom } from '../../src/random';

function csr(rows: number[][], cols: number) {
  const u: number[] = [];
  const i: number[] = [];
  rows.forEach((r, k) => r.forEach((c) => { u.push(k); i.push(c); }));
  return binaryCsr(rows.length, cols, Int32Array.from(u), Int32Array.from(i));
}

/** A "model" whose scores are a fixed users × items matrix. */
function fixed(scores: number[][]) {
  const n = scores[0].length;
  return {
    calls: 0,
    scoreUsers(users: Int32Array, out: Float32Array) {
      this.calls++;
      expect(out.length).toBe(users.length * n);
      users.forEach((u, b) => out.set(scores[u], b * n));
    },
  };
}

/*
 * Hand-computed example: 3 users, 5 items.
 *   train: u0 {0, 2}   u1 {1, 2}   u2 {}
 *   test:  u0 {1, 3}   u1 {0}      u2 {2, 3, 4}
 *   scores u0 [0.9, 0.8, 0.1, 0.7, 0.3] -> train masked -> ranking 1, 3, 4
 *          u1 [0.5, 0.9, 0.9, 0.5, 0.6] -> ranking 4, then the tie 0/3 at 0.5 broken by lower index: 0, 3
 *          u2 [0.2, 0.4, 0.3, 0.1, 0.0] -> ranking 1, 2, 0, 3, 4
 * K = 2: u0 top [1, 3] hits 2: recall 2/2, precision 1, DCG 1 + 1/log2 3 = IDCG(2) -> NDCG 1
 *        u1 top [4, 0] hit at rank 2: recall 1/1, precision 1/2, DCG 1/log2 3 = 0.630930, IDCG(min(2,1)=1) = 1
 *        u2 top [1, 2] hit at rank 2: recall 1/3, precision 1/2, DCG 0.630930 / IDCG(2) 1.630930 = 0.386853
 *   Recall 7/9 = 0.777778, Precision 2/3, NDCG (1 + 0.630930 + 0.386853)/3 = 0.672594, HitRate 1,
 *   F1 = 2·(2/3)·(7/9)/(2/3 + 7/9) = 0.717949, coverage {1,3,4,0,2} = 5/5.
 * K = 1: u0 top [1] hit (recall 1/2, NDCG 1), u1 [4] miss, u2 [1] miss:
 *   Recall 1/6, Precision 1/3, NDCG 1/3, HitRate 1/3, coverage {1,4} = 2/5.
 * Novelty: train popularity 1,1,2,0,0 of 3 users -> self-information log2 3 = 1.584963 for items 0,1,3,4
 *   (pop 0 clamped to 1) and log2(3/2) = 0.584963 for item 2.
 *   K=2: u0 {1,3} 1.584963, u1 {4,0} 1.584963, u2 {1,2} 1.084963 -> mean 1.418296; K=1: 1.584963.
 * AUC (test vs items in neither train nor test):
 *   u0 pos {1: .8, 3: .7} neg {4: .3} -> 2/2 = 1
 *   u1 pos {0: .5} neg {3: .5, 4: .6} -> (½ + 0)/2 = 0.25
 *   u2 pos {2: .3, 3: .1, 4: 0} neg {0: .2, 1: .4} -> only (2 > 0) is right: 1/6
 *   mean (1 + 0.25 + 1/6)/3 = 0.472222
 */
describe('model/evaluate: all-ranking metrics on hand-computed cases', () => {
  const data = {
    numUsers: 3,
    numItems: 5,
    train: csr([[0, 2], [1, 2], []], 5),
    test: csr([[1, 3], [0], [2, 3, 4]], 5),
  };
  const scores = [
    [0.9, 0.8, 0.1, 0.7, 0.3],
    [0.5, 0.9, 0.9, 0.5, 0.6],
    [0.2, 0.4, 0.3, 0.1, 0.0],
  ];

  it('computes Recall, NDCG, Precision, HitRate, F1, coverage, novelty and exact AUC', async () => {
    const res = await evaluate(fixed(scores), data, { ks: [2, 1], batchSize: 2 });
    expect(res.users).toBe(3);
    const k2 = res.atK[2];
    expect(k2.recall).toBeCloseTo(7 / 9, 6);
    expect(k2.precision).toBeCloseTo(2 / 3, 6);
    expect(k2.ndcg).toBeCloseTo(0.672594, 5);
    expect(k2.hitRate).toBeCloseTo(1, 6);
    expect(k2.f1).toBeCloseTo(0.717949, 5);
    expect(k2.coverage).toBeCloseTo(1, 6);
    expect(k2.novelty).toBeCloseTo(1.418296, 5);
    const k1 = res.atK[1];
    expect(k1.recall).toBeCloseTo(1 / 6, 6);
    expect(k1.precision).toBeCloseTo(1 / 3, 6);
    expect(k1.ndcg).toBeCloseTo(1 / 3, 6);
    expect(k1.hitRate).toBeCloseTo(1 / 3, 6);
    expect(k1.coverage).toBeCloseTo(0.4, 6);
    expect(k1.novelty).toBeCloseTo(1.584963, 5);
    expect(res.auc).toBeCloseTo(0.472222, 5);
    expect(res.aucMethod).toBe('exact');
    expect(res.evalSeconds).toBeGreaterThanOrEqual(0);
  });

  it('gives the same result whatever the batch size, and evaluates a chosen subset of users', async () => {
    const a = await evaluate(fixed(scores), data, { ks: [2], batchSize: 1 });
    const b = await evaluate(fixed(scores), data, { ks: [2], batchSize: 1024 });
    expect(a.atK[2]).toEqual(b.atK[2]);
    const only = await evaluate(fixed(scores), data, { ks: [2], users: Int32Array.from([1]) });
    expect(only.users).toBe(1);
    expect(only.atK[2].ndcg).toBeCloseTo(0.630930, 5);
    expect(only.auc).toBeCloseTo(0.25, 6);
  });

  it('skips users without test items and lets a model never recommend a train item', async () => {
    const d = { ...data, test: csr([[1, 3], [], [2, 3, 4]], 5) };
    // a model that loves train items: they must still be masked out
    const res = await evaluate(fixed([[9, 0, 9, 0, 0], [9, 9, 9, 9, 9], [0, 0, 0, 0, 0]]), d, { ks: [1], auc: 'none' });
    expect(res.users).toBe(2);
    expect(Number.isNaN(res.auc)).toBe(true);
    // u0: ties among 1,3,4 -> item 1 (hit); u2: all tied -> item 0 (miss)
    expect(res.atK[1].recall).toBeCloseTo((1 / 2 + 0) / 2, 6);
  });

  it('approximates the exact AUC with sampled negatives', async () => {
    const rand = seededRandom(5);
    const nu = 40;
    const ni = 300;
    const tr: number[][] = [];
    const te: number[][] = [];
    const sc: number[][] = [];
    for (let u = 0; u < nu; u++) {
      tr.push([]);
      te.push([]);
      sc.push([]);
      for (let i = 0; i < ni; i++) {
        const x = rand();
        if (x < 0.05) tr[u].push(i);
        else if (x < 0.1) te[u].push(i);
        sc[u].push(rand() + (x >= 0.05 && x < 0.1 ? 0.3 : 0));
      }
    }
    const d = { numUsers: nu, numItems: ni, train: csr(tr, ni), test: csr(te, ni) };
    const exact = await evaluate(fixed(sc), d, { auc: 'exact' });
    const sampled = await evaluate(fixed(sc), d, { auc: 2000, seed: 1 });
    expect(exact.auc).toBeGreaterThan(0.6);
    expect(Math.abs(exact.auc - sampled.auc)).toBeLessThan(0.02);
    expect(sampled.aucMethod).toBe('sampled:2000');
    const sub = await evaluate(fixed(sc), d, { maxUsers: 10, auc: 'none' });
    expect(sub.users).toBe(10);
  });

  it('rejects mismatched shapes and bad options with the value', async () => {
    await expect(evaluate(fixed(scores), { ...data, numItems: 6 }, {})).rejects.toThrow('must both be 3×6');
    await expect(evaluate(fixed(scores), data, { ks: [0] })).rejects.toThrow('options.ks must be positive integers, got 0');
  });

  it('helpers: users with items and self-information', () => {
    expect(Array.from(usersWithItems(data.train))).toEqual([0, 1]);
    const si = itemSelfInformation(data.train, 5, 3);
    expect(si[2]).toBeCloseTo(Math.log2(3 / 2), 9);
    expect(si[4]).toBeCloseTo(Math.log2(3), 9);
  });
});
