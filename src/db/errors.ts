import { Neo4jError } from 'neo4j-driver';

/** Neo4j cannot be reached (down, restarting, wrong address): callers may retry later. */
export class DatabaseUnavailableError extends Error {
  /** @param commitUnknown the connection was lost while a write committed: it may have been applied (or not) */
  constructor(message: string, cause?: unknown, readonly commitUnknown = false) {
    super(message, { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

/** A write broke a uniqueness constraint or another schema rule. */
export class ConstraintViolationError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'ConstraintViolationError';
  }
}

const UNAVAILABLE = new Set(['ServiceUnavailable', 'SessionExpired', 'Neo.ClientError.Security.AuthenticationRateLimit',
  'Neo.TransientError.General.DatabaseUnavailable', 'Neo.ClientError.Database.DatabaseNotFound']);

/** Maps driver errors to the project's typed errors; anything else is returned unchanged. */
export function mapNeo4jError(err: unknown): unknown {
  if (err instanceof Neo4jError) {
    if (UNAVAILABLE.has(err.code) || err.code.startsWith('Neo.TransientError.General')) {
      return new DatabaseUnavailableError(`Neo4j is unavailable (${err.code}): ${err.message}`, err);
    }
    if (err.code === 'Neo.ClientError.Schema.ConstraintValidationFailed') {
      return new ConstraintViolationError(err.message, err);
    }
  }
  if (err instanceof Error && /ECONNREFUSED|ECONNRESET|Pool is closed|connect ETIMEDOUT/.test(err.message)) {
    return new DatabaseUnavailableError(`Neo4j is unavailable: ${err.message}`, err);
  }
  return err;
}
