/**
 * Fuzz run: hostile requests of every kind (bench/hostile/fuzz.ts) against the API process (as `npm start` runs it)
 * and the configured Neo4j (the dev graph with a model), with the checks of every answer and of the graph.
 *
 *   npm run fuzz -- [--requests 12000] [--concurrency 4] [--seed 1] [--port 4101] [--alias-repeats 15] [--out bench/results/fuzz.json]
 *
 * Set-up: two users of its own (fuzz-a follows fuzz-b; fuzz-a has three interactions), so that its writes are
 * told apart from other traffic on the same graph. The graph check: node counts by label and relationship counts by
 * type, except SHOWN (exposures of served pages) and INTERACTED, which are compared for the fuzz users only (other
 * clients may be writing interactions meanwhile); they must be unchanged but for the writes that succeeded.
 * Crashes: the API process exiting, or /healthz not answering, during or after the run. Writes
 * { requests, http5xx, internal, leaks, crashes, transportErrors, slow, oversized, maxMs, maxBytes, countsUnchanged, ... }.
 * After the graph check, the alias-flood figures (bench/hostile/aliasFlood.ts, `aliasFlood`): 1,000 aliases of
 * `recommendations` refused, and the most aliases the cost limit admits against the same work as separate requests.
 */
import 'reflect-metadata';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { createExecutor, type Executor } from '../src/db/executor';
import { signToken } from '../src/api/auth';
import { startProgress } from '../src/progress';
import { seededRandom } from '../src/random';
import { PROJECT_ROOT } from '../src/paths';
import { startApi } from './hostile/apiProcess';
import { runFuzz } from './hostile/fuzz';
import { measureAliasFlood } from './hostile/aliasFlood';
import { intOption } from '../src/cli/args';
import { startRun, writeResult } from './result';

const FUZZ_USERS = ['fuzz-a', 'fuzz-b'];

/** The counts the run may change only by its own successful writes (see the module comment). */
async function counts(db: Executor): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const q = (text: string, params: Record<string, unknown> = {}) => db.driver.executeQuery(text, params, { database: db.database });
  for (const r of (await q('CALL db.labels() YIELD label CALL (label) { MATCH (n) WHERE label IN labels(n) RETURN count(n) AS c } RETURN label AS k, c')).records) out[`node:${r.get('k')}`] = Number(r.get('c'));
  for (const r of (await q("CALL db.relationshipTypes() YIELD relationshipType AS t WITH t WHERE NOT t IN ['SHOWN', 'INTERACTED'] CALL (t) { MATCH ()-[r]->() WHERE type(r) = t RETURN count(r) AS c } RETURN t AS k, c")).records) out[`rel:${r.get('k')}`] = Number(r.get('c'));
  const mine = await q('MATCH (u:User)-[r:INTERACTED]->() WHERE u.id IN $ids RETURN count(r) AS c', { ids: FUZZ_USERS });
  out['rel:INTERACTED(fuzz users)'] = Number(mine.records[0].get('c'));
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { requests: { type: 'string' }, concurrency: { type: 'string' }, seed: { type: 'string' }, port: { type: 'string' }, 'alias-repeats': { type: 'string' }, out: { type: 'string' } } });
  const count = intOption('requests', values.requests, { min: 1 }) ?? 12_000;
  const concurrency = intOption('concurrency', values.concurrency, { min: 1 }) ?? 4;
  const seed = intOption('seed', values.seed, { min: 1 }) ?? 1;
  const port = intOption('port', values.port, { min: 1 }) ?? 4101;
  const aliasRepeats = intOption('alias-repeats', values['alias-repeats'], { min: 1 }) ?? 15;
  const out = path.resolve(values.out ?? path.join(PROJECT_ROOT, 'bench', 'results', 'fuzz.json'));
  const run = startRun('npm run fuzz --');
  const config = loadConfig();
  const db = createExecutor(config);
  const itemIds = (await db.driver.executeQuery('MATCH (i:Item) RETURN i.id AS id ORDER BY id LIMIT 200', {}, { database: db.database })).records.map((r) => r.get('id') as string);
  if (itemIds.length < 3) throw new Error('fuzz: the graph has fewer than 3 items (run npm start once)');
  await db.driver.executeQuery(`UNWIND $users AS id MERGE (u:User {id: id}) WITH collect(u) AS us
    WITH us[0] AS a, us[1] AS b MERGE (a)-[:FOLLOWS]->(b)
    WITH a UNWIND $items AS itemId MATCH (i:Item {id: itemId})
    MERGE (a)-[r:INTERACTED {kind: 'purchase'}]->(i) ON CREATE SET r.weight = 5.0, r.at = datetime()`, { users: FUZZ_USERS, items: itemIds.slice(0, 3) }, { database: db.database });

  const api = await startApi({ port, logFile: path.join(PROJECT_ROOT, 'bench', 'tmp', 'fuzz-api.log') });
  let crashed = false;
  void api.exited.then(() => { crashed = true; });
  // the API is unresponsive when /healthz fails twice, 2 s apart (each within 5 s); the reasons are recorded
  const healthReasons: string[] = [];
  const healthOnce = async () => {
    try {
      const res = await fetch(`${api.base}/healthz`, { signal: AbortSignal.timeout(5_000), headers: { connection: 'close' } });
      if (res.status === 200) return true;
      healthReasons.push(`HTTP ${res.status}`);
    } catch (err) {
      healthReasons.push(String((err as Error).cause ?? (err as Error).message));
    }
    return false;
  };
  const health = async () => (await healthOnce()) || (await new Promise((r) => setTimeout(r, 2_000)), await healthOnce());
  const before = await counts(db);
  const userToken = signToken({ sub: FUZZ_USERS[0], role: 'user' }, config.jwtSecret, '1d');
  const t0 = Date.now();
  const bar = startProgress('fuzz', count, 'requests');
  let done = 0;
  let healthFailures = 0;
  const summary = await runFuzz({
    url: `${api.base}/graphql`,
    user: { id: FUZZ_USERS[0], token: userToken },
    other: { id: FUZZ_USERS[1], token: signToken({ sub: FUZZ_USERS[1], role: 'user' }, config.jwtSecret, '1d') },
    adminToken: signToken({ sub: 'fuzz-admin', role: 'admin' }, config.jwtSecret, '1d'), itemIds,
  }, {
    count, concurrency, rnd: seededRandom(seed),
    onProgress: () => {
      bar.increment();
      if (++done % 1000 === 0) void health().then((ok) => { if (!ok) healthFailures++; });
    },
  });
  bar.stop();
  const seconds = (Date.now() - t0) / 1000;
  if (!(await health())) healthFailures++;
  await new Promise((r) => setTimeout(r, 2_000)); // the exposure log's write-behind flush
  const after = await counts(db);
  const expected: Record<string, number> = { ...before, 'rel:INTERACTED(fuzz users)': before['rel:INTERACTED(fuzz users)'] + summary.succeededWrites.interactions,
    'node:User': before['node:User'] + summary.succeededWrites.users };
  const changed = Object.keys({ ...expected, ...after }).filter((k) => expected[k] !== after[k]);
  // 18 aliases of recommendations(first: 10) cost 18 x 1,060 = 19,080, the most within the 20,000 limit
  const aliasFlood = await measureAliasFlood({ url: `${api.base}/graphql`, token: userToken, userId: FUZZ_USERS[0], repeats: aliasRepeats, warmup: 2, withinAliases: 18, first: 10 });
  process.stderr.write(`fuzz: alias flood ${JSON.stringify(aliasFlood)}\n`);
  const exitedDuringRun = crashed; // before the stop below, whose exit is not a crash
  await api.stop();
  await db.close();
  const crashes = (exitedDuringRun ? 1 : 0) + healthFailures;
  writeResult(out, run, {
    requests: summary.requests, http5xx: summary.http5xx, internal: summary.internal, leaks: summary.leaks, crashes,
    transportErrors: summary.transportErrors, slow: summary.slow, oversized: summary.oversized, maxMs: summary.maxMs, maxBytes: summary.maxBytes,
    healthCheckFailures: healthReasons, countsUnchanged: changed.length === 0, countsChanged: changed, countsBefore: before, countsAfter: after, succeededWrites: summary.succeededWrites,
    seconds: Math.round(seconds), requestsPerSecond: Math.round(summary.requests / seconds), concurrency, seed,
    byKind: summary.byKind, failures: summary.failures, aliasFlood, neo4jUri: config.neo4jUri,
  });
  process.stderr.write(`fuzz: ${summary.requests} requests in ${Math.round(seconds)} s: ${summary.http5xx} 5xx, ${summary.internal} INTERNAL, ${summary.leaks} leaks, ` +
    `${crashes} crashes, ${summary.transportErrors} transport errors, counts ${changed.length ? 'CHANGED: ' + changed.join(', ') : 'unchanged'}; wrote ${out}\n`);
  if (summary.http5xx || summary.internal || summary.leaks || crashes || summary.transportErrors || changed.length) process.exitCode = 1;
}

main().catch((err) => {
  process.stderr.write(`fuzz: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
