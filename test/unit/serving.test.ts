import { DEFAULT_NEIGHBOURHOOD as P, GraphIndex, neighbourhoodParams } from '../../src/serving/graphIndex';
import { foldInUser } from '../../src/serving/foldIn';
import { topByDegree, topByDot, topByValue } from '../../src/serving/scan';
import { reasonsFor, contextPhrase } from '../../src/serving/explain';
import type { ItemMatrix } from '../../src/serving/modelStore';
import { memoryEvidence } from '../../src/serving/evidence';
import { seededRandom } from '../../src/random';
import type { Executor } from '../../src/db/executor';

function matrix(rows: number[][]): ItemMatrix {
  const dims = rows[0].length;
  return {
    version: 'v', dims, ids: rows.map((_, k) => `i${k}`), index: new Map(rows.map((_, k) => [`i${k}`, k])),
    embeddings: Float32Array.from(rows.flat()), categories: rows.map(() => []), titles: rows.map(() => null), degree: new Float64Array(rows.length), count: rows.length, unreached: new Set(),
  };
}

/** A GraphIndex over fixed adjacency, through the same load path as production (a stub executor returns the rows). */
/** Seeded uniform draws in [-0.5, 0.5) (the project's generator). */
function centred(seed: number): () => number {
  const r = seededRandom(seed);
  return () => r() - 0.5;
}

async function graph(adj: Record<string, string[]>, follows: Record<string, string[]> = {}, kinds: Record<string, string> = {}): Promise<GraphIndex> {
  const db = {
    read: async () => Object.entries(adj).map(([id, items]) => ({ id, items: items.map((i) => [i, 1, kinds[`${id}>${i}`] ?? 'view']), follows: follows[id] ?? [] })),
  } as unknown as Executor;
  return GraphIndex.load(db);
}

describe('serving/scan: exact top-k by dot product', () => {
  it('returns the k best rows, best first, skipping rows keep() rejects', () => {
    const m = matrix([[1, 0], [0, 1], [2, 0], [1, 1], [-1, 0]]);
    expect(topByDot(m, [1, 0.5], 2, () => true)).toEqual([{ row: 2, score: 2 }, { row: 3, score: 1.5 }]);
    expect(topByDot(m, [1, 0.5], 2, (r) => r !== 2).map((x) => x.row)).toEqual([3, 0]);
    expect(topByDot(m, [1, 0], 10, () => true).map((x) => x.row)).toEqual([2, 0, 3, 1, 4]);
  });

  it('matches a full sort on random data', () => {
    const rnd = centred(7);
    const rows = Array.from({ length: 500 }, () => Array.from({ length: 8 }, rnd));
    const q = Array.from({ length: 8 }, rnd);
    const m = matrix(rows);
    const full = rows.map((r, k) => ({ k, s: r.reduce((t, x, c) => t + x * Math.fround(q[c]), 0) })).sort((a, b) => b.s - a.s);
    expect(topByDot(m, q, 25, () => true).map((x) => x.row)).toEqual(full.slice(0, 25).map((x) => x.k));
  });

  it('rejects a query of the wrong dimension, naming both', () => {
    expect(() => topByDot(matrix([[1, 2]]), [1, 2, 3], 1, () => true)).toThrow('query has 3 dims, the item matrix has 2');
  });

  it('ranks by value for popularity', () => {
    expect(topByValue(Float64Array.from([3, 9, 1, 9]), 4, 3, (r) => r !== 0)).toEqual([1, 3, 2]);
    const m = matrix([[0], [0], [0], [0]]);
    m.degree = Float64Array.from([3, 9, 1, 9]);
    expect(topByDegree(m, 3, (r) => r !== 0)).toEqual([1, 3, 2]);
  });
});

describe('serving/foldIn: user embedding from interactions', () => {
  it('computes d_u^-e * sum w * foldIn with d_u the summed weight, skipping negatives', () => {
    const e = foldInUser([{ weight: 3, foldIn: [1, 0] }, { weight: 1, foldIn: [0, 2] }, { weight: -1, foldIn: [5, 5] }], 2, 0.5)!;
    expect(e[0]).toBeCloseTo(3 / 2, 9);
    expect(e[1]).toBeCloseTo(2 / 2, 9);
  });

  it('returns null when no interaction has a fold-in vector', () => {
    expect(foldInUser([{ weight: 1, foldIn: null }], 2, 0.5)).toBeNull();
    expect(foldInUser([], 2, 0.5)).toBeNull();
  });
});

describe('serving/graphIndex: in-process co-interaction proximity', () => {
  const adj = { u: ['a', 'b'], v: ['a', 'c'], w: ['b', 'c', 'd'], x: ['d'] };

  it('computes the model\'s neighbourhood term: sum over u -> i <- v -> j of w d_i^-b d_v^-2a w w d_j^-b d_j^g', async () => {
    const g = await graph(adj);
    const got = new Map(g.userProximity('u', P, 50, 50, 10).map((r) => [r.id, r.proximity]));
    // a = b = 0.5: c via a (d_a 2) and v (d_v 2): 1/(sqrt2 * 2 * sqrt2); via b (d_b 2) and w (d_w 3): 1/(sqrt2 * 3 * sqrt2)
    expect(got.get('c')).toBeCloseTo(1 / 4 + 1 / 6, 6);
    expect(got.get('d')).toBeCloseTo(1 / 6, 6);
    // other exponents and weights from the model's params
    const q = neighbourhoodParams({ userExponent: 0, itemExponent: 0, itemOutputExponent: 1, linearWeight: 2, userNormExponent: 1, junk: 'x' });
    const got2 = new Map(g.userProximity('u', q, 50, 50, 10).map((r) => [r.id, r.proximity]));
    // unnormalised: c has 2 paths, times d_c^1 = 2, times linearWeight 2; d_u^-e scales only the embedding part
    expect(got2.get('c')).toBeCloseTo(2 * 2 * 2, 6);
  });

  it('follows writes at once and forgets deleted users', async () => {
    const g = await graph(adj);
    expect(g.userProximity('x', P, 50, 50, 10).map((r) => r.id).sort()).toEqual(['b', 'c', 'd']); // own items too: the caller excludes them
    g.removeUser('w');
    expect(g.userProximity('x', P, 50, 50, 10)).toEqual([]);
    g.addInteraction('x', 'a');
    expect(g.userDegree('x')).toBe(2);
    expect(g.userProximity('x', P, 50, 50, 10).map((r) => r.id).sort()).toEqual(['a', 'b', 'c']); // via a: u has b, v has c
    g.addInteraction('newbie', 'newitem');
    expect(g.size).toMatchObject({ users: 5, items: 5 });
  });

  it('picks as evidence the user item shared with most other people', async () => {
    const g = await graph({ u: ['a', 'b'], v: ['a', 'z'], w: ['b', 'z'], y: ['b', 'z'] });
    expect(g.bestVia('u', ['z'], 50).get('z')).toEqual({ viaId: 'b', people: 2, coUserId: 'w', kind: 'view' }); // w and y share b and z with u; w was loaded first
    expect(g.itemProximity('a', P, 50, 5).map((r) => r.id)).toEqual(['b', 'z']);
  });
});

describe('serving/graphWorker: the graph term on a worker thread', () => {
  const adj = { u: ['a', 'b'], v: ['a', 'c'], w: ['b', 'c', 'd'], x: ['d'], y: ['c', 'e'] };
  const same = (a: { id: string; proximity: number; item: number }[], b: typeof a) => {
    expect(b.map((r) => [r.id, r.item])).toEqual(a.map((r) => [r.id, r.item]));
    a.forEach((r, k) => expect(b[k].proximity).toBe(r.proximity));
  };

  it('rebuilds an identical index from its compact form, and stays identical under the same writes', async () => {
    const g = await graph(adj, { u: ['v'] });
    const changes: unknown[] = [];
    g.onChange = (c) => changes.push(c);
    g.addInteraction('u', 'e', 2, 'like');
    const copy = GraphIndex.fromCompact(g.toCompact());
    g.addInteraction('x', 'new', 1, 'view');
    g.removeUser('w');
    changes.slice(1).forEach((c) => copy.apply(c as any));
    for (const u of Object.keys(adj)) same(g.userProximity(u, P, 50, 50, 10), copy.userProximity(u, P, 50, 50, 10));
    expect(copy.userItemsOf('u')).toEqual(g.userItemsOf('u'));
    expect(copy.followeesWith('u', ['a', 'c'])).toEqual(g.followeesWith('u', ['a', 'c']));
  });

  it('answers as the main index does, before and after writes, and follows a new index', async () => {
    const { GraphWorker } = await import('../../src/serving/graphWorkerClient');
    const { createLogger } = await import('../../src/log');
    const gw = new GraphWorker(createLogger('silent'));
    try {
      const g = await graph(adj);
      await gw.prepare(g); // answers come from the worker once its copy is built (before that, from g itself)
      same(g.userProximity('u', P, 50, 50, 10), await gw.userProximity(g, 'u', P, 50, 50, 10, []));
      g.addInteraction('u', 'd', 1, 'save'); // posted to the worker before the next query
      g.addInteraction('z', 'f', 1, 'view');
      g.addInteraction('u', 'f', 1, 'view');
      const want = g.userProximity('y', P, 50, 50, 10, ['a']);
      same(want, await gw.userProximity(g, 'y', P, 50, 50, 10, ['a']));
      const g2 = await graph({ u: ['a'], v: ['a', 'q'] });
      await gw.prepare(g2);
      same(g2.userProximity('u', P, 50, 50, 10), await gw.userProximity(g2, 'u', P, 50, 50, 10, []));
      expect(gw.answered).toBe(3);
      // a request still holding the older index is answered in-thread, and the worker keeps the newer copy
      same(g.userProximity('y', P, 50, 50, 10), await gw.userProximity(g, 'y', P, 50, 50, 10, []));
      same(g2.userProximity('v', P, 50, 50, 10), await gw.userProximity(g2, 'v', P, 50, 50, 10, []));
      expect(gw.answered).toBe(4);
      // the evidence paths of a page, on the worker, after writes too
      g2.addInteraction('w', 'a', 1, 'like');
      g2.addInteraction('w', 'q', 1, 'view');
      const via = g2.bestVia('u', ['q', 'a', 'missing'], 50);
      expect(via.size).toBeGreaterThan(0);
      expect(await gw.bestVia(g2, 'u', ['q', 'a', 'missing'], 50)).toEqual(via);
      expect(gw.answered).toBe(5);
      // and in-thread for a request holding the older index
      expect(await gw.bestVia(g, 'y', ['a', 'b'], 50)).toEqual(g.bestVia('y', ['a', 'b'], 50));
      expect(gw.answered).toBe(5);
    } finally {
      await gw.dispose();
    }
  });
});

describe('serving/evidence: reasons from the in-process graph', () => {
  // u has a (coffee) and b (coffee, books); v and w share a and b with u; u follows v and x
  const adj = { u: ['b', 'a'], v: ['a', 'z', 'y'], w: ['a', 'b', 'z'], x: ['z'] };
  const m = (): ItemMatrix => {
    const ids = ['a', 'b', 'y', 'z'];
    return {
      version: 'v', dims: 1, ids, index: new Map(ids.map((id, k) => [id, k])), embeddings: new Float32Array(4), count: 4,
      categories: [['coffee'], ['coffee', 'books'], ['tea'], ['coffee', 'tea']], titles: ['Arabica', 'Beans', null, 'Zest'],
      degree: Float64Array.from([3, 2, 1, 3]), unreached: new Set(),
    };
  };

  it('builds the co-interaction, followee, context, category and popularity evidence of a page', async () => {
    const g = await graph(adj, { u: ['v', 'x'] }, { 'u>a': 'purchase' });
    const [z, y] = memoryEvidence(g, m(), 'u', ['z', 'y'], {
      categories: ['tea'], maxUserItems: 50,
      contextHits: new Map([['z', [{ kind: 'device', value: 'mobile', count: 2 }, { kind: 'timeOfDay', value: 'night', count: 0 }]]]),
    });
    // z: a is shared with v and w (2 people), b with w only; u bought a
    expect(z).toEqual({
      id: 'z', title: 'Zest', co: { id: 'a', title: 'Arabica', kind: 'purchase', people: 2 }, followees: 2, followeeIds: ['v', 'x'],
      popularIn: [{ kind: 'device', value: 'mobile', count: 2 }], category: { name: 'tea', viaId: null, viaTitle: null }, popularity: 3,
    });
    expect(y).toMatchObject({ co: { id: 'a', people: 1 }, followees: 1, followeeIds: ['v'], popularIn: [], category: { name: 'tea', viaId: null } });
    // without a requested category: the category z shares with u's most recent item there (b, then a)
    const [z2] = memoryEvidence(g, m(), 'u', ['z'], { categories: [], maxUserItems: 50 });
    expect(z2.category).toEqual({ name: 'coffee', viaId: 'b', viaTitle: 'Beans' });
    // an item of u's own names another of u's items, never itself
    const [b] = memoryEvidence(g, m(), 'u', ['b'], { categories: [], maxUserItems: 50 });
    expect(b.category).toEqual({ name: 'coffee', viaId: 'a', viaTitle: 'Arabica' });
  });

  it('follows this process\'s writes: interaction kinds, new followee interactions, deleted users', async () => {
    const g = await graph(adj, { u: ['v', 'x'] });
    g.addInteraction('x', 'y', 1, 'like');
    expect(memoryEvidence(g, m(), 'u', ['y'], { categories: [], maxUserItems: 50 })[0]).toMatchObject({ followees: 2, followeeIds: ['v', 'x'] });
    g.addInteraction('u', 'a', 1, 'save');
    expect(g.userItemsOf('u')).toEqual({ ids: ['a', 'b'], kinds: ['save', 'view'] });
    expect(g.bestVia('u', ['z'], 50).get('z')).toMatchObject({ viaId: 'a', kind: 'save' });
    g.removeUser('v');
    expect(memoryEvidence(g, m(), 'u', ['y'], { categories: [], maxUserItems: 50 })[0]).toMatchObject({ co: null, followees: 1, followeeIds: ['x'] });
    expect(g.followeesWith('u', ['z']).get('z')).toEqual(['x']);
  });
});

describe('serving/explain: sentences with their paths', () => {
  it('words each kind of evidence and keeps other users anonymous', () => {
    const reasons = reasonsFor('alice', {
      id: 'j', co: { id: 'i', title: 'Flat white', kind: 'purchase', people: 2 }, followees: 2, followeeIds: ['bob', 'carol'],
      popularIn: [{ kind: 'device', value: 'mobile', count: 3 }, { kind: 'timeOfDay', value: 'evening', count: 2 }],
      category: { name: 'Coffee', viaId: 'i', viaTitle: 'Flat white' }, popularity: 10,
    });
    expect(reasons.map((r) => r.text)).toEqual([
      'You bought "Flat white"; 2 people who interacted with it also interacted with this.',
      '2 people you follow interacted with it.',
      'Popular on mobile in the evening.',
      'In Coffee, like "Flat white" that you interacted with.',
    ]);
    expect(reasons[0].paths[0].nodes.map((n) => n.id)).toEqual(['alice', 'i', null, 'j']);
    expect(reasons[1].paths).toHaveLength(2);
    expect(reasons.every((r) => r.paths.every((p) => p.relationships.length === p.nodes.length - 1))).toBe(true);
  });

  it('falls back to popularity only when nothing else explains the item', () => {
    const r = reasonsFor('eve', { id: 'j', co: null, followees: 0, followeeIds: [], popularIn: [], category: null, popularity: 1 });
    expect(r).toEqual([{ kind: 'POPULARITY', text: 'Popular: 1 interaction so far.', paths: [{ nodes: [{ label: 'User', id: null, name: null }, { label: 'Item', id: 'j', name: null }], relationships: [{ type: 'INTERACTED', direction: 'FORWARD' }] }] }]);
    expect(contextPhrase({ kind: 'weather', value: 'rain' })).toBe('with weather rain');
  });
});

describe('serving/dotScorer: micro-batched dot products on TensorFlow.js', () => {
  it('gives every concurrent query the same scores as the plain-JS loop', async () => {
    const { DotScorer } = await import('../../src/serving/dotScorer');
    const { dotAll } = await import('../../src/serving/scan');
    const { createLogger } = await import('../../src/log');
    const rnd = centred(3);
    const m = matrix(Array.from({ length: 300 }, () => Array.from({ length: 16 }, rnd)));
    const scorer = new DotScorer(createLogger('silent'));
    const queries = Array.from({ length: 5 }, () => Float32Array.from({ length: 16 }, rnd));
    const got = await Promise.all(queries.map((q) => scorer.scores(m, q)));
    queries.forEach((q, k) => {
      const want = new Float32Array(300);
      dotAll(m, q, want);
      expect(got[k].length).toBe(300);
      for (let r = 0; r < 300; r++) expect(got[k][r]).toBeCloseTo(want[r], 4);
    });
    await expect(scorer.scores(m, new Float32Array(3))).rejects.toThrow('query has 3 dims, the item matrix has 16');
    scorer.dispose();
  });

  it('ranks each query of a batch straight from the batch result, as the exact scan does', async () => {
    const { DotScorer } = await import('../../src/serving/dotScorer');
    const { topByDot } = await import('../../src/serving/scan');
    const { createLogger } = await import('../../src/log');
    const rnd = centred(11);
    const m = matrix(Array.from({ length: 500 }, () => Array.from({ length: 8 }, rnd)));
    const scorer = new DotScorer(createLogger('silent'));
    const queries = Array.from({ length: 4 }, () => Float32Array.from({ length: 8 }, rnd));
    const keep = (r: number) => r % 3 !== 0;
    const got = await Promise.all(queries.map((q) => scorer.top(m, q, 10, keep)));
    queries.forEach((q, k) => {
      const want = topByDot(m, q, 10, keep);
      expect(got[k].map((x) => x.row)).toEqual(want.map((x) => x.row));
      got[k].forEach((x, i) => expect(x.score).toBeCloseTo(want[i].score, 4));
    });
    scorer.dispose();
  });

  it('waits for approaching requests to batch them, and not longer than maxWaitMs', async () => {
    const { DotScorer } = await import('../../src/serving/dotScorer');
    const { createLogger } = await import('../../src/log');
    const m = matrix([[1, 0], [0, 1], [1, 1]]);
    let approaching = 1;
    const scorer = new DotScorer(createLogger('silent'), true, () => approaching, 10_000);
    let done = false;
    const first = scorer.top(m, Float32Array.from([1, 0]), 1, () => true).then((r) => { done = true; return r; });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(done).toBe(false); // one request is still on its way: the batch waits for it
    approaching = 0;
    const second = scorer.top(m, Float32Array.from([0, 1]), 1, () => true);
    expect((await first)[0].row).toBe(0);
    expect((await second)[0].row).toBe(1);
    const quick = new DotScorer(createLogger('silent'), true, () => 5, 20); // nobody arrives: runs after maxWaitMs
    expect((await quick.top(m, Float32Array.from([1, 1]), 1, () => true))[0].row).toBe(2);
    scorer.dispose();
    quick.dispose();
  });
});

describe('serving/workerScorer: the exact scan on a worker thread', () => {
  /** A matrix in a SharedArrayBuffer, as the model store loads it. */
  function sharedMatrix(rows: number[][]): ItemMatrix {
    const m = matrix(rows);
    const e = new Float32Array(new SharedArrayBuffer(m.embeddings.length * 4));
    e.set(m.embeddings);
    return { ...m, embeddings: e, generation: 1 };
  }

  it('ranks like the exact scan, filters over-fetched rows, and follows rows rewritten in place', async () => {
    const { WorkerScorer } = await import('../../src/serving/workerScorer');
    const { topByDot } = await import('../../src/serving/scan');
    const { createLogger } = await import('../../src/log');
    const rnd = centred(5);
    const m = sharedMatrix(Array.from({ length: 400 }, () => Array.from({ length: 8 }, rnd)));
    const scorer = new WorkerScorer(createLogger('silent'));
    try {
      const queries = Array.from({ length: 6 }, () => Float32Array.from({ length: 8 }, rnd));
      const excluded = new Set([3, 7, 11, 50, 51]);
      const keep = (r: number) => !excluded.has(r);
      const got = await Promise.all(queries.map((q) => scorer.top(m, q, 10, keep, excluded.size)));
      // a second batch on the same matrix (its tensor must survive the first batch)
      got.push(...await Promise.all(queries.map((q) => scorer.top(m, q, 10, keep, excluded.size))));
      queries.push(...queries);
      queries.forEach((q, k) => {
        const want = topByDot(m, q, 10, keep);
        expect(got[k].map((x) => x.row)).toEqual(want.map((x) => x.row));
        got[k].forEach((x, i) => expect(x.score).toBeCloseTo(want[i].score, 4));
      });
      // an upsert rewrites row 0 in the shared buffer and bumps the generation: the worker re-reads it
      const q = queries[0];
      m.embeddings.set(Array.from(q, (x) => x * 100), 0);
      m.generation = 2;
      expect((await scorer.top(m, q, 1, keep, excluded.size))[0].row).toBe(0);
      await expect(scorer.top(m, new Float32Array(3), 1, keep, 0)).rejects.toThrow('query has 3 dims, the item matrix has 8');
    } finally {
      await scorer.dispose();
    }
  });
});

