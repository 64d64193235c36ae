import { transpose, type Csr } from '../graph/csr';
import { degreePower, normalizeInteractions, topSpectrum, type NormalizedInteractions, type Spectrum } from './spectral';
import { ModelScorer } from './scorer';

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
 * What every filter score is made of: the normalised interactions R~ of the input graph (the neighbourhood term
 * r P~ with P~ = R~ᵀR~ is computed from them as (r R~ᵀ) R~, never materialised) and a top-k spectrum of P~ (the
 * embedding term). The spectrum may come from a different (sub)graph than `norm` (a fit split).
 */
export interface FilterBasis {
  /** The users × items weights the basis was built from (also the default input rows). */
  train: Csr;
  norm: NormalizedInteractions;
  spectrum: Spectrum;
  /** The graph's other relations (categories, follows) as normalised operators; absent relations are null. */
  relations?: GraphRelations;
}

/**
 * The heterogeneous graph's relations besides interactions, normalised like R~: C~ = D_i^-½ C D_c^-½ (items ×
 * categories, with its transpose) and F~ = D_f^-½ F (follower rows × followees). null where the graph has none.
 */
export interface GraphRelations {
  category: Csr | null;
  categoryT: Csr | null;
  follows: Csr | null;
}

/** A relation with every entry set to 1 and scaled by rowDeg^-a · colDeg^-b (degrees = entry counts). */
function normalizeRelation(a: Csr, rowExp: number, colExp: number): Csr {
  const colDeg = new Float64Array(a.cols);
  for (let k = 0; k < a.indices.length; k++) colDeg[a.indices[k]]++;
  const values = new Float32Array(a.indices.length);
  for (let r = 0; r < a.rows; r++) {
    const d = a.indptr[r + 1] - a.indptr[r];
    for (let k = a.indptr[r]; k < a.indptr[r + 1]; k++) values[k] = Math.pow(d, -rowExp) * Math.pow(colDeg[a.indices[k]], -colExp);
  }
  return { ...a, values };
}

/** The normalised relations of a graph's item categories (items × categories) and follows (users × users). */
export function graphRelations(itemCategory: Csr | undefined, follows: Csr | undefined): GraphRelations {
  const category = itemCategory && itemCategory.indices.length > 0 ? normalizeRelation(itemCategory, 0.5, 0.5) : null;
  return {
    category,
    categoryT: category ? transpose(category) : null,
    follows: follows && follows.indices.length > 0 ? normalizeRelation(follows, 0.5, 0) : null,
  };
}

/**
 * The category term for a batch of input rows, before its output scale: out[q, j] = Σ_c (Σ_i w_ui C~[i, c]) C~[j, c],
 * a sum over the paths user → item → category → item (B × items, row-major; added to `out` when `add`).
 */
export function categoryRows(rel: GraphRelations, input: Csr, users: ArrayLike<number>, out: Float32Array, add = false): Float32Array {
  const n = input.cols;
  if (!add) out.fill(0, 0, users.length * n);
  const { category: c, categoryT: ct } = rel;
  if (!c || !ct) return out;
  const profile = new Float64Array(c.cols);
  for (let q = 0; q < users.length; q++) {
    const u = users[q];
    profile.fill(0);
    for (let p = input.indptr[u]; p < input.indptr[u + 1]; p++) {
      const i = input.indices[p];
      for (let m = c.indptr[i]; m < c.indptr[i + 1]; m++) profile[c.indices[m]] += input.values[p] * c.values[m];
    }
    const o = q * n;
    for (let g = 0; g < c.cols; g++) {
      const w = profile[g];
      if (w === 0) continue;
      for (let m = ct.indptr[g]; m < ct.indptr[g + 1]; m++) out[o + ct.indices[m]] += w * ct.values[m];
    }
  }
  return out;
}

/**
 * The follows term for a batch of users, before its output scale: out[q, j] = Σ_v F~[u, v] R~[v, j], the paths
 * user → followee → item (B × items, row-major; added to `out` when `add`).
 */
export function followsRows(rel: GraphRelations, norm: NormalizedInteractions, users: ArrayLike<number>, out: Float32Array, add = false): Float32Array {
  const n = norm.r.cols;
  if (!add) out.fill(0, 0, users.length * n);
  const f = rel.follows;
  if (!f) return out;
  const { r } = norm;
  for (let q = 0; q < users.length; q++) {
    const u = users[q];
    if (u >= f.rows) continue;
    const o = q * n;
    for (let p = f.indptr[u]; p < f.indptr[u + 1]; p++) {
      const v = f.indices[p];
      const w = f.values[p];
      for (let m = r.indptr[v]; m < r.indptr[v + 1]; m++) out[o + r.indices[m]] += w * r.values[m];
    }
  }
  return out;
}

/** Builds the filter basis of a users × items weight matrix (positive weights only): R~ and its top-k spectrum. */
export function buildFilterBasis(train: Csr, options: FilterBasisOptions = {}): FilterBasis {
  const norm = normalizeInteractions(train, options.userExponent ?? 0.5, options.itemExponent ?? 0.5);
  return { train, norm, spectrum: spectrumOf(norm, options) };
}

/** The top-k spectrum of a normalised interaction matrix (k clipped to its shape). */
export function spectrumOf(norm: NormalizedInteractions, options: FilterBasisOptions = {}): Spectrum {
  const k = Math.min(options.k ?? 256, norm.r.rows, norm.r.cols);
  return topSpectrum(norm, k, {
    iterations: options.iterations ?? 8,
    seed: options.seed,
    onIteration: (i, n) => options.onProgress?.('spectrum', i, n),
  });
}

/**
 * The response of the filter, i.e. what turns a basis into scores. With item degrees d (of the basis's graph):
 *   s(u) = linearWeight · (r_u ⊙ d^-linearInputExponent) P~ ⊙ d^linearOutputExponent
 *        + d_u^-userNormExponent · (r_u ⊙ d^-spectralInputExponent) V diag(spectral) Vᵀ ⊙ d^spectralOutputExponent
 * GF-CF is linear 0/0, spectral 0.5/0.5 with spectral = 0.3 on the top 256; ChebyCF's degree normalisation is the
 * same exponent on input and output of both parts.
 */
export interface FilterResponse {
  linearWeight: number;
  linearInputExponent: number;
  linearOutputExponent: number;
  /** Response per top-k eigenvector (length k). */
  spectral: Float32Array;
  spectralInputExponent: number;
  spectralOutputExponent: number;
  /** e: the spectral part of user u is scaled by d_u^-e, d_u the user's weighted degree in the input. */
  userNormExponent: number;
  /** Weight of the category term (categoryRows ⊙ d^linearOutputExponent); 0 without categories. */
  categoryWeight: number;
  /** Weight of the follows term (followsRows ⊙ d^linearOutputExponent); 0 without follows. */
  followsWeight: number;
}

/** GF-CF's response (Shen et al., CIKM 2021) on a spectrum of k vectors: linear filter + alpha × ideal low-pass. */
export function gfcfResponse(k: number, alpha = 0.3): FilterResponse {
  return {
    linearWeight: 1, linearInputExponent: 0, linearOutputExponent: 0,
    spectral: new Float32Array(k).fill(alpha), spectralInputExponent: 0.5, spectralOutputExponent: 0.5, userNormExponent: 0,
    categoryWeight: 0, followsWeight: 0,
  };
}

/**
 * The neighbourhood term for a batch of input rows: out[q] = (input[users[q]] ⊙ inScale) R~ᵀ R~ ⊙ outScale
 * (B × items, row-major), a sum over the real paths user → item ← user → item. `userAcc` is scratch of numUsers.
 */
export function neighbourhoodRows(
  norm: NormalizedInteractions,
  input: Csr,
  users: ArrayLike<number>,
  inScale: Float32Array,
  outScale: Float32Array,
  out: Float32Array,
  userAcc: Float64Array = new Float64Array(norm.r.rows),
): Float32Array {
  const { r, rT } = norm;
  const n = r.cols;
  if (out.length < users.length * n) throw new Error(`neighbourhoodRows: output has ${out.length} values, expected ${users.length * n}`);
  const touched = new Int32Array(r.rows);
  for (let q = 0; q < users.length; q++) {
    const u = users[q];
    const o = q * n;
    out.fill(0, o, o + n);
    let t = 0;
    for (let p = input.indptr[u]; p < input.indptr[u + 1]; p++) {
      const i = input.indices[p];
      const s = input.values[p] * inScale[i];
      if (s === 0) continue;
      for (let m = rT.indptr[i]; m < rT.indptr[i + 1]; m++) {
        const v = rT.indices[m];
        if (userAcc[v] === 0) touched[t++] = v;
        userAcc[v] += s * rT.values[m];
      }
    }
    for (let x = 0; x < t; x++) {
      const v = touched[x];
      const a = userAcc[v];
      userAcc[v] = 0;
      for (let m = r.indptr[v]; m < r.indptr[v + 1]; m++) out[o + r.indices[m]] += a * r.values[m];
    }
    for (let j = 0; j < n; j++) out[o + j] *= outScale[j];
  }
  return out;
}

/** Σ_i w_ui · scale[i] · vectors[i] for a batch of input rows: B × k, row-major. */
export function projectRows(input: Csr, users: ArrayLike<number>, scale: Float32Array, vectors: Float32Array, k: number): Float32Array {
  const z = new Float32Array(users.length * k);
  for (let q = 0; q < users.length; q++) {
    const u = users[q];
    const o = q * k;
    for (let p = input.indptr[u]; p < input.indptr[u + 1]; p++) {
      const w = input.values[p] * scale[input.indices[p]];
      if (w === 0) continue;
      const vo = input.indices[p] * k;
      for (let c = 0; c < k; c++) z[o + c] += w * vectors[vo + c];
    }
  }
  return z;
}

/** Weighted degrees (row sums) of the given input rows. */
export function rowDegrees(input: Csr, users: ArrayLike<number>): Float64Array {
  const out = new Float64Array(users.length);
  for (let q = 0; q < users.length; q++) {
    let d = 0;
    for (let p = input.indptr[users[q]]; p < input.indptr[users[q] + 1]; p++) d += input.values[p];
    out[q] = d;
  }
  return out;
}

/**
 * Scores users against all items with a filter basis and a response; the dense part (B × k · k × items) runs
 * through tfjs matMul, the neighbourhood part through the sparse path kernel.
 */
export class FilterScorer {
  readonly numItems: number;
  readonly k: number;
  /** items × k: D^-spectralInputExponent V, the fold-in rows (a user's coordinates are Σ_i w_ui foldIn[i]). */
  readonly foldIn: Float32Array;
  /** items × k: D^spectralOutputExponent V diag(spectral), so dot(user coordinates, items[i]) is the spectral score. */
  readonly itemFactors: Float32Array;
  private readonly linIn: Float32Array;
  private readonly linOut: Float32Array;
  private rows: ModelScorer | undefined;
  private userAcc: Float64Array | undefined;

  constructor(
    readonly basis: FilterBasis,
    readonly response: FilterResponse,
  ) {
    const { spectrum, norm } = basis;
    const k = spectrum.k;
    const items = spectrum.n;
    if (items !== norm.r.cols) throw new Error(`FilterScorer: spectrum has ${items} items, the graph ${norm.r.cols}`);
    if (response.spectral.length !== k) {
      throw new Error(`FilterScorer: response.spectral has ${response.spectral.length} values, expected k = ${k}`);
    }
    this.numItems = items;
    this.k = k;
    const dIn = degreePower(norm.itemDegree, -response.spectralInputExponent);
    const dOut = degreePower(norm.itemDegree, response.spectralOutputExponent);
    this.linIn = degreePower(norm.itemDegree, -response.linearInputExponent);
    this.linOut = degreePower(norm.itemDegree, response.linearOutputExponent);
    for (let i = 0; i < items; i++) this.linOut[i] *= response.linearWeight;
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
    const ones = new Float32Array(this.numItems).fill(1);
    return projectRows(input, users, ones, this.foldIn, this.k);
  }

  /** User norms d_u^-e for the given rows of an input matrix (degree = row sum of its weights; 0 for empty rows). */
  userNorms(input: Csr, users: ArrayLike<number>): Float32Array {
    const d = rowDegrees(input, users);
    return Float32Array.from(d, (x) => (x > 0 ? Math.pow(x, -this.response.userNormExponent) : 0));
  }

  /** The weighted neighbourhood term (B × items) for the given input rows. */
  neighbourhood(input: Csr, users: ArrayLike<number>, out: Float32Array = new Float32Array(users.length * this.numItems)): Float32Array {
    this.userAcc ??= new Float64Array(this.basis.norm.r.rows);
    return neighbourhoodRows(this.basis.norm, input, users, this.linIn, this.linOut, out, this.userAcc);
  }

  /**
   * Writes users.length × items scores (row-major) into `out` for the given rows of `input` (users × items
   * weights; the basis's training matrix by default).
   */
  score(users: Int32Array, out: Float32Array, input: Csr = this.basis.train): void {
    if (out.length < users.length * this.numItems) throw new Error(`FilterScorer.score: output has ${out.length} values, expected ${users.length * this.numItems}`);
    // the one implementation of the score, which serving calls too (src/model/scorer.ts)
    (this.rows ??= ModelScorer.fromFilter(this)).scoreRows(input, users, out);
  }

  /** Frees the tensors this scorer keeps. */
  dispose(): void {
    this.rows?.dispose();
    this.rows = undefined;
  }
}
