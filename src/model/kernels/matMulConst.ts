import { tf } from '../backend';

/**
 * Differentiable x · W for a constant W whose transpose is given too: the gradient with respect to x is
 * dy · Wᵀ with the cached transpose, because matMul's own gradient (transposeB) is ~6× slower on wasm here.
 */
export function matMulConst(x: tf.Tensor2D, w: tf.Tensor2D, wT: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.matMul(args[0] as tf.Tensor2D, w),
    gradFunc: (dy: tf.Tensor) => tf.matMul(dy as tf.Tensor2D, wT),
  }));
  return f(x) as tf.Tensor2D;
}
