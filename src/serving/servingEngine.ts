import type { Executor, StatementCounter } from '../db/executor';
import type { Logger } from '../log';
import { ModelNotReadyError, NodeNotFoundError, InvalidRequestError } from './errors';
import { basisUser, ModelStore, rowFromInteractions, type ActiveModel, type ModelState, type StoredInteraction } from './modelState';
import { allowedRows, retrieve, type Retrieved } from './retrieval';
import { explainGraph, reasonsFor, similarReasonsFor } from './explain';
import { ScorerDisposedError } from '../model/scorer';
import { policyReranks, ServingPolicy, type PolicyRequest } from './servingPolicy';
import type { ContextValue, RecommendationResult, ScoreBreakdown, ScoredItem } from './types';

/** Serving settings (each validated by validateServingOptions). */
export interface ServingOptions {
  /** How long the active model lookup is cached (ms); a version switch is served within this time. */
  modelTtlMs: number;
  /**
   * Items the re-ranking policy chooses a page from when it re-ranks (diversity, exploration, novelty, least-shown
   * slots or a category cap on): the model's exact top `policyCandidates` (at least the page); the least-shown slots
   * reach as deep as this. With those settings off the page is the model's exact top `first`.
   */
  policyCandidates: number;
  /** Serve this model version instead of the active one (a canary, a benchmark of a version not yet activated). */
  pinnedVersion?: string;
}

/** Default serving options. */
export const DEFAULT_SERVING: ServingOptions = Object.freeze({ modelTtlMs: 2000, policyCandidates: 400 });

/** Checks serving options: an unknown field or an out-of-range value throws InvalidRequestError naming it and the value. */
export function validateServingOptions(o: Record<string, unknown>): ServingOptions {
  const rules: Record<keyof ServingOptions, (v: unknown) => string | null> = {
    modelTtlMs: (v) => (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 3_600_000 ? null : 'an integer number of ms in [0, 3600000]'),
    policyCandidates: (v) => (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 5000 ? null : 'an integer in [1, 5000]'),
    pinnedVersion: (v) => (v === undefined || (typeof v === 'string' && v.length > 0) ? null : 'a non-empty version string'),
  };
  for (const [k, v] of Object.entries(o)) {
    const rule = rules[k as keyof ServingOptions];
    if (!rule) throw new InvalidRequestError(`ServingOptions.${k}`, v, `one of the fields ${Object.keys(rules).join(', ')}`);
    const bad = rule(v);
    if (bad) throw new InvalidRequestError(`ServingOptions.${k}`, v, bad);
  }
  return { ...DEFAULT_SERVING, ...o } as ServingOptions;
}

/** A recommendations request after argument validation. */
export interface RecommendRequest {
  userId: string;
  first: number;
  /** The request's contexts: they add the version's fitted context term (0 when it has none). */
  contexts: ContextValue[];
  categories: string[];
  excludeItemIds: string[];
  includeInteracted: boolean;
  /** Re-ranking policy settings over the configured defaults (src/serving/servingPolicy.ts). */
  policy?: PolicyRequest;
}

/** The breakdown of a model score: its terms (the policy adds its own parts later). */
function breakdownOf(r: Retrieved): ScoreBreakdown {
  return { embedding: r.embedding, graph: r.graph, context: r.context, popularity: 0, exploration: 0 };
}

/**
 * Recommendations: the model's exact top for the user's current row (src/serving/retrieval.ts), the re-ranking
 * policy over it (src/serving/servingPolicy.ts), and reasons from the paths that carry each item's graph score
 * (src/serving/explain.ts). One statement per request (the user's profile) besides the cached model lookup.
 */
export class ServingEngine {
  readonly store: ModelStore;
  readonly policy: ServingPolicy;
  readonly options: ServingOptions;

  constructor(private readonly db: Executor, private readonly log: Logger, options: Partial<ServingOptions> = {}, store?: ModelStore, policy?: ServingPolicy) {
    this.options = validateServingOptions(options as Record<string, unknown>);
    this.store = store ?? new ModelStore(db, log, this.options.modelTtlMs, this.options.pinnedVersion);
    this.policy = policy ?? new ServingPolicy(db, log);
  }

  /** Loads the active version's state ahead of the first request (errors are logged). */
  async warm(): Promise<void> {
    try {
      const model = await this.store.activeModel();
      if (model) await this.store.state(model);
    } catch (err) {
      this.log.warn({ err }, 'warming the serving state failed; the first request will load it');
    }
  }

  /** Nothing runs in the background: kept so that servers and benches can stop engines uniformly. */
  async dispose(): Promise<void> {}

  /** The active model, or ModelNotReadyError. */
  async requireModel(counter?: StatementCounter): Promise<ActiveModel> {
    const model = await this.store.activeModel(counter);
    if (!model) throw new ModelNotReadyError();
    return model;
  }

  /** The served version's state. */
  async state(counter?: StatementCounter): Promise<ModelState> {
    return this.store.state(await this.requireModel(counter), counter);
  }

  /**
   * Runs `fn` again, once, when the version it read was replaced under it (its scorer disposed by ModelStore before
   * the new one's factors took the backend): the retry reads the current version.
   */
  private async onCurrentVersion<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof ScorerDisposedError)) throw err;
      this.log.info({ err: err.message }, 'the served version was replaced during a request; retried on the current one');
      return fn();
    }
  }

  /** Ranked, explained recommendations for one user. */
  recommend(req: RecommendRequest, counter?: StatementCounter, timings: Record<string, number> = {}): Promise<RecommendationResult> {
    return this.onCurrentVersion(() => this.recommendOnce(req, counter, timings));
  }

  private async recommendOnce(req: RecommendRequest, counter: StatementCounter | undefined, timings: Record<string, number>): Promise<RecommendationResult> {
    let t = performance.now();
    const lap = (phase: string) => {
      const now = performance.now();
      timings[phase] = Math.round((now - t) * 100) / 100;
      t = now;
    };
    const model = await this.requireModel(counter);
    const s = await this.store.state(model, counter);
    lap('model');
    const [profile] = await this.db.read<{ exists: boolean; interactions: StoredInteraction[]; negatives: string[] }>('serving/userProfile', { userId: req.userId }, counter);
    if (!profile.exists) throw new NodeNotFoundError('User', req.userId, 'Create it with upsertUser.');
    lap('profile');
    const row = rowFromInteractions(s, profile.interactions, Date.now(), s.userIndex.get(req.userId));
    const coldStart = row.indices.length === 0;
    const excluded = req.includeInteracted ? [...req.excludeItemIds, ...profile.negatives] : [...req.excludeItemIds, ...profile.interactions.map((x) => x[0])];
    const allowed = allowedRows(s, excluded, req.categories);
    const policy = this.policy.effective(req.policy);
    const count = policyReranks(policy, profile.negatives.length) ? Math.max(req.first, this.options.policyCandidates) : req.first + profile.negatives.length;
    const top = await retrieve(s, row, count, allowed, s.scorer.contextRow(req.contexts));
    lap('retrieve');
    const m = s.matrix;
    const ranked = await this.policy.rank({
      first: req.first, userId: req.userId, policy: { ...req.policy, seed: policy.seed }, model, matrix: m, negatives: profile.negatives,
      categories: req.categories, scored: top.map((r) => ({ id: m.ids[r.row], score: r.score, breakdown: breakdownOf(r) })),
    }, counter);
    lap('rank');
    const rows = ranked.page.map((p) => m.index.get(p.id)!);
    const why = coldStart ? null : explainGraph(s, row, basisUser(s, req.userId), rows);
    const items: ScoredItem[] = ranked.page.map((p, k) => ({
      itemId: p.id, title: m.titles[rows[k]], rank: k + 1, score: p.score, breakdown: p.breakdown,
      reasons: reasonsFor(s, req.userId, rows[k], why ? why[k] : null, { coldStart, categories: req.categories }),
    }));
    lap('reasons');
    return this.policy.finish(ranked, { userId: req.userId, modelVersion: model.version, coldStart, items });
  }

  /** Items similar to `itemId`: the model's score for a user whose only interaction is that item (weight 1), with reasons. */
  similarItems(itemId: string, first: number, counter?: StatementCounter): Promise<{ modelVersion: string; items: ScoredItem[] }> {
    return this.onCurrentVersion(() => this.similarOnce(itemId, first, counter));
  }

  private async similarOnce(itemId: string, first: number, counter?: StatementCounter): Promise<{ modelVersion: string; items: ScoredItem[] }> {
    const model = await this.requireModel(counter);
    const s = await this.store.state(model, counter);
    const m = s.matrix;
    const source = m.index.get(itemId);
    if (source === undefined) {
      const exists = await this.db.read('api/itemsByIds', { ids: [itemId] }, counter);
      if (exists.length === 0) throw new NodeNotFoundError('Item', itemId);
      return { modelVersion: model.version, items: [] };
    }
    if (source >= m.basisItems) return { modelVersion: model.version, items: [] };
    const row = { indices: Int32Array.of(source), values: Float32Array.of(1) };
    const allowed = allowedRows(s, [itemId], []);
    const top = await retrieve(s, row, first, allowed);
    const why = explainGraph(s, row, -1, top.map((r) => r.row), 1);
    return {
      modelVersion: model.version,
      items: top.map((r, k) => ({
        itemId: m.ids[r.row], title: m.titles[r.row], rank: k + 1, score: r.score, breakdown: breakdownOf(r),
        reasons: similarReasonsFor(s, source, r.row, why[k]),
      })),
    };
  }
}
