/**
 * The serving cost and quality of the graph candidate count (ServingOptions.graphCandidates): for each count,
 * `recommendations(first: 20)` for the same held-out users of the configured Neo4j (Gowalla imported with its
 * test split as HELD_OUT edges, a model trained), with the configured re-ranking policy (exposure debiasing and
 * exploration as served; exposures counted in memory only, fresh per count, never written) and a fixed seed per
 * user. Records per count: served Recall@20, NDCG@20 (against the held-out items) and coverage@20 as
 * src/policy/metrics.ts computes them for the offline evaluations, the distinct items shown, and the CPU per
 * request (sequential, one process, graph term on the worker thread as served). Plots Recall@20, the distinct
 * items shown and the CPU against the count.
 *
 *   npm run bench:candidates -- --out bench/results/serving-candidates.json [--counts 200,150,100] [--users 2000]
 */
import 'reflect-metadata';
import path from 'node:path';
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log';
import { createExecutor } from '../src/db/executor';
import { ServingEngine, DEFAULT_SERVING } from '../src/serving/recommend';
import { ServingPolicy } from '../src/serving/policy';
import { ExposureLog } from '../src/serving/exposures';
import { activeModel } from '../src/model/registry';
import { plotPanels } from '../src/plot';
import { coverageAtK, ndcgAtK, recallAtK } from '../src/policy/metrics';
import { startProgress } from '../src/progress';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    out: { type: 'string', default: 'bench/results/serving-candidates.json' },
    counts: { type: 'string', default: '200,150,100' },
    users: { type: 'string', default: '2000' },
  } });
  const counts = values.counts!.split(',').map(Number);
  const nUsers = Number(values.users);
  if (counts.some((c) => !Number.isInteger(c) || c < 1) || !Number.isInteger(nUsers) || nUsers < 1) {
    throw new Error(`bench:candidates: --counts must be positive integers and --users a positive integer; got ${values.counts}, ${values.users}`);
  }
  const config = loadConfig();
  const db = createExecutor(config);
  const log = createLogger('warn');
  const model = await activeModel(db);
  if (!model) throw new Error(`bench:candidates: no active model in ${config.neo4jUri}; import and train first`);
  const users = (await db.driver.executeQuery(
    'MATCH (u:User)-[:HELD_OUT]->(i:Item) WITH u, collect(i.id) AS items ORDER BY u.id LIMIT toInteger($n) RETURN u.id AS id, items',
    { n: nUsers }, { database: config.neo4jDatabase })).records.map((r) => ({ id: r.get('id') as string, items: new Set(r.get('items') as string[]) }));
  if (users.length === 0) throw new Error('bench:candidates: no HELD_OUT edges in the graph (import Gowalla with its test split)');

  const numbers = new Map<string, number>();
  const itemNumber = (id: string) => {
    let n = numbers.get(id);
    if (n === undefined) numbers.set(id, (n = numbers.size));
    return n;
  };
  const relevant = users.map((u) => new Set([...u.items].map(itemNumber)));
  const itemCount = Number((await db.driver.executeQuery('MATCH (i:Item) RETURN count(i) AS n', {}, { database: config.neo4jDatabase })).records[0].get('n'));
  const base = new ServingEngine(db, log);
  await base.warm();
  // warm-up (JIT, caches) on other requests than the measured ones' order, so the first count is not charged for it
  for (const u of users.slice(0, 300).reverse()) {
    await base.recommend({ userId: u.id, first: 20, contexts: [], categories: [], excludeItemIds: [], includeInteracted: false, policy: { logExposures: false } });
  }
  const runs = [];
  for (const graphCandidates of counts) {
    // fresh in-memory exposure counts per count (flushMs an hour, nothing written): each count starts alike
    const policy = new ServingPolicy(db, log, config.policy, new ExposureLog(db, log, { flushMs: 3_600_000, batchRows: 100_000, bufferMax: 10_000_000 }));
    const engine = new ServingEngine(db, log, { ...DEFAULT_SERVING, graphCandidates }, base.store, policy);
    await engine.warm();
    const progress = startProgress(`graphCandidates ${graphCandidates}`, users.length, 'users');
    // item ids as numbers for the shared metrics (src/policy/metrics.ts)
    const lists: number[][] = [];
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const [k, u] of users.entries()) {
      const res = await engine.recommend({ userId: u.id, first: 20, contexts: [], categories: [], excludeItemIds: [], includeInteracted: false,
        policy: { seed: k + 1 } });
      lists.push(res.items.map((x) => itemNumber(x.itemId)));
      progress.increment();
    }
    progress.stop();
    const cpu = process.cpuUsage(cpu0);
    const mean = (f: (list: number[], relevant: Set<number>) => number) => lists.reduce((t, l, k) => t + f(l, relevant[k]), 0) / lists.length;
    runs.push({
      graphCandidates,
      recall20: mean((l, r) => recallAtK(l, r, 20)),
      ndcg20: mean((l, r) => ndcgAtK(l, r, 20)),
      coverage20: coverageAtK(lists, itemCount, 20),
      distinctItemsShown: new Set(lists.flat()).size,
      cpuMsPerRequest: Math.round((cpu.user + cpu.system) / 10 / users.length) / 100,
      wallMsPerRequest: Math.round((performance.now() - t0) * 100 / users.length) / 100,
      scans: engine.scans,
    });
    console.log(JSON.stringify(runs[runs.length - 1]));
    await engine.dispose();
  }
  await base.dispose();
  await db.close();
  const out = {
    benchmark: 'served Recall@20, NDCG@20, coverage and CPU per recommendations(first: 20) by graph candidate count',
    command: `npm run bench:candidates -- --out ${values.out} --counts ${values.counts} --users ${values.users}`,
    date: new Date().toISOString(),
    neo4j: config.neo4jUri,
    model: { version: model.version, dims: model.dims },
    policy: config.policy,
    users: users.length,
    items: itemCount,
    machine: { cpus: os.cpus().length, loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100) },
    runs,
  };
  mkdirSync(path.dirname(values.out!), { recursive: true });
  writeFileSync(values.out!, JSON.stringify(out, null, 2) + '\n');
  const png = values.out!.replace(/\.json$/, '.png');
  await plotPanels(png, {
    title: `Graph candidates per request: quality and coverage (${users.length} held-out users, ${model.version})`,
    x: 'graph candidates',
    panels: [
      { yLabel: 'served Recall@20', series: [{ name: 'Recall@20', points: runs.map((r) => ({ x: r.graphCandidates, y: r.recall20 })) }] },
      { yLabel: 'distinct items shown', series: [{ name: 'distinct items shown', points: runs.map((r) => ({ x: r.graphCandidates, y: r.distinctItemsShown })) }] },
      { yLabel: 'CPU ms per request', series: [{ name: 'CPU', points: runs.map((r) => ({ x: r.graphCandidates, y: r.cpuMsPerRequest })) }] },
    ],
  });
  console.log(`wrote ${values.out} and ${png}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
