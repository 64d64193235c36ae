import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Executor } from '../../src/db/executor';
import { extractGraph } from '../../src/graph/extract';
import { loadInteractionFiles } from '../../src/graph/files';
import type { Csr } from '../../src/graph/csr';
import { resetGraph, testExecutor } from '../helpers/neo4j';
import { generateSynthetic } from '../../src/import/synthetic';
import { importSynthetic, syntheticRows } from '../../src/import/synthetic-import';
import { interactionWeight, isPositiveKind } from '../../src/graph/weights';

/** (rowId, colId) -> value triples of a CSR, with rows and columns named by external ids. */
function triples(a: Csr, rowIds: string[], colIds: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (let r = 0; r < a.rows; r++) {
    for (let k = a.indptr[r]; k < a.indptr[r + 1]; k++) m.set(`${rowIds[r]}>${colIds[a.indices[k]]}`, a.values[k]);
  }
  return m;
}

/** Deterministic little LightGCN-format dataset: 40 users, 60 items, train and test lines. */
function writeFixture(dir: string): void {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const train: string[] = [];
  const test: string[] = [];
  for (let u = 0; u < 40; u++) {
    const items = new Set<number>();
    const n = 3 + Math.floor(rand() * 8);
    while (items.size < n) items.add(Math.floor(rand() * 60));
    const all = [...items];
    train.push([u, ...all.slice(0, n - 1)].join(' '));
    test.push([u, all[n - 1]].join(' '));
  }
  fs.writeFileSync(path.join(dir, 'train.txt'), train.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'test.txt'), test.join('\n') + '\n');
}

describe('graph/extract: graph extraction from Neo4j', () => {
  let db: Executor;
  let dir: string;
  beforeAll(async () => {
    db = testExecutor();
    await resetGraph(db);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'extract-fixture-'));
    writeFixture(dir);
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await db.close();
  });

  it('gives the same train and test CSRs as the file route for the same LightGCN data', async () => {
    const files = loadInteractionFiles(dir);
    // import the same data: every node, train pairs as `view` interactions (weight 1, the implicit-feedback
    // weight), test pairs as HELD_OUT
    const pairs = (a: Csr) => {
      const out: { u: string; i: string }[] = [];
      for (let r = 0; r < a.rows; r++) for (let k = a.indptr[r]; k < a.indptr[r + 1]; k++) out.push({ u: String(r), i: String(a.indices[k]) });
      return out;
    };
    await db.driver.executeQuery('UNWIND $ids AS id CREATE (:User {id: id})', { ids: files.userIds });
    await db.driver.executeQuery('UNWIND $ids AS id CREATE (:Item {id: id, title: "item " + id})', { ids: files.itemIds });
    await db.driver.executeQuery(
      `UNWIND $rows AS row MATCH (u:User {id: row.u}), (i:Item {id: row.i})
       CREATE (u)-[:INTERACTED {kind: 'view', weight: 1.0, at: datetime('2026-07-01T00:00:00Z'), contexts: []}]->(i)`,
      { rows: pairs(files.train) });
    await db.driver.executeQuery(
      `UNWIND $rows AS row MATCH (u:User {id: row.u}), (i:Item {id: row.i})
       CREATE (u)-[:HELD_OUT {kind: 'view', weight: 1.0, at: datetime('2026-08-01T00:00:00Z')}]->(i)`,
      { rows: pairs(files.test!) });

    const { graph, stats } = await extractGraph(db, { progress: false });
    expect(graph.numUsers).toBe(files.numUsers);
    expect(graph.numItems).toBe(files.numItems);
    expect(new Set(graph.userIds)).toEqual(new Set(files.userIds));
    expect(triples(graph.train, graph.userIds, graph.itemIds)).toEqual(triples(files.train, files.userIds!, files.itemIds!));
    expect(triples(graph.test!, graph.userIds, graph.itemIds)).toEqual(triples(files.test!, files.userIds!, files.itemIds!));
    expect(stats.trainPairs).toBe(files.train.indices.length);
    // node indexes follow id order, so two extractions of the same graph map identically
    const again = await extractGraph(db, { progress: false });
    expect(again.graph.userIds).toEqual(graph.userIds);
    expect(Array.from(again.graph.train.indices)).toEqual(Array.from(graph.train.indices));
  });

  it('reads categories, contexts, follows and kind weights, and leaves negative feedback out', async () => {
    await db.driver.executeQuery(`
      MATCH (u0:User {id: '0'}), (u1:User {id: '1'}), (i0:Item {id: '0'}), (i1:Item {id: '1'})
      MERGE (c:Category {name: 'books'})
      MERGE (x:Context {kind: 'device', value: 'mobile'})
      MERGE (y:Context {kind: 'timeOfDay', value: 'evening'})
      CREATE (i0)-[:IN_CATEGORY]->(c), (i1)-[:IN_CATEGORY]->(c)
      CREATE (u0)-[:ACTIVE_IN {count: 4}]->(x), (u0)-[:ACTIVE_IN {count: 2}]->(y)
      CREATE (i1)-[:POPULAR_IN {count: 9}]->(y)
      CREATE (u0)-[:FOLLOWS]->(u1)
      CREATE (u1)-[:INTERACTED {kind: 'purchase', weight: 5.0, at: datetime('2026-07-02T00:00:00Z'), contexts: ['device:mobile']}]->(i1)
      CREATE (u1)-[:INTERACTED {kind: 'dismiss', weight: -1.0, at: datetime('2026-07-02T00:00:00Z'), contexts: []}]->(i0)`);
    const files = loadInteractionFiles(dir);
    const before = triples(files.train, files.userIds!, files.itemIds!);
    const { graph, stats } = await extractGraph(db, { progress: false });
    expect(graph.categories).toEqual(['books']);
    expect(graph.contexts).toEqual([{ kind: 'device', value: 'mobile' }, { kind: 'timeOfDay', value: 'evening' }]);
    expect(triples(graph.itemCategory, graph.itemIds, graph.categories)).toEqual(new Map([['0>books', 1], ['1>books', 1]]));
    const ctxIds = graph.contexts.map((c) => `${c.kind}/${c.value}`);
    expect(triples(graph.userContext, graph.userIds, ctxIds)).toEqual(new Map([['0>device/mobile', 4], ['0>timeOfDay/evening', 2]]));
    expect(triples(graph.itemContext, graph.itemIds, ctxIds)).toEqual(new Map([['1>timeOfDay/evening', 9]]));
    expect(triples(graph.follows, graph.userIds, graph.userIds)).toEqual(new Map([['0>1', 1]]));
    const train = triples(graph.train, graph.userIds, graph.itemIds);
    expect(train.get('1>1')).toBe((before.get('1>1') ?? 0) + 5);
    expect(train.get('1>0')).toBe(before.get('1>0')); // the dismiss added nothing
    expect(stats.negativeSkipped).toBe(1);
  });
});

describe('graph/extract: the synthetic graph read back from Neo4j', () => {
  let db: Executor;
  beforeAll(async () => {
    db = testExecutor();
    await resetGraph(db);
  });
  afterAll(async () => db.close());

  it('equals the generated data: kind weights summed per pair, context counts, categories and follows', async () => {
    const options = { users: 60, seed: 5 };
    await importSynthetic(db, { ...options, batchSize: 5000 });
    const data = generateSynthetic(options);
    const rows = syntheticRows(data);
    const { graph, stats } = await extractGraph(db, { progress: false });

    const train = new Map<string, number>();
    for (const e of rows.interactions) {
      if (!isPositiveKind(e.kind)) continue;
      const key = `${e.user}>${e.item}`;
      train.set(key, (train.get(key) ?? 0) + interactionWeight(e.kind));
    }
    expect(triples(graph.train, graph.userIds, graph.itemIds)).toEqual(train);
    expect(stats.negativeSkipped).toBe(rows.interactions.filter((e) => !isPositiveKind(e.kind)).length);
    expect(new Set(graph.userIds)).toEqual(new Set(data.users.map((u) => u.id)));
    expect(new Set(graph.categories)).toEqual(new Set(data.categories));
    expect(triples(graph.itemCategory, graph.itemIds, graph.categories))
      .toEqual(new Map(rows.inCategory.map((r) => [`${r.item}>${r.category}`, 1])));
    const ctxIds = graph.contexts.map((c) => `${c.kind}/${c.value}`);
    expect(triples(graph.userContext, graph.userIds, ctxIds))
      .toEqual(new Map(rows.activeIn.map((r) => [`${r.id}>${r.kind}/${r.value}`, r.count])));
    expect(triples(graph.itemContext, graph.itemIds, ctxIds))
      .toEqual(new Map(rows.popularIn.map((r) => [`${r.id}>${r.kind}/${r.value}`, r.count])));
    expect(triples(graph.follows, graph.userIds, graph.userIds)).toEqual(new Map(data.follows.map((f) => [`${f.from}>${f.to}`, 1])));
  });

  it('decays interaction weights by age when given a half-life', async () => {
    const plain = (await extractGraph(db, { progress: false })).graph;
    const decayed = (await extractGraph(db, { progress: false, halfLifeDays: 7 })).graph;
    expect(Array.from(decayed.train.indices)).toEqual(Array.from(plain.train.indices));
    let smaller = 0;
    for (let k = 0; k < plain.train.values.length; k++) {
      expect(decayed.train.values[k]).toBeLessThanOrEqual(plain.train.values[k] + 1e-6);
      if (decayed.train.values[k] < plain.train.values[k] * 0.5) smaller++;
    }
    expect(smaller).toBeGreaterThan(plain.train.values.length / 4); // 90 days of data, a 7-day half-life
  });
});
