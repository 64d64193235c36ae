import type { FitReport, Recommender } from '../types';
import type { InteractionDataset } from '../../graph/types';

/** Recommends the items with the most train users to everyone: the floor every other model must clear. */
export class MostPopular implements Recommender {
  readonly name = 'MostPopular';
  private popularity: Float32Array = new Float32Array(0);

  /** Counts each item's train users (interaction weights are ignored: one user, one vote). */
  async fit(data: InteractionDataset): Promise<FitReport> {
    const t0 = performance.now();
    const pop = new Float32Array(data.numItems);
    const idx = data.train.indices;
    for (let k = 0; k < idx.length; k++) pop[idx[k]]++;
    this.popularity = pop;
    return { trainSeconds: (performance.now() - t0) / 1000, epochs: 0, params: {} };
  }

  /** Writes the same popularity row for every user. */
  scoreUsers(users: Int32Array, out: Float32Array): void {
    const n = this.popularity.length;
    if (n === 0) throw new Error('MostPopular.scoreUsers: call fit() first');
    if (out.length < users.length * n) throw new Error(`MostPopular.scoreUsers: out has ${out.length} entries, needs ${users.length * n}`);
    for (let b = 0; b < users.length; b++) out.set(this.popularity, b * n);
  }
}
