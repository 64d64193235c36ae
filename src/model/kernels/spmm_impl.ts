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
