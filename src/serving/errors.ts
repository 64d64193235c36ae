/** Errors of the serving domain; src/api maps them to GraphQL codes (src/api/errors.ts formatErrorFor). */

/** No trained model version is active (or the pinned one does not exist). */
export class ModelNotReadyError extends Error {
  constructor(message = 'No trained model is active yet; run the train mutation (admin) or `npm run train`, then retry.') {
    super(message);
    this.name = 'ModelNotReadyError';
  }
}

/** A request names a node that does not exist. */
export class NodeNotFoundError extends Error {
  constructor(readonly type: string, readonly id: string, readonly hint = '') {
    super(`No ${type} with id ${JSON.stringify(id).slice(0, 200)}.${hint ? ' ' + hint : ''}`);
    this.name = 'NodeNotFoundError';
  }
}

/** A request value out of range (the message names the field, the value and what was expected). */
export class InvalidRequestError extends Error {
  constructor(readonly field: string, readonly value: unknown, expected: string) {
    super(`${field} must be ${expected}, got ${JSON.stringify(value)?.slice(0, 200)}`);
    this.name = 'InvalidRequestError';
  }
}
