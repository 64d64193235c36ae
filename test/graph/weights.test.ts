import { interactionWeight, isPositiveKind } from '../../src/graph/weights';

describe('graph/weights: interaction weights', () => {
  it('weighs kinds as the graph model says', () => {
    expect(['view', 'click', 'save', 'like', 'purchase'].map((k) => interactionWeight(k))).toEqual([1, 2, 3, 3, 5]);
    expect(interactionWeight('rating', 4)).toBe(4);
    expect(interactionWeight('dismiss')).toBe(-1);
    expect(isPositiveKind('dislike')).toBe(false);
    expect(isPositiveKind('rating')).toBe(true);
  });

  it('rejects an unknown kind or a rating without a valid value', () => {
    expect(() => interactionWeight('poke')).toThrow(/unknown interaction kind "poke"/);
    expect(() => interactionWeight('rating', 9)).toThrow(/rating.*9/);
  });
});
