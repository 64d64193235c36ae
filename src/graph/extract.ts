import type { ManagedTransaction } from 'neo4j-driver';
import type { Executor } from '../db/executor';
import { cypher } from '../db/cypher';
import type { Logger } from '../log';
import { startProgress } from '../progress';
import type { ContextKey, HeteroGraph } from '../model/types';
import { BuildStats, EdgeWeighting, HeteroGraphBuilder } from './builder';

/** Options of a graph extraction from Neo4j. */
export interface ExtractOptions extends EdgeWeighting {
  /** Name of the resulting graph (default "neo4j"). */
  name?: string;
  logger?: Logger;
  /** Show a progress bar over the relations read (default true). */
  progress?: boolean;
  /** Aborts the extraction between records. */
  signal?: AbortSignal;
}

/** Sizes and timings of one extraction. */
export interface ExtractStats extends BuildStats {
  users: number;
  items: number;
  categories: number;
  contexts: number;
  /** Seconds per phase (node lists, each relation, CSR building) and in total. */
  seconds: Record<string, number>;
}

/**
 * Streams one named statement inside `tx`, calling `onRecord` per record as it arrives (records are
 * never collected into one array), and resolves with the record count.
 */
async function stream(tx: ManagedTransaction, name: string, onRecord: (get: (key: string) => unknown) => void,
  signal?: AbortSignal): Promise<number> {
  let n = 0;
  await new Promise<void>((resolve, reject) => {
    tx.run(cypher(name)).subscribe({
      onNext(record) {
        if (signal?.aborted) return; // drain quickly; the check after the stream rejects
        n++;
        onRecord((key) => record.get(key));
      },
      onCompleted: () => resolve(),
      onError: (err) => reject(err),
    });
  });
  if (signal?.aborted) throw new Error(`extractGraph: aborted while reading "${name}"`);
  return n;
}

const RELATIONS = ['extract/interactions', 'extract/held_out', 'extract/item_categories', 'extract/user_contexts',
  'extract/item_contexts', 'extract/follows'] as const;

/**
 * Reads the whole graph (users, items, categories, contexts and all their training relations, plus
 * HELD_OUT as `test`) from Neo4j into a HeteroGraph, in one read transaction, streaming each relation
 * grouped per source node. Node indexes follow id order, so the same graph always maps the same way.
 */
export async function extractGraph(db: Executor, options: ExtractOptions = {}): Promise<{ graph: HeteroGraph; stats: ExtractStats }> {
  const log = options.logger?.child({ component: 'extract' });
  const t0 = performance.now();
  // The work function may be retried by the driver on transient errors: everything it fills is created inside it.
  return db.readTx(async (tx) => {
    const seconds: Record<string, number> = {};
    let t = performance.now();
    const lap = (what: string) => {
      const now = performance.now();
      seconds[what] = (now - t) / 1000;
      t = now;
    };
    const userIds: string[] = [];
    const itemIds: string[] = [];
    const categories: string[] = [];
    const contexts: ContextKey[] = [];
    await stream(tx, 'extract/users', (g) => userIds.push(g('id') as string), options.signal);
    await stream(tx, 'extract/items', (g) => itemIds.push(g('id') as string), options.signal);
    await stream(tx, 'extract/categories', (g) => categories.push(g('name') as string), options.signal);
    await stream(tx, 'extract/contexts', (g) => contexts.push({ kind: g('kind') as string, value: g('value') as string }), options.signal);
    lap('nodes');
    log?.info({ users: userIds.length, items: itemIds.length, categories: categories.length, contexts: contexts.length }, 'extract: node lists read');

    const b = new HeteroGraphBuilder(userIds, itemIds, categories, contexts, options);
    const bar = options.progress === false ? undefined : startProgress('extract', RELATIONS.length, 'relations');
    const handlers: Record<(typeof RELATIONS)[number], (g: (key: string) => unknown) => void> = {
      'extract/interactions': (g) => {
        const u = g('user') as string;
        for (const [item, kind, weight, at] of g('edges') as [string | null, string | null, number | null, number | null][]) {
          if (item !== null) b.addInteraction(u, item, kind, weight, at);
        }
      },
      'extract/held_out': (g) => {
        const u = g('user') as string;
        for (const item of g('items') as (string | null)[]) if (item !== null) b.addHeldOut(u, item);
      },
      'extract/item_categories': (g) => {
        const i = g('item') as string;
        for (const c of g('categories') as (string | null)[]) if (c !== null) b.addItemCategory(i, c);
      },
      'extract/user_contexts': (g) => {
        const u = g('node') as string;
        for (const [kind, value, count] of g('contexts') as [string | null, string | null, number | null][]) {
          if (kind !== null && value !== null) b.addUserContext(u, kind, value, count);
        }
      },
      'extract/item_contexts': (g) => {
        const i = g('node') as string;
        for (const [kind, value, count] of g('contexts') as [string | null, string | null, number | null][]) {
          if (kind !== null && value !== null) b.addItemContext(i, kind, value, count);
        }
      },
      'extract/follows': (g) => {
        const u = g('user') as string;
        for (const v of g('followed') as (string | null)[]) if (v !== null) b.addFollow(u, v);
      },
    };
    for (const rel of RELATIONS) {
      const rows = await stream(tx, rel, handlers[rel], options.signal);
      lap(rel.slice('extract/'.length));
      bar?.increment(1, {});
      log?.debug({ relation: rel, rows, seconds: seconds[rel.slice('extract/'.length)] }, 'extract: relation read');
    }
    bar?.stop();
    const built = b.build(options.name ?? 'neo4j');
    lap('build');
    seconds.total = (performance.now() - t0) / 1000;
    if (b.unknownKinds.size > 0) {
      log?.warn({ unknownKinds: Object.fromEntries(b.unknownKinds) }, 'extract: INTERACTED edges with unknown kinds were skipped');
    }
    const stats: ExtractStats = {
      ...built.stats,
      users: userIds.length,
      items: itemIds.length,
      categories: categories.length,
      contexts: contexts.length,
      seconds,
    };
    log?.info({ ...stats }, 'extract: graph extracted');
    return { graph: built.graph, stats };
  });
}
