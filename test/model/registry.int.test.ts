import { Executor } from '../../src/db/executor';
import { extractGraph } from '../../src/graph/extract';
import type { HeteroGraph } from '../../src/graph/types';
import type { TrainedModel } from '../../src/model/types';
import {
  activateModel, activeModel, getModel, listModels, ModelVersion, publishModel, SLOTS,
} from '../../src/model/registry';
import { resetGraph, testExecutor } from '../helpers/neo4j';
import { seedSmallGraph } from '../helpers/smallGraph';
import { standinFit } from '../helpers/standinModel';

/** Every node's vectors in a model's slot, keyed by label:id, with the version stored beside them. */
async function slotVectors(db: Executor, m: ModelVersion): Promise<Map<string, { e: number[]; v: string }>> {
  const res = await db.driver.executeQuery(
    `MATCH (n) WHERE n[$p] IS NOT NULL
     RETURN labels(n)[0] + ':' + coalesce(n.id, n.name, n.kind + '/' + n.value) AS key, n[$p] AS e, n[$v] AS v`,
    { p: m.embeddingProperty, v: m.versionProperty });
  return new Map(res.records.map((r) => [r.get('key') as string, { e: r.get('e') as number[], v: r.get('v') as string }]));
}

describe('model/registry: versioned write-back and atomic activation', () => {
  let db: Executor;
  let graph: HeteroGraph;
  let nodes: number;
  const fit = (seed: number): Promise<TrainedModel> => standinFit(graph, { dims: 8, seed });

  beforeAll(async () => {
    db = testExecutor();
    await resetGraph(db);
    await seedSmallGraph(db);
    graph = (await extractGraph(db, { progress: false })).graph;
    nodes = graph.numUsers + graph.numItems + graph.categories.length + graph.contexts.length;
  });
  afterAll(async () => db.close());

  it('writes every node\'s embedding and a Model node with metrics, then activates it', async () => {
    expect(await activeModel(db)).toBeNull();
    const trained = await fit(1);
    const res = await publishModel(db, graph, trained, { progress: false, batchSize: 25, version: 'v1' });
    expect(res).toMatchObject({ version: 'v1', slot: 'a', active: true, writtenNodes: nodes });
    const m = (await activeModel(db))!;
    expect(m).toMatchObject({ version: 'v1', status: 'active', active: true, slot: 'a', dims: 8, userNormExponent: 0.5,
      metrics: { standinRecall20: 0.5 }, ...SLOTS.a });
    expect(m.params).toMatchObject({ model: 'standin', dims: 8 });
    expect(m.trainedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    const vecs = await slotVectors(db, m);
    expect(vecs.size).toBe(nodes);
    for (const { v, e } of vecs.values()) {
      expect(v).toBe('v1');
      expect(e).toHaveLength(8);
    }
    // the stored vectors are the model's, row for row
    const u7 = graph.userIds.indexOf('u7');
    const stored = vecs.get('User:u7')!.e;
    // the stored vectors are the model's, row for row, and read back to the same float32 values (not merely close)
    expect(Float32Array.from(stored)).toEqual(trained.embeddings.users.subarray(u7 * 8, u7 * 8 + 8));
    const i3 = 3;
    const item = await db.driver.executeQuery('MATCH (i:Item {id: $id}) RETURN i[$e] AS e, i[$f] AS f', { id: graph.itemIds[i3], e: m.embeddingProperty, f: m.foldInProperty });
    expect(Float32Array.from(item.records[0].get('e') as number[])).toEqual(trained.embeddings.items.subarray(i3 * 8, i3 * 8 + 8));
    expect(Float32Array.from(item.records[0].get('f') as number[])).toEqual(trained.embeddings.itemFoldIn.subarray(i3 * 8, i3 * 8 + 8));
    const items = await db.driver.executeQuery('MATCH (i:Item) RETURN count(i[$f]) AS f', { f: m.foldInProperty });
    expect(items.records[0].get('f')).toBe(graph.numItems);
    // no vector index is built for a version
    const indexes = await db.driver.executeQuery("SHOW VECTOR INDEXES YIELD name RETURN count(name) AS n");
    expect(indexes.records[0].get('n')).toBe(0);
  });

  it('leaves the old version active, intact and unmixed when a write fails midway', async () => {
    const before = (await activeModel(db))!;
    const vecsBefore = await slotVectors(db, before);
    const seen: string[] = [];
    await expect(publishModel(db, graph, await fit(2), {
      progress: false, batchSize: 25, failAfterBatches: 2, version: 'v2',
      // a reader during the write: always the old version, complete, in its own slot
      onProgress: () => void activeModel(db).then((m) => seen.push(m!.version)),
    })).rejects.toThrow(/simulated failure after 2 batches/);
    const after = (await activeModel(db))!;
    expect(after.version).toBe('v1');
    expect(after.slot).toBe('a');
    expect(await slotVectors(db, after)).toEqual(vecsBefore);
    const failed = (await getModel(db, 'v2'))!;
    expect(failed).toMatchObject({ status: 'failed', active: false, slot: 'b', writtenNodes: 50 });
    expect(failed.error).toMatch(/simulated failure/);
    expect(seen.every((v) => v === 'v1')).toBe(true);
    const activeCount = await db.driver.executeQuery('MATCH (m:Model {active: true}) RETURN count(m) AS n');
    expect(activeCount.records[0].get('n')).toBe(1);
  });

  it('switches atomically on the next successful run, and readers never see a mixed version', async () => {
    const checks: Promise<void>[] = [];
    const check = async () => {
      const m = (await activeModel(db))!;
      const vecs = await slotVectors(db, m);
      const versions = new Set([...vecs.values()].map((x) => x.v));
      expect([...versions]).toEqual([m.version]);
      expect(vecs.size).toBe(nodes);
    };
    const res = await publishModel(db, graph, await fit(3), { progress: false, batchSize: 25, version: 'v3', onProgress: () => checks.push(check()) });
    await Promise.all(checks);
    expect(checks.length).toBeGreaterThan(3);
    expect(res).toMatchObject({ version: 'v3', slot: 'b', active: true, previous: ['v1'] });
    await check();
    const models = Object.fromEntries((await listModels(db)).map((m) => [m.version, [m.status, m.slot]]));
    // the failed v2 left slot b to v3; v1 stays in slot a as the rollback target
    expect(models).toEqual({ v3: ['active', 'b'], v2: ['failed', null], v1: ['inactive', 'a'] });
    // nothing of the failed v2 survives in slot b
    const leftovers = await db.driver.executeQuery("MATCH (n) WHERE n.embeddingVersion_b = 'v2' RETURN count(n) AS n");
    expect(leftovers.records[0].get('n')).toBe(0);
  });

  it('rolls back to the previous version, and keeps vectors of the last two versions only', async () => {
    await activateModel(db, 'v1');
    expect((await activeModel(db))!.version).toBe('v1');
    await activateModel(db, 'v3');
    const res = await publishModel(db, graph, await fit(4), { progress: false, batchSize: 100, version: 'v4' });
    expect(res).toMatchObject({ version: 'v4', slot: 'a', previous: ['v3'] });
    const models = Object.fromEntries((await listModels(db)).map((m) => [m.version, [m.status, m.slot]]));
    expect(models).toEqual({ v4: ['active', 'a'], v3: ['inactive', 'b'], v2: ['failed', null], v1: ['retired', null] });
    await expect(activateModel(db, 'v1')).rejects.toThrow(/cannot be activated in status "retired" \(its vectors are gone\)/);
    const versions = await db.driver.executeQuery(
      'MATCH (n) RETURN collect(DISTINCT n.embeddingVersion_a) AS a, collect(DISTINCT n.embeddingVersion_b) AS b');
    expect(versions.records[0].toObject()).toEqual({ a: ['v4'], b: ['v3'] });
  });

  it('folds interactions recorded during training into the new version when it is activated', async () => {
    const since = new Date().toISOString();
    // recorded after the extraction: u1 now also purchased i2 (and dismissed i3, which must not count)
    await db.driver.executeQuery(`
      MATCH (u:User {id: 'u1'}), (a:Item {id: 'i2'}), (b:Item {id: 'i3'})
      CREATE (u)-[:INTERACTED {kind: 'purchase', weight: 5.0, at: datetime(), contexts: []}]->(a)
      CREATE (u)-[:INTERACTED {kind: 'dismiss', weight: -1.0, at: datetime(), contexts: []}]->(b)`);
    const trained = await fit(6);
    const res = await publishModel(db, graph, trained, { progress: false, batchSize: 100, version: 'v5', foldInSince: since });
    expect(res.active).toBe(true);
    const m = (await activeModel(db))!;
    // expected: the serving rule over u1's positive interactions, with v5's fold-in vectors
    const rows = await db.driver.executeQuery(
      `MATCH (:User {id: 'u1'})-[r:INTERACTED]->(i:Item) WHERE r.weight > 0 RETURN i.id AS id, sum(r.weight) AS w`);
    const e = trained.embeddings;
    let degree = 0;
    const want = new Array<number>(8).fill(0);
    for (const r of rows.records) {
      const i = graph.itemIds.indexOf(r.get('id'));
      const w = r.get('w') as number;
      degree += w;
      for (let k = 0; k < 8; k++) want[k] += w * e.itemFoldIn[i * 8 + k];
    }
    const got = await db.driver.executeQuery(`MATCH (u:User {id: 'u1'}) RETURN u[$p] AS e, u[$v] AS v`, { p: m.embeddingProperty, v: m.versionProperty });
    expect(got.records[0].get('v')).toBe('v5');
    const stored = got.records[0].get('e') as number[];
    want.forEach((x, k) => expect(stored[k]).toBeCloseTo(x * Math.pow(degree, -0.5), 5));
    // a user without new interactions keeps the trained embedding
    const u2 = graph.userIds.indexOf('u2');
    const other = await db.driver.executeQuery(`MATCH (u:User {id: 'u2'}) RETURN u[$p] AS e`, { p: m.embeddingProperty });
    (other.records[0].get('e') as number[]).forEach((x, k) => expect(x).toBeCloseTo(e.users[u2 * 8 + k], 6));
  });

  it('rejects embeddings that do not cover the graph, naming the part and sizes', async () => {
    const t = await fit(5);
    t.embeddings.items = t.embeddings.items.slice(8);
    await expect(publishModel(db, graph, t, { progress: false })).rejects.toThrow(/embeddings.items must hold 40 x 8 = 320 floats, got 312/);
  });
});
