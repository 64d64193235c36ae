/**
 * How the fit's cost grows with the graph: GF-CF and the interest model fitted on seeded user subsamples of a
 * LightGCN-format dataset (each user keeps all of its train items; items no sampled user has are kept, empty),
 * wall and CPU seconds per fit, with a plot.
 *
 *   npm run bench:fit-growth -- --dataset ../shared/data/gowalla --fractions 0.125,0.25,0.5,1 \
 *     --out bench/results/fit-growth-gowalla.json
 */
import { loadavg } from 'os';
import { resolve } from 'path';
import { parseArgs } from 'util';
import { intOption, numberListOption } from '../src/cli/args';
import type { Csr } from '../src/graph/csr';
import { loadInteractionFiles } from '../src/graph/files';
import { createLogger } from '../src/log';
import { initBackend } from '../src/model/backend';
import { GfcfRecommender } from '../src/model/gfcf';
import { InterestModel } from '../src/model/interestModel';
import { seededRandom } from '../src/random';
import type { InteractionDataset } from '../src/graph/types';
import type { Recommender } from '../src/model/types';
import { plotLines } from './plot';
import { startRun, writeResult } from './result';

const log = createLogger(process.env.LOG_LEVEL ?? 'info').child({ component: 'bench:fit-growth' });
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** The rows of `users` (sorted) of a CSR, re-indexed 0..users.length-1; the columns are kept. */
function userRows(a: Csr, users: Int32Array): Csr {
  const indptr = new Int32Array(users.length + 1);
  for (let q = 0; q < users.length; q++) indptr[q + 1] = indptr[q] + a.indptr[users[q] + 1] - a.indptr[users[q]];
  const indices = new Int32Array(indptr[users.length]);
  const values = new Float32Array(indptr[users.length]);
  for (let q = 0; q < users.length; q++) {
    const s = a.indptr[users[q]];
    const e = a.indptr[users[q] + 1];
    indices.set(a.indices.subarray(s, e), indptr[q]);
    values.set(a.values.subarray(s, e), indptr[q]);
  }
  return { rows: users.length, cols: a.cols, indptr, indices, values };
}

async function timedFit(model: Recommender, data: InteractionDataset, seed: number) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const l0 = loadavg()[0];
  const report = await model.fit(data, { seed });
  const c = process.cpuUsage(c0);
  const out = {
    seconds: round(report.trainSeconds ?? (performance.now() - t0) / 1000, 1),
    cpuSeconds: round((c.user + c.system) / 1e6, 1),
    loadAverage: [round(l0), round(loadavg()[0])],
  };
  (model as { dispose?: () => void }).dispose?.();
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { dataset: { type: 'string' }, out: { type: 'string' }, fractions: { type: 'string' }, seed: { type: 'string' } }, strict: true,
  });
  const dataset = values.dataset ?? '../shared/data/gowalla';
  const out = resolve(values.out ?? 'bench/results/fit-growth-gowalla.json');
  const fractions = numberListOption('fractions', values.fractions, { above: 0, max: 1 }) ?? [0.125, 0.25, 0.5, 1];
  const seed = intOption('seed', values.seed) ?? 2020;
  const run = startRun('npm run bench:fit-growth --');
  const backend = await initBackend({});
  const data = loadInteractionFiles(resolve(dataset));
  const rows: Record<string, unknown>[] = [];
  for (const f of fractions) {
    const rand = seededRandom(seed + Math.round(f * 1000));
    const all = Int32Array.from({ length: data.numUsers }, (_, u) => u);
    for (let i = all.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [all[i], all[j]] = [all[j], all[i]];
    }
    const users = all.slice(0, Math.max(1, Math.round(f * data.numUsers))).sort();
    const train = userRows(data.train, users);
    const sub: InteractionDataset = { name: `${data.name} ${f}`, numUsers: users.length, numItems: data.numItems, train };
    log.info({ fraction: f, users: users.length, interactions: train.indices.length }, 'subsample');
    const gfcf = await timedFit(new GfcfRecommender(), sub, seed);
    const interest = await timedFit(new InterestModel(), sub, seed);
    const row = { fraction: f, users: users.length, interactions: train.indices.length, gfcf, interest, ratio: round(interest.seconds / gfcf.seconds), cpuRatio: round(interest.cpuSeconds / gfcf.cpuSeconds) };
    log.info(row, 'fitted');
    rows.push(row);
  }
  writeResult(out, run, {
    dataset,
    protocol: 'seeded user subsamples of train (all items of each sampled user); the fit only (spectrum and, for the interest model, its validation search); seconds are wall, cpuSeconds user + system of this process; load averages before and after each fit',
    rows,
  }, { tfjsBackend: backend });
  const series = (name: string, pick: (r: Record<string, unknown>) => number) => ({ name, points: rows.map((r) => ({ x: r.interactions as number, y: pick(r) })) });
  await plotLines(out.replace(/\.json$/, '.png'), {
    title: `Fit time against interactions (${dataset.split('/').pop()} user subsamples)`,
    x: 'interactions', yLabel: 'seconds',
    series: [
      series('GF-CF wall', (r) => (r.gfcf as { seconds: number }).seconds),
      series('InterestModel wall', (r) => (r.interest as { seconds: number }).seconds),
      series('GF-CF CPU', (r) => (r.gfcf as { cpuSeconds: number }).cpuSeconds),
      series('InterestModel CPU', (r) => (r.interest as { cpuSeconds: number }).cpuSeconds),
    ],
  });
  log.info({ out }, 'written');
}

main().catch((err) => {
  log.error({ err }, 'bench:fit-growth failed');
  process.exit(1);
});
