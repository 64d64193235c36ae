/**
 * `npm run tune:serving-policy -- --out bench/results/serving-policy-validation-least-shown.json [--users N] [--points …]`: chooses the
 * re-ranking policy's defaults on validation, never on test. The validation split is the model's own
 * (src/model/split.ts validationSplit of train, fraction 0.2, the version's seed 2020: the spectrum was fitted without
 * these edges); the neighbourhood term runs over the fit split's normalised graph, so no validation edge is on a path.
 * For every grid point the same seeded sequence of validation users is served through the serving code
 * (retrieval.retrieve, then ServingPolicy.rank with exposures counted in memory, as the server counts them), and
 * Recall@20 / distinct items shown are compared with the policy off. A point (`name=value,…`) sets policy settings
 * over the neutral policy with negativeFeedback 0.5, and `candidates`, the ServingOptions.policyCandidates the engine
 * hands the policy (how deep the least-shown slots reach). The chosen point: most distinct items shown
 * with Recall@20 at least `--min-recall` (default 0.97) of the policy off.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { createExecutor } from '../src/db/executor';
import { createLogger } from '../src/log';
import { ModelScorer, rowOf } from '../src/model/scorer';
import { normalizeInteractions } from '../src/model/spectral';
import { seededRandom } from '../src/random';
import { validationSplit } from '../src/model/split';
import { evaluate } from '../src/model/evaluate';
import { startProgress } from '../src/progress';
import { ServingEngine, DEFAULT_SERVING } from '../src/serving/servingEngine';
import { NEUTRAL_POLICY, POLICY_SETTING_NAMES, policyReranks, ServingPolicy } from '../src/serving/servingPolicy';
import { ExposureLog } from '../src/serving/exposures';
import type { ModelState } from '../src/serving/modelState';
import { retrieve } from '../src/serving/retrieval';
import type { PolicySettings } from '../src/config';
import { intOption, numberOption } from '../src/cli/args';
import { benchRecord, startRun, writeResult } from './result';

const K = 20;
const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

/** `name=value,…;…` → grid points: policy settings over the neutral policy with negativeFeedback 0.5, and policyCandidates. */
function parsePoints(text: string): { settings: PolicySettings; policyCandidates: number }[] {
  const names = [...POLICY_SETTING_NAMES, 'candidates'];
  return text.split(';').map((point) => {
    const settings: PolicySettings = { ...NEUTRAL_POLICY, negativeFeedback: 0.5 };
    let policyCandidates = DEFAULT_SERVING.policyCandidates;
    for (const pair of point.split(',')) {
      const [name, raw, extra] = pair.split('=');
      const x = Number(raw);
      if (!names.includes(name) || extra !== undefined || raw === undefined || raw.trim() === '') {
        throw new Error(`tune: --points: "${pair}" in "${point}" must be name=value with name one of ${names.join(', ')}`);
      }
      if (name === 'candidates') {
        if (!(Number.isInteger(x) && x >= 1 && x <= 5000)) throw new Error(`tune: --points: candidates must be an integer in [1, 5000], got ${raw}`);
        policyCandidates = x;
      } else {
        if (!(x >= 0 && x <= 1)) throw new Error(`tune: --points: ${name} must be a number in [0, 1], got ${raw}`);
        settings[name as keyof PolicySettings] = x;
      }
    }
    return { settings, policyCandidates };
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    out: { type: 'string' }, users: { type: 'string', default: '3000' }, 'min-recall': { type: 'string', default: '0.97' },
    // name=value,…;… over the neutral policy with negativeFeedback 0.5: any policy setting, and `candidates` (the
    // serving option policyCandidates, default DEFAULT_SERVING's)
    points: { type: 'string', default: 'leastShown=0.05;leastShown=0.1;leastShown=0.05,candidates=400;leastShown=0.1,candidates=400' },
  } });
  const nUsers = intOption('users', values.users, { min: 100 })!;
  const minRecall = numberOption('min-recall', values['min-recall'], { above: 0, max: 1 })!;
  const run = startRun('npm run tune:serving-policy --');
  const t0 = Date.now();
  const config = loadConfig();
  const log = createLogger('warn');
  const db = createExecutor(config);
  const engine = new ServingEngine(db, log);
  const s = await engine.state();
  const p = s.model.params;
  const { fit, validation } = validationSplit(s.rows, { fraction: 0.2, seed: 2020 });
  const num = (k: string, d: number) => (typeof p[k] === 'number' ? (p[k] as number) : d);
  const v: ModelState = { ...s, rows: fit, scorer: new ModelScorer({ ...s.scorer.parts, itemFactors: s.scorer.factorRows(Int32Array.from({ length: s.matrix.basisItems }, (_, j) => j)), norm: normalizeInteractions(fit, num('userExponent', 0.5), num('itemExponent', 0.5)) }) };
  const n = s.matrix.basisItems;
  const candidates: number[] = [];
  for (let u = 0; u < fit.rows; u++) if (validation.indptr[u + 1] > validation.indptr[u] && fit.indptr[u + 1] > fit.indptr[u]) candidates.push(u);
  const rand = seededRandom(7);
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
  }
  const users = candidates.slice(0, nUsers);
  const data = { numUsers: fit.rows, numItems: n, train: fit, test: validation };

  async function point(settings: PolicySettings, policyCandidates: number) {
    const policy = new ServingPolicy(db, log, settings, new ExposureLog(db, log, { flushMs: 2 ** 31 - 1, batchRows: 1e9, bufferMax: 1e9, pruneEveryMs: 2 ** 31 - 1 }));
    const count = policyReranks(settings, 0) ? Math.max(K, policyCandidates) : K;
    const pages = new Map<number, Int32Array>();
    const allowed = new Uint8Array(n);
    const bar = startProgress('policy point', users.length, 'users');
    for (const u of users) {
      const row = rowOf(fit, u);
      allowed.fill(1);
      for (const j of row.indices) allowed[j] = 0;
      const top = await retrieve(v, row, count, allowed);
      const ranked = await policy.rank({
        first: K, userId: s.userIds[u], policy: { seed: u }, model: s.model, matrix: s.matrix, negatives: [], categories: [],
        scored: top.map((r) => ({ id: s.matrix.ids[r.row], score: r.score, breakdown: { embedding: r.embedding, graph: r.graph, context: 0, popularity: 0, exploration: 0 } })),
      });
      policy.finish(ranked, { userId: s.userIds[u], modelVersion: s.model.version, coldStart: false, items: ranked.page.map((x, k) => ({ itemId: x.id, rank: k + 1, score: x.score, breakdown: x.breakdown, reasons: [] })) });
      pages.set(u, Int32Array.from(ranked.page, (x) => s.matrix.index.get(x.id)!));
      bar.increment();
    }
    bar.stop();
    const m = await evaluate({
      scoreUsers: (batch: Int32Array, out: Float32Array) => {
        out.fill(-Infinity);
        batch.forEach((u, q) => pages.get(u)?.forEach((j, r) => { out[q * n + j] = K - r; }));
      },
    }, data, { ks: [K], auc: 'none', users: Int32Array.from(users).sort(), batchSize: 512 });
    const distinct = new Set<number>();
    for (const pg of pages.values()) for (const j of pg) distinct.add(j);
    return { recall20: round(m.atK[K].recall), ndcg20: round(m.atK[K].ndcg), coverage20: distinct.size };
  }

  const points = parsePoints(values.points!);
  const off = await point(NEUTRAL_POLICY, DEFAULT_SERVING.policyCandidates);
  const grid: { settings: PolicySettings; policyCandidates: number; recall20: number; ndcg20: number; coverage20: number; recallOfOff: number; coverageOfOff: number }[] = [];
  for (const { settings, policyCandidates } of points) {
    const r = await point(settings, policyCandidates);
    grid.push({ settings, policyCandidates, ...r, recallOfOff: round(r.recall20 / off.recall20), coverageOfOff: round(r.coverage20 / off.coverage20) });
    process.stderr.write(JSON.stringify(grid[grid.length - 1]) + '\n');
  }
  const ok = grid.filter((g) => g.recallOfOff >= minRecall);
  const chosen = ok.sort((a, b) => b.coverage20 - a.coverage20)[0] ?? null;
  const body = {
    benchmark: 're-ranking policy defaults chosen on the model\'s validation split (never test)',
    model: { version: s.model.version },
    validation: { split: 'validationSplit(train, fraction 0.2, seed 2020), the neighbourhood term over the fit split', users: users.length },
    rule: `most distinct items shown with Recall@20 >= ${minRecall} of the policy off`,
    policyOff: off,
    grid,
    chosen,
    seconds: round((Date.now() - t0) / 1000, 1),
  };
  process.stdout.write(JSON.stringify(values.out ? writeResult(values.out, run, body) : benchRecord(run, body), null, 2) + '\n');
  await db.close();
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`tune:serving-policy: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
