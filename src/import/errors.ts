/**
 * Bad import input: names the file, the line (1-based, 0 when the problem is the file as a whole),
 * the offending value and what was expected. Thrown during validation, before anything is written.
 */
export class ImportValidationError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly value: string,
    readonly expected: string,
  ) {
    super(`${file}${line > 0 ? `:${line}` : ''}: ${expected}, got ${JSON.stringify(truncate(value))}`);
    this.name = 'ImportValidationError';
  }
}

function truncate(s: string): string {
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** A bad import mapping or option (a usage mistake, not bad file content): says what was given and what is accepted. */
export class ImportMappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportMappingError';
  }
}
