/**
 * MovieLens 100K (../shared/data/ml-100k) as the project's graph, read by the one parser of the folder
 * (src/graph/ml100kFiles.ts): u.genre names become categories, each u.item movie an Item {title, releaseDate}
 * IN_CATEGORY of its genre flags (in u.genre order), each u.user a User {age, gender, occupation, zip}; train.tsv
 * ratings become INTERACTED {kind 'rating', rating, weight, at, contexts} with the weekday and time of day of their
 * UTC timestamp, test.tsv ratings HELD_OUT.
 */
import path from 'node:path';
import type { Executor } from '../db/executor';
import { contextKey, DERIVED_CONTEXT_KINDS, derivedContext, parseContextKey } from '../graph/contexts';
import { loadMl100k, Ml100kFileError, type Ml100kData, type TimedRatings } from '../graph/ml100kFiles';
import { interactionWeight } from '../graph/weights';
import type { Logger } from '../log';
import { ImportValidationError } from './errors';
import { Attributes, contextCounts, ImportRows, ImportWritten, rowCounts, writeImportRows } from './rows';

/** The folder parsed by src/graph/ml100kFiles.ts, its file errors as ImportValidationError naming the file's path. */
function readFolder(dir: string): Ml100kData {
  try {
    return loadMl100k(dir);
  } catch (e) {
    if (e instanceof Ml100kFileError) throw new ImportValidationError(path.join(dir, e.file), e.line, e.value, `expected ${e.expected}`);
    throw e;
  }
}

/** Reads and validates an ml-100k folder into the rows to write (every rating's user and movie must be listed). */
export function ml100kRows(dir: string): ImportRows {
  const data = readFolder(dir);
  const userId = (k: number) => data.users[k].id;
  const itemId = (k: number) => data.items[k].id;
  const ratings = (r: TimedRatings) => Array.from(r.users, (u, k) => {
    const rating = r.ratings[k];
    return { user: userId(u), item: itemId(r.items[k]), kind: 'rating', weight: interactionWeight('rating', rating), rating, at: r.timestamps[k] * 1000 };
  });
  const interactions = ratings(data.train).map((e) => ({ ...e, contexts: DERIVED_CONTEXT_KINDS.map((k) => contextKey(derivedContext(k, e.at))) }));
  const contexts = new Map<string, { kind: string; value: string }>();
  for (const e of interactions) for (const c of e.contexts) if (!contexts.has(c)) contexts.set(c, parseContextKey(c));
  return {
    categories: data.genres,
    contexts: [...contexts.values()],
    users: data.users.map((u) => ({ id: u.id, attributes: { age: { type: 'integer', value: u.age }, gender: { type: 'string', value: u.gender },
      occupation: { type: 'string', value: data.occupations[u.occupation] }, zip: { type: 'string', value: u.zip } } })),
    items: data.items.map((i) => ({ id: i.id, title: i.title, attributes: (i.releaseDate ? { releaseDate: { type: 'date', value: i.releaseDate } } : {}) as Attributes })),
    inCategory: data.items.flatMap((i) => i.genres.map((g) => ({ item: i.id, category: data.genres[g] }))),
    interactions,
    heldOut: ratings(data.test),
    ...contextCounts(interactions),
    follows: [],
  };
}

/** What an ml-100k import wrote. */
export interface Ml100kImportResult {
  dir: string;
  rows: Record<string, number>;
  written: ImportWritten;
}

/** Validates the folder whole, then writes it with the shared idempotent writer (src/import/rows.ts). */
export async function importMl100k(db: Executor, dir: string, options: { batchSize?: number; logger?: Logger } = {}): Promise<Ml100kImportResult> {
  const log = options.logger?.child({ component: 'import-ml100k' });
  const rows = ml100kRows(dir);
  log?.info({ dir, rows: rowCounts(rows) }, 'validated; writing');
  const written = await writeImportRows(db, rows, options.batchSize ?? 10_000);
  const result = { dir, rows: rowCounts(rows), written };
  log?.info(result, 'ml100k import done');
  return result;
}
