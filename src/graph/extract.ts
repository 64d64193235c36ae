import { stream, type Executor } from '../db/executor';
import type { Logger } from '../log';
import { startProgress } from '../progress';
import type { ContextKey, HeteroGraph } from './types';
import { BuildStats, EdgeWeighting, HeteroGraphBuilder, Relation } from './builder';

/** Options of a graph extraction from Neo4j. */
export interface ExtractOptions extends EdgeWeighting {
  /** Name of the resulting graph (default "neo4j"). */
  name?: string;
  logger?: Logger;
  /** Show a progress bar over the relations read (default true). */
  progress?: boolean;
  /** Aborts the extraction between records. */
  signal?: AbortSignal;
  /** Relations read at the same time, each in its own read transaction (default 2). */
  concurrency?: number;
  /**
   * Read each interaction's time and contexts (graph.trainTimes and trainContexts, for the model's recency rule and
   * context term); implied by halfLifeDays. Training reads them; serving when its version has a decay or a recency
   * half-life.
   */
  dated?: boolean;
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

type Row = (key: string) => unknown;

/** The relation statements and how their rows feed the builder. */
function relationReaders(b: HeteroGraphBuilder, dated: boolean): { relation: Relation; statement: string; onRow: (g: Row) => void }[] {
  return [
    {
      relation: 'interactions',
      statement: dated ? 'extract/interactions_dated' : 'extract/interactions',
      onRow: (g) => {
        const u = g('user') as string;
        const items = g('items') as string[];
        const kinds = g('kinds') as string[];
        const weights = g('weights') as number[];
        const ats = dated ? (g('ats') as number[]) : undefined;
        const contexts = dated ? (g('contexts') as string[][]) : undefined;
        for (let k = 0; k < items.length; k++) b.addInteraction(u, items[k], kinds[k], weights[k], ats ? ats[k] : null, contexts ? contexts[k] : null);
      },
    },
    {
      relation: 'heldOut',
      statement: 'extract/held_out',
      onRow: (g) => {
        const u = g('user') as string;
        for (const item of g('items') as string[]) b.addHeldOut(u, item);
      },
    },
    {
      relation: 'itemCategories',
      statement: 'extract/item_categories',
      onRow: (g) => {
        const i = g('item') as string;
        for (const c of g('categories') as string[]) b.addItemCategory(i, c);
      },
    },
    {
      relation: 'userContexts',
      statement: 'extract/user_contexts',
      onRow: (g) => {
        const u = g('node') as string;
        for (const [kind, value, count] of g('contexts') as [string, string, number | null][]) b.addUserContext(u, kind, value, count);
      },
    },
    {
      relation: 'itemContexts',
      statement: 'extract/item_contexts',
      onRow: (g) => {
        const i = g('node') as string;
        for (const [kind, value, count] of g('contexts') as [string, string, number | null][]) b.addItemContext(i, kind, value, count);
      },
    },
    {
      relation: 'follows',
      statement: 'extract/follows',
      onRow: (g) => {
        const u = g('user') as string;
        for (const v of g('followed') as string[]) b.addFollow(u, v);
      },
    },
  ];
}

/**
 * Reads the whole graph (users, items, categories, contexts and all their training relations, plus
 * HELD_OUT as `test`) from Neo4j into a HeteroGraph. Node lists are read first (in id order, so the same
 * graph always maps the same way), then the relations, each streamed grouped per source node in its own
 * read transaction, `concurrency` at a time (the server works on one while the client decodes another).
 * The graph may change meanwhile (it is live): edges to nodes created after the node lists were read
 * are skipped and counted (`unknownNodeSkipped`); they will be in the next training.
 */
export async function extractGraph(db: Executor, options: ExtractOptions = {}): Promise<{ graph: HeteroGraph; stats: ExtractStats }> {
  const log = options.logger?.child({ component: 'extract' });
  const t0 = performance.now();
  const seconds: Record<string, number> = {};
  const since = (t: number) => Math.round(performance.now() - t) / 1000;

  const nodes = await db.readTx(async (tx) => {
    // created inside the work function: a retried transaction starts from empty lists
    const userIds: string[] = [];
    const itemIds: string[] = [];
    const categories: string[] = [];
    const contexts: ContextKey[] = [];
    await stream(tx, 'extract/users', {}, (g) => userIds.push(g('id') as string), options.signal);
    await stream(tx, 'extract/items', {}, (g) => itemIds.push(g('id') as string), options.signal);
    await stream(tx, 'extract/categories', {}, (g) => categories.push(g('name') as string), options.signal);
    await stream(tx, 'extract/contexts', {}, (g) => contexts.push({ kind: g('kind') as string, value: g('value') as string }), options.signal);
    return { userIds, itemIds, categories, contexts };
  });
  seconds.nodes = since(t0);
  const { userIds, itemIds, categories, contexts } = nodes;
  log?.info({ users: userIds.length, items: itemIds.length, categories: categories.length, contexts: contexts.length }, 'extract: node lists read');

  const b = new HeteroGraphBuilder(userIds, itemIds, categories, contexts, { ...options, unknownNodes: 'skip' });
  const readers = relationReaders(b, options.dated === true || options.halfLifeDays !== undefined);
  const bar = options.progress === false ? undefined : startProgress('extract', readers.length, 'relations');
  const concurrency = Math.max(1, options.concurrency ?? 2);
  let next = 0;
  const worker = async () => {
    while (next < readers.length) {
      const r = readers[next++];
      const t = performance.now();
      const rows = await db.readTx(async (tx) => {
        b.clear(r.relation); // a retried transaction reads the relation again from the start
        return stream(tx, r.statement, {}, r.onRow, options.signal);
      });
      seconds[r.relation] = since(t);
      bar?.increment(1);
      log?.debug({ relation: r.relation, rows, seconds: seconds[r.relation] }, 'extract: relation read');
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, readers.length) }, worker));
  } finally {
    bar?.stop();
  }
  const tb = performance.now();
  const built = b.build(options.name ?? 'neo4j');
  seconds.build = since(tb);
  seconds.total = since(t0);
  if (b.unknownKinds.size > 0) {
    log?.warn({ unknownKinds: Object.fromEntries(b.unknownKinds) }, 'extract: INTERACTED edges with unknown kinds were skipped');
  }
  if (built.stats.unknownNodeSkipped > 0) {
    log?.warn({ edges: built.stats.unknownNodeSkipped }, 'extract: edges to nodes created during the extraction were skipped');
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
}
