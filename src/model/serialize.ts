import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { transpose, type Csr } from '../graph/csr';
import type { FilterBasis } from './filter';
import type { GraphRelations } from './pathTerms';
import { InterestModel, type InterestModelOptions } from './interestModel';
import type { FilterParams } from './responseSearch';
import type { ContextKey } from '../graph/types';
import { normalizeInteractions } from './spectral';

const FORMAT = 'interest-graph/filter-model@4';

/** The JSON half of a saved model: parameters and the layout of the binary arrays beside it. */
interface Manifest {
  format: string;
  userExponent: number;
  itemExponent: number;
  params: FilterParams;
  train: { rows: number; cols: number; nnz: number };
  spectrum: { k: number; n: number };
  files: Record<string, string>;
  /** The normalised relations (FilterBasis.relations) present, with their shapes. */
  relations: Partial<Record<'category' | 'follows', { rows: number; cols: number; nnz: number }>>;
  /** The context term's counts (FilterBasis.contexts): their shape and the context of each column. */
  contexts?: { rows: number; cols: number; nnz: number; keys: ContextKey[] };
}

function writeArray(dir: string, name: string, a: Int32Array | Float32Array | Float64Array): string {
  const file = `${name}.bin`;
  writeFileSync(join(dir, file), Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  return file;
}

function readArray<T extends Int32Array | Float32Array | Float64Array>(dir: string, file: string, ctor: { new (b: ArrayBuffer): T; BYTES_PER_ELEMENT: number }, length: number): T {
  const buf = readFileSync(join(dir, file));
  if (buf.byteLength !== length * ctor.BYTES_PER_ELEMENT) {
    throw new Error(`loadModel: ${join(dir, file)} has ${buf.byteLength} bytes, expected ${length} × ${ctor.BYTES_PER_ELEMENT}`);
  }
  const copy = new ArrayBuffer(buf.byteLength);
  new Uint8Array(copy).set(buf);
  return new ctor(copy);
}

/**
 * Saves a fitted InterestModel to `dir` (created if needed): model.json with the fitted filter parameters and
 * normalisation, plus little-endian binary arrays of the training matrix (and the input rows' values when the recency rule
 * weighs them) and the top-k spectrum.
 */
export function saveModel(model: InterestModel, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const basis = model.fitted.basis;
  const t = basis.train;
  const files = {
    indptr: writeArray(dir, 'train.indptr', t.indptr),
    indices: writeArray(dir, 'train.indices', t.indices),
    values: writeArray(dir, 'train.values', t.values),
    vectors: writeArray(dir, 'spectrum.vectors', basis.spectrum.vectors),
    eigenvalues: writeArray(dir, 'spectrum.values', basis.spectrum.values),
  } as Record<string, string>;
  // the input rows share train's structure; their values differ when the recency rule weighs them
  if (basis.input && basis.input !== t) files.inputValues = writeArray(dir, 'input.values', basis.input.values);
  const relations: Manifest['relations'] = {};
  for (const key of ['category', 'follows'] as const) {
    const a = basis.relations?.[key];
    if (!a) continue;
    relations[key] = { rows: a.rows, cols: a.cols, nnz: a.indices.length };
    files[`${key}.indptr`] = writeArray(dir, `${key}.indptr`, a.indptr);
    files[`${key}.indices`] = writeArray(dir, `${key}.indices`, a.indices);
    files[`${key}.values`] = writeArray(dir, `${key}.values`, a.values);
  }
  const ctx = basis.contexts;
  if (ctx) {
    files['contexts.indptr'] = writeArray(dir, 'contexts.indptr', ctx.counts.indptr);
    files['contexts.indices'] = writeArray(dir, 'contexts.indices', ctx.counts.indices);
    files['contexts.values'] = writeArray(dir, 'contexts.values', ctx.counts.values);
  }
  const manifest: Manifest = {
    format: FORMAT,
    userExponent: basis.norm.userExponent,
    itemExponent: basis.norm.itemExponent,
    params: model.filterParams,
    train: { rows: t.rows, cols: t.cols, nnz: t.indices.length },
    spectrum: { k: basis.spectrum.k, n: basis.spectrum.n },
    files,
    relations,
    ...(ctx ? { contexts: { rows: ctx.counts.rows, cols: ctx.counts.cols, nnz: ctx.counts.indices.length, keys: ctx.keys } } : {}),
  };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(manifest, null, 2));
}

/** Loads a model saved by saveModel; it scores exactly as the saved one did. */
export function loadModel(dir: string, options: InterestModelOptions = {}): InterestModel {
  const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Manifest;
  if (manifest.format !== FORMAT) {
    throw new Error(`loadModel: ${join(dir, 'model.json')} has format "${manifest.format}", expected "${FORMAT}"`);
  }
  const { rows, cols, nnz } = manifest.train;
  const f = manifest.files;
  const train: Csr = {
    rows,
    cols,
    indptr: readArray(dir, f.indptr, Int32Array, rows + 1),
    indices: readArray(dir, f.indices, Int32Array, nnz),
    values: readArray(dir, f.values, Float32Array, nnz),
  };
  const { k, n } = manifest.spectrum;
  const norm = normalizeInteractions(train, manifest.userExponent, manifest.itemExponent);
  const basis: FilterBasis = {
    train,
    ...(f.inputValues ? { input: { ...train, values: readArray(dir, f.inputValues, Float32Array, nnz) } } : {}),
    norm,
    spectrum: { k, n, vectors: readArray(dir, f.vectors, Float32Array, n * k), values: readArray(dir, f.eigenvalues, Float64Array, k) },
  };
  const rel = (key: 'category' | 'follows'): Csr | null => {
    const shape = manifest.relations[key];
    if (!shape) return null;
    return {
      rows: shape.rows, cols: shape.cols,
      indptr: readArray(dir, f[`${key}.indptr`], Int32Array, shape.rows + 1),
      indices: readArray(dir, f[`${key}.indices`], Int32Array, shape.nnz),
      values: readArray(dir, f[`${key}.values`], Float32Array, shape.nnz),
    };
  };
  const category = rel('category');
  const relations: GraphRelations = { category, categoryT: category ? transpose(category) : null, follows: rel('follows') };
  const c = manifest.contexts;
  const contexts = c && {
    keys: c.keys,
    counts: {
      rows: c.rows, cols: c.cols, indptr: readArray(dir, f['contexts.indptr'], Int32Array, c.rows + 1),
      indices: readArray(dir, f['contexts.indices'], Int32Array, c.nnz), values: readArray(dir, f['contexts.values'], Float32Array, c.nnz),
    },
  };
  const model = new InterestModel(options);
  model.install({ ...basis, relations, ...(contexts ? { contexts } : {}) }, manifest.params);
  return model;
}
