/**
 * Fault tests against real processes: Neo4j killed (SIGKILL) and restarted under load, and the API killed
 * (SIGKILL) while a training run writes its model back, then restarted and asked to train again.
 *
 *   npm run faults -- [--instance dev|test] [--port 4102] [--down-seconds 15] [--out bench/results/faults.json]
 *
 * It uses the project's local Neo4j `--instance` (started and stopped by scripts/neo4j.mjs; its graph is used as
 * it is, or the demo graph is imported into an empty one by the API's start-up) and runs the API as `npm start`
 * does, in a child process. Under load (4 clients: recommendations, item reads, recordInteraction with idempotency
 * keys), Neo4j is killed, left down for --down-seconds and started again. Neo4j is back when its database answers
 * a query (after a SIGKILL it recovers for a while after Bolt answers; both times are recorded). Recorded: the
 * longest any request waited while Neo4j was down (`maxWaitSecondsWhileDown`, until its database answers), the
 * seconds from then to the API's first successful read and write (`neo4jRecoverySeconds` is the later of the two;
 * the load runs until both happened, at most 2 minutes, and 10 s more), and every write answered
 * DATABASE_UNAVAILABLE checked against the graph (by its idempotency key): `unavailableButCommitted` must be 0 for
 * answers that said nothing was written (`committed: false`). Then a `train` is started, the API is killed as
 * soon as the run is writing, restarted, and `train` is asked again: `trainAfterApiCrash` is "succeeded" when that
 * run succeeds, else its state and error.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import neo4j from 'neo4j-driver';
import { signToken } from '../src/api/auth';
import { loadConfig } from '../src/config';
import { PROJECT_ROOT } from '../src/paths';
import { startApi, type ApiProcess } from './hostile/apiProcess';
import { intOption, numberOption } from '../src/cli/args';
import { startRun, writeResult } from './result';

const SCRIPT = path.join(PROJECT_ROOT, 'scripts', 'neo4j.mjs');

interface Sample { kind: 'read' | 'write'; start: number; end: number; ok: boolean; code: string | null; key?: string; committed?: unknown }

/** Runs scripts/neo4j.mjs without blocking this process (its clients keep measuring meanwhile). */
async function neo4jScript(cmd: string, instance: string): Promise<void> {
  const child = spawn(process.execPath, [SCRIPT, cmd, '--instance', instance], { stdio: ['ignore', 'inherit', 'inherit'] });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`scripts/neo4j.mjs ${cmd} --instance ${instance} exited with ${code}`);
}

function neo4jPid(instance: string): number {
  const file = path.join(PROJECT_ROOT, 'neo4j', 'home', ...(instance === 'test' ? ['test'] : []), 'run', 'neo4j.pid');
  return Number(fs.readFileSync(file, 'utf8').trim());
}

async function gql(base: string, query: string, variables: Record<string, unknown>, token: string, timeoutMs = 30_000): Promise<{ data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST', signal: AbortSignal.timeout(timeoutMs),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }),
  });
  return await res.json() as never;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { instance: { type: 'string' }, port: { type: 'string' }, 'down-seconds': { type: 'string' }, out: { type: 'string' } } });
  const instance = values.instance ?? 'test';
  if (!['dev', 'test'].includes(instance)) throw new Error(`--instance must be dev or test, got "${instance}"`);
  const port = intOption('port', values.port, { min: 1 }) ?? 4102;
  const downSeconds = numberOption('down-seconds', values['down-seconds'], { above: 0 }) ?? 15;
  const out = path.resolve(values.out ?? path.join(PROJECT_ROOT, 'bench', 'results', 'faults.json'));
  const run = startRun('npm run faults --');
  const boltPort = Number(instance === 'test' ? process.env.NEO4J_TEST_BOLT_PORT || 7688 : process.env.NEO4J_LOCAL_BOLT_PORT || 7687);
  const uri = `bolt://127.0.0.1:${boltPort}`;
  const config = loadConfig({ ...process.env, NEO4J_URI: uri, NEO4J_PASSWORD: 'interest-graph-dev' });
  const env = { NEO4J_URI: uri, NEO4J_USER: 'neo4j', NEO4J_PASSWORD: 'interest-graph-dev', DEMO_USERS: process.env.DEMO_USERS || '400', LOG_LEVEL: process.env.LOG_LEVEL || 'warn' };
  const logFile = path.join(PROJECT_ROOT, 'bench', 'tmp', 'faults-api.log');
  await neo4jScript('ensure', instance);

  let api: ApiProcess = await startApi({ port, env, logFile });
  const driver = neo4j.driver(uri, neo4j.auth.basic('neo4j', 'interest-graph-dev'), { disableLosslessIntegers: true });
  const users = (await driver.executeQuery('MATCH (u:User) RETURN u.id AS id LIMIT 200')).records.map((r) => r.get('id') as string);
  const items = (await driver.executeQuery('MATCH (i:Item) RETURN i.id AS id LIMIT 200')).records.map((r) => r.get('id') as string);
  const tokens = new Map(users.map((u) => [u, signToken({ sub: u, role: 'user' }, config.jwtSecret, '1d')]));
  const admin = signToken({ sub: 'faults-admin', role: 'admin' }, config.jwtSecret, '1d');

  // --- 1. Neo4j killed and restarted under load
  const samples: Sample[] = [];
  let stop = false;
  let n = 0;
  const runTag = Date.now().toString(36);
  const client = async () => {
    while (!stop) {
      const u = users[n % users.length];
      const write = n % 4 === 3;
      const key = `faults-${runTag}-${n++}`;
      const start = Date.now();
      try {
        const res = write
          ? await gql(api.base, 'mutation($i: RecordInteractionInput!) { recordInteraction(input: $i) { replayed } }',
            { i: { userId: u, itemId: items[n % items.length], kind: 'view', idempotencyKey: key } }, tokens.get(u)!)
          : await gql(api.base, n % 2 ? 'query($u: ID!) { recommendations(userId: $u, first: 10) { items { rank } } }' : 'query($i: ID!) { item(id: $i) { id categories } }',
            n % 2 ? { u } : { i: items[n % items.length] }, tokens.get(u)!);
        const e = res.errors?.[0];
        samples.push({ kind: write ? 'write' : 'read', start, end: Date.now(), ok: !e, code: (e?.extensions?.code as string) ?? null, key: write ? key : undefined, committed: e?.extensions?.committed });
      } catch (err) {
        samples.push({ kind: write ? 'write' : 'read', start, end: Date.now(), ok: false, code: `transport: ${(err as Error).message}`, key: write ? key : undefined });
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const clients = Array.from({ length: 4 }, client);
  await new Promise((r) => setTimeout(r, 20_000));
  const killedAt = Date.now();
  process.kill(neo4jPid(instance), 'SIGKILL');
  process.stderr.write(`faults: Neo4j killed at ${new Date(killedAt).toISOString()}\n`);
  await new Promise((r) => setTimeout(r, downSeconds * 1000));
  const restartAt = Date.now();
  await neo4jScript('start', instance); // returns once Bolt answers (authentication)
  const boltAt = Date.now();
  // Neo4j is back when its database answers a query (after a SIGKILL it recovers for a while after Bolt answers)
  const probe = neo4j.driver(uri, neo4j.auth.basic('neo4j', 'interest-graph-dev'), { connectionTimeout: 2_000, maxTransactionRetryTime: 0 });
  for (;;) {
    const ok = await Promise.race([
      probe.executeQuery('MATCH (m:Model {active: true}) RETURN count(m) AS n').then(() => true, () => false),
      new Promise<boolean>((r) => setTimeout(() => r(false), 2_000)),
    ]);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const readyAt = Date.now();
  void probe.close().catch(() => undefined);
  // what Neo4j is doing while the API recovers: its open transactions a few times after its database answers
  const transactionSnapshots: { secondsAfterDatabaseAnswers: number; transactions: Record<string, unknown>[] }[] = [];
  const snapshotTimers = [2, 5, 10, 20, 40].map((sec) => setTimeout(() => {
    void driver.executeQuery(`SHOW TRANSACTIONS YIELD currentQuery, elapsedTime, status, activeLockCount, waitTime
      RETURN substring(currentQuery, 0, 80) AS query, elapsedTime.milliseconds AS ms, status, activeLockCount AS locks, waitTime.milliseconds AS waitMs`)
      .then((r) => transactionSnapshots.push({ secondsAfterDatabaseAnswers: sec, transactions: r.records.map((x) => x.toObject()).filter((x) => !String(x.query).startsWith('SHOW TRANSACTIONS')).slice(0, 20) }),
        (err) => transactionSnapshots.push({ secondsAfterDatabaseAnswers: sec, transactions: [{ error: String((err as Error).message).slice(0, 200) }] }));
  }, sec * 1000));
  process.stderr.write(`faults: Neo4j answering Bolt after ${(boltAt - restartAt) / 1000} s of start-up, its database after ${(readyAt - boltAt) / 1000} s more\n`);
  // the load goes on until the API has served a read and a write again (at most 2 minutes), then 10 s more
  const until = Date.now() + 120_000;
  while (Date.now() < until && !(samples.some((x) => x.kind === 'read' && x.ok && x.start >= readyAt) && samples.some((x) => x.kind === 'write' && x.ok && x.start >= readyAt))) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 10_000));
  stop = true;
  await Promise.all(clients);
  for (const t of snapshotTimers) clearTimeout(t);
  const whileDown = samples.filter((s) => s.start >= killedAt && s.start < readyAt);
  const maxWaitAfterReady = Math.max(0, ...samples.filter((s) => s.start >= readyAt).map((s) => (s.end - s.start) / 1000));
  const firstOk = (kind: string) => samples.filter((s) => s.kind === kind && s.ok && s.start >= readyAt).sort((a, b) => a.end - b.end)[0];
  const firstRead = firstOk('read');
  const firstWrite = firstOk('write');
  const unavailable = samples.filter((s) => s.kind === 'write' && s.code === 'DATABASE_UNAVAILABLE');
  const committedKeys = new Set((await driver.executeQuery('MATCH ()-[r:INTERACTED]->() WHERE r.idempotencyKey IN $keys RETURN r.idempotencyKey AS k',
    { keys: unavailable.map((s) => s.key) })).records.map((r) => r.get('k') as string));
  const ackedKeys = samples.filter((s) => s.kind === 'write' && s.ok).map((s) => s.key!);
  const ackedFound = new Set((await driver.executeQuery('MATCH ()-[r:INTERACTED]->() WHERE r.idempotencyKey IN $keys RETURN r.idempotencyKey AS k', { keys: ackedKeys })).records.map((r) => r.get('k') as string));
  const codes: Record<string, number> = {};
  for (const s of whileDown) codes[s.code ?? 'ok'] = (codes[s.code ?? 'ok'] ?? 0) + 1;
  const neo4jPart = {
    downSeconds, neo4jBoltSeconds: (boltAt - restartAt) / 1000, neo4jDatabaseAnswersSecondsAfterBolt: (readyAt - boltAt) / 1000,
    requests: samples.length, requestsWhileDown: whileDown.length, answersWhileDown: codes,
    maxWaitSecondsWhileDown: Math.max(0, ...whileDown.map((s) => (s.end - s.start) / 1000)),
    maxWaitSecondsAfterDatabaseAnswers: maxWaitAfterReady,
    firstReadSecondsAfterDatabaseAnswers: firstRead ? (firstRead.end - readyAt) / 1000 : null,
    firstWriteSecondsAfterDatabaseAnswers: firstWrite ? (firstWrite.end - readyAt) / 1000 : null,
    writesAnsweredUnavailable: unavailable.length,
    unavailableButCommitted: unavailable.filter((s) => s.committed === false && committedKeys.has(s.key!)).length,
    unavailableCommitUnknown: unavailable.filter((s) => s.committed === 'unknown').length,
    unavailableCommitUnknownThatCommitted: unavailable.filter((s) => s.committed === 'unknown' && committedKeys.has(s.key!)).length,
    // the requests that waited longest, with when they started (s after the kill) and how they ended
    slowest: [...samples].sort((a, b) => (b.end - b.start) - (a.end - a.start)).slice(0, 8)
      .map((x) => ({ kind: x.kind, startedSecondsAfterKill: (x.start - killedAt) / 1000, seconds: (x.end - x.start) / 1000, code: x.ok ? 'ok' : x.code })),
    boltAnsweredSecondsAfterKill: (boltAt - killedAt) / 1000, databaseAnsweredSecondsAfterKill: (readyAt - killedAt) / 1000,
    acknowledgedWrites: ackedKeys.length, acknowledgedWritesLost: ackedKeys.filter((k) => !ackedFound.has(k)).length,
    transactionSnapshots: transactionSnapshots.sort((a, b) => a.secondsAfterDatabaseAnswers - b.secondsAfterDatabaseAnswers),
  };
  process.stderr.write(`faults: ${JSON.stringify(neo4jPart)}\n`);

  // --- 2. the API killed while a training run writes its model back; the next train after the restart
  const started = await gql(api.base, 'mutation { train(options: {dims: 32, evalUsers: 0}) { id state } }', {}, admin);
  const runId = started.data?.train?.id as string | undefined;
  if (!runId) throw new Error(`faults: train was refused: ${JSON.stringify(started.errors)}`);
  // killed once the run's Model node is in the graph, status writing (the claim committed), mid write-back
  let state = 'queued';
  const pollUntil = Date.now() + 600_000;
  while (Date.now() < pollUntil) {
    state = (await gql(api.base, 'query($id: ID!) { trainingRun(id: $id) { state } }', { id: runId }, admin)).data?.trainingRun?.state ?? 'unknown';
    if (state === 'succeeded' || state === 'failed') break;
    if (state === 'writing' && (await driver.executeQuery("MATCH (m:Model {status: 'writing'}) RETURN count(m) AS n")).records[0].get('n') > 0) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const killedIn = state;
  await api.kill();
  const writing = (await driver.executeQuery("MATCH (m:Model {status: 'writing'}) RETURN m.version AS v")).records.map((r) => r.get('v') as string);
  process.stderr.write(`faults: API killed while the run was "${killedIn}"; versions left writing: ${writing.join(', ') || 'none'}\n`);
  api = await startApi({ port, env, logFile });
  const restartedAt = Date.now();
  const again = await gql(api.base, 'mutation { train(options: {dims: 32, evalUsers: 0}) { id state } }', {}, admin);
  const againId = again.data?.train?.id as string | undefined;
  let final: { state: string; error: string | null } = { state: 'refused', error: JSON.stringify(again.errors ?? null) };
  while (againId && Date.now() < restartedAt + 900_000) {
    const r = (await gql(api.base, 'query($id: ID!) { trainingRun(id: $id) { state error } }', { id: againId }, admin)).data?.trainingRun;
    final = { state: r?.state ?? 'unknown', error: r?.error ?? null };
    if (final.state === 'succeeded' || final.state === 'failed') break;
    await new Promise((r2) => setTimeout(r2, 500));
  }
  const trainSeconds = (Date.now() - restartedAt) / 1000;
  const crashed = writing.length
    ? (await driver.executeQuery('MATCH (m:Model) WHERE m.version IN $v RETURN m.version AS version, m.status AS status, m.error AS error', { v: writing })).records.map((r) => r.toObject())
    : [];
  await api.stop();
  await driver.close();
  const result = writeResult(out, run, {
    neo4jRecoverySeconds: neo4jPart.firstReadSecondsAfterDatabaseAnswers === null || neo4jPart.firstWriteSecondsAfterDatabaseAnswers === null ? null
      : Math.max(neo4jPart.firstReadSecondsAfterDatabaseAnswers, neo4jPart.firstWriteSecondsAfterDatabaseAnswers),
    maxWaitSecondsWhileDown: neo4jPart.maxWaitSecondsWhileDown,
    trainAfterApiCrash: final.state === 'succeeded' ? 'succeeded' : `${final.state}: ${final.error}`,
    neo4j: neo4jPart,
    training: { apiKilledWhileRun: killedIn, versionsLeftWriting: writing, thoseVersionsNow: crashed, nextTrainState: final.state, nextTrainError: final.error, nextTrainSecondsAfterRestart: trainSeconds },
    neo4jWaitMs: config.neo4jWaitMs, instance,
  });
  process.stderr.write(`faults: wrote ${out}: recovery ${result.neo4jRecoverySeconds} s, longest wait while down ${result.maxWaitSecondsWhileDown} s, train after crash: ${result.trainAfterApiCrash}\n`);
}

main().catch((err) => {
  process.stderr.write(`faults: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
