import { intOption, numberListOption, numberOption, UsageError } from '../../src/cli/args';
import { parseTrainArgs } from '../../src/cli/train';
import { parseEvalArgs } from '../../src/cli/evalOffpolicy';

describe('cli/args: numeric options, checked in one place', () => {
  it('returns the value, or undefined when the option is absent', () => {
    expect(intOption('users', '4000', { min: 50 })).toBe(4000);
    expect(intOption('users', undefined, { min: 50 })).toBeUndefined();
    expect(numberOption('alpha', '0.05', { above: 0, below: 1 })).toBe(0.05);
    expect(numberListOption('levels', '1,16,64', { integer: true, min: 1 })).toEqual([1, 16, 64]);
  });

  it('names the option, the value and what was expected', () => {
    expect(() => intOption('users', '4k', { min: 50 })).toThrow(new UsageError('--users must be an integer >= 50, got "4k"'));
    expect(() => intOption('users', '10', { min: 50 })).toThrow('--users must be an integer >= 50, got "10"');
    expect(() => intOption('first', '101', { min: 1, max: 100 })).toThrow('--first must be an integer in [1, 100], got "101"');
    expect(() => intOption('seed', '1.5')).toThrow('--seed must be an integer, got "1.5"');
    expect(() => intOption('seed', '')).toThrow('--seed must be an integer, got ""');
    expect(() => numberOption('alpha', '1', { above: 0, below: 1 })).toThrow('--alpha must be a number in (0, 1), got "1"');
    expect(() => numberOption('seconds', '0', { above: 0 })).toThrow('--seconds must be a number > 0, got "0"');
    expect(() => numberOption('rate', 'Infinity')).toThrow('--rate must be a number, got "Infinity"');
    expect(() => numberListOption('fractions', '0.5,0', { above: 0, max: 1 }))
      .toThrow('--fractions must be a comma-separated list, each value a number in (0, 1], got "0.5,0"');
  });

  it('is what the CLIs answer with', () => {
    expect(() => parseTrainArgs(['--dims', 'x'])).toThrow('--dims must be an integer, got "x"');
    expect(parseTrainArgs(['--half-life-days', '1.5']).halfLifeDays).toBe(1.5);
    expect(() => parseEvalArgs(['--since', '2026-01-01', '--policy', '{}', '--max-rows', '0']))
      .toThrow('--max-rows must be an integer in [1, 10000000], got "0"');
    expect(() => parseEvalArgs(['--since', '2026-01-01', '--policy', '{}', '--alpha', '1.5'])).toThrow('--alpha must be a number in (0, 1), got "1.5"');
    expect(parseEvalArgs(['--since', '2026-01-01', '--policy', '{}'])).toMatchObject({ maxRows: 200_000, alpha: 0.05 });
  });
});
