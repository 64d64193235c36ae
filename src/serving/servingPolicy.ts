/**
 * The re-ranking policy of `recommendations`, online: turns the merged, scored candidates of ServingEngine
 * into the page with src/policy/rerank.ts (novelty, diversity, Thompson-sampling exploration, least-shown
 * slots, a category cap), after two serving-only steps:
 * - negative feedback: items the user dismissed or disliked (read in cypher/serving/userProfile.cypher) are
 *   never shown, and every other candidate gets a `feedback` part
 *   `−negativeFeedback × range × max(0, max cos(item, negative item))` (cosine of the model's item embeddings,
 *   `range` the spread of the candidates' scores), so the close neighbours of a dismissed item drop at once;
 * - counts: each candidate carries its exposures and feedback from the in-memory ExposureLog.
 * Then it marks exploration slots (with an EXPLORATION reason backed by a real path), records the page in the
 * exposure log (write-behind) and echoes the effective settings, the seed and the impression id.
 * Same seed, same graph state (including exposure counts) and same request: same page.
 */
import { randomUUID } from 'node:crypto';
import type { Executor, StatementCounter } from '../db/executor';
import type { Logger } from '../log';
import { rerank, type PolicySlot, type RerankCandidate } from '../policy/rerank';
import { ExposureLog } from './exposures';
import type { ActiveModel, ItemMatrix } from './modelState';
import type { EffectivePolicy, GraphPath, Reason, RecommendationResult, ScoreBreakdown } from './types';
import type { PolicySettings } from '../config';

export const POLICY_SETTING_NAMES: readonly (keyof PolicySettings)[] = Object.freeze(
  ['diversity', 'exploration', 'novelty', 'leastShown', 'maxCategoryShare', 'negativeFeedback'] as const);

/**
 * Defaults when nothing is configured: the neutral policy (pure relevance, no exploration, no cap) plus the
 * removal of negative items. The application's defaults come from config (POLICY_* variables).
 */
export const NEUTRAL_POLICY: PolicySettings = Object.freeze({
  diversity: 0, exploration: 0, novelty: 0, leastShown: 0, maxCategoryShare: 1, negativeFeedback: 0,
});

/**
 * True when the settings re-rank a page (any of diversity, exploration, novelty, least-shown slots or a category cap,
 * or negative feedback with `negatives` dismissed items): the page then comes from the model's top policyCandidates.
 */
export function policyReranks(p: PolicySettings, negatives: number): boolean {
  return p.diversity > 0 || p.exploration > 0 || p.novelty > 0 || p.leastShown > 0 || p.maxCategoryShare < 1 || (p.negativeFeedback > 0 && negatives > 0);
}

/** A request's policy: any settings (over the defaults), a seed, and whether the page is logged as shown. */
export interface PolicyRequest extends Partial<PolicySettings> {
  /** PRNG seed (an integer); a random one per request when absent. */
  seed?: number;
  /** Log the page as shown (default true); false for a page that is not displayed (e.g. a prefetch). */
  logExposures?: boolean;
}

/** A scored candidate as ServingEngine.recommend has it before re-ranking. */
export interface ScoredCandidate {
  id: string;
  score: number;
  breakdown: ScoreBreakdown;
}

/** The re-ranked page, and what finish() needs to complete the answer. */
export interface RankedPage {
  /** The page, in position order, with the policy's parts in the breakdown (they sum to the score). */
  page: ScoredCandidate[];
  slots: PolicySlot[];
  /** Exposures/feedback of each page item before this page, and the category its exploration reason names. */
  evidence: { exposures: number; feedback: number; category: string | null }[];
  impressionId: string;
  policy: EffectivePolicy;
  explorationSlots: number;
  /** P(item at 0-based position) under the policy that built the page (rerank's law). */
  propensity: (itemId: string, position: number) => number;
}

/** Settings of the online policy besides the per-request ones. */
export interface ServingPolicyOptions {
  /** Thompson-sampling pool: at most this many candidates compete for the exploration slots. */
  explorationPool: number;
}

/** Default online policy options: bounded so that a page of 100 costs a few milliseconds. */
export const DEFAULT_SERVING_POLICY: ServingPolicyOptions = Object.freeze({ explorationPool: 50 });

/**
 * The largest cosine (at least 0) between vector `a` of `vectors` and the vectors `others` (their norms given),
 * skipping those of item `row` itself (`otherRows`).
 */
function cosineTo(vectors: Float32Array, d: number, a: number, row: number, others: readonly number[], otherRows: readonly number[], norms: Float64Array): number {
  const norm = vectorNorm(vectors, d, a);
  if (norm === 0) return 0;
  let best = 0;
  for (let k = 0; k < others.length; k++) {
    if (norms[k] === 0 || otherRows[k] === row) continue;
    let dot = 0;
    const o = others[k] * d;
    for (let c = 0; c < d; c++) dot += vectors[a * d + c] * vectors[o + c];
    const cos = dot / (norm * norms[k]);
    if (cos > best) best = cos;
  }
  return best;
}

function vectorNorm(vectors: Float32Array, d: number, a: number): number {
  let s = 0;
  for (let c = 0; c < d; c++) s += vectors[a * d + c] ** 2;
  return Math.sqrt(s);
}

/** Applies the re-ranking policy to ServingEngine's candidates and logs the pages it serves (see the module comment). */
export class ServingPolicy {
  readonly defaults: PolicySettings;
  readonly options: ServingPolicyOptions;

  /**
   * @param defaults the configured policy settings (NEUTRAL_POLICY where not given)
   * @param exposures the exposure log (one per process; made with default settings when absent)
   */
  constructor(db: Executor, private readonly log: Logger, defaults: Partial<PolicySettings> = {}, readonly exposures: ExposureLog = new ExposureLog(db, log),
    options: Partial<ServingPolicyOptions> = {}) {
    this.defaults = { ...NEUTRAL_POLICY };
    for (const k of POLICY_SETTING_NAMES) if (typeof defaults[k] === 'number') this.defaults[k] = defaults[k] as number;
    this.options = { ...DEFAULT_SERVING_POLICY, ...options };
  }

  /** Loads the exposure counts of the served model ahead of the first request (errors are logged). */
  async warm(model: ActiveModel | null): Promise<void> {
    if (!model) return;
    try {
      await this.exposures.ensureCounts(model.version);
    } catch (err) {
      this.log.warn({ err }, 'loading the exposure counts failed; the first request will load them');
    }
  }

  /** The request's settings over the defaults, with its seed (drawn when absent). */
  effective(req: PolicyRequest | undefined): EffectivePolicy {
    const out: EffectivePolicy = { ...this.defaults, seed: 0, logExposures: req?.logExposures ?? true };
    for (const k of POLICY_SETTING_NAMES) {
      const v = req?.[k];
      if (v === undefined || v === null) continue;
      if (!(typeof v === 'number' && v >= 0 && v <= 1)) throw new Error(`ServingPolicy: policy.${k} must be a number in [0, 1], got ${v}`);
      out[k] = v;
    }
    const seed = req?.seed ?? Math.floor(Math.random() * 2 ** 31);
    if (!Number.isInteger(seed)) throw new Error(`ServingPolicy: policy.seed must be an integer, got ${seed}`);
    out.seed = seed;
    return out;
  }

  /**
   * Re-ranks the candidates into a page of `first`: drops the user's negative items, adds the feedback part,
   * and runs rerank() with the exposure counts (loaded for the model's version when needed: one statement).
   */
  async rank(args: { first: number; userId: string; policy?: PolicyRequest; model: ActiveModel; matrix: ItemMatrix;
    negatives: readonly string[]; categories: readonly string[]; scored: readonly ScoredCandidate[] }, counter?: StatementCounter): Promise<RankedPage> {
    const { matrix: m } = args;
    await this.exposures.ensureCounts(args.model.version, counter);
    const policy = this.effective(args.policy);
    const negative = new Set(args.negatives);
    const kept = args.scored.filter((c) => !negative.has(c.id));
    // best first; ties keep the caller's order (the model's top breaks them by item index), and rerank's tie rule
    // (lower index) keeps it
    kept.sort((a, b) => b.score - a.score);

    let minS = Infinity;
    let maxS = -Infinity;
    for (const c of kept) {
      minS = Math.min(minS, c.score);
      maxS = Math.max(maxS, c.score);
    }
    const range = kept.length > 0 && maxS > minS ? maxS - minS : 1;
    const negRows = policy.negativeFeedback > 0
      ? args.negatives.map((id) => m.index.get(id)).filter((r): r is number => r !== undefined)
      : [];

    // rerank needs all-or-none embeddings of one length, and only MMR (diversity > 0) reads them; every candidate
    // gets the same shape (the key set, maybe to undefined) so that V8 keeps them out of dictionary mode
    const rows = kept.map((c) => m.index.get(c.id));
    const withEmbeddings = policy.diversity > 0 && rows.every((r) => r !== undefined);
    // the vectors the feedback part and MMR read, in one read of the matrix: the candidates', then the negatives'
    const need = negRows.length > 0 || withEmbeddings;
    const vecRows: number[] = [];
    const at = rows.map((r) => (need && r !== undefined ? vecRows.push(r) - 1 : -1));
    const negAt = negRows.map((r) => vecRows.push(r) - 1);
    const vec = need ? m.vectors(vecRows) : new Float32Array(0);
    const d = m.dims;
    const negNorms = Float64Array.from(negAt, (a) => vectorNorm(vec, d, a));
    const candidates: RerankCandidate[] = kept.map((c, k) => {
      const row = rows[k];
      const counts = this.exposures.count(c.id);
      const feedback = row !== undefined && negRows.length > 0
        ? -policy.negativeFeedback * range * cosineTo(vec, d, at[k], row, negAt, negRows, negNorms)
        : 0;
      return {
        id: c.id,
        score: c.score + feedback,
        // the candidate's own parts, with the feedback part when there is one (the page reads a missing one as 0)
        // (ScoreBreakdown's optional parts are absent, never undefined: a record of numbers)
        breakdown: (feedback !== 0 ? { ...c.breakdown, feedback } : c.breakdown) as unknown as Readonly<Record<string, number>>,
        embedding: withEmbeddings ? vec.subarray(at[k] * d, (at[k] + 1) * d) : undefined,
        categories: row !== undefined ? m.categories[row] : undefined,
        exposures: counts.exposures,
        feedback: Math.min(counts.feedback, counts.exposures),
        popularity: row !== undefined ? m.degree[row] : 0,
      };
    });

    const result = rerank(candidates, {
      pageSize: args.first,
      diversity: policy.diversity, exploration: policy.exploration, novelty: policy.novelty,
      leastShown: policy.leastShown, maxCategoryShare: policy.maxCategoryShare, seed: policy.seed,
      explorationPool: Math.min(this.options.explorationPool, 5 * args.first),
    });
    const wanted = new Set(args.categories);
    const page: ScoredCandidate[] = result.slots.map((s) => {
      const b = s.breakdown;
      return {
        id: s.id,
        score: s.score,
        breakdown: {
          embedding: b.embedding ?? 0, graph: b.graph ?? 0, context: b.context ?? 0, popularity: b.popularity ?? 0,
          exploration: b.exploration ?? 0, novelty: b.novelty ?? 0, diversity: b.diversity ?? 0, feedback: b.feedback ?? 0,
        },
      };
    });
    const evidence = result.slots.map((s) => {
      const c = candidates[s.candidate];
      const cats = c.categories ?? [];
      return { exposures: c.exposures ?? 0, feedback: c.feedback ?? 0, category: cats.find((x) => wanted.has(x)) ?? cats[0] ?? null };
    });
    return { page, slots: result.slots, evidence, impressionId: randomUUID(), policy, explorationSlots: result.explorationSlots, propensity: result.propensity };
  }

  /**
   * Completes the answer built from `ranked.page` (items in the same order): marks exploration slots with
   * their probability and an EXPLORATION reason, logs the page as shown (unless the request said not to),
   * and adds the impression id and the effective policy.
   */
  finish(ranked: RankedPage, result: RecommendationResult): RecommendationResult {
    const at = new Date().toISOString();
    const items = result.items.map((item, k) => {
      const slot = ranked.slots[k];
      if (!slot || slot.id !== item.itemId) throw new Error(`ServingPolicy.finish: item ${k} is ${item.itemId}, the policy placed ${slot?.id}`);
      const reasons = slot.exploration ? [explorationReason(item.itemId, item.title ?? null, ranked.evidence[k]), ...item.reasons] : item.reasons;
      return { ...item, reasons, exploration: slot.exploration, probability: slot.probability };
    });
    if (ranked.policy.logExposures) {
      this.exposures.record(items.map((item, k) => ({
        userId: result.userId, itemId: item.itemId, impressionId: ranked.impressionId, position: k + 1,
        probability: ranked.slots[k].probability, exploration: ranked.slots[k].exploration, score: item.score,
        modelVersion: result.modelVersion, at,
      })));
    }
    return { ...result, items, impressionId: ranked.impressionId, policy: ranked.policy, explorationSlots: ranked.explorationSlots,
      propensity: (itemId, rank) => ranked.propensity(itemId, rank - 1) };
  }
}

/** The EXPLORATION reason of an exploration slot: how often the item was shown, on the path item → its category (or the item alone). */
export function explorationReason(itemId: string, title: string | null, e: { exposures: number; feedback: number; category: string | null }): Reason {
  const item = { label: 'Item' as const, id: itemId, name: title };
  const where = e.category ? ` in ${e.category}` : '';
  const shown = e.exposures === 0
    ? 'not shown to anyone yet'
    : `shown only ${e.exposures} time${e.exposures === 1 ? '' : 's'} so far (${e.feedback} positive response${e.feedback === 1 ? '' : 's'})`;
  const path: GraphPath = e.category
    ? { nodes: [item, { label: 'Category', id: e.category, name: e.category }], relationships: [{ type: 'IN_CATEGORY', direction: 'FORWARD' }] }
    : { nodes: [item], relationships: [] };
  return { kind: 'EXPLORATION', text: `Something new${where}: ${shown}, so we are learning who likes it.`, paths: [path] };
}
