import http from 'node:http';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { detachedFromRequest, requestDeadline, run, withNeo4jDeadline, type Executor } from '../../src/db/executor';
import type { ServerHandle } from '../../src/api/server';
import { createLogger } from '../../src/log';
import { ExposureLog } from '../../src/serving/exposures';
import { CLAIMANT, ModelWriteConflictError, publishModel, recoverInterruptedWrites, getModel } from '../../src/model/registry';
import { extractGraph } from '../../src/graph/extract';
import { standinFit } from '../helpers/standinModel';
import { testExecutor } from '../helpers/neo4j';
import { codeOf, executorBehind, gql, startBoltProxy, tokenFor, useApiServer, withServerBehindProxy } from '../helpers/apiServer';

const alice = () => tokenFor('alice');

/** POSTs raw bytes with chosen headers; resolves with the status and body (or the transport error). */
function rawPost(url: string, body: Buffer, headers: Record<string, string | number>, chunked = false): Promise<{ status: number | string; text: string }> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: chunked ? headers : { ...headers, 'content-length': body.length } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', (err) => resolve({ status: `transport: ${err.message}`, text: '' }));
    if (chunked) {
      for (let k = 0; k < body.length; k += 65_536) req.write(body.subarray(k, k + 65_536));
      req.end();
    } else req.end(body);
  });
}

describe('hardening (issue 13): each defect of the hostile test run', () => {
  let db: Executor;
  let srv: ServerHandle;
  useApiServer((ctx) => ({ db, srv } = ctx));

  it('1: costs every alias of a resolved field again: 1,000 aliases of recommendations are QUERY_TOO_COMPLEX (HTTP 400) and run nothing', async () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, k) => `a${k}: recommendations(userId: "alice", first: 1) { items { item { id } } }`).join(' ')} }`;
    for (const n of [1000, 100, 25]) {
      const res = await fetch(srv.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${alice()}` }, body: JSON.stringify({ query: aliases(n) }) });
      const body = await res.json() as { errors: { extensions: { code: string } }[]; extensions: { cypherStatements: number } };
      expect([n, res.status, body.errors[0].extensions.code]).toEqual([n, 400, 'QUERY_TOO_COMPLEX']);
      expect(body.extensions?.cypherStatements ?? 0).toBe(0);
    }
    // within the limits, several aliases still run
    const ok = await gql(srv.url, aliases(3), {}, alice());
    expect(ok.errors).toBeUndefined();
  });

  it('4 and 8: page sizes out of range are BAD_USER_INPUT with HTTP 400 whatever their size; depth and bad variables are 400 too', async () => {
    for (const first of [0, 101, 1_000_000_000]) {
      const res = await fetch(srv.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${alice()}` },
        body: JSON.stringify({ query: `{ recommendations(userId: "alice", first: ${first}) { items { rank } } }` }) });
      const body = await res.json() as { errors: { message: string; extensions: { code: string } }[] };
      expect([first, res.status, body.errors[0].extensions.code]).toEqual([first, 400, 'BAD_USER_INPUT']);
      expect(body.errors[0].message).toMatch(/"first".*from 1 to 100/);
    }
    let sel = 'id';
    for (let k = 0; k < 14; k++) sel = `following(first: 1) { edges { node { ${sel} } } }`;
    const deep = await fetch(srv.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${alice()}` }, body: JSON.stringify({ query: `{ user(id: "alice") { ${sel} } }` }) });
    expect(deep.status).toBe(400);
    const badVar = await fetch(srv.url, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query($f: Int!) { similarItems(itemId: "i1", first: $f) { items { rank } } }', variables: { f: 1.5 } }) });
    expect(badVar.status).toBe(400);
  });

  it('5: client mistakes are never INTERNAL: unknown operationName, huge cursors, long context values, persisted-query errors, subscriptions', async () => {
    const post = async (body: unknown, token?: string) => {
      const res = await fetch(srv.url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
      return { status: res.status, body: await res.json() as { errors?: { message: string; extensions: { code: string } }[] } };
    };
    const cases: [string, unknown, string | undefined, string][] = [
      ['operationName', { query: 'query A { model { version } }', operationName: 'B' }, undefined, 'BAD_USER_INPUT'],
      ['two operations', { query: 'query A { model { version } } query B { model { dims } }' }, undefined, 'BAD_USER_INPUT'],
      ['huge cursor', { query: 'query($a: String) { user(id: "alice") { interactions(first: 2, after: $a) { edges { cursor } } } }', variables: { a: Buffer.from(`o:${'9'.repeat(30)}`).toString('base64url') } }, alice(), 'BAD_USER_INPUT'],
      ['context value', { query: 'query($c: [ContextInput!]) { recommendations(userId: "alice", first: 2, context: $c) { items { rank } } }', variables: { c: [{ kind: 'device', value: 'v'.repeat(9_000) }] } }, alice(), 'BAD_USER_INPUT'],
      ['context kind on a write', { query: 'mutation($i: RecordInteractionInput!) { recordInteraction(input: $i) { replayed } }', variables: { i: { userId: 'alice', itemId: 'i1', kind: 'view', context: [{ kind: 'k'.repeat(101), value: 'x' }] } } }, alice(), 'BAD_USER_INPUT'],
      ['persisted-query version', { query: '{ model { version } }', extensions: { persistedQuery: { version: 2, sha256Hash: 'abc' } } }, undefined, 'BAD_REQUEST'],
      ['persisted-query hash', { query: '{ model { version } }', extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } }, undefined, 'BAD_REQUEST'],
      ['subscription', { query: 'subscription { model { version } }' }, undefined, 'BAD_USER_INPUT'],
    ];
    for (const [what, body, token, code] of cases) {
      const r = await post(body, token);
      expect([what, r.body.errors?.[0]?.extensions.code]).toEqual([what, code]);
      expect(r.status).toBeLessThan(500);
    }
    const contexts = await db.driver.executeQuery('MATCH (c:Context) WHERE size(c.value) > 100 OR size(c.kind) > 100 RETURN count(c) AS n');
    expect(contexts.records[0].get('n')).toBe(0);
  });

  it('5 and 8: every string input is bounded, and an over-long id is never echoed back in full', async () => {
    const huge = 'q'.repeat(900_000);
    const lit = await fetch(srv.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ item(id: "${huge}") { id } }` }) });
    const text = await lit.text();
    expect(lit.status).toBe(400);
    expect(text.length).toBeLessThan(2_000);
    expect(JSON.parse(text).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const asVariable = await gql(srv.url, 'query($id: ID!) { item(id: $id) { id } }', { id: 'x'.repeat(5_000) });
    expect(codeOf(asVariable)).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(asVariable).length).toBeLessThan(2_000);
    const forbidden = await gql(srv.url, 'query($u: ID!) { recommendations(userId: $u, first: 1) { items { rank } } }', { u: 'y'.repeat(9_000) }, alice());
    expect(codeOf(forbidden)).toBe('FORBIDDEN');
    expect(JSON.stringify(forbidden).length).toBeLessThan(2_000);
  });

  it('6: a body over 1 MiB is answered 413, declared or streamed, never a reset', async () => {
    const body = Buffer.from(JSON.stringify({ query: '{ model { version } }', variables: { pad: 'p'.repeat(1_200_000) } }));
    for (const chunked of [false, true]) {
      const r = await rawPost(srv.url, body, { 'content-type': 'application/json' }, chunked);
      expect([chunked, r.status]).toEqual([chunked, 413]);
      expect(JSON.parse(r.text).errors[0].message).toMatch(/larger than 1048576 bytes/);
    }
  });

  it('8: one content-type rule, case-insensitive: application/json with any case and parameters; anything else 415', async () => {
    const body = Buffer.from(JSON.stringify({ query: '{ model { version } }' }));
    for (const [type, status] of [['application/json', 200], ['APPLICATION/JSON', 200], ['Application/Json; charset=UTF-8', 200],
      ['application/jsonx', 415], ['text/plain', 415], ['application/json-patch+json', 415]] as const) {
      const r = await rawPost(srv.url, body, { 'content-type': type });
      expect([type, r.status]).toEqual([type, status]);
    }
  });

  it('8: idempotency keys with a lone surrogate are refused, so two keys never collide as U+FFFD', async () => {
    const q = 'mutation($i: RecordInteractionInput!) { recordInteraction(input: $i) { replayed } }';
    for (const key of ['k\ud800', 'k\udbff']) {
      const r = await gql(srv.url, q, { i: { userId: 'alice', itemId: 'i4', kind: 'view', idempotencyKey: key } }, alice());
      expect(codeOf(r)).toBe('BAD_USER_INPUT');
      expect(r.errors![0].message).toMatch(/lone surrogate/);
    }
    const stored = await db.driver.executeQuery("MATCH ()-[r:INTERACTED]->() WHERE r.idempotencyKey STARTS WITH 'k' RETURN count(r) AS n");
    expect(stored.records[0].get('n')).toBe(0);
  });

  it('8: other users met through follows are anonymous to a user token: no name, no interaction count', async () => {
    await db.driver.executeQuery("MATCH (u:User {id: 'carol'}) SET u.name = 'Carol C.'");
    const r = await gql(srv.url, '{ user(id: "alice") { following(first: 5) { edges { node { id name } } } } }', {}, alice());
    expect(r.data.user.following.edges.map((e: any) => e.node)).toEqual([{ id: 'carol', name: null }, { id: 'dave', name: null }]);
    const count = await gql(srv.url, '{ user(id: "alice") { following(first: 5) { edges { node { id interactionCount } } } } }', {}, alice());
    expect(codeOf(count)).toBe('FORBIDDEN');
    expect(JSON.stringify(count.data ?? null)).not.toMatch(/interactionCount":\d/);
    // an admin reads them; a user its own
    const asAdmin = await gql(srv.url, '{ user(id: "carol") { name interactionCount } }', {}, tokenFor('root', 'admin'));
    expect(asAdmin.data.user).toEqual({ name: 'Carol C.', interactionCount: 3 });
    const self = await gql(srv.url, '{ user(id: "alice") { interactionCount } }', {}, alice());
    expect(self.data.user.interactionCount).toBeGreaterThan(0);
  });

  it('3: `at` is a real calendar date-time no later than now plus a small skew; impossible dates are refused, not shifted', async () => {
    const q = 'mutation($i: RecordInteractionInput!) { recordInteraction(input: $i) { interaction { at } } }';
    const rec = (at: string) => gql(srv.url, q, { i: { userId: 'alice', itemId: 'i6', kind: 'view', at } }, alice());
    for (const at of ['9999-01-01T00:00:00Z', '2026-02-30T00:00:00Z', '2025-02-29T12:00:00Z', '2026-04-31T00:00:00Z', '2026-01-01T24:00:00Z',
      new Date(Date.now() + 3600_000).toISOString(), '1969-12-31T23:59:59Z', '2026-01-01T00:00:00', '2026-01-01']) {
      const r = await rec(at);
      expect([at, codeOf(r)]).toEqual([at, 'BAD_USER_INPUT']);
    }
    const ok = await rec('2024-02-29T23:30:00+01:00');
    expect(ok.errors).toBeUndefined();
    expect(ok.data.recordInteraction.interaction.at).toMatch(/^2024-02-29T22:30:00(\.000)?Z$/);
    const soon = await rec(new Date(Date.now() + 60_000).toISOString());
    expect(soon.errors).toBeUndefined();
  });

  it('8: the start-up users figure counts all users', async () => {
    const [{ users }] = await db.read<{ users: number }>('start/count-users');
    expect(users).toBe(6);
  });

  it('9: the exposure log deletes SHOWN edges older than its retention and keeps the recent ones and the counters', async () => {
    await db.driver.executeQuery(`MATCH (u:User {id: 'bob'}), (i:Item {id: 'i7'})
      CREATE (u)-[:SHOWN {impressionId: 'old', position: 1, at: datetime() - duration({days: 40})}]->(i),
             (u)-[:SHOWN {impressionId: 'recent', position: 1, at: datetime() - duration({days: 2})}]->(i)
      SET i.exposures = coalesce(i.exposures, 0) + 2`);
    const log = new ExposureLog(db, createLogger('silent'), { retentionMs: 30 * 86_400_000, feedbackWindowMs: 3600_000 });
    expect(await log.prune()).toBeGreaterThanOrEqual(1);
    const left = await db.driver.executeQuery("MATCH (:User {id: 'bob'})-[s:SHOWN]->(i:Item {id: 'i7'}) RETURN collect(s.impressionId) AS ids, i.exposures AS exposures");
    expect(left.records[0].get('ids')).toEqual(['recent']);
    expect(left.records[0].get('exposures')).toBeGreaterThanOrEqual(2);
    expect(() => new ExposureLog(db, createLogger('silent'), { retentionMs: 1000, feedbackWindowMs: 3600_000 })).toThrow(/retentionMs/);
  });
});

describe('hardening (issue 13): write claims with a lease (2)', () => {
  let db: Executor;
  let srv: ServerHandle;
  useApiServer((ctx) => ({ db, srv } = ctx));

  const writingModel = (version: string, claimant: string, leaseSeconds: number) => db.driver.executeQuery(`
    CREATE (:Model {version: $version, seq: 100, status: 'writing', active: false, claimant: $claimant, createdAt: datetime(),
                    heartbeatAt: datetime(), leaseUntil: datetime() + duration({seconds: $lease}), dims: 4, userNormExponent: 0.5, nodes: 0, writtenNodes: 0})`,
  { version, claimant, lease: leaseSeconds });

  it('recognises at once a claim of a dead process on this host, and reclaims our own pid after a restart; a live claim conflicts', async () => {
    void srv;
    const graph = (await extractGraph(db, { progress: false })).graph;
    const fit = () => standinFit(graph, { dims: 4, seed: 3 });
    // a pid that is certainly not running: a child that has exited
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout.trim();
    await writingModel('v-dead', `${os.hostname()}/${dead}/gone`, 600);
    await writingModel('v-restarted', `${os.hostname()}/${process.pid}/an-earlier-process`, 600);
    const res = await publishModel(db, graph, await fit(), { progress: false, version: 'v-next', activate: false });
    expect(res.version).toBe('v-next');
    for (const v of ['v-dead', 'v-restarted']) {
      const m = (await getModel(db, v))!;
      expect([v, m.status]).toEqual([v, 'failed']);
      expect(m.error).toMatch(/interrupted: the writing process/);
    }
    // a claim held by a live process (this one's parent) with a running lease: a conflict naming it
    await writingModel('v-live', `${os.hostname()}/${process.ppid}/alive`, 600);
    await expect(publishModel(db, graph, await fit(), { progress: false, version: 'v-blocked', activate: false })).rejects.toThrow(ModelWriteConflictError);
    // another host's claim holds until its lease runs out, and not after
    await db.driver.executeQuery("MATCH (m:Model {version: 'v-live'}) SET m.claimant = 'elsewhere/1/x', m.leaseUntil = datetime() - duration({seconds: 1})");
    expect(await recoverInterruptedWrites(db)).toEqual(['v-live']);
    expect(CLAIMANT.id.startsWith(`${os.hostname()}/${process.pid}/`)).toBe(true);
  });

  it('renews the lease while it writes', async () => {
    const graph = (await extractGraph(db, { progress: false })).graph;
    const reads: Promise<number>[] = [];
    await publishModel(db, graph, await standinFit(graph, { dims: 4, seed: 4 }), {
      progress: false, version: 'v-lease', activate: false, leaseMs: 300, batchSize: 1,
      onProgress: () => void reads.push(db.driver.executeQuery("MATCH (m:Model {version: 'v-lease'}) RETURN m.leaseUntil.epochMillis AS t").then((r) => r.records[0].get('t'))),
    });
    expect(new Set(await Promise.all(reads)).size).toBeGreaterThan(1);
  });
});

describe('hardening (issue 13): bounded waits on Neo4j (7)', () => {
  it('fails fast while Neo4j is unreachable, within the configured bound, and succeeds as soon as it is back', async () => {
    await withServerBehindProxy('zed', async ({ url, proxy }) => {
      expect((await gql(url, '{ item(id: "i1") { id } }')).data.item.id).toBe('i1');
      await proxy.down();
      // each request while down ends with DATABASE_UNAVAILABLE saying nothing was written (the waits are measured by npm run faults)
      for (let k = 0; k < 5; k++) {
        const r = await gql(url, 'mutation { upsertUser(input: {id: "zed"}) { created } }', {}, tokenFor('zed'));
        expect(codeOf(r)).toBe('DATABASE_UNAVAILABLE');
        expect(r.errors![0].extensions!.committed).toBe(false);
      }
      await proxy.up();
      const back = await gql(url, 'mutation { upsertUser(input: {id: "zed"}) { created } }', {}, tokenFor('zed'));
      expect(back.errors).toBeUndefined();
    });
  });

  it('after Neo4j returns, a statement it holds without answering (as it does while it plans cold) is cut at the request bound', async () => {
    await withServerBehindProxy('zed2', async ({ url, proxy }) => {
      expect((await gql(url, '{ item(id: "i1") { id } }')).data.item.id).toBe('i1');
      await proxy.down();
      expect(codeOf(await gql(url, '{ item(id: "i2") { id } }'))).toBe('DATABASE_UNAVAILABLE');
      await proxy.up();
      expect((await gql(url, '{ item(id: "i3") { id } }')).data.item.id).toBe('i3');
      // back, but holding statements (as a restarted Neo4j planning cold): the request ends, DATABASE_UNAVAILABLE
      proxy.mode = 'silent';
      const held = await gql(url, 'mutation { upsertUser(input: {id: "zed2"}) { created } }', {}, tokenFor('zed2'));
      // the whole error on a failure: an unexpected code (the server also logs it at error level) shows its message
      expect({ code: codeOf(held), error: held.errors?.[0] }).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
      proxy.mode = 'open';
      proxy.dropConnections(); // the held connections are dead to the driver now
      const back = await gql(url, 'mutation { upsertUser(input: {id: "zed2"}) { created } }', {}, tokenFor('zed2'));
      expect(back.errors).toBeUndefined();
    });
  });

  it('after Neo4j returns, while two cut statements still run there, a statement waits for one of them to end rather than being refused', async () => {
    const proxy = await startBoltProxy();
    const db = executorBehind(proxy);
    const item = (ms: number) => withNeo4jDeadline(ms, () => db.read<{ id: string }>('api/itemsByIds', { ids: ['i1'] }));
    try {
      expect((await item(1_000))[0].id).toBe('i1');
      // unreachable, then back: unsettled
      proxy.mode = 'closed';
      proxy.dropConnections();
      await expect(item(1_000)).rejects.toThrow(/unavailable/i);
      proxy.mode = 'open';
      expect((await Promise.all([item(1_000), item(1_000)])).map((r) => r[0].id)).toEqual(['i1', 'i1']); // two pooled connections
      // back but holding statements (planning cold): two are cut at their bound and still run there
      proxy.mode = 'silent';
      await expect(item(200)).rejects.toThrow(/did not answer/);
      await expect(item(200)).rejects.toThrow(/did not answer/);
      const third = item(60_000);
      await new Promise((r) => setTimeout(r, 300));
      // the held statements end (their connections drop): the waiting one runs and is answered
      proxy.mode = 'open';
      proxy.dropConnections();
      expect((await third)[0].id).toBe('i1');
    } finally {
      await db.close();
      proxy.close();
    }
  });

  it('when Neo4j returns, runs the statements of requests again as they last ran, so that their next runs find those plans', async () => {
    const db = testExecutor();
    // Neo4j caches a plan per statement text, parameter types and whether its transaction has written; the count
    // of plans it drops says whether a statement was planned again
    const dropPlans = async () => {
      const msg = String((await db.driver.executeQuery('CALL db.clearQueryCaches()')).records[0].get(0));
      return Number(/of (\d+)/.exec(msg)?.[1] ?? 0);
    };
    let n = 0;
    const requests = () => withNeo4jDeadline(60_000, async () => {
      await db.read('api/itemsByIds', { ids: ['i1'] });
      await db.writeTx(async (tx) => {
        await run(tx, 'api/upsertUser', { id: 'zed3', name: `zed ${++n}` }); // a write each time
        await run(tx, 'api/usersByIds', { ids: ['zed3'] }); // after a write of its transaction
      });
    });
    try {
      await requests();
      await dropPlans();
      await db.warmPlans();
      const warmed = await dropPlans();
      expect(warmed).toBeGreaterThanOrEqual(3);
      await db.warmPlans();
      await requests();
      expect(await dropPlans()).toBe(warmed); // no statement of the requests was planned again
    } finally {
      await db.driver.executeQuery("MATCH (u:User {id: 'zed3'}) DETACH DELETE u").catch(() => undefined);
      await db.close();
    }
  });

  it('runs work detached from a request (timers, training) without the request deadline', async () => {
    const seen: (number | null)[] = [];
    await withNeo4jDeadline(1, async () => {
      await new Promise((r) => setTimeout(r, 5));
      // inside the request: the deadline has passed; detached: no deadline at all
      seen.push(await new Promise<number | null>((r) => detachedFromRequest(() => setTimeout(() => r(requestDeadline()), 0))));
    });
    expect(seen).toEqual([null]);
  });
});
