import { tf } from '../../src/model/backend';
import { csrFromCoo, type Csr } from '../../src/graph/csr';
import { sparseOperand, spmm } from '../../src/model/kernels/spmm';
import { spmmImpl, sparseRowsTimesCsr } from '../../src/model/kernels/spmm_impl';
import { seededRandom } from '../../src/model/split';

function randomCsr(rows: number, cols: number, density: number, seed: number): Csr {
  const rand = seededRandom(seed);
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      if (rand() < density) {
        r.push(i);
        c.push(j);
        v.push(rand() * 2 - 1);
      }
    }
  }
  return csrFromCoo(rows, cols, Int32Array.from(r), Int32Array.from(c), Float32Array.from(v));
}

function dense(a: Csr): number[][] {
  const m = Array.from({ length: a.rows }, () => new Array<number>(a.cols).fill(0));
  for (let i = 0; i < a.rows; i++) for (let k = a.indptr[i]; k < a.indptr[i + 1]; k++) m[i][a.indices[k]] = a.values[k];
  return m;
}

function randomDense(n: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: n }, () => rand() * 2 - 1);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('kernels/spmm: sparse × dense product', () => {
  it('matches a dense reference product', () => {
    const a = randomCsr(13, 17, 0.3, 1);
    const x = randomDense(17 * 5, 2);
    const got = spmmImpl(a, x, 5);
    const m = dense(a);
    for (let i = 0; i < 13; i++) {
      for (let j = 0; j < 5; j++) {
        let s = 0;
        for (let k = 0; k < 17; k++) s += m[i][k] * x[k * 5 + j];
        expect(got[i * 5 + j]).toBeCloseTo(s, 5);
      }
    }
  });

  it('multiplies chosen sparse rows by a sparse matrix like the dense product', () => {
    const a = randomCsr(6, 9, 0.4, 3);
    const b = randomCsr(9, 7, 0.4, 4);
    const rows = Int32Array.from([4, 0, 5]);
    const out = sparseRowsTimesCsr(a, rows, [1, 2, 0.5], b, new Float32Array(3 * 7));
    const ma = dense(a);
    const mb = dense(b);
    rows.forEach((r, q) => {
      const scale = [1, 2, 0.5][q];
      for (let j = 0; j < 7; j++) {
        let s = 0;
        for (let k = 0; k < 9; k++) s += ma[r][k] * mb[k][j];
        expect(out[q * 7 + j]).toBeCloseTo(s * scale, 5);
      }
    });
  });

  it('rejects a dense input of the wrong shape, naming the op and the sizes', () => {
    const a = randomCsr(3, 4, 0.5, 5);
    expect(() => spmmImpl(a, new Float32Array(10), 2)).toThrow(/spmm: dense input has 10 values, expected cols × d = 4 × 2/);
  });

  it('has a gradient equal to a finite-difference gradient', () => {
    const a = randomCsr(11, 8, 0.35, 6);
    const op = sparseOperand(a);
    const x0 = randomDense(8 * 3, 7);
    const w = tf.tensor2d(randomDense(11 * 3, 8), [11, 3]);
    // a nonlinear scalar loss so the check covers more than a constant upstream gradient
    const loss = (x: tf.Tensor2D) => tf.sum(tf.mul(tf.tanh(spmm(op, x)), w));
    const grad = tf.grad((x: tf.Tensor) => loss(x as tf.Tensor2D));
    const g = grad(tf.tensor2d(x0, [8, 3])).dataSync();
    const eps = 1e-2;
    for (let i = 0; i < x0.length; i++) {
      const plus = Float32Array.from(x0);
      plus[i] += eps;
      const minus = Float32Array.from(x0);
      minus[i] -= eps;
      const numeric = (loss(tf.tensor2d(plus, [8, 3])).dataSync()[0] - loss(tf.tensor2d(minus, [8, 3])).dataSync()[0]) / (2 * eps);
      expect(g[i]).toBeCloseTo(numeric, 2);
    }
  });

  it('leaks no tensors through forward and backward passes', () => {
    const a = randomCsr(20, 10, 0.3, 9);
    const op = sparseOperand(a);
    const x = tf.variable(tf.tensor2d(randomDense(10 * 4, 10), [10, 4]));
    const opt = tf.train.adam(0.01);
    const before = tf.memory().numTensors;
    for (let step = 0; step < 5; step++) {
      tf.tidy(() => {
        opt.minimize(() => tf.sum(tf.square(spmm(op, x))));
      });
    }
    const afterFirst = tf.memory().numTensors;
    for (let step = 0; step < 5; step++) {
      tf.tidy(() => {
        opt.minimize(() => tf.sum(tf.square(spmm(op, x))));
      });
    }
    // Adam creates its slot variables on the first step only; after that the count must stay flat.
    expect(tf.memory().numTensors).toBe(afterFirst);
    expect(afterFirst - before).toBeLessThanOrEqual(4);
    opt.dispose();
    x.dispose();
  });
});
