import { csrFromCoo } from '../../src/graph/csr';
import { GfcfScorer } from '../../src/policy/offlineScorer';
import { seededRandom } from '../../src/policy/random';

describe('policy/offlineScorer: GF-CF for the offline policy benchmark', () => {
  // 60 users × 40 items in two blocks (users 0-29 use items 0-19, users 30-59 items 20-39), a little noise
  const rand = seededRandom(3);
  const r: number[] = [];
  const c: number[] = [];
  for (let u = 0; u < 60; u++) {
    for (let i = 0; i < 40; i++) {
      const inBlock = (u < 30) === (i < 20);
      if (rand() < (inBlock ? 0.3 : 0.02)) {
        r.push(u);
        c.push(i);
      }
    }
  }
  const train = csrFromCoo(60, 40, Int32Array.from(r), Int32Array.from(c));
  const dense = (u: number, i: number) => {
    for (let k = train.indptr[u]; k < train.indptr[u + 1]; k++) if (train.indices[k] === i) return train.values[k];
    return 0;
  };

  it('scores r_u R~ᵀR~ exactly when alpha is 0', () => {
    const s = new GfcfScorer({ dims: 4, alpha: 0, seed: 1 });
    s.fit(train);
    const du = Array.from({ length: 60 }, (_, u) => Array.from({ length: 40 }, (_, i) => dense(u, i)).reduce((a, b) => a + b, 0));
    const di = Array.from({ length: 40 }, (_, i) => Array.from({ length: 60 }, (_, u) => dense(u, i)).reduce((a, b) => a + b, 0));
    const rt = (u: number, i: number) => (dense(u, i) ? dense(u, i) / Math.sqrt(du[u] * di[i]) : 0);
    const out = new Float64Array(40);
    s.scoreUser(5, out);
    for (let j = 0; j < 40; j++) {
      let want = 0;
      for (let i = 0; i < 40; i++) {
        if (!dense(5, i)) continue;
        for (let v = 0; v < 60; v++) want += dense(5, i) * rt(v, i) * rt(v, j);
      }
      expect(out[j]).toBeCloseTo(want, 6); // R~ is stored in float32
    }
  });

  it('ranks a user\'s own block first and gives block-separating item embeddings', () => {
    const s = new GfcfScorer({ dims: 4, alpha: 0.3, seed: 1 });
    s.fit(train);
    const out = new Float32Array(40);
    s.scoreUser(3, out);
    const inBlock = Array.from({ length: 20 }, (_, i) => out[i]).reduce((a, b) => a + b, 0);
    const outBlock = Array.from({ length: 20 }, (_, i) => out[20 + i]).reduce((a, b) => a + b, 0);
    expect(inBlock).toBeGreaterThan(3 * outBlock);
    // cosine of item embeddings: within a block higher than across
    const e = s.itemEmbeddings;
    const cos = (a: number, b: number) => {
      let d = 0;
      let na = 0;
      let nb = 0;
      for (let k = 0; k < 4; k++) {
        d += e[a * 4 + k] * e[b * 4 + k];
        na += e[a * 4 + k] ** 2;
        nb += e[b * 4 + k] ** 2;
      }
      return d / Math.sqrt(na * nb);
    };
    expect(cos(0, 1)).toBeGreaterThan(cos(0, 25));
    expect(cos(21, 22)).toBeGreaterThan(cos(21, 2));
  });
});
