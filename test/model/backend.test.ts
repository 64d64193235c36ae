import { initBackend, tf } from '../../src/model/backend';

describe('model/backend: choosing the TensorFlow.js backend', () => {
  it('falls back to wasm when tfjs-node(-gpu) is not installed, once per process', async () => {
    let nodeInstalled = true;
    try {
      require.resolve('@tensorflow/tfjs-node');
    } catch {
      nodeInstalled = false;
    }
    const name = await initBackend();
    expect(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).toContain(name);
    if (!nodeInstalled) expect(name).toBe('wasm');
    expect(await initBackend({ prefer: 'cpu' })).toBe(name); // the first choice sticks
    // and gradients are registered (tfjs-core alone has none)
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2]));
    expect(Array.from(g.dataSync())).toEqual([2, 4]);
  });
});
