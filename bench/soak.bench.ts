/**
 * Soak: the API (as `npm start` runs it, in a child process) under a modest fixed load for a long time, its
 * resident memory sampled every 30 s, every error counted.
 *
 *   npm run soak -- --minutes 60 [--rate 25] [--concurrency 4] [--warmup-minutes 5] [--port 4100] [--out bench/results/soak.json]
 *
 * The load: requests started at a fixed rate (at most `concurrency` in flight; a request that cannot start on
 * time is skipped and counted), a mix of what clients send: recommendations (70%, random users with their own
 * tokens, varying page size and context), similarItems (10%), item and user lookups (10%), recordInteraction
 * with an idempotency key (8%) and model (2%). Errors: transport failures, non-200 answers and GraphQL
 * `errors`. Writes { minutes, requests, errors, rssMbAfterWarmup, rssMbAtEnd, samples: [{ minute, rssMb,
 * requests, errors }], command, machine (with the load average at start and end), ... } to --out.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { loadConfig } from '../src/config';
import { createExecutor } from '../src/db/executor';
import { signToken } from '../src/api/auth';
import { startProgress } from '../src/progress';
import { seededRandom } from '../src/random';
import { PROJECT_ROOT } from '../src/paths';
import { machine, positive, startApi } from './hostile/apiProcess';

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

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    minutes: { type: 'string' }, rate: { type: 'string' }, concurrency: { type: 'string' }, 'warmup-minutes': { type: 'string' },
    port: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' },
  } });
  const minutes = positive('minutes', values.minutes, 60);
  const rate = positive('rate', values.rate, 25);
  const concurrency = positive('concurrency', values.concurrency, 4);
  const warmupMinutes = Math.min(positive('warmup-minutes', values['warmup-minutes'], 5), minutes / 2);
  const port = positive('port', values.port, Number(process.env.PORT || 4100));
  const out = path.resolve(values.out ?? path.join(PROJECT_ROOT, 'bench', 'results', 'soak.json'));
  const command = `npm run soak -- ${process.argv.slice(2).join(' ')}`.trim();
  const config = loadConfig();
  // the code the API ran: the commit, and whether the tree had changes on top of it
  const commit = execFileSync('git', ['describe', '--always', '--dirty'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
  const rnd = seededRandom(Number(values.seed ?? 7));

  const db = createExecutor(config);
  const users = (await db.driver.executeQuery('MATCH (u:User) RETURN u.id AS id ORDER BY id LIMIT 5000', {}, { database: db.database })).records.map((r) => r.get('id') as string);
  const items = (await db.driver.executeQuery('MATCH (i:Item) RETURN i.id AS id ORDER BY id LIMIT 5000', {}, { database: db.database })).records.map((r) => r.get('id') as string);
  await db.close();
  if (users.length === 0 || items.length === 0) throw new Error('soak: the graph has no users or items (run npm start once)');
  const tokens = new Map(users.map((u) => [u, signToken({ sub: u, role: 'user' }, config.jwtSecret, '1d')]));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

  const logFile = path.join(PROJECT_ROOT, 'bench', 'tmp', 'soak-api.log');
  const loadAtStart = machine();
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

  const samples: { minute: number; rssMb: number; requests: number; errors: number; p99Ms: number; loadavg1: number }[] = [];
  const t0 = Date.now();
  const endAt = t0 + minutes * 60_000;
  let rssMbAfterWarmup: number | null = null;
  const bar = startProgress('soak', Math.round(minutes * 60), 's');
  const sample = () => {
    const sorted = latencies.splice(0).sort((a, b) => a - b);
    const minute = Math.round((Date.now() - t0) / 600) / 100;
    samples.push({ minute, rssMb: api.rssMb(), requests, errors, p99Ms: Math.round(sorted[Math.floor(sorted.length * 0.99)] ?? 0), loadavg1: Math.round((machine().loadavg as number[])[0] * 100) / 100 });
    if (rssMbAfterWarmup === null && minute >= warmupMinutes) rssMbAfterWarmup = samples[samples.length - 1].rssMb;
    bar.update(Math.round((Date.now() - t0) / 1000), {});
  };
  sample();
  const sampler = setInterval(sample, 30_000);
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
  sample();
  bar.stop();
  const rssMbAtEnd = samples[samples.length - 1].rssMb;
  await api.stop();
  const realMinutes = Math.round((Date.now() - t0) / 600) / 100;
  const result = {
    minutes: realMinutes, requests, errors, rssMbAfterWarmup, rssMbAtEnd,
    rssChangeAfterWarmupPercent: rssMbAfterWarmup ? Math.round((rssMbAtEnd / rssMbAfterWarmup - 1) * 1000) / 10 : null,
    skippedStarts: skipped, ratePerSecond: rate, concurrency, warmupMinutes,
    mix: { recommendations: 0.7, similarItems: 0.1, item: 0.05, user: 0.05, recordInteraction: 0.08, model: 0.02 },
    samples, errorSamples, command, commit, startedAt: new Date(t0).toISOString(), endedAt: new Date().toISOString(),
    machine: { ...machine(), loadavgAtStart: loadAtStart.loadavg },
  };
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  process.stderr.write(`soak: ${requests} requests, ${errors} errors, RSS ${rssMbAfterWarmup} MB after warm-up -> ${rssMbAtEnd} MB at the end; wrote ${out}\n`);
}

main().catch((err) => {
  process.stderr.write(`soak: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
