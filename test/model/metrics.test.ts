import { categoryIntraListDiversity, coverageAtK, exposureCounts, gini, intraListDiversity, ndcgAtK, noveltyAtK, recallAtK } from '../../src/model/metrics';

describe('policy/metrics: beyond-accuracy metrics', () => {
  // 2-d embeddings: item 0 = (1,0), 1 = (0,1), 2 = (1,0) again, 3 = (-1,0)
  const emb = Float32Array.from([1, 0, 0, 1, 2, 0, -1, 0]);

  it('computes intra-list diversity as mean pairwise 1 − cosine', () => {
    // list [0,1,2]: pairs (0,1) 1, (0,2) 0, (1,2) 1 -> 2/3; list [0,3]: 2 -> mean (2/3 + 2) / 2 = 4/3
    expect(intraListDiversity([[0, 1, 2], [0, 3]], emb, 2, 20)).toBeCloseTo(4 / 3, 12);
    // cut at k = 2: [0,1] -> 1; [0,3] -> 2; single-item lists are skipped
    expect(intraListDiversity([[0, 1, 2], [0, 3], [1]], emb, 2, 2)).toBeCloseTo(1.5, 12);
  });

  it('computes category intra-list diversity as mean pairwise 1 − Jaccard', () => {
    const cats = [[0], [0, 1], [2], [0]];
    // [0,1,3]: (0,1) 1-1/2, (0,3) 0, (1,3) 1-1/2 -> 1/3
    expect(categoryIntraListDiversity([[0, 1, 3]], cats, 10)).toBeCloseTo(1 / 3, 12);
    expect(categoryIntraListDiversity([[0, 2]], cats, 10)).toBe(1);
  });

  it('computes novelty as mean self-information with popularity floored at 1', () => {
    const pop = [8, 2, 0, 1];
    // 8 users: item 0 -> 0 bits, item 1 -> 2 bits, item 2 -> 3 bits, item 3 -> 3 bits
    expect(noveltyAtK([[0, 1], [2, 3]], pop, 8, 20)).toBeCloseTo((1 + 3) / 2, 12);
    expect(noveltyAtK([[0, 1, 2]], pop, 8, 1)).toBe(0);
  });

  it('computes coverage and exposure counts at K', () => {
    expect(Array.from(exposureCounts([[0, 1], [1, 2]], 5, 20))).toEqual([1, 2, 1, 0, 0]);
    expect(coverageAtK([[0, 1], [1, 2]], 5, 20)).toBeCloseTo(3 / 5, 12);
    expect(coverageAtK([[0, 1], [1, 2]], 5, 1)).toBeCloseTo(2 / 5, 12);
  });

  it('computes the Gini index of exposure', () => {
    expect(gini([3, 3, 3, 3])).toBe(0);
    expect(gini([0, 0, 0, 0])).toBe(0);
    // one item takes everything among 4: (2·4 − 4 − 1)·x / (4·x) = 3/4
    expect(gini([0, 0, 0, 7])).toBeCloseTo(0.75, 12);
    // [1,2,3,4]: Σ(2i−n−1)x = −3·1 −1·2 +1·3 +3·4 = 10; / (4·10) = 0.25
    expect(gini([4, 1, 3, 2])).toBeCloseTo(0.25, 12);
    expect(() => gini([1, -1])).toThrow(/values must be >= 0, got -1/);
  });

  it('computes Recall@K and NDCG@K of one list', () => {
    const rel = new Set([1, 5, 9]);
    expect(recallAtK([1, 2, 5], rel, 20)).toBeCloseTo(2 / 3, 12);
    expect(recallAtK([1, 2, 5], rel, 2)).toBeCloseTo(1 / 3, 12);
    // hits at ranks 1 and 3: (1 + 1/2) / (1 + 1/log2(3) + 1/2)
    expect(ndcgAtK([1, 2, 5], rel, 20)).toBeCloseTo(1.5 / (1 + 1 / Math.log2(3) + 0.5), 12);
    expect(ndcgAtK([1, 5], new Set([1, 5]), 20)).toBeCloseTo(1, 12);
  });
});
