import { csrFromCoo, type Csr } from '../../src/graph/csr';
import {
  coldItemParts,
  ColdUserProfiles,
  coordinateSearch,
  mixColdItemScores,
  releaseYearPrior,
  scoreColdUsers,
} from '../../src/model/coldStart';
import { fitContextWeight, pairedZ } from '../../src/model/contextTerm';
import { ContextLift } from '../../src/model/contextLift';
import { InterestModel } from '../../src/model/interestModel';
import { buildSlices, evaluateSlice } from '../../src/model/slices';
import { seededRandom } from '../../src/random';
import type { ContextKey } from '../../src/graph/types';

describe('model/contextTerm', () => {
  const contexts: ContextKey[] = [
    { kind: 'weekday', value: 'sat' },
    { kind: 'weekday', value: 'mon' },
    { kind: 'timeOfDay', value: 'evening' },
  ];
  // item 0: 8 of its 10 weekday uses on sat; item 1: 2 of 10; item 2: no context data
  const counts = csrFromCoo(3, 3, Int32Array.from([0, 0, 0, 1, 1, 1]), Int32Array.from([0, 1, 2, 0, 1, 2]), Float32Array.from([8, 2, 5, 2, 8, 5]));

  const contextLift = (c: typeof counts, keys: ContextKey[], request: ContextKey[], s: number) => {
    const l = new ContextLift(c, keys, s);
    const out = new Float32Array(c.rows);
    l.scoreAll(l.resolve(request), out);
    return out;
  };

  it('ContextLift is log(q_ic / p_c) with the smoothed item share, summed over the request', () => {
    const s = 5;
    const lift = contextLift(counts, contexts, [contexts[0]], s);
    const p = 10 / 20; // sat among all weekday uses
    expect(lift[0]).toBeCloseTo(Math.log((8 + s * p) / (10 + s) / p), 6);
    expect(lift[1]).toBeCloseTo(Math.log((2 + s * p) / (10 + s) / p), 6);
    expect(lift[2]).toBeCloseTo(0, 6); // no data: the prior itself
    // evening is every item's only time of day: lift 0, so the sum equals the weekday part
    const both = contextLift(counts, contexts, [contexts[0], contexts[2]], s);
    expect(both[0]).toBeCloseTo(lift[0], 6);
    // unknown contexts lift nothing
    expect(Array.from(contextLift(counts, contexts, [{ kind: 'device', value: 'tv' }], s))).toEqual([0, 0, 0]);
  });

  it('fitContextWeight keeps a weight only for a significant paired gain', async () => {
    const n = 200;
    const base = Float64Array.from({ length: n }, (_, k) => (k % 4) / 4);
    // weight 1 helps every user a little: significant; weight 2 helps one user a lot: larger mean, not significant
    const helps = Float64Array.from(base, (x) => x + 0.05);
    const noisy = Float64Array.from(base, (x, k) => (k === 0 ? x + 50 : x));
    const at = async (w: number) => {
      const per = w === 0 ? base : w === 1 ? helps : noisy;
      return { recall20: per.reduce((a, b) => a + b, 0) / n, ndcg20: 0, perUserRecall20: per };
    };
    const onlyNoise = await fitContextWeight([2], at);
    expect(onlyNoise.best.weight).toBe(2);
    expect(onlyNoise.weight).toBe(0); // z of a single outlier is 1
    expect(onlyNoise.fitted.recall20).toBe(onlyNoise.start.recall20);
    const real = await fitContextWeight([1], at);
    expect(real.weight).toBe(1);
    expect(real.fitted.recall20).toBeGreaterThan(real.start.recall20);
    expect(pairedZ(helps, base)).toBeGreaterThan(100); // the same small gain for everyone
    expect(pairedZ(noisy, base)).toBeCloseTo(1, 6);
  });
});

describe('model/coldStart: the fit improves on its start (small synthetic case)', () => {
  // 300 users in 2 genders; items 0-59 are liked by men, 60-119 by women; 60 more items (120-179, liked by all) are cold.
  // Items have one of 4 categories (floor(item / 2) % 4) and a release year: odd items 1998 (popular), even 1990.
  const numUsers = 300;
  const numItems = 180;
  const rand = seededRandom(7);
  const gender = Int32Array.from({ length: numUsers }, (_, u) => u % 2);
  const year = Array.from({ length: numItems }, (_, i) => (i % 2 ? 1998 : 1990));
  const categoryOf = (i: number) => Math.floor(i / 2) % 4;
  const itemCategory = csrFromCoo(numItems, 4, Int32Array.from({ length: numItems }, (_, i) => i), Int32Array.from({ length: numItems }, categoryOf));
  const r: number[] = [];
  const c: number[] = [];
  const testR: number[] = [];
  const testC: number[] = [];
  const coldUsers = Array.from({ length: 30 }, (_, k) => k * 10);
  for (let u = 0; u < numUsers; u++) {
    const favourite = u % 4; // a favourite category
    const seen = new Set<number>();
    for (let t = 0; t < 40; t++) {
      // warm items of the user's gender half, 70% in the favourite category, 85% from 1998
      const cat = rand() < 0.7 ? favourite : Math.floor(rand() * 4);
      const odd = rand() < 0.85 ? 1 : 0;
      const pick = (cold: boolean) => {
        const lo = cold ? 120 : gender[u] * 60;
        const span = 60;
        for (;;) {
          const i = lo + Math.floor(rand() * span);
          if (categoryOf(i) === cat && i % 2 === odd) return i;
        }
      };
      const cold = t % 8 === 0;
      const i = pick(cold);
      if (seen.has(i)) continue;
      seen.add(i);
      if (cold || coldUsers.includes(u) || t >= 32) {
        testR.push(u);
        testC.push(i);
      } else {
        r.push(u);
        c.push(i);
      }
    }
  }
  const train = csrFromCoo(numUsers, numItems, Int32Array.from(r), Int32Array.from(c), new Float32Array(r.length).fill(1));
  const test = csrFromCoo(numUsers, numItems, Int32Array.from(testR), Int32Array.from(testC), new Float32Array(testR.length).fill(1));
  const train01: Csr = { ...train, values: new Float32Array(train.values.length).fill(1) };
  const cold = Int32Array.from({ length: 60 }, (_, k) => 120 + k);
  const slices = buildSlices(train01, test, coldUsers, cold);
  let model: InterestModel;

  beforeAll(async () => {
    // only k is set (the spectrum must be smaller than the 120 warm items); the tests use only the model's
    // stable surface (fit, fitted.score / foldIn / itemFactors / k / numItems)
    model = new InterestModel({ k: 16 });
    await model.fit({ name: 'synthetic', numUsers, numItems, train: train01 }, { seed: 1 });
  });
  afterAll(() => (model as { dispose?: () => void }).dispose?.());

  it('cold users: the gender weight lifts Recall@20 over the all-users profile', async () => {
    const profiles = new ColdUserProfiles(train01, [{ name: 'gender', groups: gender }]);
    const res = await coordinateSearch(
      { all: 1, gender: 0, scale: profiles.medianDegree },
      [{ name: 'gender', values: [0, 1, 4] }],
      (p) => evaluateSlice((u, o) => scoreColdUsers(model.fitted, profiles, u, p, p.scale, o), slices.coldUsers),
    );
    expect(res.params.gender).toBeGreaterThan(0);
    expect(res.fitted.recall20).toBeGreaterThan(res.start.recall20 * 1.2);
  });

  it('cold items: the release-year prior lifts Recall@20 over the category embedding alone', async () => {
    const warm = new Uint8Array(numItems);
    for (const i of train01.indices) warm[i] = 1;
    const prior = releaseYearPrior(train01, year, warm);
    expect(prior[121]).toBeGreaterThan(prior[120]); // 1998 items are the popular ones
    const parts = coldItemParts(model.fitted, train01, slices.coldItems.users, itemCategory, warm, cold, [1, 4], prior);
    const pos = new Map<number, number>();
    slices.coldItems.users.forEach((u, q) => pos.set(u, q));
    const res = await coordinateSearch(
      { power: 1, genre: 0, prior: 0 },
      [
        { name: 'power', values: [1, 4] },
        { name: 'prior', values: [0, 0.01, 0.1, 1] },
      ],
      (p) =>
        evaluateSlice(
          (u, o) => mixColdItemScores(parts, Array.from(u, (x) => pos.get(x)!), cold, numItems, { power: p.power, genreWeight: p.genre, priorWeight: p.prior }, o),
          slices.coldItems,
        ),
    );
    expect(res.params.prior).toBeGreaterThan(0);
    expect(res.fitted.recall20).toBeGreaterThan(res.start.recall20 * 1.05);
  });
});
