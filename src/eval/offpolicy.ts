/**
 * Off-policy estimators of a candidate policy's click rate from a log of pages (rounds) whose slots carry the
 * logging policy's propensity (`pscore`) and whether they were clicked (`reward`, 0/1). Position-wise: slot k of
 * round i is weighted by w_ik = π_e(a_ik at k | x_i) / pscore_ik, with π_e the candidate's probability of putting
 * the logged item at that position (pagePropensities in src/policy/rerank.ts). The click rate is clicks per slot.
 *
 * - `logged`: the logging policy's observed rate, Σ r / Σ slots; interval normal over the rounds' means.
 * - `ips`: inverse propensity scoring, (1 / n) Σ_i (1 / K_i) Σ_k w_ik r_ik; unbiased when the pscores are the
 *   logging policy's marginal propensities and π_e > 0 only where pscore > 0; interval normal over the rounds.
 * - `snips`: self-normalised IPS, per position k: Σ_i w_ik r_ik / Σ_i w_ik, averaged over positions weighted by
 *   the number of rounds that have the position; a little biased, much lower variance; percentile bootstrap
 *   interval over rounds (seeded).
 */
import { seededRandom } from '../random';

/** One logged slot: the item shown, its 0-based position, whether it was clicked, the logging propensity and π_e. */
export interface OffPolicySlot {
  position: number;
  reward: number;
  pscore: number;
  /** The candidate policy's probability of this item at this position in this round's context. */
  evalProb: number;
}

/** One round: the slots of one logged page. */
export type OffPolicyRound = readonly OffPolicySlot[];

/** An estimate with its (1 − alpha) interval. */
export interface OffPolicyEstimate {
  estimator: 'logged' | 'ips' | 'snips';
  value: number;
  low: number;
  high: number;
}

/** Interval settings. */
export interface OffPolicyOptions {
  /** 1 − confidence (default 0.05: 95% intervals). */
  alpha?: number;
  /** Bootstrap resamples for SNIPS (default 1,000). */
  bootstrap?: number;
  /** Seed of the bootstrap (default 1). */
  seed?: number;
}

/** Standard normal quantile (Acklam's rational approximation; |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Mean of per-round values with a normal interval (sample standard deviation / √n). */
function normalInterval(values: number[], z: number): { value: number; low: number; high: number } {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  const half = z * sd / Math.sqrt(n);
  return { value: mean, low: mean - half, high: mean + half };
}

/** The SNIPS point estimate over the rounds with the given multiplicities (a bootstrap resample) or all once. */
function snips(rounds: readonly OffPolicyRound[], take?: Uint32Array): number {
  const num = new Map<number, number>();
  const den = new Map<number, number>();
  const count = new Map<number, number>();
  for (let i = 0; i < rounds.length; i++) {
    const times = take ? take[i] : 1;
    if (times === 0) continue;
    for (const s of rounds[i]) {
      const w = s.evalProb / s.pscore;
      num.set(s.position, (num.get(s.position) ?? 0) + times * w * s.reward);
      den.set(s.position, (den.get(s.position) ?? 0) + times * w);
      count.set(s.position, (count.get(s.position) ?? 0) + times);
    }
  }
  let total = 0;
  let slots = 0;
  for (const [k, n] of count) {
    const d = den.get(k)!;
    // a position the candidate never fills with a logged item has no estimate of its own: it counts as 0 clicks
    total += n * (d > 0 ? num.get(k)! / d : 0);
    slots += n;
  }
  return slots > 0 ? total / slots : 0;
}

/** Validates the log: every slot's pscore in (0, 1], evalProb in [0, 1], reward 0 or 1, a non-negative integer position. */
function validate(rounds: readonly OffPolicyRound[]): void {
  if (rounds.length === 0) throw new Error('offpolicy: the log has no rounds');
  rounds.forEach((round, i) => {
    if (round.length === 0) throw new Error(`offpolicy: round ${i} has no slots`);
    for (const s of round) {
      if (!(s.pscore > 0 && s.pscore <= 1)) throw new Error(`offpolicy: round ${i} position ${s.position}: pscore must be in (0, 1], got ${s.pscore}`);
      if (!(s.evalProb >= 0 && s.evalProb <= 1)) throw new Error(`offpolicy: round ${i} position ${s.position}: evalProb must be in [0, 1], got ${s.evalProb}`);
      if (s.reward !== 0 && s.reward !== 1) throw new Error(`offpolicy: round ${i} position ${s.position}: reward must be 0 or 1, got ${s.reward}`);
      if (!(Number.isInteger(s.position) && s.position >= 0)) throw new Error(`offpolicy: round ${i}: position must be a non-negative integer, got ${s.position}`);
    }
  });
}

/** The logged rate, IPS and SNIPS of the candidate whose probabilities the slots carry (see the module comment). */
export function offPolicyEstimates(rounds: readonly OffPolicyRound[], options: OffPolicyOptions = {}): OffPolicyEstimate[] {
  validate(rounds);
  const alpha = options.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new Error(`offpolicy: alpha must be in (0, 1), got ${alpha}`);
  const z = normalQuantile(1 - alpha / 2);
  const logged = normalInterval(rounds.map((r) => r.reduce((s, x) => s + x.reward, 0) / r.length), z);
  const ips = normalInterval(rounds.map((r) => r.reduce((s, x) => s + (x.evalProb / x.pscore) * x.reward, 0) / r.length), z);
  const B = options.bootstrap ?? 1000;
  const rand = seededRandom(options.seed ?? 1);
  const n = rounds.length;
  const boot: number[] = [];
  const take = new Uint32Array(n);
  for (let b = 0; b < B; b++) {
    take.fill(0);
    for (let k = 0; k < n; k++) take[Math.floor(rand() * n)]++;
    boot.push(snips(rounds, take));
  }
  boot.sort((x, y) => x - y);
  const q = (p: number) => boot[Math.min(B - 1, Math.max(0, Math.floor(p * B)))];
  return [
    { estimator: 'logged', ...logged },
    { estimator: 'ips', ...ips },
    { estimator: 'snips', value: snips(rounds), low: q(alpha / 2), high: q(1 - alpha / 2) },
  ];
}
