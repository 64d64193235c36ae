import { Executor } from '../../../src/db/executor';
import { createLogger } from '../../../src/log';
import { TrainingJobs } from '../../../src/model/trainJob';
import { startServer, type ServerHandle } from '../../../src/api/server';
import { useApiServer, codeOf, fixtureModel, gql, startTestServer, tokenFor, TEST_SECRET } from '../../helpers/apiServer';

const RUN = '{ id state progress version metrics error queuedAt finishedAt }';

describe('api/training: train and trainingRun over HTTP, and serving the new version', () => {
  let db: Executor;
  let srv: ServerHandle;
  useApiServer((x) => { ({ db, srv } = x); }, async (db) => {
    // the model is injected: the fixture's deterministic embeddings stand in for a fitted model
    const training = new TrainingJobs({ db, fit: async (graph) => fixtureModel(graph), progress: false });
    return startServer({ port: 0, host: '127.0.0.1', jwtSecret: TEST_SECRET, nodeEnv: 'test' },
      { db, logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), training });
  });

  it('lets only admins train', async () => {
    const res = await gql(srv.url, `mutation { train { id } }`, {}, tokenFor('alice'));
    expect(codeOf(res)).toBe('FORBIDDEN');
    const bad = await gql(srv.url, `mutation { train(options: {dims: 0}) { id } }`, {}, tokenFor('ops', 'admin'));
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
  });

  it('runs a training in the background, reports it, and serves the new version at once', async () => {
    const admin = tokenFor('ops', 'admin');
    const started = await gql(srv.url, `mutation { train(options: {evalUsers: 0}) ${RUN} }`, {}, admin);
    expect(started.errors).toBeUndefined();
    const id = started.data.train.id;
    const busy = await gql(srv.url, `mutation { train ${RUN} }`, {}, admin);
    expect(codeOf(busy)).toBe('CONFLICT');
    let run: any;
    for (let k = 0; k < 100; k++) {
      run = (await gql(srv.url, `query($id: ID!) { trainingRun(id: $id) ${RUN} }`, { id }, admin)).data.trainingRun;
      if (run.state === 'succeeded' || run.state === 'failed') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(run).toMatchObject({ id, state: 'succeeded', progress: 1, error: null });
    expect(run.version).not.toBe('v-test');
    expect(run.metrics['recall@20']).toBe(0.2);
    srv.engine.store.invalidate();
    const model = await gql(srv.url, '{ model { version } }');
    expect(model.data.model.version).toBe(run.version);
    // the new version lives in the other slot: ranking, fold-in and reasons follow it
    const recs = await gql(srv.url, '{ recommendations(userId: "alice", first: 2) { modelVersion items { item { id } reasons { kind } } } }', {}, tokenFor('alice'));
    expect(recs.errors).toBeUndefined();
    expect(recs.data.recommendations.modelVersion).toBe(run.version);
    expect(recs.data.recommendations.items.map((x: any) => x.item.id).sort()).toEqual(['i3', 'i4']);
    const rec = await gql(srv.url, 'mutation { recordInteraction(input: {userId: "alice", itemId: "i5", kind: "view"}) { embeddingVersion } }', {}, tokenFor('alice'));
    expect(rec.data.recordInteraction.embeddingVersion).toBe(run.version);
    const list = await gql(srv.url, `{ trainingRuns { id } }`, {}, admin);
    expect(list.data.trainingRuns.map((r: any) => r.id)).toContain(id);
    const unknown = await gql(srv.url, `{ trainingRun(id: "nope") { id } }`, {}, admin);
    expect(unknown.data.trainingRun).toBeNull();
    // the previous version stays servable when pinned (a canary or a benchmark of an inactive version)
    const pinned = await startTestServer(db, { pinnedVersion: 'v-test' });
    try {
      const old = await gql(pinned.url, '{ recommendations(userId: "alice", first: 2) { modelVersion items { item { id } } } }', {}, tokenFor('alice'));
      expect(old.errors).toBeUndefined();
      expect(old.data.recommendations.modelVersion).toBe('v-test');
    } finally {
      await pinned.stop();
    }
  });

  it('answers NOT_AVAILABLE when the server was started without training', async () => {
    const plain = await startTestServer(db);
    try {
      const res = await gql(plain.url, `mutation { train { id } }`, {}, tokenFor('ops', 'admin'));
      expect(codeOf(res)).toBe('NOT_AVAILABLE');
    } finally {
      await plain.stop();
    }
  });
});
