/**
 * Model benchmark: every recommender fitted on the same train split and evaluated on the same test split in one
 * run, with the all-ranking protocol of ../shared/data/gowalla/README.md.
 *
 *   npm run bench:model -- --dataset ../shared/data/gowalla --out bench/results/model-gowalla.json \
 *     [--models mostpop,itemknn,bpr,gfcf,interest] [--seed 2020] [--auc exact|none|<negatives>] [--batch 1024]
 *     [--no-isolate]   (by default each model runs in its own child process so its peak RSS is its own)
 *
 * Writes the JSON rows, a training-curve PNG next to it (<out>-curve.png: loss and validation Recall@20 by
 * epoch of the models that report a curve) and prints a side-by-side table. Models only ever see train data in
 * fit(); the ones that tune or stop early carve their own validation split from it (src/model/split.ts).
 */
import { loadavg, tmpdir } from 'os';
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { parseArgs } from 'util';
import type { Csr } from '../src/graph/csr';
import { loadInteractionFiles } from '../src/graph/files';
import { createLogger } from '../src/log';
import { evaluate, usersWithItems } from '../src/model/evaluate';
import { BprMf } from '../src/model/baselines/bprMf';
import { ItemKnn } from '../src/model/baselines/itemKnn';
import { MostPopular } from '../src/model/baselines/popularity';
import { initBackend, type BackendName } from '../src/model/backend';
import { GfcfRecommender } from '../src/model/gfcf';
import { InterestModel } from '../src/model/interestModel';
import type { FitReport, Recommender } from '../src/model/types';
import type { InteractionDataset } from '../src/graph/types';
import { plotTrainingCurves } from './plot';
import { isMl100kFolder, runMl100kBench } from './ml100k';
import { intOption } from '../src/cli/args';
import { startRun, writeResult } from './result';

const log = createLogger().child({ component: 'bench:model' });

/** A model the bench can run, by its --models key. */
interface ModelEntry {
  key: string;
  create: () => Recommender;
}

const REGISTRY: ModelEntry[] = [
  { key: 'mostpop', create: () => new MostPopular() },
  { key: 'itemknn', create: () => new ItemKnn() },
  { key: 'bpr', create: () => new BprMf() },
  { key: 'gfcf', create: () => new GfcfRecommender() },
  { key: 'interest', create: () => new InterestModel() },
];

interface Args {
  dataset: string;
  out: string;
  models: string[];
  seed: number;
  auc: 'exact' | 'none' | number;
  batch: number;
  /** Run each model in its own child process (default when several models run), so peakRssMb is per model. */
  isolate: boolean;
  /** Internal: the file a child writes its row and curve to. */
  child?: string;
}

function parseBenchArgs(argv: string[]): Args {
  const { values: v } = parseArgs({ args: argv, strict: true, options: {
    dataset: { type: 'string' }, out: { type: 'string' }, models: { type: 'string' }, seed: { type: 'string' }, auc: { type: 'string' },
    batch: { type: 'string' }, 'no-isolate': { type: 'boolean', default: false }, child: { type: 'string' },
  } });
  const models = (v.models ?? REGISTRY.map((m) => m.key).join(',')).split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const m of models) {
    if (!REGISTRY.some((e) => e.key === m)) throw new Error(`--models: unknown model "${m}"; expected some of ${REGISTRY.map((e) => e.key).join(', ')}`);
  }
  const aucRaw = v.auc ?? 'exact';
  const auc = aucRaw === 'exact' || aucRaw === 'none' ? aucRaw : intOption('auc', aucRaw, { min: 1 })!;
  return {
    dataset: v.dataset ?? '../shared/data/gowalla', out: v.out ?? 'bench/results/model-gowalla.json', models, seed: intOption('seed', v.seed) ?? 2020,
    auc, batch: intOption('batch', v.batch, { min: 1 }) ?? 1024, isolate: !v['no-isolate'], child: v.child,
  };
}

/** Chooses the tfjs backend once for this process (TFJS_BACKEND forces one, e.g. cpu, to compare backends). */
function initTfjs(): Promise<string> {
  return initBackend(process.env.TFJS_BACKEND ? { prefer: process.env.TFJS_BACKEND as BackendName } : {});
}

const round = (x: number, d = 4) => (Number.isFinite(x) ? Number(x.toFixed(d)) : null);

type Curve = { model: string; curve: NonNullable<FitReport['curve']> };
type ModelResult = { row: Record<string, unknown>; curve?: Curve };

/** Fits one model on train, evaluates it on test, and returns its row. */
async function runModel(key: string, data: InteractionDataset, test: Csr, args: Args): Promise<ModelResult> {
  const model = REGISTRY.find((e) => e.key === key)!.create();
  log.info({ model: model.name }, 'fitting');
  const tf0 = performance.now();
  const cpu0 = process.cpuUsage();
  const load0 = loadavg()[0];
  const report = await model.fit(data, {
    seed: args.seed,
    onProgress: (info) => log.debug({ model: model.name, ...info }, 'fit progress'),
  });
  const trainSeconds = report.trainSeconds ?? (performance.now() - tf0) / 1000;
  // CPU time of the fit (user + system, this process): less sensitive than wall time to what else the machine runs
  const cpu = process.cpuUsage(cpu0);
  const trainCpuSeconds = (cpu.user + cpu.system) / 1e6;
  const trainLoadAverage = [load0, loadavg()[0]];
  log.info({ model: model.name, trainSeconds: round(trainSeconds, 1), epochs: report.epochs, params: report.params }, 'fitted; evaluating on test');
  const res = await evaluate(model, { numUsers: data.numUsers, numItems: data.numItems, train: data.train, test }, {
    ks: [20],
    auc: args.auc,
    batchSize: args.batch,
    seed: args.seed,
    progressLabel: `${model.name} test`,
  });
  const m = res.atK[20];
  const row = {
    model: model.name,
    recall20: round(m.recall),
    ndcg20: round(m.ndcg),
    precision20: round(m.precision),
    hitRate20: round(m.hitRate),
    coverage20: round(m.coverage),
    f1_20: round(m.f1),
    auc: round(res.auc),
    novelty20: round(m.novelty, 3),
    trainSeconds: round(trainSeconds, 1),
    trainCpuSeconds: round(trainCpuSeconds, 1),
    trainLoadAverage: trainLoadAverage.map((x) => round(x, 2)),
    evalSeconds: round(res.evalSeconds, 1),
    aucSeconds: round(res.aucSeconds, 1),
    // peak resident set of this process: per model when each model runs in its own process (the default)
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    epochs: report.epochs,
    params: report.params ?? {},
  };
  log.info(row, 'evaluated');
  (model as { dispose?: () => void }).dispose?.();
  return { row, curve: report.curve && report.curve.length > 0 ? { model: model.name, curve: report.curve } : undefined };
}

/** Runs one model in a fresh Node process (same flags and loader as this one) and reads back its result. */
function runModelInChild(key: string, args: Args): ModelResult {
  const dir = mkdtempSync(join(tmpdir(), 'bench-model-'));
  const file = join(dir, `${key}.json`);
  try {
    const childArgs = [
      ...process.execArgv,
      process.argv[1],
      '--dataset', args.dataset,
      '--out', args.out,
      '--models', key,
      '--seed', String(args.seed),
      '--auc', String(args.auc),
      '--batch', String(args.batch),
      '--child', file,
    ];
    const r = spawnSync(process.execPath, childArgs, { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`bench:model: model "${key}" failed in its child process (exit ${r.status ?? r.signal})`);
    return JSON.parse(readFileSync(file, 'utf8')) as ModelResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  const run = startRun('npm run bench:model --');
  if (isMl100kFolder(args.dataset)) {
    // the ml-100k folder has its own protocol (three slices, cold start, context): bench/ml100k.ts
    await runMl100kBench({ dataset: args.dataset, out: args.out, seed: args.seed, run });
    return;
  }
  const tfjsBackend = await initTfjs();
  const t0 = performance.now();
  const data = loadInteractionFiles(resolve(args.dataset));
  if (!data.test) throw new Error(`${args.dataset}: no test.txt, the benchmark needs a held-out split`);
  const test = data.test;
  log.info(
    { dataset: args.dataset, users: data.numUsers, items: data.numItems, train: data.train.indices.length, test: test.indices.length, loadSeconds: round((performance.now() - t0) / 1000, 2) },
    'dataset loaded',
  );

  const rows: Record<string, unknown>[] = [];
  const curves: Curve[] = [];
  if (args.child) {
    // child mode: one model, results handed to the parent through a file
    const result = await runModel(args.models[0], data, test, args);
    writeFileSync(args.child, JSON.stringify(result));
    return;
  }
  for (const key of args.models) {
    const result = args.isolate && args.models.length > 1 ? runModelInChild(key, args) : await runModel(key, data, test, args);
    rows.push(result.row);
    if (result.curve) curves.push(result.curve);
  }

  const out = resolve(args.out);
  writeResult(out, run, {
    dataset: args.dataset,
    protocol:
      'All-ranking (LightGCN): every test user, all items ranked except the user\'s train items, K=20. Recall = hits/|test| (uncapped); ' +
      'NDCG binary relevance, IDCG over min(K,|test|); Precision = hits/K; HitRate = share of users with a hit; ' +
      'F1 from mean precision and mean recall; coverage = distinct recommended items / numItems; novelty = mean self-information ' +
      '-log2(max(pop,1)/numUsers) of recommended items (pop from train); AUC per user over test vs items in neither train nor test ' +
      `(${args.auc === 'exact' ? 'exact over all negatives' : args.auc === 'none' ? 'not computed' : `${args.auc} sampled negatives`}), averaged. ` +
      `Models fit on train.txt only; hyper-parameters and stopping on a seeded 20% per-user validation split of train (seed ${args.seed}). ` +
      'evalSeconds = scoring + ranking metrics, aucSeconds separate; ' +
      (args.isolate && args.models.length > 1 ? 'each model ran in its own process: peakRssMb is per model (dataset loading included).' : 'one process: peakRssMb is the process peak so far (models run in row order).'),
    numUsers: data.numUsers,
    numItems: data.numItems,
    testUsers: usersWithItems(test).length,
    rows,
  }, { tfjsBackend });
  log.info({ out }, 'results written');
  if (curves.length > 0) {
    const png = out.replace(/\.json$/, '') + '-curve.png';
    await plotTrainingCurves(png, curves, `Training curves on ${data.name} (validation split carved from train)`);
    log.info({ png }, 'training-curve plot written');
  }
  printTable(rows);
}

function printTable(rows: Record<string, unknown>[]): void {
  const cols = ['model', 'recall20', 'ndcg20', 'precision20', 'hitRate20', 'f1_20', 'coverage20', 'novelty20', 'auc', 'trainSeconds', 'evalSeconds', 'epochs', 'peakRssMb'];
  const cells = [cols, ...rows.map((r) => cols.map((c) => (r[c] === null || r[c] === undefined ? '-' : String(r[c]))))];
  const widths = cols.map((_, k) => Math.max(...cells.map((row) => row[k].length)));
  const line = (row: string[]) => row.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join('  ');
  process.stdout.write('\n' + line(cells[0]) + '\n' + widths.map((w) => '-'.repeat(w)).join('  ') + '\n');
  for (const row of cells.slice(1)) process.stdout.write(line(row) + '\n');
}

main().catch((err) => {
  log.error({ err }, 'bench:model failed');
  process.exitCode = 1;
});
