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
