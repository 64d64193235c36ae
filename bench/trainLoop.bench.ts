/**
 * How long a training run holds the caller's event loop (what an API that trains would feel), fitting the same
 * synthetic graph in-process (fitGraph) and on a worker thread (fitGraphInWorker, what `npm start` uses), each
 * with the fit's held-out check of the served score. Records the event loop's delay percentiles during each fit.
 *
 *   npm run bench:train-loop -- --out bench/results/train-event-loop.json [--users 3000] [--items 2000]
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { generateSynthetic, syntheticToHeteroGraph } from '../src/import/synthetic';
import { initBackend } from '../src/model/backend';
import { fitGraph } from '../src/model/interestModel';
import { fitGraphInWorker } from '../src/model/fitWorker';
import type { FitGraph } from '../src/model/trainJob';
import { createLogger } from '../src/log';
import { intOption } from '../src/cli/args';
import { startRun, writeResult } from './result';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'bench/results/train-event-loop.json' }, users: { type: 'string', default: '3000' }, items: { type: 'string', default: '2000' } } });
  const users = intOption('users', values.users, { min: 100 })!;
  const items = intOption('items', values.items, { min: 100 })!;
  const run = startRun('npm run bench:train-loop --');
  const graph = syntheticToHeteroGraph(generateSynthetic({ users, items, seed: 7 }), { split: 'random', seed: 7 });
  await initBackend({ logger: createLogger('warn') });
  const log = createLogger('warn');
  const heldOut = { maxUsers: 2000, seed: 2020 };
  const runs = [];
  for (const [name, fit] of [['in-process', fitGraph], ['worker', fitGraphInWorker]] as [string, FitGraph][]) {
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    const t0 = performance.now();
    const model = await fit(graph, { seed: 3, logger: log, heldOutCheck: heldOut });
    if (model.metrics.heldOutUsers === undefined) throw new Error(`bench:train-loop: the ${name} fit reported no held-out check`);
    const seconds = (performance.now() - t0) / 1000;
    h.disable();
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    runs.push({ fit: name, seconds: Math.round(seconds * 100) / 100, eventLoopDelayMs: { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) } });
    process.stderr.write(`${JSON.stringify(runs[runs.length - 1])}\n`);
  }
  writeResult(values.out!, run, {
    benchmark: 'event-loop delay of the caller while the interest model is fitted (plus the held-out check)',
    graph: { users: graph.numUsers, items: graph.numItems, trainEdges: graph.train.indices.length },
    runs,
  });
  process.stderr.write(`wrote ${values.out}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
