import net from 'node:net';
import type { Executor } from '../../src/db/executor';
import { extractGraph } from '../../src/graph/extract';
import { publishModel } from '../../src/model/registry';
import type { HeteroGraph } from '../../src/graph/types';
import type { TrainedModel } from '../../src/model/types';
import { foldInUser } from '../../src/serving/foldIn';
import type { ServingOptions } from '../../src/serving/servingEngine';
import type { PolicyConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { signToken } from '../../src/api/auth';
import { startServer, type ServerHandle } from '../../src/api/server';
import { resetGraph, TEST_BOLT_PORT, testExecutor } from './neo4j';

/** Secret the API tests sign tokens with. */
export const TEST_SECRET = 'api-test-secret';

/** Item embeddings of the fixture: three clusters (coffee, books, music) in 4 dimensions. */
const CLUSTER: Record<string, number[]> = { coffee: [1, 0, 0, 0.1], books: [0, 1, 0, 0.1], music: [0, 0, 1, 0.1] };

/** The fixture's items: 4 per category; embeddings by cluster with a small per-item offset. */
export const ITEMS = ['coffee', 'books', 'music'].flatMap((cat, c) => [1, 2, 3, 4].map((k) => {
  const n = c * 4 + k;
  const e = CLUSTER[cat].map((x, d) => x + (d === 3 ? 0.01 * n : 0));
  return { id: `i${n}`, title: `${cat} ${k}`, category: cat, embedding: e };
}));

/** Interactions: [user, item, kind, weight, contexts]. */
export const INTERACTIONS: [string, string, string, number, string[]][] = [
  ['alice', 'i1', 'purchase', 5, ['device:mobile']],
  ['alice', 'i2', 'view', 1, ['device:mobile', 'timeOfDay:evening']],
  ['bob', 'i1', 'purchase', 5, ['device:desktop']],
  ['bob', 'i2', 'save', 3, ['device:mobile']],
  ['bob', 'i3', 'purchase', 5, ['device:mobile', 'timeOfDay:evening']],
  ['bob', 'i5', 'view', 1, []],
  ['carol', 'i5', 'purchase', 5, ['timeOfDay:evening']],
  ['carol', 'i6', 'like', 3, []],
  ['carol', 'i3', 'view', 1, ['device:mobile']],
  ['dave', 'i9', 'purchase', 5, ['device:mobile']],
  ['dave', 'i10', 'click', 2, ['device:mobile']],
  ['dave', 'i4', 'click', 2, ['device:mobile', 'timeOfDay:evening']],
  ['frank', 'i9', 'view', 1, []],
  ['frank', 'i11', 'view', 1, []],
];

/** Follows: alice follows carol and dave. */
export const FOLLOWS: [string, string][] = [['alice', 'carol'], ['alice', 'dave']];

/** The fixture's users ('eve' has no interactions: cold start). */
export const USERS = ['alice', 'bob', 'carol', 'dave', 'eve', 'frank'];

/**
 * Writes the small fixture graph, then a model through the real pipeline: extractGraph reads it back
 * and publishModel (the registry) writes embeddings as training would: items by cluster with
 * foldIn = embedding, category and context embeddings, users folded in (d_u^-0.5 * sum w * foldIn),
 * under version 'v-test', active.
 */
export async function loadApiFixture(db: Executor): Promise<void> {
  const s = db.driver.session({ database: db.database });
  try {
    await s.run(`UNWIND $items AS x
      MERGE (c:Category {name: x.category})
      CREATE (i:Item {id: x.id, title: x.title})-[:IN_CATEGORY]->(c)`, { items: ITEMS });
    await s.run('UNWIND $users AS id CREATE (:User {id: id})', { users: USERS });
    await s.run(`UNWIND $rows AS r
      MATCH (u:User {id: r[0]}), (i:Item {id: r[1]})
      CREATE (u)-[:INTERACTED {kind: r[2], weight: toFloat(r[3]), at: datetime('2026-01-01T00:00:00Z') + duration({minutes: r[5]}), contexts: r[4]}]->(i)
      WITH u, i, r
      UNWIND r[4] AS key
      MERGE (c:Context {kind: split(key, ':')[0], value: split(key, ':')[1]})
      MERGE (u)-[a:ACTIVE_IN]->(c) ON CREATE SET a.count = 0 SET a.count = a.count + 1
      MERGE (i)-[p:POPULAR_IN]->(c) ON CREATE SET p.count = 0 SET p.count = p.count + 1`,
    { rows: INTERACTIONS.map((r, k) => [...r, k]) });
    await s.run('UNWIND $follows AS f MATCH (a:User {id: f[0]}), (b:User {id: f[1]}) CREATE (a)-[:FOLLOWS]->(b)', { follows: FOLLOWS });
  } finally {
    await s.close();
  }
  const { graph } = await extractGraph(db, { progress: false });
  await publishModel(db, graph, fixtureModel(graph), { version: 'v-test', progress: false });
}

/** Every user's embedding by the serving fold-in rule over its training edges and the given item vectors. */
export function foldInTrainUsers(graph: HeteroGraph, items: Float32Array, dims: number, userNormExponent: number): Float32Array {
  const users = new Float32Array(graph.numUsers * dims);
  for (let u = 0; u < graph.numUsers; u++) {
    const rows = [];
    for (let p = graph.train.indptr[u]; p < graph.train.indptr[u + 1]; p++) {
      const i = graph.train.indices[p];
      rows.push({ weight: graph.train.values[p], foldIn: Array.from(items.subarray(i * dims, (i + 1) * dims)) });
    }
    const e = foldInUser(rows, dims, userNormExponent);
    if (e) users.set(e, u * dims);
  }
  return users;
}

/** The fixture's trained model in the extracted graph's index order. */
export function fixtureModel(graph: HeteroGraph): TrainedModel {
  const dims = 4;
  const byId = new Map(ITEMS.map((i) => [i.id, i.embedding]));
  const items = new Float32Array(graph.numItems * dims);
  graph.itemIds.forEach((id, k) => items.set(byId.get(id) ?? [0, 0, 0, 0], k * dims));
  const categories = new Float32Array(graph.categories.length * dims);
  graph.categories.forEach((c, k) => categories.set(CLUSTER[c] ?? [0, 0, 0, 0], k * dims));
  const contexts = new Float32Array(graph.contexts.length * dims);
  graph.contexts.forEach((c, k) => contexts.set(c.value === 'mobile' ? [0.5, 0, 0.5, 0] : [0, 0.5, 0, 0], k * dims));
  const users = foldInTrainUsers(graph, items, dims, 0.5);
  return {
    version: 'v-test',
    embeddings: { dims, users, items, itemFoldIn: items.slice(), categories, contexts, userNormExponent: 0.5 },
    metrics: { 'recall@20': 0.2 }, params: {}, report: { trainSeconds: 0, epochs: 0 },
  };
}

/**
 * Starts the API on a free loopback port against `db`; with `policy` (e.g. loadPolicyConfig({})) the
 * re-ranking policy is configured as in production, without it the policy is neutral (pure relevance).
 */
export async function startTestServer(db: Executor, serving: Partial<ServingOptions> = {}, policy?: PolicyConfig): Promise<ServerHandle> {
  return startServer({ port: 0, host: '127.0.0.1', jwtSecret: TEST_SECRET, nodeEnv: 'test', policy },
    { db, logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), serving: { modelTtlMs: 60_000, ...serving } });
}

/**
 * The usual setup of an API test file, as beforeAll/afterAll of the enclosing describe block: the test Neo4j reset
 * to the fixture graph and a server over it (startTestServer, or `start`), handed to `bind`; afterwards the
 * server is stopped and the driver closed.
 */
export function useApiServer(bind: (ctx: { db: Executor; srv: ServerHandle }) => void,
  start: (db: Executor) => Promise<ServerHandle> = (db) => startTestServer(db)): void {
  let ctx: { db: Executor; srv: ServerHandle } | null = null;
  beforeAll(async () => {
    const db = testExecutor();
    await resetGraph(db);
    await loadApiFixture(db);
    ctx = { db, srv: await start(db) };
    bind(ctx);
  });
  afterAll(async () => {
    await ctx?.srv.stop();
    await ctx?.db.close();
  });
}

/** A token for a user or an admin. */
export function tokenFor(sub: string, role: 'user' | 'admin' = 'user'): string {
  return signToken({ sub, role }, TEST_SECRET, '1h');
}

/** A GraphQL response as the tests see it. */
export interface GqlResponse<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string; [k: string]: unknown } }[];
  extensions?: { cypherStatements?: number };
}

/** POSTs a GraphQL operation over real HTTP, with an optional bearer token (and operation name, for a document of several). */
export async function gql<T = any>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string, operationName?: string): Promise<GqlResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables, operationName }),
  });
  const body = await res.json() as Omit<GqlResponse<T>, 'status'>;
  return { status: res.status, ...body };
}

/** The first error code of a response. */
export function codeOf(res: GqlResponse): string | undefined {
  return res.errors?.[0]?.extensions?.code;
}

/** A TCP proxy in front of the test Neo4j: `open` forwards, `silent` holds bytes unanswered, `closed` refuses new connections. */
export interface BoltProxy {
  port: number;
  mode: 'open' | 'silent' | 'closed';
  /** Drops every proxied connection (the driver sees them die). */
  dropConnections(): void;
  /** Stops listening and drops the connections (Neo4j "down"); `up` listens again on the same port. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): void;
}

/** Starts a BoltProxy on a free loopback port. */
export async function startBoltProxy(): Promise<BoltProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (proxy.mode === 'closed') return client.destroy();
    const upstream = net.connect(TEST_BOLT_PORT, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (b) => { if (proxy.mode === 'open') upstream.write(b); });
    upstream.on('data', (b) => { if (proxy.mode === 'open') client.write(b); });
    const drop = () => { client.destroy(); upstream.destroy(); };
    client.on('error', drop); upstream.on('error', drop); client.on('close', drop); upstream.on('close', drop);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const proxy: BoltProxy = {
    port,
    mode: 'open',
    dropConnections: () => { for (const s of sockets) s.destroy(); },
    down: () => new Promise<void>((r) => { server.close(() => r()); proxy.dropConnections(); }),
    up: () => new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r())),
    close: () => { server.close(); proxy.dropConnections(); },
  };
  return proxy;
}

/** An executor of the test Neo4j through `proxy`, with a 1 s bound on every wait. */
export function executorBehind(proxy: BoltProxy): Executor {
  return testExecutor({ neo4jUri: `bolt://127.0.0.1:${proxy.port}`, neo4jWaitMs: 1_000 });
}

/**
 * A BoltProxy and an API server on an executor through it (executorBehind), handed to `body`; afterwards all of it
 * is closed and `userId` (when given) deleted.
 */
export async function withServerBehindProxy(userId: string | null, body: (ctx: { url: string; proxy: BoltProxy }) => Promise<void>): Promise<void> {
  const proxy = await startBoltProxy();
  const db = executorBehind(proxy);
  // errors only: an unexpected failure of the server (an INTERNAL) is logged where the test run shows it
  const srv = await startServer({ port: 0, host: '127.0.0.1', jwtSecret: TEST_SECRET, nodeEnv: 'test' }, { db, logger: createLogger('error') });
  try {
    await body({ url: srv.url, proxy });
  } finally {
    await srv.stop();
    if (userId) await db.driver.executeQuery('MATCH (u:User {id: $id}) DETACH DELETE u', { id: userId }).catch(() => undefined);
    await db.close();
    proxy.close();
  }
}
