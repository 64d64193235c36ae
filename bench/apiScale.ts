/**
 * The API's memory and latency against the graph's size: combines one bench:api run per graph (Gowalla, and
 * synthetic graphs at about 4× and 10× its train interactions) with the training run of the model it served
 * into one curve, with a plot.
 *
 *   npm run bench:api-scale -- [--dir bench/results/api-scale] [--out bench/results/api-scale.json] [--scales 1,4,10]
 *
 * For scale s it reads `<dir>/<s>x.json` (bench:api's output, with `--levels 16`) and the training run's JSON:
 * `<dir>/<s>x-train.json`, or for 1× the committed Gowalla run `bench/results/train-gowalla-run.json`
 * (`{ command, machine, status }`, status being `npm run train`'s printed result). The points' interactions are
 * the model's train interactions (distinct positive user–item pairs, the training run's `stats.trainEdges`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { plotPanels } from './plot';
import { startRun, writeResult } from './result';

/** The part of a bench:api result this script reads. */
interface ApiRun {
  command: string;
  commit: string;
  date: string;
  graph: { users: number; items: number };
  machine: { loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  rssMbAfterWarmup: number;
  memoryMbAfterWarmup: Record<string, number>;
  serverReadySeconds?: number;
  runs: { concurrency: number; p50Ms: number; p99Ms: number; requestsPerSecond: number; errors: number; cpuMsPerRequest: Record<string, number | null> }[];
}

/** The part of a training run's JSON this script reads. */
interface TrainRun {
  command: string;
  machine: { loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  status: { state: string; stats: { trainEdges: number; nodes: number; seconds: Record<string, number> } };
}

function readJson<T>(file: string, what: string): T {
  if (!fs.existsSync(file)) throw new Error(`bench:api-scale: ${what} ${file} does not exist`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

async function main(): Promise<void> {
  const run = startRun('npm run bench:api-scale --');
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', default: 'bench/results/api-scale' },
      out: { type: 'string', default: 'bench/results/api-scale.json' },
      scales: { type: 'string', default: '1,4,10' },
    },
  });
  const dir = values.dir!;
  const scales = values.scales!.split(',').map(Number);
  if (scales.length === 0 || scales.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new Error(`bench:api-scale: --scales must be positive integers separated by commas, got "${values.scales}"`);
  }
  const points = scales.map((scale) => {
    const apiFile = path.join(dir, `${scale}x.json`);
    const trainFile = scale === 1 ? path.join('bench', 'results', 'train-gowalla-run.json') : path.join(dir, `${scale}x-train.json`);
    const api = readJson<ApiRun>(apiFile, 'the bench:api result');
    const train = readJson<TrainRun>(trainFile, 'the training run');
    if (train.status.state !== 'succeeded') throw new Error(`bench:api-scale: ${trainFile} records a ${train.status.state} run, expected succeeded`);
    const at16 = api.runs.find((r) => r.concurrency === 16);
    if (!at16) throw new Error(`bench:api-scale: ${apiFile} has no run at concurrency 16 (levels ${api.runs.map((r) => r.concurrency).join(',')})`);
    return {
      scale,
      graph: { users: api.graph.users, items: api.graph.items, interactions: train.status.stats.trainEdges },
      rssMbAfterWarmup: api.rssMbAfterWarmup,
      memoryMbAfterWarmup: api.memoryMbAfterWarmup,
      serverReadySeconds: api.serverReadySeconds ?? null,
      p99Ms: at16.p99Ms,
      p50Ms: at16.p50Ms,
      requestsPerSecond: at16.requestsPerSecond,
      errors: at16.errors,
      cpuMsPerRequest: at16.cpuMsPerRequest,
      trainSeconds: train.status.stats.seconds,
      loadAverage: { bench: [api.machine.loadAverageAtStart, api.machine.loadAverageAtEnd], train: [train.machine.loadAverageAtStart, train.machine.loadAverageAtEnd] },
      source: { api: apiFile, apiCommand: api.command, apiCommit: api.commit, apiDate: api.date, train: trainFile, trainCommand: train.command },
    };
  });
  writeResult(values.out!, run, {
    protocol: 'one bench:api run per graph (recommendations(first: 20) with reasons, 60 s warm-up at concurrency 16, then 20 s at 16), each against the model trained on that graph with npm run train -- --seed 2020 --eval-users 2000; interactions are the model\'s train interactions (distinct positive user-item pairs)',
    points,
  });
  const series = (name: string, y: (p: (typeof points)[number]) => number) =>
    [{ name, points: points.map((p) => ({ x: p.graph.interactions / 1e6, y: y(p) })) }];
  await plotPanels(values.out!.replace(/\.json$/, '.png'), {
    title: `API against graph size (Gowalla 1×, synthetic ${scales.filter((s) => s > 1).map((s) => `${s}×`).join(', ')})`,
    x: 'train interactions (millions)',
    panels: [
      { yLabel: 'server RSS after warm-up (MB)', series: series('RSS', (p) => p.rssMbAfterWarmup) },
      { yLabel: 'latency at concurrency 16 (ms)', series: [...series('p99', (p) => p.p99Ms), ...series('p50', (p) => p.p50Ms)] },
    ],
  });
  process.stderr.write(`wrote ${values.out}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
