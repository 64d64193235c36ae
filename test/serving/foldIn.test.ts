import { loadConfig, ConfigError } from '../../src/config';
import { HeteroGraphBuilder } from '../../src/graph/builder';
import { DAY_MS, decayedPairWeight, halfLifeMsOf, interactionDecay, modelHalfLifeDays } from '../../src/graph/decay';
import { decayFoldInRows, foldInUser, foldInUserDecayed, type TimedFoldInRow } from '../../src/serving/foldIn';

const now = 100 * DAY_MS;

/**
 * A user's rows, half-life 10 days, measured from day 100:
 * a: weight 2 on day 90 (one half-life: 1);
 * b: weight 1 today (1) and weight 1 on day 80 (two half-lives: 0.25), summed 1.25;
 * c: weight 3 on day 70 (three half-lives: 0.375), an item without a vector in the served version.
 */
const rows: TimedFoldInRow[] = [
  { weights: [2], ats: [90 * DAY_MS], foldIn: [1, 0] },
  { weights: [1, 1], ats: [100 * DAY_MS, 80 * DAY_MS], foldIn: [0, 1] },
  { weights: [3], ats: [70 * DAY_MS], foldIn: null },
];

describe('serving/foldIn: a user embedding with the model\'s time decay', () => {
  it('decays each interaction by its age and sums per item', () => {
    expect(decayFoldInRows(rows, now, 10, null).map((r) => r.weight)).toEqual([1, 1.25, 0.375]);
    expect(decayFoldInRows(rows, now, undefined, null).map((r) => r.weight)).toEqual([2, 2, 3]);
  });

  it('matches a hand-computed embedding, with the decayed weights in the degree too', () => {
    // d_u = 1 + 1.25 + 0.375 = 2.625 (c counts in the degree, as in training, but has no vector)
    const e1 = foldInUserDecayed(rows, 2, 1, 10, null, now)!;
    expect(e1[0]).toBeCloseTo(1 / 2.625, 12);
    expect(e1[1]).toBeCloseTo(1.25 / 2.625, 12);
    const eHalf = foldInUserDecayed(rows, 2, 0.5, 10, null, now)!;
    expect(eHalf[0]).toBeCloseTo(1 / Math.sqrt(2.625), 12);
    expect(eHalf[1]).toBeCloseTo(1.25 / Math.sqrt(2.625), 12);
    // without decay: 2, 2 and 3, d_u = 7; the old item a weighs as much as b
    expect(foldInUserDecayed(rows, 2, 1, undefined, null, now)).toEqual([2 / 7, 2 / 7]);
  });

  it('moves the embedding towards the recent item as the half-life shortens', () => {
    const lean = (half: number | undefined) => {
      const [a, b] = foldInUserDecayed(rows, 2, 0, half, null, now)!;
      return b / a;
    };
    expect(lean(undefined)).toBeCloseTo(1, 12);
    expect(lean(100)).toBeGreaterThan(1);
    expect(lean(10)).toBeGreaterThan(lean(100));
    expect(lean(1)).toBeGreaterThan(lean(10));
  });

  it('weighs each pair by the version\'s recency rule over the pairs\' latest times', () => {
    // latest times: a 90, b 100, c 70 -> ranks 1, 0, 2; half-life of one pair: 0.5, 1, 0.25 of the plain sums 2, 2, 3
    expect(decayFoldInRows(rows, now, undefined, 1).map((r) => r.weight)).toEqual([1, 2, 0.75]);
    // both rules at once: the decayed sums 1, 1.25, 0.375 times the same factors
    expect(decayFoldInRows(rows, now, 10, 1).map((r) => r.weight)).toEqual([0.5, 1.25, 0.09375]);
  });

  it('keeps undated and future interactions whole', () => {
    const r: TimedFoldInRow[] = [{ weights: [2, 1], ats: [NaN, now + DAY_MS], foldIn: [1] }];
    expect(decayFoldInRows(r, now, 1, null)[0].weight).toBe(3);
    expect(interactionDecay(null, now, DAY_MS)).toBe(1);
  });

  it('is foldInUser over the decayed pair weights', () => {
    expect(foldInUserDecayed(rows, 2, 0.25, 10, null, now)).toEqual(foldInUser(decayFoldInRows(rows, now, 10, null), 2, 0.25));
    expect(foldInUserDecayed([{ weights: [1], ats: [now], foldIn: null }], 2, 0.5, 10, null, now)).toBeNull();
  });

  it('weighs a pair exactly as training extraction does', () => {
    // the same interactions through the training builder, decayed from the same reference time
    const b = new HeteroGraphBuilder(['u'], ['a', 'b', 'c'], [], [], { halfLifeDays: 10, decayReferenceMs: now });
    b.addInteraction('u', 'a', 'rating', 2, 90 * DAY_MS);
    b.addInteraction('u', 'b', 'rating', 1, 100 * DAY_MS);
    b.addInteraction('u', 'b', 'rating', 1, 80 * DAY_MS);
    b.addInteraction('u', 'c', 'rating', 3, 70 * DAY_MS);
    const train = b.build('t').graph.train;
    const trained = Array.from(train.values.subarray(train.indptr[0], train.indptr[1]));
    const served = decayFoldInRows(rows, now, 10, null).map((r) => Math.fround(r.weight));
    expect(trained).toEqual(served);
  });

  it('rejects mismatched lists and bad half-lives, naming the value', () => {
    expect(() => decayedPairWeight([1, 2], [0], now, DAY_MS)).toThrow(/weights \(2\) and atMs \(1\)/);
    expect(() => halfLifeMsOf(0)).toThrow(/halfLifeDays must be a positive number of days, got 0/);
    expect(halfLifeMsOf(undefined)).toBe(Infinity);
    expect(halfLifeMsOf(2)).toBe(2 * DAY_MS);
  });
});

describe('policy/decay: the half-life a model version records', () => {
  it('reads params.extract.halfLifeDays as a number, or undefined for none', () => {
    expect(modelHalfLifeDays({ extract: { halfLifeDays: 7, seconds: 1 } })).toBe(7);
    expect(modelHalfLifeDays({ extract: { halfLifeDays: null } })).toBeUndefined();
    expect(modelHalfLifeDays({ extract: {} })).toBeUndefined();
    expect(modelHalfLifeDays({})).toBeUndefined();
    expect(modelHalfLifeDays(null)).toBeUndefined();
  });

  it('fails loudly on a value the registry never writes, naming it', () => {
    expect(() => modelHalfLifeDays({ extract: { halfLifeDays: '7' } })).toThrow(/extract\.halfLifeDays must be a positive number of days or null, got "7"/);
    expect(() => modelHalfLifeDays({ extract: { halfLifeDays: -1 } })).toThrow(/got -1/);
  });
});

describe('config: INTEREST_HALF_LIFE_DAYS', () => {
  it('is unset by default (no decay) and reads a positive number of days', () => {
    expect(loadConfig({}).interestHalfLifeDays).toBeUndefined();
    expect(loadConfig({ INTEREST_HALF_LIFE_DAYS: '' }).interestHalfLifeDays).toBeUndefined();
    expect(loadConfig({ INTEREST_HALF_LIFE_DAYS: '14' }).interestHalfLifeDays).toBe(14);
    expect(loadConfig({ INTEREST_HALF_LIFE_DAYS: '0.5' }).interestHalfLifeDays).toBe(0.5);
  });

  it('rejects anything else, naming the variable, the value and what was expected', () => {
    for (const bad of ['0', '-3', 'two weeks', ' ', 'Infinity']) {
      expect(() => loadConfig({ INTEREST_HALF_LIFE_DAYS: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ INTEREST_HALF_LIFE_DAYS: bad })).toThrow(`INTEREST_HALF_LIFE_DAYS must be a positive number of days (unset for no time decay), got "${bad}"`);
    }
  });
});
