/** Reading import files with errors that name the file: missing, unreadable, a directory, or empty. */
import fs from 'node:fs';
import { ImportValidationError } from './errors';

/** Reads a whole UTF-8 text file, or throws ImportValidationError when it is missing, not a file, or empty. */
export function readInputFile(file: string): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new ImportValidationError(file, 0, file, 'expected an existing file (not found)');
  }
  if (!stat.isFile()) throw new ImportValidationError(file, 0, file, 'expected a regular file, not a directory');
  const text = fs.readFileSync(file, 'utf8');
  if (text.trim() === '') throw new ImportValidationError(file, 0, '', 'expected a non-empty file');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
