/**
 * Writes a generated synthetic graph (src/import/synthetic.ts) into Neo4j: users, items with titles,
 * categories, contexts, IN_CATEGORY, INTERACTED events with their contexts, ACTIVE_IN/POPULAR_IN
 * counts and FOLLOWS, through the shared idempotent writer (src/import/rows.ts).
 */
import type { Executor } from '../db/executor';
import type { Logger } from '../log';
import { contextKey } from '../graph/contexts';
import { contextCounts, ImportRows, ImportWritten, writeImportRows } from './rows';
import { generateSynthetic, SyntheticData, SyntheticOptions } from './synthetic';

export type { ContextCountRow } from './rows';

/** Everything the synthetic import writes, as rows; exported so tests can compare the graph with it. */
export function syntheticRows(data: SyntheticData): ImportRows {
  const interactions = data.interactions.map((e) => ({
    user: e.userId, item: e.itemId, kind: e.kind, weight: e.weight, rating: null, at: e.at, contexts: e.contexts.map(contextKey),
  }));
  return {
    categories: data.categories,
    contexts: data.contexts,
    users: data.users.map((u) => ({ id: u.id, attributes: {} })),
    items: data.items.map(({ id, title }) => ({ id, title, attributes: {} })),
    inCategory: data.items.flatMap((i) => i.categories.map((category) => ({ item: i.id, category }))),
    interactions,
    heldOut: [],
    ...contextCounts(interactions),
    follows: data.follows,
  };
}

/** What a synthetic import wrote (counts of the generated graph) and what the graph gained. */
export interface SyntheticImportResult {
  users: number;
  items: number;
  categories: number;
  contexts: number;
  interactions: number;
  inCategory: number;
  activeIn: number;
  popularIn: number;
  follows: number;
  written: ImportWritten['total'];
}

/**
 * Generates a synthetic graph from `options` (seeded, so the same options give the same graph) and
 * writes it into Neo4j idempotently: importing the same options twice changes nothing.
 */
export async function importSynthetic(db: Executor,
  options: SyntheticOptions & { batchSize?: number; logger?: Logger } = {}): Promise<SyntheticImportResult> {
  const { batchSize = 10_000, logger, ...gen } = options;
  const log = logger?.child({ component: 'import-synthetic' });
  const data = generateSynthetic(gen);
  const rows = syntheticRows(data);
  log?.info({ options: data.options, users: data.users.length, items: data.items.length, interactions: rows.interactions.length },
    'generated; writing');
  const written = await writeImportRows(db, rows, batchSize);
  const result: SyntheticImportResult = {
    users: data.users.length, items: data.items.length, categories: data.categories.length, contexts: data.contexts.length,
    interactions: rows.interactions.length, inCategory: rows.inCategory.length, activeIn: rows.activeIn.length,
    popularIn: rows.popularIn.length, follows: data.follows.length, written: written.total,
  };
  log?.info(result, 'synthetic import done');
  return result;
}
