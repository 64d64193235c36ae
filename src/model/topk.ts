/**
 * Top-K selection over a row of scores. This is the hot path of all-ranking evaluation (every user ×
 * every item), so it is a hand-written bounded min-heap over typed arrays: one comparison per item
 * against the current K-th best, O(n + m log K) where m (heap replacements) is small for random order.
 * Sorting the whole row would be O(n log n) and allocate.
 */

/**
 * Writes the indices (relative to `offset`) of the `k` highest scores in `scores[offset .. offset+n)` into
 * `outIdx`, best first, and their scores into `outScores` when given; returns how many were written
 * (fewer than k when fewer items have a finite-or-+Infinity score). Items scored -Infinity or NaN are
 * excluded. Ties are broken by the lower index first, so the result is deterministic.
 */
export function topK(
  scores: Float32Array,
  offset: number,
  n: number,
  k: number,
  outIdx: Int32Array,
  outScores?: Float32Array,
): number {
  if (k <= 0) return 0;
  if (outIdx.length < k) throw new Error(`topK: outIdx has length ${outIdx.length}, needs at least k = ${k}`);
  if (outScores && outScores.length < k) throw new Error(`topK: outScores has length ${outScores.length}, needs at least k = ${k}`);
  if (offset < 0 || offset + n > scores.length) {
    throw new Error(`topK: range [${offset}, ${offset + n}) exceeds scores of length ${scores.length}`);
  }
  // heap of (score, index); the root is the worst kept: lowest score, and among equal scores the highest index
  const hs = outScores ?? new Float32Array(k);
  const hi = outIdx;
  let size = 0;
  let i = 0;
  // fill phase
  for (; i < n && size < k; i++) {
    const s = scores[offset + i];
    if (!(s > -Infinity)) continue;
    // sift up
    let c = size++;
    while (c > 0) {
      const p = (c - 1) >> 1;
      const ps = hs[p];
      if (worse(ps, hi[p], s, i)) break;
      hs[c] = ps;
      hi[c] = hi[p];
      c = p;
    }
    hs[c] = s;
    hi[c] = i;
  }
  if (size === k) {
    let thr = hs[0];
    // replace phase: scanning in ascending index order, an equal score never beats a kept one
    for (; i < n; i++) {
      const s = scores[offset + i];
      if (!(s > thr)) continue;
      siftDown(hs, hi, k, s, i);
      thr = hs[0];
    }
  }
  // heap sort in place: repeatedly move the worst to the end -> best first
  for (let end = size - 1; end > 0; end--) {
    const ws = hs[0];
    const wi = hi[0];
    siftDown(hs, hi, end, hs[end], hi[end]);
    hs[end] = ws;
    hi[end] = wi;
  }
  return size;
}

/** True when (sa, ia) ranks below (sb, ib): lower score, or equal score and higher index. */
function worse(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa < sb || (sa === sb && ia > ib);
}

/** Replaces the root of a heap of `size` entries with (s, idx) and restores the heap property. */
function siftDown(hs: Float32Array, hi: Int32Array, size: number, s: number, idx: number): void {
  let c = 0;
  for (;;) {
    const l = 2 * c + 1;
    if (l >= size) break;
    let m = l;
    const r = l + 1;
    if (r < size && worse(hs[r], hi[r], hs[l], hi[l])) m = r;
    if (!worse(hs[m], hi[m], s, idx)) break;
    hs[c] = hs[m];
    hi[c] = hi[m];
    c = m;
  }
  hs[c] = s;
  hi[c] = idx;
}
