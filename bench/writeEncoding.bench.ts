/**
 * `npm run bench:write-encoding -- --out bench/results/write-encoding.json [--items 5000] [--dims 256] [--rounds 3]`:
 * the cost of the model write-back's vector encoding (src/model/registry.ts vectorText), against the driver's own
 * encoding of the same vectors as lists of numbers, in one run on the configured local Neo4j. Each round writes the
 * same random item vectors (embedding, fold-in) into scratch properties of `--items` items by each
 * encoding, in alternating order, with the production statement (cypher/model/write_items.cypher) for the string
 * form and the same statement with list parameters for the baseline; it records wall time, this process's CPU
 * (building the rows and the driver's encoding) and Neo4j's CPU. The scratch properties are removed at the end.
 */
import { parseArgs } from 'node:util';
import neo4j from 'neo4j-driver';
import { loadConfig } from '../src/config';
import { createExecutor, run } from '../src/db/executor';
import { MAX_DIMS, vectorText } from '../src/model/registry';
import { seededRandom } from '../src/random';
import { intOption } from '../src/cli/args';
import { localNeo4jPid, procCpuSeconds } from './proc';
import { startRun, writeResult } from './result';

const SCRATCH = { embeddingProperty: 'benchEncoding_e', foldInProperty: 'benchEncoding_f', versionProperty: 'benchEncoding_v' };
const LIST_STATEMENT = `UNWIND $rows AS row
MATCH (n:Item {id: row.id})
SET n[$embeddingProperty] = row.e, n[$foldInProperty] = row.f, n[$versionProperty] = $version
RETURN count(n) AS written`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' }, items: { type: 'string', default: '5000' }, dims: { type: 'string', default: '256' }, rounds: { type: 'string', default: '3' } } });
  const items = intOption('items', values.items, { min: 1, max: 100_000 })!;
  const dims = intOption('dims', values.dims, { min: 1, max: MAX_DIMS })!;
  const rounds = intOption('rounds', values.rounds, { min: 1, max: 50 })!;
  const runInfo = startRun('npm run bench:write-encoding --');
  const config = loadConfig();
  const db = createExecutor(config);
  const pid = config.neo4jLocal ? localNeo4jPid() : undefined;
  const neo4jCpu = () => (pid ? procCpuSeconds(pid) ?? NaN : NaN);
  const ids = (await db.driver.executeQuery('MATCH (i:Item) RETURN i.id AS id ORDER BY id LIMIT $n', { n: neo4j.int(items) })).records.map((r) => r.get('id') as string);
  if (ids.length < items) throw new Error(`write-encoding: the graph has ${ids.length} items, --items asks for ${items}`);
  const draw = seededRandom(7);
  const vec = () => Float32Array.from({ length: dims }, () => draw() * 2 - 1);
  const vectors = ids.map(() => ({ e: vec(), f: vec() }));
  const encodings = {
    string: { statement: null as string | null, rows: () => ids.map((id, k) => ({ id, e: vectorText(vectors[k].e), f: vectorText(vectors[k].f) })) },
    list: { statement: LIST_STATEMENT, rows: () => ids.map((id, k) => ({ id, e: Array.from(vectors[k].e), f: Array.from(vectors[k].f) })) },
  };
  type Name = keyof typeof encodings;
  const samples: Record<Name, { wallSeconds: number; nodeCpuSeconds: number; neo4jCpuSeconds: number }[]> = { string: [], list: [] };
  const order: Name[] = ['string', 'list'];
  for (let r = 0; r < rounds + 1; r++) {
    for (const name of r % 2 ? [...order].reverse() : order) {
      const enc = encodings[name];
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const n0 = neo4jCpu();
      const rows = enc.rows();
      const params = { ...SCRATCH, version: 'bench', rows };
      const written = await db.writeTx(async (tx) => (enc.statement
        ? (await tx.run(enc.statement, params)).records[0].get('written')
        : (await run<{ written: number }>(tx, 'model/write_items', params))[0].written));
      if (Number(written) !== items) throw new Error(`write-encoding: ${name} wrote ${written} of ${items} items`);
      const c = process.cpuUsage(c0);
      // round 0 warms both statements (plan cache, JIT) and is not recorded
      if (r > 0) samples[name].push({ wallSeconds: round((performance.now() - t0) / 1000), nodeCpuSeconds: round((c.user + c.system) / 1e6), neo4jCpuSeconds: round(neo4jCpu() - n0, 2) });
    }
  }
  // both encodings stored the same values
  const [check] = (await db.driver.executeQuery(`MATCH (i:Item {id: $id}) RETURN i[$p] AS e`, { id: ids[0], p: SCRATCH.embeddingProperty })).records;
  const same = Float32Array.from(check.get('e') as number[]).every((v, c) => v === vectors[0].e[c]);
  await db.driver.executeQuery(`MATCH (i:Item) WHERE i[$e] IS NOT NULL REMOVE i[$e], i[$f], i[$v]`,
    { e: SCRATCH.embeddingProperty, f: SCRATCH.foldInProperty, v: SCRATCH.versionProperty });
  const summary = (name: Name) => {
    const s = samples[name];
    const med = (k: 'wallSeconds' | 'nodeCpuSeconds' | 'neo4jCpuSeconds') => median(s.map((x) => x[k]));
    return { medianWallSeconds: med('wallSeconds'), medianNodeCpuSeconds: med('nodeCpuSeconds'), medianNeo4jCpuSeconds: med('neo4jCpuSeconds'),
      medianCpuSecondsPerMillionValues: round((med('nodeCpuSeconds') + med('neo4jCpuSeconds')) / (items * dims * 2 / 1e6)), rounds: s };
  };
  const body = {
    benchmark: 'model write-back vector encoding: vectorText strings parsed by Cypher vs the driver encoding number lists',
    neo4j: config.neo4jUri, items, dims, vectorsPerItem: 2, roundsRecorded: rounds, readBackExactFloat32: same,
    string: summary('string'), list: summary('list'),
  };
  if (values.out) writeResult(values.out, runInfo, body);
  process.stdout.write(JSON.stringify({ string: body.string.medianWallSeconds, list: body.list.medianWallSeconds, same }, null, 0) + '\n');
  await db.close();
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
