import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../paths';

/** Root folder of the named Cypher statements (one parameterised statement per file). */
export const CYPHER_DIR = path.join(PROJECT_ROOT, 'cypher');

const cache = new Map<string, string>();

/**
 * Returns the text of `cypher/<name>.cypher` (e.g. `schema/constraints` or `import/interactions`) without
 * its whole-line `//` comments and indentation: the files are documented for people, and the driver would
 * otherwise encode the documentation into every request (the serving statements run once per request).
 * Statements are never built from strings: callers pass parameters only.
 */
export function cypher(name: string): string {
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  if (!/^[a-z0-9_-]+(\/[a-z0-9_-]+)*$/i.test(name)) {
    throw new Error(`cypher: statement name must be a relative path of [a-z0-9_-] parts, got "${name}"`);
  }
  const file = path.join(CYPHER_DIR, `${name}.cypher`);
  let text: string;
  try {
    text = stripComments(fs.readFileSync(file, 'utf8'));
  } catch {
    throw new Error(`cypher: no statement named "${name}" (looked for ${file})`);
  }
  cache.set(name, text);
  return text;
}

/** The names of the statements under `cypher/<dir>/` (e.g. `api` → `api/itemsByIds`, ...), sorted. */
export function cypherNamesUnder(dir: string): string[] {
  return fs.readdirSync(path.join(CYPHER_DIR, dir)).filter((f) => f.endsWith('.cypher')).map((f) => `${dir}/${f.slice(0, -'.cypher'.length)}`).sort();
}

/**
 * Drops whole-line `//` comments, indentation and blank lines. Only whole lines go: a `//` after code may be
 * inside a string literal, and no statement of this project has a multi-line string literal whose lines
 * could start with `//`.
 */
export function stripComments(text: string): string {
  return text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith('//')).join('\n');
}

/**
 * Splits a file holding several `;`-terminated statements (schema files only) into statements,
 * dropping `//` comment lines.
 */
export function cypherStatements(name: string): string[] {
  return cypher(name)
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
