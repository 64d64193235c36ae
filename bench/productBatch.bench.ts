/**
 * The embedding product of serving (ModelScorer.embeddingTerms) by batch size, on the served version in the
 * configured Neo4j (Gowalla's by default): milliseconds per product and per row, medians over rounds, with one row
 * (what a lone request pays) as the baseline in the same run. Supports PRODUCT_BATCH_ROWS (src/serving/retrieval.ts).
 *
 *   npm run bench:product-batch -- --out bench/results/serving-product-batch.json [--rounds 30] [--sizes 1,2,4,8,16]
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log';
import { createExecutor } from '../src/db/executor';
import { ModelStore } from '../src/serving/modelState';
import { PRODUCT_BATCH_ROWS } from '../src/serving/retrieval';
import { rowOf } from '../src/model/scorer';
import { intOption, numberListOption } from '../src/cli/args';
import { seededRandom } from '../src/random';
import { startRun, writeResult } from './result';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number) => Math.round(x * 1000) / 1000;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' }, rounds: { type: 'string', default: '30' }, sizes: { type: 'string', default: '1,2,4,8,16' } } });
  const rounds = intOption('rounds', values.rounds, { min: 3, max: 1000 })!;
  const sizes = numberListOption('sizes', values.sizes, { integer: true, min: 1 })!;
  const runInfo = startRun('npm run bench:product-batch --');
  const config = loadConfig();
  const db = createExecutor(config);
  const log = createLogger('warn');
  const store = new ModelStore(db, log, 60_000);
  const model = await store.activeModel();
  if (!model) throw new Error(`bench:product-batch: no active model in ${config.neo4jUri}; import and train first`);
  const s = await store.state(model);
  const sc = s.scorer;
  // real rows: the coordinates of random training users, so the product sees what requests send
  const draw = seededRandom(3);
  const coordsOf = (b: number) => {
    const z = new Float32Array(b * sc.k);
    for (let q = 0; q < b; q++) z.set(sc.coords(rowOf(s.rows, Math.floor(draw() * s.rows.rows))), q * sc.k);
    return z;
  };
  const points = [];
  for (const b of sizes) {
    const z = coordsOf(b);
    for (let w = 0; w < 3; w++) sc.embeddingTerms(z, b);
    const ms: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      sc.embeddingTerms(z, b);
      ms.push(performance.now() - t0);
    }
    const m = median(ms);
    points.push({ rows: b, medianMsPerProduct: round(m), medianMsPerRow: round(m / b) });
    process.stderr.write(`rows ${b}: ${round(m)} ms per product, ${round(m / b)} ms per row\n`);
  }
  const one = points.find((p) => p.rows === 1);
  const body = {
    benchmark: "serving's embedding product (every item's embedding term) by rows per product, the served version",
    neo4j: config.neo4jUri, model: { version: model.version, dims: model.dims }, items: sc.numItems, rounds,
    productBatchRows: PRODUCT_BATCH_ROWS,
    points: points.map((p) => ({ ...p, perRowVsOneRow: one ? round(p.medianMsPerRow / one.medianMsPerRow) : null })),
  };
  if (values.out) writeResult(values.out, runInfo, body);
  sc.dispose();
  await db.close();
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
