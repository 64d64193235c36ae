/**
 * `npx tsx bench/trainGraph.bench.ts [--dims 64] [--repeat 2] [--batch-size 5000] [--write-concurrency 2] [--out bench/results/train-graph-gowalla.json]`
 *
 * Measures the graph side of training on the configured Neo4j (the dev instance with Gowalla imported):
 * extraction (per relation) and write-back of a full model version (every node's vectors). The embeddings are seeded random numbers of the
 * model's shape, because this measures the database path, not the model; the version is written but
 * NOT activated (status `ready`), so whatever model serves keeps serving.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { createExecutor } from '../src/db/executor';
import { applySchema } from '../src/db/schema';
import { extractGraph } from '../src/graph/extract';
import { createLogger } from '../src/log';
import { publishModel } from '../src/model/registry';
import type { HeteroGraph } from '../src/graph/types';
import type { TrainedModel } from '../src/model/types';
import { intOption } from '../src/cli/args';
import { startRun, writeResult } from './result';

function randomModel(g: HeteroGraph, dims: number, seed: number): TrainedModel {
  let s = seed >>> 0 || 1;
  const rand = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0xffffffff - 0.5;
  };
  const mat = (n: number) => Float32Array.from({ length: n * dims }, rand);
  return {
    version: 'bench',
    embeddings: { dims, users: mat(g.numUsers), items: mat(g.numItems), itemFoldIn: mat(g.numItems), categories: mat(g.categories.length),
      contexts: mat(g.contexts.length), userNormExponent: 0.5 },
    metrics: {},
    params: { bench: 'random embeddings of the model shape' },
    report: { trainSeconds: 0, epochs: 0 },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { dims: { type: 'string' }, repeat: { type: 'string' }, 'batch-size': { type: 'string' }, 'write-concurrency': { type: 'string' }, out: { type: 'string' } },
    strict: true,
  });
  const dims = intOption('dims', values.dims, { min: 1 }) ?? 64;
  const repeat = intOption('repeat', values.repeat, { min: 1 }) ?? 2;
  const batchSize = intOption('batch-size', values['batch-size'], { min: 1 }) ?? 5000;
  const writeConcurrency = intOption('write-concurrency', values['write-concurrency'], { min: 1 }) ?? 2;
  const out = values.out ?? 'bench/results/train-graph-gowalla.json';
  const run = startRun('npx tsx bench/trainGraph.bench.ts');
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const db = createExecutor(config);
  try {
    await applySchema(db);
    const extracts = [];
    let graph: HeteroGraph | undefined;
    for (let r = 0; r < repeat; r++) {
      const res = await extractGraph(db, { logger });
      graph = res.graph;
      extracts.push({ seconds: res.stats.seconds, rssMb: Math.round(process.memoryUsage().rss / 1e6) });
    }
    const g = graph!;
    const t = performance.now();
    const pub = await publishModel(db, g, randomModel(g, dims, 7), { activate: false, batchSize, writeConcurrency, logger, params: { bench: true } });
    const writeSeconds = (performance.now() - t) / 1000;
    const result = writeResult(out, run, {
      bench: 'train-graph',
      neo4j: config.neo4jUri,
      note: 'Shared 2-core machine with other jobs running: timings are noisy. Write-back uses random embeddings and does not activate.',
      graph: { users: g.numUsers, items: g.numItems, categories: g.categories.length, contexts: g.contexts.length,
        trainPairs: g.train.indices.length, heldOutPairs: g.test?.indices.length ?? 0 },
      extract: extracts,
      writeBack: { dims, batchSize, writeConcurrency, version: pub.version, slot: pub.slot, nodes: pub.writtenNodes, seconds: pub.seconds,
        nodesPerSecond: Math.round(pub.writtenNodes / pub.seconds.write), totalSeconds: writeSeconds },
      peakRssMb: Math.round(process.memoryUsage().rss / 1e6),
    });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await db.close();
  }
}

main().catch((err) => {
  process.stderr.write(`trainGraph.bench: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
