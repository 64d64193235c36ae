/**
 * The embedding scan in a worker thread (started by src/serving/workerScorer.ts): holds the served item
 * matrix as a TensorFlow.js tensor and answers top-k queries. Queries that arrive while a matMul runs are
 * answered together by the next one (one pass over the matrix for the whole batch), so batching follows
 * the load, up to ScanWorkerOptions.maxBatch queries per pass. The matrix lives in a SharedArrayBuffer written by the main thread; a new
 * `generation` (an upsert, a version switch) makes the worker copy it into a fresh tensor.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, tf } from '../model/backend';
import { createLogger } from '../log';
import { topFromScores } from './scan';
import { batchDot } from './dotScorer';

/** The main thread's messages. */
export type ScanRequest =
  | { type: 'matrix'; generation: number; buffer: SharedArrayBuffer; count: number; dims: number }
  | { type: 'query'; id: number; generation: number; query: Float32Array; k: number };

/** The worker's answers. */
export type ScanResponse =
  | { type: 'ready'; backend: string }
  | { type: 'result'; id: number; rows: Int32Array; scores: Float32Array }
  | { type: 'error'; id: number | null; message: string };

interface Matrix {
  generation: number;
  buffer: SharedArrayBuffer;
  count: number;
  dims: number;
  tensor: tf.Tensor2D | null;
}

const port = parentPort;
let matrix: Matrix | null = null;
let pending: ScanRequest[] = [];
let scheduled = false;

/** Options passed by the main thread (src/serving/workerScorer.ts) as workerData. */
export interface ScanWorkerOptions {
  /**
   * Most queries per pass over the matrix; later ones wait for the next pass. Without a cap, under load every
   * in-flight request joined one long pass (24 ms for 15 queries here) and then reached the event loop at once.
   */
  maxBatch: number;
}
const options: ScanWorkerOptions = { maxBatch: 16, ...(workerData as Partial<ScanWorkerOptions> | undefined) };

function tensorOf(m: Matrix): tf.Tensor2D {
  if (!m.tensor) m.tensor = tf.tensor2d(new Float32Array(m.buffer, 0, m.count * m.dims), [m.count, m.dims]);
  return m.tensor;
}

function answer(batch: Extract<ScanRequest, { type: 'query' }>[]): void {
  const m = matrix;
  const stale = batch.filter((q) => !m || q.generation !== m.generation || q.query.length !== m.dims);
  for (const q of stale) {
    port!.postMessage({ type: 'error', id: q.id, message: `scan worker: query for matrix generation ${q.generation} (${q.query.length} dims); holding ${m ? `generation ${m.generation} (${m.dims} dims)` : 'no matrix'}` } satisfies ScanResponse);
  }
  const live = batch.filter((q) => !stale.includes(q));
  if (!m || live.length === 0) return;
  const b = live.length;
  const all = batchDot(tensorOf(m), live.map((q) => q.query));
  live.forEach((q, j) => {
    const top = topFromScores(all, m.count, q.k, () => true, b, j);
    const rows = Int32Array.from(top, (x) => x.row);
    const scores = Float32Array.from(top, (x) => x.score);
    port!.postMessage({ type: 'result', id: q.id, rows, scores } satisfies ScanResponse, [rows.buffer, scores.buffer]);
  });
}

function runSafely(): void {
  try {
    run();
  } catch (err) {
    port!.postMessage({ type: 'error', id: null, message: (err as Error).stack ?? (err as Error).message } satisfies ScanResponse);
  }
}

function run(): void {
  scheduled = false;
  // at most maxBatch queries per pass; the rest stay queued for the next turn
  let take = 0;
  let n = 0;
  while (take < pending.length && !(pending[take].type === 'query' && n === options.maxBatch)) {
    if (pending[take].type === 'query') n++;
    take++;
  }
  const batch = pending.slice(0, take);
  pending = pending.slice(take);
  const queries: Extract<ScanRequest, { type: 'query' }>[] = [];
  for (const msg of batch) {
    if (msg.type === 'matrix') {
      // queries sent before this matrix belong to the previous generation: answer them first
      if (queries.length > 0) answer(queries.splice(0));
      matrix?.tensor?.dispose();
      matrix = { generation: msg.generation, buffer: msg.buffer, count: msg.count, dims: msg.dims, tensor: null };
    } else {
      queries.push(msg);
    }
  }
  if (queries.length > 0) answer(queries);
  if (pending.length > 0 && !scheduled) {
    scheduled = true;
    setImmediate(runSafely);
  }
}

if (port) {
  const log = createLogger('warn').child({ component: 'scan-worker' });
  const ready = initBackend({ logger: log });
  port.on('message', (msg: ScanRequest) => {
    pending.push(msg);
    if (!scheduled) {
      scheduled = true;
      ready.then(() => setImmediate(runSafely))
        .catch((err) => port.postMessage({ type: 'error', id: null, message: `scan worker: no tensorflow.js backend (${(err as Error).message})` } satisfies ScanResponse));
    }
  });
  ready.then((backend) => port.postMessage({ type: 'ready', backend } satisfies ScanResponse))
    .catch((err) => port.postMessage({ type: 'error', id: null, message: `scan worker: no tensorflow.js backend (${(err as Error).message})` } satisfies ScanResponse));
}
