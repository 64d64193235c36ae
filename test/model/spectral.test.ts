import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { initBackend } from '../../src/model/backend';
import { csrFromCoo, type Csr } from '../../src/graph/csr';
import { neighbourhoodRows } from '../../src/model/pathTerms';
import { normalizeInteractions, topSpectrum } from '../../src/model/spectral';
import { seededRandom } from '../../src/random';

/** A random binary users × items matrix with a few planted blocks, so the spectrum has a clear top. */
function interactions(users: number, items: number, seed: number): Csr {
  const rand = seededRandom(seed);
  const r: number[] = [];
  const c: number[] = [];
  for (let u = 0; u < users; u++) {
    const block = u % 4;
    for (let i = 0; i < items; i++) {
      const inBlock = Math.floor((i * 4) / items) === block;
      if (rand() < (inBlock ? 0.35 : 0.04)) {
        r.push(u);
        c.push(i);
      }
    }
  }
  return csrFromCoo(users, items, Int32Array.from(r), Int32Array.from(c));
}

function denseOf(a: Csr): Matrix {
  const m = new Matrix(a.rows, a.cols);
  for (let i = 0; i < a.rows; i++) for (let k = a.indptr[i]; k < a.indptr[i + 1]; k++) m.set(i, a.indices[k], a.values[k]);
  return m;
}

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

describe('spectral: normalised item–item filter and its top spectrum', () => {
  const train = interactions(90, 70, 11);
  const norm = normalizeInteractions(train, 0.5, 0.5);
  const rd = denseOf(norm.r);
  const p = rd.transpose().mmul(rd);

  it('computes the neighbourhood term (r ⊙ s_in) R~ᵀR~ ⊙ s_out as the dense product, without building P~', () => {
    const rows = Int32Array.from([3, 0, 41]);
    const sIn = Float32Array.from({ length: 70 }, (_, i) => 0.5 + (i % 3));
    const sOut = Float32Array.from({ length: 70 }, (_, i) => 1 + (i % 5) / 4);
    const got = neighbourhoodRows(norm, train, rows, sIn, sOut, new Float32Array(3 * 70));
    const rin = denseOf(train);
    rows.forEach((u, q) => {
      for (let j = 0; j < 70; j++) {
        let s = 0;
        for (let i = 0; i < 70; i++) s += rin.get(u, i) * sIn[i] * p.get(i, j);
        expect(got[q * 70 + j]).toBeCloseTo(s * sOut[j], 4);
      }
    });
  });

  it('normalises with D_u^-a R D_i^-b', () => {
    const n2 = normalizeInteractions(train, 0.3, 0.7);
    const u = 5;
    for (let k = train.indptr[u]; k < train.indptr[u + 1]; k++) {
      const i = train.indices[k];
      expect(n2.r.values[k]).toBeCloseTo(Math.pow(n2.userDegree[u], -0.3) * Math.pow(n2.itemDegree[i], -0.7), 6);
    }
  });

  it('finds the top-k eigenpairs of P~ like an exact eigen-decomposition (item side and user side)', () => {
    const exact = new EigenvalueDecomposition(p, { assumeSymmetric: true });
    const order = exact.realEigenvalues.map((_, i) => i).sort((a, b) => exact.realEigenvalues[b] - exact.realEigenvalues[a]);
    const k = 6;
    for (const m of [norm, normalizeInteractions(interactions(60, 70, 12), 0.5, 0.5)]) {
      const md = denseOf(m.r);
      const pm = md.transpose().mmul(md);
      const ex = m === norm ? exact : new EigenvalueDecomposition(pm, { assumeSymmetric: true });
      const ord = m === norm ? order : ex.realEigenvalues.map((_, i) => i).sort((a, b) => ex.realEigenvalues[b] - ex.realEigenvalues[a]);
      const sp = topSpectrum(m, k, { iterations: 30, oversample: 10, seed: 3 });
      expect(sp.values[0]).toBeCloseTo(1, 4); // the symmetric normalisation's top eigenvalue
      for (let c = 0; c < k; c++) {
        expect(sp.values[c]).toBeCloseTo(ex.realEigenvalues[ord[c]], 3);
        // same vector up to sign
        let dot = 0;
        for (let i = 0; i < 70; i++) dot += sp.vectors[i * k + c] * ex.eigenvectorMatrix.get(i, ord[c]);
        expect(Math.abs(dot)).toBeGreaterThan(0.99);
      }
    }
  });

  it('rejects k outside [1, min(users, items)], naming the value', () => {
    expect(() => topSpectrum(norm, 0)).toThrow(/topSpectrum: k must be an integer in \[1, 70\], got 0/);
  });
});
