import { Executor } from '../../src/db/executor';
import { createLogger } from '../../src/log';
import { fitGraph } from '../../src/model/interestModel';
import { extractGraph } from '../../src/graph/extract';
import { activateModel, getModel, publishModel } from '../../src/model/registry';
import { type FitGraph, TrainingJobs } from '../../src/model/trainJob';
import { main as trainCli } from '../../src/cli/train';
import { DAY_MS, modelHalfLifeDays } from '../../src/graph/decay';
import { foldInUserDecayed, type TimedFoldInRow } from '../../src/serving/foldIn';
import { startServer, type ServerHandle } from '../../src/api/server';
import { resetGraph, testExecutor, TEST_URI } from '../helpers/neo4j';
import { standinFit } from '../helpers/standinModel';
import { foldInTrainUsers, gql, startTestServer, tokenFor, TEST_SECRET } from '../helpers/apiServer';

/**
 * The crafted graph: two groups of items, "old" (o1..o8) and "new" (n1..n8), each liked by its own twelve
 * fans ten days ago (five items each). The user "mover" bought o1..o4 sixty days ago and n1, n2 yesterday:
 * by count the old group wins (4 to 2), by recency the new one. Unseen candidates: o5..o8 and n3..n8.
 */
const NOW = Date.now();
const OLD = ['o1', 'o2', 'o3', 'o4', 'o5', 'o6', 'o7', 'o8'];
const NEW = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8'];
const MOVER_OLD = ['o1', 'o2', 'o3', 'o4'];
const MOVER_NEW = ['n1', 'n2'];
const HALF_LIFE = 7;
const daysAgo = (d: number) => NOW - d * DAY_MS;
/**
 * Relative tolerance for comparing embeddings folded in at different instants: ages are measured from now, so
 * every second between the fold-in and the check scales a 7-day half-life's weights by 2^(-1 s / 7 d) and the
 * embedding by ~6e-7 (relative). 1e-4 allows minutes of a loaded machine; undecayed sums differ by over 0.5.
 */
const CLOCK_TOLERANCE = 1e-4;

async function writeCraftedGraph(db: Executor): Promise<void> {
  const rows: { user: string; item: string; at: number }[] = [];
  for (const [group, items] of [['old', OLD], ['new', NEW]] as const) {
    for (let f = 0; f < 12; f++) {
      for (let j = 0; j < 5; j++) rows.push({ user: `${group}-fan${f}`, item: items[(f + j) % items.length], at: daysAgo(10) });
    }
  }
  for (const item of MOVER_OLD) rows.push({ user: 'mover', item, at: daysAgo(60) });
  for (const item of MOVER_NEW) rows.push({ user: 'mover', item, at: daysAgo(1) });
  const s = db.driver.session({ database: db.database });
  try {
    await s.run(`UNWIND $items AS x MERGE (c:Category {name: x.category}) CREATE (:Item {id: x.id, title: x.id})-[:IN_CATEGORY]->(c)`,
      { items: [...OLD.map((id) => ({ id, category: 'old' })), ...NEW.map((id) => ({ id, category: 'new' }))] });
    await s.run(`UNWIND $rows AS r
      MERGE (u:User {id: r.user})
      WITH u, r MATCH (i:Item {id: r.item})
      CREATE (u)-[:INTERACTED {kind: 'purchase', weight: 5.0, at: datetime({epochMillis: toInteger(r.at)}), contexts: []}]->(i)`, { rows });
  } finally {
    await s.close();
  }
}

const RECS = `query($u: ID!) { recommendations(userId: $u, first: 20) { modelVersion items { rank score item { id } breakdown { embedding graph } } } }`;

interface Rec { rank: number; score: number; item: { id: string }; breakdown: { embedding: number; graph: number } }

/** The best-ranked item of a group in a page, and the largest embedding part among the group's items. */
function best(items: Rec[], group: string[]): { rank: number; embedding: number } {
  const of = items.filter((r) => group.includes(r.item.id));
  expect(of.length).toBeGreaterThan(0);
  return { rank: Math.min(...of.map((r) => r.rank)), embedding: Math.max(...of.map((r) => r.breakdown.embedding)) };
}

async function recommendationsFrom(url: string, user: string): Promise<{ version: string; items: Rec[] }> {
  const res = await gql(url, RECS, { u: user }, tokenFor(user));
  expect(res.errors).toBeUndefined();
  return { version: res.data.recommendations.modelVersion, items: res.data.recommendations.items };
}

/** The user's fold-in rows as recordInteraction reads them, against a version's slot. */
async function foldInRows(db: Executor, version: string, user: string): Promise<TimedFoldInRow[]> {
  const m = (await getModel(db, version))!;
  const rows = await db.read<TimedFoldInRow & { version: string }>('api/userFoldInRows',
    { userId: user, foldInProperty: m.foldInProperty, versionProperty: m.versionProperty }, undefined);
  return rows.map((r) => (r.version === version ? r : { ...r, foldIn: null }));
}

async function storedEmbedding(db: Executor, version: string, user: string): Promise<number[]> {
  const m = (await getModel(db, version))!;
  const res = await db.driver.executeQuery('MATCH (u:User {id: $id}) RETURN u[$p] AS e, u[$v] AS v',
    { id: user, p: m.embeddingProperty, v: m.versionProperty }, { database: db.database });
  expect(res.records[0].get('v')).toBe(version);
  return res.records[0].get('e');
}

async function trainWith(url: string, options: string): Promise<any> {
  const admin = tokenFor('ops', 'admin');
  const started = await gql(url, `mutation { train(options: {evalUsers: 0, seed: 7${options}}) { id params } }`, {}, admin);
  expect(started.errors).toBeUndefined();
  let run: any;
  for (let k = 0; k < 600; k++) {
    run = (await gql(url, 'query($id: ID!) { trainingRun(id: $id) { id state error version params } }', { id: started.data.train.id }, admin)).data.trainingRun;
    if (run.state === 'succeeded' || run.state === 'failed') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(run).toMatchObject({ state: 'succeeded', error: null });
  return run;
}

describe('model/trainJob: training with a time decay, on a crafted graph', () => {
  let db: Executor;
  let srv: ServerHandle;
  let plain: string; // version trained without decay
  let decayed: string; // version trained with the configured half-life
  beforeAll(async () => {
    db = testExecutor();
    await resetGraph(db);
    await writeCraftedGraph(db);
    // the server's training default is the configured half-life (INTEREST_HALF_LIFE_DAYS), with the real model
    const training = new TrainingJobs({ db, fit: fitGraph, progress: false, logger: createLogger('silent'), defaultHalfLifeDays: HALF_LIFE });
    srv = await startServer({ port: 0, host: '127.0.0.1', jwtSecret: TEST_SECRET, nodeEnv: 'test' },
      { db, logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), training, serving: { modelTtlMs: 0 } });
  });
  afterAll(async () => {
    await srv?.stop();
    await db?.close();
  });

  it('trains with the configured half-life unless told otherwise, and the model records the one it used', async () => {
    // without decay: trained by a job runner without a default (npm run train with INTEREST_HALF_LIFE_DAYS unset)
    const jobs = new TrainingJobs({ db, fit: fitGraph, progress: false, logger: createLogger('silent') });
    const run = await jobs.wait(jobs.start({ evalUsers: 0, seed: 7 }).id);
    expect(run).toMatchObject({ state: 'succeeded', error: null });
    plain = run.version!;
    expect((await getModel(db, plain))!.params).toMatchObject({ extract: { halfLifeDays: null } });
    // the train mutation without a half-life takes the server's default
    const d = await trainWith(srv.url, '');
    expect(d.params.halfLifeDays).toBe(HALF_LIFE);
    decayed = d.version;
    const model = await gql(srv.url, '{ model { version params } }');
    expect(model.data.model.version).toBe(decayed);
    expect(model.data.model.params.extract.halfLifeDays).toBe(HALF_LIFE);
    expect(modelHalfLifeDays(model.data.model.params)).toBe(HALF_LIFE);
  });

  it('ranks the recent group first when serving the decayed version (embedding and graph term), the old one without', async () => {
    // each version served whole, as recommendations scores it: the graph term's weights decay with the version's
    // half-life too (src/serving/graphIndex.ts load), not only the embedding part
    const pages: Record<string, Rec[]> = {};
    for (const version of [plain, decayed]) {
      const pinned = await startServer({ port: 0, host: '127.0.0.1', jwtSecret: TEST_SECRET, nodeEnv: 'test' },
        { db, logger: createLogger('silent'), serving: { modelTtlMs: 0, pinnedVersion: version } });
      try {
        const page = await recommendationsFrom(pinned.url, 'mover');
        expect(page.version).toBe(version);
        pages[version] = page.items;
      } finally {
        await pinned.stop();
      }
    }
    expect(best(pages[decayed], NEW).rank).toBeLessThan(best(pages[decayed], OLD).rank);
    expect(best(pages[plain], OLD).rank).toBeLessThan(best(pages[plain], NEW).rank);
  });

  it('writes back the trained users by the fold-in rule with the same decayed weights', async () => {
    // training measures ages from the latest interaction (the mover's, a day ago): the written embedding is the
    // serving fold-in at that time, so both follow one rule; without decay it is the undecayed fold-in
    for (const [version, halfLife] of [[plain, undefined], [decayed, HALF_LIFE]] as const) {
      const m = (await getModel(db, version))!;
      const rows = await foldInRows(db, version, 'mover');
      expect(rows).toHaveLength(MOVER_OLD.length + MOVER_NEW.length);
      const stored = await storedEmbedding(db, version, 'mover');
      const rule = foldInUserDecayed(rows, m.dims, m.userNormExponent, halfLife, null, daysAgo(1))!;
      expect(distance(stored, rule)).toBeLessThan(1e-4 * norm(rule));
    }
    // and the decay matters: the decayed model's mover is not its undecayed fold-in (mostly the two recent items)
    const m = (await getModel(db, decayed))!;
    const rows = await foldInRows(db, decayed, 'mover');
    const stored = await storedEmbedding(db, decayed, 'mover');
    const undecayed = foldInUserDecayed(rows, m.dims, m.userNormExponent, undefined, null, NOW)!;
    const recentOnly = foldInUserDecayed(rows.filter((r) => r.ats[0] > daysAgo(2)), m.dims, m.userNormExponent, undefined, null, NOW)!;
    expect(cosine(stored, undecayed)).toBeLessThan(0.99);
    expect(cosine(stored, recentOnly)).toBeGreaterThan(0.999);
  });
});

/**
 * A model whose dot product is a plain affinity, so a fold-in's direction shows in the ranking: the old group
 * along one axis, the new along another (foldIn = item vector, as in helpers/apiServer.ts), users folded in from the
 * extracted (decayed or not) weights, and the half-life recorded as training records it.
 */
async function publishClusterModel(db: Executor, version: string, halfLifeDays: number | undefined, activate: boolean, recencyHalfLife: number | null = null): Promise<void> {
  const { graph } = await extractGraph(db, { progress: false, halfLifeDays });
  const dims = 3;
  const vector = (id: string, k: number) => (OLD.includes(id) ? [1, 0, 0.01 * k] : NEW.includes(id) ? [0, 1, 0.01 * k] : [0, 0, 0]);
  const items = new Float32Array(graph.numItems * dims);
  graph.itemIds.forEach((id, k) => items.set(vector(id, k), k * dims));
  const users = foldInTrainUsers(graph, items, dims, 0.5);
  const categories = new Float32Array(graph.categories.length * dims);
  graph.categories.forEach((c, k) => categories.set(c === 'old' ? [1, 0, 0] : [0, 1, 0], k * dims));
  await publishModel(db, graph, {
    version,
    embeddings: { dims, users, items, itemFoldIn: items.slice(), categories, contexts: new Float32Array(0), userNormExponent: 0.5 },
    metrics: {}, params: {}, report: { trainSeconds: 0, epochs: 0 },
  }, { version, activate, progress: false, params: { extract: { halfLifeDays: halfLifeDays ?? null }, filter: { recencyHalfLife } } });
}

/** Records the mover's history for a new user through the API: the old group 60 days ago, the new one yesterday. */
async function recordHistory(url: string, user: string): Promise<void> {
  const token = tokenFor(user);
  const up = await gql(url, 'mutation($id: ID!) { upsertUser(input: {id: $id}) { created } }', { id: user }, token);
  expect(up.errors).toBeUndefined();
  const history = [...MOVER_NEW.map((item) => [item, daysAgo(1)] as const), ...MOVER_OLD.map((item) => [item, daysAgo(60)] as const)];
  for (const [item, at] of history) {
    const res = await gql(url, `mutation($u: ID!, $i: ID!, $at: String) { recordInteraction(input: {userId: $u, itemId: $i, kind: "purchase", at: $at}) { embeddingVersion } }`,
      { u: user, i: item, at: new Date(at).toISOString() }, token);
    expect(res.errors).toBeUndefined();
    expect(res.data.recordInteraction.embeddingVersion).not.toBeNull();
  }
}

describe('serving/foldIn: recordInteraction folds a user in with the served model\'s half-life', () => {
  let db: Executor;
  let withDecay: ServerHandle;
  let without: ServerHandle;
  beforeAll(async () => {
    db = testExecutor();
    // same item vectors, only the recorded half-life differs: whatever moves is the fold-in's doing (the first is
    // activated so that the second takes the other slot and both keep their vectors)
    await publishClusterModel(db, 'v-fold-plain', undefined, true);
    await publishClusterModel(db, 'v-fold-decay', HALF_LIFE, false);
    withDecay = await startTestServer(db, { pinnedVersion: 'v-fold-decay' });
    without = await startTestServer(db, { pinnedVersion: 'v-fold-plain' });
  });
  afterAll(async () => {
    await withDecay?.stop();
    await without?.stop();
    await db?.close();
  });

  it('ranks the recent group first with a short half-life and the old group first without decay', async () => {
    // the same history for two new users (unknown to either model), one served by each version
    await recordHistory(withDecay.url, 'newcomer-decay');
    await recordHistory(without.url, 'newcomer-plain');
    const d = await recommendationsFrom(withDecay.url, 'newcomer-decay');
    const p = await recommendationsFrom(without.url, 'newcomer-plain');
    expect([d.version, p.version]).toEqual(['v-fold-decay', 'v-fold-plain']);
    // without decay four old purchases outweigh two recent ones; with a 7-day half-life the recent ones win
    expect(best(p.items, OLD).rank).toBeLessThan(best(p.items, NEW).rank);
    expect(best(d.items, NEW).rank).toBeLessThan(best(d.items, OLD).rank);
    expect(best(p.items, OLD).embedding).toBeGreaterThan(best(p.items, NEW).embedding);
    expect(best(d.items, NEW).embedding).toBeGreaterThan(10 * best(d.items, OLD).embedding);
    expect(d.items[0].item.id).toMatch(/^n/);
    expect(p.items[0].item.id).toMatch(/^o/);
  });

  it('stores the decayed fold-in of the user\'s interactions, ages measured from now', async () => {
    const rows = await foldInRows(db, 'v-fold-decay', 'newcomer-decay');
    expect(rows.map((r) => r.weights)).toEqual(Array(6).fill([5]));
    const stored = await storedEmbedding(db, 'v-fold-decay', 'newcomer-decay');
    const expected = foldInUserDecayed(rows, 3, 0.5, HALF_LIFE, null, Date.now())!;
    expect(distance(stored, expected)).toBeLessThan(CLOCK_TOLERANCE * norm(expected));
    expect(distance(stored, foldInUserDecayed(rows, 3, 0.5, undefined, null, Date.now())!)).toBeGreaterThan(0.5 * norm(expected));
    const plain = await storedEmbedding(db, 'v-fold-plain', 'newcomer-plain');
    expect(distance(plain, foldInUserDecayed(rows, 3, 0.5, undefined, null, Date.now())!)).toBeLessThan(1e-9);
  });

  it('catches users up at activation by the same decayed rule', async () => {
    // activation folds in everything recorded since the extraction: here both newcomers, in Cypher
    const before = await storedEmbedding(db, 'v-fold-decay', 'newcomer-decay');
    const session = db.driver.session({ database: db.database });
    try {
      const m = (await getModel(db, 'v-fold-decay'))!;
      await session.run('MATCH (u:User {id: $id}) SET u[$p] = [0.0, 0.0, 0.0]', { id: 'newcomer-decay', p: m.embeddingProperty });
    } finally {
      await session.close();
    }
    const act = await activateModel(db, 'v-fold-decay', { foldInSince: new Date(daysAgo(61)).toISOString() });
    expect(act.caughtUp).toBeGreaterThanOrEqual(2);
    const rows = await foldInRows(db, 'v-fold-decay', 'newcomer-decay');
    const expected = foldInUserDecayed(rows, 3, 0.5, HALF_LIFE, null, Date.now())!;
    const caughtUp = await storedEmbedding(db, 'v-fold-decay', 'newcomer-decay');
    expect(distance(caughtUp, expected)).toBeLessThan(CLOCK_TOLERANCE * norm(expected));
    expect(distance(caughtUp, before)).toBeLessThan(CLOCK_TOLERANCE * norm(expected));
    // and the mover (trained with these interactions) gets the decayed rule too, not the plain sums
    const mover = await storedEmbedding(db, 'v-fold-decay', 'mover');
    const moverRows = await foldInRows(db, 'v-fold-decay', 'mover');
    const moverRule = foldInUserDecayed(moverRows, 3, 0.5, HALF_LIFE, null, Date.now())!;
    expect(distance(mover, moverRule)).toBeLessThan(CLOCK_TOLERANCE * norm(moverRule));
  });
});

describe('serving: a version\'s recency half-life weighs the served row, the fold-in and the catch-up alike', () => {
  // half-life of one interaction: the mover's two purchases of yesterday count 1 each, the four of 60 days ago
  // (two newer pairs before them) 0.25 each, so the new group leads; without recency the old group's 4 to 2 does
  const RECENCY = 1;
  let db: Executor;
  let recent: ServerHandle;
  let plain: ServerHandle;
  beforeAll(async () => {
    db = testExecutor();
    await publishClusterModel(db, 'v-rec-plain', undefined, true, null);
    await publishClusterModel(db, 'v-rec-recent', undefined, false, RECENCY);
    recent = await startTestServer(db, { pinnedVersion: 'v-rec-recent' });
    plain = await startTestServer(db, { pinnedVersion: 'v-rec-plain' });
  });
  afterAll(async () => {
    await recent?.stop();
    await plain?.stop();
    await db?.close();
  });

  it('ranks the mover\'s recent group first with the recency rule and the old group first without', async () => {
    const r = await recommendationsFrom(recent.url, 'mover');
    const p = await recommendationsFrom(plain.url, 'mover');
    expect([r.version, p.version]).toEqual(['v-rec-recent', 'v-rec-plain']);
    expect(best(r.items, NEW).rank).toBeLessThan(best(r.items, OLD).rank);
    expect(best(p.items, OLD).rank).toBeLessThan(best(p.items, NEW).rank);
  });

  it('folds a recorded history in by the rule, and the activation catch-up (Cypher) agrees with it', async () => {
    await recordHistory(recent.url, 'newcomer-recency');
    const rows = await foldInRows(db, 'v-rec-recent', 'newcomer-recency');
    const rule = foldInUserDecayed(rows, 3, 0.5, undefined, RECENCY, Date.now())!;
    const without = foldInUserDecayed(rows, 3, 0.5, undefined, null, Date.now())!;
    expect(distance(rule, without)).toBeGreaterThan(0.2 * norm(rule));
    expect(distance(await storedEmbedding(db, 'v-rec-recent', 'newcomer-recency'), rule)).toBeLessThan(1e-9 + 1e-6 * norm(rule));
    const m = (await getModel(db, 'v-rec-recent'))!;
    await db.driver.executeQuery('MATCH (u:User {id: $id}) SET u[$p] = [0.0, 0.0, 0.0]', { id: 'newcomer-recency', p: m.embeddingProperty }, { database: db.database });
    const act = await activateModel(db, 'v-rec-recent', { foldInSince: new Date(daysAgo(61)).toISOString() });
    expect(act.caughtUp).toBeGreaterThanOrEqual(1);
    expect(distance(await storedEmbedding(db, 'v-rec-recent', 'newcomer-recency'), rule)).toBeLessThan(1e-6 * norm(rule));
  });
});

function norm(a: number[]): number {
  return Math.hypot(...a);
}

function distance(a: number[], b: number[]): number {
  expect(a).toHaveLength(b.length);
  return Math.hypot(...a.map((x, k) => x - b[k]));
}

function cosine(a: number[], b: number[]): number {
  return a.reduce((t, x, k) => t + x * b[k], 0) / (norm(a) * norm(b));
}

describe('cli/train: the half-life default from INTEREST_HALF_LIFE_DAYS', () => {
  let db: Executor;
  beforeAll(() => {
    db = testExecutor();
  });
  afterAll(async () => db?.close());

  it('trains with the configured half-life unless --half-life-days names another, and records it', async () => {
    const env = { ...process.env };
    process.env.NEO4J_URI = TEST_URI;
    process.env.NEO4J_PASSWORD = process.env.NEO4J_TEST_PASSWORD || 'interest-graph-dev';
    process.env.LOG_LEVEL = 'silent';
    process.env.INTEREST_HALF_LIFE_DAYS = '3';
    const out: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      out.push(String(s));
      return true;
    });
    const fit: FitGraph = (graph, opts) => standinFit(graph, { dims: 4, seed: opts.seed });
    const statuses: any[] = [];
    try {
      for (const args of [['--eval-users', '0'], ['--eval-users', '0', '--half-life-days', '0.5']]) {
        out.length = 0;
        expect(await trainCli(args, fit)).toBe(0);
        statuses.push(JSON.parse(out.join('')));
      }
    } finally {
      write.mockRestore();
      process.env = env;
    }
    expect(statuses.map((s) => s.params.halfLifeDays)).toEqual([3, 0.5]);
    for (const [k, days] of [[0, 3], [1, 0.5]] as const) {
      expect(modelHalfLifeDays((await getModel(db, statuses[k].version))!.params)).toBe(days);
    }
  });
});
