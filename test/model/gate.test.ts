import { gateDecision } from '../../src/model/gate';

describe('model/gate: the quality gate decision', () => {
  const active = { version: 'v3', metrics: { heldOutRecall20: 0.2 } };
  it('passes within the relative tolerance and fails beyond it, with the reason', () => {
    expect(gateDecision({ heldOutRecall20: 0.196 }, active, 0.02)).toMatchObject({ passed: true, candidate: 0.196, active: 0.2, activeVersion: 'v3' });
    const d = gateDecision({ heldOutRecall20: 0.195 }, active, 0.02);
    expect(d.passed).toBe(false);
    expect(d.reason).toBe('heldOutRecall20 0.1950 is 2.5% below 0.2000 of the active version v3 (tolerance 2.0%, floor 0.1960); the version stays ready');
    expect(gateDecision({ heldOutRecall20: 0.25 }, active, 0).passed).toBe(true);
  });
  it('passes with nothing to compare with, fails a candidate without a check against an active one with it', () => {
    expect(gateDecision({ heldOutRecall20: 0.1 }, null, 0.02)).toMatchObject({ passed: true, reason: 'no version is active' });
    expect(gateDecision({ heldOutRecall20: 0.1 }, { version: 'v1', metrics: {} }, 0.02).passed).toBe(true);
    expect(gateDecision({}, active, 0.02)).toMatchObject({ passed: false, candidate: null });
    expect(() => gateDecision({}, active, -1)).toThrow(/tolerance/);
  });
});
