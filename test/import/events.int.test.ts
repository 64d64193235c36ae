import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Executor } from '../../src/db/executor';
import { ImportValidationError } from '../../src/import/errors';
import { EventsFiles, importEvents, parseEventsMapping } from '../../src/import/events';
import { importMl100k } from '../../src/import/ml100k';
import { graphSnapshot } from '../helpers/graphSnapshot';
import { graphCounts, resetGraph, testExecutor } from '../helpers/neo4j';
import { FIXTURES } from '../helpers/files';

const FIX = FIXTURES;
const EV = path.join(FIX, 'events');
const FILES: EventsFiles = {
  events: path.join(EV, 'events.csv'), items: path.join(EV, 'items.csv'), users: path.join(EV, 'users.csv'), heldOut: path.join(EV, 'held-out.csv'),
};
/** The fixture's own column names, a kind mapping (add_to_cart counts as save, searches are skipped) and two context columns. */
const MAP = ['user=customer_id,item=sku,kind=event,at=ts,context.device=device,context.channel=channel',
  'kind.add_to_cart=save,kind.search=skip,item.id=product_id,item.title=name,item.categories=tags,user.id=customer,user.age=age:integer'];
const mapping = () => parseEventsMapping(MAP);

let db: Executor;
let tmp: string;
beforeAll(async () => {
  db = testExecutor();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ig-events-'));
});
afterAll(async () => {
  await db.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function q(cypher: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>[]> {
  const res = await db.driver.executeQuery(cypher, params);
  return res.records.map((r) => r.toObject());
}

describe('import/events: an events CSV with its own column names, kinds, times and contexts', () => {
  beforeAll(async () => resetGraph(db));

  it('imports the fixture end to end with exact counts and values', async () => {
    const r = await importEvents(db, FILES, mapping());
    expect(r.rows).toEqual({ users: 4, items: 4, categories: 5, contexts: 5, inCategory: 7, interactions: 8, heldOut: 3, activeIn: 11,
      popularIn: 7, follows: 0 });
    expect(r.read).toEqual({ events: 10, heldOut: 3 });
    expect(r.skipped).toEqual({ duplicates: 1, kinds: { search: 1 }, negativeHeldOut: 0 });
    expect(r.written.total.relationshipsCreated).toBe(7 + 8 + 3 + 11 + 7);
    expect(await graphCounts(db)).toEqual({ User: 4, Item: 4, Category: 5, Context: 5, IN_CATEGORY: 7, INTERACTED: 8, HELD_OUT: 3,
      ACTIVE_IN: 11, POPULAR_IN: 7 });

    const events = await q(`MATCH (u:User {id: 'c1'})-[r:INTERACTED]->(i:Item) RETURN i.id AS item, r.kind AS kind, r.weight AS weight,
      toString(r.at) AS at, r.contexts AS contexts, r.rating AS rating ORDER BY r.at`);
    expect(events).toEqual([
      { item: 'p1', kind: 'view', weight: 1, at: '2026-07-01T08:15:00Z', contexts: ['device:mobile', 'channel:app'], rating: null },
      { item: 'p1', kind: 'save', weight: 3, at: '2026-07-01T08:16:30Z', contexts: ['device:mobile', 'channel:app'], rating: null },
      { item: 'p1', kind: 'purchase', weight: 5, at: '2026-07-01T08:40:00Z', contexts: ['device:mobile', 'channel:app'], rating: null }, // epoch seconds
      { item: 'p2', kind: 'view', weight: 1, at: '2026-07-02T17:00:00Z', contexts: ['device:desktop', 'channel:web'], rating: null }, // +02:00
    ]);
    // a time without a zone is UTC; an empty context field gives no context of that kind; milliseconds are kept
    expect(await q("MATCH (:User {id: 'c2'})-[r:INTERACTED]->(:Item {id: 'p3'}) RETURN toString(r.at) AS at, r.contexts AS contexts"))
      .toEqual([{ at: '2026-07-04T21:30:00Z', contexts: ['device:mobile'] }]);
    expect(await q("MATCH (:User {id: 'c3'})-[r:INTERACTED]->(:Item {id: 'p3'}) RETURN toString(r.at) AS at"))
      .toEqual([{ at: '2026-07-05T12:00:00.25Z' }]);
    // items: titles (one with a comma), categories, other columns as attributes; users: typed and string attributes
    expect(await q("MATCH (i:Item {id: 'p1'}) RETURN i.title AS title, i.brand AS brand, [(i)-[:IN_CATEGORY]->(c) | c.name] AS cats"))
      .toEqual([{ title: 'Trail shoes, waterproof', brand: 'Acme', cats: expect.arrayContaining(['outdoors', 'sports']) }]);
    expect(await q("MATCH (i:Item {id: 'p2'}) RETURN i.brand AS brand")).toEqual([{ brand: null }]);
    expect(await q("MATCH (u:User {id: 'c1'}) RETURN u.age AS age, valueType(u.age) AS type, u.country AS country"))
      .toEqual([{ age: 34, type: 'INTEGER NOT NULL', country: 'DE' }]);
    expect(await q("MATCH (u:User {id: 'c4'}) RETURN COUNT { (u)-[:INTERACTED]->() } AS n")).toEqual([{ n: 0 }]);
    // ACTIVE_IN / POPULAR_IN count positive events per context, as recordInteraction does
    expect(await q("MATCH (:User {id: 'c1'})-[a:ACTIVE_IN]->(c:Context) RETURN c.kind + ':' + c.value AS c, a.count AS n ORDER BY c"))
      .toEqual([{ c: 'channel:app', n: 3 }, { c: 'channel:web', n: 1 }, { c: 'device:desktop', n: 1 }, { c: 'device:mobile', n: 3 }]);
    expect(await q("MATCH (:Item {id: 'p1'})-[p:POPULAR_IN]->(c:Context {kind: 'device', value: 'mobile'}) RETURN p.count AS n")).toEqual([{ n: 4 }]);
    // held-out events: one HELD_OUT per (user, item) with kind, weight and time, no contexts
    expect(await q("MATCH (:User {id: 'c2'})-[h:HELD_OUT]->(:Item {id: 'p1'}) RETURN h.kind AS kind, h.weight AS weight, toString(h.at) AS at, h.contexts AS c"))
      .toEqual([{ kind: 'purchase', weight: 5, at: '2026-07-11T10:00:00Z', c: null }]);
  });

  it('changes nothing when run again', async () => {
    const before = await graphSnapshot(db);
    const r = await importEvents(db, FILES, mapping());
    expect(r.written.total.nodesCreated).toBe(0);
    expect(r.written.total.relationshipsCreated).toBe(0);
    expect(await graphSnapshot(db)).toEqual(before);
  });

  it('derives time-of-day and weekday contexts from the times when asked', async () => {
    await resetGraph(db);
    await importEvents(db, { events: FILES.events }, parseEventsMapping([MAP[0], 'kind.add_to_cart=save,kind.search=skip'], { derive: 'timeOfDay,weekday' }));
    expect(await q("MATCH (:User {id: 'c2'})-[r:INTERACTED]->(:Item {id: 'p3'}) RETURN r.contexts AS c"))
      .toEqual([{ c: ['device:mobile', 'timeOfDay:evening', 'weekday:sat'] }]);
    expect(await graphCounts(db)).toMatchObject({ User: 3, Item: 3, INTERACTED: 8 });
  });

  it('reads JSON Lines into the same graph as CSV', async () => {
    await resetGraph(db);
    const csv = { events: FILES.events, items: FILES.items, users: FILES.users };
    await importEvents(db, csv, mapping());
    const fromCsv = await graphSnapshot(db);
    await resetGraph(db);
    const [header, ...lines] = fs.readFileSync(FILES.events, 'utf8').trim().split('\n');
    const cols = header.split(',');
    const jsonl = path.join(tmp, 'events.jsonl');
    fs.writeFileSync(jsonl, lines.map((l) => {
      const v = l.split(',');
      // epoch seconds as JSON numbers, contexts nested (addressed as meta.device)
      const o: Record<string, unknown> = Object.fromEntries(cols.map((c, k) => [c, /^\d+$/.test(v[k]) ? Number(v[k]) : v[k]]));
      o.meta = { device: o.device };
      delete o.device;
      return JSON.stringify(o);
    }).join('\n'));
    await importEvents(db, { ...csv, events: jsonl }, parseEventsMapping([...MAP, ].map((m) => m.replace('context.device=device', 'context.device=meta.device'))));
    expect(await graphSnapshot(db)).toEqual(fromCsv);
  });
});

describe('import/events: bad files fail before any write, naming file, line and value', () => {
  beforeAll(async () => {
    await resetGraph(db);
    await importEvents(db, FILES, mapping());
  });

  const header = 'customer_id,sku,event,ts,device,channel';
  const cases: { name: string; events: string; line: number; value: string; message: RegExp }[] = [
    { name: 'a missing column', events: 'customer_id,sku,event,device,channel\nc1,p1,view,mobile,app\n', line: 1, value: 'customer_id,sku,event,device,channel',
      message: /missing column "ts" \(mapped as at/ },
    { name: 'unknown kinds (all listed)', events: `${header}\nc1,p1,view,1782895200,mobile,app\nc1,p2,wishlist,1782895200,mobile,app\nc1,p2,share,1782895200,mobile,app\nc2,p2,wishlist,1782895200,mobile,app\n`,
      line: 3, value: 'wishlist', message: /unknown interaction kinds "wishlist" \(2 rows, first on line 3\), "share" \(1 rows, first on line 4\); expected one of view, click.*--map kind\.wishlist=<kind\|skip>/ },
    { name: 'a bad timestamp', events: `${header}\nc1,p1,view,1782895200,mobile,app\nc1,p2,view,2026-07-32T10:00:00Z,mobile,app\n`, line: 3, value: '2026-07-32T10:00:00Z',
      message: /expected a time in ISO 8601/ },
    { name: 'a time in other units than the rest', events: `${header}\nc1,p1,view,1782895200,mobile,app\nc1,p2,view,1782895200000,mobile,app\n`, line: 3, value: '1782895200000',
      message: /expected epoch seconds like line 2/ },
    { name: 'a dangling item reference', events: `${header}\nc1,p1,view,1782895200,mobile,app\nc1,p9,view,1782895200,mobile,app\n`, line: 3, value: 'p9',
      message: /expected an item listed in .*items\.csv/ },
    { name: 'an unlisted user', events: `${header}\nc7,p1,view,1782895200,mobile,app\n`, line: 2, value: 'c7', message: /expected a user listed in .*users\.csv/ },
    { name: 'an empty user id', events: `${header}\n,p1,view,1782895200,mobile,app\n`, line: 2, value: '', message: /expected a non-empty user id/ },
  ];
  it.each(cases)('$name', async (c) => {
    const before = await graphSnapshot(db);
    const file = path.join(tmp, `bad-${c.line}-${c.value.length}.csv`);
    fs.writeFileSync(file, c.events);
    let err: unknown;
    try {
      await importEvents(db, { ...FILES, events: file }, mapping());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ImportValidationError);
    const e = err as ImportValidationError;
    expect(e.file).toBe(file);
    expect(e.line).toBe(c.line);
    expect(e.value).toBe(c.value);
    expect(e.message).toMatch(c.message);
    expect(e.message.startsWith(`${file}:${c.line}: `)).toBe(true);
    expect(await graphSnapshot(db)).toEqual(before);
  });

  it('a bad held-out or items file stops the import too, before the events are written', async () => {
    await resetGraph(db);
    const items = path.join(tmp, 'items-bad.csv');
    fs.writeFileSync(items, 'product_id,name,tags\np1,Shoes,outdoors\np1,Again,books\n');
    await expect(importEvents(db, { ...FILES, items }, mapping())).rejects.toThrow(`${items}:3: expected each item id once (duplicate), got "p1"`);
    const heldOut = path.join(tmp, 'held-bad.csv');
    fs.writeFileSync(heldOut, 'customer_id,sku,event,ts\nc1,p1,view,yesterday\n');
    await expect(importEvents(db, { ...FILES, heldOut }, mapping())).rejects.toThrow(`${heldOut}:2: expected a time in ISO 8601`);
    expect(await graphCounts(db)).toEqual({});
  });
});

describe('import/ml100k: MovieLens 100K through the shared writer', () => {
  beforeAll(async () => resetGraph(db));
  const ML = path.join(FIX, 'ml-100k');

  it('imports the fixture: genres as categories, titles and dates, user attributes, rating events with contexts, test.tsv as HELD_OUT', async () => {
    const r = await importMl100k(db, ML);
    expect(r.rows).toEqual({ users: 4, items: 5, categories: 19, contexts: 5, inCategory: 9, interactions: 5, heldOut: 3, activeIn: 6, popularIn: 10, follows: 0 });
    expect(await graphCounts(db)).toEqual({ User: 4, Item: 5, Category: 19, Context: 5, IN_CATEGORY: 9, INTERACTED: 5, HELD_OUT: 3, ACTIVE_IN: 6, POPULAR_IN: 10 });
    expect(await q("MATCH (i:Item {id: '1'}) RETURN i.title AS title, toString(i.releaseDate) AS date, [(i)-[:IN_CATEGORY]->(c) | c.name] AS genres"))
      .toEqual([{ title: 'Toy Story (1995)', date: '1995-01-01', genres: expect.arrayContaining(['Animation', "Children's", 'Comedy']) }]);
    expect(await q("MATCH (i:Item {id: '4'}) RETURN toString(i.releaseDate) AS date")).toEqual([{ date: '1971-02-04' }]);
    expect(await q("MATCH (i:Item {id: '5'}) RETURN i.releaseDate AS date, [(i)-[:IN_CATEGORY]->(c) | c.name] AS genres")).toEqual([{ date: null, genres: ['unknown'] }]);
    expect(await q("MATCH (u:User {id: '4'}) RETURN u.age AS age, u.gender AS gender, u.occupation AS occupation, u.zip AS zip"))
      .toEqual([{ age: 24, gender: 'M', occupation: 'technician', zip: 'T8H1N' }]);
    expect(await q("MATCH (:User {id: '1'})-[r:INTERACTED]->(:Item {id: '1'}) RETURN r.kind AS kind, r.rating AS rating, r.weight AS weight, toString(r.at) AS at, r.contexts AS c"))
      .toEqual([{ kind: 'rating', rating: 5, weight: 5, at: '1997-09-22T21:57:58Z', c: ['timeOfDay:evening', 'weekday:mon'] }]);
    expect(await q("MATCH (:User {id: '4'})-[h:HELD_OUT]->(:Item {id: '1'}) RETURN h.rating AS rating, h.weight AS weight")).toEqual([{ rating: 3, weight: 3 }]);
  });

  it('changes nothing when run again', async () => {
    const before = await graphSnapshot(db);
    const r = await importMl100k(db, ML);
    expect(r.written.total.nodesCreated + r.written.total.relationshipsCreated).toBe(0);
    expect(await graphSnapshot(db)).toEqual(before);
  });
});
