/**
 * Import benchmark: `npm run bench:import -- --dir ../shared/data/gowalla --out bench/results/import-gowalla.json`.
 *
 * WIPES the configured Neo4j (the development instance by default, bolt://127.0.0.1:7687) and then
 * imports a LightGCN-format dataset into it with importLightGcn, recording wall time, relationships per
 * second and peak memory (this node process, and Neo4j's JVM when it is the local server whose pid is
 * readable). Then, unless --no-bulk, it wipes the graph again and loads the same files through the bulk
 * path (src/import/bulk.ts: validation, CSV files, server stopped, neo4j-admin, server started, schema),
 * recorded under `bulk`, and checks that both paths gave the same counts per label and type. The
 * imported dataset stays in the graph afterwards.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { cypher } from '../src/db/cypher';
import { createExecutor } from '../src/db/executor';
import { applySchema } from '../src/db/schema';
import { bulkImport } from '../src/import/bulk';
import { importLightGcn, lightGcnRows } from '../src/import/lightgcn';
import type { Executor } from '../src/db/executor';
import { createLogger } from '../src/log';
import { intOption } from '../src/cli/args';
import { benchRecord, startRun, writeResult } from './result';
import { localNeo4jPid, procCpuSeconds } from './proc';

/** Resident set size in MB of a process from /proc (current and peak), or undefined where unreadable. */
function procRss(pid: number): { rssMb: number; peakMb: number } | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** Nodes per label and relationships per type (the shape both paths must give). */
async function shapeCounts(db: Executor): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const session = db.driver.session({ database: db.database });
  try {
    for (const q of ['MATCH (n) UNWIND labels(n) AS k RETURN k, count(*) AS c', 'MATCH ()-[r]->() RETURN type(r) AS k, count(*) AS c']) {
      for (const r of (await session.run(q)).records) out[r.get('k')] = Number(r.get('c'));
    }
  } finally {
    await session.close();
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { dir: { type: 'string' }, out: { type: 'string' }, 'batch-size': { type: 'string' }, concurrency: { type: 'string' },
      'no-bulk': { type: 'boolean' } },
  });
  if (!values.dir) throw new Error('bench:import needs --dir <dir with train.txt and test.txt>');
  const config = loadConfig();
  const logger = createLogger(config.logLevel).child({ component: 'bench-import' });
  const batchSize = intOption('batch-size', values['batch-size'], { min: 1 }) ?? config.importBatchSize;
  const concurrency = intOption('concurrency', values.concurrency, { min: 1 }) ?? 2;
  const db = createExecutor(config);
  const neoPid = config.neo4jLocal ? localNeo4jPid() : undefined;
  let neoSampledPeak = 0;
  const sampler = setInterval(() => {
    const r = neoPid ? procRss(neoPid) : undefined;
    if (r) neoSampledPeak = Math.max(neoSampledPeak, r.rssMb);
  }, 500);
  try {
    const [server] = await db.read<{ name: string; version: string; edition: string }>('import/server-version');
    await applySchema(db);
    logger.warn({ uri: config.neo4jUri }, 'bench:import WIPES this graph (every node and relationship) before importing');
    const tw = Date.now();
    await db.schema(cypher('import/wipe-graph'));
    logger.info({ seconds: (Date.now() - tw) / 1000 }, 'graph wiped');

    const run = startRun('npm run bench:import --');
    const neoCpu0 = neoPid ? procCpuSeconds(neoPid) : undefined;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const result = await importLightGcn(db, values.dir, { batchSize, concurrency, logger });
    const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    clearInterval(sampler);
    const rels = result.interactions + result.heldOut;
    const cpu = process.cpuUsage(cpu0);
    const nodeCpuSeconds = (cpu.user + cpu.system) / 1e6;
    const neoCpu1 = neoPid ? procCpuSeconds(neoPid) : undefined;
    const neo4jCpuSeconds = neoCpu0 !== undefined && neoCpu1 !== undefined ? neoCpu1 - neoCpu0 : undefined;
    const neo = neoPid ? procRss(neoPid) : undefined;
    const body = {
      dataset: path.basename(path.resolve(values.dir)),
      neo4jUri: config.neo4jUri,
      users: result.users,
      items: result.items,
      interactions: result.interactions,
      heldOut: result.heldOut,
      relationshipsCreated: result.written.relationshipsCreated,
      batchSize,
      concurrency,
      wallSeconds: round(wallSeconds, 2),
      relationshipsPerSecond: Math.round(rels / wallSeconds),
      // The machine is shared: CPU seconds show how much work the import itself took, whatever the load.
      nodeCpuSeconds: round(nodeCpuSeconds, 2),
      neo4jCpuSeconds: neo4jCpuSeconds === undefined ? null : round(neo4jCpuSeconds, 2),
      relationshipsPerNeo4jCpuSecond: neo4jCpuSeconds ? Math.round(rels / neo4jCpuSeconds) : null,
      peakRssMb: round(process.resourceUsage().maxRSS / 1024),
      neo4jRssMb: neo ? { sampledPeakDuringImport: round(Math.max(neoSampledPeak, neo.rssMb)), vmHwmSinceStart: round(neo.peakMb) } : null,
      // the transactional import's end; machine.loadAverageAtEnd is the end of the whole run (the bulk path included)
      loadAverageAtEnd: os.loadavg().map((x) => round(x, 2)),
      bulk: null as unknown,
    };
    const machineExtra = {
      neo4j: server ? `${server.name} ${server.version} ${server.edition}` : 'unknown',
      note: 'shared with other developers working at the same time (2 cores): see the load averages',
    };
    if (!values['no-bulk']) {
      if (!config.neo4jLocal) throw new Error('bench:import: the bulk path needs the local server (unset NEO4J_URI) or --no-bulk');
      const transactionalShape = await shapeCounts(db);
      await db.schema(cypher('import/wipe-graph'));
      const loadBefore = os.loadavg().map((x) => round(x, 2));
      const tb = process.hrtime.bigint();
      const cpuB = process.cpuUsage();
      const rows = lightGcnRows(values.dir);
      const validateSeconds = Number(process.hrtime.bigint() - tb) / 1e9;
      const validateCpu = process.cpuUsage(cpuB);
      const b = await bulkImport(db, rows, { instance: 'dev' }, { logger });
      const endToEnd = Number(process.hrtime.bigint() - tb) / 1e9;
      const bulkShape = await shapeCounts(db);
      const loadSeconds = validateSeconds + b.phases.csv + b.phases.import;
      body.bulk = {
        // relationships / (validate + csv + import) seconds: the load itself, wall time (validating the files, writing
        // neo4j-admin's CSV files, neo4j-admin database import full); stopping and starting the server and the schema
        // are in endToEndSeconds
        relationshipsPerSecond: Math.round(b.relationships / loadSeconds),
        definition: 'relationships / (seconds.validate + seconds.csv + seconds.import)',
        loadSeconds: round(loadSeconds, 2),
        relationships: b.relationships,
        nodes: b.nodes,
        seconds: { validate: round(validateSeconds, 2), ...Object.fromEntries(Object.entries(b.phases).map(([k, v]) => [k, round(v, 2)])) },
        // everything, including stopping and starting the server and building the constraints' indexes
        endToEndSeconds: round(endToEnd, 2),
        endToEndRelationshipsPerSecond: Math.round(b.relationships / endToEnd),
        // CPU seconds of this process validating the files and writing the CSV files: the load's own cost whatever the machine's load
        validateCpuSeconds: round((validateCpu.user + validateCpu.system) / 1e6, 2),
        csvCpuSeconds: b.csvCpuSeconds === null ? null : round(b.csvCpuSeconds, 2),
        neo4jAdminStages: Object.fromEntries(Object.entries(b.importStages).map(([k, v]) => [k, v === null ? null : round(v, 2)])),
        neo4jAdminCpuSeconds: b.importCpuSeconds,
        neo4jAdminClassArchive: b.classArchive,
        relationshipsPerNeo4jAdminCpuSecond: b.importCpuSeconds ? Math.round(b.relationships / b.importCpuSeconds) : null,
        // the best this machine could do with the CPU work measured: this process's validation and CSV writing
        // (serial) plus neo4j-admin's CPU seconds spread perfectly over every core, nothing else running
        ceiling: b.importCpuSeconds === null ? null : (() => {
          const seconds = (validateCpu.user + validateCpu.system) / 1e6 + b.csvCpuSeconds + b.importCpuSeconds / os.cpus().length;
          return { definition: 'relationships / (validateCpuSeconds + csvCpuSeconds + neo4jAdminCpuSeconds / cores)', cores: os.cpus().length,
            seconds: round(seconds, 2), relationshipsPerSecond: Math.round(b.relationships / seconds) };
        })(),
        sameShapeAsTransactional: JSON.stringify(Object.entries(bulkShape).sort()) === JSON.stringify(Object.entries(transactionalShape).sort()),
        shape: bulkShape,
        loadAverageBefore: loadBefore,
        loadAverageAtEnd: os.loadavg().map((x) => round(x, 2)),
      };
    }
    const record = values.out ? writeResult(values.out, run, body, machineExtra) : benchRecord(run, body, machineExtra);
    logger.info(record, 'bench:import done');
    process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
  } finally {
    clearInterval(sampler);
    await db.close();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:import failed: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
