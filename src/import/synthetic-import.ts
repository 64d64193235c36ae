/**
 * Writes a generated synthetic graph (src/import/synthetic.ts) into Neo4j: users, items with titles,
 * categories, contexts, IN_CATEGORY, INTERACTED events with their contexts, ACTIVE_IN/POPULAR_IN
 * counts and FOLLOWS, all with idempotent MERGE batches.
 */
import type { Executor } from '../db/executor';
import type { Logger } from '../log';
import { isPositiveKind } from '../graph/weights';
import { generateSynthetic, SyntheticData, SyntheticOptions } from './synthetic';
import { addCounts, writeBatches, WriteCounts, zeroCounts } from './write';

/** Rows of the aggregated context edges: how often a user (or item) occurs in positive interactions with a context. */
export interface ContextCountRow {
  id: string;
  kind: string;
  value: string;
  count: number;
}

/** Everything the synthetic import writes, as rows; exported so tests can compare the graph with it. */
export interface SyntheticRows {
  interactions: { user: string; item: string; kind: string; weight: number; at: number; contexts: string[] }[];
  inCategory: { item: string; category: string }[];
  activeIn: ContextCountRow[];
  popularIn: ContextCountRow[];
}

/** Derives the rows to write from generated data (ACTIVE_IN/POPULAR_IN count positive interactions only). */
export function syntheticRows(data: SyntheticData): SyntheticRows {
  const interactions = data.interactions.map((e) => ({
    user: e.userId, item: e.itemId, kind: e.kind, weight: e.weight, at: e.at,
    contexts: e.contexts.map((c) => `${c.kind}:${c.value}`),
  }));
  const inCategory = data.items.flatMap((i) => i.categories.map((category) => ({ item: i.id, category })));
  const count = (key: (e: SyntheticData['interactions'][number]) => string) => {
    const m = new Map<string, ContextCountRow>();
    for (const e of data.interactions) {
      if (!isPositiveKind(e.kind)) continue;
      for (const c of e.contexts) {
        const k = `${key(e)}\u0000${c.kind}\u0000${c.value}`;
        const row = m.get(k);
        if (row) row.count++;
        else m.set(k, { id: key(e), kind: c.kind, value: c.value, count: 1 });
      }
    }
    return [...m.values()];
  };
  return { interactions, inCategory, activeIn: count((e) => e.userId), popularIn: count((e) => e.itemId) };
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
  written: WriteCounts;
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
  const w = zeroCounts();
  addCounts(w, await writeBatches(db, 'import/merge-categories', data.categories, { batchSize, param: 'names' }));
  addCounts(w, await writeBatches(db, 'import/merge-contexts', data.contexts, { batchSize }));
  addCounts(w, await writeBatches(db, 'import/merge-users', data.users.map((u) => u.id), { batchSize, param: 'ids', label: 'users', unit: 'users' }));
  addCounts(w, await writeBatches(db, 'import/merge-items-titled', data.items.map(({ id, title }) => ({ id, title })),
    { batchSize, label: 'items', unit: 'items' }));
  addCounts(w, await writeBatches(db, 'import/merge-in-category', rows.inCategory, { batchSize, label: 'categories', unit: 'rels' }));
  addCounts(w, await writeBatches(db, 'import/interacted-events', rows.interactions, { batchSize, label: 'interactions', unit: 'rels' }));
  addCounts(w, await writeBatches(db, 'import/set-active-in', rows.activeIn, { batchSize, label: 'ACTIVE_IN', unit: 'rels' }));
  addCounts(w, await writeBatches(db, 'import/set-popular-in', rows.popularIn, { batchSize, label: 'POPULAR_IN', unit: 'rels' }));
  addCounts(w, await writeBatches(db, 'import/merge-follows', data.follows, { batchSize, label: 'follows', unit: 'rels' }));
  const result: SyntheticImportResult = {
    users: data.users.length, items: data.items.length, categories: data.categories.length, contexts: data.contexts.length,
    interactions: rows.interactions.length, inCategory: rows.inCategory.length, activeIn: rows.activeIn.length,
    popularIn: rows.popularIn.length, follows: data.follows.length, written: w,
  };
  log?.info(result, 'synthetic import done');
  return result;
}
