import { badInput } from '../errors';
import type { ContextInput } from './context.input';

/** Validates context values (at most 10, non-empty kind without ":" and non-empty value) for `argument`. */
export function checkContexts(contexts: ContextInput[], argument: string): { kind: string; value: string }[] {
  if (contexts.length > 10) throw badInput(argument, `${contexts.length} values`, 'at most 10 context values');
  for (const c of contexts) {
    if (!c.kind || !c.value || c.kind.includes(':')) throw badInput(argument, c, 'values with a non-empty kind (without ":") and a non-empty value');
  }
  return contexts.map((c) => ({ kind: c.kind, value: c.value }));
}
