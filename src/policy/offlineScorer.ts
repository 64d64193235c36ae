/**
 * A training-free scorer for the offline policy benchmark: GF-CF (Shen et al. 2021), the normalised
 * item–item filter R~ᵀR~ plus α × an ideal low-pass filter on the top-k right singular vectors of
 * R~ = D_u^-½ R D_i^-½. DESIGN.md measures the full-size version at the LightGCN level on Gowalla; here k is
 * small (64) so that the spectrum takes seconds in plain JS. It also yields item embeddings (the singular
 * vectors scaled by their singular values) for the diversity similarity and intra-list diversity.
 *
 * Hand-written (a few SpMMs and a randomised subspace iteration) so the benchmark does not depend on the model
 * engineer's in-progress files; per-user scoring touches only the user's 2-hop neighbourhood plus one k × items
 * product, so scoring a few thousand test users is cheap.
 */
import { CholeskyDecomposition, EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { transpose, type Csr } from '../graph/csr';
import { normal, seededRandom } from './random';

/** Options of GfcfScorer. */
export interface GfcfOptions {
  /** Dimensions of the low-pass part (top singular vectors). Default 64. */
  dims?: number;
  /** Weight α of the low-pass part. Default 0.3 (GF-CF's). */
  alpha?: number;
  /** Subspace iterations of the eigen-solver. Default 10. */
  iterations?: number;
  seed?: number;
}

/** GF-CF over a users × items CSR of positive weights; see the module comment. */
export class GfcfScorer {
  readonly name = 'GF-CF';
  readonly dims: number;
  readonly alpha: number;
  /** items × dims, row-major: singular vectors × singular values. */
  itemEmbeddings = new Float32Array(0);
  private r!: Csr;
  private rT!: Csr;
  private train!: Csr;
  private dInvSqrt!: Float64Array;
  private dSqrt!: Float64Array;
  private v!: Float64Array;

  constructor(private readonly options: GfcfOptions = {}) {
    this.dims = options.dims ?? 64;
    this.alpha = options.alpha ?? 0.3;
    if (!Number.isInteger(this.dims) || this.dims < 1) throw new Error(`GfcfScorer: dims must be a positive integer, got ${options.dims}`);
  }

  /** Builds R~ and its top singular vectors from `train` (users × items, weights > 0). */
  fit(train: Csr): { seconds: number } {
    const t0 = performance.now();
    const nU = train.rows;
    const nI = train.cols;
    const du = new Float64Array(nU);
    const di = new Float64Array(nI);
    for (let u = 0; u < nU; u++) {
      for (let k = train.indptr[u]; k < train.indptr[u + 1]; k++) {
        du[u] += train.values[k];
        di[train.indices[k]] += train.values[k];
      }
    }
    const values = new Float32Array(train.values.length);
    for (let u = 0; u < nU; u++) {
      for (let k = train.indptr[u]; k < train.indptr[u + 1]; k++) {
        values[k] = train.values[k] / Math.sqrt(du[u] * di[train.indices[k]]);
      }
    }
    this.train = train;
    this.r = { ...train, values };
    this.rT = transpose(this.r);
    this.dInvSqrt = Float64Array.from(di, (d) => (d > 0 ? 1 / Math.sqrt(d) : 0));
    this.dSqrt = Float64Array.from(di, (d) => Math.sqrt(d));
    const { vectors, values: sigma2 } = this.spectrum();
    this.v = vectors;
    const k = this.dims;
    this.itemEmbeddings = new Float32Array(nI * k);
    for (let i = 0; i < nI; i++) for (let c = 0; c < k; c++) this.itemEmbeddings[i * k + c] = vectors[i * k + c] * Math.sqrt(Math.max(0, sigma2[c]));
    return { seconds: (performance.now() - t0) / 1000 };
  }

  /** Z = R~ X (users × l) for X items × l, row-major. */
  private applyR(x: Float64Array, l: number): Float64Array {
    const r = this.r;
    const z = new Float64Array(r.rows * l);
    for (let u = 0; u < r.rows; u++) {
      const o = u * l;
      for (let k = r.indptr[u]; k < r.indptr[u + 1]; k++) {
        const w = r.values[k];
        const xi = r.indices[k] * l;
        for (let c = 0; c < l; c++) z[o + c] += w * x[xi + c];
      }
    }
    return z;
  }

  /** Y = R~ᵀ Z (items × l). */
  private applyRT(z: Float64Array, l: number): Float64Array {
    const rT = this.rT;
    const y = new Float64Array(rT.rows * l);
    for (let i = 0; i < rT.rows; i++) {
      const o = i * l;
      for (let k = rT.indptr[i]; k < rT.indptr[i + 1]; k++) {
        const w = rT.values[k];
        const zu = rT.indices[k] * l;
        for (let c = 0; c < l; c++) y[o + c] += w * z[zu + c];
      }
    }
    return y;
  }

  /** Top `dims` eigenpairs of R~ᵀR~ by randomised subspace iteration with Cholesky-QR and a Rayleigh–Ritz step. */
  private spectrum(): { vectors: Float64Array; values: Float64Array } {
    const n = this.r.cols;
    const k = this.dims;
    const l = Math.min(n, k + Math.max(16, k >> 2));
    const rand = seededRandom(this.options.seed ?? 7);
    let x: Float64Array = new Float64Array(n * l);
    for (let q = 0; q < x.length; q++) x[q] = normal(rand);
    x = orthonormalize(orthonormalize(x, n, l), n, l);
    const iterations = this.options.iterations ?? 10;
    for (let it = 0; it < iterations; it++) {
      x = orthonormalize(orthonormalize(this.applyRT(this.applyR(x, l), l), n, l), n, l);
    }
    // Rayleigh–Ritz: B = (R~X)ᵀ(R~X), B = W Λ Wᵀ, V = X W
    const z = this.applyR(x, l);
    const b = gram(z, this.r.rows, l);
    const eig = new EigenvalueDecomposition(new Matrix(b), { assumeSymmetric: true });
    const lambdas = eig.realEigenvalues;
    const w = eig.eigenvectorMatrix;
    const order = lambdas.map((_, c) => c).sort((p, q) => lambdas[q] - lambdas[p]).slice(0, k);
    const vectors = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let m = 0; m < l; m++) s += x[i * l + m] * w.get(m, order[c]);
        vectors[i * k + c] = s;
      }
    }
    return { vectors, values: Float64Array.from(order, (c) => lambdas[c]) };
  }

  /**
   * Writes GF-CF scores of user `u` for every item into `out` (length numItems): r_u R~ᵀR~ + α r_u D^-½ V Vᵀ D^½.
   * Train items are not masked here.
   */
  scoreUser(u: number, out: Float32Array | Float64Array, userScratch?: Float64Array): void {
    const { r, rT, train } = this;
    const nI = r.cols;
    if (out.length < nI) throw new Error(`GfcfScorer.scoreUser: out has ${out.length} entries, needs ${nI}`);
    out.fill(0, 0, nI);
    const y = userScratch ?? new Float64Array(r.rows);
    const touched: number[] = [];
    for (let k = train.indptr[u]; k < train.indptr[u + 1]; k++) {
      const i = train.indices[k];
      const w = train.values[k];
      for (let m = rT.indptr[i]; m < rT.indptr[i + 1]; m++) {
        const v = rT.indices[m];
        if (y[v] === 0) touched.push(v);
        y[v] += w * rT.values[m];
      }
    }
    for (const v of touched) {
      const yv = y[v];
      y[v] = 0;
      for (let m = r.indptr[v]; m < r.indptr[v + 1]; m++) out[r.indices[m]] += yv * r.values[m];
    }
    if (this.alpha === 0) return;
    const k = this.dims;
    const t = new Float64Array(k);
    for (let q = train.indptr[u]; q < train.indptr[u + 1]; q++) {
      const i = train.indices[q];
      const w = train.values[q] * this.dInvSqrt[i];
      for (let c = 0; c < k; c++) t[c] += w * this.v[i * k + c];
    }
    const v = this.v;
    for (let i = 0; i < nI; i++) {
      let s = 0;
      const o = i * k;
      for (let c = 0; c < k; c++) s += v[o + c] * t[c];
      out[i] += this.alpha * s * this.dSqrt[i];
    }
  }
}

/** XᵀX (l × l) of a row-major n × l matrix. */
function gram(x: Float64Array, n: number, l: number): number[][] {
  const g = new Float64Array(l * l);
  for (let i = 0; i < n; i++) {
    const o = i * l;
    for (let a = 0; a < l; a++) {
      const xa = x[o + a];
      if (xa === 0) continue;
      for (let b = a; b < l; b++) g[a * l + b] += xa * x[o + b];
    }
  }
  const out: number[][] = [];
  for (let a = 0; a < l; a++) {
    out.push([]);
    for (let b = 0; b < l; b++) out[a].push(a <= b ? g[a * l + b] : g[b * l + a]);
  }
  return out;
}

/** Cholesky-QR: returns X L^-ᵀ where XᵀX = L Lᵀ (orthonormal columns when X is well conditioned; apply twice). */
function orthonormalize(x: Float64Array, n: number, l: number): Float64Array {
  const g = gram(x, n, l);
  const trace = g.reduce((s, row, a) => s + row[a], 0);
  for (let a = 0; a < l; a++) g[a][a] += 1e-12 * trace; // keeps the factorisation defined for rank-deficient X
  const chol = new CholeskyDecomposition(new Matrix(g));
  if (!chol.isPositiveDefinite()) throw new Error('GfcfScorer: Gram matrix of the subspace is not positive definite');
  const lower = chol.lowerTriangularMatrix;
  const L = new Float64Array(l * l);
  for (let a = 0; a < l; a++) for (let b = 0; b <= a; b++) L[a * l + b] = lower.get(a, b);
  const out = new Float64Array(n * l);
  // row i of the result q solves L q = x_i (forward substitution), i.e. q = L^-1 x_i, so Q = X L^-ᵀ
  for (let i = 0; i < n; i++) {
    const o = i * l;
    for (let a = 0; a < l; a++) {
      let s = x[o + a];
      for (let b = 0; b < a; b++) s -= L[a * l + b] * out[o + b];
      out[o + a] = s / L[a * l + a];
    }
  }
  return out;
}
