/**
 * Contexts derived from a moment (UTC): the time of day and the weekday, with the values the synthetic
 * generator draws and the events / ml-100k imports and files derive from timestamps. One definition for all.
 */
import type { ContextKey } from './types';

export const TIMES_OF_DAY = ['morning', 'afternoon', 'evening', 'night'] as const;
/** Hour ranges [from, to) of each time of day (UTC); night wraps around midnight (23-6). */
export const HOURS: Record<(typeof TIMES_OF_DAY)[number], [number, number]> = {
  morning: [6, 12], afternoon: [12, 18], evening: [18, 23], night: [23, 30],
};
export const DEVICES = ['mobile', 'desktop'] as const;
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** The contexts a timestamp can give. */
export const DERIVED_CONTEXT_KINDS = ['timeOfDay', 'weekday'] as const;
export type DerivedContextKind = (typeof DERIVED_CONTEXT_KINDS)[number];

/** The time of day of an epoch-ms moment in UTC, by HOURS. */
export function timeOfDayOf(ms: number): (typeof TIMES_OF_DAY)[number] {
  const h = new Date(ms).getUTCHours();
  const wrapped = h < HOURS.morning[0] ? h + 24 : h; // night's hours after midnight count from 24
  return TIMES_OF_DAY.find((t) => wrapped >= HOURS[t][0] && wrapped < HOURS[t][1])!;
}

/** The weekday of an epoch-ms moment in UTC. */
export function weekdayOf(ms: number): (typeof WEEKDAYS)[number] {
  return WEEKDAYS[new Date(ms).getUTCDay()];
}

/** The derived context of `kind` for an epoch-ms moment. */
export function derivedContext(kind: DerivedContextKind, ms: number): ContextKey {
  return { kind, value: kind === 'timeOfDay' ? timeOfDayOf(ms) : weekdayOf(ms) };
}

/** The stored form of a context on an INTERACTED edge (`r.contexts`) and in ACTIVE_IN/POPULAR_IN keys: `kind:value`. */
export function contextKey(c: ContextKey): string {
  return `${c.kind}:${c.value}`;
}

/** The context of a stored `kind:value` key (contextKey's inverse; a key without a colon is a kind with an empty value). */
export function parseContextKey(key: string): ContextKey {
  const sep = key.indexOf(':');
  return sep < 0 ? { kind: key, value: '' } : { kind: key.slice(0, sep), value: key.slice(sep + 1) };
}
