import { csrFromCoo, type Csr } from '../../../src/graph/csr';
import { spmmImpl } from '../../../src/model/kernels/spmm_impl';
import { seededRandom } from '../../../src/random';

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

  it('rejects a dense input of the wrong shape, naming the op and the sizes', () => {
    const a = randomCsr(3, 4, 0.5, 5);
    expect(() => spmmImpl(a, new Float32Array(10), 2)).toThrow(/spmm: dense input has 10 values, expected cols × d = 4 × 2/);
  });
});
