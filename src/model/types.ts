import type { Csr } from '../graph/csr';

/**
 * A user–item interaction dataset in index space: users 0..numUsers-1, items 0..numItems-1.
 * `train` is users × items (values are interaction weights, 1 for implicit data).
 */
export interface InteractionDataset {
  name: string;
  numUsers: number;
  numItems: number;
  train: Csr;
  /** Held-out interactions (users × items) used only for evaluation; never for fitting or choosing. */
  test?: Csr;
  /** External ids by index, when known (from files or Neo4j). */
  userIds?: string[];
  itemIds?: string[];
}

/** What a fit reports back, for the benchmark table and the training curve plot. */
export interface FitReport {
  trainSeconds: number;
  epochs: number;
  /** Per-epoch curve: loss and validation Recall@20 where the model trains by epochs. */
  curve?: { epoch: number; loss?: number; valRecall20?: number }[];
  /** Chosen hyper-parameters (on validation, never on test). */
  params?: Record<string, unknown>;
}

/**
 * A recommender in the evaluation harness: fitted on `train`, it scores every item for a batch of users.
 * `scoreUsers` writes users.length × numItems scores, row-major, into `out` (higher is better). The
 * harness masks train items itself.
 */
export interface Recommender {
  readonly name: string;
  fit(train: InteractionDataset, options?: { seed?: number; onProgress?: (info: Record<string, number>) => void }): Promise<FitReport>;
  scoreUsers(users: Int32Array, out: Float32Array): void | Promise<void>;
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

/**
 * Embeddings of every node, row-major Float32Array of count × dims each.
 * The served score of user u for item i is dot(users[u], items[i]) (+ the graph-neighbourhood term);
 * a user's embedding can be folded in from its interactions as
 * `userNorm(d_u) * sum_i w_ui * itemFoldIn[i]` where userNorm(d) = d^-userNormExponent, so an
 * interaction changes the user's embedding at once without retraining.
 */
export interface NodeEmbeddings {
  dims: number;
  users: Float32Array;
  items: Float32Array;
  itemFoldIn: Float32Array;
  categories: Float32Array;
  contexts: Float32Array;
  userNormExponent: number;
}

/** A trained model ready to be written back to the graph under a new version. */
export interface TrainedModel {
  version: string;
  embeddings: NodeEmbeddings;
  metrics: Record<string, number>;
  params: Record<string, unknown>;
  report: FitReport;
}
