import { GraphQLError } from 'graphql';
import { DatabaseUnavailableError } from '../../src/db/errors';
import { apiError, badInput, ErrorCode, formatErrorFor } from '../../src/api/errors';
import type { Logger } from '../../src/log';

function fakeLog() {
  const calls: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const log = {
    error: (obj: Record<string, unknown>, msg: string) => calls.push({ level: 'error', obj, msg }),
    warn: (obj: Record<string, unknown>, msg: string) => calls.push({ level: 'warn', obj, msg }),
  } as unknown as Logger;
  return { log, calls };
}

/** What Apollo hands formatError: the formatted error and the original wrapped in a located GraphQLError. */
function wrap(original: Error): [{ message: string; extensions?: Record<string, unknown>; path?: (string | number)[] }, unknown] {
  const located = new GraphQLError(original.message, { originalError: original, path: ['q'], extensions: original instanceof GraphQLError ? original.extensions : {} });
  return [{ message: original.message, path: ['q'], extensions: { code: (original as GraphQLError).extensions?.code ?? 'INTERNAL_SERVER_ERROR' } }, located];
}

describe('api/errors: codes, masking and logging', () => {
  it('keeps our coded errors as they are', () => {
    const { log, calls } = fakeLog();
    const out = formatErrorFor(log)(...wrap(badInput('first', 0, 'an integer from 1 to 100')));
    expect(out.extensions?.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(out.message).toBe('Argument "first" must be an integer from 1 to 100, got 0.');
    expect(calls).toEqual([]);
  });

  it('masks unknown errors as INTERNAL and logs them with their cause', () => {
    const { log, calls } = fakeLog();
    const secret = new TypeError('Cannot read properties of undefined (reading "password")');
    const out = formatErrorFor(log)(...wrap(secret));
    expect(out).toEqual({ message: 'Internal server error; it has been logged.', path: ['q'], locations: undefined, extensions: { code: 'INTERNAL' } });
    expect(calls).toHaveLength(1);
    expect(calls[0].obj.err).toBe(secret);
  });

  it('maps an unreachable database to DATABASE_UNAVAILABLE', () => {
    const { log } = fakeLog();
    const out = formatErrorFor(log)(...wrap(new DatabaseUnavailableError('Neo4j is unavailable: ECONNREFUSED')));
    expect(out.extensions).toEqual({ code: 'DATABASE_UNAVAILABLE', committed: false });
    expect(out.message).toMatch(/retry/);
  });

  it('keeps access errors made with apiError', () => {
    const { log } = fakeLog();
    const out = formatErrorFor(log)(...wrap(apiError(ErrorCode.FORBIDDEN, 'no')));
    expect(out.extensions?.code).toBe('FORBIDDEN');
  });
});
