import { vectorText } from '../../src/model/registry';

describe('model/registry: vectorText', () => {
  // -0 is written as 0: the same number in every sum and product the scorer forms
  it('writes float32 values that parse back to the same float32, extremes included', () => {
    const v = Float32Array.from([0, 1, -1, Math.PI, 1e-7, -3.4028234663852886e38, 1.401298464324817e-45, 1.1754943508222875e-38, 0.1, 123456.789]);
    const text = vectorText(v);
    expect(text.split(',')).toHaveLength(v.length);
    // Number() follows the same decimal grammar as Cypher's toFloat (Java's Double.parseDouble) for these strings
    expect(Float32Array.from(text.split(','), Number)).toEqual(v);
  });

  it('writes one value per entry with no separator at the ends', () => {
    expect(vectorText([2])).toBe('2.00000000');
    expect(vectorText(Float32Array.of(0.5, 2))).toBe('0.500000000,2.00000000');
  });
});
