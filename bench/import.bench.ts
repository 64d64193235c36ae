/**
 * Import benchmark: `npm run bench:import -- --dir ../shared/data/gowalla --out bench/results/import-gowalla.json`.
 *
 * WIPES the configured Neo4j (the development instance by default, bolt://127.0.0.1:7687) and then
 * imports a LightGCN-format dataset into it with importLightGcn, recording wall time, relationships per
 * second and peak memory (this node process, and Neo4j's JVM when it is the local server whose pid is
 * readable). The imported dataset stays in the graph afterwards.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { cypher } from '../src/db/cypher';
import { createExecutor } from '../src/db/executor';
import { applySchema } from '../src/db/schema';
import { importLightGcn } from '../src/import/lightgcn';
import { createLogger } from '../src/log';

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

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat, or undefined. */
function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

/** The pid of the project's local dev Neo4j (scripts/neo4j.mjs writes it), when it runs here. */
function localNeo4jPid(): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.resolve(__dirname, '..', ...(__dirname.includes(`${path.sep}dist${path.sep}`) ? ['..'] : []),
      'neo4j', 'home', 'run', 'neo4j.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { dir: { type: 'string' }, out: { type: 'string' }, 'batch-size': { type: 'string' }, concurrency: { type: 'string' } },
  });
  if (!values.dir) throw new Error('bench:import needs --dir <dir with train.txt and test.txt>');
  const config = loadConfig();
  const logger = createLogger(config.logLevel).child({ component: 'bench-import' });
  const batchSize = values['batch-size'] ? Number(values['batch-size']) : config.importBatchSize;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`--batch-size must be a positive integer, got "${values['batch-size']}"`);
  const concurrency = values.concurrency ? Number(values.concurrency) : 2;
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
    const record = {
      command: `npm run bench:import -- --dir ${values.dir}${values.out ? ` --out ${values.out}` : ''}${values['batch-size'] ? ` --batch-size ${batchSize}` : ''}${values.concurrency ? ` --concurrency ${concurrency}` : ''}`,
      dataset: path.basename(path.resolve(values.dir)),
      date: new Date().toISOString(),
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
      loadAverageAtEnd: os.loadavg().map((x) => round(x, 2)),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        memGb: round(os.totalmem() / 2 ** 30),
        node: process.version,
        neo4j: server ? `${server.name} ${server.version} ${server.edition}` : 'unknown',
      },
    };
    logger.info(record, 'bench:import done');
    const text = `${JSON.stringify(record, null, 2)}\n`;
    if (values.out) {
      fs.mkdirSync(path.dirname(values.out), { recursive: true });
      fs.writeFileSync(values.out, text);
    }
    process.stdout.write(text);
  } finally {
    clearInterval(sampler);
    await db.close();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:import failed: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
