/**
 * Import of MovieLens-style CSV files: ratings `userId,itemId,rating,timestamp` (header required),
 * items `itemId,title,categories` with `|`-separated categories, optional users `userId[,...]`.
 * Every file is validated whole (header, columns, ids, ratings, timestamps, references between the
 * files) before anything is written; the writes are idempotent batches (MERGE on ids and on one
 * rating edge per user-item pair).
 */
import type { Executor } from '../db/executor';
import type { Logger } from '../log';
import { interactionWeight, RATING_MAX } from '../graph/weights';
import { ImportValidationError } from './errors';
import { readTable } from './table';
import { addCounts, writeBatches, WriteCounts, zeroCounts } from './write';

/** The columns each file may have; the first `required` of them must be present. */
const COLUMNS = {
  ratings: { allowed: ['userId', 'itemId', 'rating', 'timestamp'], required: ['userId', 'itemId', 'rating'] },
  items: { allowed: ['itemId', 'title', 'categories'], required: ['itemId'] },
  users: { allowed: ['userId', 'gender', 'age', 'occupation', 'zip'], required: ['userId'] },
} as const;

/** A validated rating row. */
export interface RatingRow {
  user: string;
  item: string;
  rating: number;
  weight: number;
  /** Epoch milliseconds, or null when the file has no timestamp for it. */
  at: number | null;
}

/** A validated item row. */
export interface ItemRow {
  id: string;
  /** Null when the items file has no title column (a stored title is then kept). */
  title: string | null;
  categories: string[];
}

/** Files of a MovieLens-style import. */
export interface MovieLensFiles {
  ratings: string;
  items: string;
  users?: string;
}

/** Parsed, validated contents of the MovieLens files. */
export interface MovieLensData {
  ratings: RatingRow[];
  items: ItemRow[];
  users: string[];
  categories: string[];
  /** Rating rows that repeated a (user, item) pair; the last one wins. */
  duplicateRatings: number;
}

type Row = { record: Record<string, string>; line: number };

/** Reads a CSV file with a header (src/import/table.ts), checks its columns, and returns its records with their line numbers. */
function readCsv(file: string, kind: keyof typeof COLUMNS): Row[] {
  const table = readTable(file, {
    format: 'csv',
    checkHeader: (names) => {
      const allowed = COLUMNS[kind].allowed as readonly string[];
      names.forEach((h) => {
        if (!allowed.includes(h)) {
          throw new ImportValidationError(file, 1, h, `unknown column in the header; expected columns ${allowed.join(', ')}`);
        }
      });
      for (const r of COLUMNS[kind].required) {
        if (!names.includes(r)) throw new ImportValidationError(file, 1, names.join(','), `header must contain the column "${r}"`);
      }
    },
  });
  return table.rows.map((r) => ({ record: r.values, line: r.line }));
}

function id(file: string, row: Row, column: string): string {
  const v = row.record[column] ?? '';
  if (v === '' || /\s/.test(v)) throw new ImportValidationError(file, row.line, v, `expected a non-empty ${column} without spaces`);
  return v;
}

/**
 * Parses and validates MovieLens-style files: ids non-empty strings, rating a number in [0.5, 5],
 * timestamp empty or integer epoch seconds, every rated user/item present in the users/items file.
 * Throws ImportValidationError naming file, line and value.
 */
export function parseMovieLens(files: MovieLensFiles): MovieLensData {
  const itemRows = readCsv(files.items, 'items');
  const items = new Map<string, ItemRow>();
  const categories = new Set<string>();
  for (const row of itemRows) {
    const itemId = id(files.items, row, 'itemId');
    if (items.has(itemId)) throw new ImportValidationError(files.items, row.line, itemId, 'expected each itemId once (duplicate)');
    const raw = row.record.categories ?? '';
    const cats = raw === '' || raw === '(no genres listed)' ? [] : [...new Set(raw.split('|').map((c) => c.trim()))];
    if (cats.some((c) => c === '')) throw new ImportValidationError(files.items, row.line, raw, 'expected `|`-separated non-empty categories');
    cats.forEach((c) => categories.add(c));
    items.set(itemId, { id: itemId, title: row.record.title ?? null, categories: cats });
  }
  let users: Set<string> | undefined;
  if (files.users) {
    users = new Set();
    for (const row of readCsv(files.users, 'users')) {
      const userId = id(files.users, row, 'userId');
      if (users.has(userId)) throw new ImportValidationError(files.users, row.line, userId, 'expected each userId once (duplicate)');
      users.add(userId);
    }
  }
  const ratings = new Map<string, RatingRow>();
  const ratedUsers = new Set<string>();
  let duplicateRatings = 0;
  for (const row of readCsv(files.ratings, 'ratings')) {
    const user = id(files.ratings, row, 'userId');
    const item = id(files.ratings, row, 'itemId');
    if (users && !users.has(user)) throw new ImportValidationError(files.ratings, row.line, user, `expected a userId listed in ${files.users}`);
    if (!items.has(item)) throw new ImportValidationError(files.ratings, row.line, item, `expected an itemId listed in ${files.items}`);
    const rawRating = row.record.rating;
    const rating = Number(rawRating);
    if (rawRating === '' || !Number.isFinite(rating) || rating < 0.5 || rating > RATING_MAX) {
      throw new ImportValidationError(files.ratings, row.line, rawRating, `expected a numeric rating from 0.5 to ${RATING_MAX}`);
    }
    const rawTs = row.record.timestamp ?? '';
    let at: number | null = null;
    if (rawTs !== '') {
      if (!/^\d{1,12}$/.test(rawTs)) throw new ImportValidationError(files.ratings, row.line, rawTs, 'expected a timestamp in integer epoch seconds (or empty)');
      at = Number(rawTs) * 1000;
    }
    const key = `${user}\u0000${item}`;
    if (ratings.has(key)) duplicateRatings++;
    ratings.set(key, { user, item, rating, weight: interactionWeight('rating', rating), at });
    ratedUsers.add(user);
  }
  const allUsers = users ? [...users] : [...ratedUsers];
  return { ratings: [...ratings.values()], items: [...items.values()], users: allUsers, categories: [...categories], duplicateRatings };
}

/** What a MovieLens import found and changed. */
export interface MovieLensImportResult {
  users: number;
  items: number;
  categories: number;
  inCategory: number;
  interactions: number;
  duplicateRatings: number;
  written: WriteCounts;
}

/**
 * Imports MovieLens-style CSV files into Neo4j: validates all files first (nothing is written if any
 * is bad), then MERGEs categories, items (with titles), users, IN_CATEGORY and one INTERACTED
 * {kind 'rating', rating, weight, at} per user-item pair, in idempotent batches.
 */
export async function importMovieLens(db: Executor, files: MovieLensFiles,
  options: { batchSize?: number; logger?: Logger } = {}): Promise<MovieLensImportResult> {
  const batchSize = options.batchSize ?? 10_000;
  const log = options.logger?.child({ component: 'import-movielens' });
  const data = parseMovieLens(files);
  const inCategory = data.items.flatMap((i) => i.categories.map((category) => ({ item: i.id, category })));
  log?.info({ files, users: data.users.length, items: data.items.length, ratings: data.ratings.length,
    duplicateRatings: data.duplicateRatings }, 'validated; writing');
  const written = zeroCounts();
  addCounts(written, await writeBatches(db, 'import/merge-categories', data.categories, { batchSize, param: 'names' }));
  addCounts(written, await writeBatches(db, 'import/merge-items-titled', data.items, { batchSize, label: 'items', unit: 'items' }));
  addCounts(written, await writeBatches(db, 'import/merge-in-category', inCategory, { batchSize, label: 'categories', unit: 'rels' }));
  addCounts(written, await writeBatches(db, 'import/merge-users', data.users, { batchSize, param: 'ids', label: 'users', unit: 'users' }));
  addCounts(written, await writeBatches(db, 'import/interacted-ratings', data.ratings, { batchSize, label: 'ratings', unit: 'rels' }));
  const result = { users: data.users.length, items: data.items.length, categories: data.categories.length,
    inCategory: inCategory.length, interactions: data.ratings.length, duplicateRatings: data.duplicateRatings, written };
  log?.info(result, 'movielens import done');
  return result;
}
