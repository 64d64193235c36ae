/** The graph's own types in index space, shared by the extraction, the file loaders, the importers and the model. */
import type { Csr } from './csr';

/**
 * A user–item interaction dataset in index space: users 0..numUsers-1, items 0..numItems-1.
 * `train` is users × items (values are interaction weights, 1 for implicit data).
 */
export interface InteractionDataset {
  name: string;
  numUsers: number;
  numItems: number;
  train: Csr;
  /**
   * Per entry of `train`, the epoch ms of the pair's latest positive interaction (NaN: undated); absent when no
   * interaction is dated. What the model's recency rule (src/graph/decay.ts recencyFactors) reads.
   */
  trainTimes?: Float64Array;
  /**
   * Per entry of `train` (rows, in train's entry order) × contexts: the contexts the pair's latest interaction
   * happened in; absent when no interaction has contexts. What the model's context term is fitted on.
   */
  trainContexts?: Csr;
  /** Held-out interactions (users × items) used only for evaluation; never for fitting or choosing. */
  test?: Csr;
  /** External ids by index, when known (from files or Neo4j). */
  userIds?: string[];
  itemIds?: string[];
}

/** A context value such as timeOfDay/evening or device/mobile (a :Context node). */
export interface ContextKey {
  kind: string;
  value: string;
}

/**
 * The whole heterogeneous graph in index space, as extracted from Neo4j or built from files:
 * user–item interactions plus categories, contexts and follows. Relations that a dataset lacks
 * are empty CSRs of the right shape.
 */
export interface HeteroGraph extends InteractionDataset {
  userIds: string[];
  itemIds: string[];
  categories: string[];
  contexts: ContextKey[];
  /** items × categories, 1 per IN_CATEGORY edge. */
  itemCategory: Csr;
  /** users × contexts, counts of ACTIVE_IN. */
  userContext: Csr;
  /** items × contexts, counts of POPULAR_IN. */
  itemContext: Csr;
  /** users × users, 1 per FOLLOWS edge (follower row, followee column). */
  follows: Csr;
}
