/**
 * The ml-100k benchmark (../shared/data/ml-100k/README.md): three all-ranking evaluations at K = 20 (warm, cold
 * users, cold items; src/model/slices.ts), every baseline a row of the same run, the interest model with its
 * cold-start (src/model/coldStart.ts) and context term (src/model/contextTerm.ts), and a context on/off ablation.
 * Everything the model fits beyond the interest model itself (context weight, cold-start mixes) is fitted on a
 * validation split carved from train the way the README carved test from the data (src/model/slices.ts
 * carveColdSplit): pseudo-cold users and items and each remaining user's latest interactions. Test is used only
 * for the reported rows.
 *
 *   npm run bench:model -- --dataset ../shared/data/ml-100k --out bench/results/model-ml-100k.json [--seed 2020]
 */
import { existsSync } from 'fs';
import { join, resolve } from 'path';
import { latestEventColumns, latestPerEntry, type Csr } from '../src/graph/csr';
import {
  contextColumnsOf,
  itemGenreCsr,
  loadMl100k,
  ML100K_CONTEXTS,
  ratingsCsr,
  type Ml100kData,
  type TimedRatings,
} from '../src/graph/ml100kFiles';
import { createLogger } from '../src/log';
import { initBackend, type BackendName } from '../src/model/backend';
import { DemographicPopular, GenreProfile, RandomScores, genderAgeDecadeGroups } from '../src/model/baselines/coldStart';
import { ItemKnn } from '../src/model/baselines/itemKnn';
import { MostPopular } from '../src/model/baselines/popularity';
import {
  coldItemParts,
  ColdUserProfiles,
  coordinateSearch,
  mixColdItemScores,
  releaseYearPrior,
  scoreColdUsers,
  type ColdItemMix,
  type UserAttribute,
} from '../src/model/coldStart';
import { addContextTerm } from '../src/model/contextTerm';
import { GfcfRecommender } from '../src/model/gfcf';
import { InterestModel } from '../src/model/interestModel';
import {
  buildSlices,
  carveColdSplit,
  evaluateSlice,
  firstInteraction,
  interactionsCsr,
  type EvaluationSlice,
  type ScoreFunction,
  type SliceMetrics,
  type Slices,
} from '../src/model/slices';
import type { ContextKey, InteractionDataset } from '../src/graph/types';
import { type BenchRun, writeResult } from './result';

const log = createLogger().child({ component: 'bench:ml100k' });
const round = (x: number, d = 4) => (Number.isFinite(x) ? Number(x.toFixed(d)) : null);

/** True when `dir` holds the ml-100k split (its u.user and cold-users.txt). */
export function isMl100kFolder(dir: string): boolean {
  return existsSync(join(resolve(dir), 'u.user')) && existsSync(join(resolve(dir), 'cold-users.txt'));
}

/** Options of the ml-100k run (from bench/model.bench.ts's command line). */
export interface Ml100kBenchArgs {
  dataset: string;
  out: string;
  seed: number;
  /** The run as bench/model.bench.ts started it (command, load average at the start). */
  run: BenchRun;
}

/** A row of a slice table. */
interface Row {
  model: string;
  recall20: number | null;
  ndcg20: number | null;
  users: number;
  trainSeconds: number | null;
  params: Record<string, unknown>;
}

function row(model: string, m: SliceMetrics, trainSeconds: number | null, params: Record<string, unknown> = {}): Row {
  log.info({ model, recall20: round(m.recall20), ndcg20: round(m.ndcg20), users: m.users }, 'evaluated');
  return { model, recall20: round(m.recall20), ndcg20: round(m.ndcg20), users: m.users, trainSeconds: trainSeconds === null ? null : round(trainSeconds, 2), params };
}

/** The user attributes the cold-user profiles group by. */
function userAttributes(data: Ml100kData): UserAttribute[] {
  const ageBucket = (age: number) => (age < 18 ? 0 : age < 25 ? 1 : age < 35 ? 2 : age < 45 ? 3 : age < 50 ? 4 : age < 56 ? 5 : 6);
  return [
    { name: 'gender', groups: Int32Array.from(data.users, (u) => (u.gender === 'F' ? 1 : 0)) },
    { name: 'ageBucket', groups: Int32Array.from(data.users, (u) => ageBucket(u.age)) },
    { name: 'occupation', groups: Int32Array.from(data.users, (u) => u.occupation) },
    { name: 'genderAgeDecade', groups: genderAgeDecadeGroups(data.users) },
    { name: 'genderAgeOccupation', groups: Int32Array.from(data.users, (u) => ((u.gender === 'F' ? 1 : 0) * 7 + ageBucket(u.age)) * data.occupations.length + u.occupation) },
  ];
}

/** The request context of each user: the weekday and time of day of their first interaction among `rows`. */
function requestContexts(r: TimedRatings, rows: Int32Array, numUsers: number): (ContextKey[] | null)[] {
  const first = firstInteraction(r, rows, numUsers);
  return Array.from(first, (k) => (k < 0 ? null : contextColumnsOf(r.timestamps[k]).map((c) => ML100K_CONTEXTS[c])));
}

/** Scores of a score function for every user of a slice, cached (users × items), so that mixes are cheap to re-evaluate. */
async function cacheScores(score: ScoreFunction, users: Int32Array, numItems: number): Promise<Float32Array> {
  const out = new Float32Array(users.length * numItems);
  for (let s = 0; s < users.length; s += 128) {
    const b = users.subarray(s, s + 128);
    await score(b, out.subarray(s * numItems, (s + b.length) * numItems));
  }
  return out;
}

/** Warm scores = cached base scores + weight · lift of each user's request context. */
function withContext(base: Float32Array, slice: EvaluationSlice, numItems: number, lifts: Float32Array[], weight: number): ScoreFunction {
  const pos = new Map<number, number>();
  slice.users.forEach((u, q) => pos.set(u, q));
  return (users, out) => {
    const rows: Float32Array[] = [];
    for (let q = 0; q < users.length; q++) {
      const p = pos.get(users[q])!;
      out.set(base.subarray(p * numItems, (p + 1) * numItems), q * numItems);
      rows.push(lifts[p]);
    }
    addContextTerm(out, numItems, weight, rows);
  };
}



/** Std of all entries of an array (scale of a score part). */
function sdOf(x: Float32Array): number {
  let s = 0;
  let s2 = 0;
  for (const v of x) {
    s += v;
    s2 += v * v;
  }
  return Math.sqrt(Math.max(0, s2 / x.length - (s / x.length) ** 2)) || 1;
}

/** Per entry of `rows` (built from `r`'s ratings `which`, all by default), its rating's contexts (weekday, time of day). */
function pairContexts(rows: Csr, r: TimedRatings, which?: Int32Array): Csr | undefined {
  const k = which ?? Int32Array.from({ length: r.users.length }, (_, x) => x);
  return latestEventColumns(rows, Array.from(k, (x) => r.users[x]), Array.from(k, (x) => r.items[x]), Array.from(k, (x) => r.timestamps[x] * 1000),
    Array.from(k, (x) => contextColumnsOf(r.timestamps[x])), ML100K_CONTEXTS.length);
}

/** Per entry of `rows` (built from `r`'s ratings `which`, all by default), its rating's time in epoch ms. */
function pairTimes(rows: Csr, r: TimedRatings, which?: Int32Array): Float64Array {
  const k = which ?? Int32Array.from({ length: r.users.length }, (_, x) => x);
  return latestPerEntry(rows, Array.from(k, (x) => r.users[x]), Array.from(k, (x) => r.items[x]), Array.from(k, (x) => r.timestamps[x] * 1000));
}


const WEIGHT_STEPS = [0, 0.25, 0.5, 1, 2, 4, 8];
const POWERS = [1, 2, 4, 8];

/** Everything fitted on the validation split: the context weight and the cold-start mixes. */
interface ValidationFit {
  seconds: number;
  interestModelSeconds: number;
  split: Record<string, number>;
  coldUsers: { weights: Record<string, number>; scale: number; start: unknown; fitted: unknown; evaluations: number };
  coldItems: { mix: ColdItemMix; genreScale: number; priorScale: number; start: unknown; fitted: unknown; evaluations: number };
}

async function fitOnValidation(data: Ml100kData, train: Csr, itemGenre: Csr, releaseYear: (number | null)[], attributes: UserAttribute[], seed: number): Promise<ValidationFit> {
  const t0 = performance.now();
  const nu = data.users.length;
  const ni = data.items.length;
  const split = carveColdSplit(data.train, { seed });
  const fit = interactionsCsr(data.train, split.fit, nu, ni);
  const held = interactionsCsr(data.train, split.heldOut, nu, ni);
  const val: Slices = buildSlices(fit, held, split.coldUsers, split.coldItems);
  log.info({ fit: split.fit.length, heldOut: split.heldOut.length, pseudoColdUsers: split.coldUsers.length, pseudoColdItems: split.coldItems.length, warmUsers: val.warm.users.length, coldItemUsers: val.coldItems.users.length }, 'validation split carved from train');

  const ti = performance.now();
  const model = new InterestModel();
  const fitGraphData: InteractionDataset & { itemCategory: Csr; contexts: ContextKey[] } = {
    name: 'ml-100k validation fit', numUsers: nu, numItems: ni, train: fit, trainTimes: pairTimes(fit, data.train, split.fit),
    trainContexts: pairContexts(fit, data.train, split.fit), itemCategory: itemGenre, contexts: ML100K_CONTEXTS,
  };
  await model.fit(fitGraphData, { seed });
  const interestModelSeconds = (performance.now() - ti) / 1000;
  const scorer = model.fitted;

  // cold users: mixing weights of the pseudo-profile
  const profiles = new ColdUserProfiles(fit, attributes);
  const coldUserEval = (p: Record<string, number>) =>
    evaluateSlice((u, o) => scoreColdUsers(scorer, profiles, u, p, p.scale * profiles.medianDegree, o), val.coldUsers);
  const startUsers: Record<string, number> = { all: 1, scale: 1, ...Object.fromEntries(attributes.map((a) => [a.name, 0])) };
  const cu = await coordinateSearch(
    startUsers,
    [
      ...attributes.map((a) => ({ name: a.name, values: WEIGHT_STEPS })),
      { name: 'all', values: WEIGHT_STEPS },
      { name: 'scale', values: [1 / 16, 1 / 8, 0.25, 0.5, 1, 2, 4] },
    ],
    async (p) => (Object.entries(p).some(([k, v]) => k !== 'scale' && v > 0) ? coldUserEval(p) : { recall20: -1, ndcg20: -1, users: 0 }),
  );
  log.info({ start: cu.start, fitted: cu.fitted, params: cu.params }, 'cold-user mix fitted');

  // cold items: embedding power, genre-profile and release-year weights
  const warmItems = new Uint8Array(ni);
  for (const i of fit.indices) warmItems[i] = 1;
  const coldIdx = split.coldItems;
  const prior = releaseYearPrior(fit, releaseYear, warmItems);
  const parts = coldItemParts(scorer, scorer.basis.input ?? fit, val.coldItems.users, itemGenre, warmItems, coldIdx, POWERS, prior);
  const genreScale = sdOf(parts.spectral.get(1)!) / sdOf(parts.genre);
  const priorScale = sdOf(parts.spectral.get(1)!) / sdOf(parts.prior);
  const pos = new Map<number, number>();
  val.coldItems.users.forEach((u, q) => pos.set(u, q));
  const ci = await coordinateSearch(
    { power: 1, genre: 0, prior: 0 },
    [
      { name: 'power', values: POWERS },
      { name: 'genre', values: WEIGHT_STEPS },
      { name: 'prior', values: WEIGHT_STEPS },
    ],
    (p) =>
      evaluateSlice(
        (u, o) => mixColdItemScores(parts, Array.from(u, (x) => pos.get(x)!), coldIdx, ni, { power: p.power, genreWeight: p.genre * genreScale, priorWeight: p.prior * priorScale }, o),
        val.coldItems,
      ),
    3,
  );
  log.info({ start: ci.start, fitted: ci.fitted, params: ci.params }, 'cold-item mix fitted');
  (model as { dispose?: () => void }).dispose?.();
  return {
    seconds: (performance.now() - t0) / 1000,
    interestModelSeconds,
    split: { fit: split.fit.length, heldOut: split.heldOut.length, pseudoColdUsers: split.coldUsers.length, pseudoColdItems: split.coldItems.length, warmUsers: val.warm.users.length, coldUserUsers: val.coldUsers.users.length, coldItemUsers: val.coldItems.users.length },
    coldUsers: { weights: Object.fromEntries(Object.entries(cu.params).filter(([k]) => k !== 'scale')), scale: cu.params.scale, start: cu.start, fitted: cu.fitted, evaluations: cu.evaluations },
    coldItems: {
      mix: { power: ci.params.power, genreWeight: ci.params.genre * genreScale, priorWeight: ci.params.prior * priorScale },
      genreScale,
      priorScale,
      start: ci.start,
      fitted: ci.fitted,
      evaluations: ci.evaluations,
    },
  };
}

const roundDeep = (x: unknown): unknown =>
  typeof x === 'number' ? (Number.isInteger(x) ? x : Number(x.toPrecision(5))) : Array.isArray(x) ? x.map(roundDeep) : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, roundDeep(v)])) : x;

/** Runs the whole ml-100k benchmark and writes its JSON (see the module comment). */
export async function runMl100kBench(args: Ml100kBenchArgs): Promise<void> {
  const tStart = performance.now();
  const tfjsBackend = await initBackend(process.env.TFJS_BACKEND ? { prefer: process.env.TFJS_BACKEND as BackendName } : {});
  const data = loadMl100k(resolve(args.dataset));
  const nu = data.users.length;
  const ni = data.items.length;
  const train = ratingsCsr(data.train, nu, ni);
  const test = ratingsCsr(data.test, nu, ni);
  const slices = buildSlices(train, test, data.coldUsers, data.coldItems);
  const itemGenre = itemGenreCsr(data);
  const releaseYear = data.items.map((it) => (it.releaseDate ? Number(it.releaseDate.slice(0, 4)) : null));
  const attributes = userAttributes(data);
  const ds: InteractionDataset & { contexts: ContextKey[] } = {
    name: 'ml-100k', numUsers: nu, numItems: ni, train, trainTimes: pairTimes(train, data.train), trainContexts: pairContexts(train, data.train), contexts: ML100K_CONTEXTS,
  };
  log.info({ users: nu, items: ni, train: train.indices.length, test: test.indices.length, warmUsers: slices.warm.users.length, coldUsers: slices.coldUsers.users.length, coldItemUsers: slices.coldItems.users.length }, 'ml-100k loaded');

  const warm: Row[] = [];
  const coldUsers: Row[] = [];
  const coldItems: Row[] = [];
  const timed = async <T>(f: () => Promise<T> | T): Promise<[T, number]> => {
    const t = performance.now();
    const r = await f();
    return [r, (performance.now() - t) / 1000];
  };

  // baselines
  const mp = new MostPopular();
  const [, mpSec] = await timed(() => mp.fit(ds));
  warm.push(row('MostPopular', await evaluateSlice((u, o) => mp.scoreUsers(u, o), slices.warm), mpSec));
  coldUsers.push(row('MostPopular', await evaluateSlice((u, o) => mp.scoreUsers(u, o), slices.coldUsers), mpSec));
  const knn = new ItemKnn({ progress: false });
  const [knnRep, knnSec] = await timed(() => knn.fit(ds, { seed: args.seed }));
  warm.push(row('ItemKNN', await evaluateSlice((u, o) => knn.scoreUsers(u, o), slices.warm), knnSec, knnRep.params));
  const gf = new GfcfRecommender();
  const [gfRep, gfSec] = await timed(() => gf.fit(ds, { seed: args.seed }));
  warm.push(row('GF-CF', await evaluateSlice((u, o) => gf.scoreUsers(u, o), slices.warm), gfSec, gfRep.params));
  const [dp, dpSec] = await timed(() => new DemographicPopular(train, genderAgeDecadeGroups(data.users)));
  coldUsers.push(row('DemographicPopular', await evaluateSlice((u, o) => dp.scoreUsers(u, o), slices.coldUsers), dpSec, { groups: 'gender × age decade', tieBreak: 'overall popularity' }));
  const rnd = new RandomScores(args.seed);
  coldItems.push(row('Random', await evaluateSlice((u, o) => rnd.scoreUsers(u, o), slices.coldItems), 0, { seed: args.seed }));
  const [gp, gpSec] = await timed(() => new GenreProfile(train, itemGenre, 'mean'));
  coldItems.push(row('GenreProfile', await evaluateSlice((u, o) => gp.scoreUsers(u, o), slices.coldItems), gpSec, { itemGenres: 'mean (the item genres sum to 1): the README reference' }));
  const gpDot = new GenreProfile(train, itemGenre, 'sum');
  coldItems.push(row('GenreProfile-dot', await evaluateSlice((u, o) => gpDot.scoreUsers(u, o), slices.coldItems), gpSec, { itemGenres: 'sum (0/1 genre vector): favours items with many genres' }));

  // what the model fits on validation carved from train
  const v = await fitOnValidation(data, train, itemGenre, releaseYear, attributes, args.seed);

  // the interest model on all of train
  // the interest model over the graph of ratings and genres (its category term), and the same fit without genres
  const model = new InterestModel();
  const withGenres: InteractionDataset & { itemCategory: Csr } = { ...ds, itemCategory: itemGenre };
  const [imRep, imSec] = await timed(() => model.fit(withGenres, { seed: args.seed }));
  const scorer = model.fitted;
  const noGenres = new InterestModel();
  const [noGenresRep] = await timed(() => noGenres.fit(ds, { seed: args.seed }));
  const categoriesOff = await evaluateSlice((u, o) => noGenres.scoreUsers(u, o), slices.warm);
  noGenres.dispose();
  // the context term the model fitted (its weight and smoothing), with each test user's request context: the
  // weekday and time of day of their first test rating; off = the same scores without a request context
  const allTest = Int32Array.from({ length: data.test.users.length }, (_, k) => k);
  const contexts = requestContexts(data.test, allTest, nu);
  const base = await cacheScores((u, o) => model.scoreUsers(u, o), slices.warm.users, ni);
  const terms = Array.from(slices.warm.users, (u) => (contexts[u] ? scorer.contextRow(contexts[u]!) : null) ?? new Float32Array(ni));
  const off = await evaluateSlice(withContext(base, slices.warm, ni, terms, 0), slices.warm);
  const on = await evaluateSlice(withContext(base, slices.warm, ni, terms, 1), slices.warm);
  const fp = model.filterParams;
  warm.push(
    row('InterestModel', on, imSec + v.seconds, {
      ...imRep.params,
      interestModelFitSeconds: imSec,
      validationFitSeconds: v.seconds,
    }),
  );

  const profiles = new ColdUserProfiles(train, attributes);
  const cuScale = v.coldUsers.scale * profiles.medianDegree;
  const cuRows = await evaluateSlice((u, o) => scoreColdUsers(scorer, profiles, u, v.coldUsers.weights, cuScale, o), slices.coldUsers);
  coldUsers.push(
    row('InterestModel', cuRows, imSec + v.seconds, {
      method: 'pseudo-profile from users sharing attributes, scored by the interest model (FilterScorer.score with the profiles as input)',
      weights: v.coldUsers.weights,
      scaleOfMedianDegree: v.coldUsers.scale,
      scale: cuScale,
      validationStart: v.coldUsers.start,
      validationFitted: v.coldUsers.fitted,
      evaluations: v.coldUsers.evaluations,
    }),
  );

  const warmItems = new Uint8Array(ni);
  for (const i of train.indices) warmItems[i] = 1;
  const prior = releaseYearPrior(train, releaseYear, warmItems);
  const parts = coldItemParts(scorer, scorer.basis.input ?? train, slices.coldItems.users, itemGenre, warmItems, data.coldItems, [v.coldItems.mix.power], prior);
  const pos = new Map<number, number>();
  slices.coldItems.users.forEach((u, q) => pos.set(u, q));
  const ciRows = await evaluateSlice((u, o) => mixColdItemScores(parts, Array.from(u, (x) => pos.get(x)!), data.coldItems, ni, v.coldItems.mix, o), slices.coldItems);
  coldItems.push(
    row('InterestModel', ciRows, imSec + v.seconds, {
      method: 'category embedding (Jaccard^power-weighted mean of warm itemFactors) + genre-profile term + release-year prior',
      ...v.coldItems.mix,
      validationStart: v.coldItems.start,
      validationFitted: v.coldItems.fitted,
      evaluations: v.coldItems.evaluations,
    }),
  );
  (model as { dispose?: () => void }).dispose?.();

  const gfRecall = warm.find((r) => r.model === 'GF-CF')!.recall20!;
  const dpRecall = coldUsers.find((r) => r.model === 'DemographicPopular')!.recall20!;
  const gpRecall = coldItems.find((r) => r.model === 'GenreProfile')!.recall20!;
  const ratio = (a: number | null, b: number) => (a === null ? null : round(a / b, 3));
  const result = writeResult(resolve(args.out), args.run, {
    dataset: args.dataset,
    protocol:
      'All-ranking, K = 20, Recall = hits/|relevant| (uncapped), NDCG binary with IDCG over min(K, |relevant|), via src/model/evaluate.ts; ' +
      'slices as ../shared/data/ml-100k/README.md defines them (src/model/slices.ts buildSlices). Models fit on train.tsv only; the context weight and the cold-start mixes ' +
      `are fitted on a validation split carved from train like the README's split (src/model/slices.ts carveColdSplit, seed ${args.seed}: 10% pseudo-cold users, 10% pseudo-cold items, each other user's latest 20%). ` +
      'trainSeconds of the InterestModel rows = its fit on train + the whole validation fit (a second interest-model fit included).',
    numUsers: nu,
    numItems: ni,
    seconds: round((performance.now() - tStart) / 1000, 1),
    validation: roundDeep(v.split),
    slices: { warm: { rows: roundDeep(warm) }, coldUsers: { rows: roundDeep(coldUsers) }, coldItems: { rows: roundDeep(coldItems) } },
    targets: {
      warm: { model: ratio(on.recall20, gfRecall), target: 1.05, vs: 'GF-CF' },
      coldUsers: { model: ratio(cuRows.recall20, dpRecall), target: 1.05, vs: 'DemographicPopular' },
      coldItems: { model: ratio(ciRows.recall20, gpRecall), target: 1.05, vs: 'GenreProfile' },
    },
    categoryAblation: {
      note: 'warm slice, context term off: the interest model fitted with the item–genre relation (its category term, weight fitted on validation) and without it',
      on: { recall20: round(off.recall20), ndcg20: round(off.ndcg20) },
      off: { recall20: round(categoriesOff.recall20), ndcg20: round(categoriesOff.ndcg20) },
      weight: model.filterParams.categoryWeight,
      validationOn: imRep.params?.validationFitted,
      validationOff: noGenresRep.params?.validationFitted,
    },
    contextAblation: {
      on: { recall20: round(on.recall20), ndcg20: round(on.ndcg20) },
      off: { recall20: round(off.recall20), ndcg20: round(off.ndcg20) },
      weight: roundDeep(fp.contextWeight),
      lift: {
        definition: 'src/model/contextLift.ts ContextLift over the training pairs\' contexts (src/model/contextTerm.ts itemContextCountsOf): Σ over the request contexts (weekday, time of day UTC of the first test rating) of log(q_ic / p_c), smoothed by s',
        smoothing: fp.contextSmoothing,
        contexts: ML100K_CONTEXTS.map((c) => `${c.kind}:${c.value}`),
      },
      validation: roundDeep({ rule: 'the model\'s fit (src/model/contextTerm.ts fitContextTerm): best grid weight kept only if its paired per-user Recall@20 gain over w = 0 has z >= 2', ...(imRep.params?.contextSearch as object) }),
    },
  }, { tfjsBackend });
  log.info({ out: args.out, seconds: result.seconds }, 'results written');
  for (const [name, rows] of Object.entries({ warm, coldUsers, coldItems })) {
    process.stdout.write(`\n${name}\n`);
    for (const r of rows) process.stdout.write(`  ${r.model.padEnd(20)} R@20 ${String(r.recall20).padEnd(7)} N@20 ${String(r.ndcg20).padEnd(7)} train ${r.trainSeconds}s\n`);
  }
  process.stdout.write(`\ncontext: weight ${fp.contextWeight}, on ${round(on.recall20)} / off ${round(off.recall20)}\n`);
}
