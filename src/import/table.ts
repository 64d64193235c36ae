/**
 * Reading a tabular import file into string records with their line numbers: CSV (`.csv`, comma) or TSV
 * (`.tsv`, `.tab`, tab) with a header line, or JSON Lines (`.jsonl`, `.ndjson`, one object per line; nested
 * objects are flattened to dotted keys, numbers and booleans become their text). Errors name the file and line.
 */
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { ImportValidationError } from './errors';
import { readInputFile } from './files';

/** One record: its 1-based line in the file and its values by column (every value a string). */
export interface TableRow {
  line: number;
  values: Record<string, string>;
}

/** A read file: the header's columns (CSV/TSV) or every key seen (JSON Lines), and the records. */
export interface Table {
  file: string;
  format: 'csv' | 'tsv' | 'jsonl';
  columns: string[];
  rows: TableRow[];
}

/** The format a file name says, or an ImportValidationError for an unknown extension. */
export function tableFormat(file: string): Table['format'] {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  throw new ImportValidationError(file, 0, ext, 'expected a file ending in .csv, .tsv, .jsonl or .ndjson');
}

/**
 * Reads a whole table file. `checkHeader` runs on the header columns (CSV/TSV) before any record is
 * read and may throw an ImportValidationError for line 1. Throws on a missing, empty or malformed file.
 */
export function readTable(file: string, options: { checkHeader?: (columns: string[]) => void; format?: Table['format'] } = {}): Table {
  const format = options.format ?? tableFormat(file);
  const text = readInputFile(file);
  if (format === 'jsonl') return readJsonLines(file, text);
  let columns: string[] = [];
  let parsed: { record: Record<string, string>; info: { lines: number } }[];
  try {
    parsed = parse(text, {
      delimiter: format === 'tsv' ? '\t' : ',',
      columns: (header: string[]) => {
        columns = header.map((h) => h.trim());
        const seen = new Set<string>();
        for (const c of columns) {
          if (c === '') throw new ImportValidationError(file, 1, header.join(','), 'expected a header line with a name for every column');
          if (seen.has(c)) throw new ImportValidationError(file, 1, c, 'expected each column name once in the header (duplicate)');
          seen.add(c);
        }
        options.checkHeader?.(columns);
        return columns;
      },
      info: true,
      skip_empty_lines: true,
      trim: true,
      quote: format === 'tsv' ? false : '"',
    }) as { record: Record<string, string>; info: { lines: number } }[];
  } catch (err) {
    if (err instanceof ImportValidationError) throw err;
    const e = err as { lines?: number; record?: string[]; message?: string };
    throw new ImportValidationError(file, e.lines ?? 0, (e.record ?? []).join(format === 'tsv' ? '\t' : ','),
      `malformed ${format.toUpperCase()} line (${(e.message ?? '').replace(/ on line \d+$/, '')})`);
  }
  if (parsed.length === 0) throw new ImportValidationError(file, 0, '', 'expected a header and at least one data line');
  return { file, format, columns, rows: parsed.map((p) => ({ line: p.info.lines, values: p.record })) };
}

function readJsonLines(file: string, text: string): Table {
  const rows: TableRow[] = [];
  const columns = new Set<string>();
  let lineNo = 0;
  for (const raw of text.split('\n')) {
    lineNo++;
    const line = raw.trim();
    if (line === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (err) {
      throw new ImportValidationError(file, lineNo, line, `expected one JSON object per line (${(err as Error).message})`);
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      throw new ImportValidationError(file, lineNo, line, 'expected one JSON object per line');
    }
    const values: Record<string, string> = {};
    flatten(obj as Record<string, unknown>, '', values);
    for (const k of Object.keys(values)) columns.add(k);
    rows.push({ line: lineNo, values });
  }
  if (rows.length === 0) throw new ImportValidationError(file, 0, '', 'expected at least one JSON object line');
  return { file, format: 'jsonl', columns: [...columns], rows };
}

function flatten(obj: Record<string, unknown>, prefix: string, out: Record<string, string>): void {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix + k;
    if (v === null || v === undefined) out[key] = '';
    else if (typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, `${key}.`, out);
    else if (Array.isArray(v)) out[key] = v.map(String).join('|');
    else out[key] = String(v).trim();
  }
}
