import { rerank, thompsonPick, type RerankCandidate } from '../../src/policy/rerank';
import { intraListDiversity } from '../../src/policy/metrics';
import { betaSample, seededRandom } from '../../src/policy/random';

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
      const pages = 200;
      for (let s = 0; s < pages; s++) {
        const page = rerank(cands, { pageSize: 20, exploration, seed: s, propensitySamples: 2, explorationPool: 20 });
        const marked = page.slots.filter((x) => x.exploration);
        expect(marked.length).toBe(page.explorationSlots);
        for (const m of marked) expect(m.reason).toMatch(/exploring/);
        for (const m of page.slots.filter((x) => !x.exploration)) expect(m.reason).toBeUndefined();
        share += marked.length / page.slots.length;
      }
      // stochastic rounding: E[share] = exploration; the sd of the mean over 200 pages is below 0.002
      expect(Math.abs(share / pages - exploration)).toBeLessThan(0.01);
    }
  });

  it('explores only under-exposed items the exploitation page would not show', () => {
    const exploit = new Set(rerank(cands, { pageSize: 20 }).slots.map((s) => s.id));
    const sorted = cands.map((c) => c.exposures ?? 0).sort((a, b) => a - b);
    const median = sorted[Math.floor(0.5 * (sorted.length - 1))];
    for (let s = 0; s < 50; s++) {
      for (const slot of rerank(cands, { pageSize: 20, exploration: 0.2, seed: s, propensitySamples: 8 }).slots) {
        if (!slot.exploration) continue;
        expect(exploit.has(slot.id)).toBe(false);
        expect(cands[slot.candidate].exposures).toBeLessThanOrEqual(median);
        expect(slot.breakdown.exploration).toBeGreaterThan(0);
      }
    }
  });

  it('gives probabilities in (0, 1] that match how often Thompson sampling picks each item', () => {
    // a small pool with very different posteriors: never shown, shown and liked, shown and ignored
    const small: RerankCandidate[] = [
      { id: 'top', score: 10 },
      { id: 'new', score: 1, exposures: 0 },
      { id: 'liked', score: 1, exposures: 10, feedback: 6 },
      { id: 'ignored', score: 1, exposures: 10, feedback: 0 },
    ];
    const counts = new Map<string, number>();
    const reported = new Map<string, number[]>();
    const runs = 1500;
    for (let s = 0; s < runs; s++) {
      const page = rerank(small, { pageSize: 1, exploration: 1, seed: s, underExposedQuantile: 1, propensitySamples: 200 });
      const slot = page.slots[0];
      expect(slot.exploration).toBe(true);
      expect(slot.probability).toBeGreaterThan(0);
      expect(slot.probability).toBeLessThanOrEqual(1);
      expect(slot.probability).toBeCloseTo(slot.choiceProbability, 12); // exploration = 1
      counts.set(slot.id, (counts.get(slot.id) ?? 0) + 1);
      reported.set(slot.id, [...(reported.get(slot.id) ?? []), slot.choiceProbability]);
    }
    expect(counts.has('top')).toBe(false);
    for (const [id, c] of counts) {
      const r = reported.get(id)!;
      const mean = r.reduce((a, b) => a + b, 0) / r.length;
      expect(Math.abs(mean - c / runs)).toBeLessThan(0.05);
    }
    expect(counts.get('liked')!).toBeGreaterThan(counts.get('ignored') ?? 0);
  });

  it('gives exploitation slots probability 1 − exploration with choice probability 1', () => {
    const page = rerank(cands, { pageSize: 20, exploration: 0.2, seed: 9, propensitySamples: 8 });
    for (const s of page.slots.filter((x) => !x.exploration)) {
      expect(s.choiceProbability).toBe(1);
      expect(s.probability).toBeCloseTo(0.8, 12);
    }
    for (const s of page.slots.filter((x) => x.exploration)) {
      expect(s.probability).toBeCloseTo(0.2 * s.choiceProbability, 12);
      expect(s.probability).toBeGreaterThan(0);
    }
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
        const page = rerank(runs, { pageSize, maxCategoryShare: share, exploration: 0.2, diversity: 0.2, seed: s, propensitySamples: 8 });
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
    const page1 = rerank(cands, { pageSize: 20, novelty: 0.5, diversity: 0.3, exploration: 0.1, seed: 4, propensitySamples: 8 });
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

describe('policy/rerank: exposure debiasing', () => {
  it('moves items the policy has shown often below comparable items it has not', () => {
    // scores fall slowly; the best five have been shown thousands of times, the rest never
    const cands: RerankCandidate[] = Array.from({ length: 30 }, (_, i) => ({ id: `i${i}`, score: 1 - i * 0.01, exposures: i < 5 ? 5000 : 0 }));
    const plain = rerank(cands, { pageSize: 10 }).slots.map((s) => s.id);
    const debiased = rerank(cands, { pageSize: 10, exposureDebias: 0.5 });
    expect(plain.slice(0, 5)).toEqual(['i0', 'i1', 'i2', 'i3', 'i4']);
    expect(debiased.slots.slice(0, 5).map((s) => s.id)).toEqual(['i5', 'i6', 'i7', 'i8', 'i9']);
    for (const s of debiased.slots) {
      expect(s.breakdown.novelty).toBeCloseTo(cands[s.candidate].exposures ? -0.5 * 0.29 : 0, 9);
    }
  });
});

describe('policy/rerank: determinism and input checks', () => {
  const cands = candidates();

  it('gives the same page for the same seed and a different one for another seed', () => {
    const opts = { pageSize: 20, diversity: 0.3, exploration: 0.3, novelty: 0.2, maxCategoryShare: 0.3, propensitySamples: 32 };
    const a = rerank(cands, { ...opts, seed: 11 });
    const b = rerank(cands, { ...opts, seed: 11 });
    expect(b).toEqual(a);
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

describe('policy/thompsonPick: a grouped Thompson draw', () => {
  // posteriors with repeats: Beta(1, 1) ×3 (never shown), Beta(1, 11) ×2 (shown, ignored), Beta(7, 5) (liked),
  // Beta(1, 3), Beta(3, 1) ×2 (always liked): closed-form groups, a drawn one and a singleton
  const a = [1, 1, 1, 1, 1, 7, 1, 3, 3];
  const b = [1, 1, 1, 11, 11, 5, 3, 1, 1];
  const N = 20_000;

  it('picks each item as often as the per-item joint draw does, with a theta of the same distribution', () => {
    const rand = seededRandom(11);
    const naive = new Array(a.length).fill(0);
    let naiveTheta = 0;
    for (let s = 0; s < N; s++) {
      let best = 0;
      let bt = -1;
      for (let k = 0; k < a.length; k++) {
        const t = betaSample(rand, a[k], b[k]);
        if (t > bt) { bt = t; best = k; }
      }
      naive[best]++;
      naiveTheta += bt / N;
    }
    const grouped = new Array(a.length).fill(0);
    let theta = 0;
    const r2 = seededRandom(12);
    for (let s = 0; s < N; s++) {
      const p = thompsonPick(r2, a, b, 1);
      grouped[p.winner]++;
      theta += p.theta / N;
    }
    for (let k = 0; k < a.length; k++) expect(Math.abs(grouped[k] - naive[k]) / N).toBeLessThan(0.012);
    expect(Math.abs(theta - naiveTheta)).toBeLessThan(0.01);
    // the reported propensity of an item, averaged over the draws that picked it, is how often it is picked
    // (up to the realised draw's share of the samples, (1 − p) / samples)
    const M = 3000;
    const picked = new Array(a.length).fill(0);
    const reported = new Array(a.length).fill(0);
    const r3 = seededRandom(13);
    for (let s = 0; s < M; s++) {
      const p = thompsonPick(r3, a, b, 256);
      expect(p.choiceProbability).toBeGreaterThan(0);
      expect(p.choiceProbability).toBeLessThanOrEqual(1);
      picked[p.winner]++;
      reported[p.winner] += p.choiceProbability;
    }
    for (let k = 0; k < a.length; k++) {
      if (picked[k] > 100) expect(Math.abs(reported[k] / picked[k] - naive[k] / N)).toBeLessThan(0.02);
    }
    // members of one group are picked alike: the three Beta(1, 1) items
    expect(Math.max(...grouped.slice(0, 3)) - Math.min(...grouped.slice(0, 3))).toBeLessThan(0.02 * N);
  });

  it('is reproducible from the seed and handles a pool of one', () => {
    expect(thompsonPick(seededRandom(5), a, b, 32)).toEqual(thompsonPick(seededRandom(5), a, b, 32));
    const one = thompsonPick(seededRandom(5), [1], [4], 32);
    expect(one.winner).toBe(0);
    expect(one.choiceProbability).toBe(1);
  });
});
