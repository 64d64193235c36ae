import { pagePropensities, rerank, type RerankCandidate } from '../../src/policy/rerank';
import { intraListDiversity } from '../../src/model/metrics';
import { seededRandom } from '../../src/random';

/** 200 candidates in 10 categories with random 8-dim embeddings near their category's centre and mixed exposures. */
function candidates(n = 200, seed = 3): RerankCandidate[] {
  const rand = seededRandom(seed);
  const centres = Array.from({ length: 10 }, () => Array.from({ length: 8 }, () => rand() * 2 - 1));
  return Array.from({ length: n }, (_, i) => {
    const c = i % 10;
    const exposures = Math.floor(rand() * 50);
    return {
      id: `i${i}`,
      score: 1 - i / n + rand() * 0.01,
      breakdown: { embedding: 0.5, graph: 0.5 },
      embedding: Float32Array.from(centres[c], (x) => x + (rand() - 0.5) * 0.2),
      categories: [`c${c}`],
      exposures,
      feedback: Math.floor(rand() * (exposures / 5)),
      popularity: Math.floor(rand() * 1000),
    };
  }).map((c) => ({ ...c, breakdown: { embedding: c.score / 2, graph: c.score / 2 } }));
}

describe('policy/rerank: exploration', () => {
  const cands = candidates();

  it('marks exploration slots and their mean share follows the setting', () => {
    for (const exploration of [0, 0.05, 0.13, 0.3]) {
      let share = 0;
      const pages = 100;
      for (let s = 0; s < pages; s++) {
        const page = rerank(cands, { pageSize: 20, exploration, seed: s, explorationPool: 20 });
        const marked = page.slots.filter((x) => x.exploration);
        expect(marked.length).toBe(page.explorationSlots);
        for (const m of marked) expect(m.reason).toMatch(/exploring/);
        for (const m of page.slots.filter((x) => !x.exploration)) expect(m.reason).toBeUndefined();
        share += marked.length / page.slots.length;
      }
      // stochastic rounding: E[share] = exploration; the sd of the mean over 100 pages is below 0.0025
      expect(Math.abs(share / pages - exploration)).toBeLessThan(0.01);
    }
  });

  it('explores only under-exposed items the exploitation page would not show', () => {
    const exploit = new Set(rerank(cands, { pageSize: 20 }).slots.map((s) => s.id));
    const sorted = cands.map((c) => c.exposures ?? 0).sort((a, b) => a - b);
    const median = sorted[Math.floor(0.5 * (sorted.length - 1))];
    for (let s = 0; s < 50; s++) {
      for (const slot of rerank(cands, { pageSize: 20, exploration: 0.2, seed: s }).slots) {
        if (!slot.exploration) continue;
        expect(exploit.has(slot.id)).toBe(false);
        expect(cands[slot.candidate].exposures).toBeLessThanOrEqual(median);
        expect(slot.breakdown.exploration).toBeGreaterThan(0);
      }
    }
  });

  it('logs exactly the position-wise marginals a brute-force enumeration gives (Beta(a, 1) posteriors: a Plackett–Luce ranking)', () => {
    // 3 exploitation items and a pool of 4 whose posteriors are Beta(a, 1) (every exposure answered): θ = U^(1/a),
    // so the ranking by θ is Plackett–Luce with weights a, and every page has a closed-form probability
    const small: RerankCandidate[] = [
      { id: 'top', score: 10, exposures: 9 }, { id: 'second', score: 9, exposures: 9 }, { id: 'third', score: 8, exposures: 9 },
      { id: 'p1', score: 1, exposures: 0, feedback: 0 }, { id: 'p2', score: 1, exposures: 1, feedback: 1 },
      { id: 'p3', score: 1, exposures: 2, feedback: 2 }, { id: 'p4', score: 1, exposures: 4, feedback: 4 },
    ];
    const P = 3;
    const exploration = 0.5; // E = 1 or 2 with probability 1/2 each
    const weight: Record<string, number> = { p1: 1, p2: 2, p3: 3, p4: 5 };
    const exact = new Map<string, number>();
    const add = (id: string, k: number, p: number) => exact.set(`${id}@${k}`, (exact.get(`${id}@${k}`) ?? 0) + p);
    const pool = Object.keys(weight);
    const subsets = (e: number): number[][] => e === 1 ? [[0], [1], [2]] : [[0, 1], [0, 2], [1, 2]];
    for (const [e, pe] of [[1, 0.5], [2, 0.5]] as const) {
      for (const S of subsets(e)) {
        const pS = pe / subsets(e).length;
        const exploit = [0, 1, 2].filter((k) => !S.includes(k));
        exploit.forEach((k, j) => add(['top', 'second', 'third'][j], k, pS));
        // ordered draws of e pool items, Plackett–Luce: each next pick with probability a / (remaining weight)
        const walk = (left: string[], picked: string[], p: number) => {
          if (picked.length === e) {
            picked.forEach((id, r) => add(id, S[r], p));
            return;
          }
          const W = left.reduce((s, id) => s + weight[id], 0);
          for (const id of left) walk(left.filter((x) => x !== id), [...picked, id], p * weight[id] / W);
        };
        walk(pool, [], pS);
      }
    }
    const law = pagePropensities(small, { pageSize: P, exploration, underExposedQuantile: 1 });
    for (const c of small) for (let k = 0; k < P; k++) expect(law.prob(c.id, k)).toBeCloseTo(exact.get(`${c.id}@${k}`) ?? 0, 7);
    for (let s = 0; s < 50; s++) {
      for (const slot of rerank(small, { pageSize: P, exploration, underExposedQuantile: 1, seed: s }).slots) {
        expect(slot.probability).toBeCloseTo(exact.get(`${slot.id}@${slot.position}`)!, 7);
      }
    }
  });

  it('logs the position-wise marginals: every (item, position) frequency over 3,000 pages within 5 standard errors of it', () => {
    // general posteriors (mixed feedback), diversity and a category cap, random layout and Thompson ranking
    const pool = cands.slice(0, 30);
    const opts = { pageSize: 6, exploration: 0.3, diversity: 0.2, maxCategoryShare: 0.5, explorationPool: 8 };
    const law = pagePropensities(pool, opts);
    const N = 3000;
    const seen = new Map<string, number>();
    for (let s = 0; s < N; s++) {
      for (const slot of rerank(pool, { ...opts, seed: s }).slots) {
        const key = `${slot.id}@${slot.position}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
        if (s < 200) expect(slot.probability).toBe(law.prob(slot.id, slot.position));
      }
    }
    let cells = 0;
    for (const c of pool) {
      for (let k = 0; k < opts.pageSize; k++) {
        const p = law.prob(c.id, k);
        const freq = (seen.get(`${c.id}@${k}`) ?? 0) / N;
        if (p === 0) {
          expect(freq).toBe(0);
          continue;
        }
        cells++;
        // binomial standard error of the frequency; 5 of them keeps a false alarm below 1e-6 per cell
        expect(Math.abs(freq - p)).toBeLessThanOrEqual(5 * Math.sqrt(p * (1 - p) / N) + 1e-12);
      }
    }
    expect(cells).toBeGreaterThan(3 * opts.pageSize); // the exploration items are spread over many cells
    for (let k = 0; k < opts.pageSize; k++) expect(pool.reduce((s, c) => s + law.prob(c.id, k), 0)).toBeCloseTo(1, 6);
  });

  it('gives an exploitation item k − j earlier exploration slots with the hypergeometric probability', () => {
    // P = 20, exploration 0.2: always E = 4 exploration slots; L[0] stays first when position 0 is not one
    const page = rerank(cands, { pageSize: 20, exploration: 0.2, seed: 9 });
    const first = page.slots.find((s) => !s.exploration)!;
    const law = pagePropensities(cands, { pageSize: 20, exploration: 0.2 });
    const top = rerank(cands, { pageSize: 20 }).slots[0].id;
    expect(law.prob(top, 0)).toBeCloseTo(16 / 20, 12);
    // L[0] at position 2: positions 0 and 1 both exploration, 2 not: C(2,2) C(17,2) / C(20,4)
    expect(law.prob(top, 2)).toBeCloseTo((1 * 136) / 4845, 12);
    expect(first.probability).toBeGreaterThan(0);
    expect(rerank(cands, { pageSize: 20, seed: 9 }).slots.every((s) => s.probability === 1)).toBe(true);
  });
});

describe('policy/rerank: relevance, diversity, novelty and the category cap', () => {
  const cands = candidates();

  it('is pure relevance with every setting at 0', () => {
    const page = rerank(cands, { pageSize: 20 });
    const best = [...cands].sort((a, b) => b.score - a.score).slice(0, 20).map((c) => c.id);
    expect(page.slots.map((s) => s.id)).toEqual(best);
    for (const s of page.slots) {
      expect(s.probability).toBe(1);
      expect(s.score).toBeCloseTo(cands[s.candidate].score, 12);
    }
  });

  it('raises intra-list diversity on a set of near-duplicates', () => {
    // the 30 best candidates are near-copies of one item; the rest spread over other directions
    const rand = seededRandom(5);
    const crafted: RerankCandidate[] = Array.from({ length: 100 }, (_, i) => ({
      id: `i${i}`,
      score: 1 - i / 100,
      embedding: i < 30
        ? Float32Array.from([1, 0, 0, 0], (x) => x + rand() * 0.01)
        : Float32Array.from({ length: 4 }, () => rand() * 2 - 1),
    }));
    const emb = new Float32Array(100 * 4);
    crafted.forEach((c, i) => emb.set(c.embedding!, i * 4));
    const ild = (d: number) => intraListDiversity([rerank(crafted, { pageSize: 10, diversity: d }).slots.map((s) => s.candidate)], emb, 4, 10);
    expect(ild(0)).toBeLessThan(0.01);
    expect(ild(0.3)).toBeGreaterThan(ild(0) + 0.3);
    expect(ild(0.6)).toBeGreaterThanOrEqual(ild(0.3) - 1e-9);
  });

  it('keeps every category within the cap', () => {
    // candidates sorted by score come in runs of 10 from the same category
    const runs: RerankCandidate[] = cands.map((c, i) => ({ ...c, categories: [`c${Math.floor(i / 10) % 10}`, ...(i % 7 === 0 ? ['extra'] : [])] }));
    for (const [pageSize, share, limit] of [[20, 0.2, 4], [20, 0.1, 2], [10, 0.01, 1]] as const) {
      for (let s = 0; s < 20; s++) {
        const page = rerank(runs, { pageSize, maxCategoryShare: share, exploration: 0.2, diversity: 0.2, seed: s });
        expect(page.capRelaxed).toBe(false);
        expect(page.slots).toHaveLength(pageSize);
        const count = new Map<string, number>();
        for (const slot of page.slots) for (const c of runs[slot.candidate].categories!) count.set(c, (count.get(c) ?? 0) + 1);
        for (const v of count.values()) expect(v).toBeLessThanOrEqual(limit);
      }
    }
  });

  it('lowers popular items with novelty and keeps the breakdown summing to the score', () => {
    const page0 = rerank(cands, { pageSize: 20 });
    const page1 = rerank(cands, { pageSize: 20, novelty: 0.5, diversity: 0.3, exploration: 0.1, seed: 4 });
    const meanPop = (p: typeof page0) => p.slots.reduce((a, s) => a + (cands[s.candidate].popularity ?? 0), 0) / p.slots.length;
    expect(meanPop(page1)).toBeLessThan(meanPop(page0));
    for (const s of page1.slots) {
      const sum = Object.values(s.breakdown).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(s.score, 9);
      expect(s.breakdown.novelty).toBeLessThanOrEqual(0);
      expect(s.breakdown.diversity).toBeLessThanOrEqual(0);
    }
  });
});

describe('policy/rerank: least-shown slots', () => {
  // scores fall slowly; exposures fall with the rank, with ties among the least shown
  const cands: RerankCandidate[] = Array.from({ length: 40 }, (_, i) => ({
    id: `i${i}`, score: 1 - i * 0.01, exposures: i < 30 ? 100 - 3 * i : [5, 2, 9, 2, 7, 2, 3, 8, 4, 6][i - 30],
    categories: [`c${i % 4}`],
  }));

  it('keeps the model\'s top and gives the last round(leastShown × P) slots to the least-shown candidates, ties by score', () => {
    const plain = rerank(cands, { pageSize: 10 }).slots.map((s) => s.id);
    const page = rerank(cands, { pageSize: 10, leastShown: 0.25 }); // round(2.5) = 3 slots
    expect(page.slots.slice(0, 7).map((s) => s.id)).toEqual(plain.slice(0, 7));
    // exposures 2 at i31, i33, i35: the better scores first
    expect(page.slots.slice(7).map((s) => s.id)).toEqual(['i31', 'i33', 'i35']);
    expect(page.slots.map((s) => s.exploration)).toEqual([...Array(7).fill(false), true, true, true]);
    expect(page.explorationSlots).toBe(3);
    for (const s of page.slots.slice(7)) {
      expect(s.reason).toBe('exploring: shown only 2 times so far (0 positive responses), so we are learning how people respond to it');
      expect(s.probability).toBe(1); // deterministic: no exploration draw
      expect(s.breakdown.exploration).toBe(0);
      expect(s.score).toBeCloseTo(cands[s.candidate].score, 12);
    }
    expect(rerank(cands, { pageSize: 10, leastShown: 0.04 }).slots.every((s) => !s.exploration)).toBe(true); // round(0.4) = 0
  });

  it('keeps the category cap in the least-shown slots', () => {
    // cap 2 of 8 per category; L's top four take one of each
    const page = rerank(cands, { pageSize: 8, leastShown: 0.5, maxCategoryShare: 0.25 });
    expect(page.capRelaxed).toBe(false);
    const count = new Map<string, number>();
    for (const slot of page.slots) for (const c of cands[slot.candidate].categories!) count.set(c, (count.get(c) ?? 0) + 1);
    for (const v of count.values()) expect(v).toBeLessThanOrEqual(2);
    expect(page.slots.slice(4).map((s) => s.id)).toEqual(['i31', 'i33', 'i36', 'i38']); // i35 (c3) would break the cap
  });

  it('logs the exact marginals with drawn exploration slots besides them (frequencies over 3,000 pages within 5 standard errors)', () => {
    const opts = { pageSize: 6, exploration: 0.3, leastShown: 0.34, explorationPool: 6 }; // 2 least-shown slots, E = 1 or 2
    const law = pagePropensities(cands, opts);
    const N = 3000;
    const seen = new Map<string, number>();
    for (let s = 0; s < N; s++) {
      const page = rerank(cands, { ...opts, seed: s });
      expect(page.explorationSlots).toBe(page.slots.filter((x) => x.exploration).length);
      for (const slot of page.slots) {
        seen.set(`${slot.id}@${slot.position}`, (seen.get(`${slot.id}@${slot.position}`) ?? 0) + 1);
        if (s < 200) expect(slot.probability).toBe(law.prob(slot.id, slot.position));
      }
    }
    for (const c of cands) {
      for (let k = 0; k < opts.pageSize; k++) {
        const p = law.prob(c.id, k);
        const freq = (seen.get(`${c.id}@${k}`) ?? 0) / N;
        if (p === 0) expect(freq).toBe(0);
        else expect(Math.abs(freq - p)).toBeLessThanOrEqual(5 * Math.sqrt(p * (1 - p) / N) + 1e-12);
      }
    }
    // the least-shown items are on L: pushed down or off by drawn slots, never in the pool
    expect(law.prob('i31', 4) + law.prob('i31', 5)).toBeGreaterThan(0);
    for (let k = 0; k < opts.pageSize; k++) expect(cands.reduce((t, c) => t + law.prob(c.id, k), 0)).toBeCloseTo(1, 6);
  });

  it('rejects a leastShown outside [0, 1] naming it', () => {
    expect(() => rerank(cands, { pageSize: 5, leastShown: 1.5 })).toThrow(/leastShown must be a number in \[0, 1\], got 1.5/);
  });
});

describe('policy/rerank: determinism and input checks', () => {
  const cands = candidates();

  it('gives the same page for the same seed and a different one for another seed', () => {
    const opts = { pageSize: 20, diversity: 0.3, exploration: 0.3, novelty: 0.2, maxCategoryShare: 0.3 };
    const a = rerank(cands, { ...opts, seed: 11 });
    const b = rerank(cands, { ...opts, seed: 11 });
    expect({ ...b, propensity: null }).toEqual({ ...a, propensity: null });
    const pages = Array.from({ length: 10 }, (_, s) => JSON.stringify(rerank(cands, { ...opts, seed: 100 + s }).slots.map((x) => x.id)));
    expect(new Set(pages).size).toBeGreaterThan(1);
  });

  it('rejects bad options and candidates with messages naming them', () => {
    expect(() => rerank(cands, { pageSize: 0 })).toThrow(/pageSize must be an integer >= 1, got 0/);
    expect(() => rerank(cands, { pageSize: 5, diversity: 1.5 })).toThrow(/diversity must be a number in \[0, 1\], got 1.5/);
    expect(() => rerank([{ id: 'x', score: NaN }], { pageSize: 5 })).toThrow(/candidates\[0\]\.score must be finite/);
    expect(() => rerank([{ id: 'x', score: 1, exposures: 1, feedback: 2 }], { pageSize: 5 })).toThrow(/feedback <= exposures/);
  });

  it('fills at most the number of candidates', () => {
    expect(rerank(cands.slice(0, 3), { pageSize: 10, exploration: 0.5, seed: 2 }).slots).toHaveLength(3);
    expect(rerank([], { pageSize: 10 }).slots).toHaveLength(0);
  });
});
