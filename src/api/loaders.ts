import DataLoader from 'dataloader';
import type { Executor, StatementCounter } from '../db/executor';

/** An item row as the item loader returns it. */
export interface ItemRow {
  id: string;
  title: string | null;
  interactionCount: number;
  degree: number;
}

/** A user row as the user loader returns it. */
export interface UserRow {
  id: string;
  name: string | null;
  interactionCount: number;
  followingCount: number;
  followerCount: number;
  activeIn: { kind: string; value: string; count: number }[];
}

/** The per-request DataLoaders: one statement per batch, results in key order (null for missing ids). */
export interface Loaders {
  item: DataLoader<string, ItemRow | null>;
  user: DataLoader<string, UserRow | null>;
  itemCategories: DataLoader<string, string[]>;
  itemContexts: DataLoader<string, { kind: string; value: string; count: number }[]>;
}

/**
 * Makes a batch function over a named statement taking `$ids` and returning rows with `id`: it returns
 * one result per key, in key order, `missing` for keys without a row (the DataLoader contract).
 */
function byIds<T extends { id: string }, R>(db: Executor, name: string, counter: StatementCounter, pick: (row: T) => R, missing: R) {
  return async (keys: readonly string[]): Promise<R[]> => {
    const rows = await db.read<T>(name, { ids: [...keys] }, counter);
    const map = new Map(rows.map((r) => [r.id, pick(r)]));
    return keys.map((k) => (map.has(k) ? map.get(k)! : missing));
  };
}

/** Creates fresh loaders for one request (never shared: caches must not leak across users). */
export function createLoaders(db: Executor, counter: StatementCounter): Loaders {
  return {
    item: new DataLoader(byIds<ItemRow, ItemRow | null>(db, 'api/itemsByIds', counter, (r) => r, null)),
    user: new DataLoader(byIds<UserRow, UserRow | null>(db, 'api/usersByIds', counter, (r) => r, null)),
    itemCategories: new DataLoader(byIds<{ id: string; categories: string[] }, string[]>(db, 'api/itemCategories', counter, (r) => r.categories, [])),
    itemContexts: new DataLoader(byIds<{ id: string; contexts: { kind: string; value: string; count: number }[] }, { kind: string; value: string; count: number }[]>(
      db, 'api/itemContexts', counter, (r) => r.contexts, [])),
  };
}
