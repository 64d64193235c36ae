import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CYPHER_DIR } from '../../src/db/cypher';
import { Executor } from '../../src/db/executor';
import { ImportValidationError } from '../../src/import/errors';
import { importLightGcn } from '../../src/import/lightgcn';
import { importMovieLens, MovieLensFiles } from '../../src/import/movielens';
import { generateSynthetic } from '../../src/import/synthetic';
import { importSynthetic, syntheticRows } from '../../src/import/synthetic-import';
import { graphCounts, resetGraph, testExecutor } from '../helpers/neo4j';
import { FIXTURES } from '../helpers/files';

const FIX = FIXTURES;
const LIGHTGCN = path.join(FIX, 'lightgcn');
const ML: MovieLensFiles = {
  ratings: path.join(FIX, 'movielens', 'ratings.csv'),
  items: path.join(FIX, 'movielens', 'items.csv'),
  users: path.join(FIX, 'movielens', 'users.csv'),
};

let tmp: string;
/** Writes `files` into a fresh temporary folder and returns its path. */
function tempDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(tmp, 'case-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

let db: Executor;
beforeAll(async () => {
  db = testExecutor();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ig-import-'));
});
afterAll(async () => {
  await db.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('import/lightgcn: LightGCN text files into Neo4j', () => {
  beforeAll(async () => resetGraph(db));

  it('imports the fixture with exact node and relationship counts', async () => {
    const r = await importLightGcn(db, LIGHTGCN);
    expect(r).toMatchObject({ users: 4, items: 7, interactions: 10, heldOut: 5 });
    expect(r.written.relationshipsCreated).toBe(15);
    expect(await graphCounts(db)).toEqual({ User: 4, Item: 7, INTERACTED: 10, HELD_OUT: 5 });
    const rel = await db.driver.executeQuery(
      "MATCH (:User {id: '2'})-[r:INTERACTED]->(i:Item) RETURN collect(i.id) AS items, collect(DISTINCT r.kind) AS kinds, collect(DISTINCT r.weight) AS weights, count(r.at) AS timed");
    const rec = rel.records[0];
    expect([...rec.get('items')].sort()).toEqual(['0', '2', '4', '5']);
    expect(rec.get('kinds')).toEqual(['view']);
    expect(rec.get('weights')).toEqual([1]);
    expect(Number(rec.get('timed'))).toBe(0);
  });

  it('changes nothing when run twice', async () => {
    const before = await graphCounts(db);
    const r = await importLightGcn(db, LIGHTGCN);
    expect(r.written).toEqual({ nodesCreated: 0, relationshipsCreated: 0, propertiesSet: 0 });
    expect(await graphCounts(db)).toEqual(before);
  });

  it('repairs a partial import by re-running (users with none, some or all of their edges)', async () => {
    const full = await graphCounts(db);
    await db.driver.executeQuery("MATCH (:User {id: '0'})-[r:INTERACTED|HELD_OUT]->() DELETE r");
    await db.driver.executeQuery("MATCH (:User {id: '2'})-[r:INTERACTED]->(:Item {id: '4'}) DELETE r");
    expect((await graphCounts(db)).INTERACTED).toBe(6);
    const r = await importLightGcn(db, LIGHTGCN);
    expect(r.written.relationshipsCreated).toBe(5);
    expect(await graphCounts(db)).toEqual(full);
  });

  it('gives the same graph with small batches and several concurrent writers', async () => {
    const full = await graphCounts(db);
    await resetGraph(db);
    const r = await importLightGcn(db, LIGHTGCN, { batchSize: 2, concurrency: 3 });
    expect(r.written.relationshipsCreated).toBe(15);
    expect(await graphCounts(db)).toEqual(full);
    await db.driver.executeQuery("MATCH (:User {id: '2'})-[r:INTERACTED]->(:Item {id: '0'}) DELETE r");
    const again = await importLightGcn(db, LIGHTGCN, { batchSize: 3, concurrency: 2 });
    expect(again.written.relationshipsCreated).toBe(1);
    expect(await graphCounts(db)).toEqual(full);
  });

  it('stops on a bad file before writing anything, naming file, line and value', async () => {
    const before = await graphCounts(db);
    const cases: { files: Record<string, string>; file: string; line: number; value: string }[] = [
      { files: { 'train.txt': '10 1 2\n11 2\n12 x7 3\n', 'test.txt': '10 3\n' }, file: 'train.txt', line: 3, value: 'x7' },
      { files: { 'train.txt': '10 1 2\n', 'test.txt': '10 3\n11 -4\n' }, file: 'test.txt', line: 2, value: '-4' },
      { files: { 'train.txt': '10 1 2\n11 2.5\n', 'test.txt': '10 3\n' }, file: 'train.txt', line: 2, value: '2.5' },
      { files: { 'train.txt': 'user item\n', 'test.txt': '10 3\n' }, file: 'train.txt', line: 1, value: 'user' },
    ];
    for (const c of cases) {
      const dir = tempDir(c.files);
      const err = await importLightGcn(db, dir).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ImportValidationError);
      const e = err as ImportValidationError;
      expect(e.file).toBe(path.join(dir, c.file));
      expect(e.message).toContain(`${path.join(dir, c.file)}:${c.line}:`);
      expect(e.message).toContain(`"${c.value}"`);
      expect(await graphCounts(db)).toEqual(before);
    }
  });

  it('stops on a missing or empty file, naming it', async () => {
    const before = await graphCounts(db);
    const noTest = tempDir({ 'train.txt': '10 1\n' });
    await expect(importLightGcn(db, noTest)).rejects.toThrow(`${path.join(noTest, 'test.txt')}: expected an existing file (not found)`);
    const empty = tempDir({ 'train.txt': '\n  \n', 'test.txt': '10 1\n' });
    await expect(importLightGcn(db, empty)).rejects.toThrow(`${path.join(empty, 'train.txt')}: expected a non-empty file`);
    await expect(importLightGcn(db, path.join(tmp, 'nowhere'))).rejects.toThrow(/nowhere.*train\.txt.*not found/);
    expect(await graphCounts(db)).toEqual(before);
  });
});

describe('import/movielens: MovieLens-style CSV into Neo4j', () => {
  beforeAll(async () => resetGraph(db));

  it('imports the fixture with exact node and relationship counts', async () => {
    const r = await importMovieLens(db, ML);
    expect(r).toMatchObject({ users: 4, items: 4, categories: 8, inCategory: 9, interactions: 5 });
    expect(await graphCounts(db)).toEqual({ User: 4, Item: 4, Category: 8, IN_CATEGORY: 9, INTERACTED: 5 });
    const res = await db.driver.executeQuery(
      "MATCH (:User {id: 'u1'})-[r:INTERACTED]->(i:Item {id: 'm3'}) RETURN i.title AS title, r.kind AS kind, r.rating AS rating, r.weight AS weight, r.at.epochSeconds AS at");
    expect(res.records[0].toObject()).toEqual({ title: 'Heat, The (1995)', kind: 'rating', rating: 5, weight: 5, at: 964981247 });
    const untimed = await db.driver.executeQuery("MATCH (:User {id: 'u2'})-[r:INTERACTED]->(:Item {id: 'm2'}) RETURN r.at AS at, r.weight AS w");
    expect(untimed.records[0].toObject()).toEqual({ at: null, w: 2 });
  });

  it('changes nothing when run twice', async () => {
    const before = await graphCounts(db);
    const r = await importMovieLens(db, ML);
    expect(r.written.nodesCreated).toBe(0);
    expect(r.written.relationshipsCreated).toBe(0);
    expect(await graphCounts(db)).toEqual(before);
  });

  it('stops on a bad file before writing anything, naming file, line and value', async () => {
    const before = await graphCounts(db);
    const items = fs.readFileSync(ML.items, 'utf8');
    const ratings = fs.readFileSync(ML.ratings, 'utf8');
    const newItems = `${items}m9,New,Drama\n`; // would add an item and a category if anything were written
    const cases: { files: Record<string, string>; file: string; line: number; value: string }[] = [
      // unknown column
      { files: { 'items.csv': newItems, 'ratings.csv': 'userId,itemId,rating,stars\nu1,m1,4,5\n' }, file: 'ratings.csv', line: 1, value: 'stars' },
      // malformed line (wrong number of fields)
      { files: { 'items.csv': newItems, 'ratings.csv': `${ratings}u9,m9,4.0\n` }, file: 'ratings.csv', line: 7, value: 'u9,m9,4.0' },
      // non-numeric rating
      { files: { 'items.csv': newItems, 'ratings.csv': `${ratings}u9,m9,good,964982703\n` }, file: 'ratings.csv', line: 7, value: 'good' },
      // rating out of range
      { files: { 'items.csv': newItems, 'ratings.csv': `${ratings}u9,m9,7,964982703\n` }, file: 'ratings.csv', line: 7, value: '7' },
      // non-numeric timestamp
      { files: { 'items.csv': newItems, 'ratings.csv': `${ratings}u9,m9,4,yesterday\n` }, file: 'ratings.csv', line: 7, value: 'yesterday' },
      // rating of an item the items file does not list
      { files: { 'items.csv': newItems, 'ratings.csv': `${ratings}u9,m77,4,964982703\n` }, file: 'ratings.csv', line: 7, value: 'm77' },
      // empty id
      { files: { 'items.csv': `${newItems},Nameless,Drama\n`, 'ratings.csv': ratings }, file: 'items.csv', line: 7, value: '' },
    ];
    for (const c of cases) {
      const dir = tempDir(c.files);
      const files = { ratings: path.join(dir, 'ratings.csv'), items: path.join(dir, 'items.csv') };
      const err = await importMovieLens(db, files).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ImportValidationError);
      const e = err as ImportValidationError;
      expect(e.message).toContain(`${path.join(dir, c.file)}:${c.line}:`);
      expect(e.message).toContain(JSON.stringify(c.value));
      expect(await graphCounts(db)).toEqual(before);
    }
  });

  it('stops on a missing, empty or header-only file, naming it', async () => {
    const before = await graphCounts(db);
    const dir = tempDir({ 'empty.csv': '', 'header.csv': 'userId,itemId,rating,timestamp\n' });
    await expect(importMovieLens(db, { ...ML, ratings: path.join(dir, 'missing.csv') }))
      .rejects.toThrow(`${path.join(dir, 'missing.csv')}: expected an existing file (not found)`);
    await expect(importMovieLens(db, { ...ML, ratings: path.join(dir, 'empty.csv') }))
      .rejects.toThrow(`${path.join(dir, 'empty.csv')}: expected a non-empty file`);
    await expect(importMovieLens(db, { ...ML, ratings: path.join(dir, 'header.csv') }))
      .rejects.toThrow(`${path.join(dir, 'header.csv')}: expected a header and at least one data line`);
    expect(await graphCounts(db)).toEqual(before);
  });
});

describe('import/synthetic: the generated graph into Neo4j', () => {
  beforeAll(async () => resetGraph(db));
  const options = { users: 80, seed: 11 };

  it('writes exactly what the generator produced', async () => {
    const data = generateSynthetic(options);
    const rows = syntheticRows(data);
    const r = await importSynthetic(db, options);
    const expected = {
      User: data.users.length,
      Item: data.items.length,
      Category: data.categories.length,
      Context: data.contexts.length,
      INTERACTED: data.interactions.length,
      IN_CATEGORY: rows.inCategory.length,
      ACTIVE_IN: rows.activeIn.length,
      POPULAR_IN: rows.popularIn.length,
      FOLLOWS: data.follows.length,
    };
    expect(await graphCounts(db)).toEqual(expected);
    expect(r).toMatchObject({ users: expected.User, items: expected.Item, interactions: expected.INTERACTED, follows: expected.FOLLOWS });
    const e = data.interactions[0];
    const res = await db.driver.executeQuery(
      'MATCH (:User {id: $u})-[r:INTERACTED {kind: $kind}]->(:Item {id: $i}) WHERE r.at = datetime({epochMillis: toInteger($at)}) RETURN r.weight AS w, r.contexts AS contexts',
      { u: e.userId, i: e.itemId, kind: e.kind, at: e.at });
    expect(res.records.map((x) => x.toObject())).toEqual([{ w: e.weight, contexts: e.contexts.map((c) => `${c.kind}:${c.value}`) }]);
    const sum = await db.driver.executeQuery('MATCH (:User)-[r:ACTIVE_IN]->(:Context) RETURN sum(r.count) AS s');
    expect(Number(sum.records[0].get('s'))).toBe(rows.activeIn.reduce((s, x) => s + x.count, 0));
  });

  it('answers the analysis queries of cypher/analysis, with real context preferences', async () => {
    const params = { limit: 5, userId: 'u1', itemId: 'i1', minCount: 5 };
    const names = fs.readdirSync(path.join(CYPHER_DIR, 'analysis')).map((f) => f.replace(/\.cypher$/, '')).sort();
    expect(names).toEqual(['co-interactions', 'context-popularity', 'exposures', 'graph-overview', 'model-versions', 'top-items-per-category',
      'user-neighbourhood']);
    const out: Record<string, Record<string, unknown>[]> = {};
    for (const name of names) out[name] = await db.read(`analysis/${name}`, params);
    expect(out['top-items-per-category']).toHaveLength(generateSynthetic(options).categories.length);
    expect(out['user-neighbourhood'][0]).toMatchObject({ user: 'u1' });
    expect(out['user-neighbourhood'][0].itemCount as number).toBeGreaterThan(0);
    expect(out['co-interactions'].length).toBeGreaterThan(0);
    expect(out['graph-overview'][0]).toMatchObject({ users: options.users, heldOut: 0 });
    expect(out['model-versions']).toEqual([]);
    expect(out.exposures).toEqual([]); // nothing served yet
    const lifts = out['context-popularity'].flatMap((r) => (r.overRepresented as { lift: number }[]).map((x) => x.lift));
    expect(Math.max(...lifts)).toBeGreaterThan(1.3);
  });

  it('changes nothing when run twice', async () => {
    const before = await graphCounts(db);
    const r = await importSynthetic(db, options);
    expect(r.written.nodesCreated).toBe(0);
    expect(r.written.relationshipsCreated).toBe(0);
    expect(await graphCounts(db)).toEqual(before);
  });
});
