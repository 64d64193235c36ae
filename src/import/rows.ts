/**
 * The graph an import writes, as validated rows, and the one transactional writer for them: the
 * synthetic, events and ml-100k imports build ImportRows and call writeImportRows; the bulk path
 * (src/import/bulk.ts) writes the same rows as neo4j-admin CSV files, so both give the same graph.
 */
import neo4j from 'neo4j-driver';
import type { Executor } from '../db/executor';
import { isPositiveKind } from '../graph/weights';
import { parseContextKey } from '../graph/contexts';
import type { ContextKey } from '../graph/types';
import { addCounts, writeBatches, WriteCounts, zeroCounts } from './write';

/** A typed node attribute value: strings, integers, floats and dates (`YYYY-MM-DD`). */
export type AttributeType = 'string' | 'integer' | 'float' | 'date';
export const ATTRIBUTE_TYPES: readonly AttributeType[] = ['string', 'integer', 'float', 'date'];

/** One attribute of a node: its property name, type and value (never null: absent values are left out). */
export type Attributes = Record<string, { type: AttributeType; value: string | number }>;

export interface UserRow {
  id: string;
  attributes: Attributes;
}

export interface ItemNodeRow {
  id: string;
  /** Null when the input has no title for it (a stored title is then kept). */
  title: string | null;
  attributes: Attributes;
}

/** An INTERACTED edge. `at` (epoch ms) is null only for the LightGCN format, which has no times. */
export interface InteractionRow {
  user: string;
  item: string;
  kind: string;
  weight: number;
  /** The rating for kind `rating`, otherwise null. */
  rating: number | null;
  at: number | null;
  /** Context keys `kind:value` (src/graph/contexts.ts contextKey), possibly empty. */
  contexts: string[];
}

/** A HELD_OUT edge (evaluation only): one per (user, item), an interaction without contexts. */
export type HeldOutRow = Omit<InteractionRow, 'contexts'>;

/** Aggregated context edges: how often a user (or item) occurs in positive interactions with a context. */
export interface ContextCountRow {
  id: string;
  kind: string;
  value: string;
  count: number;
}

/** Everything one import writes. */
export interface ImportRows {
  categories: string[];
  contexts: ContextKey[];
  users: UserRow[];
  items: ItemNodeRow[];
  inCategory: { item: string; category: string }[];
  interactions: InteractionRow[];
  heldOut: HeldOutRow[];
  activeIn: ContextCountRow[];
  popularIn: ContextCountRow[];
  follows: { from: string; to: string }[];
}

/**
 * ACTIVE_IN (per user) and POPULAR_IN (per item) rows: the number of positive interactions with each
 * context, as recordInteraction counts them.
 */
export function contextCounts(interactions: readonly InteractionRow[]): { activeIn: ContextCountRow[]; popularIn: ContextCountRow[] } {
  const count = (key: (e: InteractionRow) => string) => {
    const m = new Map<string, ContextCountRow>();
    for (const e of interactions) {
      if (!isPositiveKind(e.kind)) continue;
      for (const c of e.contexts) {
        const k = `${key(e)}\u0000${c}`;
        const row = m.get(k);
        if (row) row.count++;
        else m.set(k, { id: key(e), ...parseContextKey(c), count: 1 });
      }
    }
    return [...m.values()];
  };
  return { activeIn: count((e) => e.user), popularIn: count((e) => e.item) };
}

/** An attribute as a Neo4j property value (integers as Neo4j integers, dates as Neo4j dates). */
export function propertyValue(a: { type: AttributeType; value: string | number }): unknown {
  switch (a.type) {
    case 'integer':
      return neo4j.int(a.value as number);
    case 'float':
      return a.value as number;
    case 'date': {
      const [y, m, d] = String(a.value).split('-').map(Number);
      return new neo4j.types.Date(y, m, d);
    }
    default:
      return a.value;
  }
}

function props(attributes: Attributes): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, a] of Object.entries(attributes)) out[name] = propertyValue(a);
  return out;
}

/** Sizes of what an import's rows hold, for summaries. */
export function rowCounts(rows: ImportRows): Record<string, number> {
  return {
    users: rows.users.length, items: rows.items.length, categories: rows.categories.length, contexts: rows.contexts.length,
    inCategory: rows.inCategory.length, interactions: rows.interactions.length, heldOut: rows.heldOut.length,
    activeIn: rows.activeIn.length, popularIn: rows.popularIn.length, follows: rows.follows.length,
  };
}

/** What writeImportRows wrote, per part: what the graph gained (Neo4j's counters). */
export type ImportWritten = Record<'categories' | 'contexts' | 'users' | 'items' | 'inCategory' | 'interactions' | 'heldOut' |
  'activeIn' | 'popularIn' | 'follows', WriteCounts> & { total: WriteCounts };

/**
 * Writes `rows` into Neo4j in idempotent batches of `batchSize`, one transaction each: nodes MERGEd on
 * their keys (attributes SET), IN_CATEGORY and FOLLOWS MERGEd, INTERACTED MERGEd on (user, item, kind,
 * at), HELD_OUT on (user, item), ACTIVE_IN/POPULAR_IN counts SET (never added to). Running it twice
 * changes nothing. Interactions must have a time (`at`).
 */
export async function writeImportRows(db: Executor, rows: ImportRows, batchSize: number): Promise<ImportWritten> {
  const missingAt = rows.interactions.findIndex((e) => e.at === null);
  if (missingAt >= 0) throw new Error('writeImportRows: every interaction needs a time (at); LightGCN rows are written by importLightGcn');
  const w = (name: string, list: readonly unknown[], o: { param?: string; label?: string; unit?: string } = {}) =>
    writeBatches(db, name, list, { batchSize, ...o });
  const written = {
    categories: await w('import/merge-categories', rows.categories, { param: 'names' }),
    contexts: await w('import/merge-contexts', rows.contexts),
    users: await w('import/merge-users-attributes', rows.users.map((u) => ({ id: u.id, props: props(u.attributes) })),
      { label: 'users', unit: 'users' }),
    items: await w('import/merge-items-attributes', rows.items.map((i) => ({ id: i.id, title: i.title, props: props(i.attributes) })),
      { label: 'items', unit: 'items' }),
    inCategory: await w('import/merge-in-category', rows.inCategory, { label: 'categories', unit: 'rels' }),
    interactions: await w('import/interacted-events', rows.interactions, { label: 'interactions', unit: 'rels' }),
    heldOut: await w('import/merge-held-out-events', rows.heldOut, { label: 'held out', unit: 'rels' }),
    activeIn: await w('import/set-active-in', rows.activeIn, { label: 'ACTIVE_IN', unit: 'rels' }),
    popularIn: await w('import/set-popular-in', rows.popularIn, { label: 'POPULAR_IN', unit: 'rels' }),
    follows: await w('import/merge-follows', rows.follows, { label: 'follows', unit: 'rels' }),
  };
  const total = zeroCounts();
  for (const c of Object.values(written)) addCounts(total, c);
  return { ...written, total };
}
