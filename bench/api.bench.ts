/**
 * Load test of the GraphQL API: `recommendations(first: 20)` with reasons and their paths, for random
 * users, over loopback HTTP, against the graph in the configured Neo4j (the dev instance by default,
 * with Gowalla imported and a model trained). The server runs in a child process so that the load
 * generator (autocannon) does not share its event loop.
 *
 *   npm run bench:api -- --out bench/results/api-gowalla.json [--seconds 20] [--levels 1,16,64] [--first 20]
 *                        [--executor jit|graphql-js]
 *                        [--version vN] [--keep-exposures] [--warmup 60]
 *
 * The run's exposure log (SHOWN edges, item counters) is removed at the end unless --keep-exposures, so runs
 * start from the same graph (see removeBenchExposures).
 * --version serves that model version (e.g. one written with --no-activate) instead of the active one;
 * --note records a sentence about the conditions in the result file.
 *
 * Writes { runs: [ {concurrency, p50Ms, p95Ms, p99Ms, requestsPerSecond, errors, ...} ], rssMbAfterWarmup, ... }
 * (the server's resident memory after the warm-up; serverReadySeconds, from its fork to listening with the model loaded).
 * Errors count non-2xx responses, transport errors and GraphQL `errors` in 200 responses.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { EventEmitter } from 'node:events';

/** The part of autocannon's result this benchmark reads (the package ships no types). */
interface LoadResult {
  errors: number;
  timeouts: number;
  non2xx: number;
}
// eslint-disable-next-line @typescript-eslint/no-var-requires
const autocannon = require('autocannon') as (opts: Record<string, unknown>, cb: (err: Error | null, res: LoadResult) => void) => EventEmitter;
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log';
import { createExecutor } from '../src/db/executor';
import { signToken } from '../src/api/auth';
import { activeModel, getModel } from '../src/model/registry';
import { PROJECT_ROOT } from '../src/paths';
import { seededRandom } from '../src/random';
import { intOption, numberListOption, numberOption } from '../src/cli/args';
import { startRun, writeResult } from './result';
import { localNeo4jPid, procCpuSeconds } from './proc';

const QUERY = `query Recs($userId: ID!, $first: Int!) {
  recommendations(userId: $userId, first: $first) {
    modelVersion coldStart
    items { rank score item { id title }
      breakdown { embedding graph context popularity exploration }
      reasons { kind text paths { nodes { label id name } relationships { type direction } } } }
  }
}`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

const round = (x: number) => Math.round(x * 100) / 100;

/** The server's memory by kind (MB): resident, V8 heap used and reserved, external and array buffers. */
function memoryMb(): Record<string, number> {
  const m = process.memoryUsage();
  const mb = (x: number) => Math.round(x / 1048576);
  return { rss: mb(m.rss), heapUsed: mb(m.heapUsed), heapTotal: mb(m.heapTotal), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers) };
}

/** Child mode: start the API and report its URL to the parent. */
async function serve(): Promise<void> {
  const config = loadConfig();
  const { startServer } = await import('../src/api/server');
  const db = createExecutor(config);
  const executor = process.env.BENCH_EXECUTOR === 'graphql-js' ? 'graphql-js' : 'jit';
  const srv = await startServer({ ...config, port: 0, host: '127.0.0.1', nodeEnv: 'production' },
    { db, logger: createLogger('warn'), executor, serving: { pinnedVersion: process.env.BENCH_VERSION || undefined } });
  await srv.engine.warm();
  process.send!({ url: srv.url, heapGrowingPercent: srv.heapGrowingPercent });
  // how long the server's event loop was late (ms) between two cpu messages: its stalls show in the latency tail
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  process.on('message', async (m: { stop?: boolean; cpu?: boolean }) => {
    if (m.cpu) {
      const u = process.cpuUsage();
      const ms = (ns: number) => Math.round(ns / 1e4) / 100;
      process.send!({ cpuMs: (u.user + u.system) / 1000, memoryMb: memoryMb(), loopDelayMs: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) } });
      loop.reset();
    }
    if (m.stop) {
      await srv.stop();
      await db.close();
      process.exit(0);
    }
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: 'bench/results/api-gowalla.json' },
      seconds: { type: 'string', default: '20' },
      levels: { type: 'string', default: '1,16,64' },
      first: { type: 'string', default: '20' },
      users: { type: 'string', default: '2000' },
      executor: { type: 'string', default: 'jit' },
      version: { type: 'string' },
      note: { type: 'string' },
      'keep-exposures': { type: 'boolean', default: false },
      warmup: { type: 'string', default: '60' },
    },
  });
  const seconds = numberOption('seconds', values.seconds, { above: 0 })!;
  const levels = numberListOption('levels', values.levels, { integer: true, min: 1 })!;
  const first = intOption('first', values.first, { min: 1, max: 100 })!;
  const warmup = numberOption('warmup', values.warmup, { min: 1 })!;
  const sampleUsers = intOption('users', values.users, { min: 1 })!;
  if (!['jit', 'graphql-js'].includes(values.executor!)) throw new Error(`bench:api: --executor must be jit or graphql-js; got ${values.executor}`);
  const config = loadConfig();
  const db = createExecutor(config);
  const model = values.version ? await getModel(db, values.version) : await activeModel(db);
  if (!model) {
    throw new Error(values.version ? `bench:api: no model version "${values.version}" in ${config.neo4jUri}`
      : `bench:api: no active model in ${config.neo4jUri}; import and train first (npm run import, npm run train)`);
  }
  const userRows = await db.driver.executeQuery(
    'MATCH (u:User) WHERE EXISTS { (u)-[r:INTERACTED]->() WHERE r.weight > 0 } RETURN u.id AS id ORDER BY rand() LIMIT toInteger($n)',
    { n: sampleUsers }, { database: config.neo4jDatabase });
  const counts = await db.driver.executeQuery('MATCH (u:User) WITH count(u) AS users MATCH (i:Item) RETURN users, count(i) AS items', {}, { database: config.neo4jDatabase });
  await db.close();
  const users = userRows.records.map((r) => r.get('id') as string);
  if (users.length === 0) throw new Error('bench:api: the graph has no users with interactions');
  // the server runs as in production (NODE_ENV=production: graphql-js skips its development checks, errors are
  // masked), which requires a real secret: a fresh one per run
  const secret = randomBytes(32).toString('hex');
  const token = signToken({ sub: 'bench', role: 'admin' }, secret, '1h');

  const forkedAt = performance.now();
  // BENCH_SERVER_NODE_ARGS passes node flags to the server process only (recorded as serving.nodeFlags), e.g.
  // "--cpu-prof --cpu-prof-dir=/tmp/prof", or "--heap-growing-percent=0" for V8's own heap growth
  const serverNodeFlags = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = fork(__filename, ['--serve'], {
    execArgv: [...process.execArgv, ...serverNodeFlags],
    env: { ...process.env, NODE_ENV: 'production', JWT_SECRET: secret, BENCH_EXECUTOR: values.executor, BENCH_VERSION: values.version ?? '' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { url, heapGrowingPercent } = await new Promise<{ url: string; heapGrowingPercent: number }>((resolve, reject) => {
    child.once('message', (m: { url: string; heapGrowingPercent: number }) => resolve(m));
    child.once('exit', (code) => reject(new Error(`bench:api: the server process exited with code ${code} before listening`)));
  });
  // from the fork to listening: Node's start, the model's load from Neo4j and the engine's warm()
  const serverReadySeconds = round((performance.now() - forkedAt) / 1000);
  process.stderr.write(`server at ${url} (model ${model.version}, ${users.length} users sampled, ready in ${serverReadySeconds} s)\n`);

  // CPU time of the three parties per level (ms), to show where a request's cost goes: the server process
  // (asked over IPC), the local Neo4j (from /proc, when it is the project's own server) and this process,
  // which runs the load generator
  let loopDelayMs: Record<string, number> | null = null;
  let serverMemoryMb: Record<string, number> = {};
  const serverCpu = () => new Promise<number>((resolve) => {
    child.once('message', (m: { cpuMs: number; memoryMb: Record<string, number>; loopDelayMs: Record<string, number> }) => {
      loopDelayMs = m.loopDelayMs;
      serverMemoryMb = m.memoryMb;
      resolve(m.cpuMs);
    });
    child.send({ cpu: true });
  });
  const neo4jPid = config.neo4jLocal ? localNeo4jPid() : undefined;
  const neo4jCpu = (): number | null => {
    const seconds = neo4jPid ? procCpuSeconds(neo4jPid) : undefined;
    return seconds === undefined ? null : seconds * 1000;
  };
  const ownCpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };

  const draw = seededRandom(12345);
  const nextUser = () => users[Math.floor(draw() * users.length)];
  const runLevel = async (connections: number, duration: number) => {
    const latencies: number[] = [];
    let graphqlErrors = 0;
    const cpu0 = { server: await serverCpu(), neo4j: neo4jCpu(), load: ownCpu() };
    const result = await new Promise<LoadResult>((resolve, reject) => {
      const inst = autocannon({
        url, connections, duration, pipelining: 1, timeout: 30,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        requests: [{
          method: 'POST',
          setupRequest: (req: any) => ({ ...req, body: JSON.stringify({ query: QUERY, variables: { userId: nextUser(), first } }) }),
          onResponse: (status: number, body: string) => {
            if (status === 200 && body.includes('"errors"')) graphqlErrors++;
          },
        }],
      }, (err, res) => (err ? reject(err) : resolve(res)));
      inst.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
    });
    const cpu1 = { server: await serverCpu(), neo4j: neo4jCpu(), load: ownCpu() };
    const per = (a: number | null, b: number | null) => (a === null || b === null || latencies.length === 0 ? null : round((b - a) / latencies.length));
    latencies.sort((a, b) => a - b);
    return {
      concurrency: connections,
      p50Ms: round(percentile(latencies, 0.5)),
      p95Ms: round(percentile(latencies, 0.95)),
      p99Ms: round(percentile(latencies, 0.99)),
      maxMs: round(latencies[latencies.length - 1] ?? NaN),
      requestsPerSecond: round(latencies.length / duration),
      requests: latencies.length,
      errors: result.errors + result.timeouts + result.non2xx + graphqlErrors,
      seconds: duration,
      cpuMsPerRequest: { server: per(cpu0.server, cpu1.server), neo4j: per(cpu0.neo4j, cpu1.neo4j), loadGenerator: per(cpu0.load, cpu1.load) },
      serverEventLoopDelayMs: loopDelayMs,
      serverMemoryMbAtEnd: serverMemoryMb,
    };
  };

  const run = startRun('npm run bench:api --');
  const since = new Date().toISOString();
  try {
    // warm-up at concurrency 16, not recorded: the server's JIT and connection pool, Neo4j's page cache, plans and
    // JIT. Neo4j needs about a minute of load after it starts: with 15 s of warm-up a run right after a start
    // measured p99 134 ms at 16 (Neo4j 3.1 ms of CPU per request), and 77-80 ms from the next minute on
    await runLevel(16, warmup);
    await serverCpu();
    const memoryMbAfterWarmup = serverMemoryMb;
    const rssMbAfterWarmup = memoryMbAfterWarmup.rss;
    const runs = [];
    for (const c of levels) {
      const r = await runLevel(c, seconds);
      process.stderr.write(`${JSON.stringify(r)}\n`);
      runs.push(r);
    }
    writeResult(values.out!, run, {
      benchmark: 'api recommendations(first: 20) with reasons, random users, loopback HTTP',
      neo4j: config.neo4jUri,
      graph: { users: counts.records[0].get('users'), items: counts.records[0].get('items') },
      model: { version: model.version, dims: model.dims, status: model.status, metrics: model.metrics },
      serving: { graphqlExecutor: values.executor, nodeFlags: serverNodeFlags, heapGrowingPercent, nodeEnv: 'production' },
      ...(values.note ? { note: values.note } : {}),
      first,
      warmupSeconds: warmup,
      serverReadySeconds,
      rssMbAfterWarmup,
      memoryMbAfterWarmup,
      runs,
    });
    process.stderr.write(`wrote ${values.out}\n`);
  } finally {
    // the server flushes its exposure log when it stops
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.send({ stop: true });
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
    if (!values['keep-exposures']) await removeBenchExposures(config, since);
  }
}

/**
 * Removes what the run logged, so that runs start from the same graph: the SHOWN edges served since `since`
 * (a million per run at a few hundred requests per second), then the items' exposure and feedback counters
 * recounted from the SHOWN edges that remain. --keep-exposures keeps them. Run it against a benchmark graph
 * only: edges another server logged meanwhile would go too.
 */
async function removeBenchExposures(config: ReturnType<typeof loadConfig>, since: string): Promise<void> {
  const db = createExecutor(config);
  const session = db.driver.session({ database: config.neo4jDatabase });
  try {
    const t0 = Date.now();
    await session.run('MATCH ()-[s:SHOWN]->() WHERE s.at >= datetime($since) CALL (s) { DELETE s } IN TRANSACTIONS OF 50000 ROWS', { since });
    await session.run(`MATCH (i:Item) WHERE i.exposures IS NOT NULL OR i.feedback IS NOT NULL
      CALL (i) {
        WITH i, COUNT { ()-[:SHOWN]->(i) } AS e, COUNT { ()-[s:SHOWN]->(i) WHERE s.feedbackAt IS NOT NULL } AS f
        SET i.exposures = CASE WHEN e > 0 THEN e END, i.feedback = CASE WHEN f > 0 THEN f END
      } IN TRANSACTIONS OF 10000 ROWS`);
    process.stderr.write(`removed the exposures this run logged (${((Date.now() - t0) / 1000).toFixed(1)} s; --keep-exposures keeps them)\n`);
  } finally {
    await session.close();
    await db.close();
  }
}

if (process.argv.includes('--serve')) {
  serve().catch((err) => {
    process.stderr.write(`bench:api server: ${(err as Error).stack}\n`);
    process.exit(1);
  });
} else {
  main().catch((err) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  });
}
