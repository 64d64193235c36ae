import type { Csr } from '../../src/graph/csr';
import type { HeteroGraph } from '../../src/graph/types';
import type { TrainedModel } from '../../src/model/types';

/**
 * A stand-in for the real model in the training/registry tests only (never used by src/): seeded random
 * features smoothed by two steps of symmetric-normalised propagation over the whole heterogeneous graph,
 * fold-in vectors e_i / sqrt(d_i) with userNormExponent 0.5. Cheap and deterministic; its quality does
 * not matter to the tests that use it.
 */
export async function standinFit(graph: HeteroGraph, opts: { dims?: number; seed?: number; signal?: AbortSignal } = {}): Promise<TrainedModel> {
  const dims = opts.dims ?? 8;
  let seed = (opts.seed ?? 1) >>> 0 || 1;
  const rand = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return ((seed >>> 0) / 0xffffffff) - 0.5;
  };
  const U = graph.numUsers;
  const I = graph.numItems;
  const C = graph.categories.length;
  const X = graph.contexts.length;
  const N = U + I + C + X;
  const adj: number[][] = Array.from({ length: N }, () => []);
  const addRel = (a: Csr, rowOff: number, colOff: number) => {
    for (let r = 0; r < a.rows; r++) {
      for (let k = a.indptr[r]; k < a.indptr[r + 1]; k++) {
        adj[rowOff + r].push(colOff + a.indices[k]);
        adj[colOff + a.indices[k]].push(rowOff + r);
      }
    }
  };
  addRel(graph.train, 0, U);
  addRel(graph.itemCategory, U, U + I);
  addRel(graph.userContext, 0, U + I + C);
  addRel(graph.itemContext, U, U + I + C);
  addRel(graph.follows, 0, 0);
  const deg = adj.map((n) => Math.max(1, n.length));
  let h = new Float32Array(N * dims).map(() => rand());
  const sum = Float32Array.from(h);
  for (let layer = 0; layer < 2; layer++) {
    if (opts.signal?.aborted) throw new Error('standinFit: cancelled');
    const next = new Float32Array(N * dims);
    for (let v = 0; v < N; v++) {
      for (const w of adj[v]) {
        const c = 1 / Math.sqrt(deg[v] * deg[w]);
        for (let k = 0; k < dims; k++) next[v * dims + k] += c * h[w * dims + k];
      }
    }
    h = next;
    for (let k = 0; k < sum.length; k++) sum[k] += h[k];
  }
  for (let k = 0; k < sum.length; k++) sum[k] /= 3;
  const items = sum.slice(U * dims, (U + I) * dims);
  const foldIn = items.map((x, k) => x / Math.sqrt(deg[U + Math.floor(k / dims)]));
  await new Promise((r) => setImmediate(r));
  return {
    version: 'standin',
    embeddings: {
      dims,
      users: sum.slice(0, U * dims),
      items,
      itemFoldIn: foldIn,
      categories: sum.slice((U + I) * dims, (U + I + C) * dims),
      contexts: sum.slice((U + I + C) * dims, N * dims),
      userNormExponent: 0.5,
    },
    metrics: { standinRecall20: 0.5 },
    params: { dims, seed: opts.seed ?? 1, model: 'standin' },
    report: { trainSeconds: 0, epochs: 0 },
  };
}
