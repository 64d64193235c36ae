/**
 * The bulk path for a first load into an EMPTY local database: the validated rows of an import are
 * written as neo4j-admin CSV files (same labels, relationship types, properties and property types as
 * the transactional writers), the project's local server is stopped, `neo4j-admin database import full`
 * loads them and the server is started again (scripts/neo4j.mjs import-full), then the schema
 * (constraints, indexes) is applied and the counts are checked. Refuses a remote server or a
 * database that holds any node.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Executor } from '../db/executor';
import { applySchema } from '../db/schema';
import type { Logger } from '../log';
import { PROJECT_ROOT } from '../paths';
import { startProgress } from '../progress';
import { contextKey } from '../graph/contexts';
import type { AttributeType, ImportRows } from './rows';

/** The bulk path was refused (remote server, or a database that is not empty); nothing was changed. */
export class BulkImportRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BulkImportRefused';
  }
}

/** Where the bulk path runs: the project's local server instance, or null when the configured server is remote. */
export type BulkTarget = { instance: 'dev' | 'test' } | { remote: string };

/** Timings and sizes of a bulk import. */
export interface BulkImportResult {
  nodes: number;
  relationships: number;
  /** Seconds per phase: writing the CSV files, stopping the server, neo4j-admin, starting it, the schema, and in all. */
  phases: { csv: number; stop: number; import: number; start: number; schema: number; total: number };
  /** CPU seconds this process spent writing the CSV files. */
  csvCpuSeconds: number;
  /** CPU seconds neo4j-admin used (sampled from /proc; null where unreadable): the load's cost whatever else the machine does. */
  importCpuSeconds: number | null;
  /** neo4j-admin's own stages in seconds (from its output; null where it printed none): start-up to "Import starting", its four stages, the exit. */
  importStages: Record<'startup' | 'nodes' | 'relationships' | 'linking' | 'postProcessing' | 'exit', number | null>;
  /** Whether neo4j-admin loaded its classes from the class-data archive ('used') or dumped it at its exit ('created', the first import). */
  classArchive: 'used' | 'created';
}

const NEO4J_TYPE: Record<AttributeType, string> = { string: 'string', integer: 'long', float: 'double', date: 'date' };
const ARRAY_DELIMITER = ';';
const SCRIPT = path.join(PROJECT_ROOT, 'scripts', 'neo4j.mjs');

/** A CSV field: strings always quoted ("" doubled), null/undefined empty (no property). */
function str(s: string): string {
  return s.indexOf('"') < 0 ? `"${s}"` : `"${s.replace(/"/g, '""')}"`;
}
function num(x: number | null): string {
  return x === null ? '' : String(x);
}
function time(ms: number | null): string {
  return ms === null ? '' : new Date(ms).toISOString();
}

/** Writes rows to a file in chunks of lines, with `header` first; returns the number of data lines. */
function writeCsv<T>(file: string, header: string, rows: readonly T[], line: (r: T) => string, onLines?: (n: number) => void): number {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, `${header}\n`);
    const CHUNK = 20_000;
    for (let k = 0; k < rows.length; k += CHUNK) {
      let text = '';
      const end = Math.min(rows.length, k + CHUNK);
      for (let j = k; j < end; j++) text += `${line(rows[j])}\n`;
      fs.writeSync(fd, text);
      onLines?.(end - k);
    }
  } finally {
    fs.closeSync(fd);
  }
  return rows.length;
}

/** The attribute columns of a node file: every attribute name in `rows`, with its type. */
function attributeHeader(rows: readonly { attributes: Record<string, { type: AttributeType }> }[]): { names: string[]; header: string } {
  const types = new Map<string, AttributeType>();
  for (const r of rows) for (const [name, a] of Object.entries(r.attributes)) if (!types.has(name)) types.set(name, a.type);
  const names = [...types.keys()];
  return { names, header: names.map((n) => `,${n}:${NEO4J_TYPE[types.get(n) as AttributeType]}`).join('') };
}

function attributeFields(attributes: Record<string, { type: AttributeType; value: string | number }>, names: string[]): string {
  let out = '';
  for (const n of names) {
    const a = attributes[n];
    out += ',';
    if (a) out += a.type === 'string' ? str(String(a.value)) : String(a.value);
  }
  return out;
}

/** A manifest for scripts/neo4j.mjs import-full: which file holds which label or type. */
export interface BulkManifest {
  nodes: { label: string; file: string }[];
  relationships: { type: string; file: string }[];
  arrayDelimiter: string;
  multilineFields: boolean;
}

/** Dense integer ids of one node group (neo4j-admin's --id-type=integer: no string id map to build). */
function denseIds(keys: Iterable<string>): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, m.size);
  return m;
}

/**
 * Writes `rows` as neo4j-admin import CSV files into `dir` (plus manifest.json) and returns the manifest.
 * The files give exactly the graph writeImportRows / importLightGcn write: the key properties (`id`,
 * `name`, `kind`/`value`) as strings, properties absent where those write null, numbers as doubles,
 * counts as longs, times as datetimes in UTC. Nodes are referenced by dense integer ids that are not
 * stored; a relationship column that is empty in every row is left out.
 */
export function writeBulkFiles(rows: ImportRows, dir: string, onLines?: (n: number) => void): BulkManifest {
  fs.mkdirSync(dir, { recursive: true });
  const f = (name: string) => path.join(dir, `${name}.csv`);
  const userId = denseIds(rows.users.map((u) => u.id));
  const itemId = denseIds(rows.items.map((i) => i.id));
  const categoryId = denseIds(rows.categories);
  const contextId = denseIds(rows.contexts.map(contextKey));
  const ref = (m: Map<string, number>, key: string, what: string) => {
    const n = m.get(key);
    if (n === undefined) throw new Error(`writeBulkFiles: a relationship refers to ${what} "${key}", which is not among the nodes`);
    return n;
  };
  const u = attributeHeader(rows.users);
  const i = attributeHeader(rows.items);
  const anyTitle = rows.items.some((x) => x.title !== null);
  writeCsv(f('users'), `:ID(User),id${u.header}`, rows.users, (r) => `${userId.get(r.id)},${str(r.id)}${attributeFields(r.attributes, u.names)}`, onLines);
  writeCsv(f('items'), `:ID(Item),id${anyTitle ? ',title' : ''}${i.header}`, rows.items,
    (r) => `${itemId.get(r.id)},${str(r.id)}${anyTitle ? `,${r.title === null ? '' : str(r.title)}` : ''}${attributeFields(r.attributes, i.names)}`, onLines);
  writeCsv(f('categories'), ':ID(Category),name', rows.categories, (c) => `${categoryId.get(c)},${str(c)}`, onLines);
  writeCsv(f('contexts'), ':ID(Context),kind,value', rows.contexts, (c) => `${contextId.get(contextKey(c))},${str(c.kind)},${str(c.value)}`, onLines);
  writeCsv(f('in_category'), ':START_ID(Item),:END_ID(Category)', rows.inCategory,
    (r) => `${ref(itemId, r.item, 'item')},${ref(categoryId, r.category, 'category')}`, onLines);
  // Optional columns of the edge files, present only when some row has a value.
  const hasRating = (list: readonly { rating: number | null }[]) => list.some((r) => r.rating !== null);
  const hasAt = (list: readonly { at: number | null }[]) => list.some((r) => r.at !== null);
  const edges = <T extends { user: string; item: string; kind: string; weight: number; rating: number | null; at: number | null }>(name: string,
    list: readonly T[], contexts: ((r: T) => string[]) | null) => {
    const rating = hasRating(list);
    const at = hasAt(list);
    const ctx = contexts !== null && list.some((r) => contexts(r).length > 0);
    let lastUser: string | undefined;
    let lastUserRef = -1;
    writeCsv(f(name), `:START_ID(User),:END_ID(Item),kind,weight:double${rating ? ',rating:double' : ''}${at ? ',at:datetime' : ''}${ctx ? ',contexts:string[]' : ''}`,
      list, (r) => {
        // edges come grouped by user: one lookup per run of the same user
        if (r.user !== lastUser) {
          lastUser = r.user;
          lastUserRef = ref(userId, r.user, 'user');
        }
        let line = `${lastUserRef},${ref(itemId, r.item, 'item')},${str(r.kind)},${r.weight}`;
        if (rating) line += `,${num(r.rating)}`;
        if (at) line += `,${time(r.at)}`;
        if (ctx) {
          const c = (contexts as (r: T) => string[])(r);
          line += `,${c.length ? str(c.join(ARRAY_DELIMITER)) : ''}`;
        }
        return line;
      }, onLines);
  };
  edges('interacted', rows.interactions, (r) => r.contexts);
  edges('held_out', rows.heldOut, null);
  writeCsv(f('active_in'), ':START_ID(User),:END_ID(Context),count:long', rows.activeIn,
    (r) => `${ref(userId, r.id, 'user')},${ref(contextId, `${r.kind}:${r.value}`, 'context')},${r.count}`, onLines);
  writeCsv(f('popular_in'), ':START_ID(Item),:END_ID(Context),count:long', rows.popularIn,
    (r) => `${ref(itemId, r.id, 'item')},${ref(contextId, `${r.kind}:${r.value}`, 'context')},${r.count}`, onLines);
  writeCsv(f('follows'), ':START_ID(User),:END_ID(User)', rows.follows, (r) => `${ref(userId, r.from, 'user')},${ref(userId, r.to, 'user')}`, onLines);
  const multiline = (a: Record<string, { value: string | number }>) => Object.values(a).some((v) => /[\r\n]/.test(String(v.value)));
  const multilineFields = rows.items.some((x) => /[\r\n]/.test(x.title ?? '') || multiline(x.attributes)) || rows.users.some((x) => multiline(x.attributes)) ||
    rows.categories.some((c) => /[\r\n]/.test(c));
  const manifest: BulkManifest = {
    nodes: [['User', 'users'], ['Item', 'items'], ['Category', 'categories'], ['Context', 'contexts']].map(([label, n]) => ({ label, file: f(n) })),
    relationships: [['IN_CATEGORY', 'in_category'], ['INTERACTED', 'interacted'], ['HELD_OUT', 'held_out'], ['ACTIVE_IN', 'active_in'],
      ['POPULAR_IN', 'popular_in'], ['FOLLOWS', 'follows']].map(([type, n]) => ({ type, file: f(n) })),
    arrayDelimiter: ARRAY_DELIMITER,
    multilineFields,
  };
  fs.writeFileSync(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Runs scripts/neo4j.mjs import-full for the instance; resolves with its timings (seconds) or rejects with its message. */
function runImportFull(instance: 'dev' | 'test', dir: string, log?: Logger): Promise<{ stop: number; import: number; start: number; importCpuSeconds: number | null;
  importStages: BulkImportResult['importStages']; classArchive: BulkImportResult['classArchive'] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, 'import-full', '--instance', instance, '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      err += d;
      log?.debug({ neo4j: String(d).trim() }, 'import-full');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`bulk import failed (scripts/neo4j.mjs import-full exited with ${code}):\n${err.split('\n').slice(-30).join('\n')}`));
        return;
      }
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() as string));
      } catch {
        reject(new Error(`scripts/neo4j.mjs import-full printed no timings: ${out}`));
      }
    });
  });
}

/** Waits (bounded) until the restarted server answers a read. */
async function awaitServer(db: Executor, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await db.read('import/count-nodes');
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`the restarted Neo4j did not answer within ${timeoutMs / 1000}s: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * Loads `rows` into the empty local database `target` through neo4j-admin (see the file comment).
 * `db` must talk to that server; it is used before the stop (the emptiness check) and after the
 * restart (schema, counts). Throws BulkImportRefused, before anything is stopped, for a remote server
 * or a database with nodes.
 */
export async function bulkImport(db: Executor, rows: ImportRows, target: BulkTarget, options: { logger?: Logger; keepFiles?: boolean } = {}): Promise<BulkImportResult> {
  const log = options.logger?.child({ component: 'import-bulk' });
  if ('remote' in target) {
    throw new BulkImportRefused(`--bulk needs the project's local Neo4j (it is stopped and restarted around neo4j-admin); the configured server ` +
      `${target.remote} is remote (NEO4J_URI is set). Import without --bulk.`);
  }
  const [before] = await db.read<{ nodes: number; relationships: number }>('import/count-nodes');
  const existing = Number(before.nodes);
  const existingRels = Number(before.relationships);
  if (existing > 0) {
    throw new BulkImportRefused(`--bulk is for a first load into an empty database; this one holds ${existing} nodes and ${existingRels} ` +
      'relationships. Import without --bulk (idempotent, adds to the graph), or empty the database first.');
  }
  const nodes = rows.users.length + rows.items.length + rows.categories.length + rows.contexts.length;
  const relationships = rows.inCategory.length + rows.interactions.length + rows.heldOut.length + rows.activeIn.length +
    rows.popularIn.length + rows.follows.length;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ig-bulk-'));
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  try {
    const bar = startProgress('bulk CSV', nodes + relationships, 'rows');
    try {
      writeBulkFiles(rows, dir, (n) => bar.increment(n));
    } finally {
      bar.stop();
    }
    const csv = (Date.now() - t0) / 1000;
    const csvCpu = process.cpuUsage(cpu0);
    log?.info({ dir, nodes, relationships, seconds: csv }, 'CSV files written; stopping Neo4j for neo4j-admin database import full');
    const phases = await runImportFull(target.instance, dir, log);
    const t1 = Date.now();
    await awaitServer(db, 120_000);
    await applySchema(db);
    const schema = (Date.now() - t1) / 1000;
    const [got] = await db.read<{ nodes: number; relationships: number }>('import/count-nodes');
    if (Number(got.nodes) !== nodes || Number(got.relationships) !== relationships) {
      throw new Error(`bulk import: expected ${nodes} nodes and ${relationships} relationships, the database holds ${got.nodes} and ${got.relationships}`);
    }
    const total = (Date.now() - t0) / 1000;
    const result = {
      nodes, relationships,
      phases: { csv, stop: phases.stop, import: phases.import, start: phases.start, schema, total },
      csvCpuSeconds: (csvCpu.user + csvCpu.system) / 1e6,
      importCpuSeconds: phases.importCpuSeconds,
      importStages: phases.importStages,
      classArchive: phases.classArchive,
    };
    log?.info(result, 'bulk import done');
    return result;
  } finally {
    if (!options.keepFiles) fs.rmSync(dir, { recursive: true, force: true });
  }
}
