import { generateSynthetic, syntheticToHeteroGraph } from '../../src/import/synthetic';
import { initBackend } from '../../src/model/backend';
import { buildFilterBasis, FilterScorer } from '../../src/model/filter';
import { categoryRows, followsRows, graphRelations } from '../../src/model/pathTerms';
import { degreePower } from '../../src/model/spectral';
import { ModelScorer, rowOf, ScorerDisposedError } from '../../src/model/scorer';
import { positiveOnly } from '../../src/model/interestModel';
import { topK } from '../../src/model/topk';
import { ContextLift } from '../../src/model/contextLift';
import { itemContextCountsOf } from '../../src/model/contextTerm';
import { seededRandom } from '../../src/random';
import { explainGraph, withoutCited } from '../../src/serving/explain';
import type { ModelState } from '../../src/serving/modelState';
import { PRODUCT_BATCH_ROWS, retrieve } from '../../src/serving/retrieval';

const graph = syntheticToHeteroGraph(generateSynthetic({ users: 300, items: 150, seed: 5 }), { split: 'random', seed: 5 });
const train = positiveOnly(graph.train);
let filter: FilterScorer;
let scorer: ModelScorer;

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
  const basis = buildFilterBasis(train, { k: 16, iterations: 6, seed: 3 });
  const spectral = Float32Array.from({ length: 16 }, (_, j) => 0.5 - j * 0.02);
  filter = new FilterScorer(basis, {
    linearWeight: 0.8, linearInputExponent: 0.1, linearOutputExponent: 0.2, spectral, spectralInputExponent: 0.4, spectralOutputExponent: 0.3, userNormExponent: 0.25, categoryWeight: 0, followsWeight: 0, contextWeight: 0, contextSmoothing: 5,
  });
  scorer = new ModelScorer(filter.scorerParts());
});

afterAll(() => {
  filter.dispose();
  scorer.dispose();
});

describe('model/scorer: the model score of one row, exactly', () => {
  const users = Int32Array.from({ length: 40 }, (_, q) => q * 7);

  it('scores rows as the fitted FilterScorer does (offline batch and one row)', () => {
    const n = scorer.numItems;
    const a = new Float32Array(users.length * n);
    const b = new Float32Array(users.length * n);
    filter.score(users, a);
    scorer.scoreRows(train, users, b);
    users.forEach((u, q) => {
      const one = scorer.scoreRow(rowOf(train, u));
      for (let j = 0; j < n; j++) {
        expect(b[q * n + j]).toBeCloseTo(a[q * n + j], 5);
        expect(one[j]).toBeCloseTo(a[q * n + j], 5);
      }
    });
  });

  it('serves a row the scores of its offline batch to the bit (the embedding product does not depend on the batch)', () => {
    const n = scorer.numItems;
    const batch = new Float32Array(users.length * n);
    scorer.scoreRows(train, users, batch);
    const all = new Uint8Array(n).fill(1);
    users.forEach((u, q) => {
      const top = scorer.top(rowOf(train, u), n, all);
      expect(top.items.length).toBe(n);
      top.items.forEach((j, r) => expect(Math.fround(top.graph[r] + top.embedding[r])).toBe(batch[q * n + j]));
      for (let r = 1; r < n; r++) expect(batch[q * n + top.items[r - 1]]).toBeGreaterThanOrEqual(batch[q * n + top.items[r]]);
      expect(Array.from(scorer.scoreRow(rowOf(train, u)))).toEqual(Array.from(batch.subarray(q * n, (q + 1) * n)));
    });
  });

  it('copies the factors back from the backend at the first row read once prepared, and refuses products after dispose', () => {
    const other = new ModelScorer(filter.scorerParts());
    const row = rowOf(train, users[1]);
    const before = other.scoreRow(row);
    const rows = [0, 5, 3, other.numItems - 1];
    const host = other.factorRows(rows);
    expect(Array.from(host.subarray(other.k, 2 * other.k))).toEqual(Array.from(filter.scorerParts().itemFactors.subarray(5 * other.k, 6 * other.k)));
    other.prepare();
    expect(other.parts.itemFactors.length).toBe(0);
    expect(Array.from(other.scoreRow(row))).toEqual(Array.from(before));
    expect(Array.from(other.factorRows(rows))).toEqual(Array.from(host));
    expect(Array.from(other.parts.itemFactors)).toEqual(Array.from(filter.scorerParts().itemFactors));
    expect(Array.from(other.factorRows([]))).toEqual([]);
    other.dispose();
    expect(() => other.scoreRow(row)).toThrow(ScorerDisposedError);
  });

  it('includes the category and follows terms, in one row (with its user) as in the batch', () => {
    const rel = graphRelations(graph.itemCategory, graph.follows);
    expect(rel.category && rel.follows).toBeTruthy();
    const withRel = new FilterScorer({ ...filter.basis, relations: rel }, { ...filter.response, categoryWeight: 0.7, followsWeight: 0.4 });
    const rs = new ModelScorer(withRel.scorerParts());
    expect(rs.hasRelationTerms).toBe(true);
    const n = rs.numItems;
    const plain = new Float32Array(users.length * n);
    const full = new Float32Array(users.length * n);
    scorer.scoreRows(train, users, plain);
    rs.scoreRows(train, users, full);
    const cat = categoryRows(rel, train, users, new Float32Array(users.length * n));
    const fol = followsRows(rel, filter.basis.norm, users, new Float32Array(users.length * n));
    const dOut = degreePower(filter.basis.norm.itemDegree, filter.response.linearOutputExponent);
    let differs = 0;
    users.forEach((u, q) => {
      const one = rs.scoreRow({ ...rowOf(train, u), user: u });
      const top = rs.top({ ...rowOf(train, u), user: u }, 10, new Uint8Array(n).fill(1));
      for (let j = 0; j < n; j++) {
        const want = plain[q * n + j] + (0.7 * cat[q * n + j] + 0.4 * fol[q * n + j]) * dOut[j];
        expect(full[q * n + j]).toBeCloseTo(want, 5);
        expect(one[j]).toBeCloseTo(want, 5);
        if (Math.abs(full[q * n + j] - plain[q * n + j]) > 1e-6) differs++;
      }
      const order = new Int32Array(10);
      topK(full, q * n, n, 10, order);
      expect(Array.from(top.items)).toEqual(Array.from(order));
    });
    expect(differs).toBeGreaterThan(0);
  });

  it('returns the dense ranking\'s top among allowed items, for any page size and allowed set', () => {
    const n = scorer.numItems;
    const rnd = seededRandom(7);
    for (const u of users) for (const [count, share] of [[1, 1], [20, 1], [60, 1], [20, 0.05]] as const) {
      const row = rowOf(train, u);
      const dense = scorer.scoreRow(row);
      const allowed = Uint8Array.from({ length: n }, () => (rnd() < share ? 1 : 0));
      for (const i of row.indices) allowed[i] = 0;
      for (let j = 0; j < n; j++) if (!allowed[j]) dense[j] = -Infinity;
      const want = new Int32Array(count);
      const got = topK(dense, 0, n, count, want);
      const top = scorer.top(row, count, allowed);
      expect(Array.from(top.items)).toEqual(Array.from(want.subarray(0, got)));
      top.items.forEach((j, q) => expect(top.graph[q] + top.embedding[q]).toBeCloseTo(top.scores[q], 5));
    }
  });

  it('adds the fitted context term of a request: the top is the dense ranking of score + weight · lift', () => {
    const entries = graph.trainContexts!;
    expect(entries.rows).toBe(graph.train.indices.length);
    const counts = itemContextCountsOf(graph.train, entries);
    const keys = graph.contexts;
    const weight = 0.05;
    const withContext = new ModelScorer({ ...filter.scorerParts(), context: { lift: new ContextLift(counts, keys, 5), weight } });
    const request = [keys[0], keys[keys.length - 1]];
    const ctx = withContext.contextRow(request)!;
    const lift = new ContextLift(counts, keys, 5);
    const raw = new Float32Array(withContext.numItems);
    lift.scoreAll(lift.resolve(request), raw);
    expect(Array.from(ctx)).toEqual(Array.from(raw, (x) => Math.fround(x * weight)));
    expect(ctx.some((x) => x !== 0)).toBe(true);
    // the same context combination in another order is the same (cached) row
    expect(withContext.contextRow([request[1], request[0]])).toBe(ctx);
    expect(withContext.contextRow([])).toBeNull();
    expect(withContext.contextRow([{ kind: 'device', value: 'unknown-device' }])).toBeNull();
    expect(scorer.contextRow(request)).toBeNull(); // a version without the term
    const n = withContext.numItems;
    for (const u of users) {
      const row = rowOf(train, u);
      const dense = withContext.scoreRow(row);
      const allowed = new Uint8Array(n).fill(1);
      for (const i of row.indices) allowed[i] = 0;
      for (let j = 0; j < n; j++) dense[j] = allowed[j] ? dense[j] + ctx[j] : -Infinity;
      const want = new Int32Array(20);
      const got = topK(dense, 0, n, 20, want);
      const top = withContext.top(row, 20, allowed, withContext.terms(row, true), ctx);
      expect(Array.from(top.items)).toEqual(Array.from(want.subarray(0, got)));
      top.items.forEach((j, q) => {
        expect(top.context[q]).toBe(ctx[j]);
        expect(top.graph[q] + top.embedding[q] + top.context[q]).toBeCloseTo(top.scores[q], 5);
      });
    }
  });
});

describe('serving/explain: the graph term split over the user\'s items', () => {
  it('adds up to the graph term, and the row without the cited items loses their share', () => {
    const state = { scorer, matrix: { basisItems: scorer.numItems } } as unknown as ModelState;
    for (const u of users()) {
      const row = rowOf(train, u);
      const { graph: g } = scorer.terms(row);
      const targets = Array.from({ length: scorer.numItems }, (_, j) => j).filter((j) => g[j] > 0).slice(0, 10);
      const ex = explainGraph(state, row, u, targets);
      ex.forEach((e, t) => {
        expect(e.graph).toBeCloseTo(g[targets[t]], 5);
        expect(e.citedShare).toBeGreaterThan(0);
        expect(e.citedShare).toBeLessThanOrEqual(1 + 1e-9);
        const after = scorer.terms(withoutCited(row, e.cited)).graph[targets[t]];
        const cited = e.cited.reduce((s, c) => s + c.contribution, 0);
        expect(after).toBeCloseTo(g[targets[t]] - cited, 5);
      });
    }
  });

  function users(): number[] {
    return [1, 8, 15, 22];
  }
});

describe('serving/retrieval: concurrent rows share one embedding product', () => {
  it('returns each row the top it gets alone, from fewer products than rows', async () => {
    const n = scorer.numItems;
    const state = { scorer, matrix: { basisItems: n, count: n, dims: scorer.k, degree: new Float64Array(n), upserted: new Float32Array(0) } } as unknown as ModelState;
    const us = Array.from({ length: 12 }, (_, q) => q * 11 + 1);
    const allowedFor = (u: number) => {
      const a = new Uint8Array(n).fill(1);
      for (const i of rowOf(train, u).indices) a[i] = 0;
      return a;
    };
    const alone = [];
    for (const u of us) alone.push(await retrieve(state, rowOf(train, u), 15, allowedFor(u)));
    const spy = jest.spyOn(scorer, 'embeddingTerms');
    try {
      const together = await Promise.all(us.map((u) => retrieve(state, rowOf(train, u), 15, allowedFor(u))));
      expect(together).toEqual(alone);
      expect(spy.mock.calls.length).toBeLessThan(us.length);
      expect(spy.mock.calls.map(([, b]) => b).reduce((x, y) => x + y, 0)).toBe(us.length);
      expect(Math.max(...spy.mock.calls.map(([, b]) => b))).toBeLessThanOrEqual(PRODUCT_BATCH_ROWS);
    } finally {
      spy.mockRestore();
    }
  });
});
