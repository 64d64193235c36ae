import { badInput } from '../errors';
import type { ContextInput } from './context.input';

/** Longest context kind and value (characters): they are node keys of a Neo4j index, whose keys are bounded. */
export const MAX_CONTEXT_LENGTH = 100;

/** Validates context values (at most 10, a non-empty kind without ":" and a non-empty value, each at most 100 characters) for `argument`. */
export function checkContexts(contexts: ContextInput[], argument: string): { kind: string; value: string }[] {
  if (contexts.length > 10) throw badInput(argument, `${contexts.length} values`, 'at most 10 context values');
  for (const c of contexts) {
    if (!c.kind || !c.value || c.kind.includes(':') || c.kind.length > MAX_CONTEXT_LENGTH || c.value.length > MAX_CONTEXT_LENGTH) {
      throw badInput(argument, c, `values with a non-empty kind (without ":") and a non-empty value, each at most ${MAX_CONTEXT_LENGTH} characters`);
    }
  }
  return contexts.map((c) => ({ kind: c.kind, value: c.value }));
}
