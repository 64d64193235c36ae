/**
 * `npm run bench:serving -- --out bench/results/serving-gowalla.json [--users N] [--explain-users N] [--concurrency C]`:
 * the served model against its offline score, in one run, on the graph in the configured Neo4j (Gowalla imported, a
 * version trained):
 * - offline: the active version's score for every test user's training row, every item ranked (ModelScorer.scoreRows);
 * - policyOff / defaultPolicy: the pages ServingEngine.recommend serves (first 20, the policy off / the configured
 *   POLICY_* defaults), scored by the same metric code (src/model/evaluate.ts) as the offline ranking;
 * - sameTop20Share: users whose served top 20 (policy off) is the offline top 20, in order;
 * - coverage20: distinct items shown over all users; CPU per request of this process (which serves; Neo4j apart);
 * - explanations: over a seeded sample of users, per served item with a graph term, the share of it carried by the
 *   cited paths, and the deletion test: the cited interactions removed from the row in memory, the rank rescored.
 * The default policy's exposures are counted in memory as the server counts them, never written (this run leaves the
 * graph as it was).
 */
import { parseArgs } from 'node:util';
import { loadConfig, loadPolicyConfig } from '../src/config';
import { createExecutor } from '../src/db/executor';
import { createLogger } from '../src/log';
import { extractGraph } from '../src/graph/extract';
import { csrFromCoo, type Csr } from '../src/graph/csr';
import { initBackend } from '../src/model/backend';
import { evaluate, usersWithItems } from '../src/model/evaluate';
import { seededRandom } from '../src/random';
import { topK } from '../src/model/topk';
import { startProgress } from '../src/progress';
import { ServingEngine } from '../src/serving/servingEngine';
import { ServingPolicy, NEUTRAL_POLICY } from '../src/serving/servingPolicy';
import { ExposureLog } from '../src/serving/exposures';
import { basisUser, trainingRow, type ModelState } from '../src/serving/modelState';
import { allowedRows } from '../src/serving/retrieval';
import { explainGraph, withoutCited } from '../src/serving/explain';
import { intOption } from '../src/cli/args';
import { benchRecord, startRun, writeResult } from './result';

const K = 20;
const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      users: { type: 'string' },
      'explain-users': { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '4' },
      seed: { type: 'string', default: '2020' },
    },
  });
  const concurrency = intOption('concurrency', values.concurrency, { min: 1, max: 64 })!;
  const explainUsers = intOption('explain-users', values['explain-users'], { min: 0 })!;
  const sampleUsers = intOption('users', values.users, { min: 1 });
  const seed = intOption('seed', values.seed)!;
  const run = startRun('npm run bench:serving --');
  const t0 = Date.now();
  await initBackend({});
  const config = loadConfig();
  const log = createLogger('warn');
  const db = createExecutor(config);
  const policyConfig = loadPolicyConfig();
  const offEngine = new ServingEngine(db, log, {}, undefined, new ServingPolicy(db, log, NEUTRAL_POLICY, new ExposureLog(db, log)));
  const s: ModelState = await offEngine.state();
  const version = s.model.version;
  // the default policy with the server's settings; its exposures counted in memory (never flushed: see the module comment)
  const exposures = new ExposureLog(db, log, { flushMs: 2 ** 31 - 1, batchRows: 1e9, bufferMax: 1e9, pruneEveryMs: 2 ** 31 - 1 });
  const defEngine = new ServingEngine(db, log, {}, offEngine.store, new ServingPolicy(db, log, policyConfig, exposures));

  // the held-out items of the same graph, in the state's index space
  const { graph } = await extractGraph(db, { progress: false, logger: log });
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < graph.numUsers; u++) {
    const su = s.userIndex.get(graph.userIds[u]);
    if (su === undefined || !graph.test) continue;
    for (let p = graph.test.indptr[u]; p < graph.test.indptr[u + 1]; p++) {
      const j = s.matrix.index.get(graph.itemIds[graph.test.indices[p]]);
      if (j !== undefined && j < s.matrix.basisItems) {
        rows.push(su);
        cols.push(j);
      }
    }
  }
  const n = s.matrix.basisItems;
  const test: Csr = csrFromCoo(s.rows.rows, n, Int32Array.from(rows), Int32Array.from(cols));
  let users = usersWithItems(test);
  const all = users.length;
  if (sampleUsers !== undefined) {
    const rand = seededRandom(seed);
    const a = Array.from(users);
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    users = Int32Array.from(a.slice(0, sampleUsers)).sort();
  }
  const data = { numUsers: s.rows.rows, numItems: n, train: s.rows, test };

  // offline: the version's dense score, every item, through the model's scorer; each user's top 20 kept
  const offlineTop = new Map<number, Int32Array>();
  const idx = new Int32Array(K);
  const offline = await evaluate({
    scoreUsers: (batch: Int32Array, out: Float32Array) => {
      s.scorer.scoreRows(s.rows, batch, out);
      batch.forEach((u, q) => {
        const row = out.subarray(q * n, (q + 1) * n).slice();
        for (let p = s.rows.indptr[u]; p < s.rows.indptr[u + 1]; p++) row[s.rows.indices[p]] = -Infinity;
        const got = topK(row, 0, n, K, idx);
        offlineTop.set(u, idx.slice(0, got));
      });
    },
  }, data, { ks: [K], auc: 'none', users, batchSize: 512, progressLabel: 'offline' });

  // served: the pages of ServingEngine.recommend, turned into scores (20 - position) for the same metric code
  async function served(engine: ServingEngine, label: string, policy: Record<string, number | boolean>) {
    const pages = new Map<number, Int32Array>();
    const bar = startProgress(label, users.length, 'users');
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    let next = 0;
    const lat: number[] = [];
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < users.length) {
        const u = users[next++];
        const t = performance.now();
        const res = await engine.recommend({
          userId: s.userIds[u], first: K, contexts: [], categories: [], excludeItemIds: [], includeInteracted: false, policy: { ...policy, seed: u },
        });
        lat.push(performance.now() - t);
        pages.set(u, Int32Array.from(res.items, (x) => s.matrix.index.get(x.itemId)!));
        bar.increment();
      }
    }));
    bar.stop();
    const c = process.cpuUsage(cpu0);
    const wall = performance.now() - w0;
    const metrics = await evaluate({
      scoreUsers: (batch: Int32Array, out: Float32Array) => {
        out.fill(-Infinity);
        batch.forEach((u, q) => pages.get(u)!.forEach((j, r) => { out[q * n + j] = K - r; }));
      },
    }, data, { ks: [K], auc: 'none', users, batchSize: 512 });
    lat.sort((a, b) => a - b);
    const distinct = new Set<number>();
    for (const p of pages.values()) for (const j of p) distinct.add(j);
    return {
      pages,
      out: {
        recall20: round(metrics.atK[K].recall), ndcg20: round(metrics.atK[K].ndcg), coverage20: distinct.size,
        cpuMsPerRequest: round((c.user + c.system) / 1000 / users.length, 3),
        wallMsPerRequest: round(wall / users.length, 3), latencyMs: { p50: round(lat[lat.length >> 1], 2), p99: round(lat[Math.floor(lat.length * 0.99)], 2) },
      },
    };
  }
  const off = await served(offEngine, 'policy off', { ...NEUTRAL_POLICY, logExposures: false });
  let same = 0;
  for (const u of users) {
    const a = off.pages.get(u)!;
    const b = offlineTop.get(u)!;
    if (a.length === b.length && a.every((j, r) => j === b[r])) same++;
  }
  const def = await served(defEngine, 'default policy', { logExposures: true });
  // the sample's resolution: the standard error of the mean per-user Recall@20 (hits / test items) of each ranking
  const recallSE = (pages: Map<number, Int32Array>) => {
    const xs = Array.from(users, (u) => {
      const t = new Set(test.indices.subarray(test.indptr[u], test.indptr[u + 1]));
      let hits = 0;
      for (const j of pages.get(u)!) if (t.has(j)) hits++;
      return hits / t.size;
    });
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1);
    return round(Math.sqrt(v / xs.length), 5);
  };

  // explanations: a seeded sample of users, their policy-off pages
  const rand = seededRandom(seed + 1);
  const pool = Array.from(users);
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  const sample = pool.slice(0, explainUsers);
  let items = 0;
  let withGraph = 0;
  let shareSum = 0;
  let dropped = 0;
  let graphShareSum = 0;
  const bar = startProgress('explanations', sample.length, 'users');
  for (const u of sample) {
    const id = s.userIds[u];
    const row = trainingRow(s, id);
    const page = off.pages.get(u)!;
    const excluded: string[] = [];
    for (const j of row.indices) excluded.push(s.matrix.ids[j]);
    const allowed = allowedRows(s, excluded, []).subarray(0, n);
    const ex = explainGraph(s, row, basisUser(s, id), Array.from(page));
    const embedding = s.scorer.embeddingTerms(s.scorer.coords(row), 1);
    page.forEach((j, r) => {
      items++;
      const e = ex[r];
      const score = e.graph + embedding[j];
      if (e.cited.length === 0) return;
      withGraph++;
      shareSum += e.citedShare;
      graphShareSum += Math.abs(score) > 0 ? e.graph / score : 0;
      // the deletion test: is the item still within its old rank once the cited interactions are gone?
      const after = s.scorer.top(withoutCited(row, e.cited), r + 1, allowed);
      if (!Array.from(after.items).includes(j)) dropped++;
    });
    bar.increment();
  }
  bar.stop();

  const body = {
    benchmark: 'served model vs its offline score, Recall/NDCG@20, all-ranking protocol',
    neo4j: config.neo4jUri,
    model: { version, dims: s.model.dims, metrics: s.model.metrics },
    graph: { users: s.rows.rows, items: n, trainEdges: s.rows.indices.length, testUsers: all },
    users: users.length,
    sample: users.length === all ? 'all test users' : `a seeded sample of ${users.length} of ${all} test users`,
    offline: { recall20: round(offline.atK[K].recall), ndcg20: round(offline.atK[K].ndcg), coverage20: Math.round(offline.atK[K].coverage * n), recall20SE: recallSE(offlineTop) },
    policyOff: { ...off.out, recall20SE: recallSE(off.pages), sameTop20Share: round(same / users.length), ofOffline: { recall20: round(off.out.recall20 / offline.atK[K].recall), ndcg20: round(off.out.ndcg20 / offline.atK[K].ndcg) } },
    defaultPolicy: {
      ...def.out, recall20SE: recallSE(def.pages), settings: Object.fromEntries(Object.entries(policyConfig).filter(([k]) => k in NEUTRAL_POLICY)),
      policyCandidates: defEngine.options.policyCandidates,
      ofPolicyOff: { recall20: round(def.out.recall20 / off.out.recall20), coverage20: round(def.out.coverage20 / off.out.coverage20) },
    },
    explanations: {
      users: sample.length, items: withGraph, pageItems: items, citedScoreShare: round(shareSum / Math.max(1, withGraph)),
      deletionRankDropShare: round(dropped / Math.max(1, withGraph)), graphShareOfScore: round(graphShareSum / Math.max(1, withGraph)),
      note: 'items: served items (policy off) with a graph term; citedScoreShare: mean share of the graph term carried by the cited paths; '
        + 'deletionRankDropShare: share of them that rank lower once the cited interactions are removed from the row (in memory) and the row rescored',
    },
    seconds: round((Date.now() - t0) / 1000, 1),
  };
  process.stdout.write(JSON.stringify(values.out ? writeResult(values.out, run, body) : benchRecord(run, body), null, 2) + '\n');
  await db.close();
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`bench:serving: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
