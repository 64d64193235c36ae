import type { Csr } from '../../graph/csr';

/**
 * Pure math of the sparse × dense product: out (a.rows × d) = a (CSR) × x (a.cols × d), both row-major.
 * Hand-written because tfjs has no usable sparse kernel here (DESIGN.md: the cpu segment-sum is quadratic,
 * wasm has none); row-major output rows are accumulated contiguously so the inner loop is a streaming axpy.
 * `rowStart`/`rowEnd` restrict the work to a block of output rows (all rows by default).
 */
export function spmmImpl(
  a: Csr,
  x: Float32Array,
  d: number,
  out: Float32Array = new Float32Array(a.rows * d),
  rowStart = 0,
  rowEnd = a.rows,
): Float32Array {
  if (x.length !== a.cols * d) {
    throw new Error(`spmm: dense input has ${x.length} values, expected cols × d = ${a.cols} × ${d}`);
  }
  if (out.length < a.rows * d) throw new Error(`spmm: output has ${out.length} values, expected ${a.rows * d}`);
  const { indptr, indices, values } = a;
  for (let r = rowStart; r < rowEnd; r++) {
    const o = r * d;
    out.fill(0, o, o + d);
    for (let k = indptr[r]; k < indptr[r + 1]; k++) {
      const v = values[k];
      const xo = indices[k] * d;
      for (let j = 0; j < d; j++) out[o + j] += v * x[xo + j];
    }
  }
  return out;
}

/**
 * Sparse-row × sparse-matrix product for a batch of rows: out (rows.length × b.cols, dense, row-major) =
 * a[rows] × b. Used for the item–item neighbourhood term r_u · P, whose cost is the sum of the row lengths of b
 * over the user's items.
 */
export function sparseRowsTimesCsr(a: Csr, rows: ArrayLike<number>, rowScale: ArrayLike<number> | null, b: Csr, out: Float32Array): Float32Array {
  const n = b.cols;
  if (a.cols !== b.rows) throw new Error(`sparseRowsTimesCsr: a.cols ${a.cols} must equal b.rows ${b.rows}`);
  if (out.length < rows.length * n) throw new Error(`sparseRowsTimesCsr: output has ${out.length} values, expected ${rows.length * n}`);
  for (let q = 0; q < rows.length; q++) {
    const r = rows[q];
    const o = q * n;
    out.fill(0, o, o + n);
    const s = rowScale ? rowScale[q] : 1;
    for (let k = a.indptr[r]; k < a.indptr[r + 1]; k++) {
      const v = a.values[k] * s;
      const i = a.indices[k];
      for (let m = b.indptr[i]; m < b.indptr[i + 1]; m++) out[o + b.indices[m]] += v * b.values[m];
    }
  }
  return out;
}
