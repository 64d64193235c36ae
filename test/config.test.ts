import { ConfigError, loadConfig, loadTrainingConfig } from '../src/config';

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
