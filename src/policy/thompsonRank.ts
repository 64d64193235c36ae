/**
 * The law of a Thompson ranking: items with independent Beta(a_j, b_j) posteriors (integers >= 1) each get one
 * draw θ_j and are ranked by it, best first. `rankLaw` gives P(rank of item q = r) for r = 1..R, computed as the
 * integral over t of q's density times the Poisson-binomial probability that exactly r − 1 of the others draw
 * above t (adaptive Gauss–Kronrod 7/15 on panels around q's posterior, absolute error per probability below
 * RANK_LAW_TOLERANCE by the quadrature's own estimate). The Beta survival functions are exact finite binomial sums.
 */

import { LRUCache } from 'lru-cache';

/** Absolute error bound the quadrature aims at for each rank probability (its G7/K15 estimate). */
export const RANK_LAW_TOLERANCE = 1e-8;

const LOG_FACT: number[] = [0];
/** ln(n!) for an integer n >= 0 (table, then Stirling's series, relative error < 1e-15 above the table). */
function logFactorial(n: number): number {
  if (n < 1024) {
    for (let k = LOG_FACT.length; k <= n; k++) LOG_FACT.push(LOG_FACT[k - 1] + Math.log(k));
    return LOG_FACT[n];
  }
  const x = n + 1;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x ** 3) + 1 / (1260 * x ** 5);
}

/**
 * P(θ > t) for θ ~ Beta(a, b), integers a, b >= 1, as a function of t: P(Binomial(a + b − 1, t) <= a − 1), summed on
 * the shorter side with the log binomial coefficients computed once.
 */
export function betaSurvival(a: number, b: number): (t: number) => number {
  if (a === 1) return (t) => (t <= 0 ? 1 : t >= 1 ? 0 : Math.exp(b * Math.log1p(-t)));
  if (b === 1) return (t) => (t <= 0 ? 1 : t >= 1 ? 0 : 1 - Math.pow(t, a));
  const n = a + b - 1;
  const low = a <= b;
  const js = low ? Array.from({ length: a }, (_, j) => j) : Array.from({ length: b }, (_, k) => a + k);
  const logC = Float64Array.from(js, (j) => logFactorial(n) - logFactorial(j) - logFactorial(n - j));
  const J = Float64Array.from(js);
  return (t) => {
    if (t <= 0) return 1;
    if (t >= 1) return 0;
    const lt = Math.log(t);
    const l1t = Math.log1p(-t);
    let s = 0;
    for (let k = 0; k < J.length; k++) s += Math.exp(logC[k] + J[k] * lt + (n - J[k]) * l1t);
    return low ? Math.min(1, s) : Math.max(0, 1 - s);
  };
}

/** The Beta(a, b) density at t in (0, 1), integers a, b >= 1. */
export function betaDensity(a: number, b: number, t: number): number {
  if (t <= 0 || t >= 1) return a === 1 && t <= 0 ? b : b === 1 && t >= 1 ? a : 0;
  const logB = logFactorial(a - 1) + logFactorial(b - 1) - logFactorial(a + b - 1);
  return Math.exp((a - 1) * Math.log(t) + (b - 1) * Math.log1p(-t) - logB);
}

// Gauss–Kronrod 7/15 nodes and weights on [-1, 1] (QUADPACK qk15).
const XGK = [0.991455371120812639, 0.949107912342758525, 0.864864423359769073, 0.741531185599394440, 0.586087235467691130,
  0.405845151377397167, 0.207784955007898468, 0];
const WGK = [0.022935322010529225, 0.063092092629978553, 0.104790010322250184, 0.140653259715525919, 0.169004726639267903,
  0.190350578064785410, 0.204432940075298892, 0.209482141084727828];
const WG = [0.129484966168869693, 0.279705391489276668, 0.381830050505118945, 0.417959183673469388];

/**
 * Adds ∫_lo^hi f(t) dt to `acc` for a vector-valued f (length m): adaptive G7/K15 to absolute error `tol` per
 * component; one scratch buffer for the whole recursion (a panel is finished before its halves are visited).
 */
function integrator(f: (t: number, out: Float64Array) => void, m: number) {
  const k = new Float64Array(m);
  const g = new Float64Array(m);
  const v = new Float64Array(m);
  const fv = new Float64Array(15 * m);
  const integrate = (acc: Float64Array, lo: number, hi: number, tol: number, depth: number): void => {
    const c = (lo + hi) / 2;
    const h = (hi - lo) / 2;
    k.fill(0);
    g.fill(0);
    for (let p = 0; p < 15; p++) {
      // node p: 0..6 left of the centre, 7 the centre, 8..14 right
      const j = p < 7 ? p : p === 7 ? 7 : 14 - p;
      const t = p < 7 ? c - h * XGK[j] : p === 7 ? c : c + h * XGK[j];
      const wg = j === 7 ? WG[3] : j % 2 === 1 ? WG[(j - 1) / 2] : 0;
      f(t, v);
      for (let r = 0; r < m; r++) {
        k[r] += WGK[j] * v[r];
        g[r] += wg * v[r];
        fv[p * m + r] = v[r];
      }
    }
    // QUADPACK's error estimate: |K15 − G7| scaled by (200 |K15 − G7| / resasc)^1.5, resasc the K15 integral of |f − mean|
    let err = 0;
    for (let r = 0; r < m; r++) {
      const mean = k[r] / 2;
      let asc = 0;
      for (let p = 0; p < 15; p++) asc += WGK[p < 7 ? p : p === 7 ? 7 : 14 - p] * Math.abs(fv[p * m + r] - mean);
      asc *= h;
      const diff = Math.abs(k[r] - g[r]) * h;
      err = Math.max(err, asc > 0 && diff > 0 ? asc * Math.min(1, (200 * diff / asc) ** 1.5) : diff);
    }
    if (err <= tol || depth >= 40) {
      for (let r = 0; r < m; r++) acc[r] += k[r] * h;
      return;
    }
    integrate(acc, lo, c, tol / 2, depth + 1);
    integrate(acc, c, hi, tol / 2, depth + 1);
  };
  return (acc: Float64Array, lo: number, hi: number, tol: number) => integrate(acc, lo, hi, tol, 0);
}

/**
 * P(rank of item q = r), r = 1..R (index r − 1), when the items with posteriors Beta(a[j], b[j]) are ranked by one
 * independent draw each. Ties have probability 0. Sums to P(rank <= R), i.e. to 1 when R >= a.length.
 */
export function rankLaw(a: readonly number[], b: readonly number[], q: number, R: number): Float64Array {
  // the law depends on q's posterior, R and the multiset of the pool's posteriors only: pages from the same counts
  // (a user's repeated requests, an evaluation over one context) share it
  const pairs: string[] = [];
  for (let j = 0; j < a.length; j++) pairs.push(`${a[j]},${b[j]}`);
  const key = `${R}|${a[q]},${b[q]}|${pairs.sort().join(';')}`;
  const known = LAWS.get(key);
  if (known) return known;
  const law = computeRankLaw(a, b, q, R);
  LAWS.set(key, law);
  return law;
}

const LAWS = new LRUCache<string, Float64Array>({ max: 4096 });

function computeRankLaw(a: readonly number[], b: readonly number[], q: number, R: number): Float64Array {
  const n = a.length;
  const m = Math.max(1, Math.min(R, n));
  // the other items grouped by posterior: survival functions are evaluated once per group
  const ga: number[] = [];
  const gb: number[] = [];
  const gm: number[] = [];
  const gs: ((t: number) => number)[] = [];
  for (let j = 0; j < n; j++) {
    if (j === q) continue;
    let g = 0;
    while (g < ga.length && (ga[g] !== a[j] || gb[g] !== b[j])) g++;
    if (g === ga.length) {
      ga.push(a[j]);
      gb.push(b[j]);
      gm.push(0);
      gs.push(betaSurvival(a[j], b[j]));
    }
    gm[g]++;
  }
  const aq = a[q];
  const bq = b[q];
  const dp = new Float64Array(m);
  const othersAbove = (t: number) => {
    dp.fill(0);
    dp[0] = 1;
    for (let g = 0; g < ga.length; g++) {
      const s = gs[g](t);
      for (let c = 0; c < gm[g]; c++) {
        for (let r = m - 1; r > 0; r--) dp[r] = dp[r] * (1 - s) + dp[r - 1] * s;
        dp[0] *= 1 - s;
      }
    }
  };
  const integrand = (t: number, out: Float64Array) => {
    othersAbove(t);
    const d = betaDensity(aq, bq, t);
    for (let r = 0; r < m; r++) out[r] = d * dp[r];
  };
  // panels around q's posterior (mean ± k sd), where its density has its mass; the rest adaptively
  const mean = aq / (aq + bq);
  const sd = Math.sqrt((aq * bq) / ((aq + bq) ** 2 * (aq + bq + 1)));
  const cuts = new Set<number>([0, 1]);
  for (const k of [-6, -2, 0, 2, 6, 14]) {
    const t = mean + k * sd;
    if (t > 0 && t < 1) cuts.add(t);
  }
  const points = [...cuts].sort((x, y) => x - y);
  const total = new Float64Array(m);
  const tol = RANK_LAW_TOLERANCE / points.length;
  const integrate = integrator(integrand, m);
  for (let p = 0; p + 1 < points.length; p++) integrate(total, points[p], points[p + 1], tol);
  const out = new Float64Array(R);
  for (let r = 0; r < m; r++) out[r] = Math.min(1, Math.max(0, total[r]));
  return out;
}
