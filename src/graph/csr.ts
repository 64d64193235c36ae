/**
 * Compressed sparse rows over typed arrays: the in-memory form of every graph relation.
 * Row r's columns are `indices[indptr[r] .. indptr[r+1])`, with matching `values`.
 */
export interface Csr {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/** Builds a CSR from coordinate triples; duplicates (same row and column) are summed, columns sorted per row. */
export function csrFromCoo(rows: number, cols: number, r: Int32Array, c: Int32Array, v?: Float32Array): Csr {
  if (r.length !== c.length || (v && v.length !== r.length)) {
    throw new Error(`csrFromCoo: row/col/value arrays differ in length (${r.length}, ${c.length}, ${v?.length})`);
  }
  const counts = new Int32Array(rows + 1);
  for (let k = 0; k < r.length; k++) {
    const rr = r[k];
    if (rr < 0 || rr >= rows) throw new Error(`csrFromCoo: row ${rr} out of range [0, ${rows})`);
    const cc = c[k];
    if (cc < 0 || cc >= cols) throw new Error(`csrFromCoo: column ${cc} out of range [0, ${cols})`);
    counts[rr + 1]++;
  }
  for (let i = 0; i < rows; i++) counts[i + 1] += counts[i];
  const pos = counts.slice(0, rows);
  const idx = new Int32Array(r.length);
  const val = new Float32Array(r.length);
  for (let k = 0; k < r.length; k++) {
    const p = pos[r[k]]++;
    idx[p] = c[k];
    val[p] = v ? v[k] : 1;
  }
  // sort each row by column and merge duplicates
  const outPtr = new Int32Array(rows + 1);
  let w = 0;
  for (let i = 0; i < rows; i++) {
    const s = counts[i];
    const e = counts[i + 1];
    const order = Array.from({ length: e - s }, (_, k) => s + k).sort((a, b) => idx[a] - idx[b]);
    let prev = -1;
    const rowStart = w;
    const cols2: number[] = [];
    const vals2: number[] = [];
    for (const k of order) {
      if (idx[k] === prev) {
        vals2[vals2.length - 1] += val[k];
      } else {
        cols2.push(idx[k]);
        vals2.push(val[k]);
        prev = idx[k];
      }
    }
    for (let k = 0; k < cols2.length; k++) {
      idx[rowStart + k] = cols2[k];
      val[rowStart + k] = vals2[k];
    }
    w = rowStart + cols2.length;
    outPtr[i + 1] = w;
  }
  return { rows, cols, indptr: outPtr, indices: idx.slice(0, w), values: val.slice(0, w) };
}

/** Returns the transpose of a CSR (columns become rows), in O(nnz). */
export function transpose(a: Csr): Csr {
  const counts = new Int32Array(a.cols + 1);
  for (let k = 0; k < a.indices.length; k++) counts[a.indices[k] + 1]++;
  for (let i = 0; i < a.cols; i++) counts[i + 1] += counts[i];
  const pos = counts.slice(0, a.cols);
  const idx = new Int32Array(a.indices.length);
  const val = new Float32Array(a.indices.length);
  for (let r = 0; r < a.rows; r++) {
    for (let k = a.indptr[r]; k < a.indptr[r + 1]; k++) {
      const p = pos[a.indices[k]]++;
      idx[p] = r;
      val[p] = a.values[k];
    }
  }
  return { rows: a.cols, cols: a.rows, indptr: counts, indices: idx, values: val };
}

/** Number of stored entries in row r. */
export function rowNnz(a: Csr, r: number): number {
  return a.indptr[r + 1] - a.indptr[r];
}

/** The position of column `col` in row `row` of `a` (rows sorted by column, as csrFromCoo builds them), or -1. */
export function entryOf(a: Csr, row: number, col: number): number {
  let lo = a.indptr[row];
  let hi = a.indptr[row + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = a.indices[mid];
    if (c === col) return mid;
    if (c < col) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Per entry of `a`, the latest time `atMs[k]` of the events (rows[k], cols[k]) on it; NaN where no dated event falls
 * (NaN times are undated). Events off `a`'s entries are ignored.
 */
export function latestPerEntry(a: Csr, rows: ArrayLike<number>, cols: ArrayLike<number>, atMs: ArrayLike<number>): Float64Array {
  if (rows.length !== cols.length || rows.length !== atMs.length) {
    throw new Error(`latestPerEntry: rows/cols/atMs differ in length (${rows.length}, ${cols.length}, ${atMs.length})`);
  }
  const out = new Float64Array(a.indices.length).fill(NaN);
  for (let k = 0; k < rows.length; k++) {
    const t = atMs[k];
    if (Number.isNaN(t)) continue;
    const p = entryOf(a, rows[k], cols[k]);
    if (p >= 0 && !(out[p] >= t)) out[p] = t;
  }
  return out;
}

/** The rows of `a` that `keep` marks (1), in order. */
export function selectRows(a: Csr, keep: Uint8Array): Csr {
  if (keep.length !== a.rows) throw new Error(`selectRows: keep has ${keep.length} entries, the matrix ${a.rows} rows`);
  let rows = 0;
  let nnz = 0;
  for (let r = 0; r < a.rows; r++) if (keep[r]) (rows++, (nnz += a.indptr[r + 1] - a.indptr[r]));
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let w = 0;
  let o = 0;
  for (let r = 0; r < a.rows; r++) {
    if (!keep[r]) continue;
    for (let p = a.indptr[r]; p < a.indptr[r + 1]; p++, o++) {
      indices[o] = a.indices[p];
      values[o] = a.values[p];
    }
    indptr[++w] = o;
  }
  return { rows, cols: a.cols, indptr, indices, values };
}

/**
 * Per entry of `a`, the columns `perEvent[k]` of the latest event (rows[k], cols[k]) on it (undated events count as
 * earliest; among equal times the last one given), as an entries × `numCols` matrix of ones; undefined when no
 * event has any column.
 */
export function latestEventColumns(a: Csr, rows: ArrayLike<number>, cols: ArrayLike<number>, atMs: ArrayLike<number>,
  perEvent: readonly (ArrayLike<number> | null)[], numCols: number): Csr | undefined {
  if (!perEvent.some((c) => c !== null && c.length > 0)) return undefined;
  const pick = new Int32Array(a.indices.length).fill(-1);
  const pickAt = new Float64Array(a.indices.length).fill(-Infinity);
  for (let k = 0; k < rows.length; k++) {
    const p = entryOf(a, rows[k], cols[k]);
    if (p < 0) continue;
    const t = Number.isNaN(atMs[k]) ? -Infinity : atMs[k];
    if (pick[p] < 0 || t >= pickAt[p]) {
      pick[p] = k;
      pickAt[p] = t;
    }
  }
  const indptr = new Int32Array(a.indices.length + 1);
  const out: number[] = [];
  for (let p = 0; p < pick.length; p++) {
    const c = pick[p] >= 0 ? perEvent[pick[p]] : null;
    if (c) for (let x = 0; x < c.length; x++) out.push(c[x]);
    indptr[p + 1] = out.length;
  }
  return { rows: a.indices.length, cols: numCols, indptr, indices: Int32Array.from(out), values: new Float32Array(out.length).fill(1) };
}
