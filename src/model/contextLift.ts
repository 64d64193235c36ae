/**
 * The context term of a score: how much more often an item is used in the request's context than items are
 * in general, from the item's POPULAR_IN counts. For each context c of the request (one per kind, e.g.
 * device:mobile), lift_i(c) = log(q_ic / p_c) with q_ic = (n_ic + s·p_c) / (n_i,kind + s) the item's smoothed
 * share of its uses of that kind in c, and p_c the share of c among all uses of that kind. An item with no
 * context data has lift 0; the term is the sum over the request's contexts. Smoothing s shrinks rarely used
 * items towards 0.
 */
import type { Csr } from '../graph/csr';
import type { ContextKey } from '../graph/types';

/** Scores items by how typical the request's context is for them (see the module comment). */
export class ContextLift {
  private readonly prior: Float64Array;
  private readonly kindOf: Int32Array;
  private readonly kindCount: number;
  private readonly index: Map<string, number>;

  /**
   * @param itemContext items × contexts counts (POPULAR_IN), @param contexts the context of each column,
   * @param smoothing pseudo-count s (default 5).
   */
  constructor(private readonly itemContext: Csr, readonly contexts: readonly ContextKey[], private readonly smoothing = 5) {
    if (itemContext.cols !== contexts.length) {
      throw new Error(`ContextLift: itemContext has ${itemContext.cols} columns but ${contexts.length} contexts were given`);
    }
    if (!(smoothing > 0)) throw new Error(`ContextLift: smoothing must be > 0, got ${smoothing}`);
    const kinds = new Map<string, number>();
    this.kindOf = Int32Array.from(contexts, (c) => {
      if (!kinds.has(c.kind)) kinds.set(c.kind, kinds.size);
      return kinds.get(c.kind)!;
    });
    this.kindCount = kinds.size;
    this.index = new Map(contexts.map((c, k) => [`${c.kind}:${c.value}`, k]));
    const totals = new Float64Array(contexts.length);
    for (let k = 0; k < itemContext.indices.length; k++) totals[itemContext.indices[k]] += itemContext.values[k];
    const byKind = new Float64Array(this.kindCount);
    totals.forEach((t, c) => (byKind[this.kindOf[c]] += t));
    this.prior = Float64Array.from(totals, (t, c) => (byKind[this.kindOf[c]] > 0 ? t / byKind[this.kindOf[c]] : 0));
  }

  /** Column indices of the request contexts that are known (unknown ones are ignored: they cannot lift anything). */
  resolve(request: readonly ContextKey[]): number[] {
    const out: number[] = [];
    for (const c of request) {
      const k = this.index.get(`${c.kind}:${c.value}`);
      if (k !== undefined && this.prior[k] > 0) out.push(k);
    }
    return out;
  }

  /** The lift of item `item` for each resolved request context. */
  parts(item: number, request: readonly number[]): number[] {
    const { itemContext: m, smoothing: s } = this;
    const kindTotal = new Float64Array(this.kindCount);
    for (let k = m.indptr[item]; k < m.indptr[item + 1]; k++) kindTotal[this.kindOf[m.indices[k]]] += m.values[k];
    return request.map((c) => {
      let n = 0;
      for (let k = m.indptr[item]; k < m.indptr[item + 1]; k++) if (m.indices[k] === c) n = m.values[k];
      const q = (n + s * this.prior[c]) / (kindTotal[this.kindOf[c]] + s);
      return Math.log(q / this.prior[c]);
    });
  }

  /** Writes the summed lift of every item for the resolved request contexts into `out` (length items). */
  scoreAll(request: readonly number[], out: Float32Array | Float64Array): void {
    const n = this.itemContext.rows;
    if (out.length < n) throw new Error(`ContextLift.scoreAll: out has ${out.length} entries, needs ${n}`);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (const l of this.parts(i, request)) sum += l;
      out[i] = sum;
    }
  }
}
