import type { PolicySettings } from '../config';
/** Shapes shared by candidate generation, scoring and explanation. */

/** A context value of a request, e.g. {kind: 'device', value: 'mobile'}. */
export interface ContextValue {
  kind: string;
  value: string;
}

/**
 * The named parts of a score; `score` is exactly their sum. `embedding` and `graph` are the model's terms
 * (src/model/scorer.ts), `context` the version's fitted context term for the request's contexts (0 without);
 * `popularity` is 0 (the model has no such term); the re-ranking policy's
 * parts (src/serving/servingPolicy.ts) are absent (0) where no policy ran, e.g. similarItems.
 */
export interface ScoreBreakdown {
  embedding: number;
  graph: number;
  context: number;
  popularity: number;
  /** Thompson-sampling bonus of an exploration slot (≥ 0). */
  exploration: number;
  /** Popularity penalty (≤ 0). */
  novelty?: number;
  /** Maximal-marginal-relevance penalty for similarity to items above it (≤ 0). */
  diversity?: number;
  /** Push-down for similarity to items the user dismissed or disliked (≤ 0). */
  feedback?: number;
}

/** A node on an evidence path; users other than the viewer and its followees are anonymous (id null). */
export interface PathNode {
  label: 'User' | 'Item' | 'Category' | 'Context';
  id: string | null;
  name: string | null;
}

/** One relationship of a path: its type, and whether it points along the path (FORWARD) or against it. */
export interface PathRelationship {
  type: string;
  direction: 'FORWARD' | 'BACKWARD';
}

/** A real path in the graph: relationships[k] joins nodes[k] and nodes[k+1]. */
export interface GraphPath {
  nodes: PathNode[];
  relationships: PathRelationship[];
}

/** What kind of evidence a reason is. */
export type ReasonKind = 'CO_INTERACTION' | 'FOLLOWEES' | 'CONTEXT' | 'CATEGORY' | 'POPULARITY' | 'EXPLORATION';

/** A human-readable sentence with the graph paths that back it. */
export interface Reason {
  kind: ReasonKind;
  text: string;
  paths: GraphPath[];
}

/** One ranked item with its score, breakdown and reasons. */
export interface ScoredItem {
  itemId: string;
  /** The item's title as read with its evidence (undefined when not read). */
  title?: string | null;
  rank: number;
  score: number;
  breakdown: ScoreBreakdown;
  reasons: Reason[];
  /** True when the policy put it in an exploration slot (absent where no policy ran). */
  exploration?: boolean;
  /** Propensity the policy gave this item at this position, as logged with the exposure, in (0, 1]. */
  probability?: number;
}

/** The policy settings a page was built with (request values over the configured defaults), and its seed. */
export interface EffectivePolicy extends PolicySettings {
  seed: number;
  /** False when the request asked not to log the page as shown (e.g. a prefetch). */
  logExposures: boolean;
}

/** The answer to a recommendations request. */
export interface RecommendationResult {
  userId: string;
  modelVersion: string;
  coldStart: boolean;
  items: ScoredItem[];
  /** Id of this page: exposures are logged under it and feedback may name it. */
  impressionId?: string;
  policy?: EffectivePolicy;
  /** Exploration slots on the page. */
  explorationSlots?: number;
  /** P(item at 1-based rank | this request) under the policy that built the page, for any item (off-policy evaluation). */
  propensity?: (itemId: string, rank: number) => number;
}
