import { Executor } from '../../src/db/executor';
import { importSynthetic } from '../../src/import/synthetic-import';
import { fitGraph } from '../../src/model/interestModel';
import { activeModel, getModel } from '../../src/model/registry';
import { TrainingJobs, type TrainingRunStatus } from '../../src/model/trainJob';
import { TrainSchedule } from '../../src/model/trainSchedule';
import { createLogger } from '../../src/log';
import { startServer, type ServerHandle } from '../../src/api/server';
import { resetGraph, testExecutor } from '../helpers/neo4j';
import { standinFit } from '../helpers/standinModel';
import { codeOf, gql, tokenFor, TEST_SECRET } from '../helpers/apiServer';

/** Moves each user's latest fifth of positive interactions (at least one) to HELD_OUT, so runs have a held-out check. */
async function holdOut(db: Executor): Promise<number> {
  const res = await db.driver.executeQuery(`
    MATCH (u:User)-[r:INTERACTED]->(i:Item) WHERE r.weight > 0
    WITH u, i, max(r.at) AS at ORDER BY at
    WITH u, collect(i) AS items
    WITH u, items[size(items) - toInteger(ceil(size(items) * 0.2))..] AS held
    UNWIND held AS i
    MATCH (u)-[r:INTERACTED]->(i) DELETE r
    WITH DISTINCT u, i MERGE (u)-[:HELD_OUT]->(i)
    RETURN count(*) AS n`, {}, { database: db.database });
  return res.records[0].get('n');
}

/** Resolves with the next run `jobs` finishes. */
const nextFinish = (jobs: TrainingJobs) => new Promise<TrainingRunStatus>((resolve) => {
  const off = jobs.onFinish((run) => {
    off();
    resolve(run);
  });
});

describe('training: the quality gate, activateModel (rollback and roll forward) and the schedule', () => {
  let db: Executor;
  let jobs: TrainingJobs;
  let srv: ServerHandle;
  let good: TrainingRunStatus;
  let worse: TrainingRunStatus;
  const admin = tokenFor('ops', 'admin');
  const activate = (version: string, token = admin) =>
    gql(srv.url, 'mutation($v: String!) { activateModel(version: $v) { version status } }', { v: version }, token);

  beforeAll(async () => {
    db = testExecutor();
    await resetGraph(db);
    await importSynthetic(db, { users: 300, seed: 5, batchSize: 5000 });
    expect(await holdOut(db)).toBeGreaterThan(300);
    // the real model, in-process (the API uses the same job with the fit on a worker thread)
    jobs = new TrainingJobs({ db, fit: fitGraph, progress: false, gateTolerance: 0.02, logger: createLogger('silent') });
    srv = await startServer({ port: 0, host: '127.0.0.1', jwtSecret: TEST_SECRET, nodeEnv: 'test' },
      { db, logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), training: jobs, serving: { modelTtlMs: 60_000 } });
  });
  afterAll(async () => {
    await srv?.stop();
    await db?.close();
  });

  it('activates a first version, and keeps a worse one ready with the reason on the run', async () => {
    good = await jobs.wait(jobs.start({ dims: 32, seed: 1 }).id);
    expect(good).toMatchObject({ state: 'succeeded', activated: true, gate: { passed: true, activeVersion: null } });
    expect(good.metrics!.heldOutRecall20).toBeGreaterThan(0);
    // the served score (neighbourhood term included) of a small-dims run is as good here, so the active version's
    // recorded check is raised to a level the next run on this graph cannot reach: that run is the worse one
    const goodRecall = Math.min(1, good.metrics!.heldOutRecall20 * 1.25);
    await db.driver.executeQuery('MATCH (m:Model {version: $v}) SET m.metrics = $metrics',
      { v: good.version, metrics: JSON.stringify({ ...good.metrics, heldOutRecall20: goodRecall }) }, { database: db.database });

    worse = await jobs.wait(jobs.start({ dims: 32, seed: 2 }).id);
    expect(worse.state).toBe('succeeded');
    expect(worse.metrics!.heldOutRecall20).toBeLessThan(goodRecall * 0.98);
    expect(worse.activated).toBe(false);
    expect(worse.gate).toMatchObject({ passed: false, metric: 'heldOutRecall20', activeVersion: good.version, active: goodRecall,
      candidate: worse.metrics!.heldOutRecall20, tolerance: 0.02 });
    expect(worse.gate!.reason).toMatch(/below .* of the active version .*the version stays ready/);
    expect((await activeModel(db))!.version).toBe(good.version);
    expect((await getModel(db, worse.version!))!.status).toBe('ready');

    // the run's record over GraphQL
    const runs = await gql(srv.url, '{ trainingRuns { version activated gate } }', {}, admin);
    expect(runs.data.trainingRuns[0]).toMatchObject({ version: worse.version, activated: false, gate: { passed: false } });
  });

  it('activateModel rolls forward to the gated version and back, atomically, for admins only', async () => {
    expect(codeOf(await activate(worse.version!, tokenFor('alice')))).toBe('FORBIDDEN');
    const unknown = await activate('v999');
    expect(codeOf(unknown)).toBe('NOT_FOUND');
    expect(unknown.errors![0].message).toContain('"v999"');
    expect(codeOf(await activate('x'.repeat(101)))).toBe('BAD_USER_INPUT');

    const forward = await activate(worse.version!);
    expect(forward.errors).toBeUndefined();
    expect(forward.data.activateModel).toEqual({ version: worse.version, status: 'active' });
    const user = (await db.driver.executeQuery('MATCH (u:User)-[:INTERACTED]->() RETURN u.id AS id LIMIT 1', {}, { database: db.database })).records[0].get('id');
    const served = await gql(srv.url, 'query($u: ID!) { recommendations(userId: $u, first: 5) { modelVersion } }', { u: user }, tokenFor(user));
    expect(served.data.recommendations.modelVersion).toBe(worse.version);

    const back = await activate(good.version!);
    expect(back.data.activateModel).toEqual({ version: good.version, status: 'active' });
    expect((await getModel(db, worse.version!))!).toMatchObject({ status: 'inactive', active: false });
    const models = await db.driver.executeQuery('MATCH (m:Model {active: true}) RETURN collect(m.version) AS v', {}, { database: db.database });
    expect(models.records[0].get('v')).toEqual([good.version]);
    const again = await gql(srv.url, 'query($u: ID!) { recommendations(userId: $u, first: 5) { modelVersion } }', { u: user }, tokenFor(user));
    expect(again.data.recommendations.modelVersion).toBe(good.version);

    // a failed version cannot serve: a clear client error, not INTERNAL
    await db.driver.executeQuery("CREATE (:Model {version: 'v-broken', seq: -1, status: 'failed', active: false, dims: 2, userNormExponent: 0.5})", {}, { database: db.database });
    const failed = await activate('v-broken');
    expect(codeOf(failed)).toBe('BAD_USER_INPUT');
    expect(failed.errors![0].message).toMatch(/status failed/);
  });

  it('the schedule starts a run after N new interactions and when the newest version is old enough, never two at once', async () => {
    const quick = new TrainingJobs({ db, fit: (graph, opts) => standinFit(graph, { dims: 8, seed: opts.seed }), progress: false });
    const byCount = new TrainSchedule(db, quick, { afterInteractions: 3, checkEveryMs: 50 });
    expect(await byCount.check()).toMatchObject({ outcome: 'not-due' });
    const finished = nextFinish(quick);
    byCount.start();
    await db.driver.executeQuery(`
      MATCH (u:User) WITH u LIMIT 3 MATCH (i:Item) WITH u, i LIMIT 3
      CREATE (u)-[:INTERACTED {kind: 'click', weight: 2.0, at: datetime()}]->(i)`, {}, { database: db.database });
    const run = await finished;
    await byCount.stop();
    expect(run.state).toBe('succeeded');
    expect(run.gate).not.toBeNull(); // a scheduled run is gated like any other

    const byAge = new TrainSchedule(db, quick, { everyMs: 300, checkEveryMs: 50 });
    const aged = nextFinish(quick);
    byAge.start();
    const second = await aged;
    await byAge.stop();
    expect(second.state).toBe('succeeded');
    expect(second.id).not.toBe(run.id);

    // while a run is going, a due check does not start another (due whatever the clock: an interaction dated tomorrow)
    await db.driver.executeQuery(`MATCH (u:User) WITH u LIMIT 1 MATCH (i:Item) WITH u, i LIMIT 1
      CREATE (u)-[:INTERACTED {kind: 'click', weight: 2.0, at: datetime() + duration('P1D')}]->(i)`, {}, { database: db.database });
    const going = quick.start({});
    const busy = await new TrainSchedule(db, quick, { afterInteractions: 1, checkEveryMs: 50 }).check().catch((e) => e);
    expect(busy).toMatchObject({ outcome: 'busy' });
    await quick.wait(going.id);
  });
});
