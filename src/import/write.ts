/**
 * Batched idempotent writes shared by every import: rows go to a named UNWIND statement in chunks,
 * one managed write transaction per chunk, with a progress bar and summed write counters.
 */
import type { ManagedTransaction } from 'neo4j-driver';
import type { Executor } from '../db/executor';
import { cypher } from '../db/cypher';
import { Progress, startProgress } from '../progress';

/** What a sequence of write batches changed in the graph (from Neo4j's result summaries). */
export interface WriteCounts {
  nodesCreated: number;
  relationshipsCreated: number;
  propertiesSet: number;
}

/** All-zero counters. */
export function zeroCounts(): WriteCounts {
  return { nodesCreated: 0, relationshipsCreated: 0, propertiesSet: 0 };
}

/** Adds `b` into `a` and returns `a`. */
export function addCounts(a: WriteCounts, b: WriteCounts): WriteCounts {
  a.nodesCreated += b.nodesCreated;
  a.relationshipsCreated += b.relationshipsCreated;
  a.propertiesSet += b.propertiesSet;
  return a;
}

/** How to cut rows into batches and report progress. */
export interface BatchOptions<T> {
  /** Target size of one batch, measured with `size` (default: one per row). */
  batchSize: number;
  /** Name of the list parameter the statement UNWINDs (default `rows`). */
  param?: string;
  /** Extra parameters passed to every batch. */
  params?: Record<string, unknown>;
  /** Size of one row in batch units, e.g. the number of relationships it writes; rows are never split. */
  size?: (row: T) => number;
  /** Progress bar label; no bar when omitted. */
  label?: string;
  unit?: string;
  /** An existing bar to advance instead (shared by batches that run concurrently); not stopped here. */
  progress?: Progress;
}

/**
 * Runs the named statement over `rows` in batches, each in its own write transaction, and returns
 * the summed counters. A batch either commits whole or not at all; statements must be idempotent
 * so that re-running after a failure repairs a partial import.
 */
export async function writeBatches<T>(db: Executor, name: string, rows: readonly T[], options: BatchOptions<T>): Promise<WriteCounts> {
  const statement = cypher(name);
  return inBatches(db, rows, options, (tx, chunk) => runCounted(tx, statement, { ...options.params, [options.param ?? 'rows']: chunk }));
}

/** Runs a statement text (from `cypher()`) in a transaction and returns its write counters. */
export async function runCounted(tx: ManagedTransaction, statement: string, params: Record<string, unknown>): Promise<WriteCounts> {
  const res = await tx.run(statement, params);
  const u = res.summary.counters.updates();
  return { nodesCreated: u.nodesCreated, relationshipsCreated: u.relationshipsCreated, propertiesSet: u.propertiesSet };
}

/**
 * Cuts `rows` into batches (never splitting a row) and runs `work` on each in its own managed write
 * transaction, with a progress bar; returns the summed counters.
 */
export async function inBatches<T>(db: Executor, rows: readonly T[], options: Omit<BatchOptions<T>, 'param' | 'params'>,
  work: (tx: ManagedTransaction, chunk: T[]) => Promise<WriteCounts>): Promise<WriteCounts> {
  const size = options.size ?? (() => 1);
  const total = rows.reduce((s, r) => s + size(r), 0);
  const own = !options.progress && options.label ? startProgress(options.label, total, options.unit ?? 'rows') : undefined;
  const bar = options.progress ?? own;
  const counts = zeroCounts();
  try {
    let start = 0;
    while (start < rows.length) {
      let end = start;
      let units = 0;
      while (end < rows.length && (end === start || units + size(rows[end]) <= options.batchSize)) {
        units += size(rows[end]);
        end++;
      }
      const chunk = rows.slice(start, end);
      addCounts(counts, await db.writeTx((tx) => work(tx, chunk)));
      bar?.increment(units);
      start = end;
    }
  } finally {
    own?.stop();
  }
  return counts;
}
