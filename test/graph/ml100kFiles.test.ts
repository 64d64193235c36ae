import type { Csr } from '../../src/graph/csr';
import { contextColumnsOf, itemGenreCsr, Ml100kFileError, parseMl100k, ratingsCsr, type Ml100kTexts } from '../../src/graph/ml100kFiles';
import { DemographicPopular, GenreProfile, genderAgeDecadeGroups } from '../../src/model/baselines/coldStart';
import { buildSlices, carveColdSplit, evaluateSlice, perUserMetrics20 } from '../../src/model/slices';

// A hand-made ml-100k folder: 4 users, 5 items, 2 genres; user 4 and item 5 are cold.
const TEXTS: Ml100kTexts = {
  'u.genre': 'Action|0\nComedy|1\n',
  'u.occupation': 'artist\nwriter\n',
  'u.user': '1|24|M|artist|85711\n2|27|F|writer|94043\n3|35|M|writer|T8H1N\n4|21|M|artist|32067\n',
  'u.item': [
    '1|A (1995)|01-Jan-1995||http://x|1|0',
    '2|B (1995)|4-Feb-1995||http://x|0|1',
    '3|C (1996)|01-Jan-1996||http://x|1|1',
    '4|D (1997)|||http://x|0|1',
    '5|E (1998)|01-Jan-1998||http://x|1|0',
  ].join('\n'),
  'train.tsv': 'userId\titemId\trating\ttimestamp\n1\t1\t5\t100\n1\t2\t3\t200\n2\t2\t4\t100\n2\t3\t4\t300\n3\t1\t2\t50\n3\t3\t5\t60\n3\t4\t1\t70\n',
  'test.tsv': 'userId\titemId\trating\ttimestamp\n1\t3\t5\t400\n1\t5\t4\t500\n2\t1\t4\t400\n3\t5\t1\t90\n4\t1\t5\t10\n4\t2\t4\t20\n4\t5\t3\t30\n',
  'cold-users.txt': '4\n',
  'cold-items.txt': '5\n',
};

const data = parseMl100k(TEXTS);
const train = ratingsCsr(data.train, 4, 5);
const test = ratingsCsr(data.test, 4, 5);

function rowsOf(a: Csr): number[][] {
  return Array.from({ length: a.rows }, (_, r) => Array.from(a.indices.subarray(a.indptr[r], a.indptr[r + 1])));
}

describe('graph/ml100kFiles: the folder in index space', () => {
  it('parses users, items, genres, dates and ratings', () => {
    expect(data.genres).toEqual(['Action', 'Comedy']);
    expect(data.users[2]).toEqual({ id: '3', age: 35, gender: 'M', occupation: 1, zip: 'T8H1N' });
    expect(data.items[1]).toEqual({ id: '2', title: 'B (1995)', releaseDate: '1995-02-04', genres: [1] });
    expect(data.items[3].releaseDate).toBeNull();
    expect(Array.from(data.train.users)).toEqual([0, 0, 1, 1, 2, 2, 2]);
    expect(Array.from(data.train.ratings)).toEqual([5, 3, 4, 4, 2, 5, 1]);
    expect(Array.from(data.coldUsers)).toEqual([3]);
    expect(Array.from(data.coldItems)).toEqual([4]);
    expect(rowsOf(itemGenreCsr(data))).toEqual([[0], [1], [0, 1], [1], [0]]);
  });

  it.each([
    ['train.tsv', TEXTS['train.tsv'].replace('1\t2\t3\t200', '1\t2\t7\t200'), 'train.tsv:3: invalid value "7", expected a rating 1..5'],
    ['train.tsv', TEXTS['train.tsv'].replace('2\t3\t4\t300', '9\t3\t4\t300'), 'train.tsv:5: invalid value "9", expected a user id of u.user'],
    ['u.item', TEXTS['u.item'].replace('01-Jan-1996', '1996-01-01'), 'u.item:3: invalid value "1996-01-01", expected a release date'],
    ['u.user', TEXTS['u.user'].replace('27|F', '27|X'), 'u.user:2: invalid value "X", expected gender M or F'],
    ['cold-users.txt', '1\n', 'train.tsv:2: invalid value "1", expected no train rating of a user listed in cold-users.txt'],
    ['test.tsv', 'user\titem\n', 'test.tsv:1: invalid value "user\titem", expected the header'],
  ])('names file, line and value of a bad %s', (file, text, message) => {
    const bad = { ...TEXTS, [file]: text };
    let err: unknown;
    try {
      parseMl100k(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Ml100kFileError);
    expect((err as Error).message).toContain(message);
  });

  it('derives weekday and time-of-day contexts in UTC', () => {
    // 1998-04-22 (a Wednesday) 23:30 UTC: night; 09:00 UTC: morning
    const night = Date.UTC(1998, 3, 22, 23, 30) / 1000;
    const morning = Date.UTC(1998, 3, 22, 9, 0) / 1000;
    expect(contextColumnsOf(night)).toEqual([3, 10]);
    expect(contextColumnsOf(morning)).toEqual([3, 7]);
  });
});

describe('model/slices: the README three evaluations', () => {
  const s = buildSlices(train, test, data.coldUsers, data.coldItems);

  it('warm: users not cold with test items among train items, ranked over train items', () => {
    expect(Array.from(s.warm.users)).toEqual([0, 1]); // user 3 (index 2) only has a cold item in test
    expect(Array.from(s.warm.candidates)).toEqual([1, 1, 1, 1, 0]);
    expect(rowsOf(s.warm.relevant)).toEqual([[2], [0], [], []]);
  });

  it('cold users: their test items among train items; cold items: warm users who rated a cold item', () => {
    expect(Array.from(s.coldUsers.users)).toEqual([3]);
    expect(rowsOf(s.coldUsers.relevant)[3]).toEqual([0, 1]);
    expect(Array.from(s.coldItems.users)).toEqual([0, 2]);
    expect(Array.from(s.coldItems.candidates)).toEqual([0, 0, 0, 0, 1]);
    expect(rowsOf(s.coldItems.relevant)).toEqual([[4], [], [4], []]);
  });

  it('masks non-candidates and train items, then Recall and NDCG as evaluate.ts defines them', async () => {
    // scores prefer the cold item 4, then item 3, then the others: warm users never get item 4 or their train items
    const score = (users: Int32Array, out: Float32Array) => {
      for (let q = 0; q < users.length; q++) out.set([0.1, 0.2, 0.3, 0.4, 9], q * 5);
    };
    const m = await evaluateSlice(score, s.warm);
    // user 0 (train 0, 1): ranks 3, 2 -> relevant 2 at rank 2; user 1 (train 1, 2): ranks 3, 0 -> relevant 0 at rank 2
    expect(m.users).toBe(2);
    expect(m.recall20).toBeCloseTo(1, 10);
    expect(m.ndcg20).toBeCloseTo(1 / Math.log2(3), 10);
    const per = await perUserMetrics20(score, s.warm);
    expect(Array.from(per.recall20)).toEqual([1, 1]);
    expect(per.ndcg20[0]).toBeCloseTo(1 / Math.log2(3), 10);
    const cold = await evaluateSlice(score, s.coldItems);
    expect(cold.recall20).toBe(1); // only one candidate
  });

  it('rejects a cold user with train interactions', () => {
    expect(() => buildSlices(train, test, [0], [])).toThrow('cold user 0 has train interactions');
  });

  it('carveColdSplit holds out cold users and items whole and each other user\'s latest interactions', () => {
    const n = 60;
    const users = Int32Array.from({ length: n }, (_, k) => k % 10);
    const items = Int32Array.from({ length: n }, (_, k) => Math.floor(k / 2) % 20);
    const timestamps = Float64Array.from({ length: n }, (_, k) => k);
    const split = carveColdSplit({ users, items, timestamps }, { userFraction: 0.2, itemFraction: 0.1, seed: 3 });
    expect(split.coldUsers.length).toBe(2);
    expect(split.coldItems.length).toBe(2);
    expect(split.fit.length + split.heldOut.length).toBe(n);
    const held = new Set(split.heldOut);
    for (let k = 0; k < n; k++) {
      if (split.coldUsers.includes(users[k]) || split.coldItems.includes(items[k])) expect(held.has(k)).toBe(true);
    }
    // for a warm user, every held-out interaction is later than every fitted one
    for (let u = 0; u < 10; u++) {
      if (split.coldUsers.includes(u)) continue;
      const fitT = [...split.fit].filter((k) => users[k] === u).map((k) => timestamps[k]);
      const heldT = [...split.heldOut].filter((k) => users[k] === u && !split.coldItems.includes(items[k])).map((k) => timestamps[k]);
      expect(heldT.length).toBeGreaterThanOrEqual(1);
      expect(Math.min(...heldT)).toBeGreaterThan(Math.max(...fitT));
    }
  });
});

describe('model/baselines/coldStart: on the hand-made folder', () => {
  it('DemographicPopular ranks by the popularity in the same gender × age decade', () => {
    const groups = genderAgeDecadeGroups(data.users); // users 1 (M, 20s), 2 (F, 20s), 3 (M, 30s), 4 (M, 20s)
    expect(Array.from(groups)).toEqual([2, 12, 3, 2]);
    const dp = new DemographicPopular(train, groups);
    const out = new Float32Array(5);
    dp.scoreUsers(Int32Array.from([3]), out);
    // group of user 4 = {user 1}: items 0 and 1 count 1 each; ties broken by overall popularity (item 1: 2, item 0: 2)
    expect(out[0]).toBeGreaterThan(1);
    expect(out[1]).toBeGreaterThan(1);
    expect(out[2]).toBeLessThan(1); // item 2 is popular overall but not in the group
    expect(out[2]).toBeGreaterThan(out[3]); // overall: item 2 has 2 users, item 3 one
  });

  it('GenreProfile: p_u · g_i with genres summing to 1 (mean) or 0/1 (sum)', () => {
    const ig = itemGenreCsr(data);
    const out = new Float32Array(5);
    // user 2 (index 1): items 1 (Comedy) and 2 (Action+Comedy)
    new GenreProfile(train, ig, 'sum').scoreUsers(Int32Array.from([1]), out);
    expect(Array.from(out)).toEqual([1, 2, 3, 2, 1]); // profile (1, 2)
    new GenreProfile(train, ig, 'mean').scoreUsers(Int32Array.from([1]), out);
    // profile (0.5, 1.5); items: A 0.5, B 1.5, C (0.5 + 1.5) / 2 = 1, D 1.5, E 0.5
    expect(Array.from(out)).toEqual([0.5, 1.5, 1, 1.5, 0.5]);
  });
});
