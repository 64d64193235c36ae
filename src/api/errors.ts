import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { DatabaseUnavailableError } from '../db/errors';
import { InvalidRequestError, ModelNotReadyError, NodeNotFoundError } from '../serving/errors';
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

/**
 * A value as it may appear in an error message: JSON, at most `max` characters (longer ones are cut, with the
 * length said), so that an error never echoes an unbounded input back. `json: false` clips a plain string.
 */
export function clip(value: unknown, max = 200, json = true): string {
  let text: string;
  try {
    text = json ? JSON.stringify(value) ?? String(value) : String(value);
  } catch {
    text = String(value);
  }
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/** Creates a client-facing error with `extensions.code` and optional details (e.g. the argument name). */
export function apiError(code: ErrorCode, message: string, details: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...details } });
}

/** BAD_USER_INPUT naming the argument, the value received and what was expected. */
export function badInput(argument: string, value: unknown, expected: string): GraphQLError {
  const shown = clip(value);
  return apiError(ErrorCode.BAD_USER_INPUT, `Argument "${argument}" must be ${expected}, got ${shown}.`,
    { argument, value: shown.length > 200 ? shown : value });
}

/** NOT_FOUND for a node of `type` with `id`. */
export function notFound(type: string, id: string, hint = ''): GraphQLError {
  return apiError(ErrorCode.NOT_FOUND, `No ${type} with id ${clip(id)}.${hint ? ' ' + hint : ''}`, { type, id: clip(id, 200, false) });
}

/** Longest id of a user, item or impression (characters). */
export const MAX_ID_LENGTH = 200;

/** Checks an id argument: a non-empty string of at most MAX_ID_LENGTH characters; otherwise BAD_USER_INPUT naming it. */
export function checkId(argument: string, id: string): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) throw badInput(argument, id, `a non-empty id of at most ${MAX_ID_LENGTH} characters`);
  return id;
}

/** Checks a page size: an integer in [1, max]; otherwise BAD_USER_INPUT naming the argument. */
export function checkFirst(first: number, max: number, argument = 'first'): number {
  if (!Number.isInteger(first) || first < 1 || first > max) throw badInput(argument, first, `an integer from 1 to ${max}`);
  return first;
}

const KNOWN = new Set<string>(Object.values(ErrorCode));

/** The longest message sent to a client (graphql-js quotes offending values in its messages, of any length). */
const MAX_MESSAGE = 1_000;

/** Keeps a formatted error's message, path and locations bounded; extensions are ours (values already clipped). */
function bounded(e: GraphQLFormattedError): GraphQLFormattedError {
  const message = e.message.length > MAX_MESSAGE ? clip(e.message, MAX_MESSAGE, false) : e.message;
  const locations = e.locations && e.locations.length > 10 ? e.locations.slice(0, 10) : e.locations;
  return message === e.message && locations === e.locations ? e : { ...e, message, locations };
}

/** graphql-js's message for a document beyond the parser's maxTokens (src/api/limits.ts sets it). */
const TOO_MANY_TOKENS = /^Syntax Error: Document contains more th(?:an|at) (\d+) tokens\. Parsing aborted\.$/;

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
        message: original.commitUnknown
          ? 'The graph database became unreachable while this write was committing: it may or may not have been applied. '
            + 'Retry with the same idempotency key (or read it back) once the database is available.'
          : 'The graph database is unavailable right now; nothing was written; retry in a few seconds.',
        path: formatted.path, locations: formatted.locations,
        extensions: { code: ErrorCode.DATABASE_UNAVAILABLE, committed: original.commitUnknown ? 'unknown' : false },
      };
    }
    if (original instanceof ModelNotReadyError) {
      return { message: original.message, path: formatted.path, locations: formatted.locations, extensions: { code: ErrorCode.MODEL_NOT_READY } };
    }
    if (original instanceof NodeNotFoundError) {
      return bounded({ message: original.message, path: formatted.path, locations: formatted.locations,
        extensions: { code: ErrorCode.NOT_FOUND, type: original.type, id: clip(original.id, 200, false) } });
    }
    if (original instanceof InvalidRequestError) {
      return bounded({ message: original.message, path: formatted.path, locations: formatted.locations,
        extensions: { code: ErrorCode.BAD_USER_INPUT, argument: original.field } });
    }
    const tokens = code === 'GRAPHQL_PARSE_FAILED' ? TOO_MANY_TOKENS.exec(formatted.message) : null;
    if (tokens) {
      return {
        message: `The document has more than ${tokens[1]} tokens; the limit is ${tokens[1]}. Send fewer fields or aliases (every alias is resolved, and costs, again).`,
        extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, maxTokens: Number(tokens[1]) },
      };
    }
    if (original instanceof GraphQLError && code && KNOWN.has(code)) return bounded(formatted);
    if (code && PASSTHROUGH.has(code)) return bounded(formatted);
    if (code === 'BAD_USER_INPUT') return bounded(formatted);
    // Apollo's own request errors (e.g. a bad persisted-query version or hash) carry an HTTP 4xx and no code
    const own = (original as { extensions?: { code?: unknown; http?: { status?: number } } } | null)?.extensions;
    const status = own?.http?.status;
    if (original instanceof GraphQLError && own?.code === undefined && typeof status === 'number' && status >= 400 && status < 500) {
      return bounded({ message: formatted.message, extensions: { code: 'BAD_REQUEST' } });
    }
    log.error({ err: original, path: formatted.path, code }, 'internal error');
    return {
      message: 'Internal server error; it has been logged.',
      path: formatted.path, locations: formatted.locations,
      extensions: { code: ErrorCode.INTERNAL },
    };
  };
}
