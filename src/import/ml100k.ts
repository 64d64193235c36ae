/**
 * MovieLens 100K (../shared/data/ml-100k) as the project's graph: u.genre names become categories, each
 * u.item movie an Item {title, releaseDate} IN_CATEGORY of its genre flags (in u.genre order), each u.user
 * a User {age, gender, occupation, zip}; train.tsv ratings become INTERACTED {kind 'rating', rating, weight,
 * at, contexts} with the weekday and time of day of their UTC timestamp, test.tsv ratings HELD_OUT.
 * The readers of the files are pure and exported (typed rows) for evaluations that read the files directly.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Executor } from '../db/executor';
import { interactionWeight, RATING_MAX } from '../graph/weights';
import type { Logger } from '../log';
import { contextKey, DERIVED_CONTEXT_KINDS, derivedContext } from './contexts';
import { ImportValidationError } from './errors';
import { readInputFile } from './files';
import { Attributes, contextCounts, ImportRows, ImportWritten, writeImportRows } from './rows';
import { readTable } from './table';
import { rowCounts } from './events';

/** A movie of u.item. */
export interface Ml100kItem {
  id: string;
  title: string;
  /** `YYYY-MM-DD`, or null where u.item has none. */
  releaseDate: string | null;
  /** IMDb URL, or null. */
  url: string | null;
  /** Genre names whose flag is 1, in u.genre order. */
  genres: string[];
}

/** A user of u.user. */
export interface Ml100kUser {
  id: string;
  age: number;
  gender: string;
  occupation: string;
  zip: string;
}

/** A rating of train.tsv / test.tsv (or u.data). */
export interface Ml100kRating {
  user: string;
  item: string;
  /** 1 to 5. */
  rating: number;
  /** Epoch seconds (UTC). */
  timestamp: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const ID = /^\d+$/;

/** `|`-separated lines of a latin-1 file (u.item titles are latin-1), with 1-based line numbers; blank lines skipped. */
function pipeLines(file: string, latin1 = false): { line: number; fields: string[] }[] {
  const text = latin1 ? (readInputFile(file), fs.readFileSync(file, 'latin1')) : readInputFile(file);
  const out: { line: number; fields: string[] }[] = [];
  text.split('\n').forEach((raw, k) => {
    const l = raw.replace(/\r$/, '');
    if (l.trim() !== '') out.push({ line: k + 1, fields: l.split('|') });
  });
  return out;
}

/** The genre names of u.genre (`name|index`), by index. */
export function readMl100kGenres(file: string): string[] {
  const genres: string[] = [];
  for (const { line, fields } of pipeLines(file)) {
    if (fields.length !== 2 || fields[0] === '' || !ID.test(fields[1])) {
      throw new ImportValidationError(file, line, fields.join('|'), 'expected `name|index`');
    }
    const k = Number(fields[1]);
    if (genres[k] !== undefined) throw new ImportValidationError(file, line, fields[1], 'expected each genre index once');
    genres[k] = fields[0];
  }
  for (let k = 0; k < genres.length; k++) if (genres[k] === undefined) throw new ImportValidationError(file, 0, String(k), 'expected genre indexes 0..n-1 without gaps');
  return genres;
}

/** The movies of u.item (`id|title|release date|video release date|IMDb URL|` + one 0/1 flag per genre). */
export function readMl100kItems(file: string, genres: readonly string[]): Ml100kItem[] {
  const seen = new Set<string>();
  return pipeLines(file, true).map(({ line, fields }) => {
    if (fields.length !== 5 + genres.length) {
      throw new ImportValidationError(file, line, fields.join('|'), `expected ${5 + genres.length} \`|\`-separated fields (5 + ${genres.length} genre flags)`);
    }
    const [id, title, release, , url] = fields;
    if (!ID.test(id) || seen.has(id)) throw new ImportValidationError(file, line, id, 'expected a new integer movie id');
    seen.add(id);
    let releaseDate: string | null = null;
    if (release !== '') {
      const m = /^(\d{1,2})-([A-Z][a-z]{2})-(\d{4})$/.exec(release);
      const month = m ? MONTHS.indexOf(m[2]) + 1 : 0;
      if (!m || month === 0 || new Date(Date.UTC(+m[3], month - 1, +m[1])).getUTCDate() !== +m[1]) {
        throw new ImportValidationError(file, line, release, 'expected a release date like 01-Jan-1995 (or empty)');
      }
      releaseDate = `${m[3]}-${String(month).padStart(2, '0')}-${m[1].padStart(2, '0')}`;
    }
    const flags = fields.slice(5);
    const bad = flags.findIndex((f) => f !== '0' && f !== '1');
    if (bad >= 0) throw new ImportValidationError(file, line, flags[bad], `expected a 0/1 flag for genre ${genres[bad]}`);
    return { id, title, releaseDate, url: url === '' ? null : url, genres: genres.filter((_, k) => flags[k] === '1') };
  });
}

/** The users of u.user (`id|age|gender|occupation|zip`). */
export function readMl100kUsers(file: string): Ml100kUser[] {
  const seen = new Set<string>();
  return pipeLines(file).map(({ line, fields }) => {
    if (fields.length !== 5) throw new ImportValidationError(file, line, fields.join('|'), 'expected `id|age|gender|occupation|zip`');
    const [id, age, gender, occupation, zip] = fields;
    if (!ID.test(id) || seen.has(id)) throw new ImportValidationError(file, line, id, 'expected a new integer user id');
    seen.add(id);
    if (!/^\d{1,3}$/.test(age)) throw new ImportValidationError(file, line, age, 'expected an age in years');
    if (gender !== 'M' && gender !== 'F') throw new ImportValidationError(file, line, gender, 'expected a gender M or F');
    if (occupation === '' || zip === '') throw new ImportValidationError(file, line, fields.join('|'), 'expected an occupation and a zip code');
    return { id, age: Number(age), gender, occupation, zip };
  });
}

/** The ratings of train.tsv / test.tsv (tab-separated with the header `userId itemId rating timestamp`). */
export function readMl100kRatings(file: string): Ml100kRating[] {
  return ratingLines(file).map((r) => r.rating);
}

/** The ratings with their line numbers (for errors about references between the files). */
function ratingLines(file: string): { line: number; rating: Ml100kRating }[] {
  const columns = ['userId', 'itemId', 'rating', 'timestamp'];
  const table = readTable(file, {
    format: 'tsv',
    checkHeader: (names) => {
      if (names.join('\t') !== columns.join('\t')) throw new ImportValidationError(file, 1, names.join('\t'), `expected the header ${columns.join('\\t')}`);
    },
  });
  return table.rows.map(({ line, values }) => {
    for (const c of ['userId', 'itemId', 'timestamp']) {
      if (!ID.test(values[c])) throw new ImportValidationError(file, line, values[c], `expected an integer ${c}`);
    }
    const rating = Number(values.rating);
    if (!/^[1-5]$/.test(values.rating) || rating > RATING_MAX) throw new ImportValidationError(file, line, values.rating, 'expected a rating from 1 to 5');
    return { line, rating: { user: values.userId, item: values.itemId, rating, timestamp: Number(values.timestamp) } };
  });
}

/** The files of an ml-100k folder. */
export function ml100kFiles(dir: string): Record<'genres' | 'items' | 'users' | 'train' | 'test', string> {
  return { genres: path.join(dir, 'u.genre'), items: path.join(dir, 'u.item'), users: path.join(dir, 'u.user'),
    train: path.join(dir, 'train.tsv'), test: path.join(dir, 'test.tsv') };
}

/** Reads and validates an ml-100k folder into the rows to write (every rating's user and movie must be listed). */
export function ml100kRows(dir: string): ImportRows {
  const f = ml100kFiles(dir);
  const genres = readMl100kGenres(f.genres);
  const items = readMl100kItems(f.items, genres);
  const users = readMl100kUsers(f.users);
  const itemIds = new Set(items.map((i) => i.id));
  const userIds = new Set(users.map((u) => u.id));
  const ratings = (file: string) => {
    return ratingLines(file).map(({ line, rating: r }) => {
      if (!userIds.has(r.user)) throw new ImportValidationError(file, line, r.user, `expected a user listed in ${f.users}`);
      if (!itemIds.has(r.item)) throw new ImportValidationError(file, line, r.item, `expected a movie listed in ${f.items}`);
      return r;
    });
  };
  const interactions = ratings(f.train).map((r) => {
    const at = r.timestamp * 1000;
    return { user: r.user, item: r.item, kind: 'rating', weight: interactionWeight('rating', r.rating), rating: r.rating, at,
      contexts: DERIVED_CONTEXT_KINDS.map((k) => contextKey(derivedContext(k, at))) };
  });
  const heldOut = ratings(f.test).map((r) => ({ user: r.user, item: r.item, kind: 'rating', weight: interactionWeight('rating', r.rating),
    rating: r.rating, at: r.timestamp * 1000 }));
  const contexts = new Map<string, { kind: string; value: string }>();
  for (const e of interactions) for (const c of e.contexts) if (!contexts.has(c)) contexts.set(c, { kind: c.slice(0, c.indexOf(':')), value: c.slice(c.indexOf(':') + 1) });
  return {
    categories: genres,
    contexts: [...contexts.values()],
    users: users.map((u) => ({ id: u.id, attributes: { age: { type: 'integer', value: u.age }, gender: { type: 'string', value: u.gender },
      occupation: { type: 'string', value: u.occupation }, zip: { type: 'string', value: u.zip } } })),
    items: items.map((i) => ({ id: i.id, title: i.title, attributes: (i.releaseDate ? { releaseDate: { type: 'date', value: i.releaseDate } } : {}) as Attributes })),
    inCategory: items.flatMap((i) => i.genres.map((category) => ({ item: i.id, category }))),
    interactions,
    heldOut,
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
