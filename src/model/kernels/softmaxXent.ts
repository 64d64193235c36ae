import { tf } from '../backend';
import type { Csr } from '../../graph/csr';
import { softmaxXentImpl } from './softmaxXent_impl';

/**
 * Differentiable mean multinomial log-loss of score rows against target rows, the input items of each user
 * masked out of the softmax (see softmaxXentImpl); the gradient with respect to the logits is softmax − y.
 * `rows[q]` is the user of logits row q, indexing `targets` and `masks`.
 */
export function softmaxXent(logits: tf.Tensor2D, rows: ArrayLike<number>, targets: Csr, masks: Csr[]): tf.Scalar {
  const [b, n] = logits.shape;
  if (b !== rows.length) throw new Error(`softmaxXent: logits have ${b} rows, expected rows.length = ${rows.length}`);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor2D;
    const grad = new Float32Array(b * n);
    const loss = softmaxXentImpl(x.dataSync() as Float32Array, n, rows, targets, masks, grad);
    return {
      value: tf.scalar(loss),
      gradFunc: (dy: tf.Tensor) => tf.mul(dy, tf.tensor2d(grad, [b, n])),
    };
  });
  return f(logits) as tf.Scalar;
}
