import { ConfigError, loadConfig, loadTrainingConfig } from '../src/config';
import { gateDecision } from '../src/model/gate';

describe('config: LOG_FORMAT and the TRAIN_* settings', () => {
  it('defaults logs to pretty at a terminal outside production, JSON otherwise, and validates LOG_FORMAT', () => {
    expect(loadConfig({}, true).logFormat).toBe('pretty');
    expect(loadConfig({}, false).logFormat).toBe('json');
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }, true).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'json' }, true).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }, false).logFormat).toBe('pretty');
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(new ConfigError('LOG_FORMAT must be one of json, pretty, got "xml"'));
  });

  it('reads the schedule and the gate tolerance, naming a bad value', () => {
    expect(loadTrainingConfig({})).toEqual({ everyMs: undefined, afterInteractions: undefined, checkEveryMs: 60_000, gateTolerance: 0.02 });
    expect(loadTrainingConfig({ TRAIN_EVERY: '6h', TRAIN_AFTER_INTERACTIONS: '5000', TRAIN_CHECK_EVERY: '30s', TRAIN_GATE_TOLERANCE: '0.05' }))
      .toEqual({ everyMs: 6 * 3_600_000, afterInteractions: 5000, checkEveryMs: 30_000, gateTolerance: 0.05 });
    expect(loadTrainingConfig({ TRAIN_EVERY: '1.5d' }).everyMs).toBe(1.5 * 86_400_000);
    expect(() => loadTrainingConfig({ TRAIN_EVERY: '6 hours' })).toThrow(/TRAIN_EVERY must be a duration .* got "6 hours"/);
    expect(() => loadTrainingConfig({ TRAIN_EVERY: '10ms' })).toThrow(/TRAIN_EVERY must be a duration of at least 1000 ms/);
    expect(() => loadTrainingConfig({ TRAIN_AFTER_INTERACTIONS: '0' })).toThrow(/TRAIN_AFTER_INTERACTIONS must be an integer from 1/);
    expect(() => loadTrainingConfig({ TRAIN_GATE_TOLERANCE: '2' })).toThrow(/TRAIN_GATE_TOLERANCE must be a number from 0 to 1, got "2"/);
  });
});

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
