import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { generateSynthetic, syntheticToHeteroGraph } from '../../src/import/synthetic';
import { tf, initBackend } from '../../src/model/backend';
import { MostPopular } from '../../src/model/baselines/popularity';
import { evaluate } from '../../src/model/evaluate';
import { GfcfRecommender } from '../../src/model/gfcf';
import { fitGraph, InterestModel } from '../../src/model/interestModel';
import { loadModel, saveModel } from '../../src/model/serialize';
import type { InteractionDataset, Recommender } from '../../src/model/types';

const graph = syntheticToHeteroGraph(generateSynthetic({ users: 800, items: 400, seed: 11 }), { split: 'random', seed: 11 });
const data: InteractionDataset = { name: 'synthetic', numUsers: graph.numUsers, numItems: graph.numItems, train: graph.train, test: graph.test };
const small = { k: 24, iterations: 12, epochs: 4, patience: 2, usersPerEpoch: 400, batchSize: 100, validationUsers: 300, logger: undefined };

async function recallAt20(model: Recommender): Promise<number> {
  const res = await evaluate(model, { numUsers: data.numUsers, numItems: data.numItems, train: data.train, test: data.test! }, { auc: 'none' });
  return res.atK[20].recall;
}

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
  process.env.LOG_LEVEL = 'warn';
});

describe('model/interestModel: a trained graph filter', () => {
  let popRecall = 0;
  let model: InterestModel;

  beforeAll(async () => {
    const pop = new MostPopular();
    await pop.fit(data);
    popRecall = await recallAt20(pop);
  });

  it('trains without leaking tensors and beats MostPopular by a clear margin', async () => {
    model = new InterestModel(small);
    const before = tf.memory().numTensors;
    const rep = await model.fit(data, { seed: 7 });
    // the scorer keeps at most its one cached matrix
    expect(tf.memory().numTensors - before).toBeLessThanOrEqual(1);
    expect(rep.epochs).toBeGreaterThan(0);
    expect(rep.curve!.length).toBe(rep.epochs + 1);
    expect(rep.curve!.slice(1).every((p) => Number.isFinite(p.loss))).toBe(true);
    const r = await recallAt20(model);
    expect(r).toBeGreaterThan(popRecall * 1.5);
  });

  it('is reproducible with a seed', async () => {
    const again = new InterestModel(small);
    const rep = await again.fit(data, { seed: 7 });
    expect(again.response).toEqual(model.response);
    expect(rep.params!.bestEpoch).toBeDefined();
    again.dispose();
  });

  it('saves and loads back to identical scores', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'interest-model-'));
    try {
      saveModel(model, dir);
      const loaded = loadModel(dir);
      const users = Int32Array.from([0, 5, 17, 300]);
      const a = new Float32Array(users.length * data.numItems);
      const b = new Float32Array(users.length * data.numItems);
      model.scoreUsers(users, a);
      loaded.scoreUsers(users, b);
      expect(Array.from(b)).toEqual(Array.from(a));
      loaded.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives embeddings whose dot product is the spectral part of the score and folds users in from items', async () => {
    const emb = model.embeddings(graph);
    const k = emb.dims;
    expect(emb.users.length).toBe(graph.numUsers * k);
    expect(emb.categories.length).toBe(graph.categories.length * k);
    expect(emb.contexts.length).toBe(graph.contexts.length * k);
    const u = 3;
    // fold-in: d_u^-e Σ w_ui foldIn[i]
    const fold = new Float64Array(k);
    for (let p = graph.train.indptr[u]; p < graph.train.indptr[u + 1]; p++) {
      for (let c = 0; c < k; c++) fold[c] += graph.train.values[p] * emb.itemFoldIn[graph.train.indices[p] * k + c];
    }
    let du = 0;
    for (let p = graph.train.indptr[u]; p < graph.train.indptr[u + 1]; p++) du += graph.train.values[p];
    const norm = Math.pow(du, -emb.userNormExponent);
    for (let c = 0; c < k; c++) expect(emb.users[u * k + c]).toBeCloseTo(norm * fold[c], 4);
    // score = neighbourhood + dot(users[u], items[i])
    const sc = model.fitted;
    const lin = sc.neighbourhood(graph.train, [u]);
    const out = new Float32Array(graph.numItems);
    model.scoreUsers(Int32Array.from([u]), out);
    const gamma = model.response.itemOutputExponent;
    for (const i of [0, 10, 99]) {
      let dot = 0;
      for (let c = 0; c < k; c++) dot += emb.users[u * k + c] * emb.items[i * k + c];
      const d = sc.basis.norm.itemDegree[i];
      expect(out[i]).toBeCloseTo(lin[i] * (d > 0 ? Math.pow(d, gamma) : 0) + dot, 3);
    }
  });

  it('fitGraph returns embeddings for every node and the neighbourhood parameters serving needs', async () => {
    const trained = await fitGraph(graph, { ...small, seed: 3, version: 'v-test' });
    expect(trained.version).toBe('v-test');
    expect(trained.embeddings.items.length).toBe(graph.numItems * trained.embeddings.dims);
    for (const key of ['userExponent', 'itemExponent', 'linearWeight', 'itemOutputExponent', 'userNormExponent', 'poly']) {
      expect(trained.params).toHaveProperty(key);
    }
    expect(trained.metrics.valRecall20).toBeGreaterThan(0);
  });

  it('trains on positive edges only (negative feedback is not a training edge)', async () => {
    const values = Float32Array.from(graph.train.values);
    values[0] = -1;
    values[5] = -1;
    const trained = await fitGraph({ ...graph, train: { ...graph.train, values } }, { ...small, epochs: 1, seed: 3 });
    expect(trained.embeddings.users.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('stops when aborted, freeing its tensors', async () => {
    const ctl = new AbortController();
    ctl.abort();
    const before = tf.memory().numTensors;
    await expect(fitGraph(graph, { ...small, seed: 3, signal: ctl.signal })).rejects.toThrow(/InterestModel.fit: aborted/);
    expect(tf.memory().numTensors).toBe(before);
  });

  afterAll(() => model?.dispose());
});

describe('model/gfcf: the training-free baseline', () => {
  it('beats MostPopular on planted structure', async () => {
    const pop = new MostPopular();
    await pop.fit(data);
    const g = new GfcfRecommender({ k: 24, iterations: 12 });
    await g.fit(data, { seed: 1 });
    expect(await recallAt20(g)).toBeGreaterThan((await recallAt20(pop)) * 1.5);
  });
});
