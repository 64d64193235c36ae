import { tf } from './backend';
import { CholeskyDecomposition, EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { transpose, type Csr } from '../graph/csr';
import { spmmImpl } from './kernels/spmm_impl';
import { seededRandom } from '../random';

/** The degree-normalised interaction matrix R~ = D_u^-a R D_i^-b, its transpose and the degrees it used. */
export interface NormalizedInteractions {
  /** users × items, R~. */
  r: Csr;
  /** items × users, R~ᵀ. */
  rT: Csr;
  /** Weighted user degrees (row sums of R). */
  userDegree: Float32Array;
  /** Weighted item degrees (column sums of R). */
  itemDegree: Float32Array;
  userExponent: number;
  itemExponent: number;
}

/** d^-e with 0 for empty rows (as numpy's GF-CF sets inf to 0). */
export function degreePower(degree: Float32Array, exponent: number): Float32Array {
  const out = new Float32Array(degree.length);
  for (let i = 0; i < degree.length; i++) out[i] = degree[i] > 0 ? Math.pow(degree[i], exponent) : 0;
  return out;
}

/** Builds R~ = D_u^-a R D_i^-b from a users × items CSR of positive weights (a = b = 0.5 is LightGCN's). */
export function normalizeInteractions(train: Csr, userExponent: number, itemExponent: number): NormalizedInteractions {
  const userDegree = new Float32Array(train.rows);
  const itemDegree = new Float32Array(train.cols);
  for (let u = 0; u < train.rows; u++) {
    for (let k = train.indptr[u]; k < train.indptr[u + 1]; k++) {
      const v = train.values[k];
      if (!(v > 0)) throw new Error(`normalizeInteractions: weight of user ${u}, item ${train.indices[k]} is ${v}, expected > 0`);
      userDegree[u] += v;
      itemDegree[train.indices[k]] += v;
    }
  }
  const du = degreePower(userDegree, -userExponent);
  const di = degreePower(itemDegree, -itemExponent);
  const values = new Float32Array(train.values.length);
  for (let u = 0; u < train.rows; u++) {
    for (let k = train.indptr[u]; k < train.indptr[u + 1]; k++) values[k] = train.values[k] * du[u] * di[train.indices[k]];
  }
  const r: Csr = { ...train, values };
  return { r, rT: transpose(r), userDegree, itemDegree, userExponent, itemExponent };
}

/** The top-k eigenpairs of P~ = R~ᵀ R~ (equivalently the top right singular vectors of R~). */
export interface Spectrum {
  k: number;
  /** Number of rows of `vectors` (items). */
  n: number;
  /** n × k, row-major, orthonormal columns: V. */
  vectors: Float32Array;
  /** Eigenvalues of P~ (σ²), descending, length k. */
  values: Float64Array;
}

/** Options of the randomized eigen-solver. */
export interface SpectrumOptions {
  /** Extra columns of the random subspace beyond k (accuracy of the last vectors); default max(32, k/4). */
  oversample?: number;
  /** Subspace iterations (each applies P~ once); default 10. */
  iterations?: number;
  seed?: number;
  onIteration?: (iteration: number, total: number) => void;
}

/** Seeded standard normal samples (mulberry32 + Box–Muller). */
export function gaussian(count: number, seed: number): Float32Array {
  const uniform = seededRandom(seed);
  // shifted by half a step so that log() never sees 0 (exactly (u + 0.5) / 2^32 in doubles)
  const rand = () => uniform() + 1 / 8589934592;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const r = Math.sqrt(-2 * Math.log(rand()));
    const th = 2 * Math.PI * rand();
    out[i] = r * Math.cos(th);
    if (i + 1 < count) out[i + 1] = r * Math.sin(th);
  }
  return out;
}

/** Gram matrix YᵀY (l × l, float64) of a row-major n × l matrix with tfjs matMul; the transpose is materialised (wasm's transposeA is far slower). */
function gram(y: Float32Array, n: number, l: number): Float64Array {
  // (typed arrays are never returned from tf.tidy: it walks every element of its result looking for tensors)
  const g = tf.tidy(() => {
    const t = tf.tensor2d(y, [n, l]);
    return tf.matMul(tf.transpose(t), t);
  });
  const out = Float64Array.from(g.dataSync());
  g.dispose();
  return out;
}

/** Y · M for a row-major n × l Y and a small l × m M, with tfjs matMul. */
function timesSmall(y: Float32Array, n: number, l: number, m: Float64Array, mCols: number): Float32Array {
  const r = tf.tidy(() => tf.matMul(tf.tensor2d(y, [n, l]), tf.tensor2d(Float32Array.from(m), [l, mCols])));
  const out = r.dataSync() as Float32Array;
  r.dispose();
  return out;
}

function toMatrix(a: Float64Array, n: number): Matrix {
  const m = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m.set(i, j, a[i * n + j]);
  return m;
}

/**
 * Orthonormalises the columns of Y by Cholesky-QR, twice by default (CholeskyQR2): G = YᵀY = LLᵀ, Q = Y L⁻ᵀ;
 * the second pass repairs the float32 loss of orthogonality of the first.
 */
export function orthonormalize(y: Float32Array, n: number, l: number, passes = 2): Float32Array {
  let q = y;
  for (let pass = 0; pass < passes; pass++) {
    const g = toMatrix(gram(q, n, l), l);
    // a tiny shift keeps the factorisation defined when columns are (numerically) dependent
    let trace = 0;
    for (let i = 0; i < l; i++) trace += g.get(i, i);
    const shift = (trace / l) * 1e-7;
    for (let i = 0; i < l; i++) g.set(i, i, g.get(i, i) + shift);
    const chol = new CholeskyDecomposition(g);
    if (!chol.isPositiveDefinite()) throw new Error(`orthonormalize: Gram matrix of ${n} × ${l} is not positive definite`);
    const lower = chol.lowerTriangularMatrix;
    // L⁻ᵀ (upper triangular): solve Lᵀ X = I column by column
    const inv = new Float64Array(l * l);
    for (let c = 0; c < l; c++) {
      const x = new Float64Array(l);
      for (let i = l - 1; i >= 0; i--) {
        let s = i === c ? 1 : 0;
        for (let j = i + 1; j < l; j++) s -= lower.get(j, i) * x[j];
        x[i] = s / lower.get(i, i);
      }
      for (let i = 0; i < l; i++) inv[i * l + c] = x[i];
    }
    q = timesSmall(q, n, l, inv, l);
  }
  return q;
}

/** The n × n identity, row-major. */
function identityColumns(n: number): Float32Array {
  const q = new Float32Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  return q;
}

/**
 * Top-k eigenpairs of P~ = R~ᵀ R~ (the top right singular vectors of R~) by randomized subspace iteration
 * (Halko, Martinsson & Tropp 2011): a seeded Gaussian start of k + p columns, repeated products with R~R~ᵀ or
 * R~ᵀR~ (whichever side is smaller) re-orthonormalised by Cholesky-QR, then a Rayleigh–Ritz step. The sparse
 * products go through the CSR kernel, the dense ones through tfjs matMul.
 */
export function topSpectrum(n: NormalizedInteractions, k: number, options: SpectrumOptions = {}): Spectrum {
  const items = n.r.cols;
  const users = n.r.rows;
  if (!Number.isInteger(k) || k < 1 || k > Math.min(items, users)) {
    throw new Error(`topSpectrum: k must be an integer in [1, ${Math.min(items, users)}], got ${k}`);
  }
  // iterate in the smaller space: A is (side × other), and we want eigenvectors of AᵀA or AAᵀ
  const userSide = users < items;
  const first = userSide ? n.rT : n.r; // applied to Q first
  const second = userSide ? n.r : n.rT;
  const side = userSide ? users : items;
  const other = userSide ? items : users;
  const p = options.oversample ?? Math.max(32, Math.ceil(k / 4));
  const l = Math.min(side, k + p);
  const iterations = options.iterations ?? 10;
  // a subspace as large as the space is the whole space: the identity basis, and Rayleigh–Ritz is exact at once (the
  // iteration would only make a rank-deficient graph's basis degenerate)
  const whole = l === side;
  let q = whole ? identityColumns(side) : orthonormalize(gaussian(side * l, options.seed ?? 2020), side, l);
  const z = new Float32Array(other * l);
  const y = new Float32Array(side * l);
  for (let it = 0; !whole && it < iterations; it++) {
    spmmImpl(first, q, l, z);
    spmmImpl(second, z, l, y);
    // one Cholesky-QR pass per step is enough while iterating (cond(Y) ≈ λ1/λl); two on the last
    q = orthonormalize(y, side, l, it === iterations - 1 ? 2 : 1);
    options.onIteration?.(it + 1, iterations);
  }
  // Rayleigh–Ritz: B = Qᵀ A Aᵀ Q = ZᵀZ with Z = (other side) × l, eigen-decomposed in float64
  spmmImpl(first, q, l, z);
  const b = toMatrix(gram(z, other, l), l);
  const sym = b.add(b.transpose()).mul(0.5);
  const eig = new EigenvalueDecomposition(sym, { assumeSymmetric: true });
  const lambda = eig.realEigenvalues;
  const w = eig.eigenvectorMatrix;
  const order = lambda.map((_, i) => i).sort((i, j) => lambda[j] - lambda[i]).slice(0, k);
  const values = Float64Array.from(order.map((i) => Math.max(0, lambda[i])));
  const wk = new Float64Array(l * k);
  if (userSide) {
    // Q spans left singular vectors U; V = R~ᵀ U Σ⁻¹ = Z W Λ^-1/2
    for (let i = 0; i < l; i++) {
      for (let c = 0; c < k; c++) wk[i * k + c] = values[c] > 0 ? w.get(i, order[c]) / Math.sqrt(values[c]) : 0;
    }
    return { k, n: items, vectors: timesSmall(z, items, l, wk, k), values };
  }
  for (let i = 0; i < l; i++) for (let c = 0; c < k; c++) wk[i * k + c] = w.get(i, order[c]);
  return { k, n: items, vectors: timesSmall(q, items, l, wk, k), values };
}
