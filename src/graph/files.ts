import { readFileSync, statSync } from 'fs';
import { join, basename } from 'path';
import type { Csr } from './csr';
import type { InteractionDataset } from './types';

/** A malformed interaction file: the message names the file, the 1-based line and the offending value. */
export class InteractionFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly value: string,
    expected: string,
  ) {
    super(`${file}:${line}: invalid value "${value}", expected ${expected}`);
    this.name = 'InteractionFileError';
  }
}

/** Interactions parsed from one file, before the user and item counts of the whole dataset are known. */
export interface ParsedInteractions {
  /** User index per interaction, in file order. */
  users: Int32Array;
  /** Item index per interaction, in file order. */
  items: Int32Array;
  /** Largest user index seen (also users listed without items), -1 when empty. */
  maxUser: number;
  /** Largest item index seen, -1 when empty. */
  maxItem: number;
}

const MAX_ID = 0x7fffffff;

/**
 * Parses the LightGCN text format (`userId itemId itemId ...` per line, non-negative integers separated by
 * spaces or tabs) from raw bytes; blank lines are skipped and a user may appear on several lines.
 * Throws InteractionFileError naming `file`, line and value on anything else.
 */
export function parseInteractionBuffer(buf: Uint8Array, file = '<buffer>'): ParsedInteractions {
  // Hand-written byte scanner: splitting 4.6 MB into strings and Number()-ing each token is ~5x slower.
  let cap = Math.max(1024, buf.length >> 2);
  let users = new Int32Array(cap);
  let items = new Int32Array(cap);
  let n = 0;
  let maxUser = -1;
  let maxItem = -1;
  let line = 1;
  let i = 0;
  const len = buf.length;
  const bad = (start: number, expected: string): never => {
    let end = start;
    while (end < len && buf[end] !== 0x20 && buf[end] !== 0x09 && buf[end] !== 0x0a && buf[end] !== 0x0d) end++;
    const value = Buffer.from(buf.subarray(start, Math.min(end, start + 40))).toString('utf8');
    throw new InteractionFileError(file, line, value, expected);
  };
  while (i < len) {
    // one line: first token is the user, the rest items
    let user = -1;
    for (;;) {
      let c = buf[i];
      while (c === 0x20 || c === 0x09 || c === 0x0d) c = buf[++i];
      if (i >= len || c === 0x0a) break;
      const start = i;
      let v = 0;
      while (c >= 0x30 && c <= 0x39) {
        v = v * 10 + (c - 0x30);
        c = buf[++i];
      }
      if (i === start || !(i >= len || c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a)) {
        bad(start, user < 0 ? 'a non-negative integer user id' : 'a non-negative integer item id');
      }
      if (v > MAX_ID) bad(start, `an id of at most ${MAX_ID}`);
      if (user < 0) {
        user = v;
        if (v > maxUser) maxUser = v;
      } else {
        if (n === cap) {
          cap *= 2;
          const u2 = new Int32Array(cap);
          u2.set(users);
          users = u2;
          const i2 = new Int32Array(cap);
          i2.set(items);
          items = i2;
        }
        users[n] = user;
        items[n] = v;
        n++;
        if (v > maxItem) maxItem = v;
      }
    }
    i++; // past '\n'
    line++;
  }
  return { users: users.slice(0, n), items: items.slice(0, n), maxUser, maxItem };
}

/** Reads and parses one interaction file in the LightGCN text format (see parseInteractionBuffer). */
export function readInteractionFile(path: string): ParsedInteractions {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new Error(`readInteractionFile: cannot read "${path}": ${(e as Error).message}`);
  }
  return parseInteractionBuffer(buf, path);
}

/**
 * Builds a binary users × items CSR from parallel user/item arrays: columns sorted per row, repeated
 * (user, item) pairs kept once with value 1 (implicit feedback). O(nnz) plus a small sort per row.
 */
export function binaryCsr(rows: number, cols: number, users: Int32Array, items: Int32Array): Csr {
  const indptr = new Int32Array(rows + 1);
  for (let k = 0; k < users.length; k++) {
    const u = users[k];
    if (u < 0 || u >= rows) throw new Error(`binaryCsr: user ${u} out of range [0, ${rows})`);
    const it = items[k];
    if (it < 0 || it >= cols) throw new Error(`binaryCsr: item ${it} out of range [0, ${cols})`);
    indptr[u + 1]++;
  }
  for (let r = 0; r < rows; r++) indptr[r + 1] += indptr[r];
  const pos = indptr.slice(0, rows);
  const idx = new Int32Array(users.length);
  for (let k = 0; k < users.length; k++) idx[pos[users[k]]++] = items[k];
  // sort + dedupe each row in place, compacting as we go (rows are short: typed-array sort is numeric)
  const out = new Int32Array(rows + 1);
  let w = 0;
  for (let r = 0; r < rows; r++) {
    const row = idx.subarray(indptr[r], indptr[r + 1]);
    row.sort();
    out[r] = w;
    for (let k = 0; k < row.length; k++) {
      if (k > 0 && row[k] === row[k - 1]) continue;
      idx[w++] = row[k];
    }
  }
  out[rows] = w;
  const indices = idx.slice(0, w);
  const values = new Float32Array(w).fill(1);
  return { rows, cols, indptr: out, indices, values };
}

/** Where the train and (optional) test files of a dataset are. */
export interface InteractionFiles {
  train: string;
  test?: string;
  name?: string;
}

/**
 * Loads a LightGCN-format dataset into an InteractionDataset: `source` is a directory holding train.txt
 * (and test.txt when present) or explicit paths. numUsers/numItems are 1 + the largest index in either
 * file; userIds/itemIds are the decimal indices. Throws InteractionFileError on malformed lines.
 */
export function loadInteractionFiles(source: string | InteractionFiles): InteractionDataset {
  let files: InteractionFiles;
  if (typeof source === 'string') {
    const testPath = join(source, 'test.txt');
    let hasTest = false;
    try {
      hasTest = statSync(testPath).isFile();
    } catch {
      hasTest = false;
    }
    files = { train: join(source, 'train.txt'), test: hasTest ? testPath : undefined, name: basename(source) };
  } else {
    files = source;
  }
  const train = readInteractionFile(files.train);
  const test = files.test ? readInteractionFile(files.test) : undefined;
  const numUsers = Math.max(train.maxUser, test?.maxUser ?? -1) + 1;
  const numItems = Math.max(train.maxItem, test?.maxItem ?? -1) + 1;
  const ids = (n: number) => Array.from({ length: n }, (_, k) => String(k));
  return {
    name: files.name ?? basename(files.train),
    numUsers,
    numItems,
    train: binaryCsr(numUsers, numItems, train.users, train.items),
    test: test ? binaryCsr(numUsers, numItems, test.users, test.items) : undefined,
    userIds: ids(numUsers),
    itemIds: ids(numItems),
  };
}
