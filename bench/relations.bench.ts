/**
 * The interest model's relation terms on and off, on the synthetic graph (the only data here with FOLLOWS edges;
 * ml-100k's genre ablation is in bench/ml100k.ts): the same fit with categories and follows, with each alone, and
 * with neither, test Recall/NDCG@20 (all-ranking) and the fitted weights.
 *
 *   npm run bench:relations -- --users 4000 --out bench/results/relations-synthetic.json
 */
import { resolve } from 'path';
import { parseArgs } from 'util';
import { intOption } from '../src/cli/args';
import type { Csr } from '../src/graph/csr';
import { generateSynthetic, syntheticToHeteroGraph } from '../src/import/synthetic';
import { createLogger } from '../src/log';
import { initBackend } from '../src/model/backend';
import { evaluate } from '../src/model/evaluate';
import { InterestModel } from '../src/model/interestModel';
import type { HeteroGraph } from '../src/graph/types';
import { startRun, writeResult } from './result';

const log = createLogger(process.env.LOG_LEVEL ?? 'info').child({ component: 'bench:relations' });
const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;
const empty = (rows: number, cols: number): Csr => ({ rows, cols, indptr: new Int32Array(rows + 1), indices: new Int32Array(0), values: new Float32Array(0) });

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { users: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } }, strict: true });
  const users = intOption('users', values.users, { min: 50 }) ?? 4000;
  const seed = intOption('seed', values.seed) ?? 2020;
  const out = resolve(values.out ?? 'bench/results/relations-synthetic.json');
  const run = startRun('npm run bench:relations --');
  const backend = await initBackend({});
  const graph = syntheticToHeteroGraph(generateSynthetic({ users, seed }), { split: 'random', seed });
  const variants: [string, HeteroGraph][] = [
    ['categories + follows', graph],
    ['categories only', { ...graph, follows: empty(graph.numUsers, graph.numUsers) }],
    ['follows only', { ...graph, itemCategory: empty(graph.numItems, graph.categories.length) }],
    ['interactions only', { ...graph, follows: empty(graph.numUsers, graph.numUsers), itemCategory: empty(graph.numItems, graph.categories.length) }],
  ];
  const rows = [];
  for (const [name, g] of variants) {
    const model = new InterestModel();
    const rep = await model.fit(g, { seed });
    const res = await evaluate(model, { numUsers: g.numUsers, numItems: g.numItems, train: g.train, test: g.test! }, { ks: [20], auc: 'none', seed });
    const fp = model.filterParams;
    const row = {
      variant: name, recall20: round(res.atK[20].recall), ndcg20: round(res.atK[20].ndcg), users: res.users,
      categoryWeight: fp.categoryWeight, followsWeight: fp.followsWeight, trainSeconds: round(rep.trainSeconds ?? 0, 1),
      validationStart: rep.params?.validationStart, validationFitted: rep.params?.validationFitted, searchTrace: rep.params?.searchTrace,
    };
    log.info(row, 'variant');
    rows.push(row);
    model.dispose();
  }
  writeResult(out, run, {
    data: { generator: 'src/import/synthetic.ts', users, seed, split: 'random 20% per user', items: graph.numItems, interactions: graph.train.indices.length, follows: graph.follows.indices.length, categories: graph.categories.length },
    rows,
  }, { tfjsBackend: backend });
  log.info({ out }, 'written');
}

main().catch((err) => {
  log.error({ err }, 'bench:relations failed');
  process.exit(1);
});
