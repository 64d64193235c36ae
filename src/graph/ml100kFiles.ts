/**
 * The MovieLens 100K folder (../shared/data/ml-100k, see its README.md) in index space, parsed by pure
 * functions of the file text so that both the offline benchmark and the Neo4j importer can use them:
 * u.genre, u.occupation, u.user (age, gender, occupation, zip), u.item (title, release date, 19 genre flags),
 * train.tsv / test.tsv (`userId itemId rating timestamp` with a header), cold-users.txt and cold-items.txt; the last
 * three may be absent (occupations then come from u.user, and no user or item is cold).
 * User index = position in u.user, item index = position in u.item. Every malformed value throws an
 * Ml100kFileError naming the file, the 1-based line, the value and what was expected.
 */
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import type { Csr } from './csr';
import { binaryCsr } from './files';
import { TIMES_OF_DAY, timeOfDayOf, WEEKDAYS, weekdayOf } from './contexts';
import type { ContextKey } from './types';

/** A malformed ml-100k file: the message names the file, the 1-based line, the offending value and what was expected. */
export class Ml100kFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly value: string,
    readonly expected: string,
  ) {
    super(`${file}${line > 0 ? `:${line}` : ''}: invalid value "${value.length > 60 ? value.slice(0, 60) + '…' : value}", expected ${expected}`);
    this.name = 'Ml100kFileError';
  }
}

/** A user of u.user. */
export interface Ml100kUser {
  id: string;
  age: number;
  gender: 'M' | 'F';
  /** Index into Ml100kData.occupations. */
  occupation: number;
  zip: string;
}

/** A movie of u.item. */
export interface Ml100kItem {
  id: string;
  title: string;
  /** Release date as YYYY-MM-DD (UTC), null when u.item leaves it empty. */
  releaseDate: string | null;
  /** Indices into Ml100kData.genres (the 0/1 flags that are set), ascending. */
  genres: number[];
}

/** Ratings in index space, one entry per row of a ratings file, in file order. */
export interface TimedRatings {
  users: Int32Array;
  items: Int32Array;
  /** 1..5 */
  ratings: Uint8Array;
  /** UTC seconds. */
  timestamps: Float64Array;
}

/** The whole folder, validated and in index space. */
export interface Ml100kData {
  genres: string[];
  occupations: string[];
  users: Ml100kUser[];
  items: Ml100kItem[];
  train: TimedRatings;
  test: TimedRatings;
  /** User indices of cold-users.txt (no train rows), ascending. */
  coldUsers: Int32Array;
  /** Item indices of cold-items.txt (no train rows), ascending. */
  coldItems: Int32Array;
}

const MAX_LINE = 100_000;

/** Non-empty lines with their 1-based numbers (trailing \r removed); a line longer than 100,000 characters is an error. */
function lines(text: string, file: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  const raw = text.split('\n');
  for (let k = 0; k < raw.length; k++) {
    const t = raw[k].endsWith('\r') ? raw[k].slice(0, -1) : raw[k];
    if (t.length > MAX_LINE) throw new Ml100kFileError(file, k + 1, t, `a line of at most ${MAX_LINE} characters`);
    if (t.trim() !== '') out.push({ text: t, line: k + 1 });
  }
  return out;
}

function positiveInt(value: string, file: string, line: number, what: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new Ml100kFileError(file, line, value, what);
  return Number(value);
}

/** Parses u.genre (`name|index`, indices 0..n-1 in order); returns the names by index. */
export function parseGenres(text: string, file = 'u.genre'): string[] {
  const out: string[] = [];
  for (const { text: t, line } of lines(text, file)) {
    const f = t.split('|');
    if (f.length !== 2 || f[0].trim() === '') throw new Ml100kFileError(file, line, t, 'a line "name|index"');
    const idx = positiveInt(f[1].trim(), file, line, 'a non-negative integer genre index');
    if (idx !== out.length) throw new Ml100kFileError(file, line, f[1], `genre index ${out.length} (indices in order from 0)`);
    out.push(f[0].trim());
  }
  if (out.length === 0) throw new Ml100kFileError(file, 1, '', 'at least one genre');
  return out;
}

/** Parses u.occupation (one name per line, unique). */
export function parseOccupations(text: string, file = 'u.occupation'): string[] {
  const out: string[] = [];
  for (const { text: t, line } of lines(text, file)) {
    const name = t.trim();
    if (out.includes(name)) throw new Ml100kFileError(file, line, name, 'an occupation not listed before');
    out.push(name);
  }
  if (out.length === 0) throw new Ml100kFileError(file, 1, '', 'at least one occupation');
  return out;
}

/** Parses u.user (`id|age|gender|occupation|zip`) against the occupation list; ids must be unique. */
export function parseUsers(text: string, occupations: readonly string[], file = 'u.user'): Ml100kUser[] {
  const out: Ml100kUser[] = [];
  const seen = new Set<string>();
  const occ = new Map(occupations.map((o, k) => [o, k]));
  for (const { text: t, line } of lines(text, file)) {
    const f = t.split('|');
    if (f.length !== 5) throw new Ml100kFileError(file, line, t, '5 fields "id|age|gender|occupation|zip"');
    const id = f[0].trim();
    positiveInt(id, file, line, 'a positive integer user id');
    if (seen.has(id)) throw new Ml100kFileError(file, line, id, 'a user id not listed before');
    seen.add(id);
    const age = positiveInt(f[1].trim(), file, line, 'an age in years (integer 1..120)');
    if (age < 1 || age > 120) throw new Ml100kFileError(file, line, f[1], 'an age in years (integer 1..120)');
    const gender = f[2].trim();
    if (gender !== 'M' && gender !== 'F') throw new Ml100kFileError(file, line, gender, 'gender M or F');
    const o = occ.get(f[3].trim());
    if (o === undefined) throw new Ml100kFileError(file, line, f[3], `an occupation of u.occupation (${occupations.join(', ')})`);
    const zip = f[4].trim();
    if (!/^[0-9A-Za-z-]{1,10}$/.test(zip)) throw new Ml100kFileError(file, line, zip, 'a zip code of 1-10 letters, digits or "-"');
    out.push({ id, age, gender, occupation: o, zip });
  }
  if (out.length === 0) throw new Ml100kFileError(file, 1, '', 'at least one user');
  return out;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Parses u.item (`id|title|release date|video date|url|` + one 0/1 flag per genre); ids must be unique. */
export function parseItems(text: string, genres: readonly string[], file = 'u.item'): Ml100kItem[] {
  const out: Ml100kItem[] = [];
  const seen = new Set<string>();
  for (const { text: t, line } of lines(text, file)) {
    const f = t.split('|');
    if (f.length !== 5 + genres.length) {
      throw new Ml100kFileError(file, line, t, `${5 + genres.length} "|"-separated fields (id, title, release date, video date, url, ${genres.length} genre flags)`);
    }
    const id = f[0].trim();
    positiveInt(id, file, line, 'a positive integer item id');
    if (seen.has(id)) throw new Ml100kFileError(file, line, id, 'an item id not listed before');
    seen.add(id);
    const title = f[1].trim();
    if (title.length > 500) throw new Ml100kFileError(file, line, title, 'a title of at most 500 characters');
    let releaseDate: string | null = null;
    const d = f[2].trim();
    if (d !== '') {
      const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(d);
      const month = m ? MONTHS.indexOf(m[2]) : -1;
      const day = m ? Number(m[1]) : 0;
      if (!m || month < 0 || day < 1 || new Date(Date.UTC(Number(m[3]), month, day)).getUTCDate() !== day) throw new Ml100kFileError(file, line, d, 'a release date D-Mon-YYYY (e.g. 01-Jan-1995) or empty');
      releaseDate = `${m[3]}-${String(month + 1).padStart(2, '0')}-${m[1].padStart(2, '0')}`;
    }
    const g: number[] = [];
    for (let k = 0; k < genres.length; k++) {
      const v = f[5 + k].trim();
      if (v === '1') g.push(k);
      else if (v !== '0') throw new Ml100kFileError(file, line, v, `genre flag 0 or 1 for "${genres[k]}"`);
    }
    out.push({ id, title, releaseDate, genres: g });
  }
  if (out.length === 0) throw new Ml100kFileError(file, 1, '', 'at least one item');
  return out;
}

/**
 * Parses a ratings file of the split (`userId itemId rating timestamp`, tab-separated, header first) into
 * index space; user and item ids must be known.
 */
export function parseRatings(text: string, userIndex: ReadonlyMap<string, number>, itemIndex: ReadonlyMap<string, number>, file = 'ratings.tsv'): TimedRatings {
  const ls = lines(text, file);
  const header = ['userId', 'itemId', 'rating', 'timestamp'];
  if (ls.length === 0 || ls[0].text.split('\t').map((s) => s.trim()).join('\t') !== header.join('\t')) {
    throw new Ml100kFileError(file, ls[0]?.line ?? 1, ls[0]?.text ?? '', `the header "${header.join('\\t')}"`);
  }
  const n = ls.length - 1;
  const out: TimedRatings = { users: new Int32Array(n), items: new Int32Array(n), ratings: new Uint8Array(n), timestamps: new Float64Array(n) };
  for (let k = 0; k < n; k++) {
    const { text: t, line } = ls[k + 1];
    const f = t.split('\t');
    if (f.length !== 4) throw new Ml100kFileError(file, line, t, '4 tab-separated fields "userId itemId rating timestamp"');
    const u = userIndex.get(f[0].trim());
    if (u === undefined) throw new Ml100kFileError(file, line, f[0], 'a user id of u.user');
    const i = itemIndex.get(f[1].trim());
    if (i === undefined) throw new Ml100kFileError(file, line, f[1], 'an item id of u.item');
    const r = f[2].trim();
    if (!/^[1-5]$/.test(r)) throw new Ml100kFileError(file, line, r, 'a rating 1..5');
    const ts = f[3].trim();
    if (!/^\d{1,12}$/.test(ts)) throw new Ml100kFileError(file, line, ts, 'a timestamp in UTC seconds (non-negative integer)');
    out.users[k] = u;
    out.items[k] = i;
    out.ratings[k] = Number(r);
    out.timestamps[k] = Number(ts);
  }
  return out;
}

/** Parses a list of ids (one per line) into ascending indices; ids must be known and unique. */
export function parseIdList(text: string, index: ReadonlyMap<string, number>, what: string, file: string): Int32Array {
  const out: number[] = [];
  const seen = new Set<number>();
  for (const { text: t, line } of lines(text, file)) {
    const k = index.get(t.trim());
    if (k === undefined) throw new Ml100kFileError(file, line, t, `a ${what} id of u.${what}`);
    if (seen.has(k)) throw new Ml100kFileError(file, line, t, `a ${what} id not listed before`);
    seen.add(k);
    out.push(k);
  }
  return Int32Array.from(out).sort();
}

/** The files parseMl100k must have. */
const REQUIRED = ['u.genre', 'u.user', 'u.item', 'train.tsv', 'test.tsv'] as const;
/** The files it reads when they are there. */
const OPTIONAL = ['u.occupation', 'cold-users.txt', 'cold-items.txt'] as const;

/** The texts of the folder's files, by file name (what parseMl100k reads). */
export type Ml100kTexts = Record<(typeof REQUIRED)[number], string> & Partial<Record<(typeof OPTIONAL)[number], string>>;

/** The occupations of u.user in first-seen order, for a folder without u.occupation. */
function occupationsOfUsers(text: string): string[] {
  const out = new Set<string>();
  for (const { text: t } of lines(text, 'u.user')) {
    const o = t.split('|')[3]?.trim();
    if (o) out.add(o);
  }
  return [...out];
}

/** Parses and cross-checks the whole folder from its file texts: cold users and cold items must have no train rows. */
export function parseMl100k(texts: Ml100kTexts): Ml100kData {
  const genres = parseGenres(texts['u.genre'], 'u.genre');
  const occupations = texts['u.occupation'] !== undefined ? parseOccupations(texts['u.occupation'], 'u.occupation') : occupationsOfUsers(texts['u.user']);
  const users = parseUsers(texts['u.user'], occupations, 'u.user');
  const items = parseItems(texts['u.item'], genres, 'u.item');
  const userIndex = new Map(users.map((u, k) => [u.id, k]));
  const itemIndex = new Map(items.map((it, k) => [it.id, k]));
  const train = parseRatings(texts['train.tsv'], userIndex, itemIndex, 'train.tsv');
  const test = parseRatings(texts['test.tsv'], userIndex, itemIndex, 'test.tsv');
  const coldUsers = parseIdList(texts['cold-users.txt'] ?? '', userIndex, 'user', 'cold-users.txt');
  const coldItems = parseIdList(texts['cold-items.txt'] ?? '', itemIndex, 'item', 'cold-items.txt');
  const isColdUser = new Uint8Array(users.length);
  coldUsers.forEach((u) => (isColdUser[u] = 1));
  const isColdItem = new Uint8Array(items.length);
  coldItems.forEach((i) => (isColdItem[i] = 1));
  for (let k = 0; k < train.users.length; k++) {
    // line k + 2: the header is line 1 (blank lines would shift this; the split's files have none)
    if (isColdUser[train.users[k]]) throw new Ml100kFileError('train.tsv', k + 2, users[train.users[k]].id, 'no train rating of a user listed in cold-users.txt');
    if (isColdItem[train.items[k]]) throw new Ml100kFileError('train.tsv', k + 2, items[train.items[k]].id, 'no train rating of an item listed in cold-items.txt');
  }
  return { genres, occupations, users, items, train, test, coldUsers, coldItems };
}

/** Reads the ml-100k folder `dir` (see the module comment); a missing required file is an Ml100kFileError of line 0. */
export function loadMl100k(dir: string): Ml100kData {
  const texts: Partial<Record<string, string>> = {};
  for (const name of [...REQUIRED, ...OPTIONAL]) {
    const file = join(dir, name);
    if (!existsSync(file)) {
      if ((REQUIRED as readonly string[]).includes(name)) throw new Ml100kFileError(name, 0, file, 'an existing file');
      continue;
    }
    // u.item of the GroupLens release is Latin-1 in places; latin1 decodes every byte
    texts[name] = readFileSync(file, 'latin1');
  }
  return parseMl100k(texts as Ml100kTexts);
}

/** Binary users × items CSR of a set of ratings (every rating is an interaction). */
export function ratingsCsr(r: TimedRatings, numUsers: number, numItems: number): Csr {
  return binaryCsr(numUsers, numItems, r.users, r.items);
}

/** items × genres, 1 per genre flag. */
export function itemGenreCsr(data: Ml100kData): Csr {
  const indptr = new Int32Array(data.items.length + 1);
  const idx: number[] = [];
  data.items.forEach((it, k) => {
    idx.push(...it.genres);
    indptr[k + 1] = idx.length;
  });
  return { rows: data.items.length, cols: data.genres.length, indptr, indices: Int32Array.from(idx), values: new Float32Array(idx.length).fill(1) };
}

/** The contexts of the ml-100k graph: 7 weekdays then 4 times of day (src/graph/contexts.ts). */
export const ML100K_CONTEXTS: ContextKey[] = [
  ...WEEKDAYS.map((value) => ({ kind: 'weekday', value })),
  ...TIMES_OF_DAY.map((value) => ({ kind: 'timeOfDay', value })),
];

/** Column indices into ML100K_CONTEXTS of the weekday and time-of-day (UTC) of a timestamp in seconds. */
export function contextColumnsOf(timestampSeconds: number): [number, number] {
  const ms = timestampSeconds * 1000;
  return [WEEKDAYS.indexOf(weekdayOf(ms)), WEEKDAYS.length + TIMES_OF_DAY.indexOf(timeOfDayOf(ms))];
}

