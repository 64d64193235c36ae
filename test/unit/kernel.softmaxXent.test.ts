import { tf, initBackend } from '../../src/model/backend';
import { csrFromCoo } from '../../src/graph/csr';
import { softmaxXent } from '../../src/model/kernels/softmaxXent';
import { matMulConst } from '../../src/model/kernels/matMulConst';
import { seededRandom } from '../../src/model/split';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

const rand = seededRandom(5);
const n = 7;
// rows 0..2 of the logits are users 4, 1, 2
const users = [4, 1, 2];
const targets = csrFromCoo(5, n, Int32Array.from([4, 4, 1, 2]), Int32Array.from([0, 3, 6, 2]), Float32Array.from([1, 2, 1, 1]));
const masks = csrFromCoo(5, n, Int32Array.from([4, 1, 1, 2]), Int32Array.from([5, 0, 1, 4]));
const x0 = Float32Array.from({ length: 3 * n }, () => rand() * 4 - 2);

function reference(x: Float32Array): number {
  let total = 0;
  users.forEach((u, q) => {
    const masked = new Set<number>();
    for (let p = masks.indptr[u]; p < masks.indptr[u + 1]; p++) masked.add(masks.indices[p]);
    let z = 0;
    for (let i = 0; i < n; i++) if (!masked.has(i)) z += Math.exp(x[q * n + i]);
    let w = 0;
    for (let p = targets.indptr[u]; p < targets.indptr[u + 1]; p++) w += targets.values[p];
    for (let p = targets.indptr[u]; p < targets.indptr[u + 1]; p++) total -= (targets.values[p] / w) * (x[q * n + targets.indices[p]] - Math.log(z));
  });
  return total / users.length;
}

describe('kernels/softmaxXent: masked multinomial log-loss', () => {
  it('matches the loss computed by hand', () => {
    const v = softmaxXent(tf.tensor2d(x0, [3, n]), users, targets, [masks]).dataSync()[0];
    expect(v).toBeCloseTo(reference(x0), 5);
  });

  it('has a gradient equal to a finite-difference gradient (zero on masked items)', () => {
    const g = tf.grad((x: tf.Tensor) => tf.mul(softmaxXent(x as tf.Tensor2D, users, targets, [masks]), 3))(tf.tensor2d(x0, [3, n])).dataSync();
    const eps = 1e-3;
    for (let i = 0; i < x0.length; i++) {
      const p = Float64Array.from(x0);
      const m = Float64Array.from(x0);
      p[i] += eps;
      m[i] -= eps;
      const numeric = (3 * (reference(Float32Array.from(p)) - reference(Float32Array.from(m)))) / (2 * eps);
      expect(g[i]).toBeCloseTo(numeric, 3);
    }
    expect(g[0 * n + 5]).toBe(0); // user 4's masked item 5
  });

  it('rejects a row without targets, naming the row', () => {
    expect(() => softmaxXent(tf.zeros([1, n]) as tf.Tensor2D, [0], targets, [])).toThrow(/softmaxXent: row 0 has no positive target weight/);
  });
});

describe('kernels/matMulConst: product with a constant matrix', () => {
  it('has the gradient of an ordinary matMul', () => {
    const w = tf.tensor2d(Float32Array.from({ length: 12 }, () => rand()), [3, 4]);
    const x = tf.tensor2d(Float32Array.from({ length: 6 }, () => rand()), [2, 3]);
    const up = tf.tensor2d(Float32Array.from({ length: 8 }, () => rand()), [2, 4]);
    const wT = tf.transpose(w) as tf.Tensor2D;
    const mine = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(matMulConst(t as tf.Tensor2D, w, wT), up)))(x).dataSync();
    const ref = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.matMul(t as tf.Tensor2D, w), up)))(x).dataSync();
    Array.from(mine).forEach((v, i) => expect(v).toBeCloseTo(ref[i], 5));
  });
});
