import { Executor } from '../../src/db/executor';
import { createLogger } from '../../src/log';
import { loadPolicyConfig } from '../../src/config';
import { TrainingJobs } from '../../src/model/trainJob';
import { startServer, type ServerHandle } from '../../src/api/server';
import { useApiServer, codeOf, fixtureModel, gql, tokenFor, TEST_SECRET } from '../helpers/apiServer';
import { parsePrometheus, sampleValue } from '../helpers/prometheus';

describe('GET /metrics: Prometheus text of the API, scraped after real traffic', () => {
  let srv: ServerHandle;
  useApiServer((x) => { ({ srv } = x); }, async (db: Executor) => {
    const training = new TrainingJobs({ db, fit: async (graph) => fixtureModel(graph), progress: false });
    return startServer({ port: 0, host: '127.0.0.1', jwtSecret: TEST_SECRET, nodeEnv: 'test', policy: loadPolicyConfig({}) },
      { db, logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), training });
  });

  const scrape = async () => {
    const res = await fetch(srv.url.replace('/graphql', '/metrics'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheus(await res.text());
  };

  it('counts requests by operation, errors by code, statements, exposures, the model and training runs', async () => {
    const before = await scrape();
    expect(sampleValue(before, 'interest_graph_graphql_request_duration_seconds_count', { operation: 'Recs' })).toBeUndefined();

    const recs = await gql(srv.url, 'query Recs { recommendations(userId: "alice", first: 3) { items { item { id } } } }', {}, tokenFor('alice'), 'Recs');
    expect(recs.errors).toBeUndefined();
    await gql(srv.url, 'query Recs { recommendations(userId: "alice", first: 3) { items { item { id } } } }', {}, tokenFor('alice'), 'Recs');
    const forbidden = await gql(srv.url, 'query Other { recommendations(userId: "bob", first: 3) { items { item { id } } } }', {}, tokenFor('alice'), 'Other');
    expect(codeOf(forbidden)).toBe('FORBIDDEN');
    await gql(srv.url, '{ model { version } }');
    // the run is activated (no held-out data on either side: the gate passes) and counted when it finishes
    const admin = tokenFor('ops', 'admin');
    const started = await gql(srv.url, 'mutation Train { train(options: {evalUsers: 0}) { id } }', {}, admin, 'Train');
    let state = '';
    for (let k = 0; k < 100 && state !== 'succeeded' && state !== 'failed'; k++) {
      await new Promise((r) => setTimeout(r, 100));
      state = (await gql(srv.url, 'query($id: ID!) { trainingRun(id: $id) { state } }', { id: started.data.train.id }, admin)).data.trainingRun.state;
    }
    expect(state).toBe('succeeded');
    srv.engine.store.invalidate();
    await srv.engine.policy.exposures.flush(); // the timer may have flushed them already
    expect(srv.engine.policy.exposures.pending).toBe(0);

    const m = await scrape();
    expect(sampleValue(m, 'interest_graph_graphql_request_duration_seconds_count', { operation: 'Recs', type: 'query' })).toBe(2);
    expect(sampleValue(m, 'interest_graph_graphql_request_duration_seconds_count', { operation: 'Other', type: 'query' })).toBe(1);
    expect(sampleValue(m, 'interest_graph_graphql_request_duration_seconds_count', { operation: 'anonymous', type: 'query' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(m, 'interest_graph_graphql_request_duration_seconds_bucket', { operation: 'Recs', type: 'query', le: '+Inf' })).toBe(2);
    expect(sampleValue(m, 'interest_graph_graphql_errors_total', { code: 'FORBIDDEN' })).toBe(1);
    expect(sampleValue(m, 'interest_graph_neo4j_statement_duration_seconds_count', { statement: 'serving/userProfile', outcome: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(sampleValue(m, 'interest_graph_neo4j_statement_duration_seconds_count', { statement: 'model/activate', outcome: 'ok' })).toBe(1);
    expect(sampleValue(m, 'interest_graph_exposure_flush_duration_seconds_count', { outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(m, 'interest_graph_exposure_flushed_rows_total', { outcome: 'ok' })).toBe(6);
    expect(sampleValue(m, 'interest_graph_exposure_queue_rows')).toBe(0);
    expect(sampleValue(m, 'interest_graph_exposure_recent_entries')).toBe(6);
    expect(sampleValue(m, 'interest_graph_exposure_recent_max')).toBe(200_000);
    expect(sampleValue(m, 'interest_graph_training_runs_finished_total', { outcome: 'activated' })).toBe(1);
    expect(sampleValue(m, 'interest_graph_training_runs', { state: 'succeeded' })).toBe(1);
    expect(sampleValue(m, 'interest_graph_training_runs', { state: 'training' })).toBe(0);
    const served = m.filter((s) => s.name === 'interest_graph_model_info');
    expect(served).toHaveLength(1);
    expect(served[0].labels.version).not.toBe('v-test');
    const age = sampleValue(m, 'interest_graph_model_age_seconds')!;
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(600);
    // prom-client's default metrics: event-loop lag, CPU, memory
    expect(sampleValue(m, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThan(0);
    expect(sampleValue(m, 'process_cpu_seconds_total')).toBeGreaterThan(0);
  });
});
