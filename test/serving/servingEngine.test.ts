import { foldInUser } from '../../src/serving/foldIn';
import { DEFAULT_SERVING, validateServingOptions } from '../../src/serving/servingEngine';

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

describe('serving/recommend: ServingOptions', () => {
  it('names the field and the value of an unknown or out-of-range option', () => {
    expect(() => validateServingOptions({ policyCandidates: 0 })).toThrow('ServingOptions.policyCandidates must be an integer in [1, 5000], got 0');
    expect(() => validateServingOptions({ graphSource: 'cypher' })).toThrow('ServingOptions.graphSource must be one of the fields modelTtlMs, policyCandidates, pinnedVersion, got "cypher"');
    expect(validateServingOptions({ modelTtlMs: 10 })).toEqual({ ...DEFAULT_SERVING, modelTtlMs: 10 });
  });
});
