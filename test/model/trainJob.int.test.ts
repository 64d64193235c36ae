import { Executor } from '../../src/db/executor';
import { importSynthetic } from '../../src/import/synthetic-import';
import { activeModel, getModel } from '../../src/model/registry';
import { FitGraph, TrainingBusyError, TrainingJobs, TrainingState } from '../../src/model/trainJob';
import { main as trainCli } from '../../src/cli/train';
import { resetGraph, testExecutor, TEST_URI } from '../helpers/neo4j';
import { standinFit } from '../helpers/standinModel';

/** Counts, per label, nodes that carry a vector in the given slot property and of the given version. */
async function slotCoverage(db: Executor, property: string, versionProperty: string, version: string): Promise<Record<string, [number, number]>> {
  const res = await db.driver.executeQuery(
    `MATCH (n) WHERE n:User OR n:Item OR n:Category OR n:Context
     RETURN labels(n)[0] AS label, count(n) AS all, count(CASE WHEN n[$p] IS NOT NULL AND n[$v] = $version THEN 1 END) AS written`,
    { p: property, v: versionProperty, version });
  return Object.fromEntries(res.records.map((r) => [r.get('label'), [r.get('all'), r.get('written')]]));
}

const fit: FitGraph = (graph, opts) => standinFit(graph, { dims: opts.dims ?? 8, seed: opts.seed, signal: opts.signal });

describe('model/trainJob: training runs from the graph', () => {
  let db: Executor;
  let first: string; // the version of the first successful run
  beforeAll(async () => {
    db = testExecutor();
    await resetGraph(db);
    await importSynthetic(db, { users: 80, seed: 11, batchSize: 2000 });
  });
  afterAll(async () => db.close());

  it('extracts, fits, writes embeddings on every node and a Model node with metrics, and activates it', async () => {
    const jobs = new TrainingJobs({ db, fit, progress: false, publish: { batchSize: 50 } });
    const started = jobs.start({ dims: 6, seed: 3 });
    expect(started.state).toBe('queued');
    const states = new Set<TrainingState>();
    const poll = setInterval(() => states.add(jobs.get(started.id)!.state), 5);
    const final = await jobs.wait(started.id);
    clearInterval(poll);
    expect(final).toMatchObject({ state: 'succeeded', progress: 1, error: null, params: { dims: 6, seed: 3 } });
    expect(final.version).toMatch(/^v\d+$/);
    first = final.version!;
    expect(final.metrics).toMatchObject({ standinRecall20: 0.5 });
    expect(Date.parse(final.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(final.startedAt!));
    expect(final.stats.seconds).toHaveProperty('extract');
    expect(states.has('writing')).toBe(true);
    const m = (await activeModel(db))!;
    expect(m).toMatchObject({ version: first, active: true, status: 'active', dims: 6, metrics: { standinRecall20: 0.5 } });
    expect(m.params).toMatchObject({ model: 'standin', run: started.id });
    const cover = await slotCoverage(db, m.embeddingProperty!, m.versionProperty!, first);
    for (const [label, [all, written]] of Object.entries(cover)) expect([label, written]).toEqual([label, all]);
    expect(cover.User[0]).toBe(80);
  });

  it('runs one training at a time', async () => {
    const jobs = new TrainingJobs({ db, fit, progress: false });
    const first = jobs.start({});
    expect(() => jobs.start({})).toThrow(TrainingBusyError);
    expect(() => new TrainingJobs({ db, fit }).start({})).toThrow(/only one training run at a time/);
    jobs.cancel(first.id);
    expect((await jobs.wait(first.id)).state).toBe('failed');
  });

  it('fails a run that dies mid-write, leaving the previous version active and its vectors whole', async () => {
    const jobs = new TrainingJobs({ db, fit, progress: false, publish: { batchSize: 20, failAfterBatches: 3 } });
    const run = jobs.start({ dims: 6, seed: 4 });
    const final = await jobs.wait(run.id);
    expect(final.state).toBe('failed');
    expect(final.error).toMatch(/simulated failure after 3 batches/);
    expect(final.version).not.toBe(first);
    expect((await getModel(db, final.version!))!.status).toBe('failed');
    const m = (await activeModel(db))!;
    expect(m.version).toBe(first);
    const cover = await slotCoverage(db, m.embeddingProperty!, m.versionProperty!, first);
    for (const [label, [all, written]] of Object.entries(cover)) expect([label, written]).toEqual([label, all]);
  });

  it('cancels a run on request, and the next run switches to a new version', async () => {
    const jobs = new TrainingJobs({ db, fit, progress: false });
    const cancelled = jobs.start({ dims: 6 });
    expect(jobs.cancel(cancelled.id)).toBe(true);
    expect(await jobs.wait(cancelled.id)).toMatchObject({ state: 'failed', error: 'cancelled' });
    expect((await activeModel(db))!.version).toBe(first);
    const ok = await jobs.wait(jobs.start({ dims: 10, seed: 9 }).id);
    expect(ok.state).toBe('succeeded');
    const m = (await activeModel(db))!;
    expect(m).toMatchObject({ version: ok.version, dims: 10, slot: 'b' });
    const cover = await slotCoverage(db, m.embeddingProperty!, m.versionProperty!, ok.version!);
    for (const [label, [all, written]] of Object.entries(cover)) expect([label, written]).toEqual([label, all]);
    expect(jobs.list().map((r) => r.id)).toEqual([ok.id, cancelled.id]);
  });

  it('validates parameters, naming the field and value', () => {
    const jobs = new TrainingJobs({ db, fit, progress: false });
    expect(() => jobs.start({ dims: 0 })).toThrow('train: dims must be an integer from 1 to 4096, got 0');
    expect(() => jobs.start({ halfLifeDays: -1 })).toThrow(/halfLifeDays must be a positive number of days, got -1/);
  });

  it('runs from the command line and prints the final status as JSON', async () => {
    const env = { ...process.env };
    process.env.NEO4J_URI = TEST_URI;
    process.env.NEO4J_PASSWORD = process.env.NEO4J_TEST_PASSWORD || 'interest-graph-dev';
    process.env.LOG_LEVEL = 'silent';
    const out: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      out.push(String(s));
      return true;
    });
    try {
      expect(await trainCli(['--dims', 'x'], fit)).toBe(2);
      const code = await trainCli(['--dims', '4', '--seed', '2', '--eval-users', '0'], fit);
      expect(code).toBe(0);
    } finally {
      write.mockRestore();
      process.env = env;
    }
    const status = JSON.parse(out.join(''));
    expect(status).toMatchObject({ state: 'succeeded', params: { dims: 4, seed: 2, evalUsers: 0 } });
    expect((await activeModel(db))!).toMatchObject({ version: status.version, dims: 4 });
  });
});
