import { Executor } from '../../src/db/executor';
import { loadPolicyConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { startServer, type ServerHandle } from '../../src/api/server';
import { ServingEngine, DEFAULT_SERVING } from '../../src/serving/servingEngine';
import { ServingPolicy } from '../../src/serving/servingPolicy';
import { ExposureLog } from '../../src/serving/exposures';
import { resetGraph, testExecutor } from '../helpers/neo4j';
import { gql, loadApiFixture, tokenFor, TEST_SECRET, ITEMS } from '../helpers/apiServer';

/**
 * Two API servers on one Neo4j, as two replicas are: each with its own driver, serving engine (model cache, item
 * matrix, graph index, graph worker) and exposure log. They share nothing but the database. The exposure counts
 * reload every 200 ms here instead of every 10 minutes, so that convergence is observed in a test.
 */
describe('two replicas on one Neo4j', () => {
  const policy = loadPolicyConfig({});
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  let dbs: Executor[] = [];
  let a: ServerHandle;
  let b: ServerHandle;

  const replica = async (db: Executor) => {
    const exposures = new ExposureLog(db, log, { flushMs: 50, countsRefreshMs: 200, feedbackWindowMs: policy.feedbackWindowHours * 3600_000 });
    const engine = new ServingEngine(db, log, { ...DEFAULT_SERVING, modelTtlMs: 2000 }, undefined, new ServingPolicy(db, log, policy, exposures));
    const srv = await startServer({ port: 0, host: '127.0.0.1', jwtSecret: TEST_SECRET, nodeEnv: 'test', policy }, { db, logger: log, engine });
    return { srv, engine };
  };
  const engines: ServingEngine[] = [];

  beforeAll(async () => {
    dbs = [testExecutor(), testExecutor()];
    await resetGraph(dbs[0]);
    await loadApiFixture(dbs[0]);
    const ra = await replica(dbs[0]);
    const rb = await replica(dbs[1]);
    ({ srv: a } = ra);
    ({ srv: b } = rb);
    engines.push(ra.engine, rb.engine);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    for (const e of engines) await e.dispose();
    for (const db of dbs) await db.close();
  });

  const page = async (srv: ServerHandle, user: string, logExposures = true) => {
    const res = await gql(srv.url, 'query($u: ID!, $log: Boolean!) { recommendations(userId: $u, first: 6, policy: {exploration: 0, logExposures: $log}) { impressionId items { item { id } breakdown { embedding } } } }',
      { u: user, log: logExposures }, tokenFor(user));
    expect(res.errors).toBeUndefined();
    return res.data.recommendations as { impressionId: string; items: { item: { id: string }; breakdown: { embedding: number } }[] };
  };

  it('a recordInteraction on one replica is reflected in the other\'s very next recommendations for that user', async () => {
    const before = await page(b, 'alice');
    const bought = before.items[0].item.id;
    const dismissed = before.items[1].item.id;
    const rec = async (itemId: string, kind: string) => {
      const res = await gql(a.url, 'mutation($i: ID!, $k: String!) { recordInteraction(input: {userId: "alice", itemId: $i, kind: $k}) { embeddingVersion } }',
        { i: itemId, k: kind }, tokenFor('alice'));
      expect(res.errors).toBeUndefined();
    };
    await rec(bought, 'purchase');
    // bound: the next request on the other replica after the mutation returned (the profile is read per request)
    const after = await page(b, 'alice');
    const ids = after.items.map((x) => x.item.id);
    expect(ids).not.toContain(bought); // now an interacted item
    // the user's embedding was folded in with the purchase: the embedding part of the same items moved
    const emb = (p: typeof before, id: string) => p.items.find((x) => x.item.id === id)?.breakdown.embedding;
    const common = ids.filter((id) => before.items.some((x) => x.item.id === id));
    expect(common.length).toBeGreaterThan(0);
    expect(common.some((id) => Math.abs(emb(after, id)! - emb(before, id)!) > 1e-6)).toBe(true);

    await rec(dismissed, 'dismiss');
    expect((await page(b, 'alice')).items.map((x) => x.item.id)).not.toContain(dismissed);
  });

  it('exposure counts converge: each replica\'s in-memory counts reach the graph\'s after a flush and a reload', async () => {
    for (const user of ['bob', 'carol']) await page(a, user);
    for (const user of ['dave', 'frank']) await page(b, user);
    await Promise.all(engines.map((e) => e.policy.exposures.flush()));
    const graphCounts = async (): Promise<Record<string, number>> => {
      const res = await dbs[0].driver.executeQuery('MATCH (i:Item) RETURN i.id AS id, coalesce(i.exposures, 0) AS n', {}, { database: dbs[0].database });
      return Object.fromEntries(res.records.map((r) => [r.get('id'), Number(r.get('n'))]));
    };
    const truth = await graphCounts();
    expect(Object.values(truth).reduce((s, n) => s + n, 0)).toBeGreaterThanOrEqual(4 * 6);
    const memory = (e: ServingEngine) => Object.fromEntries(ITEMS.map((it) => [it.id, e.policy.exposures.count(it.id).exposures]));
    let converged = false;
    for (let k = 0; k < 100 && !converged; k++) {
      await new Promise((r) => setTimeout(r, 100));
      // a request on each replica (a prefetch: not logged) starts its background reload once its counts are older than countsRefreshMs
      await page(a, 'bob', false);
      await page(b, 'bob', false);
      const now = await graphCounts();
      converged = engines.every((e) => JSON.stringify(memory(e)) === JSON.stringify(now));
    }
    expect(memory(engines[0])).toEqual(await graphCounts());
    expect(memory(engines[1])).toEqual(memory(engines[0]));
  });
});
