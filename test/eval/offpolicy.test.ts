import { normalQuantile, offPolicyEstimates, type OffPolicyRound } from '../../src/eval/offpolicy';
import { pagePropensities } from '../../src/policy/rerank';

const byName = (e: ReturnType<typeof offPolicyEstimates>) => Object.fromEntries(e.map((x) => [x.estimator, x]));

describe('eval/offpolicy: IPS and SNIPS, position-wise', () => {
  it('normalQuantile matches known quantiles', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5);
  });

  it('computes the hand-worked example', () => {
    // two rounds of two slots. Round 1: pos 0 clicked (pscore 0.5, π_e 1), pos 1 not (pscore 1, π_e 0).
    // Round 2: pos 0 not clicked (pscore 0.5, π_e 0), pos 1 clicked (pscore 0.25, π_e 0.5).
    const rounds: OffPolicyRound[] = [
      [{ position: 0, reward: 1, pscore: 0.5, evalProb: 1 }, { position: 1, reward: 0, pscore: 1, evalProb: 0 }],
      [{ position: 0, reward: 0, pscore: 0.5, evalProb: 0 }, { position: 1, reward: 1, pscore: 0.25, evalProb: 0.5 }],
    ];
    const e = byName(offPolicyEstimates(rounds, { bootstrap: 200 }));
    // logged: each round 1 click of 2 slots
    expect(e.logged.value).toBe(0.5);
    expect(e.logged.low).toBe(0.5);
    // IPS: round 1 (2·1 + 0)/2 = 1, round 2 (0 + 2·1)/2 = 1 → 1, sd 0
    expect(e.ips).toEqual({ estimator: 'ips', value: 1, low: 1, high: 1 });
    // SNIPS: pos 0: (2·1 + 0)/(2 + 0) = 1; pos 1: (0 + 2·1)/(0 + 2) = 1 → 1
    expect(e.snips.value).toBe(1);
  });

  it('SNIPS normalises the weights per position; IPS intervals use the rounds\' spread', () => {
    const rounds: OffPolicyRound[] = [
      [{ position: 0, reward: 1, pscore: 0.5, evalProb: 0.5 }],
      [{ position: 0, reward: 0, pscore: 0.5, evalProb: 1 }],
      [{ position: 0, reward: 1, pscore: 1, evalProb: 1 }],
    ];
    const e = byName(offPolicyEstimates(rounds, { bootstrap: 500, seed: 7 }));
    // IPS per round: 1, 0, 1 → mean 2/3, sd = sqrt(1/3), half-width 1.96·sqrt(1/3)/sqrt(3)
    expect(e.ips.value).toBeCloseTo(2 / 3, 12);
    expect(e.ips.high - e.ips.value).toBeCloseTo(normalQuantile(0.975) * Math.sqrt(1 / 3) / Math.sqrt(3), 12);
    // SNIPS: (1·1 + 2·0 + 1·1) / (1 + 2 + 1) = 0.5
    expect(e.snips.value).toBeCloseTo(0.5, 12);
    expect(e.snips.low).toBeLessThanOrEqual(e.snips.value);
    expect(e.snips.high).toBeGreaterThanOrEqual(e.snips.value);
    expect(e.snips.high).toBeLessThanOrEqual(1);
    // the same seed, the same interval
    expect(byName(offPolicyEstimates(rounds, { bootstrap: 500, seed: 7 })).snips).toEqual(e.snips);
  });

  it('equals the logged rate when the candidate is the logging policy with exact propensities', () => {
    const rounds: OffPolicyRound[] = [0, 1, 0, 1, 1].map((r) => [{ position: 0, reward: r, pscore: 0.4, evalProb: 0.4 }]);
    const e = byName(offPolicyEstimates(rounds, { bootstrap: 100 }));
    expect(e.ips.value).toBeCloseTo(e.logged.value, 12);
    expect(e.snips.value).toBeCloseTo(0.6, 12);
  });

  it('rejects a bad log naming the round and the value', () => {
    expect(() => offPolicyEstimates([])).toThrow('offpolicy: the log has no rounds');
    expect(() => offPolicyEstimates([[{ position: 0, reward: 1, pscore: 0, evalProb: 1 }]])).toThrow('offpolicy: round 0 position 0: pscore must be in (0, 1], got 0');
    expect(() => offPolicyEstimates([[{ position: 0, reward: 2, pscore: 1, evalProb: 1 }]])).toThrow(/reward must be 0 or 1, got 2/);
  });
});

describe('policy/pagePropensities: a policy\'s position-wise law for the evaluation', () => {
  const candidates = ['a', 'b', 'c', 'd', 'e', 'f'].map((id, k) => ({ id, score: 6 - k }));
  it('is 0/1 for a deterministic policy', () => {
    const p = pagePropensities(candidates, { pageSize: 3 });
    expect([p.prob('a', 0), p.prob('b', 1), p.prob('c', 2), p.prob('a', 1), p.prob('d', 0)]).toEqual([1, 1, 1, 0, 0]);
  });
  it('sums to 1 over items at each position, and puts the top item first with probability 1 − exploration', () => {
    const p = pagePropensities(candidates, { pageSize: 3, exploration: 0.5, underExposedQuantile: 1 });
    for (let k = 0; k < 3; k++) expect(candidates.reduce((s, c) => s + p.prob(c.id, k), 0)).toBeCloseTo(1, 6);
    expect(p.prob('a', 0)).toBeCloseTo(0.5, 12);
  });
});
