/** The one check of numeric command-line options for the CLIs (src/cli) and the benchmarks (bench/). */

/** A bad command-line argument: its message names the option, the value given and what was expected. */
export class UsageError extends Error {}

/** Bounds of a numeric option: min/max inclusive, above/below exclusive. */
export interface Bounds {
  min?: number;
  max?: number;
  above?: number;
  below?: number;
}

function expected(integer: boolean, b: Bounds): string {
  const kind = integer ? 'an integer' : 'a number';
  const lo = b.min !== undefined ? `[${b.min}` : b.above !== undefined ? `(${b.above}` : undefined;
  const hi = b.max !== undefined ? `${b.max}]` : b.below !== undefined ? `${b.below})` : undefined;
  if (lo && hi) return `${kind} in ${lo}, ${hi}`;
  if (b.min !== undefined) return `${kind} >= ${b.min}`;
  if (b.above !== undefined) return `${kind} > ${b.above}`;
  if (b.max !== undefined) return `${kind} <= ${b.max}`;
  if (b.below !== undefined) return `${kind} < ${b.below}`;
  return kind;
}

function valid(raw: string, integer: boolean, b: Bounds): boolean {
  const n = Number(raw);
  return raw.trim() !== '' && Number.isFinite(n) && (!integer || Number.isInteger(n))
    && (b.min === undefined || n >= b.min) && (b.max === undefined || n <= b.max)
    && (b.above === undefined || n > b.above) && (b.below === undefined || n < b.below);
}

/** `--name`'s value as an integer within `bounds`, undefined when the option is absent; UsageError otherwise. */
export function intOption(name: string, raw: string | undefined, bounds: Bounds = {}): number | undefined {
  if (raw === undefined) return undefined;
  if (!valid(raw, true, bounds)) throw new UsageError(`--${name} must be ${expected(true, bounds)}, got "${raw}"`);
  return Number(raw);
}

/** `--name`'s value as a finite number within `bounds`, undefined when the option is absent; UsageError otherwise. */
export function numberOption(name: string, raw: string | undefined, bounds: Bounds = {}): number | undefined {
  if (raw === undefined) return undefined;
  if (!valid(raw, false, bounds)) throw new UsageError(`--${name} must be ${expected(false, bounds)}, got "${raw}"`);
  return Number(raw);
}

/** `--name`'s comma-separated values, each an integer (or number) within `bounds`; undefined when absent. */
export function numberListOption(name: string, raw: string | undefined, bounds: Bounds & { integer?: boolean } = {}): number[] | undefined {
  if (raw === undefined) return undefined;
  const integer = bounds.integer ?? false;
  const parts = raw.split(',');
  if (!parts.every((x) => valid(x, integer, bounds))) {
    throw new UsageError(`--${name} must be a comma-separated list, each value ${expected(integer, bounds)}, got "${raw}"`);
  }
  return parts.map(Number);
}
