import { tf } from '../backend';
import { transpose, type Csr } from '../../graph/csr';
import { spmmImpl } from './spmm_impl';

/** A sparse matrix prepared for use as a differentiable tfjs op: the CSR and its cached transpose. */
export interface SparseOperand {
  a: Csr;
  aT: Csr;
}

/** Prepares a CSR for `spmm` (caches the transpose the gradient needs). */
export function sparseOperand(a: Csr): SparseOperand {
  return { a, aT: transpose(a) };
}

function product(a: Csr, x: tf.Tensor2D): tf.Tensor2D {
  const d = x.shape[1];
  if (x.shape[0] !== a.cols) {
    throw new Error(`spmm: dense input has ${x.shape[0]} rows, expected the sparse matrix's ${a.cols} columns`);
  }
  const out = spmmImpl(a, x.dataSync() as Float32Array, d);
  return tf.tensor2d(out, [a.rows, d], 'float32');
}

/**
 * Differentiable sparse × dense product y = A x (A a CSR constant, x a float32 tensor cols × d), for any tfjs
 * backend: the gradient with respect to x is Aᵀ dy, computed with the same kernel on the cached transpose.
 */
export function spmm(op: SparseOperand, x: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const value = product(op.a, args[0] as tf.Tensor2D);
    return { value, gradFunc: (dy: tf.Tensor) => product(op.aT, dy as tf.Tensor2D) };
  });
  return f(x) as tf.Tensor2D;
}
