import path from 'node:path';
import { Executor } from '../../src/db/executor';
import { BulkImportRefused, bulkImport } from '../../src/import/bulk';
import { parseEvents, parseEventsMapping } from '../../src/import/events';
import { importLightGcn, lightGcnRows } from '../../src/import/lightgcn';
import { ml100kRows } from '../../src/import/ml100k';
import { ImportRows, writeImportRows } from '../../src/import/rows';
import { graphSnapshot } from '../helpers/graphSnapshot';
import { graphCounts, resetGraph, TEST_URI, testExecutor } from '../helpers/neo4j';
import { FIXTURES } from '../helpers/files';

const FIX = FIXTURES;
const EV = path.join(FIX, 'events');

/** The events fixture (all features: attributes, titles, categories, contexts, held-out) and the ml-100k one (ratings, dates), in one graph. */
function fixtureRows(): ImportRows {
  const { rows: ev } = parseEvents(
    { events: path.join(EV, 'events.csv'), items: path.join(EV, 'items.csv'), users: path.join(EV, 'users.csv'), heldOut: path.join(EV, 'held-out.csv') },
    parseEventsMapping(['user=customer_id,item=sku,kind=event,at=ts,context.device=device,context.channel=channel,kind.add_to_cart=save',
      'kind.search=skip,item.id=product_id,item.title=name,item.categories=tags,user.id=customer,user.age=age:integer'], { derive: 'timeOfDay' }));
  const ml = ml100kRows(path.join(FIX, 'ml-100k'));
  const byKey = <T>(list: T[], key: (x: T) => string) => [...new Map(list.map((x) => [key(x), x])).values()];
  return {
    categories: byKey([...ev.categories, ...ml.categories], (c) => c),
    contexts: byKey([...ev.contexts, ...ml.contexts], (c) => `${c.kind}:${c.value}`),
    users: [...ev.users, ...ml.users],
    items: [...ev.items, ...ml.items],
    inCategory: [...ev.inCategory, ...ml.inCategory],
    interactions: [...ev.interactions, ...ml.interactions],
    heldOut: [...ev.heldOut, ...ml.heldOut],
    activeIn: [...ev.activeIn, ...ml.activeIn],
    popularIn: [...ev.popularIn, ...ml.popularIn],
    follows: [{ from: 'c1', to: 'c2' }, { from: '1', to: 'c1' }],
  };
}

/** Empties the database completely (no constraints either), as a first load finds it. */
async function emptyDatabase(db: Executor): Promise<void> {
  await resetGraph(db);
}

const local = !process.env.NEO4J_TEST_URI;
const BULK_TIMEOUT = 600_000; // stops and starts the test server; on this shared 2-core machine that takes a minute or more

let db: Executor;
beforeAll(() => {
  db = testExecutor();
});
afterAll(async () => db.close());

describe('import/bulk: refusals (before anything is stopped)', () => {
  it('refuses a database that holds nodes', async () => {
    await resetGraph(db);
    await writeImportRows(db, fixtureRows(), 1000);
    const before = await graphCounts(db);
    await expect(bulkImport(db, fixtureRows(), { instance: 'test' })).rejects.toThrow(BulkImportRefused);
    await expect(bulkImport(db, fixtureRows(), { instance: 'test' })).rejects.toThrow(/first load into an empty database; this one holds \d+ nodes/);
    expect(await graphCounts(db)).toEqual(before);
  });

  it('refuses a remote server', async () => {
    await expect(bulkImport(db, fixtureRows(), { remote: TEST_URI })).rejects.toThrow(/is remote \(NEO4J_URI is set\)\. Import without --bulk/);
  });
});

(local ? describe : describe.skip)('import/bulk: neo4j-admin gives the graph the transactional writers give', () => {
  it('events + ml-100k rows: same nodes, relationships, properties and types, constraints and indexes', async () => {
    const rows = fixtureRows();
    await emptyDatabase(db);
    await writeImportRows(db, rows, 1000);
    const transactional = await graphSnapshot(db);
    await emptyDatabase(db);
    const r = await bulkImport(db, rows, { instance: 'test' });
    expect(r.relationships).toBe(transactional.relationships.length);
    expect(r.nodes).toBe(transactional.nodes.length);
    const bulk = await graphSnapshot(db);
    expect(bulk.schema).toEqual(transactional.schema);
    expect(bulk.nodes).toEqual(transactional.nodes);
    expect(bulk.relationships).toEqual(transactional.relationships);
  }, BULK_TIMEOUT);

  it('LightGCN rows: the graph importLightGcn writes', async () => {
    const dir = path.join(FIX, 'lightgcn');
    await emptyDatabase(db);
    await importLightGcn(db, dir);
    const transactional = await graphSnapshot(db);
    await emptyDatabase(db);
    await bulkImport(db, lightGcnRows(dir), { instance: 'test' });
    expect(await graphSnapshot(db)).toEqual(transactional);
  }, BULK_TIMEOUT);
});
