import { tf } from './backend';
import type { Csr } from '../graph/csr';
import { categoryRows, followsRows, neighbourhoodRows, projectRows, type GraphRelations } from './pathTerms';
import { degreePower, type NormalizedInteractions } from './spectral';
import { topK } from './topk';
import type { ContextLift } from './contextLift';
import type { ContextKey } from '../graph/types';

/**
 * What a model version's score is made of (src/model/filter.ts, docs/model.md):
 *   s(u) = w · (r_u ⊙ d^-βl) R~ᵀR~ ⊙ d^ol  +  d_u^-e · (r_u · foldIn) · itemFactorsᵀ
 * R~ the normalised training interactions of the version, d its item degrees, foldIn = D^-βs V and
 * itemFactors = D^os V diag(f) the embeddings the version wrote.
 */
export interface ScorerParts {
  norm: NormalizedInteractions;
  /** items × k, row-major. */
  foldIn: Float32Array;
  /** items × k, row-major. */
  itemFactors: Float32Array;
  k: number;
  linearWeight: number;
  linearInputExponent: number;
  linearOutputExponent: number;
  userNormExponent: number;
  /** The version's category and follows relations (normalised) and their fitted weights; absent means weight 0. */
  relations?: GraphRelations;
  categoryWeight?: number;
  followsWeight?: number;
  /** The context term: `weight` · the lift of the request's contexts; absent means weight 0. */
  context?: { lift: ContextLift; weight: number };
}

/** Context combinations whose rows contextRow keeps (then it starts over). */
const CONTEXT_ROW_CACHE = 256;

/** One user's input row: basis item indices and their positive weights. */
export interface SparseRow {
  indices: Int32Array;
  values: Float32Array;
  /** The user's index in the version's graph (its followees there give the follows term); absent for a new user. */
  user?: number;
}

/** The two terms of one row's score: the neighbourhood term per item and the user's scaled spectral coordinates. */
export interface RowTerms {
  /** Per basis item, the neighbourhood (graph) term. */
  graph: Float32Array;
  /** d_u^-e Σ_i w_ui foldIn[i] (k): dot(coords, itemFactors[j]) is item j's embedding term. */
  coords: Float32Array;
}

/** The exact top of one row: basis items best first, their score and its two terms. */
export interface RowTop {
  items: Int32Array;
  /** graph + embedding + context, the sum of the reported terms (the ranking compared their float32 sums). */
  scores: Float64Array;
  graph: Float32Array;
  embedding: Float32Array;
  /** The context term of each (0 without a request context). */
  context: Float32Array;
}

/**
 * The model's score of a version for any input row, exactly: offline for batches (evaluation, the serving bench)
 * and online for one row (serving). The neighbourhood term is the exact sparse sum over paths
 * (neighbourhoodRows), the embedding term one tfjs matMul against the item factors (embeddingTerms), the same
 * product for a batch offline and for one row online; `top` ranks every allowed item, so a served row's scores are
 * its offline scores to the bit.
 */
export class ModelScorer {
  readonly numItems: number;
  readonly k: number;
  readonly linIn: Float32Array;
  readonly linOut: Float32Array;
  /** d^linearOutputExponent: the output scale of the relation terms. */
  private readonly termOut: Float32Array;
  /** Scratch of `top` (one row at a time): the score of allowed items (-Infinity for the others). */
  private readonly rowScore: Float32Array;
  private readonly graphOut: Float32Array;
  private readonly userAcc: Float64Array;
  private readonly ones: Float32Array;
  /** contextRow's rows by resolved context columns. */
  private readonly contextRows = new Map<string, Float32Array>();
  /** itemFactorsᵀ (k × items) in the backend, made at the first product; null once disposed. */
  private rightT: tf.Tensor2D | undefined | null;

  /** The version's parts; `itemFactors` is empty from prepare() (which moved them into the backend) to the next factorRows. */
  readonly parts: ScorerParts;

  constructor(parts: ScorerParts) {
    this.parts = { ...parts };
    const { norm, k, foldIn, itemFactors } = parts;
    const n = norm.r.cols;
    if (foldIn.length !== n * k || itemFactors.length !== n * k) {
      throw new Error(`ModelScorer: foldIn/itemFactors hold ${foldIn.length}/${itemFactors.length} floats, expected ${n} items × ${k}`);
    }
    this.numItems = n;
    this.k = k;
    this.linIn = degreePower(norm.itemDegree, -parts.linearInputExponent);
    this.linOut = degreePower(norm.itemDegree, parts.linearOutputExponent);
    this.termOut = this.linOut.slice();
    for (let i = 0; i < n; i++) this.linOut[i] *= parts.linearWeight;
    this.rowScore = new Float32Array(n);
    this.graphOut = new Float32Array(n);
    this.userAcc = new Float64Array(norm.r.rows);
    this.ones = new Float32Array(n).fill(1);
  }

  /** d_u^-e for a row (0 for an empty one). */
  userNorm(row: SparseRow): number {
    let d = 0;
    for (let p = 0; p < row.values.length; p++) d += row.values[p];
    return d > 0 ? Math.pow(d, -this.parts.userNormExponent) : 0;
  }

  /** Both terms of one row; `graph` is this scorer's scratch when `reuse` (valid until the next call). */
  terms(row: SparseRow, reuse = false): RowTerms {
    return { graph: this.graphTerm(row, reuse), coords: this.coords(row) };
  }

  /** A row's graph term per item (neighbourhood and relation terms); this scorer's scratch when `reuse`. */
  graphTerm(row: SparseRow, reuse = false): Float32Array {
    const input = inputOf(row, this.numItems);
    const graph = neighbourhoodRows(this.parts.norm, input, [0], this.linIn, this.linOut, reuse ? this.graphOut : new Float32Array(this.numItems), this.userAcc);
    this.addRelationTerms(input, [0], row.user === undefined ? [] : [row.user], graph);
    return graph;
  }

  /** A row's spectral coordinates d_u^-e Σ_i w_ui foldIn[i] (k): the input of its embedding term. */
  coords(row: SparseRow): Float32Array {
    const coords = projectRows(inputOf(row, this.numItems), [0], this.ones, this.parts.foldIn, this.k);
    const un = this.userNorm(row);
    for (let c = 0; c < this.k; c++) coords[c] *= un;
    return coords;
  }

  /**
   * Every item's embedding term for b rows of coordinates (`z`, b × k, the user norm applied): b × items, row-major,
   * by one tfjs matMul against itemFactorsᵀ. A row's result does not depend on b (the serving and offline paths
   * share this product; test/model/scorer.test.ts checks it).
   */
  embeddingTerms(z: Float32Array, b: number): Float32Array {
    const k = this.k;
    if (z.length !== b * k) throw new Error(`ModelScorer.embeddingTerms: z holds ${z.length} floats, expected ${b} rows × ${k}`);
    const right = this.factorTensor();
    const st = tf.tidy(() => tf.matMul(tf.tensor2d(z, [b, k]), right));
    const out = st.dataSync() as Float32Array;
    st.dispose();
    return out;
  }

  /**
   * Rows of the item factors (rows.length × k, row-major), from the host copy. Once prepare() dropped it, the first
   * call copies the backend's factors back to the host, row-major, for good: only the policy's vector reads (MMR,
   * negative feedback) need rows, and a read of a few hundred columns of the transposed tensor costs more than one
   * transpose (docs/serving.md).
   */
  factorRows(rows: ArrayLike<number>): Float32Array {
    const k = this.k;
    const out = new Float32Array(rows.length * k);
    if (rows.length === 0) return out;
    if (this.parts.itemFactors.length === 0) this.parts.itemFactors = this.hostFactors();
    const f = this.parts.itemFactors;
    for (let q = 0; q < rows.length; q++) out.set(f.subarray(rows[q] * k, (rows[q] + 1) * k), q * k);
    return out;
  }

  /** The backend's factors (k × items) transposed back to items × k, row-major. */
  private hostFactors(): Float32Array {
    const right = this.factorTensor();
    // on wasm a view of the backend's heap (valid until the next backend call, which the transpose does not make)
    const backend = tf.backend() as unknown as { typedArrayFromHeap?: (t: tf.TensorInfo) => Float32Array };
    const view = typeof backend.typedArrayFromHeap === 'function' ? backend.typedArrayFromHeap(right) : (right.dataSync() as Float32Array);
    return transposed(view, this.k, this.numItems);
  }

  /**
   * Makes the product's tensor of the item factors and drops the host copy, so that a long-lived scorer (serving's)
   * holds the factors once until something reads rows (factorRows).
   */
  prepare(): void {
    this.factorTensor();
    this.parts.itemFactors = new Float32Array(0);
  }

  /** itemFactorsᵀ (k × items) in the backend, made at the first use; ScorerDisposedError after dispose(). */
  private factorTensor(): tf.Tensor2D {
    if (this.rightT === null) throw new ScorerDisposedError();
    if (this.rightT) return this.rightT;
    return (this.rightT = tf.tensor2d(transposed(this.parts.itemFactors, this.numItems, this.k), [this.k, this.numItems]));
  }

  /** Every item's score for one row (dense): graph + embedding term, summed in float32 as scoreRows sums them. */
  scoreRow(row: SparseRow, out: Float32Array = new Float32Array(this.numItems)): Float32Array {
    const { graph, coords } = this.terms(row);
    const e = this.embeddingTerms(coords, 1);
    for (let j = 0; j < this.numItems; j++) out[j] = graph[j] + e[j];
    return out;
  }

  /**
   * The `count` best items of one row among those `allowed` (1) marks: every allowed item's score (graph +
   * embedding, float32 as scoreRows sums them, then + the request's context term) ranked by topK (ties to the lower
   * index, src/model/topk.ts). `embedding` is the row's embeddingTerms when the caller computed it (in a batch).
   */
  top(row: SparseRow, count: number, allowed: Uint8Array, terms: RowTerms = this.terms(row, true), context: Float32Array | null = null,
    embedding: Float32Array = this.embeddingTerms(terms.coords, 1)): RowTop {
    const n = this.numItems;
    const graph = terms.graph;
    const e = embedding;
    const score = this.rowScore;
    for (let j = 0; j < n; j++) {
      if (!allowed[j]) {
        score[j] = -Infinity;
        continue;
      }
      score[j] = graph[j] + e[j];
      if (context) score[j] += context[j];
    }
    const want = Math.min(count, n);
    const items = new Int32Array(Math.max(1, want));
    const got = topK(score, 0, n, want, items);
    const out = items.slice(0, got);
    return {
      // the reported score is the sum of the reported terms; the ranking compared their float32 sums (scoreRows')
      items: out, scores: Float64Array.from(out, (j) => graph[j] + e[j] + (context ? context[j] : 0)), graph: Float32Array.from(out, (j) => graph[j]),
      embedding: Float32Array.from(out, (j) => e[j]), context: Float32Array.from(out, (j) => (context ? context[j] : 0)),
    };
  }

  /** The context term of every item for a request's contexts (weight · lift), or null when it adds nothing. */
  contextRow(request: readonly ContextKey[]): Float32Array | null {
    const c = this.parts.context;
    if (!c || c.weight === 0 || request.length === 0) return null;
    const cols = c.lift.resolve(request);
    if (cols.length === 0) return null;
    // requests share few context combinations: each row is computed once (read-only for callers), the cache bounded
    const key = [...cols].sort((a, b) => a - b).join(',');
    const hit = this.contextRows.get(key);
    if (hit) return hit;
    const out = new Float32Array(this.numItems);
    c.lift.scoreAll(cols, out);
    for (let j = 0; j < out.length; j++) out[j] *= c.weight;
    if (this.contextRows.size >= CONTEXT_ROW_CACHE) this.contextRows.clear();
    this.contextRows.set(key, out);
    return out;
  }

  /**
   * Offline: writes users.length × items scores (row-major) into `out` for rows of `input`; the embedding term through
   * tfjs matMul in one product per batch.
   */
  scoreRows(input: Csr, users: Int32Array, out: Float32Array): void {
    const n = this.numItems;
    const b = users.length;
    neighbourhoodRows(this.parts.norm, input, users, this.linIn, this.linOut, out, this.userAcc);
    this.addRelationTerms(input, users, users, out);
    const z = projectRows(input, users, this.ones, this.parts.foldIn, this.k);
    for (let q = 0; q < b; q++) {
      let d = 0;
      for (let p = input.indptr[users[q]]; p < input.indptr[users[q] + 1]; p++) d += input.values[p];
      const un = d > 0 ? Math.pow(d, -this.parts.userNormExponent) : 0;
      for (let c = 0; c < this.k; c++) z[q * this.k + c] *= un;
    }
    const spectral = this.embeddingTerms(z, b);
    for (let x = 0; x < b * n; x++) out[x] += spectral[x];
  }

  /** Whether the version has a relation term with a non-zero weight. */
  get hasRelationTerms(): boolean {
    const { relations: rel, categoryWeight: wc = 0, followsWeight: wf = 0 } = this.parts;
    return !!rel && ((wc !== 0 && !!rel.category) || (wf !== 0 && !!rel.follows));
  }

  /**
   * Adds the weighted category term of the `rows` of `input` and the follows term of the users `graphUsers` (the same
   * count, or none: no follows term) to `out` (rows.length × items), scaled by d^linearOutputExponent.
   */
  private addRelationTerms(input: Csr, rows: ArrayLike<number>, graphUsers: ArrayLike<number>, out: Float32Array): void {
    if (!this.hasRelationTerms) return;
    const { relations: rel, categoryWeight: wc = 0, followsWeight: wf = 0 } = this.parts;
    const n = this.numItems;
    const tmp = new Float32Array(rows.length * n);
    if (wc !== 0 && rel!.category) {
      categoryRows(rel!, input, rows, tmp);
      for (let x = 0; x < tmp.length; x++) tmp[x] *= wc;
    }
    if (wf !== 0 && rel!.follows && graphUsers.length === rows.length) {
      const f = followsRows(rel!, this.parts.norm, graphUsers, new Float32Array(rows.length * n));
      for (let x = 0; x < tmp.length; x++) tmp[x] += wf * f[x];
    }
    for (let q = 0; q < rows.length; q++) {
      const o = q * n;
      for (let j = 0; j < n; j++) out[o + j] += tmp[o + j] * this.termOut[j];
    }
  }

  /** Frees the tensor of the item factors: products afterwards throw ScorerDisposedError. */
  dispose(): void {
    this.rightT?.dispose();
    this.rightT = null;
  }
}

/** A product asked of a scorer after dispose() (a request that still held a replaced version's state). */
export class ScorerDisposedError extends Error {
  constructor() {
    super('ModelScorer: the scorer was disposed (its version was replaced)');
    this.name = 'ScorerDisposedError';
  }
}

/** The transpose of a rows × cols row-major matrix (cols × rows, row-major). */
function transposed(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
  return t;
}

/** One row as a one-row CSR (views, no copy). */
function inputOf(row: SparseRow, cols: number): Csr {
  return { rows: 1, cols, indptr: Int32Array.from([0, row.indices.length]), indices: row.indices, values: row.values };
}

/** The row of user u of a CSR as a SparseRow (views, no copy). */
export function rowOf(a: Csr, u: number): SparseRow {
  return { indices: a.indices.subarray(a.indptr[u], a.indptr[u + 1]), values: a.values.subarray(a.indptr[u], a.indptr[u + 1]) };
}
