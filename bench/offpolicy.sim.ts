/**
 * `npm run bench:offpolicy-sim -- [--users 200] [--rounds 6] [--out bench/results/offpolicy-sim.json]`: checks the
 * off-policy estimators (src/eval/offpolicy.ts) where the true value is known. The synthetic generator's users
 * (src/import/synthetic.ts, latent interests over categories) get pages from the serving re-ranker
 * (src/policy/rerank.ts) under the LOGGING policy, with the propensities the server logs; they click slot k of
 * item i with the known probability
 *   P(click | u, i, k) = (0.02 + 0.6 · affinity(u, i)) / (1 + 0.25 k),  affinity = the user's interest mass on the item's categories.
 * A CANDIDATE policy (other settings) is then evaluated from that log, with its exact position-wise propensities
 * (pagePropensities, the law rerank logs by); its true click rate is the expectation of the same rule under that
 * law, Σ_k Σ_i π(i at k) P(click | u, i, k) / pageSize, computed exactly (no pages drawn).
 * Each user's context (candidates, their model scores, exposure counts) is fixed during the run.
 */
import { parseArgs } from 'node:util';
import { generateSynthetic } from '../src/import/synthetic';
import { seededRandom } from '../src/random';
import { pagePropensities, rerank, type RerankCandidate, type RerankOptions } from '../src/policy/rerank';
import { DEFAULT_SERVING_POLICY } from '../src/serving/servingPolicy';
import { offPolicyEstimates, type OffPolicyRound } from '../src/eval/offpolicy';
import { startProgress } from '../src/progress';
import { intOption } from '../src/cli/args';
import { startRun, writeResult } from './result';

const PAGE = 10;
const CANDIDATES = 50;
const clickProb = (affinity: number, position: number) => (0.02 + 0.6 * affinity) / (1 + 0.25 * position);

function main(): void {
  const { values: v } = parseArgs({ options: { users: { type: 'string' }, rounds: { type: 'string' }, out: { type: 'string' } } });
  const users = intOption('users', v.users, { min: 1 }) ?? 200;
  const roundsPerUser = intOption('rounds', v.rounds, { min: 1 }) ?? 6;
  const out = v.out ?? 'bench/results/offpolicy-sim.json';
  const run = startRun('npm run bench:offpolicy-sim --');
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

  const base = { pageSize: PAGE, explorationPool: DEFAULT_SERVING_POLICY.explorationPool };
  const logging: Omit<RerankOptions, 'seed'> = { ...base, exploration: 0.3, leastShown: 0.1 };
  const candidatePolicy: Omit<RerankOptions, 'seed'> = { ...base, exploration: 0.1, leastShown: 0.1 };

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
  let truthSum = 0;
  let loggedTruthSum = 0;
  let seed = 1_000_000;
  let rerankMs = 0;
  let maxLoggedError = 0;
  for (const ctx of contexts) {
    const pe = pagePropensities(ctx.candidates, candidatePolicy);
    const p0 = pagePropensities(ctx.candidates, logging);
    // the truths: expected clicks per slot by the known rule under each policy's exact position-wise law
    let t = 0;
    let tl = 0;
    for (const c of ctx.candidates) {
      for (let k = 0; k < PAGE; k++) {
        const click = clickProb(ctx.affinity.get(c.id)!, k);
        t += pe.prob(c.id, k) * click;
        tl += p0.prob(c.id, k) * click;
      }
    }
    truthSum += t / PAGE;
    loggedTruthSum += tl / PAGE;
    for (let r = 0; r < roundsPerUser; r++) {
      const t0r = performance.now();
      const page = rerank(ctx.candidates, { ...logging, seed: seed++ });
      rerankMs += performance.now() - t0r;
      rounds.push(page.slots.map((slot) => {
        maxLoggedError = Math.max(maxLoggedError, Math.abs(slot.probability - p0.prob(slot.id, slot.position)));
        return {
          position: slot.position,
          reward: rand() < clickProb(ctx.affinity.get(slot.id)!, slot.position) ? 1 : 0,
          pscore: slot.probability,
          evalProb: pe.prob(slot.id, slot.position),
        };
      }));
    }
    bar.increment();
  }
  bar.stop();
  const truth = truthSum / contexts.length;
  const estimates = offPolicyEstimates(rounds, { seed: 1, bootstrap: 1000 });
  const snips = estimates.find((e) => e.estimator === 'snips')!;
  const result = writeResult(out, run, {
    truth,
    estimates,
    loggingTruth: loggedTruthSum / contexts.length,
    snipsCoversTruth: snips.low <= truth && truth <= snips.high,
    diagnostics: {
      note: 'the logged pscore is rerank\'s position-wise marginal of the served page; its largest difference from pagePropensities of the logging policy, and the mean time of one rerank call with its propensities',
      maxLoggedPscoreError: maxLoggedError,
      rerankMsPerPage: Math.round((rerankMs / rounds.length) * 1000) / 1000,
    },
    setup: { users, roundsPerUser, rounds: rounds.length, pageSize: PAGE, candidates: CANDIDATES, logging, candidate: candidatePolicy,
      clickRule: 'P(click | u, i, k) = (0.02 + 0.6 · min(1, interest mass of u on the categories of i)) / (1 + 0.25 k)' },
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  });
  process.stdout.write(`${JSON.stringify({ truth, loggingTruth: result.loggingTruth, estimates, snipsCoversTruth: result.snipsCoversTruth, seconds: result.seconds })}\n`);
}

main();
