import type { Csr } from '../graph/csr';
import { neighbourhoodRows, projectRows, rowDegrees, type GraphRelations } from './pathTerms';
import { ModelScorer, type ScorerParts } from './scorer';
import { degreePower, normalizeInteractions, topSpectrum, type NormalizedInteractions, type Spectrum } from './spectral';
import { ContextLift } from './contextLift';
import { DEFAULT_CONTEXT_SMOOTHING } from './contextTerm';
import type { ContextKey } from '../graph/types';

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
  /** The users × items weights the basis was built from. */
  train: Csr;
  /** The users' input rows (train weighted by the model's recency rule); train when absent. */
  input?: Csr;
  norm: NormalizedInteractions;
  spectrum: Spectrum;
  /** The graph's other relations (categories, follows) as normalised operators; absent relations are null. */
  relations?: GraphRelations;
  /** items × contexts counts of the training entries' contexts (itemContextCountsOf), for the context term. */
  contexts?: { counts: Csr; keys: ContextKey[] };
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
  /** Weight and pseudo-count of the context term (+ w · lift of the request's contexts); weight 0 without contexts. */
  contextWeight: number;
  contextSmoothing: number;
}

/** GF-CF's response (Shen et al., CIKM 2021) on a spectrum of k vectors: linear filter + alpha × ideal low-pass. */
export function gfcfResponse(k: number, alpha = 0.3): FilterResponse {
  return {
    linearWeight: 1, linearInputExponent: 0, linearOutputExponent: 0,
    spectral: new Float32Array(k).fill(alpha), spectralInputExponent: 0.5, spectralOutputExponent: 0.5, userNormExponent: 0,
    categoryWeight: 0, followsWeight: 0, contextWeight: 0, contextSmoothing: DEFAULT_CONTEXT_SMOOTHING,
  };
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
   * weights; the basis's input rows by default).
   */
  score(users: Int32Array, out: Float32Array, input: Csr = this.basis.input ?? this.basis.train): void {
    if (out.length < users.length * this.numItems) throw new Error(`FilterScorer.score: output has ${out.length} values, expected ${users.length * this.numItems}`);
    // the one implementation of the score, which serving calls too (src/model/scorer.ts)
    (this.rows ??= new ModelScorer(this.scorerParts())).scoreRows(input, users, out);
  }

  /** The context term of every item for a request's contexts (the served one, ModelScorer.contextRow), or null. */
  contextRow(request: readonly ContextKey[]): Float32Array | null {
    return (this.rows ??= new ModelScorer(this.scorerParts())).contextRow(request);
  }

  /** The served scorer's parts of this fitted filter (the same function as `score`). */
  scorerParts(): ScorerParts {
    const r = this.response;
    return {
      norm: this.basis.norm, foldIn: this.foldIn, itemFactors: this.itemFactors, k: this.k, linearWeight: r.linearWeight,
      linearInputExponent: r.linearInputExponent, linearOutputExponent: r.linearOutputExponent, userNormExponent: r.userNormExponent,
      relations: this.basis.relations, categoryWeight: r.categoryWeight, followsWeight: r.followsWeight,
      ...(r.contextWeight !== 0 && this.basis.contexts
        ? { context: { lift: new ContextLift(this.basis.contexts.counts, this.basis.contexts.keys, r.contextSmoothing), weight: r.contextWeight } } : {}),
    };
  }

  /** Frees the tensors this scorer keeps. */
  dispose(): void {
    this.rows?.dispose();
    this.rows = undefined;
  }
}
