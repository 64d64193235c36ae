import { Executor } from '../../src/db/executor';
import type { ServerHandle } from '../../src/api/server';
import type { ServingOptions } from '../../src/serving/recommend';
import { resetGraph, testExecutor } from '../helpers/neo4j';
import { useApiServer, codeOf, gql, loadApiFixture, startTestServer, tokenFor } from './api.fixture';

const RECS = `query($u: ID!, $first: Int, $context: [ContextInput!], $categories: [String!], $exclude: [ID!], $inc: Boolean) {
  recommendations(userId: $u, first: $first, context: $context, categories: $categories, excludeItemIds: $exclude, includeInteracted: $inc) {
    userId modelVersion coldStart
    items { rank score item { id title } breakdown { embedding graph context popularity exploration }
      reasons { kind text paths { nodes { label id name } relationships { type direction } } } }
  }
}`;

/**
 * Re-checks one evidence path in the graph: a path of exactly the given relationship types and
 * directions whose nodes carry the given labels and keys (User/Item id, Category name, Context
 * kind:value; a null id is any node of that label). One fixed statement for every path shape.
 */
const PATH_EXISTS = `
MATCH p = (a)-[*1..3]-(b)
WHERE length(p) = size($types)
  AND all(k IN range(0, size($labels) - 1) WHERE $labels[k] IN labels(nodes(p)[k])
      AND ($ids[k] IS NULL OR $ids[k] = CASE $labels[k] WHEN 'Category' THEN nodes(p)[k].name
                                                    WHEN 'Context' THEN nodes(p)[k].kind + ':' + nodes(p)[k].value
                                                    ELSE nodes(p)[k].id END))
  AND all(k IN range(0, size($types) - 1) WHERE type(relationships(p)[k]) = $types[k]
      AND (startNode(relationships(p)[k]) = nodes(p)[k]) = $forward[k])
RETURN count(p) > 0 AS ok`;

async function pathExists(db: Executor, path: { nodes: { label: string; id: string | null }[]; relationships: { type: string; direction: string }[] }): Promise<boolean> {
  const rows = await db.driver.executeQuery(PATH_EXISTS, {
    labels: path.nodes.map((n) => n.label), ids: path.nodes.map((n) => n.id),
    types: path.relationships.map((r) => r.type), forward: path.relationships.map((r) => r.direction === 'FORWARD'),
  });
  return rows.records[0].get('ok') === true;
}

describe.each([
  { graphSource: 'memory', candidateSource: 'scan', evidenceSource: 'memory' },
  { graphSource: 'memory', candidateSource: 'scan', evidenceSource: 'neo4j' },
  { graphSource: 'cypher', candidateSource: 'index', evidenceSource: 'neo4j' },
] as const)('api/recommendations: ranking, reasons and cold start over HTTP (graph from $graphSource, embedding candidates by $candidateSource, evidence from $evidenceSource)', (serving) => {
  let db: Executor;
  let srv: ServerHandle;
  useApiServer((x) => { ({ db, srv } = x); }, (db) => startTestServer(db, serving));

  it('ranks by the model with a breakdown that adds up, excluding interacted items', async () => {
    const res = await gql(srv.url, RECS, { u: 'alice', first: 10 }, tokenFor('alice'));
    expect(res.errors).toBeUndefined();
    const r = res.data.recommendations;
    expect(r).toMatchObject({ userId: 'alice', modelVersion: 'v-test', coldStart: false });
    const ids = r.items.map((x: any) => x.item.id);
    expect(ids).not.toContain('i1');
    expect(ids).not.toContain('i2');
    expect(ids.slice(0, 2).sort()).toEqual(['i3', 'i4']); // the rest of alice's coffee cluster
    for (const x of r.items) {
      const b = x.breakdown;
      expect(b.embedding + b.graph + b.context + b.popularity + b.exploration).toBeCloseTo(x.score, 9);
    }
    for (let k = 1; k < r.items.length; k++) expect(r.items[k - 1].score).toBeGreaterThanOrEqual(r.items[k].score);
    expect(r.items.find((x: any) => x.item.id === 'i3').breakdown.graph).toBeGreaterThan(0);
  });

  it('includes interacted items when asked and honours excludeItemIds and categories', async () => {
    const inc = await gql(srv.url, RECS, { u: 'alice', first: 20, inc: true, exclude: ['i3'] }, tokenFor('alice'));
    const ids = inc.data.recommendations.items.map((x: any) => x.item.id);
    expect(ids).toContain('i1');
    expect(ids).not.toContain('i3');
    const books = await gql(srv.url, RECS, { u: 'alice', first: 20, categories: ['books'] }, tokenFor('alice'));
    const bookIds = books.data.recommendations.items.map((x: any) => x.item.id);
    expect(bookIds.length).toBeGreaterThan(0);
    for (const id of bookIds) expect(['i5', 'i6', 'i7', 'i8']).toContain(id);
  });

  it('explains with co-interaction, followees, context and category reasons, each backed by a real path', async () => {
    const res = await gql(srv.url, RECS, { u: 'alice', first: 10, context: [{ kind: 'device', value: 'mobile' }] }, tokenFor('alice'));
    expect(res.errors).toBeUndefined();
    const items = res.data.recommendations.items;
    const i3 = items.find((x: any) => x.item.id === 'i3');
    const kinds = i3.reasons.map((r: any) => r.kind).sort();
    expect(kinds).toEqual(['CATEGORY', 'CONTEXT', 'CO_INTERACTION', 'FOLLOWEES']);
    expect(i3.reasons.find((r: any) => r.kind === 'FOLLOWEES').text).toBe('carol, whom you follow, interacted with it.');
    expect(i3.reasons.find((r: any) => r.kind === 'CONTEXT').text).toBe('Popular on mobile.');
    expect(i3.breakdown.context).toBeGreaterThan(0);
    let checked = 0;
    for (const it of items) {
      for (const reason of it.reasons) {
        expect(reason.paths.length).toBeGreaterThan(0);
        for (const p of reason.paths) {
          expect(p.relationships.length).toBe(p.nodes.length - 1);
          await expect(pathExists(db, p)).resolves.toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(4);
    // the check itself can fail: a path that is not in the graph
    await expect(pathExists(db, { nodes: [{ label: 'User', id: 'alice' }, { label: 'Item', id: 'i12' }], relationships: [{ type: 'INTERACTED', direction: 'FORWARD' }] })).resolves.toBe(false);
  });

  it('sends the same number of Cypher statements for first: 5 and first: 50', async () => {
    const ctx = [{ kind: 'device', value: 'mobile' }];
    await gql(srv.url, RECS, { u: 'bob', first: 5, context: ctx }, tokenFor('bob')); // warm the model cache
    const a = await gql(srv.url, RECS, { u: 'bob', first: 5, context: ctx }, tokenFor('bob'));
    const b = await gql(srv.url, RECS, { u: 'bob', first: 50, context: ctx }, tokenFor('bob'));
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    expect(b.data.recommendations.items.length).toBeGreaterThan(a.data.recommendations.items.length);
    expect(a.extensions!.cypherStatements).toBeGreaterThan(0);
    expect(b.extensions!.cypherStatements).toBe(a.extensions!.cypherStatements);
    expect(b.extensions!.cypherStatements).toBeLessThanOrEqual(6);
  });

  it('serves a cold-start user from chosen categories, context and popularity, flagged coldStart', async () => {
    const res = await gql(srv.url, RECS, { u: 'eve', first: 3, categories: ['music'], context: [{ kind: 'device', value: 'mobile' }] }, tokenFor('eve'));
    expect(res.errors).toBeUndefined();
    const r = res.data.recommendations;
    expect(r.coldStart).toBe(true);
    expect(r.items.length).toBe(3);
    for (const x of r.items) expect(['i9', 'i10', 'i11', 'i12']).toContain(x.item.id);
    expect(r.items[0].breakdown.popularity).toBeGreaterThan(0);
    expect(r.items[0].reasons.map((x: any) => x.kind)).toContain('CATEGORY');
    const plain = await gql(srv.url, RECS, { u: 'eve', first: 5 }, tokenFor('eve'));
    expect(plain.data.recommendations.coldStart).toBe(true);
    expect(plain.data.recommendations.items.length).toBe(5);
  });

  it('similarItems returns the item\'s neighbours with reasons backed by paths', async () => {
    const res = await gql(srv.url, `{ similarItems(itemId: "i1", first: 3) { itemId modelVersion items { item { id } score breakdown { embedding graph }
      reasons { kind text paths { nodes { label id } relationships { type direction } } } } } }`);
    expect(res.errors).toBeUndefined();
    const items = res.data.similarItems.items;
    expect(items.map((x: any) => x.item.id).slice(0, 2).sort()).toEqual(['i2', 'i3']);
    for (const it of items) for (const reason of it.reasons) for (const p of reason.paths) await expect(pathExists(db, p)).resolves.toBe(true);
    const missing = await gql(srv.url, '{ similarItems(itemId: "nope") { itemId } }');
    expect(codeOf(missing)).toBe('NOT_FOUND');
  });
});

/**
 * beforeAll/afterAll of a describe block that compares two serving variants: the fixture graph and one server
 * per variant over it, handed to `bind`.
 */
function useServerPair(a: Partial<ServingOptions>, b: Partial<ServingOptions>, bind: (x: { db: Executor; a: ServerHandle; b: ServerHandle }) => void): void {
  let x: { db: Executor; a: ServerHandle; b: ServerHandle } | null = null;
  beforeAll(async () => {
    const db = testExecutor();
    await resetGraph(db);
    await loadApiFixture(db);
    x = { db, a: await startTestServer(db, a), b: await startTestServer(db, b) };
    bind(x);
  });
  afterAll(async () => {
    await x?.a.stop();
    await x?.b.stop();
    await x?.db.close();
  });
}

describe('api/recommendations: the Cypher and in-process graph terms agree', () => {
  let mem: ServerHandle;
  let cyp: ServerHandle;
  useServerPair({ graphSource: 'memory' }, { graphSource: 'cypher' }, (x) => { ({ a: mem, b: cyp } = x); });

  it('gives every user the same graph proximity from both sources', async () => {
    for (const u of ['alice', 'bob', 'carol', 'dave']) {
      const [a, b] = await Promise.all([mem, cyp].map((s) => gql(s.url, RECS, { u, first: 20 }, tokenFor(u))));
      const byId = (r: any) => new Map(r.data.recommendations.items.map((x: any) => [x.item.id, x.breakdown.graph]));
      const ma = byId(a);
      const mb = byId(b);
      expect([...ma.keys()].sort()).toEqual([...mb.keys()].sort());
      for (const [id, g] of ma) expect(mb.get(id)).toBeCloseTo(g as number, 9);
    }
  });
});

describe('api/recommendations: evidence from the in-process graph agrees with Neo4j', () => {
  let db: Executor;
  let mem: ServerHandle;
  let neo: ServerHandle;
  useServerPair({ evidenceSource: 'memory' }, { evidenceSource: 'neo4j' }, (x) => { ({ db, a: mem, b: neo } = x); });

  const reasonsOf = (res: any) => new Map<string, any[]>(res.data.recommendations.items.map((x: any) => [x.item.id, x.reasons]));
  const summary = (reasons: any[]) => reasons.map((r) => ({
    kind: r.kind,
    // the co-interaction sentence names the user's item, its kind and the count of people; followees by count;
    // the category by name (which of the user's items in it is named may differ)
    text: r.kind === 'CATEGORY' ? r.paths[0].nodes.find((n: any) => n.label === 'Category').id : r.kind === 'FOLLOWEES' ? r.paths.length : r.text,
  }));

  it('gives every user the same reasons, and follows a write of this process at once with paths that exist', async () => {
    const ctx = [{ kind: 'device', value: 'mobile' }];
    const compare = async () => {
      for (const u of ['alice', 'bob', 'carol', 'dave']) {
        const [a, b] = await Promise.all([mem, neo].map((s) => gql(s.url, RECS, { u, first: 20, context: ctx }, tokenFor(u))));
        expect(a.errors).toBeUndefined();
        const ra = reasonsOf(a);
        const rb = reasonsOf(b);
        expect([...ra.keys()].sort()).toEqual([...rb.keys()].sort());
        for (const [id, reasons] of ra) expect({ id, reasons: summary(reasons) }).toEqual({ id, reasons: summary(rb.get(id)!) });
      }
    };
    await compare();
    // carol (whom alice follows) interacts through the memory server: both then explain with it at once
    const w = await gql(mem.url, 'mutation($i: RecordInteractionInput!) { recordInteraction(input: $i) { embeddingVersion } }',
      { i: { userId: 'carol', itemId: 'i4', kind: 'purchase' } }, tokenFor('carol'));
    expect(w.errors).toBeUndefined();
    const after = reasonsOf(await gql(mem.url, RECS, { u: 'alice', first: 20, context: ctx }, tokenFor('alice')));
    expect(after.get('i4')?.find((r: any) => r.kind === 'FOLLOWEES')?.paths.map((p: any) => p.nodes[1].id)).toContain('carol');
    // (the other server learns of the write at its graph index's next refresh; its evidence still holds meanwhile)
    for (const reasons of after.values()) for (const r of reasons) for (const p of r.paths) await expect(pathExists(db, p)).resolves.toBe(true);
  });
});

describe('api/recommendations: adaptive embedding retrieval', () => {
  let db: Executor;
  let srv: ServerHandle;
  // graphCandidates 2: alice's neighbourhood (i3 and i5 through bob) counts as rich, dave's (i11 through frank) as thin
  useApiServer((x) => { ({ db, srv } = x); }, (db) => startTestServer(db, { graphCandidates: 2 }));

  const ids = (res: any) => res.data.recommendations.items.map((x: any) => x.item.id).sort();

  it('scans only for thin neighbourhoods and cold start, and offers items no interaction reaches yet either way', async () => {
    const before = srv.engine.scans;
    const alice = await gql(srv.url, RECS, { u: 'alice', first: 20 }, tokenFor('alice'));
    expect(alice.errors).toBeUndefined();
    expect(srv.engine.scans).toBe(before); // rich: no scan
    // the neighbourhood (i3, i5) plus every item without interactions (i7, i8, i12), scored by the embedding
    expect(ids(alice)).toEqual(['i12', 'i3', 'i5', 'i7', 'i8']);
    const i7 = alice.data.recommendations.items.find((x: any) => x.item.id === 'i7');
    expect(i7.breakdown.graph).toBe(0);
    expect(i7.breakdown.embedding).not.toBe(0);

    const dave = await gql(srv.url, RECS, { u: 'dave', first: 20 }, tokenFor('dave'));
    expect(dave.errors).toBeUndefined();
    expect(srv.engine.scans).toBe(before + 1); // thin: scanned, so every item is a candidate
    expect(ids(dave)).toEqual(['i1', 'i11', 'i12', 'i2', 'i3', 'i5', 'i6', 'i7', 'i8']);
    const eve = await gql(srv.url, RECS, { u: 'eve', first: 3, categories: ['music'] }, tokenFor('eve'));
    expect(eve.data.recommendations.coldStart).toBe(true);
    expect(srv.engine.scans).toBe(before + 2);

    // a new item: reached by no interaction, recommended without a scan; once this process records an
    // interaction with it, the graph reaches it instead
    const up = await gql(srv.url, 'mutation { upsertItem(input: {id: "i13", title: "coffee 5", categories: ["coffee"]}) { embeddingSource } }', {}, tokenFor('ops', 'admin'));
    expect(up.data.upsertItem.embeddingSource).toBe('neighbours');
    const again = await gql(srv.url, RECS, { u: 'alice', first: 20 }, tokenFor('alice'));
    expect(ids(again)).toContain('i13');
    expect(again.data.recommendations.items.find((x: any) => x.item.id === 'i13').breakdown.graph).toBe(0);
    expect(srv.engine.scans).toBe(before + 2);
    const w = await gql(srv.url, 'mutation { recordInteraction(input: {userId: "bob", itemId: "i13", kind: "purchase"}) { embeddingVersion } }', {}, tokenFor('bob'));
    expect(w.errors).toBeUndefined();
    const reached = await gql(srv.url, RECS, { u: 'alice', first: 20 }, tokenFor('alice'));
    expect(reached.data.recommendations.items.find((x: any) => x.item.id === 'i13').breakdown.graph).toBeGreaterThan(0); // alice -> i1 <- bob -> i13
    expect(srv.engine.scans).toBe(before + 2);
  });
});
