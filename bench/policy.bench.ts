/**
 * Offline evaluation of the exploration/exploitation policy (issue 5):
 *
 *   npm run bench:policy -- --dataset <dir|synthetic> --out bench/results/policy-<name>.json
 *                           [--context] [--users N] [--candidates N] [--seed S]
 *
 * Fits a scorer once (GF-CF, src/model/gfcf.ts on 64 dims), takes each evaluated request's top-N candidates
 * (train items excluded), re-ranks them with src/policy/rerank.ts for every setting of a diversity × exploration
 * grid and records Recall@20, NDCG@20, coverage@20, ILD@20, novelty@20 and the Gini index of exposure per
 * setting. Exposure counts for Thompson sampling come from the simulated serving log of the sweep itself
 * (requests served in a seeded random order; every page adds to its items' exposures); feedback is 0 offline
 * (held-out items are never fed back, so later requests cannot learn the test set).
 *
 * The default setting is chosen on a validation split carved from train (src/model/split.ts), never on test:
 * the highest validation Recall@20 among settings with Recall@20 ≥ 95% of pure exploitation and coverage ≥ 1.6×
 * (a margin over the 1.5× target, falling back to 1.5×, then to the widest coverage within 5%). Test numbers are
 * then reported for every setting.
 *
 * --dataset synthetic uses the seeded synthetic graph with a temporal split (train on the past, test on the
 * future). --context (synthetic only) makes every held-out interaction's context the request context: requests
 * are (user, context) groups, the score adds weight × the item's context lift (src/model/contextLift.ts, from
 * POPULAR_IN counts of train only), the weight is chosen on validation, and context-aware vs context-free Recall@20
 * is reported on the same requests.
 */
import { parseArgs } from 'node:util';
import { csrFromCoo, type Csr } from '../src/graph/csr';
import { loadInteractionFiles } from '../src/graph/files';
import { isPositiveKind } from '../src/graph/weights';
import { generateSynthetic, syntheticToHeteroGraph, type SyntheticData } from '../src/import/synthetic';
import { createLogger } from '../src/log';
import { validationSplit } from '../src/model/split';
import { topK } from '../src/model/topk';
import type { ContextKey } from '../src/graph/types';
import { ContextLift } from '../src/model/contextLift';
import { plotFrontier } from './frontierPlot';
import { categoryIntraListDiversity, coverageAtK, exposureCounts, gini, intraListDiversity, ndcgAtK, noveltyAtK, recallAtK } from '../src/model/metrics';
import { GfcfRecommender } from '../src/model/gfcf';
import { seededRandom } from '../src/random';
import { rerank, type RerankCandidate } from '../src/policy/rerank';
import { startProgress } from '../src/progress';
import { intOption } from '../src/cli/args';
import { startRun, writeResult } from './result';

const log = createLogger().child({ component: 'bench:policy' });
const K = 20;
const DIVERSITY = [0, 0.1, 0.2, 0.3, 0.5];
const EXPLORATION = [0, 0.05, 0.1, 0.2];
const LEAST_SHOWN = [0, 0.05, 0.1, 0.15];
const CONTEXT_WEIGHTS = [0, 0.05, 0.1, 0.2, 0.3, 0.5, 1];

interface Args {
  dataset: string;
  out: string;
  context: boolean;
  users: number;
  candidates: number;
  seed: number;
}

function parseBenchArgs(argv: string[]): Args {
  const { values: v } = parseArgs({ args: argv, strict: true, options: {
    dataset: { type: 'string' }, out: { type: 'string' }, context: { type: 'boolean', default: false },
    users: { type: 'string' }, candidates: { type: 'string' }, seed: { type: 'string' },
  } });
  if (!v.dataset) throw new Error('bench:policy: --dataset <dir|synthetic> is required');
  if (!v.out) throw new Error('bench:policy: --out <file.json> is required');
  if (v.context && v.dataset !== 'synthetic') throw new Error(`bench:policy: --context needs --dataset synthetic (the only data with per-interaction contexts), got ${v.dataset}`);
  return {
    dataset: v.dataset, out: v.out, context: v.context!, users: intOption('users', v.users, { min: 1 }) ?? 3000,
    candidates: intOption('candidates', v.candidates, { min: 1 }) ?? 200, seed: intOption('seed', v.seed, { min: 1 }) ?? 2020,
  };
}

/** One evaluated request: a user, the items that count as hits, and the request context (column indices). */
interface Request {
  user: number;
  relevant: Set<number>;
  contexts?: number[];
  contextKey?: string;
}

/** A request with its scored candidates, ready for re-ranking. */
interface Prepared {
  request: Request;
  items: Int32Array;
  candidates: RerankCandidate[];
}

interface SettingResult {
  diversity: number;
  exploration: number;
  leastShown: number;
  recall20: number;
  ndcg20: number;
  coverage20: number;
  ild20: number;
  novelty20: number;
  gini: number;
  ildCategory20?: number;
  explorationShare: number;
}

/** The data of one phase (validation or test): what the scorer is fitted on, what is excluded, what is asked. */
interface Phase {
  name: 'validation' | 'test';
  fit: Csr;
  requests: Request[];
  itemContext?: Csr;
}

function rowSet(csr: Csr, u: number): Set<number> {
  return new Set(csr.indices.subarray(csr.indptr[u], csr.indptr[u + 1]));
}

/** A seeded sample of at most `max` values, sorted. */
function sample<T>(values: T[], max: number, seed: number): T[] {
  if (values.length <= max) return values;
  const rand = seededRandom(seed);
  const a = [...values];
  for (let k = 0; k < max; k++) {
    const j = k + Math.floor(rand() * (a.length - k));
    [a[k], a[j]] = [a[j], a[k]];
  }
  return a.slice(0, max);
}

function userRequests(target: Csr, max: number, seed: number): Request[] {
  const users: number[] = [];
  for (let u = 0; u < target.rows; u++) if (target.indptr[u + 1] > target.indptr[u]) users.push(u);
  return sample(users, max, seed).sort((a, b) => a - b).map((user) => ({ user, relevant: rowSet(target, user) }));
}

/** Scores and candidates of every request; `contextWeight` > 0 adds weight × the context lift to the normalised score. */
async function prepare(
  scorer: GfcfRecommender,
  embeddings: { dims: number; vectors: Float32Array },
  phase: Phase,
  numItems: number,
  n: number,
  popularity: Float64Array,
  itemCategories: string[][] | undefined,
  contextLift: ContextLift | undefined,
  contextWeight: number,
): Promise<Prepared[]> {
  const row = new Float32Array(numItems);
  const liftCache = new Map<string, Float32Array>();
  const idx = new Int32Array(n);
  const top = new Float32Array(n);
  const { dims, vectors } = embeddings;
  const out: Prepared[] = [];
  let lastUser = -1;
  const base = new Float32Array(numItems);
  const bar = startProgress(`candidates (${phase.name})`, phase.requests.length, 'requests');
  for (const request of phase.requests) {
    if (request.user !== lastUser) {
      await scorer.scoreUsers(Int32Array.of(request.user), base);
      for (let k = phase.fit.indptr[request.user]; k < phase.fit.indptr[request.user + 1]; k++) base[phase.fit.indices[k]] = -Infinity;
      let max = 0;
      for (let i = 0; i < numItems; i++) if (base[i] > max) max = base[i];
      if (max > 0) for (let i = 0; i < numItems; i++) base[i] /= max;
      lastUser = request.user;
    }
    row.set(base);
    if (contextLift && contextWeight > 0 && request.contexts) {
      let lift = liftCache.get(request.contextKey!);
      if (!lift) {
        lift = new Float32Array(numItems);
        contextLift.scoreAll(request.contexts, lift);
        liftCache.set(request.contextKey!, lift);
      }
      for (let i = 0; i < numItems; i++) row[i] += contextWeight * lift[i];
    }
    const got = topK(row, 0, numItems, n, idx, top);
    const items = idx.slice(0, got);
    const candidates: RerankCandidate[] = Array.from(items, (i, r) => ({
      id: String(i),
      score: top[r],
      embedding: vectors.subarray(i * dims, (i + 1) * dims),
      categories: itemCategories?.[i],
      popularity: popularity[i],
      exposures: 0,
      feedback: 0,
    }));
    out.push({ request, items, candidates });
    bar.increment();
  }
  bar.stop();
  return out;
}

/** Re-ranks every prepared request under one setting, simulating the exposure log, and measures the lists. */
function runSetting(
  prepared: Prepared[],
  diversity: number,
  exploration: number,
  leastShown: number,
  ctx: { numItems: number; numUsers: number; popularity: Float64Array; embeddings: Float32Array; dims: number; itemCategoryIdx?: number[][]; seed: number },
): SettingResult {
  const exposures = new Float64Array(ctx.numItems);
  const order = sample(prepared.map((_, k) => k), prepared.length, ctx.seed);
  const lists: Int32Array[] = new Array(prepared.length);
  let recall = 0;
  let ndcg = 0;
  let explored = 0;
  let shown = 0;
  for (const k of order) {
    const p = prepared[k];
    for (let r = 0; r < p.items.length; r++) p.candidates[r].exposures = exposures[p.items[r]];
    const page = rerank(p.candidates, {
      pageSize: K, diversity, exploration, leastShown, seed: ctx.seed * 7919 + k,
    });
    const list = Int32Array.from(page.slots, (s) => p.items[s.candidate]);
    for (const i of list) exposures[i]++;
    lists[k] = list;
    recall += recallAtK(list, p.request.relevant, K);
    ndcg += ndcgAtK(list, p.request.relevant, K);
    explored += page.explorationSlots;
    shown += page.slots.length;
  }
  const m = prepared.length;
  return {
    diversity,
    exploration,
    leastShown,
    recall20: recall / m,
    ndcg20: ndcg / m,
    coverage20: coverageAtK(lists, ctx.numItems, K),
    ild20: intraListDiversity(lists, ctx.embeddings, ctx.dims, K),
    ...(ctx.itemCategoryIdx ? { ildCategory20: categoryIntraListDiversity(lists, ctx.itemCategoryIdx, K) } : {}),
    novelty20: noveltyAtK(lists, ctx.popularity, ctx.numUsers, K),
    gini: gini(exposureCounts(lists, ctx.numItems, K)),
    explorationShare: shown ? explored / shown : 0,
  };
}

function sweep(prepared: Prepared[], label: string, ctx: Parameters<typeof runSetting>[4]): SettingResult[] {
  const results: SettingResult[] = [];
  const bar = startProgress(`sweep (${label})`, DIVERSITY.length * EXPLORATION.length * LEAST_SHOWN.length, 'settings');
  for (const d of DIVERSITY) {
    for (const e of EXPLORATION) {
      for (const x of LEAST_SHOWN) {
        results.push(runSetting(prepared, d, e, x, ctx));
        bar.increment();
      }
    }
  }
  bar.stop();
  return results;
}

function isPureExploitation(r: SettingResult): boolean {
  return r.diversity === 0 && r.exploration === 0 && r.leastShown === 0;
}

function sameSetting(a: { diversity: number; exploration: number; leastShown: number }, b: { diversity: number; exploration: number; leastShown: number }): boolean {
  return a.diversity === b.diversity && a.exploration === b.exploration && a.leastShown === b.leastShown;
}

/** The default rule of issue 5, applied to validation results (see the module comment). */
function chooseDefault(results: SettingResult[]): { diversity: number; exploration: number; leastShown: number; rule: string } {
  const base = results.find(isPureExploitation)!;
  const within = results.filter((r) => r.recall20 >= 0.95 * base.recall20);
  for (const factor of [1.6, 1.5]) {
    const ok = within.filter((r) => r.coverage20 >= factor * base.coverage20);
    if (ok.length) {
      const best = ok.sort((a, b) => b.recall20 - a.recall20 || b.coverage20 - a.coverage20)[0];
      return { diversity: best.diversity, exploration: best.exploration, leastShown: best.leastShown, rule: `highest validation Recall@20 with Recall@20 >= 0.95x and coverage@20 >= ${factor}x pure exploitation` };
    }
  }
  const best = within.sort((a, b) => b.coverage20 - a.coverage20 || b.recall20 - a.recall20)[0];
  return { diversity: best.diversity, exploration: best.exploration, leastShown: best.leastShown, rule: 'no setting reached 1.5x coverage within 5% Recall@20 on validation: widest coverage within 5%' };
}

/** Item–context counts from the positive interactions that `keep` admits (a train-only POPULAR_IN). */
function itemContextFrom(data: SyntheticData, itemIndex: Map<string, number>, ctxIndex: Map<string, number>, keep: (u: number, i: number, at: number) => boolean, userIndex: Map<string, number>): Csr {
  const r: number[] = [];
  const c: number[] = [];
  for (const e of data.interactions) {
    if (!isPositiveKind(e.kind) || !(e.weight > 0)) continue;
    const u = userIndex.get(e.userId)!;
    const i = itemIndex.get(e.itemId)!;
    if (!keep(u, i, e.at)) continue;
    for (const x of e.contexts) {
      const col = ctxIndex.get(`${x.kind}:${x.value}`);
      if (col !== undefined) {
        r.push(i);
        c.push(col);
      }
    }
  }
  return csrFromCoo(itemIndex.size, ctxIndex.size, Int32Array.from(r), Int32Array.from(c));
}

/** (user, context) requests from the pairs in `target`, each pair with the context of its first interaction admitted by `when`. */
function contextRequests(data: SyntheticData, target: Csr, userIndex: Map<string, number>, itemIndex: Map<string, number>, ctxIndex: Map<string, number>, when: (at: number) => boolean): Request[] {
  const firstContext = new Map<number, ContextKey[]>();
  const nI = target.cols;
  const pairs = new Set<number>();
  for (let u = 0; u < target.rows; u++) for (let k = target.indptr[u]; k < target.indptr[u + 1]; k++) pairs.add(u * nI + target.indices[k]);
  for (const e of data.interactions) {
    if (!isPositiveKind(e.kind) || !(e.weight > 0) || !when(e.at)) continue;
    const key = userIndex.get(e.userId)! * nI + itemIndex.get(e.itemId)!;
    if (pairs.has(key) && !firstContext.has(key)) firstContext.set(key, e.contexts);
  }
  const groups = new Map<string, Request>();
  for (const key of [...pairs].sort((a, b) => a - b)) {
    const contexts = firstContext.get(key);
    if (!contexts) continue;
    const user = Math.floor(key / nI);
    const cols = contexts.map((x) => ctxIndex.get(`${x.kind}:${x.value}`)).filter((x): x is number => x !== undefined).sort((a, b) => a - b);
    const contextKey = cols.join(',');
    const g = `${user}|${contextKey}`;
    let req = groups.get(g);
    if (!req) {
      req = { user, relevant: new Set(), contexts: cols, contextKey };
      groups.set(g, req);
    }
    req.relevant.add(key % nI);
  }
  return [...groups.values()].sort((a, b) => a.user - b.user || (a.contextKey! < b.contextKey! ? -1 : 1));
}

function popularityOf(csr: Csr): Float64Array {
  const pop = new Float64Array(csr.cols);
  for (let k = 0; k < csr.indices.length; k++) pop[csr.indices[k]]++;
  return pop;
}

function exploitRecall(prepared: Prepared[]): { recall20: number; ndcg20: number } {
  let recall = 0;
  let ndcg = 0;
  for (const p of prepared) {
    const list = p.items.subarray(0, K);
    recall += recallAtK(list, p.request.relevant, K);
    ndcg += ndcgAtK(list, p.request.relevant, K);
  }
  return { recall20: recall / prepared.length, ndcg20: ndcg / prepared.length };
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  const run = startRun('npm run bench:policy --');
  const t0 = performance.now();
  let train: Csr;
  let test: Csr;
  let numUsers: number;
  let numItems: number;
  let name: string;
  let itemCategories: string[][] | undefined;
  let itemCategoryIdx: number[][] | undefined;
  let synthetic: { data: SyntheticData; userIndex: Map<string, number>; itemIndex: Map<string, number>; ctxIndex: Map<string, number>; contexts: ContextKey[]; itemContext: Csr } | undefined;
  if (args.dataset === 'synthetic') {
    const data = generateSynthetic({ seed: 42 });
    const g = syntheticToHeteroGraph(data, { split: 'temporal' });
    ({ train, numUsers, numItems, name } = g);
    test = g.test!;
    itemCategories = data.items.map((it) => it.categories);
    const catIndex = new Map(data.categories.map((c, k) => [c, k]));
    itemCategoryIdx = itemCategories.map((cs) => cs.map((c) => catIndex.get(c)!));
    synthetic = {
      data,
      userIndex: new Map(g.userIds.map((id, k) => [id, k])),
      itemIndex: new Map(g.itemIds.map((id, k) => [id, k])),
      ctxIndex: new Map(g.contexts.map((c, k) => [`${c.kind}:${c.value}`, k])),
      contexts: g.contexts,
      itemContext: g.itemContext,
    };
  } else {
    const d = loadInteractionFiles(args.dataset);
    if (!d.test) throw new Error(`bench:policy: ${args.dataset} has no test.txt; the benchmark needs held-out interactions`);
    ({ train, numUsers, numItems, name } = d);
    test = d.test;
  }
  log.info({ dataset: name, numUsers, numItems, train: train.indices.length, test: test.indices.length }, 'dataset loaded');

  const { fit, validation } = validationSplit(train, { fraction: 0.2, seed: args.seed });
  let phases: [Phase, Phase];
  let testCutAt = Infinity;
  if (args.context && synthetic) {
    const s = synthetic;
    const trainPairs = new Set<number>();
    for (let u = 0; u < train.rows; u++) for (let k = train.indptr[u]; k < train.indptr[u + 1]; k++) trainPairs.add(u * numItems + train.indices[k]);
    const fitPairs = new Set<number>();
    for (let u = 0; u < fit.rows; u++) for (let k = fit.indptr[u]; k < fit.indptr[u + 1]; k++) fitPairs.add(u * numItems + fit.indices[k]);
    // the temporal cut: the earliest interaction of a test pair
    for (const e of s.data.interactions) {
      if (!isPositiveKind(e.kind)) continue;
      const key = s.userIndex.get(e.userId)! * numItems + s.itemIndex.get(e.itemId)!;
      if (!trainPairs.has(key) && e.at < testCutAt) testCutAt = e.at;
    }
    const cut = testCutAt;
    phases = [
      {
        name: 'validation',
        fit,
        requests: sample(contextRequests(s.data, validation, s.userIndex, s.itemIndex, s.ctxIndex, (at) => at < cut), args.users, args.seed).sort((a, b) => a.user - b.user),
        itemContext: itemContextFrom(s.data, s.itemIndex, s.ctxIndex, (u, i, at) => at < cut && fitPairs.has(u * numItems + i), s.userIndex),
      },
      {
        name: 'test',
        fit: train,
        requests: sample(contextRequests(s.data, test, s.userIndex, s.itemIndex, s.ctxIndex, (at) => at >= cut), args.users, args.seed + 1).sort((a, b) => a.user - b.user),
        itemContext: s.itemContext,
      },
    ];
  } else {
    phases = [
      { name: 'validation', fit, requests: userRequests(validation, args.users, args.seed) },
      { name: 'test', fit: train, requests: userRequests(test, args.users, args.seed + 1) },
    ];
  }

  const results: Record<string, { settings: SettingResult[]; fitSeconds: number; requests: number; contextWeight?: number; contextCurve?: { weight: number; recall20: number; ndcg20: number }[]; contextFree?: { recall20: number; ndcg20: number }; contextAware?: { recall20: number; ndcg20: number } }> = {};
  let chosen: ReturnType<typeof chooseDefault> | undefined;
  let contextWeight = 0;
  for (const phase of phases) {
    const scorer = new GfcfRecommender({ k: 64, alpha: 0.3 });
    const { trainSeconds: fitSeconds } = await scorer.fit({ name: phase.name, numUsers, numItems, train: phase.fit }, { seed: args.seed });
    const embeddings = scorer.itemEmbeddings();
    log.info({ phase: phase.name, fitSeconds, requests: phase.requests.length }, 'scorer fitted');
    const popularity = popularityOf(phase.fit);
    const lift = phase.itemContext && synthetic ? new ContextLift(phase.itemContext, synthetic.contexts) : undefined;
    const entry: (typeof results)[string] = { settings: [], fitSeconds, requests: phase.requests.length };
    if (lift) {
      if (phase.name === 'validation') {
        entry.contextCurve = [];
        for (const w of CONTEXT_WEIGHTS) {
          const m = exploitRecall(await prepare(scorer, embeddings, phase, numItems, K, popularity, itemCategories, lift, w));
          entry.contextCurve.push({ weight: w, ...m });
        }
        contextWeight = entry.contextCurve.reduce((a, b) => (b.recall20 > a.recall20 ? b : a)).weight;
        log.info({ curve: entry.contextCurve, contextWeight }, 'context weight chosen on validation');
      }
      entry.contextWeight = contextWeight;
      entry.contextFree = exploitRecall(await prepare(scorer, embeddings, phase, numItems, K, popularity, itemCategories, lift, 0));
    }
    const prepared = await prepare(scorer, embeddings, phase, numItems, args.candidates, popularity, itemCategories, lift, contextWeight);
    if (lift) entry.contextAware = exploitRecall(prepared);
    entry.settings = sweep(prepared, phase.name, {
      numItems, numUsers, popularity, embeddings: embeddings.vectors, dims: embeddings.dims, itemCategoryIdx, seed: args.seed,
    });
    results[phase.name] = entry;
    if (phase.name === 'validation') {
      chosen = chooseDefault(entry.settings);
      log.info(chosen, 'default chosen on validation');
    }
  }

  const testSettings = results.test.settings;
  const base = testSettings.find(isPureExploitation)!;
  const def = testSettings.find((r) => sameSetting(r, chosen!))!;
  const summary = {
    pureExploitation: { recall20: base.recall20, coverage20: base.coverage20 },
    atDefault: { recall20: def.recall20, coverage20: def.coverage20 },
    recallRatio: def.recall20 / base.recall20,
    coverageRatio: def.coverage20 / base.coverage20,
    meetsTarget: def.recall20 >= 0.95 * base.recall20 && def.coverage20 >= 1.5 * base.coverage20,
  };
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const note = `Default (chosen on validation): diversity ${def.diversity}, exploration ${def.exploration}, leastShown ${def.leastShown}. `
    + `On test it keeps Recall@20 ${def.recall20.toFixed(4)} = ${pct(summary.recallRatio)} of pure exploitation's ${base.recall20.toFixed(4)} `
    + `while catalogue coverage@20 is ${def.coverage20.toFixed(4)} = ${summary.coverageRatio.toFixed(2)}x pure exploitation's ${base.coverage20.toFixed(4)} `
    + `(target: recall >= 95%, coverage >= 1.5x: ${summary.meetsTarget ? 'met' : 'not met'}).`;
  const outJson = writeResult(args.out, run, {
    dataset: name,
    default: { diversity: chosen!.diversity, exploration: chosen!.exploration, leastShown: chosen!.leastShown },
    defaultRule: chosen!.rule,
    scorer: 'GF-CF (normalised item-item filter + 0.3 x 64-dim spectral low-pass), src/model/gfcf.ts',
    protocol: {
      k: K,
      candidatesPerRequest: args.candidates,
      requests: `${results.test.requests} test requests${args.context ? ' ((user, context) groups of held-out interactions)' : ' (users with held-out items)'}, seeded sample of at most ${args.users}`,
      split: args.dataset === 'synthetic' ? 'synthetic seed 42, 2,000 users, temporal: the last 20% of positive interactions by time are test' : 'the dataset\'s train.txt / test.txt',
      validation: 'validationSplit(train, fraction 0.2, seed) from src/model/split.ts; the scorer is refitted on the remaining 80% to choose the default (and the context weight)',
      exposures: 'simulated serving log: requests served in a seeded random order, each page adds 1 exposure to its items; feedback 0 (no held-out item is fed back)',
      grid: { diversity: DIVERSITY, exploration: EXPLORATION, leastShown: LEAST_SHOWN },
      pureExploitation: 'diversity 0, exploration 0, leastShown 0: the scorer\'s top 20',
      leastShown: 'the last round(leastShown x 20) slots go to the candidates with the fewest exposures in the simulated serving log (ties by score)',
      novelty: 0,
      maxCategoryShare: 1,
      ild20: 'mean pairwise 1 - cosine of the scorer\'s item embeddings (singular vectors x singular values)' + (itemCategoryIdx ? '; ildCategory20: mean pairwise 1 - Jaccard of categories' : ''),
      novelty20: 'mean self-information -log2(max(pop,1)/numUsers), pop = train users of the item',
      gini: 'Gini index of item exposure over the whole catalogue (never-shown items count 0) over all test requests\' top 20',
    },
    summary,
    note,
    ...(args.context ? {
      context: {
        weight: contextWeight,
        validationCurve: results.validation.contextCurve,
        test: { contextFree: results.test.contextFree, contextAware: results.test.contextAware },
        note: `Same ${results.test.requests} (user, context) test requests, pure exploitation: context-aware Recall@20 ${results.test.contextAware!.recall20.toFixed(4)} `
          + `vs context-free ${results.test.contextFree!.recall20.toFixed(4)} (${(100 * (results.test.contextAware!.recall20 / results.test.contextFree!.recall20 - 1)).toFixed(1)}% relative), `
          + `NDCG@20 ${results.test.contextAware!.ndcg20.toFixed(4)} vs ${results.test.contextFree!.ndcg20.toFixed(4)}; context weight ${contextWeight} chosen on validation.`,
        term: 'score = GF-CF score / the user\'s best candidate score + weight x sum over request contexts of log(smoothed P(context | item) / P(context)) from train POPULAR_IN counts (src/model/contextLift.ts)',
      },
    } : {}),
    settings: testSettings,
    validation: { settings: results.validation.settings, requests: results.validation.requests },
    seconds: (performance.now() - t0) / 1000,
  });
  const png = args.out.replace(/\.json$/, '') + '.png';
  await plotFrontier(png, `Accuracy-coverage frontier, ${name}${args.context ? ', context-aware' : ''} (test, ${results.test.requests} requests)`, testSettings, chosen!);
  log.info({ out: args.out, png, summary, ...(args.context ? { context: outJson.context?.test } : {}) }, 'policy benchmark written');
}

main().catch((err) => {
  log.error({ err }, 'bench:policy failed');
  process.exitCode = 1;
});
