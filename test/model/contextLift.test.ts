import { csrFromCoo } from '../../src/graph/csr';
import { ContextLift } from '../../src/model/contextLift';

describe('model/contextLift: context lift', () => {
  const contexts = [
    { kind: 'device', value: 'mobile' },
    { kind: 'device', value: 'desktop' },
    { kind: 'timeOfDay', value: 'evening' },
    { kind: 'timeOfDay', value: 'morning' },
  ];
  // item 0: used on mobile in the evening; item 1: desktop mornings; item 2: evenly; item 3: no data
  const counts = [
    [0, 0, 40], [0, 1, 0], [0, 2, 40], [0, 3, 0],
    [1, 0, 0], [1, 1, 40], [1, 2, 0], [1, 3, 40],
    [2, 0, 20], [2, 1, 20], [2, 2, 20], [2, 3, 20],
  ];
  const m = csrFromCoo(4, 4, Int32Array.from(counts, (c) => c[0]), Int32Array.from(counts, (c) => c[1]), Float32Array.from(counts, (c) => c[2]));
  const lift = new ContextLift(m, contexts);
  const request = [{ kind: 'device', value: 'mobile' }, { kind: 'timeOfDay', value: 'evening' }, { kind: 'location', value: 'Mars' }];

  it('scores items used in the request context above the rest, and unknown items at 0', () => {
    const cols = lift.resolve(request);
    expect(cols).toEqual([0, 2]); // the unknown location is ignored
    const out = new Float32Array(4);
    lift.scoreAll(cols, out);
    expect(out[0]).toBeGreaterThan(0);
    expect(out[1]).toBeLessThan(0);
    expect(out[2]).toBeCloseTo(0, 6); // used like the average item
    expect(out[3]).toBeCloseTo(0, 6); // no data: prior
    expect(out[0]).toBeGreaterThan(out[2]);
  });


  it('rejects a context list that does not match the matrix', () => {
    expect(() => new ContextLift(m, contexts.slice(0, 3))).toThrow(/4 columns but 3 contexts/);
  });
});
