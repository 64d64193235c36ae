import { tf } from './backend';
import type { Csr } from '../graph/csr';
import { sparseRowsTimesCsr } from './kernels/spmm_impl';
import { degreePower, itemItemFilter, normalizeInteractions, topSpectrum, type NormalizedInteractions, type Spectrum } from './spectral';

/** How the graph filter's basis is built: normalisation exponents and the spectral part's size. */
export interface FilterBasisOptions {
  /** a in R~ = D_u^-a R D_i^-b; default 0.5 (LightGCN's symmetric normalisation). */
  userExponent?: number;
  /** b in R~ = D_u^-a R D_i^-b; default 0.5. */
  itemExponent?: number;
  /** Number of top singular vectors of R~; default 256 (GF-CF). */
  k?: number;
  /** Subspace iterations of the eigen-solver; default 8. */
  iterations?: number;
  seed?: number;
  onProgress?: (stage: string, done: number, total: number) => void;
}

/**
 * What every filter score is made of, built once per training matrix: the normalised interactions, the sparse
 * item–item filter P~ = R~ᵀR~ (the neighbourhood term) and the top-k spectrum of P~ (the embedding term).
 */
export interface FilterBasis {
  /** The users × items weights the basis was built from (also the default input rows). */
  train: Csr;
  norm: NormalizedInteractions;
  itemItem: Csr;
  spectrum: Spectrum;
}

/** Builds the filter basis of a users × items weight matrix (positive weights only). */
export function buildFilterBasis(train: Csr, options: FilterBasisOptions = {}): FilterBasis {
  const a = options.userExponent ?? 0.5;
  const b = options.itemExponent ?? 0.5;
  const k = Math.min(options.k ?? 256, train.rows, train.cols);
  const norm = normalizeInteractions(train, a, b);
  options.onProgress?.('item-item filter', 0, 1);
  const itemItem = itemItemFilter(norm);
  options.onProgress?.('item-item filter', 1, 1);
  const iterations = options.iterations ?? 8;
  const spectrum = topSpectrum(norm, k, {
    iterations,
    seed: options.seed,
    onIteration: (i, n) => options.onProgress?.('spectrum', i, n),
  });
  return { train, norm, itemItem, spectrum };
}

/**
 * The response of the filter, i.e. what turns a basis into scores:
 * s(u) = [ linearWeight · r_u P~ + d_u^-e · (r_u D_i^-b V) diag(spectral) (Vᵀ D_i^b) ] ⊙ d_i^itemOutputExponent,
 * where b is the basis's item exponent (GF-CF's D_i^-1/2 … D_i^1/2 around its ideal low-pass) and d_u the user's
 * weighted degree: the embedding (spectral) part carries the user norm, the neighbourhood part does not.
 */
export interface FilterResponse {
  linearWeight: number;
  /** Response per top-k eigenvector (length k): GF-CF's ideal low-pass is a constant 0.3. */
  spectral: Float32Array;
  /** γ: final scores are multiplied by d_i^γ (popularity correction; 0 = none). */
  itemOutputExponent: number;
  /**
   * e: the spectral part is scaled by d_u^-e (the embedding contract's userNormExponent). Negative e gives heavy
   * users relatively more neighbourhood evidence and light users more of the smooth low-pass.
   */
  userNormExponent: number;
}

/**
 * Scores users against all items with a filter basis and a response; the dense part (B × k · k × items) runs
 * through tfjs matMul, the neighbourhood part through the sparse row kernel.
 */
export class FilterScorer {
  readonly numItems: number;
  readonly k: number;
  /** items × k: D_i^-b V, the fold-in rows (a user's spectral coordinates are Σ_i w_ui foldIn[i]). */
  readonly foldIn: Float32Array;
  /** items × k: D_i^(b+γ) V diag(spectral), so that dot(user coordinates, items[i]) is the spectral score. */
  readonly itemFactors: Float32Array;
  private readonly outScale: Float32Array;
  private rightT: tf.Tensor2D | undefined;

  constructor(
    readonly basis: FilterBasis,
    readonly response: FilterResponse,
  ) {
    const { spectrum, norm } = basis;
    const k = spectrum.k;
    const items = spectrum.n;
    if (response.spectral.length !== k) {
      throw new Error(`FilterScorer: response.spectral has ${response.spectral.length} values, expected k = ${k}`);
    }
    this.numItems = items;
    this.k = k;
    const b = norm.itemExponent;
    const g = response.itemOutputExponent;
    const dIn = degreePower(norm.itemDegree, -b);
    const dOut = degreePower(norm.itemDegree, b + g);
    this.outScale = degreePower(norm.itemDegree, g);
    this.foldIn = new Float32Array(items * k);
    this.itemFactors = new Float32Array(items * k);
    for (let i = 0; i < items; i++) {
      for (let c = 0; c < k; c++) {
        const v = spectrum.vectors[i * k + c];
        this.foldIn[i * k + c] = v * dIn[i];
        this.itemFactors[i * k + c] = v * dOut[i] * response.spectral[c];
      }
    }
  }

  /** Spectral coordinates of the given input rows: B × k, Σ_i w_ui foldIn[i] (without the user norm). */
  userCoordinates(input: Csr, users: ArrayLike<number>): Float32Array {
    const k = this.k;
    const z = new Float32Array(users.length * k);
    for (let q = 0; q < users.length; q++) {
      const u = users[q];
      for (let p = input.indptr[u]; p < input.indptr[u + 1]; p++) {
        const w = input.values[p];
        const o = input.indices[p] * k;
        for (let c = 0; c < k; c++) z[q * k + c] += w * this.foldIn[o + c];
      }
    }
    return z;
  }

  /** User norms d_u^-e for the given rows of an input matrix (degree = row sum of its weights). */
  userNorms(input: Csr, users: ArrayLike<number>): Float32Array {
    const out = new Float32Array(users.length);
    for (let q = 0; q < users.length; q++) {
      let d = 0;
      for (let p = input.indptr[users[q]]; p < input.indptr[users[q] + 1]; p++) d += input.values[p];
      out[q] = d > 0 ? Math.pow(d, -this.response.userNormExponent) : 0;
    }
    return out;
  }

  /** The neighbourhood term r_u P~ (B × items, unweighted, unscaled) for the given input rows. */
  neighbourhood(input: Csr, users: ArrayLike<number>, out: Float32Array = new Float32Array(users.length * this.numItems)): Float32Array {
    return sparseRowsTimesCsr(input, users, null, this.basis.itemItem, out);
  }

  /**
   * Writes users.length × items scores (row-major) into `out` for the given rows of `input` (users × items
   * weights; the basis's training matrix by default).
   */
  score(users: Int32Array, out: Float32Array, input: Csr = this.basis.train): void {
    const n = this.numItems;
    const bsz = users.length;
    if (out.length < bsz * n) throw new Error(`FilterScorer.score: output has ${out.length} values, expected ${bsz * n}`);
    const z = this.userCoordinates(input, users);
    if (!this.rightT) this.rightT = tf.tidy(() => tf.transpose(tf.tensor2d(this.itemFactors, [n, this.k])));
    const right = this.rightT;
    const st = tf.tidy(() => tf.matMul(tf.tensor2d(z, [bsz, this.k]), right));
    const spectral = st.dataSync() as Float32Array;
    st.dispose();
    const lin = this.neighbourhood(input, users, out);
    const norms = this.userNorms(input, users);
    const w = this.response.linearWeight;
    const os = this.outScale;
    for (let q = 0; q < bsz; q++) {
      const o = q * n;
      const un = norms[q];
      for (let i = 0; i < n; i++) lin[o + i] = w * lin[o + i] * os[i] + un * spectral[o + i];
    }
  }

  /** Frees the tensors this scorer keeps. */
  dispose(): void {
    this.rightT?.dispose();
    this.rightT = undefined;
  }
}
