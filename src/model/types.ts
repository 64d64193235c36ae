import type { InteractionDataset } from '../graph/types';

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
