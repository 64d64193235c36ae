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
  /** graph + embedding (the ranking compares their float32 sums). */
  scores: Float64Array;
  graph: Float32Array;
  embedding: Float64Array;
  /** The context term of each (0 without a request context). */
  context: Float32Array;
  /** Items whose embedding term was computed in full (the rest were ruled out by the bound). */
  scored: number;
}

/**
 * The model's score of a version for any input row, exactly: offline for batches (evaluation, the serving bench)
 * and online for one row (serving). The neighbourhood term is the exact sparse sum over paths
 * (neighbourhoodRows), the embedding term a dot product; `top` prunes only by a bound, so its result is the
 * full ranking's top.
 */
export class ModelScorer {
  readonly numItems: number;
  readonly k: number;
  readonly linIn: Float32Array;
  readonly linOut: Float32Array;
  /** d^linearOutputExponent: the output scale of the relation terms. */
  private readonly termOut: Float32Array;
  /** Per item, the norm of its itemFactors row: |embedding term| ≤ ‖coords‖ · itemNorm (Cauchy–Schwarz). */
  private readonly itemNorm: Float64Array;
  /** Scratch of `top` (one row at a time): per item, the upper bound of its score (float32, so `top` keeps a margin). */
  private readonly upper: Float32Array;
  /** Scratch of `top`: the graph term of allowed items (-Infinity for the others). */
  private readonly graphAllowed: Float32Array;
  private readonly exact: Float32Array;
  private readonly graphOut: Float32Array;
  private readonly userAcc: Float64Array;
  private readonly ones: Float32Array;
  /** Scratch of `top`: graph + context term. */
  private readonly graphCtx: Float32Array;
  /** contextRow's rows by resolved context columns. */
  private readonly contextRows = new Map<string, Float32Array>();
  private rightT: tf.Tensor2D | undefined;

  constructor(readonly parts: ScorerParts) {
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
    this.itemNorm = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let q = 0;
      for (let c = 0; c < k; c++) q += itemFactors[i * k + c] ** 2;
      this.itemNorm[i] = Math.sqrt(q);
    }
    this.upper = new Float32Array(n);
    this.graphAllowed = new Float32Array(n);
    this.exact = new Float32Array(n);
    this.graphOut = new Float32Array(n);
    this.userAcc = new Float64Array(norm.r.rows);
    this.ones = new Float32Array(n).fill(1);
    this.graphCtx = new Float32Array(n);
  }

  /** d_u^-e for a row (0 for an empty one). */
  userNorm(row: SparseRow): number {
    let d = 0;
    for (let p = 0; p < row.values.length; p++) d += row.values[p];
    return d > 0 ? Math.pow(d, -this.parts.userNormExponent) : 0;
  }

  /** Both terms of one row; `graph` is this scorer's scratch when `reuse` (valid until the next call). */
  terms(row: SparseRow, reuse = false): RowTerms {
    const input: Csr = { rows: 1, cols: this.numItems, indptr: Int32Array.from([0, row.indices.length]), indices: row.indices, values: row.values };
    const graph = neighbourhoodRows(this.parts.norm, input, [0], this.linIn, this.linOut, reuse ? this.graphOut : new Float32Array(this.numItems), this.userAcc);
    this.addRelationTerms(input, [0], row.user === undefined ? [] : [row.user], graph);
    const coords = projectRows(input, [0], this.ones, this.parts.foldIn, this.k);
    const un = this.userNorm(row);
    for (let c = 0; c < this.k; c++) coords[c] *= un;
    return { graph, coords };
  }

  /** dot(coords, itemFactors[j]): item j's embedding term. */
  embeddingTerm(coords: Float32Array, j: number): number {
    const f = this.parts.itemFactors;
    const k = this.k;
    const o = j * k;
    // four accumulators: the loop is the serving hot path, and independent sums pipeline
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let c = 0;
    for (; c + 3 < k; c += 4) {
      s0 += coords[c] * f[o + c];
      s1 += coords[c + 1] * f[o + c + 1];
      s2 += coords[c + 2] * f[o + c + 2];
      s3 += coords[c + 3] * f[o + c + 3];
    }
    for (; c < k; c++) s0 += coords[c] * f[o + c];
    return s0 + s1 + s2 + s3;
  }

  /** Every item's score for one row (dense). */
  scoreRow(row: SparseRow, out: Float32Array = new Float32Array(this.numItems)): Float32Array {
    const { graph, coords } = this.terms(row);
    for (let j = 0; j < this.numItems; j++) out[j] = graph[j] + this.embeddingTerm(coords, j);
    return out;
  }

  /**
   * The `count` best items of one row among those `allowed` (1) marks, exactly as the dense score ranks them (ties
   * to the lower index, src/model/topk.ts). Each item's score is at most its graph term plus ‖coords‖·‖itemFactors_j‖
   * (Cauchy–Schwarz); the seeds (the 2·count items of highest graph term and the count of highest bound) are scored
   * in full, then every item whose bound reaches the count-th best seed score: no other item can rank.
   */
  top(row: SparseRow, count: number, allowed: Uint8Array, terms: RowTerms = this.terms(row, true), context: Float32Array | null = null): RowTop {
    const n = this.numItems;
    const { coords } = terms;
    // the context term adds to the graph term: in the bound, the seeds and the exact score alike
    const graph = context ? this.withContext(terms.graph, context) : terms.graph;
    let cn = 0;
    for (let c = 0; c < this.k; c++) cn += coords[c] * coords[c];
    cn = Math.sqrt(cn);
    const upper = this.upper;
    const graphAllowed = this.graphAllowed;
    const norm = this.itemNorm;
    for (let j = 0; j < n; j++) {
      if (allowed[j]) {
        upper[j] = graph[j] + cn * norm[j];
        graphAllowed[j] = graph[j];
      } else {
        upper[j] = -Infinity;
        graphAllowed[j] = -Infinity;
      }
    }
    const want = Math.min(count, n);
    const exact = this.exact.fill(-Infinity);
    let scored = 0;
    const seedScores: number[] = [];
    const seed = new Int32Array(Math.max(1, 2 * want));
    for (const [from, size] of [[graphAllowed, 2 * want], [upper, want]] as const) {
      const got = topK(from, 0, n, size, seed);
      for (let q = 0; q < got; q++) {
        const j = seed[q];
        if (exact[j] !== -Infinity) continue;
        exact[j] = graph[j] + this.embeddingTerm(coords, j);
        seedScores.push(exact[j]);
        scored++;
      }
    }
    // the count-th best seed score (less a float32 rounding margin) is at most the count-th best score overall
    seedScores.sort((x, y) => y - x);
    let tau = seedScores.length < want ? -Infinity : seedScores[want - 1];
    tau -= 1e-5 * Math.abs(tau) + 1e-30;
    for (let j = 0; j < n; j++) {
      if (!allowed[j] || upper[j] < tau || exact[j] !== -Infinity) continue;
      exact[j] = graph[j] + this.embeddingTerm(coords, j);
      scored++;
    }
    const items = new Int32Array(Math.max(1, want));
    const m = topK(exact, 0, n, want, items);
    const out = items.slice(0, m);
    const embedding = Float64Array.from(out, (j) => this.embeddingTerm(coords, j));
    return {
      // the reported score is the sum of the reported terms (the ranking compared their float32 sums)
      items: out, scores: Float64Array.from(out, (j, q) => terms.graph[j] + (context ? context[j] : 0) + embedding[q]), graph: Float32Array.from(out, (j) => terms.graph[j]), embedding,
      context: Float32Array.from(out, (j) => (context ? context[j] : 0)), scored,
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

  private withContext(graph: Float32Array, context: Float32Array): Float32Array {
    const out = this.graphCtx;
    for (let j = 0; j < this.numItems; j++) out[j] = graph[j] + context[j];
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
    if (!this.rightT) this.rightT = tf.tidy(() => tf.transpose(tf.tensor2d(this.parts.itemFactors, [n, this.k])));
    const right = this.rightT;
    const st = tf.tidy(() => tf.matMul(tf.tensor2d(z, [b, this.k]), right));
    const spectral = st.dataSync() as Float32Array;
    st.dispose();
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

  /** Frees the tensor `scoreRows` keeps. */
  dispose(): void {
    this.rightT?.dispose();
    this.rightT = undefined;
  }
}

/** The row of user u of a CSR as a SparseRow (views, no copy). */
export function rowOf(a: Csr, u: number): SparseRow {
  return { indices: a.indices.subarray(a.indptr[u], a.indptr[u + 1]), values: a.values.subarray(a.indptr[u], a.indptr[u + 1]) };
}
