/** The path terms of the score, shared by the filter's fit and the served scorer: sums over the real paths of the graph. */
import { transpose, type Csr } from '../graph/csr';
import type { NormalizedInteractions } from './spectral';

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
