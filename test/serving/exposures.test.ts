import fs from 'node:fs';
import path from 'node:path';
import type { Executor } from '../../src/db/executor';
import { PROJECT_ROOT } from '../../src/paths';
import type { Logger } from '../../src/log';
import { ExposureLog, type Exposure } from '../../src/serving/exposures';
import { explorationReason, ServingPolicy, type ScoredCandidate } from '../../src/serving/servingPolicy';
import type { ActiveModel, ItemMatrix } from '../../src/serving/modelState';
import { loadPolicyConfig, ConfigError } from '../../src/config';
import { DEFAULT_SERVING } from '../../src/serving/servingEngine';

/** A logger that keeps its warnings. */
function quietLog(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const log = { warnings, warn: (_o: unknown, msg: string) => warnings.push(msg), info: () => undefined, error: () => undefined, debug: () => undefined };
  return Object.assign(log, { child: () => log }) as unknown as Logger & { warnings: string[] };
}

/** An executor stand-in that records the statements it is given (the exposure log's own logic is under test, not Neo4j). */
function recordingDb(counts: { id: string; exposures: number; feedback: number }[] = []) {
  const writes: { name: string; params: any }[] = [];
  let failing = false;
  const db = {
    read: async (_name: string, _params: unknown, counter?: { count: number }) => {
      if (counter) counter.count++;
      return counts;
    },
    write: async (name: string, params: any) => {
      if (failing) throw new Error('Neo4j is down');
      writes.push({ name, params });
      return [];
    },
  } as unknown as Executor;
  return { db, writes, setFailing: (f: boolean) => { failing = f; } };
}

const AT = new Date().toISOString();
const shown = (itemId: string, impressionId = 'imp1', userId = 'u1', position = 1, exploration = false): Exposure => ({
  userId, itemId, impressionId, position, probability: exploration ? 0.05 : 0.5, exploration, score: 1, modelVersion: 'v', at: AT,
});

describe('serving/exposures: write-behind exposure log', () => {
  it('writes queued rows in one statement per flush, exposures before the feedback that refers to them', async () => {
    const { db, writes } = recordingDb();
    const log = new ExposureLog(db, quietLog(), { flushMs: 60_000 });
    log.record([shown('a', 'imp1', 'u1', 1), shown('b', 'imp1', 'u1', 2, true), shown('c', 'imp1', 'u1', 3), shown('a', 'imp2', 'u1', 1)]);
    expect(log.feedback('u1', 'a', 'click')).toBe('imp2'); // the latest uncredited exposure
    expect(writes).toEqual([]);
    expect(await log.flush()).toBe(5);
    expect(writes).toHaveLength(1);
    const p = writes[0].params;
    expect(writes[0].name).toBe('serving/logExposures');
    // one map per page, the per-item values as parallel lists, positions from `first`, exploration slots by index
    expect(p.pages).toEqual([
      { userId: 'u1', impressionId: 'imp1', modelVersion: 'v', at: AT, first: 1, items: ['a', 'b', 'c'], probabilities: [0.5, 0.05, 0.5], explored: [1], scores: [1, 1, 1] },
      { userId: 'u1', impressionId: 'imp2', modelVersion: 'v', at: AT, first: 1, items: ['a'], probabilities: [0.5], explored: [], scores: [1] },
    ]);
    expect(Object.keys(p).sort()).toEqual(['feedback', 'pages', 'windowSeconds']);
    expect(p.feedback).toMatchObject([{ userId: 'u1', itemId: 'a', impressionId: 'imp2', kind: 'click' }]);
    expect(p.windowSeconds).toBe(24 * 3600);
    expect(log.pending).toBe(0);
  });

  it('starts a new page map where positions are not consecutive (a page split between two flushes keeps its positions)', async () => {
    const { db, writes } = recordingDb();
    const log = new ExposureLog(db, quietLog(), { flushMs: 60_000 });
    log.record([shown('a', 'imp1', 'u1', 4), shown('b', 'imp1', 'u1', 5), shown('c', 'imp1', 'u1', 7)]);
    await log.flush();
    expect(writes[0].params.pages.map((p: { first: number; items: string[] }) => [p.first, p.items])).toEqual([[4, ['a', 'b']], [7, ['c']]]);
  });

  it('flushes by itself after flushMs, and at once when batchRows are waiting', async () => {
    jest.useFakeTimers();
    try {
      const { db, writes } = recordingDb();
      const timed = new ExposureLog(db, quietLog(), { flushMs: 20 });
      timed.record([shown('a')]);
      await jest.advanceTimersByTimeAsync(19);
      expect(writes).toHaveLength(0);
      await jest.advanceTimersByTimeAsync(1);
      expect(writes).toHaveLength(1);
      const batched = new ExposureLog(db, quietLog(), { flushMs: 60_000, batchRows: 2 });
      batched.record([shown('a'), shown('b'), shown('c')]);
      await jest.advanceTimersByTimeAsync(0);
      expect(writes).toHaveLength(2);
      expect(writes[1].params.pages.flatMap((x: { items: string[] }) => x.items)).toHaveLength(2); // at most batchRows per statement
      await batched.close();
      expect(writes).toHaveLength(3);
      expect(batched.pending).toBe(0);
      await timed.close();
    } finally {
      jest.useRealTimers();
    }
  });

  it('keeps at most bufferMax rows while Neo4j is down, warns once, never throws, and catches up when it is back', async () => {
    const { db, writes, setFailing } = recordingDb();
    const log = quietLog();
    const ex = new ExposureLog(db, log, { flushMs: 60_000, batchRows: 1000, bufferMax: 100 });
    setFailing(true);
    for (let k = 0; k < 30; k++) ex.record(Array.from({ length: 10 }, (_, j) => shown(`i${j}`, `imp${k}`)));
    await expect(ex.flush()).resolves.toBe(0);
    await expect(ex.flush()).resolves.toBe(0);
    expect(ex.pending).toBeLessThanOrEqual(100);
    expect(log.warnings.filter((w) => /buffer full/.test(w))).toHaveLength(1);
    expect(log.warnings.filter((w) => /flush failed/.test(w))).toHaveLength(1);
    // ranking counts keep every exposure even when rows are dropped
    expect(ex.count('i0').exposures).toBe(30);
    setFailing(false);
    const pending = ex.pending;
    await expect(ex.flush()).resolves.toBe(pending);
    expect(writes).toHaveLength(1);
    // the newest rows survived
    expect(writes[0].params.pages.at(-1).impressionId).toBe('imp29');
  });

  it('counts exposures and feedback at once: once per exposure, within the window, and for the named impression only', () => {
    const { db } = recordingDb();
    const ex = new ExposureLog(db, quietLog(), { flushMs: 60_000, feedbackWindowMs: 50 });
    ex.record([shown('a', 'imp1'), shown('b', 'imp1')]);
    expect(ex.count('a')).toEqual({ exposures: 1, feedback: 0 });
    expect(ex.feedback('u1', 'a', 'click', 'other-impression')).toBeNull();
    expect(ex.feedback('u2', 'a', 'click')).toBeNull(); // another user was not shown it
    expect(ex.feedback('u1', 'a', 'click', 'imp1')).toBe('imp1');
    expect(ex.count('a')).toEqual({ exposures: 1, feedback: 1 });
    expect(ex.feedback('u1', 'a', 'like')).toBeNull(); // that exposure is credited already
    expect(ex.count('a')).toEqual({ exposures: 1, feedback: 1 });
    const later = Date.now() + 100;
    const now = Date.now;
    Date.now = () => later;
    try {
      expect(ex.feedback('u1', 'b', 'click')).toBeNull(); // outside the window
    } finally {
      Date.now = now;
    }
    expect(ex.count('b')).toEqual({ exposures: 1, feedback: 0 });
  });

  it('loads the graph\'s counts for a model version (once) and adds the rows still queued', async () => {
    const { db } = recordingDb([{ id: 'a', exposures: 10, feedback: 3 }, { id: 'b', exposures: 2, feedback: 5 }]);
    const ex = new ExposureLog(db, quietLog(), { flushMs: 60_000 });
    ex.record([shown('a')]);
    ex.feedback('u1', 'a', 'click');
    const counter = { count: 0 };
    await ex.ensureCounts('v1', counter);
    await ex.ensureCounts('v1', counter);
    expect(counter.count).toBe(1);
    expect(ex.count('a')).toEqual({ exposures: 11, feedback: 4 });
    expect(ex.count('b')).toEqual({ exposures: 2, feedback: 2 }); // feedback never exceeds exposures
    expect(ex.count('c')).toEqual({ exposures: 0, feedback: 0 });
    await ex.ensureCounts('v2', counter);
    expect(counter.count).toBe(2);
  });
});

function matrix(rows: Record<string, { e: number[]; c: string[]; degree?: number }>): ItemMatrix {
  const ids = Object.keys(rows);
  const dims = rows[ids[0]].e.length;
  const flat = Float32Array.from(ids.flatMap((id) => rows[id].e));
  return {
    version: 'v', dims, ids, index: new Map(ids.map((id, k) => [id, k])), upserted: new Float32Array(0),
    vectors: (r) => Float32Array.from(Array.from(r).flatMap((x) => Array.from(flat.subarray(x * dims, (x + 1) * dims)))),
    categories: ids.map((id) => rows[id].c), titles: ids.map(() => null), degree: Float64Array.from(ids, (id) => rows[id].degree ?? 0), count: ids.length, basisItems: ids.length,
  };
}

const MODEL = { version: 'v' } as ActiveModel;

function scored(entries: [string, number][]): ScoredCandidate[] {
  return entries.map(([id, score]) => ({ id, score, breakdown: { embedding: score, graph: 0, context: 0, popularity: 0, exploration: 0 } }));
}

describe('serving/policy: the online re-ranking policy', () => {
  const m = matrix({
    a1: { e: [1, 0, 0], c: ['x'] }, a2: { e: [0.9, 0.1, 0], c: ['x'] }, a3: { e: [1, 0.05, 0], c: ['x'] },
    b1: { e: [0, 1, 0], c: ['y'] }, b2: { e: [0, 0.9, 0.1], c: ['y'] }, c1: { e: [0, 0, 1], c: ['z'] },
  });
  const cands = scored([['a1', 5], ['a2', 4], ['b1', 4], ['a3', 3], ['b2', 2], ['c1', 1]]);

  it('is pure relevance (ties by id) under the neutral policy, with breakdowns that sum to the score', async () => {
    const { db } = recordingDb();
    const p = new ServingPolicy(db, quietLog());
    const r = await p.rank({ first: 6, userId: 'u', model: MODEL, matrix: m, negatives: [], categories: [], scored: cands });
    expect(r.page.map((x) => x.id)).toEqual(['a1', 'a2', 'b1', 'a3', 'b2', 'c1']);
    expect(r.slots.every((s) => !s.exploration && s.probability === 1)).toBe(true);
    for (const x of r.page) {
      const b = x.breakdown;
      expect(b.embedding + b.graph + b.context + b.popularity + b.exploration + b.novelty! + b.diversity! + b.feedback!).toBeCloseTo(x.score, 12);
    }
  });

  it('drops negative items and pushes their embedding neighbours down by strength × range × cosine', async () => {
    const { db } = recordingDb();
    const p = new ServingPolicy(db, quietLog(), { negativeFeedback: 0.5 });
    const r = await p.rank({ first: 6, userId: 'u', model: MODEL, matrix: m, negatives: ['a1'], categories: [], scored: cands });
    const by = new Map(r.page.map((x) => [x.id, x]));
    expect(by.has('a1')).toBe(false);
    const range = 4 - 1; // scores of the kept candidates
    const cos = 0.9 / Math.hypot(0.9, 0.1);
    expect(by.get('a2')!.breakdown.feedback).toBeCloseTo(-0.5 * range * cos, 6);
    expect(by.get('b1')!.breakdown.feedback).toBe(0); // orthogonal: clipped at 0, no push-down
    expect(by.get('c1')!.breakdown.feedback).toBe(0);
    // a2 (4, near a1) now ranks below b1 (4, far from a1)
    expect(r.page.map((x) => x.id).indexOf('b1')).toBeLessThan(r.page.map((x) => x.id).indexOf('a2'));
  });

  it('follows the seed: same seed, same page; exploration slots carry probability and evidence', async () => {
    const { db } = recordingDb();
    const p = new ServingPolicy(db, quietLog(), { exploration: 0.5 });
    const args = { first: 4, userId: 'u', model: MODEL, matrix: m, negatives: [], categories: ['y'], scored: cands, policy: { seed: 11 } };
    const a = await p.rank(args);
    const b = await p.rank(args);
    expect(b.page).toEqual(a.page);
    expect(a.policy.seed).toBe(11);
    expect(a.explorationSlots).toBe(2);
    a.slots.filter((s) => s.exploration).forEach((s) => expect(s.probability).toBeLessThanOrEqual(0.5));
    const unseeded = await p.rank({ ...args, policy: {} });
    expect(Number.isInteger(unseeded.policy.seed)).toBe(true);
  });

  it('writes exploration reasons whose path is the item and its category', () => {
    expect(explorationReason('i1', 'Espresso', { exposures: 0, feedback: 0, category: 'coffee' })).toEqual({
      kind: 'EXPLORATION', text: 'Something new in coffee: not shown to anyone yet, so we are learning who likes it.',
      paths: [{ nodes: [{ label: 'Item', id: 'i1', name: 'Espresso' }, { label: 'Category', id: 'coffee', name: 'coffee' }], relationships: [{ type: 'IN_CATEGORY', direction: 'FORWARD' }] }],
    });
    const r = explorationReason('i2', null, { exposures: 1, feedback: 1, category: null });
    expect(r.text).toBe('Something new: shown only 1 time so far (1 positive response), so we are learning who likes it.');
    expect(r.paths).toEqual([{ nodes: [{ label: 'Item', id: 'i2', name: null }], relationships: [] }]);
  });
});

describe('config: policy settings', () => {
  it('serves by default the settings the committed tuning run chose on validation', () => {
    const tuned = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'bench', 'results', 'serving-policy-validation-least-shown.json'), 'utf8'));
    expect(loadPolicyConfig({})).toMatchObject(tuned.chosen.settings);
    expect(DEFAULT_SERVING.policyCandidates).toBe(tuned.chosen.policyCandidates);
  });

  it('rejects a value out of range, naming the variable, the value and the range', () => {
    expect(() => loadPolicyConfig({ POLICY_EXPLORATION: '1.5' })).toThrow(new ConfigError('POLICY_EXPLORATION must be a number from 0 to 1, got "1.5"'));
    expect(() => loadPolicyConfig({ POLICY_DIVERSITY: 'lots' })).toThrow(/POLICY_DIVERSITY must be a number from 0 to 1, got "lots"/);
    expect(() => loadPolicyConfig({ EXPOSURE_FLUSH_MS: '0' })).toThrow(/EXPOSURE_FLUSH_MS must be an integer from 10 to 60000/);
  });
});
