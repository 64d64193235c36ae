import { foldInUser } from '../../src/serving/foldIn';

describe('serving/foldIn: user embedding from interactions', () => {
  it('computes d_u^-e * sum w * foldIn with d_u the summed weight, skipping negatives', () => {
    const e = foldInUser([{ weight: 3, foldIn: [1, 0] }, { weight: 1, foldIn: [0, 2] }, { weight: -1, foldIn: [5, 5] }], 2, 0.5)!;
    expect(e[0]).toBeCloseTo(3 / 2, 9);
    expect(e[1]).toBeCloseTo(2 / 2, 9);
  });

  it('returns null when no interaction has a fold-in vector', () => {
    expect(foldInUser([{ weight: 1, foldIn: null }], 2, 0.5)).toBeNull();
    expect(foldInUser([], 2, 0.5)).toBeNull();
  });
});
