/**
 * Import of the LightGCN text format (`userId itemId itemId ...` per line, train.txt and test.txt):
 * train.txt becomes INTERACTED {kind 'view', weight 1, no timestamp}, test.txt becomes HELD_OUT.
 * Both files are validated whole before anything is written; then users and items are MERGEd in large
 * batches, and the edges written in batches that find items by element id (read once) and CREATE where
 * no edge can exist yet, MERGE otherwise, so that running the import again changes nothing.
 */
import path from 'node:path';
import type { ManagedTransaction } from 'neo4j-driver';
import { cypher } from '../db/cypher';
import type { Executor } from '../db/executor';
import { interactionWeight } from '../graph/weights';
import type { Logger } from '../log';
import { startProgress } from '../progress';
import { ImportValidationError } from './errors';
import { readInputFile } from './files';
import { addCounts, inBatches, writeBatches, WriteCounts, zeroCounts } from './write';
import type { ImportRows, InteractionRow } from './rows';

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
  // ids are keyed by their value while it is exact (at most 15 significant digits), else by their canonical string;
  // each distinct id gets one string, shared by every row that names it
  const byUser = new Map<number | string, Set<number | string>>();
  const names = new Map<number | string, string>();
  const name = (key: number | string) => {
    let s = names.get(key);
    if (s === undefined) names.set(key, (s = String(key)));
    return s;
  };
  let duplicates = 0;
  let lineNo = 0;
  let start = 0;
  const tokens: (number | string)[] = [];
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    const lineStart = start;
    start = end + 1;
    // fast path: digits, spaces, tabs and a final \r only; any other character takes the general path below
    tokens.length = 0;
    let plain = true;
    for (let k = lineStart; k < end;) {
      const c = text.charCodeAt(k);
      if (c === 32 || c === 9 || (c === 13 && k === end - 1)) {
        k++;
        continue;
      }
      if (c < 48 || c > 57) {
        plain = false;
        break;
      }
      let j = k;
      while (j < end && text.charCodeAt(j) === 48) j++; // leading zeros
      const from = j < end && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57 ? j : j - 1; // "000" is 0
      let v = 0;
      while (j < end && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) v = v * 10 + (text.charCodeAt(j++) - 48);
      const c2 = j < end ? text.charCodeAt(j) : 32;
      if (!(c2 === 32 || c2 === 9 || (c2 === 13 && j === end - 1))) {
        plain = false;
        break;
      }
      tokens.push(j - from > 15 ? text.slice(from, j) : v);
      k = j;
    }
    if (!plain) {
      tokens.length = 0;
      const trimmed = text.slice(lineStart, end).replace(/\r$/, '').trim();
      if (trimmed !== '') {
        for (const t of trimmed.split(/\s+/)) {
          if (!ID.test(t)) {
            throw new ImportValidationError(file, lineNo, t, 'expected a non-negative integer id (`userId itemId itemId ...`)');
          }
          const c = canonical(t);
          tokens.push(c.length > 15 ? c : Number(c));
        }
      }
    }
    if (tokens.length === 0) continue;
    if (options.requireItems && tokens.length < 2) {
      throw new ImportValidationError(file, lineNo, text.slice(lineStart, end).replace(/\r$/, '').trim(), 'expected a user id followed by at least one item id');
    }
    let set = byUser.get(tokens[0]);
    if (!set) byUser.set(tokens[0], (set = new Set())); // a user on several lines is merged; repeated items are counted
    for (let k = 1; k < tokens.length; k++) {
      if (set.has(tokens[k])) duplicates++;
      else set.add(tokens[k]);
    }
  }
  if (byUser.size === 0) throw new ImportValidationError(file, 0, '', 'expected at least one `userId itemId ...` line');
  const rows: LightGcnRow[] = [];
  let pairs = 0;
  for (const [user, items] of byUser) {
    rows.push({ user: name(user), items: Array.from(items, name) });
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
  /**
   * Concurrent write transactions (default 2). Edges are cut into user-group x item-group blocks and
   * blocks that share no user and no item run at the same time, so writers never wait for each other's locks.
   */
  concurrency?: number;
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
  const concurrency = options.concurrency ?? 2;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16) {
    throw new Error(`importLightGcn: concurrency must be an integer from 1 to 16, got ${concurrency}`);
  }
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
  const elementIds = await itemElementIds(db, [...items], idBatch);
  const edges = { elementIds, batchSize, concurrency };
  addCounts(written, await writeEdgeLists(db, train.rows, 'interacted', 'train', edges));
  if (test) addCounts(written, await writeEdgeLists(db, test.rows, 'held-out', 'test', edges));
  const result = { users: users.size, items: items.size, interactions: train.pairs, heldOut: test?.pairs ?? 0,
    duplicatesSkipped: train.duplicates + (test?.duplicates ?? 0), written };
  log?.info(result, 'lightgcn import done');
  return result;
}

/** Reads the element ids of the given items (all of which exist), for direct lookups in edge batches. */
async function itemElementIds(db: Executor, ids: string[], batchSize: number): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let k = 0; k < ids.length; k += batchSize) {
    const rows = await db.read<{ id: string; elementId: string }>('import/item-element-ids', { ids: ids.slice(k, k + batchSize) });
    for (const r of rows) out.set(r.id, r.elementId);
  }
  return out;
}

/**
 * Writes INTERACTED (or HELD_OUT) edges of LightGCN rows. Users and items are dealt into `concurrency`
 * groups each; block (a, b) holds the edges from user group a to item group b, and in round r the blocks
 * (w, (w + r) mod c) run concurrently: they share no node, so no writer waits for another's locks and
 * none can deadlock. Each block is written in batches, one transaction each.
 */
async function writeEdgeLists(db: Executor, rows: LightGcnRow[], type: 'interacted' | 'held-out', label: string,
  o: { elementIds: Map<string, string>; batchSize: number; concurrency: number }): Promise<WriteCounts> {
  const c = o.concurrency;
  const itemGroup = new Map<string, number>();
  let n = 0;
  for (const e of o.elementIds.values()) itemGroup.set(e, n++ % c);
  const blocks: LightGcnRow[][][] = Array.from({ length: c }, () => Array.from({ length: c }, () => []));
  let total = 0;
  rows.forEach((r, k) => {
    const parts: string[][] = Array.from({ length: c }, () => []);
    for (const i of r.items) {
      const e = o.elementIds.get(i) as string;
      parts[itemGroup.get(e) as number].push(e);
    }
    parts.forEach((items, b) => { if (items.length) blocks[k % c][b].push({ user: r.user, items }); });
    total += r.items.length;
  });
  // On a graph without any edge of this type every row is fresh: skip the per-batch checks (a quarter of
  // Neo4j's work). Safe because this import writes each (user, item) pair once; a re-run after a crash
  // finds edges and checks again.
  const [{ n: existing }] = await db.read<{ n: number }>(`import/count-${type}`);
  const checkSeen = existing > 0;
  const progress = startProgress(label, total, 'rels');
  const counts = zeroCounts();
  try {
    for (let round = 0; round < c; round++) {
      const done = await Promise.all(Array.from({ length: c }, (_, w) =>
        inBatches(db, blocks[w][(w + round) % c], { batchSize: o.batchSize, size: (r) => r.items.length, progress },
          (tx, chunk) => writeEdgeBatch(tx, chunk, type, label, checkSeen))));
      done.forEach((d) => addCounts(counts, d));
    }
  } finally {
    progress.stop();
  }
  return counts;
}

/**
 * Writes one batch of edges (rows hold item element ids) in one transaction. Unless the graph had no
 * edge of this type at the start, it first asks which rows' users already have an edge of this type to
 * any of the row's items: the other rows' edges cannot exist yet and are CREATEd (fast), these rows are MERGEd. Throws (rolling the batch back) when a user
 * or item was not found.
 */
async function writeEdgeBatch(tx: ManagedTransaction, chunk: LightGcnRow[], type: 'interacted' | 'held-out', label: string,
  checkSeen: boolean): Promise<WriteCounts> {
  const params = { kind: 'view', weight: interactionWeight('view') };
  const seen = new Set<number>();
  if (checkSeen) {
    const seenRes = await tx.run(cypher(`import/seen-${type}-rows`), { rows: chunk });
    for (const k of seenRes.records[0]?.get('rows') ?? []) seen.add(k);
  }
  const fresh: LightGcnRow[] = [];
  const again: LightGcnRow[] = [];
  let freshPairs = 0;
  let againPairs = 0;
  chunk.forEach((row, k) => {
    if (seen.has(k)) {
      again.push(row);
      againPairs += row.items.length;
    } else {
      fresh.push(row);
      freshPairs += row.items.length;
    }
  });
  const counts = zeroCounts();
  for (const [name, part, pairs] of [[`import/create-${type}-lists`, fresh, freshPairs], [`import/merge-${type}-lists`, again, againPairs]] as const) {
    if (part.length === 0) continue;
    const res = await tx.run(cypher(name), { ...params, rows: part });
    const got = Number(res.records[0]?.get(0) ?? 0);
    if (got !== pairs) {
      throw new Error(`import ${label}: expected to write ${pairs} ${type} edges in a batch but matched ${got}; ` +
        'a user or item was deleted during the import? Re-run it.');
    }
    const u = res.summary.counters.updates();
    addCounts(counts, { nodesCreated: u.nodesCreated, relationshipsCreated: u.relationshipsCreated, propertiesSet: u.propertiesSet });
  }
  return counts;
}

const NO_CONTEXTS: string[] = [];

/**
 * The rows importLightGcn writes, for the bulk path (src/import/bulk.ts): users and items by id,
 * INTERACTED and HELD_OUT {kind 'view', weight 1} without a time. Validates both files first.
 */
export function lightGcnRows(dir: string, options: { train?: string; test?: string } = {}): ImportRows {
  const train = parseLightGcnFile(path.join(dir, options.train ?? 'train.txt'));
  const test = parseLightGcnFile(path.join(dir, options.test ?? 'test.txt'));
  const users = new Set<string>();
  const items = new Set<string>();
  const weight = interactionWeight('view');
  const edges = (f: LightGcnFile) => {
    const out: InteractionRow[] = [];
    for (const r of f.rows) {
      users.add(r.user);
      for (const item of r.items) {
        items.add(item);
        out.push({ user: r.user, item, kind: 'view', weight, rating: null, at: null, contexts: NO_CONTEXTS });
      }
    }
    return out;
  };
  const interactions = edges(train);
  const heldOut = edges(test).map(({ contexts: _c, ...e }) => e);
  return {
    categories: [], contexts: [], users: [...users].map((id) => ({ id, attributes: {} })), items: [...items].map((id) => ({ id, title: null, attributes: {} })),
    inCategory: [], interactions, heldOut, activeIn: [], popularIn: [], follows: [],
  };
}
