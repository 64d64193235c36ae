import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { DatabaseUnavailableError } from '../db/errors';
import type { Logger } from '../log';

/** Every error code a client can see in `extensions.code`; a client branches on these, never on messages. */
export enum ErrorCode {
  /** The id names no node of that type. */
  NOT_FOUND = 'NOT_FOUND',
  /** An argument is out of range or malformed; the message names the argument and the value. */
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  /** The operation needs a bearer token and none (or an invalid one) was sent. */
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  /** The token is valid but its role or user may not do this. */
  FORBIDDEN = 'FORBIDDEN',
  /** No trained model is active yet: train one (mutation train, admin) and retry. */
  MODEL_NOT_READY = 'MODEL_NOT_READY',
  /** Neo4j cannot be reached right now; retry later. */
  DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE',
  /** The query is deeper or costlier than the server allows. */
  QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX',
  /** The request conflicts with work in progress (e.g. a training run is already running); retry later. */
  CONFLICT = 'CONFLICT',
  /** This server was started without the capability asked for (e.g. training). */
  NOT_AVAILABLE = 'NOT_AVAILABLE',
  /** A bug or unexpected failure; the cause is logged on the server, never sent. */
  INTERNAL = 'INTERNAL',
}

/** Codes produced by graphql-js/Apollo before resolvers run (parse, validation); passed to clients unchanged. */
const PASSTHROUGH = new Set([
  'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE',
]);

/** Creates a client-facing error with `extensions.code` and optional details (e.g. the argument name). */
export function apiError(code: ErrorCode, message: string, details: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...details } });
}

/** BAD_USER_INPUT naming the argument, the value received and what was expected. */
export function badInput(argument: string, value: unknown, expected: string): GraphQLError {
  return apiError(ErrorCode.BAD_USER_INPUT, `Argument "${argument}" must be ${expected}, got ${JSON.stringify(value)}.`,
    { argument, value });
}

/** NOT_FOUND for a node of `type` with `id`. */
export function notFound(type: string, id: string, hint = ''): GraphQLError {
  return apiError(ErrorCode.NOT_FOUND, `No ${type} with id ${JSON.stringify(id)}.${hint ? ' ' + hint : ''}`, { type, id });
}

/** Checks a page size: an integer in [1, max]; otherwise BAD_USER_INPUT naming the argument. */
export function checkFirst(first: number, max: number, argument = 'first'): number {
  if (!Number.isInteger(first) || first < 1 || first > max) throw badInput(argument, first, `an integer from 1 to ${max}`);
  return first;
}

const KNOWN = new Set<string>(Object.values(ErrorCode));

/**
 * Apollo `formatError`: keeps errors that carry one of our codes (or graphql-js's own parse/validation
 * codes), maps an unreachable Neo4j to DATABASE_UNAVAILABLE, and masks everything else as INTERNAL
 * after logging it with its cause.
 */
export function formatErrorFor(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const code = formatted.extensions?.code as string | undefined;
    if (original instanceof DatabaseUnavailableError) {
      log.warn({ err: original, path: formatted.path }, 'database unavailable');
      return {
        message: 'The graph database is unavailable right now; retry in a few seconds.',
        path: formatted.path, locations: formatted.locations,
        extensions: { code: ErrorCode.DATABASE_UNAVAILABLE },
      };
    }
    if (original instanceof GraphQLError && code && KNOWN.has(code)) return formatted;
    if (code && PASSTHROUGH.has(code)) return formatted;
    if (code === 'BAD_USER_INPUT') return formatted;
    log.error({ err: original, path: formatted.path, code }, 'internal error');
    return {
      message: 'Internal server error; it has been logged.',
      path: formatted.path, locations: formatted.locations,
      extensions: { code: ErrorCode.INTERNAL },
    };
  };
}
