import { generateSynthetic, syntheticToHeteroGraph } from '../../src/import/synthetic';
import { BprMf } from '../../src/model/baselines/bprMf';
import { ItemKnn, itemNeighbours } from '../../src/model/baselines/itemKnn';
import { MostPopular } from '../../src/model/baselines/popularity';
import { evaluate } from '../../src/model/evaluate';
import { binaryCsr } from '../../src/graph/files';
import type { InteractionDataset } from '../../src/graph/types';
import type { Recommender } from '../../src/model/types';

// a seeded synthetic interest graph with planted category structure that popularity cannot see
const graph = syntheticToHeteroGraph(generateSynthetic({ users: 800, items: 400, seed: 11 }), { split: 'random', seed: 11 });
const data: InteractionDataset = { name: 'synthetic', numUsers: graph.numUsers, numItems: graph.numItems, train: graph.train, test: graph.test };

async function recallAt20(model: Recommender): Promise<number> {
  const res = await evaluate(model, { numUsers: data.numUsers, numItems: data.numItems, train: data.train, test: data.test! }, { auc: 'none' });
  return res.atK[20].recall;
}

describe('model/baselines: rankings on planted structure', () => {
  let popRecall = 0;

  it('MostPopular ranks by train popularity', async () => {
    const m = new MostPopular();
    await m.fit(data);
    const out = new Float32Array(data.numItems * 2);
    m.scoreUsers(Int32Array.from([0, 1]), out);
    const counts = new Float32Array(data.numItems);
    for (const i of data.train.indices) counts[i]++;
    expect(Array.from(out.subarray(0, data.numItems))).toEqual(Array.from(counts));
    expect(Array.from(out.subarray(data.numItems))).toEqual(Array.from(counts));
    popRecall = await recallAt20(m);
    expect(popRecall).toBeGreaterThan(0);
  });

  it('ItemKNN beats MostPopular and chooses k on validation', async () => {
    const m = new ItemKnn({ neighbourCandidates: [20, 50], progress: false });
    const rep = await m.fit(data, { seed: 3 });
    expect([20, 50]).toContain(rep.params!.neighbours);
    expect(['none', 'inverse']).toContain(rep.params!.userWeighting);
    const r = await recallAt20(m);
    expect(r).toBeGreaterThan(popRecall * 1.5);
  });

  it('BPR-MF beats MostPopular, stops on validation and is reproducible by seed', async () => {
    const opts = { dims: 16, maxEpochs: 16, evalEvery: 4, patience: 2, progress: false };
    const m = new BprMf(opts);
    const rep = await m.fit(data, { seed: 5 });
    expect(rep.epochs).toBeGreaterThan(0);
    expect(rep.curve!.length).toBeGreaterThanOrEqual(rep.epochs);
    expect(rep.curve!.some((p) => p.valRecall20 !== undefined)).toBe(true);
    // the loss goes down
    expect(rep.curve![rep.curve!.length - 1].loss!).toBeLessThan(rep.curve![0].loss!);
    const r = await recallAt20(m);
    expect(r).toBeGreaterThan(popRecall * 1.5);
    const again = new BprMf({ ...opts, epochs: 3 });
    const other = new BprMf({ ...opts, epochs: 3 });
    await again.fit(data, { seed: 9 });
    await other.fit(data, { seed: 9 });
    expect(again.embeddings.items).toEqual(other.embeddings.items);
    m.dispose();
    again.dispose();
    other.dispose();
  });

  it('item neighbours are the cosine of co-occurrence, best first, self excluded', () => {
    // users: {0,1}, {0,1,2}, {2}
    const train = binaryCsr(3, 3, Int32Array.from([0, 0, 1, 1, 1, 2]), Int32Array.from([0, 1, 0, 1, 2, 2]));
    const nb = itemNeighbours(train, 2);
    // item 0: users {0,1}; item 1: {0,1}; item 2: {1,2} -> sim(0,1) = 2/2 = 1, sim(0,2) = 1/2
    expect(Array.from(nb.indices.subarray(0, 2))).toEqual([1, 2]);
    expect(nb.values[0]).toBeCloseTo(1, 6);
    expect(nb.values[1]).toBeCloseTo(0.5, 6);
    // with user weights 1/|I_u| (1/2, 1/3, 1): sim(0,1) = (1/2 + 1/3)/2
    const w = ItemKnn.userWeights(train, 'inverse')!;
    expect(itemNeighbours(train, 1, undefined, w).values[0]).toBeCloseTo((1 / 2 + 1 / 3) / 2, 6);
  });

  it('rejects bad options with the value', () => {
    expect(() => new BprMf({ dims: 0 })).toThrow('BprMf: dims must be a positive integer, got 0');
    expect(() => new ItemKnn({ neighbours: -1 })).toThrow('ItemKnn: neighbours must be a positive integer, got -1');
    expect(() => new MostPopular().scoreUsers(new Int32Array(1), new Float32Array(1))).toThrow('call fit() first');
  });
});
