import type { Csr } from '../../graph/csr';

/**
 * Pure math of the masked multinomial log-likelihood over score rows: for each row q (user rows[q]),
 * loss_q = -Σ_t y_qt log softmax(logits_q)_t with y the row of `targets` normalised to sum 1, and the items in
 * row rows[q] of each `masks` CSR excluded from the softmax (the user's input items). Returns the mean loss and
 * writes d loss / d logits (softmax − y, divided by the number of rows) into `grad`.
 * Hand-written because the same composite in tfjs ops (logSoftmax and its gradient) costs seconds per
 * 256 × 41k batch on the wasm backend here; one pass in JS costs tens of milliseconds.
 */
export function softmaxXentImpl(
  logits: Float32Array,
  n: number,
  rows: ArrayLike<number>,
  targets: Csr,
  masks: Csr[],
  grad: Float32Array,
): number {
  const b = rows.length;
  if (logits.length !== b * n) throw new Error(`softmaxXent: logits have ${logits.length} values, expected rows × items = ${b} × ${n}`);
  let total = 0;
  for (let q = 0; q < b; q++) {
    const u = rows[q];
    const o = q * n;
    for (const m of masks) for (let p = m.indptr[u]; p < m.indptr[u + 1]; p++) grad[o + m.indices[p]] = NaN; // marks masked
    let max = -Infinity;
    for (let i = 0; i < n; i++) if (grad[o + i] === grad[o + i] && logits[o + i] > max) max = logits[o + i];
    let sum = 0;
    for (let i = 0; i < n; i++) {
      if (grad[o + i] !== grad[o + i]) continue;
      sum += Math.exp(logits[o + i] - max);
    }
    const logZ = max + Math.log(sum);
    for (let i = 0; i < n; i++) grad[o + i] = grad[o + i] !== grad[o + i] ? 0 : Math.exp(logits[o + i] - logZ) / b;
    let wsum = 0;
    for (let p = targets.indptr[u]; p < targets.indptr[u + 1]; p++) wsum += targets.values[p];
    if (!(wsum > 0)) throw new Error(`softmaxXent: row ${u} has no positive target weight`);
    for (let p = targets.indptr[u]; p < targets.indptr[u + 1]; p++) {
      const i = targets.indices[p];
      const y = targets.values[p] / wsum;
      total -= y * (logits[o + i] - logZ);
      grad[o + i] -= y / b;
    }
  }
  return total / b;
}
