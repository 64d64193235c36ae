/**
 * Soak: the API (as `npm start` runs it, in a child process) under a modest fixed load for a long time, its
 * resident memory sampled every 30 s, every error counted.
 *
 *   npm run soak -- --minutes 60 [--rate 25] [--concurrency 4] [--warmup-minutes 10] [--window-minutes 5] [--port 4100] [--out bench/results/soak.json]
 *
 * The load: requests started at a fixed rate (at most `concurrency` in flight; a request that cannot start on
 * time is skipped and counted), a mix of what clients send: recommendations (70%, random users with their own
 * tokens, varying page size and context), similarItems (10%), item and user lookups (10%), recordInteraction
 * with an idempotency key (8%) and model (2%). Errors: transport failures, non-200 answers and GraphQL
 * `errors`. Every sample also records what the memory is made of (MemoryBreakdown: the main thread's V8 heap by
 * space, outside it, and the exposure log's in-memory recent exposures against their cap).
 *
 * Warm-up: at least --warmup-minutes, and until the exposure log's recent exposures (the largest bounded cache the
 * load fills) are within 1% of their cap, at most half the run; when it ended and why is recorded. The V8 heap's old
 * space swings by ~150 MB between major collections (a sawtooth of garbage, not of live data), so one sample's RSS
 * depends on where in the swing it falls: `rssMbAfterWarmup` is the median RSS of the samples in the
 * --window-minutes after the warm-up, `rssMbAtEnd` the median over the last --window-minutes (the single samples,
 * the highest RSS and the lowest heap in use per window, an upper bound of the live heap, are recorded too).
 * Writes { minutes, requests, errors, rssMbAfterWarmup, rssMbAtEnd, samples: [...], command, machine (with the load
 * average at start and end), ... } to --out.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import os from 'node:os';
import { loadConfig } from '../src/config';
import { createExecutor } from '../src/db/executor';
import { signToken } from '../src/api/auth';
import { startProgress } from '../src/progress';
import { seededRandom } from '../src/random';
import { PROJECT_ROOT } from '../src/paths';
import { startApi } from './hostile/apiProcess';
import { intOption, numberOption } from '../src/cli/args';
import { startRun, writeResult } from './result';

const RECS = `query Recs($userId: ID!, $first: Int!, $context: [ContextInput!]) {
  recommendations(userId: $userId, first: $first, context: $context) {
    modelVersion impressionId items { rank score exploration item { id title } reasons { kind text } }
  }
}`;
const SIMILAR = 'query Sim($itemId: ID!) { similarItems(itemId: $itemId, first: 10) { items { item { id } score } } }';
const ITEM = 'query Item($id: ID!) { item(id: $id) { id title categories interactionCount popularIn { kind value count } } }';
const USER = 'query User($id: ID!) { user(id: $id) { id name interactionCount interactions(first: 10) { edges { node { itemId kind } } } } }';
const RECORD = `mutation Rec($input: RecordInteractionInput!) {
  recordInteraction(input: $input) { replayed embeddingVersion interaction { itemId kind } }
}`;
const MODEL = '{ model { version dims } }';
const CONTEXTS = [[], [{ kind: 'device', value: 'mobile' }], [{ kind: 'timeOfDay', value: 'evening' }]];
const KINDS = ['view', 'click', 'save', 'like'];

/** What the API's memory is made of at one sample, MB (null where it could not be read). */
interface MemoryBreakdown {
  /** Anonymous and file-backed resident memory of the process (/proc/<pid>/status RssAnon, RssFile). */
  rssAnonMb: number | null;
  rssFileMb: number | null;
  /** The main thread's V8 heap (committed, used) and external memory (Buffers, ArrayBuffers), from GET /metrics. */
  heapTotalMb: number | null;
  heapUsedMb: number | null;
  externalMb: number | null;
  /** Committed size of each V8 heap space of the main thread (new, old, code, large_object, ...). */
  heapSpacesMb: Record<string, number>;
  /** rssAnonMb − heapTotalMb: the worker threads' heaps and native memory. */
  outsideMainHeapMb: number | null;
  /** The exposure log's recent exposures held in memory, and their cap (GET /metrics). */
  exposureRecentEntries: number | null;
  exposureRecentMax: number | null;
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20 * 10) / 10;

/** Reads the process's resident memory split and the main thread's heap from /proc and the API's /metrics. */
async function memoryBreakdown(base: string, pid: number): Promise<MemoryBreakdown> {
  const out: MemoryBreakdown = { rssAnonMb: null, rssFileMb: null, heapTotalMb: null, heapUsedMb: null, externalMb: null, heapSpacesMb: {},
    outsideMainHeapMb: null, exposureRecentEntries: null, exposureRecentMax: null };
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => { const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(status); return m ? Math.round(Number(m[1]) / 102.4) / 10 : null; };
    out.rssAnonMb = kb('RssAnon');
    out.rssFileMb = kb('RssFile');
  } catch {
    // the process is gone
  }
  try {
    const text = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    const value = (re: RegExp) => { const m = re.exec(text); return m ? mb(Number(m[1])) : null; };
    out.heapTotalMb = value(/^nodejs_heap_size_total_bytes (\S+)$/m);
    out.heapUsedMb = value(/^nodejs_heap_size_used_bytes (\S+)$/m);
    out.externalMb = value(/^nodejs_external_memory_bytes (\S+)$/m);
    for (const m of text.matchAll(/^nodejs_heap_space_size_total_bytes\{space="([a-z_]+)"\} (\S+)$/gm)) out.heapSpacesMb[m[1]] = mb(Number(m[2]));
    const count = (re: RegExp) => { const m = re.exec(text); return m ? Number(m[1]) : null; };
    out.exposureRecentEntries = count(/^interest_graph_exposure_recent_entries (\S+)$/m);
    out.exposureRecentMax = count(/^interest_graph_exposure_recent_max (\S+)$/m);
  } catch {
    // not answering: the sample keeps its RSS
  }
  if (out.rssAnonMb !== null && out.heapTotalMb !== null) out.outsideMainHeapMb = Math.round((out.rssAnonMb - out.heapTotalMb) * 10) / 10;
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? null : s.length % 2 ? s[(s.length - 1) / 2] : Math.round((s[s.length / 2 - 1] + s[s.length / 2]) * 5) / 10;
};

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    minutes: { type: 'string' }, rate: { type: 'string' }, concurrency: { type: 'string' }, 'warmup-minutes': { type: 'string' },
    'window-minutes': { type: 'string' }, port: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' },
  } });
  const minutes = numberOption('minutes', values.minutes, { above: 0 }) ?? 60;
  const rate = numberOption('rate', values.rate, { above: 0 }) ?? 25;
  const concurrency = intOption('concurrency', values.concurrency, { min: 1 }) ?? 4;
  const warmupMinutes = Math.min(numberOption('warmup-minutes', values['warmup-minutes'], { above: 0 }) ?? 10, minutes / 2);
  const windowMinutes = Math.min(numberOption('window-minutes', values['window-minutes'], { above: 0 }) ?? 5, minutes / 4);
  const port = intOption('port', values.port, { min: 1 }) ?? Number(process.env.PORT || 4100);
  const out = path.resolve(values.out ?? path.join(PROJECT_ROOT, 'bench', 'results', 'soak.json'));
  // the commit the API ran (with -dirty when the tree had changes on top of it) is in the record
  const run = startRun('npm run soak --');
  const config = loadConfig();
  const rnd = seededRandom(intOption('seed', values.seed) ?? 7);

  const db = createExecutor(config);
  const users = (await db.driver.executeQuery('MATCH (u:User) RETURN u.id AS id ORDER BY id LIMIT 5000', {}, { database: db.database })).records.map((r) => r.get('id') as string);
  const items = (await db.driver.executeQuery('MATCH (i:Item) RETURN i.id AS id ORDER BY id LIMIT 5000', {}, { database: db.database })).records.map((r) => r.get('id') as string);
  await db.close();
  if (users.length === 0 || items.length === 0) throw new Error('soak: the graph has no users or items (run npm start once)');
  const tokens = new Map(users.map((u) => [u, signToken({ sub: u, role: 'user' }, config.jwtSecret, '1d')]));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

  const logFile = path.join(PROJECT_ROOT, 'bench', 'tmp', 'soak-api.log');
  const api = await startApi({ port, logFile });
  process.stderr.write(`soak: API pid ${api.pid} ready at ${api.base}; ${minutes} min at ${rate} req/s, concurrency ${concurrency}\n`);

  let requests = 0;
  let errors = 0;
  let skipped = 0;
  let inFlight = 0;
  const errorSamples: string[] = [];
  const latencies: number[] = [];
  const fail = (what: string) => {
    errors++;
    if (errorSamples.length < 20) errorSamples.push(what.slice(0, 300));
  };
  const send = async (query: string, variables: Record<string, unknown>, user: string | null) => {
    const t0 = performance.now();
    try {
      const res = await fetch(`${api.base}/graphql`, {
        method: 'POST', signal: AbortSignal.timeout(30_000),
        headers: { 'content-type': 'application/json', ...(user ? { authorization: `Bearer ${tokens.get(user)}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      const text = await res.text();
      if (res.status !== 200) fail(`HTTP ${res.status}: ${text}`);
      else {
        const body = JSON.parse(text) as { errors?: unknown[] };
        if (body.errors?.length) fail(JSON.stringify(body.errors));
      }
    } catch (err) {
      fail(`transport: ${(err as Error).message}`);
    } finally {
      requests++;
      latencies.push(performance.now() - t0);
    }
  };
  const one = () => {
    const r = rnd();
    const user = pick(users);
    if (r < 0.7) return send(RECS, { userId: user, first: pick([10, 20, 20, 50]), context: pick(CONTEXTS) }, user);
    if (r < 0.8) return send(SIMILAR, { itemId: pick(items) }, null);
    if (r < 0.85) return send(ITEM, { id: pick(items) }, null);
    if (r < 0.9) return send(USER, { id: user }, user);
    if (r < 0.98) {
      return send(RECORD, { input: { userId: user, itemId: pick(items), kind: pick(KINDS), idempotencyKey: `soak-${Date.now()}-${Math.floor(rnd() * 1e9)}` } }, user);
    }
    return send(MODEL, {}, null);
  };

  const samples: ({ minute: number; rssMb: number; requests: number; errors: number; p99Ms: number; loadavg1: number } & MemoryBreakdown)[] = [];
  const t0 = Date.now();
  const endAt = t0 + minutes * 60_000;
  let warmupEnd: { minute: number; by: string } | null = null;
  const bar = startProgress('soak', Math.round(minutes * 60), 's');
  const sample = async () => {
    const sorted = latencies.splice(0).sort((a, b) => a - b);
    const minute = Math.round((Date.now() - t0) / 600) / 100;
    const memory = await memoryBreakdown(api.base, api.pid);
    samples.push({ minute, rssMb: api.rssMb(), requests, errors, p99Ms: Math.round(sorted[Math.floor(sorted.length * 0.99)] ?? 0), loadavg1: Math.round(os.loadavg()[0] * 100) / 100, ...memory });
    const last = samples[samples.length - 1];
    // full: within 1% of the cap (the log forgets whole users' lists, so the count stays just under it once full)
    const full = last.exposureRecentEntries !== null && last.exposureRecentMax !== null && last.exposureRecentMax > 0 && last.exposureRecentEntries >= 0.99 * last.exposureRecentMax;
    if (warmupEnd === null && minute >= warmupMinutes && full) warmupEnd = { minute, by: `${warmupMinutes} min passed and the recent exposures reached their cap (${last.exposureRecentMax})` };
    else if (warmupEnd === null && minute >= minutes / 2) warmupEnd = { minute, by: 'half the run passed (the recent exposures had not reached their cap)' };
    bar.update(Math.round((Date.now() - t0) / 1000), {});
  };
  await sample();
  const sampler = setInterval(() => void sample(), 30_000);
  const interval = 1000 / rate;
  let next = performance.now();
  const pending = new Set<Promise<void>>();
  while (Date.now() < endAt) {
    next += interval;
    if (inFlight >= concurrency) skipped++;
    else {
      inFlight++;
      const p: Promise<void> = one().finally(() => {
        inFlight--;
        pending.delete(p);
      });
      pending.add(p);
    }
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await Promise.allSettled([...pending]);
  clearInterval(sampler);
  await sample();
  bar.stop();
  await api.stop();
  const w = (warmupEnd as { minute: number; by: string } | null) ?? { minute: minutes / 2, by: 'no sample after half the run' };
  const endMinute = samples[samples.length - 1].minute;
  const afterWarmup = samples.filter((x) => x.minute >= w.minute && x.minute <= w.minute + windowMinutes);
  const atEnd = samples.filter((x) => x.minute >= endMinute - windowMinutes);
  const rssMbAfterWarmup = median(afterWarmup.map((x) => x.rssMb));
  const rssMbAtEnd = median(atEnd.map((x) => x.rssMb));
  const window = (xs: typeof samples) => ({
    fromMinute: xs[0]?.minute ?? null, toMinute: xs[xs.length - 1]?.minute ?? null, samples: xs.length, rssMbMedian: median(xs.map((x) => x.rssMb)),
    rssMbMax: Math.max(...xs.map((x) => x.rssMb)), heapUsedMbMin: Math.min(...xs.map((x) => x.heapUsedMb ?? Infinity)),
    outsideMainHeapMbMedian: median(xs.flatMap((x) => (x.outsideMainHeapMb === null ? [] : [x.outsideMainHeapMb]))),
  });
  const realMinutes = Math.round((Date.now() - t0) / 600) / 100;
  writeResult(out, run, {
    minutes: realMinutes, requests, errors, rssMbAfterWarmup, rssMbAtEnd,
    rssChangeAfterWarmupPercent: rssMbAfterWarmup && rssMbAtEnd ? Math.round((rssMbAtEnd / rssMbAfterWarmup - 1) * 1000) / 10 : null,
    rssMbAfterWarmupSample: afterWarmup[0]?.rssMb ?? null, rssMbAtEndSample: samples[samples.length - 1].rssMb,
    warmup: { minMinutes: warmupMinutes, endedAtMinute: w.minute, endedBy: w.by }, windowMinutes,
    windows: { afterWarmup: window(afterWarmup), atEnd: window(atEnd) },
    skippedStarts: skipped, ratePerSecond: rate, concurrency,
    mix: { recommendations: 0.7, similarItems: 0.1, item: 0.05, user: 0.05, recordInteraction: 0.08, model: 0.02 },
    samples, errorSamples, startedAt: new Date(t0).toISOString(), endedAt: new Date().toISOString(),
  });
  process.stderr.write(`soak: ${requests} requests, ${errors} errors, RSS ${rssMbAfterWarmup} MB after warm-up -> ${rssMbAtEnd} MB at the end; wrote ${out}\n`);
}

main().catch((err) => {
  process.stderr.write(`soak: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
