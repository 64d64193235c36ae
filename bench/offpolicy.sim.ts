/**
 * `npm run bench:offpolicy-sim -- [--users 200] [--rounds 6] [--samples 100] [--out bench/results/offpolicy-sim.json]`: checks the
 * off-policy estimators (src/eval/offpolicy.ts) where the true value is known. The synthetic generator's users
 * (src/import/synthetic.ts, latent interests over categories) get pages from the serving re-ranker
 * (src/policy/rerank.ts) under the LOGGING policy, with the propensities the server logs; they click slot k of
 * item i with the known probability
 *   P(click | u, i, k) = (0.02 + 0.6 · affinity(u, i)) / (1 + 0.25 k),  affinity = the user's interest mass on the item's categories.
 * A CANDIDATE policy (other settings) is then evaluated from that log, with its position-wise propensities from
 * src/eval/candidatePropensity.ts; its true click rate is the expectation of the same rule over its own pages.
 * Each user's context (candidates, their model scores, exposure counts) is fixed during the run.
 */
import os from 'node:os';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateSynthetic } from '../src/import/synthetic';
import { seededRandom } from '../src/random';
import { rerank, type RerankCandidate, type RerankOptions } from '../src/policy/rerank';
import { DEFAULT_SERVING_POLICY } from '../src/serving/policy';
import { positionPropensities } from '../src/eval/candidatePropensity';
import { offPolicyEstimates, type OffPolicyRound } from '../src/eval/offpolicy';
import { startProgress } from '../src/progress';

const PAGE = 10;
const CANDIDATES = 50;
const clickProb = (affinity: number, position: number) => (0.02 + 0.6 * affinity) / (1 + 0.25 * position);

function main(): void {
  const { values: v } = parseArgs({ options: { users: { type: 'string' }, rounds: { type: 'string' }, samples: { type: 'string' }, out: { type: 'string' } } });
  const users = Number(v.users ?? 200);
  const roundsPerUser = Number(v.rounds ?? 6);
  const samples = Number(v.samples ?? 100);
  const out = v.out ?? 'bench/results/offpolicy-sim.json';
  const t0 = performance.now();
  const data = generateSynthetic({ users, seed: 7 });
  const catIndex = new Map(data.categories.map((c, k) => [c, k]));
  const popularity = new Map<string, number>();
  for (const x of data.interactions) popularity.set(x.itemId, (popularity.get(x.itemId) ?? 0) + 1);
  const rand = seededRandom(99);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  // fixed exposure/feedback counts per item (what the exposure log would hold): more for popular items
  const counts = new Map(data.items.map((it) => {
    const exposures = Math.floor((popularity.get(it.id) ?? 0) * 2 * rand());
    return [it.id, { exposures, feedback: Math.floor(exposures * 0.1 * rand()) }];
  }));

  const base = { pageSize: PAGE, explorationPool: DEFAULT_SERVING_POLICY.explorationPool, propensitySamples: DEFAULT_SERVING_POLICY.propensitySamples };
  const logging: Omit<RerankOptions, 'seed'> = { ...base, exploration: 0.3, exposureDebias: 0.4 };
  const candidatePolicy: Omit<RerankOptions, 'seed'> = { ...base, exploration: 0.1, exposureDebias: 0.4 };

  const contexts = data.users.map((u) => {
    const affinity = new Map<string, number>();
    const scored = data.items.map((it) => {
      const a = it.categories.reduce((s, c) => s + (u.interests[catIndex.get(c)!] ?? 0), 0);
      affinity.set(it.id, Math.min(1, a));
      // the model's score: the affinity seen through noise
      return { id: it.id, score: a + 0.15 * gauss() };
    }).sort((x, y) => y.score - x.score).slice(0, CANDIDATES);
    const candidates: RerankCandidate[] = scored.map((c) => ({ ...c, ...counts.get(c.id)!, popularity: popularity.get(c.id) ?? 0 }));
    return { candidates, affinity };
  });

  const bar = startProgress('offpolicy sim', contexts.length, 'users');
  const rounds: OffPolicyRound[] = [];
  const roundsWithMarginals: OffPolicyRound[] = [];
  let truthSum = 0;
  let loggedTruthSum = 0;
  let seed = 1_000_000;
  for (const ctx of contexts) {
    const pe = positionPropensities(ctx.candidates, candidatePolicy, samples, 1);
    const p0 = positionPropensities(ctx.candidates, logging, samples, 500_000);
    // the truth: the candidate's expected clicks per slot, by the known rule over its own pages (separate seeds)
    let t = 0;
    let tl = 0;
    const truthPages = 100;
    for (let s = 0; s < truthPages; s++) {
      for (const slot of rerank(ctx.candidates, { ...candidatePolicy, seed: 2_000_000 + s }).slots) t += clickProb(ctx.affinity.get(slot.id)!, slot.position);
      for (const slot of rerank(ctx.candidates, { ...logging, seed: 3_000_000 + s }).slots) tl += clickProb(ctx.affinity.get(slot.id)!, slot.position);
    }
    truthSum += t / (truthPages * PAGE);
    loggedTruthSum += tl / (truthPages * PAGE);
    for (let r = 0; r < roundsPerUser; r++) {
      const page = rerank(ctx.candidates, { ...logging, seed: seed++ });
      const round = page.slots.map((slot) => ({
        position: slot.position,
        reward: rand() < clickProb(ctx.affinity.get(slot.id)!, slot.position) ? 1 : 0,
        pscore: slot.probability,
        evalProb: pe.prob(slot.id, slot.position),
        marginal: p0.prob(slot.id, slot.position),
      }));
      rounds.push(round.map(({ marginal: _m, ...s }) => s));
      // diagnostic: the same log with the logging policy's marginal propensities instead of the logged (conditional) ones
      roundsWithMarginals.push(round.map(({ marginal, ...s }) => ({ ...s, pscore: Math.max(marginal, 1 / samples) })));
    }
    bar.increment();
  }
  bar.stop();
  const truth = truthSum / contexts.length;
  const estimates = offPolicyEstimates(rounds, { seed: 1, bootstrap: 1000 });
  const withMarginals = offPolicyEstimates(roundsWithMarginals, { seed: 1, bootstrap: 1000 }).filter((e) => e.estimator !== 'logged');
  const snips = estimates.find((e) => e.estimator === 'snips')!;
  const result = {
    truth,
    estimates,
    loggingTruth: loggedTruthSum / contexts.length,
    snipsCoversTruth: snips.low <= truth && truth <= snips.high,
    diagnostics: {
      note: 'the same log with the logging policy\'s marginal position propensities (Monte Carlo) instead of the logged ones, which are conditional on the items placed before',
      estimates: withMarginals,
    },
    setup: { users, roundsPerUser, rounds: rounds.length, pageSize: PAGE, candidates: CANDIDATES, samples, logging, candidate: candidatePolicy,
      clickRule: 'P(click | u, i, k) = (0.02 + 0.6 · min(1, interest mass of u on the categories of i)) / (1 + 0.25 k)' },
    command: `npm run bench:offpolicy-sim -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loadAverage: os.loadavg(), node: process.version },
    seconds: Math.round((performance.now() - t0) / 100) / 10,
    recordedAt: new Date().toISOString(),
  };
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`${JSON.stringify({ truth, loggingTruth: result.loggingTruth, estimates, withMarginals, snipsCoversTruth: result.snipsCoversTruth, seconds: result.seconds })}\n`);
}

main();
