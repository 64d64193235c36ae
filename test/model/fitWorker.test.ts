import { generateSynthetic, syntheticToHeteroGraph } from '../../src/import/synthetic';
import { initBackend } from '../../src/model/backend';
import { fitGraph } from '../../src/model/interestModel';
import { fitGraphInWorker } from '../../src/model/fitWorker';

const graph = syntheticToHeteroGraph(generateSynthetic({ users: 500, items: 250, seed: 5 }), { split: 'random', seed: 5 });
const small = { k: 16, iterations: 8, validationUsers: 200, candidates: 60 };

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' }); // the worker picks wasm too: both sides run the same kernels
});

describe('model/fitWorker: fitting on a worker thread', () => {
  it('returns the model an in-process fit returns, and forwards progress', async () => {
    const progress: Record<string, number>[] = [];
    const remote = await fitGraphInWorker(graph, { ...small, seed: 3, version: 'v-w', onProgress: (p) => progress.push(p), heldOutCheck: { maxUsers: 300, seed: 9 } });
    const local = await fitGraph(graph, { ...small, seed: 3, version: 'v-w', heldOutCheck: { maxUsers: 300, seed: 9 } });
    expect(remote.version).toBe('v-w');
    expect(remote.embeddings.dims).toBe(local.embeddings.dims);
    for (const key of ['users', 'items', 'itemFoldIn', 'categories', 'contexts'] as const) {
      const a = remote.embeddings[key];
      const b = local.embeddings[key];
      expect(Object.prototype.toString.call(a)).toBe('[object Float32Array]'); // cloned across threads (another realm under Jest)
      expect(a.length).toBe(b.length);
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      expect(worst).toBeLessThan(1e-4);
    }
    expect(remote.params).toEqual(local.params);
    // the held-out check of the served score ran in the worker, as it does here
    expect(local.metrics.heldOutUsers).toBe(300);
    expect(remote.metrics.heldOutUsers).toBe(300);
    expect(remote.metrics.heldOutRecall20).toBeCloseTo(local.metrics.heldOutRecall20, 4);
    expect(progress.length).toBeGreaterThan(0);
  }, 120_000);

  it('rejects with the model\'s error, and when cancelled', async () => {
    const bad = await fitGraphInWorker(graph, { ...small, k: -1 }).then(() => null, (err: Error) => err);
    const controller = new AbortController();
    const run = fitGraphInWorker(graph, { ...small, seed: 1, signal: controller.signal });
    controller.abort();
    const cancelled = await run.then(() => null, (err: Error) => err);
    expect(bad?.message).toBe('InterestModel: option k must be an integer in [1, 2048], got -1'); // the model's own message
    expect(cancelled?.message).toMatch(/aborted|cancelled/);
  }, 60_000);
});
