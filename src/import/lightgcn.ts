/**
 * Import of the LightGCN text format (`userId itemId itemId ...` per line, train.txt and test.txt):
 * train.txt becomes INTERACTED {kind 'view', weight 1, no timestamp}, test.txt becomes HELD_OUT.
 * Both files are validated whole before anything is written; the writes are idempotent batches.
 */
import path from 'node:path';
import type { Executor } from '../db/executor';
import type { Logger } from '../log';
import { interactionWeight } from '../graph/weights';
import { ImportValidationError } from './errors';
import { readInputFile } from './files';
import { addCounts, writeBatches, WriteCounts, zeroCounts } from './write';

/** One user's line: the user id and its distinct item ids, as strings. */
export interface LightGcnRow {
  user: string;
  items: string[];
}

/** A parsed, validated LightGCN file. */
export interface LightGcnFile {
  file: string;
  rows: LightGcnRow[];
  /** Number of (user, item) pairs after removing duplicates. */
  pairs: number;
  /** Repeated items on one line (or a user on several lines) that were merged away. */
  duplicates: number;
}

const ID = /^\d+$/;

/**
 * Parses and validates a LightGCN file: every line is a non-negative integer user id followed by
 * integer item ids separated by whitespace; blank lines are skipped; a user on several lines is merged.
 * Throws ImportValidationError naming file, line and value on the first bad token.
 */
export function parseLightGcnFile(file: string, options: { requireItems?: boolean } = {}): LightGcnFile {
  const text = readInputFile(file);
  const byUser = new Map<string, Set<string>>();
  let duplicates = 0;
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    const line = text.slice(start, end).replace(/\r$/, '');
    start = end + 1;
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const tokens = trimmed.split(/\s+/);
    for (const t of tokens) {
      if (!ID.test(t)) {
        throw new ImportValidationError(file, lineNo, t, 'expected a non-negative integer id (`userId itemId itemId ...`)');
      }
    }
    if (options.requireItems && tokens.length < 2) {
      throw new ImportValidationError(file, lineNo, trimmed, 'expected a user id followed by at least one item id');
    }
    const user = canonical(tokens[0]);
    let set = byUser.get(user);
    if (!set) byUser.set(user, (set = new Set())); // a user on several lines is merged; repeated items are counted
    for (let k = 1; k < tokens.length; k++) {
      const item = canonical(tokens[k]);
      if (set.has(item)) duplicates++;
      else set.add(item);
    }
  }
  if (byUser.size === 0) throw new ImportValidationError(file, 0, '', 'expected at least one `userId itemId ...` line');
  const rows: LightGcnRow[] = [];
  let pairs = 0;
  for (const [user, items] of byUser) {
    rows.push({ user, items: [...items] });
    pairs += items.size;
  }
  return { file, rows, pairs, duplicates };
}

/** "007" and "7" are the same id: ids are stored in their canonical decimal form. */
function canonical(t: string): string {
  return t.length > 1 && t.startsWith('0') ? t.replace(/^0+(?=\d)/, '') : t;
}

/** Options of a LightGCN import. */
export interface LightGcnImportOptions {
  /** Relationships per write transaction (default 10,000). */
  batchSize?: number;
  /** Training file name inside `dir` (default train.txt). */
  train?: string;
  /** Held-out file name inside `dir` (default test.txt); missing is allowed only when `requireTest` is false. */
  test?: string;
  /** Whether test.txt must exist (default true). */
  requireTest?: boolean;
  logger?: Logger;
}

/** What a LightGCN import found in the files and changed in the graph. */
export interface LightGcnImportResult {
  users: number;
  items: number;
  interactions: number;
  heldOut: number;
  duplicatesSkipped: number;
  written: WriteCounts;
}

/**
 * Imports `dir/train.txt` (INTERACTED) and `dir/test.txt` (HELD_OUT) into Neo4j: validates both files
 * first (nothing is written if either is bad), then MERGEs users and items and writes the edges in
 * idempotent batches. Returns the counts in the files and what the graph gained.
 */
export async function importLightGcn(db: Executor, dir: string, options: LightGcnImportOptions = {}): Promise<LightGcnImportResult> {
  const batchSize = options.batchSize ?? 10_000;
  const log = options.logger?.child({ component: 'import-lightgcn' });
  const trainFile = path.join(dir, options.train ?? 'train.txt');
  const testFile = path.join(dir, options.test ?? 'test.txt');
  const train = parseLightGcnFile(trainFile);
  let test: LightGcnFile | undefined;
  if (options.requireTest === false) {
    try {
      test = parseLightGcnFile(testFile);
    } catch (err) {
      if (!(err instanceof ImportValidationError && /not found/.test(err.message))) throw err;
    }
  } else {
    test = parseLightGcnFile(testFile);
  }
  const users = new Set<string>();
  const items = new Set<string>();
  for (const f of [train, test]) {
    for (const r of f?.rows ?? []) {
      users.add(r.user);
      for (const i of r.items) items.add(i);
    }
  }
  log?.info({ trainFile, testFile: test ? testFile : null, users: users.size, items: items.size, interactions: train.pairs,
    heldOut: test?.pairs ?? 0, duplicates: train.duplicates + (test?.duplicates ?? 0) }, 'validated; writing');

  const written = zeroCounts();
  const idBatch = Math.max(batchSize, 20_000);
  addCounts(written, await writeBatches(db, 'import/merge-users', [...users], { batchSize: idBatch, param: 'ids', label: 'users', unit: 'users' }));
  addCounts(written, await writeBatches(db, 'import/merge-items', [...items], { batchSize: idBatch, param: 'ids', label: 'items', unit: 'items' }));
  const params = { kind: 'view', weight: interactionWeight('view') };
  const size = (r: LightGcnRow) => r.items.length;
  addCounts(written, await writeBatches(db, 'import/interacted-lists', train.rows, { batchSize, params, size, label: 'train', unit: 'rels' }));
  if (test) {
    addCounts(written, await writeBatches(db, 'import/held-out-lists', test.rows, { batchSize, params, size, label: 'test', unit: 'rels' }));
  }
  const result = { users: users.size, items: items.size, interactions: train.pairs, heldOut: test?.pairs ?? 0,
    duplicatesSkipped: train.duplicates + (test?.duplicates ?? 0), written };
  log?.info(result, 'lightgcn import done');
  return result;
}
