import { csrFromCoo, type Csr } from '../../src/graph/csr';
import { categoryRows, followsRows, graphRelations } from '../../src/model/pathTerms';
import { normalizeInteractions } from '../../src/model/spectral';

const dense = (a: Csr): number[][] => {
  const m = Array.from({ length: a.rows }, () => new Array<number>(a.cols).fill(0));
  for (let r = 0; r < a.rows; r++) for (let k = a.indptr[r]; k < a.indptr[r + 1]; k++) m[r][a.indices[k]] += a.values[k];
  return m;
};
const coo = (rows: number, cols: number, pairs: [number, number, number?][]): Csr =>
  csrFromCoo(rows, cols, Int32Array.from(pairs.map((p) => p[0])), Int32Array.from(pairs.map((p) => p[1])), Float32Array.from(pairs.map((p) => p[2] ?? 1)));

// 4 users × 5 items, 3 categories, follows 0→1, 0→2, 3→0
const train = coo(4, 5, [[0, 0, 1], [0, 1, 2], [1, 1, 1], [1, 2, 1], [2, 3, 1], [2, 4, 3], [3, 0, 1], [3, 4, 1]]);
const itemCategory = coo(5, 3, [[0, 0], [1, 0], [1, 1], [2, 1], [3, 2], [4, 2], [4, 0]]);
const follows = coo(4, 4, [[0, 1], [0, 2], [3, 0]]);

describe('model/filter: the category and follows terms are sums over real graph paths', () => {
  const rel = graphRelations(itemCategory, follows);
  const C = dense(itemCategory);
  const R = dense(train);

  it('category term: Σ_c (Σ_i w_ui C~[i,c]) C~[j,c] with C~ = D_i^-½ C D_c^-½', () => {
    const di = C.map((row) => row.reduce((a, b) => a + b, 0));
    const dc = C[0].map((_, c) => C.reduce((a, row) => a + row[c], 0));
    const Cn = C.map((row, i) => row.map((v, c) => (v ? v / Math.sqrt(di[i] * dc[c]) : 0)));
    const out = categoryRows(rel, train, [0, 2], new Float32Array(2 * 5));
    [0, 2].forEach((u, q) => {
      for (let j = 0; j < 5; j++) {
        let want = 0;
        for (let i = 0; i < 5; i++) for (let c = 0; c < 3; c++) want += R[u][i] * Cn[i][c] * Cn[j][c];
        expect(out[q * 5 + j]).toBeCloseTo(want, 6);
      }
    });
  });

  it('follows term: Σ_v F~[u,v] R~[v,j] with F~ = D_f^-½ F and R~ the normalised interactions', () => {
    const norm = normalizeInteractions(train, 0.5, 0.5);
    const Rn = dense(norm.r);
    const F = dense(follows);
    const out = followsRows(rel, norm, [0, 1, 3], new Float32Array(3 * 5));
    [0, 1, 3].forEach((u, q) => {
      const df = F[u].reduce((a, b) => a + b, 0);
      for (let j = 0; j < 5; j++) {
        let want = 0;
        for (let v = 0; v < 4; v++) want += (F[u][v] ? 1 / Math.sqrt(df) : 0) * Rn[v][j];
        expect(out[q * 5 + j]).toBeCloseTo(want, 6);
      }
    });
    // user 1 follows nobody
    expect(Array.from(out.subarray(5, 10))).toEqual([0, 0, 0, 0, 0]);
  });

  it('a graph without categories or follows has no relation operators', () => {
    const none = graphRelations(coo(5, 3, []), coo(4, 4, []));
    expect(none).toEqual({ category: null, categoryT: null, follows: null });
  });
});
