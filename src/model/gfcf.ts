import type { FitReport, Recommender } from './types';
import type { InteractionDataset } from '../graph/types';
import { buildFilterBasis, FilterScorer, gfcfResponse } from './filter';
import { initBackend } from './backend';

/** Options of GF-CF; the defaults are the published method's. */
export interface GfcfOptions {
  /** Number of top singular vectors in the ideal low-pass; default 256. */
  k?: number;
  /** Weight of the ideal low-pass; default 0.3. */
  alpha?: number;
  /** Subspace iterations of the eigen-solver; default 8. */
  iterations?: number;
}

/**
 * GF-CF (Shen et al., CIKM 2021), training-free: s_u = r_u R~ᵀR~ + α · r_u D_i^-1/2 V Vᵀ D_i^1/2 with
 * R~ = D_u^-1/2 R D_i^-1/2 and V its top-k right singular vectors — the published normalised item–item linear
 * filter plus 0.3 × an ideal low-pass on the top 256.
 */
export class GfcfRecommender implements Recommender {
  readonly name = 'GF-CF';
  private scorer: FilterScorer | undefined;

  constructor(private readonly options: GfcfOptions = {}) {}

  /** Normalises the training matrix and computes its top-k spectrum (no training). */
  async fit(train: InteractionDataset, options: { seed?: number; onProgress?: (info: Record<string, number>) => void } = {}): Promise<FitReport> {
    await initBackend(); // the fast backend for the dense spectral work; a no-op once the process has chosen
    const t0 = Date.now();
    const k = this.options.k ?? 256;
    const alpha = this.options.alpha ?? 0.3;
    this.scorer?.dispose();
    const basis = buildFilterBasis(train.train, {
      userExponent: 0.5,
      itemExponent: 0.5,
      k,
      iterations: this.options.iterations,
      seed: options.seed,
      onProgress: (_stage, done, total) => options.onProgress?.({ spectrumIteration: done, total }),
    });
    const kk = basis.spectrum.k;
    this.scorer = new FilterScorer(basis, gfcfResponse(kk, alpha));
    return { trainSeconds: (Date.now() - t0) / 1000, epochs: 0, params: { k: kk, alpha, userExponent: 0.5, itemExponent: 0.5 } };
  }

  /** The item embeddings V·Σ (items × k, row-major): the top singular vectors scaled by their singular values. */
  itemEmbeddings(): { dims: number; vectors: Float32Array } {
    if (!this.scorer) throw new Error('GfcfRecommender.itemEmbeddings: call fit() first');
    const { k, n, vectors, values } = this.scorer.basis.spectrum;
    const out = new Float32Array(n * k);
    for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) out[i * k + c] = vectors[i * k + c] * Math.sqrt(values[c]);
    return { dims: k, vectors: out };
  }

  /** Scores every item for the given users (their training rows are the input signal). */
  scoreUsers(users: Int32Array, out: Float32Array): void {
    if (!this.scorer) throw new Error('GfcfRecommender.scoreUsers: call fit() first');
    this.scorer.score(users, out);
  }
}
