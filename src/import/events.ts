/**
 * Import of events in the adopter's own shape: an events file (CSV, TSV or JSON Lines) with a user, an
 * item, a kind and a time per row and any number of context columns, optionally an items file
 * (titles, categories, attributes), a users file (attributes) and a held-out events file. Column names
 * come from a mapping (`user=customer_id,item=sku,kind=event,at=ts,context.device=device`). Every file
 * is validated whole before anything is written; then the rows go through the shared idempotent
 * writer (src/import/rows.ts), or the bulk path (src/import/bulk.ts) for a first load.
 */
import type { Executor } from '../db/executor';
import { INTERACTION_KINDS, InteractionKind, interactionWeight, isInteractionKind, isPositiveKind, RATING_MAX } from '../graph/weights';
import type { Logger } from '../log';
import type { ContextKey } from '../graph/types';
import { contextKey, DERIVED_CONTEXT_KINDS, derivedContext, DerivedContextKind } from '../graph/contexts';
import { ImportMappingError, ImportValidationError } from './errors';
import { ATTRIBUTE_TYPES, Attributes, AttributeType, contextCounts, HeldOutRow, ImportRows, ImportWritten, InteractionRow, ItemNodeRow,
  rowCounts, UserRow, writeImportRows } from './rows';
import { readTable, Table, TableRow } from './table';

/** How the values of the time column are read: by magnitude (`auto`), epoch seconds, epoch ms, or ISO 8601. */
export type TimeUnit = 'auto' | 's' | 'ms' | 'iso';

/** An attribute taken from a column of the items or users file. */
export interface AttributeColumn {
  column: string;
  type: AttributeType;
}

/** Which columns hold what. Built by parseEventsMapping from `--map` specs; every field has a default. */
export interface EventsMapping {
  user: string;
  item: string;
  /** The kind column; ignored when `constantKind` is set. */
  kind: string;
  /** Every event has this kind (no kind column). */
  constantKind?: InteractionKind;
  at: string;
  atUnit: TimeUnit;
  /** The rating column (required by rows of kind `rating`). */
  rating: string;
  /** Context columns: Context {kind} from the column's values. */
  contexts: { kind: string; column: string }[];
  /** Contexts computed from the time (UTC). */
  derive: DerivedContextKind[];
  /** The adopter's kind values mapped onto known kinds, or skipped. */
  kinds: Record<string, InteractionKind | 'skip'>;
  /** Items file: id column (default `id`, else the events' item column name), title, categories, attributes by property name. */
  itemFile: { id?: string; title: string; categories: string; attributes: Record<string, AttributeColumn> };
  /** Users file: id column (default `id`, else the events' user column name), attributes by property name. */
  userFile: { id?: string; attributes: Record<string, AttributeColumn> };
  /** Separator of several categories in one field (default `|`). */
  categorySeparator: string;
}

/** Property names an attribute must not take (they are the graph's own). */
const RESERVED = new Set(['id', 'title', 'name', 'createdAt', 'lastInteractionAt']);
const PROPERTY = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
const CONTEXT_KIND = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;
/** Length limits of values. */
const MAX_ID = 256;
const MAX_TITLE = 1000;
const MAX_VALUE = 1000;
const MAX_CONTEXT_VALUE = 100;
const MAX_CATEGORY = 200;
/** Times must fall in [1970, 2100). */
const MAX_MS = Date.UTC(2100, 0, 1);
/** Epoch values below this are seconds (1e11 s is the year 5138; 1e11 ms is 1973). */
const SECONDS_BELOW = 1e11;

/** Whether a property name may hold an attribute (also used by the ml-100k preset). */
export function checkAttributeName(name: string, where: string): void {
  if (!PROPERTY.test(name) || RESERVED.has(name) || /^(embedding|neighbourEmbedding|model)/i.test(name)) {
    throw new ImportMappingError(`${where}: "${name}" cannot be an attribute name; expected letters, digits and _ (starting with a letter, ` +
      `at most 63), not one of ${[...RESERVED].join(', ')} and not starting with embedding/model; rename it with --map ...=<column>`);
  }
}

/**
 * Parses `--map` specs (each `key=column[,key=column...]`) into a mapping over the defaults:
 * `user`, `item`, `kind`, `at` (`at=ts:s|ms|iso` fixes the unit), `rating`, `context.<kind>=<column>`,
 * `kind.<value>=<known kind|skip>`, `item.id|title|categories=<column>`, `item.<attribute>=<column>[:type]`,
 * `user.id=<column>`, `user.<attribute>=<column>[:type]` (type string|integer|float|date).
 */
export function parseEventsMapping(specs: readonly string[], options: { kind?: string; derive?: string; categorySeparator?: string } = {}): EventsMapping {
  const m: EventsMapping = {
    user: 'user', item: 'item', kind: 'kind', at: 'at', atUnit: 'auto', rating: 'rating', contexts: [], derive: [], kinds: {},
    itemFile: { title: 'title', categories: 'categories', attributes: {} }, userFile: { attributes: {} }, categorySeparator: options.categorySeparator ?? '|',
  };
  if (m.categorySeparator.length !== 1) throw new ImportMappingError(`--category-separator must be one character, got "${m.categorySeparator}"`);
  const seen = new Set<string>();
  for (const part of specs.flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) throw new ImportMappingError(`--map: expected key=column, got "${part}"`);
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (seen.has(key)) throw new ImportMappingError(`--map: "${key}" is mapped twice`);
    seen.add(key);
    const typed = (): AttributeColumn => {
      const colon = value.lastIndexOf(':');
      const type = colon > 0 ? value.slice(colon + 1) : 'string';
      if (!(ATTRIBUTE_TYPES as readonly string[]).includes(type)) {
        throw new ImportMappingError(`--map ${part}: unknown type "${type}"; expected ${ATTRIBUTE_TYPES.join(', ')}`);
      }
      return { column: colon > 0 ? value.slice(0, colon) : value, type: type as AttributeType };
    };
    if (key === 'user' || key === 'item' || key === 'kind' || key === 'rating') m[key] = value;
    else if (key === 'at') {
      const colon = value.lastIndexOf(':');
      const unit = colon > 0 ? value.slice(colon + 1) : '';
      if (['s', 'ms', 'iso'].includes(unit)) {
        m.at = value.slice(0, colon);
        m.atUnit = unit as TimeUnit;
      } else m.at = value;
    } else if (key.startsWith('context.')) {
      const kind = key.slice('context.'.length);
      if (!CONTEXT_KIND.test(kind)) {
        throw new ImportMappingError(`--map ${part}: context kind "${kind}" must be letters, digits and _ (starting with a letter, at most 32)`);
      }
      m.contexts.push({ kind, column: value });
    } else if (key.startsWith('kind.')) {
      if (value !== 'skip' && !isInteractionKind(value)) {
        throw new ImportMappingError(`--map ${part}: expected one of ${INTERACTION_KINDS.join(', ')} or skip, got "${value}"`);
      }
      m.kinds[key.slice('kind.'.length)] = value as InteractionKind | 'skip';
    } else if (key === 'item.id' || key === 'item.title' || key === 'item.categories') {
      m.itemFile[key.slice('item.'.length) as 'id' | 'title' | 'categories'] = value;
    } else if (key === 'user.id') {
      m.userFile.id = value;
    } else if (key.startsWith('item.') || key.startsWith('user.')) {
      const name = key.slice(5);
      checkAttributeName(name, `--map ${part}`);
      (key.startsWith('item.') ? m.itemFile : m.userFile).attributes[name] = typed();
    } else {
      throw new ImportMappingError(`--map: unknown key "${key}"; expected user, item, kind, at, rating, context.<kind>, kind.<value>, ` +
        'item.id, item.title, item.categories, item.<attribute>, user.id or user.<attribute>');
    }
  }
  if (options.kind !== undefined) {
    if (!isInteractionKind(options.kind)) throw new ImportMappingError(`--kind: expected one of ${INTERACTION_KINDS.join(', ')}, got "${options.kind}"`);
    m.constantKind = options.kind;
  }
  for (const d of (options.derive ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    if (!(DERIVED_CONTEXT_KINDS as readonly string[]).includes(d)) {
      throw new ImportMappingError(`--derive: expected ${DERIVED_CONTEXT_KINDS.join(' and/or ')}, got "${d}"`);
    }
    if (m.contexts.some((c) => c.kind === d)) throw new ImportMappingError(`--derive ${d}: the context kind is also mapped to a column`);
    if (!m.derive.includes(d as DerivedContextKind)) m.derive.push(d as DerivedContextKind);
  }
  return m;
}

/**
 * Reads a time: ISO 8601 (a date, or a date and time with an optional zone; none means UTC) or epoch
 * seconds / milliseconds. Returns epoch ms, or the reason it is not one.
 */
export function parseTime(raw: string, unit: TimeUnit): { ms: number; unit: 's' | 'ms' | 'iso' } | { error: string } {
  const expected = 'expected a time in ISO 8601 (e.g. 2026-07-01T18:30:00Z) or epoch seconds / milliseconds from 1970 to 2099';
  let ms: number;
  let got: 's' | 'ms' | 'iso';
  if (/^\d+(\.\d+)?$/.test(raw) && unit !== 'iso') {
    const n = Number(raw);
    got = unit === 's' || unit === 'ms' ? unit : n < SECONDS_BELOW ? 's' : 'ms';
    ms = Math.round(got === 's' ? n * 1000 : n);
  } else if (unit === 'auto' || unit === 'iso') {
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/.exec(raw);
    if (!m) return { error: expected };
    const [, y, mo, d, h, mi, s, frac, zone] = m;
    if (new Date(Date.UTC(+y, +mo - 1, +d)).getUTCDate() !== +d || +mo < 1 || +mo > 12 || (h !== undefined && (+h > 23 || +mi > 59 || +(s ?? 0) > 59))) {
      return { error: `${expected} (no such date or time)` };
    }
    let z = zone ?? 'Z';
    if (/^[+-]\d{2}$/.test(z)) z += ':00';
    const text = h === undefined ? `${y}-${mo}-${d}T00:00:00Z` : `${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${frac ? frac.slice(0, 4) : ''}${z}`;
    ms = Date.parse(text);
    got = 'iso';
  } else {
    return { error: `expected epoch ${unit === 's' ? 'seconds' : 'milliseconds'} (the mapping fixes the unit)` };
  }
  if (!Number.isFinite(ms) || ms < 0 || ms >= MAX_MS) return { error: expected };
  return { ms, unit: got };
}

/** Files of an events import. */
export interface EventsFiles {
  events: string;
  items?: string;
  users?: string;
  heldOut?: string;
}

/** What validation read and set aside (the summary's `read` and `skipped`). */
export interface EventsParseStats {
  /** Data rows in the events and held-out files. */
  read: { events: number; heldOut: number };
  skipped: {
    /** Rows repeating an event's (user, item, kind, time), or a held-out (user, item); the last one is kept. */
    duplicates: number;
    /** Rows whose kind the mapping skips, by kind value. */
    kinds: Record<string, number>;
    /** Held-out rows of negative kinds (held-out edges are what a user liked; these are left out). */
    negativeHeldOut: number;
  };
}

function need(table: Table, columns: { role: string; column: string }[]): void {
  if (table.format === 'jsonl') return; // checked per line
  for (const { role, column } of columns) {
    if (!table.columns.includes(column)) {
      throw new ImportValidationError(table.file, 1, table.columns.join(table.format === 'tsv' ? '\t' : ','),
        `missing column "${column}" (mapped as ${role}; --map ${role}=<column> names another)`);
    }
  }
}

function cell(table: Table, row: TableRow, column: string, role: string): string {
  const v = row.values[column];
  if (v === undefined) {
    throw new ImportValidationError(table.file, row.line, Object.keys(row.values).join(','),
      `missing field "${column}" (mapped as ${role}; --map ${role}=<column> names another)`);
  }
  return v;
}

function idValue(table: Table, row: TableRow, column: string, role: string): string {
  const v = cell(table, row, column, role);
  if (v === '' || /\s/.test(v) || v.length > MAX_ID) {
    throw new ImportValidationError(table.file, row.line, v, `expected a non-empty ${role} id without spaces, at most ${MAX_ID} characters`);
  }
  return v;
}

/** Reads the attributes of one row. */
function attributesOf(table: Table, row: TableRow, spec: Record<string, AttributeColumn>): Attributes {
  const out: Attributes = {};
  for (const [name, { column, type }] of Object.entries(spec)) {
    const raw = row.values[column] ?? '';
    if (raw === '') continue;
    if (raw.length > MAX_VALUE) throw new ImportValidationError(table.file, row.line, raw, `expected ${column} of at most ${MAX_VALUE} characters`);
    if (type === 'integer') {
      if (!/^-?\d{1,15}$/.test(raw)) throw new ImportValidationError(table.file, row.line, raw, `expected an integer in column ${column}`);
      out[name] = { type, value: Number(raw) };
    } else if (type === 'float') {
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new ImportValidationError(table.file, row.line, raw, `expected a number in column ${column}`);
      out[name] = { type, value: n };
    } else if (type === 'date') {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
      if (!m || new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).getUTCDate() !== +m[3] || +m[2] < 1 || +m[2] > 12) {
        throw new ImportValidationError(table.file, row.line, raw, `expected a date YYYY-MM-DD in column ${column}`);
      }
      out[name] = { type, value: raw };
    } else out[name] = { type, value: raw };
  }
  return out;
}

/** Attribute columns of a file: the mapped ones, plus every other column (as a string) except `taken`. */
function attributeColumns(table: Table, mapped: Record<string, AttributeColumn>, taken: string[]): Record<string, AttributeColumn> {
  const spec: Record<string, AttributeColumn> = { ...mapped };
  const used = new Set([...taken, ...Object.values(mapped).map((a) => a.column)]);
  for (const a of Object.values(mapped)) need(table, [{ role: 'an attribute', column: a.column }]);
  for (const c of table.columns) {
    if (used.has(c)) continue;
    try {
      checkAttributeName(c, `${table.file}:1`);
    } catch (err) {
      throw new ImportValidationError(table.file, 1, c, `${(err as Error).message.replace(/^[^:]+:\d+: /, '')}`);
    }
    spec[c] = { column: c, type: 'string' };
  }
  return spec;
}

/**
 * Reads and validates every file of an events import into the rows to write; throws an
 * ImportValidationError (file, line, value, what was expected) on the first problem, listing every
 * unknown kind at once. Nothing is written here.
 */
export function parseEvents(files: EventsFiles, mapping: EventsMapping): { rows: ImportRows; stats: EventsParseStats } {
  const categories = new Set<string>();
  const inCategory: ImportRows['inCategory'] = [];
  let items: Map<string, ItemNodeRow> | undefined;
  if (files.items) {
    const t = readTable(files.items);
    const idCol = mapping.itemFile.id ?? (t.columns.includes('id') || t.format === 'jsonl' ? 'id' : mapping.item);
    need(t, [{ role: 'item.id', column: idCol }]);
    const titleCol = t.columns.includes(mapping.itemFile.title) || t.format === 'jsonl' ? mapping.itemFile.title : undefined;
    const catCol = t.columns.includes(mapping.itemFile.categories) || t.format === 'jsonl' ? mapping.itemFile.categories : undefined;
    const attrs = attributeColumns(t, mapping.itemFile.attributes, [idCol, mapping.itemFile.title, mapping.itemFile.categories]);
    items = new Map();
    for (const row of t.rows) {
      const id = idValue(t, row, idCol, 'item');
      if (items.has(id)) throw new ImportValidationError(t.file, row.line, id, 'expected each item id once (duplicate)');
      const title = titleCol ? row.values[titleCol] ?? '' : '';
      if (title.length > MAX_TITLE) throw new ImportValidationError(t.file, row.line, title, `expected a title of at most ${MAX_TITLE} characters`);
      const rawCats = catCol ? row.values[catCol] ?? '' : '';
      const cats = rawCats === '' ? [] : [...new Set(rawCats.split(mapping.categorySeparator).map((c) => c.trim()))];
      if (cats.some((c) => c === '' || c.length > MAX_CATEGORY)) {
        throw new ImportValidationError(t.file, row.line, rawCats,
          `expected \`${mapping.categorySeparator}\`-separated non-empty categories of at most ${MAX_CATEGORY} characters`);
      }
      for (const c of cats) {
        categories.add(c);
        inCategory.push({ item: id, category: c });
      }
      items.set(id, { id, title: title === '' ? null : title, attributes: attributesOf(t, row, attrs) });
    }
  }
  let users: Map<string, UserRow> | undefined;
  if (files.users) {
    const t = readTable(files.users);
    const idCol = mapping.userFile.id ?? (t.columns.includes('id') || t.format === 'jsonl' ? 'id' : mapping.user);
    need(t, [{ role: 'user.id', column: idCol }]);
    const attrs = attributeColumns(t, mapping.userFile.attributes, [idCol]);
    users = new Map();
    for (const row of t.rows) {
      const id = idValue(t, row, idCol, 'user');
      if (users.has(id)) throw new ImportValidationError(t.file, row.line, id, 'expected each user id once (duplicate)');
      users.set(id, { id, attributes: attributesOf(t, row, attrs) });
    }
  }
  const stats: EventsParseStats = { read: { events: 0, heldOut: 0 }, skipped: { duplicates: 0, kinds: {}, negativeHeldOut: 0 } };
  const eventUsers = new Set<string>();
  const eventItems = new Set<string>();
  const contexts = new Map<string, ContextKey>();
  const read = (file: string, heldOut: boolean) => {
    const t = readTable(file);
    const columns = [{ role: 'user', column: mapping.user }, { role: 'item', column: mapping.item }, { role: 'at', column: mapping.at },
      ...(mapping.constantKind ? [] : [{ role: 'kind', column: mapping.kind }]),
      ...(heldOut ? [] : mapping.contexts.map((c) => ({ role: `context.${c.kind}`, column: c.column })))];
    need(t, columns);
    stats.read[heldOut ? 'heldOut' : 'events'] = t.rows.length;
    const unknown = new Map<string, { line: number; rows: number }>();
    let firstUnit: { unit: 's' | 'ms'; line: number } | undefined;
    const out: (InteractionRow & { line: number })[] = [];
    for (const row of t.rows) {
      const user = idValue(t, row, mapping.user, 'user');
      const item = idValue(t, row, mapping.item, 'item');
      const rawKind = mapping.constantKind ?? cell(t, row, mapping.kind, 'kind');
      const mapped = mapping.kinds[rawKind] ?? rawKind;
      if (mapped === 'skip') {
        stats.skipped.kinds[rawKind] = (stats.skipped.kinds[rawKind] ?? 0) + 1;
        continue;
      }
      if (!isInteractionKind(mapped)) {
        const u = unknown.get(rawKind);
        if (u) u.rows++;
        else unknown.set(rawKind, { line: row.line, rows: 1 });
        continue;
      }
      const rawAt = cell(t, row, mapping.at, 'at');
      const time = parseTime(rawAt, mapping.atUnit);
      if ('error' in time) throw new ImportValidationError(t.file, row.line, rawAt, time.error);
      if (time.unit !== 'iso') {
        if (!firstUnit) firstUnit = { unit: time.unit, line: row.line };
        else if (firstUnit.unit !== time.unit) {
          throw new ImportValidationError(t.file, row.line, rawAt, `expected epoch ${firstUnit.unit === 's' ? 'seconds' : 'milliseconds'} like line ` +
            `${firstUnit.line} (this looks like ${time.unit === 's' ? 'seconds' : 'milliseconds'}); fix the unit with --map at=${mapping.at}:s or :ms`);
        }
      }
      let rating: number | null = null;
      if (mapped === 'rating') {
        const raw = row.values[mapping.rating] ?? '';
        rating = Number(raw);
        if (raw === '' || !Number.isFinite(rating) || rating <= 0 || rating > RATING_MAX) {
          throw new ImportValidationError(t.file, row.line, raw, `expected a rating in (0, ${RATING_MAX}] in column "${mapping.rating}" for kind rating`);
        }
      }
      if (users && !users.has(user)) throw new ImportValidationError(t.file, row.line, user, `expected a user listed in ${files.users}`);
      if (items && !items.has(item)) throw new ImportValidationError(t.file, row.line, item, `expected an item listed in ${files.items}`);
      const keys: string[] = [];
      if (!heldOut) {
        const add = (c: ContextKey) => {
          const k = contextKey(c);
          if (!contexts.has(k)) contexts.set(k, c);
          keys.push(k);
        };
        for (const c of mapping.contexts) {
          const value = cell(t, row, c.column, `context.${c.kind}`);
          if (value === '') continue;
          if (value.length > MAX_CONTEXT_VALUE || value.includes(';')) {
            throw new ImportValidationError(t.file, row.line, value, `expected a ${c.kind} context value of at most ${MAX_CONTEXT_VALUE} characters without ';'`);
          }
          add({ kind: c.kind, value });
        }
        for (const d of mapping.derive) add(derivedContext(d, time.ms));
      }
      out.push({ line: row.line, user, item, kind: mapped, weight: interactionWeight(mapped, rating ?? undefined), rating, at: time.ms, contexts: keys });
    }
    if (unknown.size > 0) {
      const [first, where] = [...unknown.entries()][0];
      const list = [...unknown.entries()].map(([k, u]) => `"${k}" (${u.rows} rows, first on line ${u.line})`).join(', ');
      throw new ImportValidationError(t.file, where.line, first, `unknown interaction kinds ${list}; expected one of ${INTERACTION_KINDS.join(', ')}, ` +
        `or map them: --map kind.${first}=<kind|skip>`);
    }
    return out;
  };
  const byEvent = new Map<string, InteractionRow>();
  for (const { line: _line, ...e } of read(files.events, false)) {
    const key = `${e.user}\u0000${e.item}\u0000${e.kind}\u0000${e.at}`;
    if (byEvent.has(key)) stats.skipped.duplicates++;
    byEvent.set(key, e);
    eventUsers.add(e.user);
    eventItems.add(e.item);
  }
  const byPair = new Map<string, HeldOutRow>();
  if (files.heldOut) {
    for (const e of read(files.heldOut, true)) {
      if (!isPositiveKind(e.kind)) {
        stats.skipped.negativeHeldOut++;
        continue;
      }
      const key = `${e.user}\u0000${e.item}`;
      const prev = byPair.get(key);
      if (prev) stats.skipped.duplicates++;
      if (!prev || (prev.at ?? 0) <= (e.at ?? 0)) byPair.set(key, { user: e.user, item: e.item, kind: e.kind, weight: e.weight, rating: e.rating, at: e.at });
      eventUsers.add(e.user);
      eventItems.add(e.item);
    }
  }
  const interactions = [...byEvent.values()];
  const userRows = users ? [...users.values()] : [...eventUsers].map((id) => ({ id, attributes: {} }));
  const itemRows = items ? [...items.values()] : [...eventItems].map((id) => ({ id, title: null, attributes: {} }));
  return {
    rows: {
      categories: [...categories], contexts: [...contexts.values()], users: userRows, items: itemRows, inCategory, interactions,
      heldOut: [...byPair.values()], ...contextCounts(interactions), follows: [],
    },
    stats,
  };
}

/** What an events import found, skipped and wrote. */
export interface EventsImportResult {
  files: EventsFiles;
  /** Data rows read per file. */
  read: EventsParseStats['read'];
  /** Rows set aside, and why. */
  skipped: EventsParseStats['skipped'];
  /** What the validated files give to write (after the skipped rows are set aside). */
  rows: Record<string, number>;
  /** What the graph gained, per part; zero everywhere when the same files were imported before. */
  written: ImportWritten;
}

/**
 * Validates all files (nothing is written if any is bad), then writes users, items, categories,
 * contexts, IN_CATEGORY, INTERACTED {kind, weight, rating, at, contexts}, HELD_OUT and the
 * ACTIVE_IN/POPULAR_IN counts in idempotent batches: importing the same files twice changes nothing.
 */
export async function importEvents(db: Executor, files: EventsFiles, mapping: EventsMapping,
  options: { batchSize?: number; logger?: Logger } = {}): Promise<EventsImportResult> {
  const log = options.logger?.child({ component: 'import-events' });
  const { rows, stats } = parseEvents(files, mapping);
  log?.info({ files, rows: rowCounts(rows), ...stats }, 'validated; writing');
  const written = await writeImportRows(db, rows, options.batchSize ?? 10_000);
  const result = { files, ...stats, rows: rowCounts(rows), written };
  log?.info(result, 'events import done');
  return result;
}
