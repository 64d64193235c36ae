/**
 * Offline metrics beyond accuracy, over the recommendation lists of many users (each list best first, item
 * indices). Definitions:
 * - intra-list diversity (ILD@K): per list, the mean over pairs of the top K of (1 − cosine of the item
 *   embeddings); averaged over lists with at least 2 items. `categoryIntraListDiversity` is the same with
 *   (1 − Jaccard of the item categories) when embeddings are not comparable across models.
 * - novelty@K: per list, the mean self-information −log2(max(pop_i, 1) / numUsers) of its items (pop_i = train
 *   users of item i, as in src/model/evaluate.ts); averaged over lists.
 * - coverage@K: distinct items in any list's top K / numItems.
 * - Gini index of item exposure: over every catalogue item (never-shown items count as 0), with x sorted
 *   ascending, G = Σ_i (2i − n − 1) x_i / (n Σ x) for i = 1..n; 0 = every item shown equally often, → 1 = all
 *   exposure on one item.
 * - Recall@K and NDCG@K (binary relevance, IDCG over min(K, |relevant|)) for one list; evaluate.ts accumulates the
 *   same definitions over many users with the same discount.
 */

/** A list of recommended item indices, best first. */
export type ItemList = ArrayLike<number>;

function checkK(k: number, where: string): void {
  if (!Number.isInteger(k) || k < 1) throw new Error(`${where}: k must be a positive integer, got ${k}`);
}

/** Mean pairwise (1 − cosine) of the top-k items' embeddings (row-major, `dims` per item), averaged over lists of ≥ 2 items. */
export function intraListDiversity(lists: readonly ItemList[], embeddings: Float32Array, dims: number, k: number): number {
  checkK(k, 'intraListDiversity');
  if (!(dims > 0) || embeddings.length % dims !== 0) {
    throw new Error(`intraListDiversity: embeddings of length ${embeddings.length} are not rows of ${dims} dims`);
  }
  const rows = embeddings.length / dims;
  const norm = (i: number) => {
    let s = 0;
    for (let d = 0; d < dims; d++) s += embeddings[i * dims + d] ** 2;
    return Math.sqrt(s);
  };
  let total = 0;
  let counted = 0;
  for (const list of lists) {
    const m = Math.min(k, list.length);
    if (m < 2) continue;
    const norms = new Float64Array(m);
    for (let a = 0; a < m; a++) {
      if (list[a] < 0 || list[a] >= rows) throw new Error(`intraListDiversity: item ${list[a]} out of range [0, ${rows})`);
      norms[a] = norm(list[a]);
    }
    let sum = 0;
    for (let a = 0; a < m; a++) {
      for (let b = a + 1; b < m; b++) {
        let dot = 0;
        const oa = list[a] * dims;
        const ob = list[b] * dims;
        for (let d = 0; d < dims; d++) dot += embeddings[oa + d] * embeddings[ob + d];
        const cos = norms[a] > 0 && norms[b] > 0 ? dot / (norms[a] * norms[b]) : 0;
        sum += 1 - cos;
      }
    }
    total += sum / ((m * (m - 1)) / 2);
    counted++;
  }
  return counted ? total / counted : 0;
}

/** Mean pairwise (1 − Jaccard of category sets) of the top-k items, averaged over lists of ≥ 2 items. */
export function categoryIntraListDiversity(lists: readonly ItemList[], itemCategories: readonly (readonly number[])[], k: number): number {
  checkK(k, 'categoryIntraListDiversity');
  let total = 0;
  let counted = 0;
  for (const list of lists) {
    const m = Math.min(k, list.length);
    if (m < 2) continue;
    let sum = 0;
    for (let a = 0; a < m; a++) {
      const ca = itemCategories[list[a]];
      if (!ca) throw new Error(`categoryIntraListDiversity: no categories for item ${list[a]}`);
      for (let b = a + 1; b < m; b++) {
        const cb = itemCategories[list[b]];
        if (!cb) throw new Error(`categoryIntraListDiversity: no categories for item ${list[b]}`);
        let inter = 0;
        for (const c of ca) if (cb.includes(c)) inter++;
        const union = new Set([...ca, ...cb]).size;
        sum += 1 - (union ? inter / union : 0);
      }
    }
    total += sum / ((m * (m - 1)) / 2);
    counted++;
  }
  return counted ? total / counted : 0;
}

/** Mean over lists of the mean self-information −log2(max(pop_i, 1) / numUsers) of the top-k items. */
export function noveltyAtK(lists: readonly ItemList[], popularity: ArrayLike<number>, numUsers: number, k: number): number {
  checkK(k, 'noveltyAtK');
  if (!(numUsers > 0)) throw new Error(`noveltyAtK: numUsers must be > 0, got ${numUsers}`);
  let total = 0;
  let counted = 0;
  for (const list of lists) {
    const m = Math.min(k, list.length);
    if (m === 0) continue;
    let s = 0;
    for (let a = 0; a < m; a++) s += -Math.log2(Math.max(popularity[list[a]], 1) / numUsers);
    total += s / m;
    counted++;
  }
  return counted ? total / counted : 0;
}

/** How often each item appears in the top k of the lists (its exposure count), length numItems. */
export function exposureCounts(lists: readonly ItemList[], numItems: number, k: number): Float64Array {
  checkK(k, 'exposureCounts');
  const counts = new Float64Array(numItems);
  for (const list of lists) {
    const m = Math.min(k, list.length);
    for (let a = 0; a < m; a++) {
      if (list[a] < 0 || list[a] >= numItems) throw new Error(`exposureCounts: item ${list[a]} out of range [0, ${numItems})`);
      counts[list[a]]++;
    }
  }
  return counts;
}

/** Distinct items in any list's top k, divided by numItems. */
export function coverageAtK(lists: readonly ItemList[], numItems: number, k: number): number {
  const counts = exposureCounts(lists, numItems, k);
  let distinct = 0;
  for (let i = 0; i < numItems; i++) if (counts[i] > 0) distinct++;
  return numItems > 0 ? distinct / numItems : 0;
}

/** Gini index of non-negative values (e.g. exposure counts over the whole catalogue); 0 when all are equal or all zero. */
export function gini(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return 0;
  const x = Float64Array.from(values);
  for (let i = 0; i < n; i++) if (!(x[i] >= 0)) throw new Error(`gini: values must be >= 0, got ${x[i]} at index ${i}`);
  x.sort();
  let sum = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    sum += x[i];
    weighted += (2 * (i + 1) - n - 1) * x[i];
  }
  return sum > 0 ? weighted / (n * sum) : 0;
}

/** The relevant items of one list: a Set, or any membership test with a count. */
export interface Relevant {
  has(item: number): boolean;
  readonly size: number;
}

/** The DCG discount 1 / log2(rank + 2) of a 0-based rank. */
export function dcgDiscount(rank: number): number {
  return 1 / Math.log2(rank + 2);
}

/** Recall@k of one list: hits in the top k / |relevant| (0 when nothing is relevant). */
export function recallAtK(list: ItemList, relevant: Relevant, k: number): number {
  checkK(k, 'recallAtK');
  if (relevant.size === 0) return 0;
  let hits = 0;
  const m = Math.min(k, list.length);
  for (let a = 0; a < m; a++) if (relevant.has(list[a])) hits++;
  return hits / relevant.size;
}

/** NDCG@k of one list with binary relevance: Σ hits 1/log2(rank+1) over the ideal for min(k, |relevant|) hits. */
export function ndcgAtK(list: ItemList, relevant: Relevant, k: number): number {
  checkK(k, 'ndcgAtK');
  if (relevant.size === 0) return 0;
  let dcg = 0;
  const m = Math.min(k, list.length);
  for (let a = 0; a < m; a++) if (relevant.has(list[a])) dcg += dcgDiscount(a);
  let idcg = 0;
  for (let a = 0; a < Math.min(k, relevant.size); a++) idcg += dcgDiscount(a);
  return dcg / idcg;
}
