import { Executor } from '../../src/db/executor';
import { createLogger } from '../../src/log';
import { startServer, type ServerHandle } from '../../src/api/server';
import { useApiServer, codeOf, gql, tokenFor, TEST_SECRET, withServerBehindProxy } from '../helpers/apiServer';

describe('api/server: HTTP, health, errors, limits and access rules', () => {
  let db: Executor;
  let srv: ServerHandle;
  useApiServer((x) => { ({ db, srv } = x); });

  it('answers /healthz and /readyz (Neo4j reachable, model active)', async () => {
    const base = srv.url.replace('/graphql', '');
    const h = await fetch(`${base}/healthz`);
    expect(h.status).toBe(200);
    const r = await fetch(`${base}/readyz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'ready', model: 'v-test' });
  });

  it('reports not ready (503, MODEL_NOT_READY) when no model is active', async () => {
    const s = db.driver.session();
    try {
      await s.run("MATCH (m:Model) SET m.active = false");
      const r = await fetch(srv.url.replace('/graphql', '/readyz'));
      expect(r.status).toBe(503);
      expect(((await r.json()) as { reason: string }).reason).toBe('MODEL_NOT_READY');
      const res = await gql(srv.url, 'query { recommendations(userId: "alice") { items { score } } }', {}, tokenFor('alice'));
      expect(codeOf(res)).toBe('MODEL_NOT_READY');
    } finally {
      await s.run("MATCH (m:Model {version: 'v-test'}) SET m.active = true");
      await s.close();
      srv.engine.store.invalidate();
    }
  });

  it('serves the Apollo Sandbox landing page in development only', async () => {
    const dev = await startServer({ port: 0, host: '127.0.0.1', jwtSecret: TEST_SECRET, nodeEnv: 'development' }, { db, logger: createLogger('silent') });
    try {
      const page = await fetch(dev.url, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/sandbox/i);
    } finally {
      await dev.stop();
    }
    const test = await fetch(srv.url, { headers: { accept: 'text/html' } });
    expect(await test.text()).not.toMatch(/embeddable-sandbox/i);
  });

  it('serves the model query publicly', async () => {
    const res = await gql(srv.url, '{ model { version dims userNormExponent trainedAt metrics } }');
    expect(res.errors).toBeUndefined();
    expect(res.data.model).toMatchObject({ version: 'v-test', dims: 4, userNormExponent: 0.5, metrics: { 'recall@20': 0.2 } });
    expect(Date.parse(res.data.model.trainedAt)).toBeGreaterThan(0);
  });

  it('rejects a bad token with UNAUTHENTICATED (HTTP 401)', async () => {
    const res = await gql(srv.url, '{ model { version } }', {}, 'not-a-jwt');
    expect(res.status).toBe(401);
    expect(codeOf(res)).toBe('UNAUTHENTICATED');
  });

  it('rejects anonymous writes with UNAUTHENTICATED', async () => {
    const res = await gql(srv.url, 'mutation { upsertUser(input: {id: "zed"}) { created } }');
    expect(codeOf(res)).toBe('UNAUTHENTICATED');
  });

  it('gives FORBIDDEN to a user token reading someone else\'s recommendations or user', async () => {
    const a = await gql(srv.url, 'query { recommendations(userId: "bob") { items { score } } }', {}, tokenFor('alice'));
    expect(codeOf(a)).toBe('FORBIDDEN');
    const b = await gql(srv.url, 'query { user(id: "bob") { id } }', {}, tokenFor('alice'));
    expect(codeOf(b)).toBe('FORBIDDEN');
    const c = await gql(srv.url, 'mutation { upsertItem(input: {id: "x", categories: []}) { created } }', {}, tokenFor('alice'));
    expect(codeOf(c)).toBe('FORBIDDEN');
  });

  it('bounds first: 0 and 101 are BAD_USER_INPUT naming the argument and value', async () => {
    for (const first of [0, 101]) {
      const res = await gql(srv.url, 'query($f: Int!) { recommendations(userId: "alice", first: $f) { items { score } } }', { f: first }, tokenFor('alice'));
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0].message).toContain('"first"');
      expect(res.errors![0].message).toContain(String(first));
      expect(res.errors![0].extensions!.argument).toBe('first');
    }
  });

  it('returns NOT_FOUND for an unknown user in recommendations', async () => {
    const res = await gql(srv.url, 'query { recommendations(userId: "ghost") { items { score } } }', {}, tokenFor('admin', 'admin'));
    expect(codeOf(res)).toBe('NOT_FOUND');
  });

  it('rejects too deep and too costly queries with QUERY_TOO_COMPLEX', async () => {
    let deep = 'id';
    for (let k = 0; k < 5; k++) deep = `following { edges { node { ${deep} } } }`;
    deep = `{ user(id: "alice") { ${deep} } }`;
    const d = await gql(srv.url, deep, {}, tokenFor('admin', 'admin'));
    expect(codeOf(d)).toBe('QUERY_TOO_COMPLEX');
    const costly = '{ user(id: "alice") { following(first: 100) { edges { node { following(first: 100) { edges { node { interactions(first: 100) { edges { node { kind } } } } } } } } } } }';
    const c = await gql(srv.url, costly, {}, tokenFor('admin', 'admin'));
    expect(codeOf(c)).toBe('QUERY_TOO_COMPLEX');
  });

  it('answers a variable of the wrong type with BAD_USER_INPUT naming it, not an internal error', async () => {
    const res = await gql(srv.url, 'query($first: Int!) { recommendations(userId: "alice", first: $first) { items { score } } }', { first: 1.5 }, tokenFor('admin', 'admin'));
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    expect(res.errors![0].message).toContain('$first');
    expect(res.errors![0].message).toContain('1.5');
  });

  it('passes graphql-js validation errors through with their code', async () => {
    const res = await gql(srv.url, '{ nope }');
    expect(codeOf(res)).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('serves item(id) with categories, counts and contexts in a bounded number of statements', async () => {
    const res = await gql(srv.url, '{ item(id: "i3") { id title categories interactionCount popularIn { kind value count } } missing: item(id: "zzz") { id } }');
    expect(res.errors).toBeUndefined();
    expect(res.data.item).toEqual({
      id: 'i3', title: 'coffee 3', categories: ['coffee'], interactionCount: 2,
      popularIn: [{ kind: 'device', value: 'mobile', count: 2 }, { kind: 'timeOfDay', value: 'evening', count: 1 }],
    });
    expect(res.data.missing).toBeNull();
    expect(res.extensions!.cypherStatements).toBeLessThanOrEqual(3);
  });

  it('serves user(id) with paginated interactions and follows; the cursor continues the page', async () => {
    const q = `query($after: String) { user(id: "alice") { id interactionCount activeIn { kind value count }
      interactions(first: 1, after: $after) { edges { cursor node { itemId kind weight at contexts { kind value } item { id title } } } pageInfo { hasNextPage endCursor } }
      following(first: 1) { totalCount edges { node { id } } pageInfo { hasNextPage } } } }`;
    const p1 = await gql(srv.url, q, {}, tokenFor('alice'));
    expect(p1.errors).toBeUndefined();
    const u = p1.data.user;
    expect(u.interactionCount).toBe(2);
    expect(u.activeIn[0]).toEqual({ kind: 'device', value: 'mobile', count: 2 });
    expect(u.interactions.edges[0].node).toMatchObject({ itemId: 'i2', kind: 'view', weight: 1, item: { id: 'i2', title: 'coffee 2' } });
    expect(u.interactions.edges[0].node.contexts).toEqual([{ kind: 'device', value: 'mobile' }, { kind: 'timeOfDay', value: 'evening' }]);
    expect(u.interactions.pageInfo.hasNextPage).toBe(true);
    expect(u.following).toEqual({ totalCount: 2, edges: [{ node: { id: 'carol' } }], pageInfo: { hasNextPage: true } });
    const p2 = await gql(srv.url, q, { after: u.interactions.pageInfo.endCursor }, tokenFor('alice'));
    expect(p2.data.user.interactions.edges.map((e: any) => e.node.itemId)).toEqual(['i1']);
    expect(p2.data.user.interactions.pageInfo.hasNextPage).toBe(false);
    const bad = await gql(srv.url, q, { after: 'garbage' }, tokenFor('alice'));
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
  });

  it('maps a Neo4j outage to DATABASE_UNAVAILABLE and recovers when Neo4j returns', async () => {
    // a TCP proxy in front of the test Neo4j lets the test cut and restore the database connection
    await withServerBehindProxy(null, async ({ url, proxy }) => {
      const ok = await gql(url, '{ item(id: "i1") { id } }');
      expect(ok.data.item.id).toBe('i1');
      await proxy.down();
      const down = await gql(url, '{ item(id: "i1") { id } }');
      expect(codeOf(down)).toBe('DATABASE_UNAVAILABLE');
      const ready = await fetch(url.replace('/graphql', '/readyz'));
      expect(ready.status).toBe(503);
      await proxy.up();
      const back = await gql(url, '{ item(id: "i1") { id } }');
      expect(back.errors).toBeUndefined();
      expect(back.data.item.id).toBe('i1');
    });
  });
});
