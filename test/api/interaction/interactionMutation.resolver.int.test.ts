import { Executor } from '../../../src/db/executor';
import type { ServerHandle } from '../../../src/api/server';
import { graphCounts } from '../../helpers/neo4j';
import { useApiServer, codeOf, gql, tokenFor } from '../../helpers/apiServer';

const RECORD = `mutation($input: RecordInteractionInput!) {
  recordInteraction(input: $input) { replayed embeddingVersion interaction { userId itemId kind weight at contexts { kind value } item { id } } }
}`;
const RECS = `query($u: ID!, $first: Int) { recommendations(userId: $u, first: $first) { coldStart items { item { id } score breakdown { embedding } } } }`;

async function one(db: Executor, query: string, params: Record<string, unknown> = {}): Promise<any> {
  const r = await db.driver.executeQuery(query, params);
  return r.records[0]?.toObject();
}

describe('api/mutations: interactions, fold-in, idempotency, upserts and deletion over HTTP', () => {
  let db: Executor;
  let srv: ServerHandle;
  useApiServer((x) => { ({ db, srv } = x); });

  it('records an interaction that changes the very next recommendations (fold-in, no retraining)', async () => {
    const before = await gql(srv.url, RECS, { u: 'alice', first: 3 }, tokenFor('alice'));
    const music = (ids: string[]) => ids.filter((id) => ['i10', 'i11', 'i12'].includes(id));
    expect(music(before.data.recommendations.items.map((x: any) => x.item.id))).toEqual([]);
    const res = await gql(srv.url, RECORD, { input: { userId: 'alice', itemId: 'i9', kind: 'purchase', context: [{ kind: 'device', value: 'tablet' }], at: '2026-11-20T10:00:00Z' } }, tokenFor('alice'));
    expect(res.errors).toBeUndefined();
    expect(res.data.recordInteraction).toEqual({
      replayed: false, embeddingVersion: 'v-test',
      interaction: { userId: 'alice', itemId: 'i9', kind: 'purchase', weight: 5, at: '2026-11-20T10:00:00Z', contexts: [{ kind: 'device', value: 'tablet' }], item: { id: 'i9' } },
    });
    const after = await gql(srv.url, RECS, { u: 'alice', first: 3 }, tokenFor('alice'));
    const ids = after.data.recommendations.items.map((x: any) => x.item.id);
    expect(ids).not.toContain('i9');
    expect(music(ids).length).toBeGreaterThan(0); // the music cluster rose with the purchase
    // the stored embedding is exactly d_u^-0.5 * sum_i w_ui * foldIn_i over alice's items (i1: 5, i2: 1, i9: 5)
    const m = await one(db, 'MATCH (m:Model {active: true}) RETURN m.embeddingProperty AS e');
    const u = await one(db, 'MATCH (u:User {id: "alice"}) RETURN u[$e] AS emb', { e: m.e });
    const f = (n: number) => [[1, 0, 0, 0.11], [1, 0, 0, 0.12], [0, 0, 1, 0.19]][n];
    const w = [5, 1, 5];
    const expected = [0, 1, 2, 3].map((k) => w.reduce((s, wi, n) => s + wi * f(n)[k], 0) / Math.sqrt(11));
    u.emb.forEach((x: number, k: number) => expect(x).toBeCloseTo(expected[k], 5));
    const ctx = await one(db, 'MATCH (:Item {id: "i9"})-[p:POPULAR_IN]->(:Context {kind: "device", value: "tablet"}) RETURN p.count AS n');
    expect(ctx.n).toBe(1);
  });

  it('is idempotent: a retried key is stored once and returns the first result', async () => {
    const input = { userId: 'bob', itemId: 'i6', kind: 'view', idempotencyKey: 'retry-1' };
    const first = await gql(srv.url, RECORD, { input }, tokenFor('bob'));
    const countOf = async () => (await one(db, 'MATCH (:User {id: "bob"})-[r:INTERACTED]->() RETURN count(r) AS n')).n;
    const n1 = await countOf();
    const [a, b] = await Promise.all([
      gql(srv.url, RECORD, { input: { ...input, kind: 'purchase' } }, tokenFor('bob')),
      gql(srv.url, RECORD, { input }, tokenFor('bob')),
    ]);
    expect(await countOf()).toBe(n1);
    expect(first.data.recordInteraction.replayed).toBe(false);
    for (const r of [a, b]) {
      expect(r.data.recordInteraction.replayed).toBe(true);
      expect(r.data.recordInteraction.interaction).toEqual(first.data.recordInteraction.interaction);
    }
  });

  it('checks access and input: FORBIDDEN for someone else, NOT_FOUND, BAD_USER_INPUT naming the field', async () => {
    const other = await gql(srv.url, RECORD, { input: { userId: 'bob', itemId: 'i1', kind: 'view' } }, tokenFor('alice'));
    expect(codeOf(other)).toBe('FORBIDDEN');
    const anon = await gql(srv.url, RECORD, { input: { userId: 'bob', itemId: 'i1', kind: 'view' } });
    expect(codeOf(anon)).toBe('UNAUTHENTICATED');
    const admin = await gql(srv.url, RECORD, { input: { userId: 'bob', itemId: 'i12', kind: 'click' } }, tokenFor('ops', 'admin'));
    expect(admin.errors).toBeUndefined();
    const item = await gql(srv.url, RECORD, { input: { userId: 'bob', itemId: 'nope', kind: 'view' } }, tokenFor('bob'));
    expect(codeOf(item)).toBe('NOT_FOUND');
    expect(item.errors![0].message).toContain('"nope"');
    const kind = await gql(srv.url, RECORD, { input: { userId: 'bob', itemId: 'i1', kind: 'stare' } }, tokenFor('bob'));
    expect(codeOf(kind)).toBe('BAD_USER_INPUT');
    expect(kind.errors![0].extensions!.argument).toBe('input.kind');
    const rating = await gql(srv.url, RECORD, { input: { userId: 'bob', itemId: 'i1', kind: 'rating' } }, tokenFor('bob'));
    expect(rating.errors![0].extensions!.argument).toBe('input.rating');
    const at = await gql(srv.url, RECORD, { input: { userId: 'bob', itemId: 'i1', kind: 'view', at: 'yesterday' } }, tokenFor('bob'));
    expect(at.errors![0].extensions!.argument).toBe('input.at');
  });

  it('records negative feedback that removes the item from recommendations without counting as interest', async () => {
    const before = await gql(srv.url, RECS, { u: 'carol', first: 10 }, tokenFor('carol'));
    const top = before.data.recommendations.items[0].item.id;
    const res = await gql(srv.url, RECORD, { input: { userId: 'carol', itemId: top, kind: 'dismiss' } }, tokenFor('carol'));
    expect(res.data.recordInteraction.interaction.weight).toBe(-1);
    const after = await gql(srv.url, RECS, { u: 'carol', first: 10 }, tokenFor('carol'));
    expect(after.data.recommendations.items.map((x: any) => x.item.id)).not.toContain(top);
  });

  it('upsertUser creates a cold-start user (self) and updates it', async () => {
    const created = await gql(srv.url, 'mutation { upsertUser(input: {id: "gina", name: "Gina"}) { created user { id name } } }', {}, tokenFor('gina'));
    expect(created.data.upsertUser).toEqual({ created: true, user: { id: 'gina', name: 'Gina' } });
    const again = await gql(srv.url, 'mutation { upsertUser(input: {id: "gina", name: "G."}) { created user { name } } }', {}, tokenFor('gina'));
    expect(again.data.upsertUser).toEqual({ created: false, user: { name: 'G.' } });
    const recs = await gql(srv.url, RECS, { u: 'gina', first: 4 }, tokenFor('gina'));
    expect(recs.data.recommendations.coldStart).toBe(true);
    expect(recs.data.recommendations.items.length).toBe(4);
  });

  it('upsertItem gives a new item an embedding from its categories so it is recommended before retraining', async () => {
    const res = await gql(srv.url, 'mutation { upsertItem(input: {id: "i13", title: "music 5", categories: ["music"]}) { created embeddingSource item { id title categories } } }', {}, tokenFor('ops', 'admin'));
    expect(res.errors).toBeUndefined();
    expect(res.data.upsertItem).toEqual({ created: true, embeddingSource: 'neighbours', item: { id: 'i13', title: 'music 5', categories: ['music'] } });
    const recs = await gql(srv.url, RECS, { u: 'dave', first: 3 }, tokenFor('dave'));
    const mine = recs.data.recommendations.items.find((x: any) => x.item.id === 'i13');
    expect(mine).toBeDefined();
    expect(mine.breakdown.embedding).toBeGreaterThan(0);
    // a trained item keeps its trained embedding when updated
    const trained = await gql(srv.url, 'mutation { upsertItem(input: {id: "i9", title: "music one", categories: ["music"]}) { created embeddingSource } }', {}, tokenFor('ops', 'admin'));
    expect(trained.data.upsertItem).toEqual({ created: false, embeddingSource: 'model' });
  });

  it('deleteUser removes the user, its interactions, follows and context edges, and the POPULAR_IN counts it made', async () => {
    await gql(srv.url, RECORD, { input: { userId: 'frank', itemId: 'i11', kind: 'like', context: [{ kind: 'weekday', value: 'sat' }] } }, tokenFor('frank'));
    const pop = async () => (await one(db, 'OPTIONAL MATCH (:Item {id: "i11"})-[p:POPULAR_IN]->(:Context {kind: "weekday", value: "sat"}) RETURN p.count AS n')).n;
    expect(await pop()).toBe(1);
    const forbidden = await gql(srv.url, 'mutation { deleteUser(id: "frank") { id } }', {}, tokenFor('alice'));
    expect(codeOf(forbidden)).toBe('FORBIDDEN');
    const res = await gql(srv.url, 'mutation { deleteUser(id: "frank") { id deletedInteractions } }', {}, tokenFor('frank'));
    expect(res.data.deleteUser).toEqual({ id: 'frank', deletedInteractions: 3 });
    expect(await pop()).toBeNull();
    expect((await one(db, 'MATCH (u:User {id: "frank"}) RETURN count(u) AS n')).n).toBe(0);
    const again = await gql(srv.url, 'mutation { deleteUser(id: "frank") { id } }', {}, tokenFor('ops', 'admin'));
    expect(codeOf(again)).toBe('NOT_FOUND');
    const counts = await graphCounts(db);
    expect(counts.User).toBe(6); // alice bob carol dave eve gina
  });
});
