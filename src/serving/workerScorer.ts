import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../worker';
import type { Logger } from '../log';
import type { ItemMatrix } from './modelStore';
import type { ScanRequest, ScanResponse, ScanWorkerOptions } from './scanWorker';

interface Waiting {
  resolve: (top: { row: number; score: number }[]) => void;
  reject: (err: Error) => void;
}

/**
 * The exact embedding scan on a worker thread (src/serving/scanWorker.ts), so that the API's event loop
 * never blocks on a matMul over the item matrix (4–5 ms at 41k items × 256 dims here, during which every
 * other request waited) and the scan can run on the second core. The matrix is shared, not copied per
 * query: ItemMatrix.embeddings lives in a SharedArrayBuffer (src/serving/modelStore.ts), and the worker is
 * told when its generation changes (load, upsert, growth). The worker ranks by score alone; the caller
 * over-fetches by the number of rows it will reject and filters here.
 */
export class WorkerScorer {
  private worker: Worker | null = null;
  private sent: { m: ItemMatrix; generation: number; count: number; buffer: ArrayBufferLike } | null = null;
  private nextId = 1;
  private waiting = new Map<number, Waiting>();
  private failed: Error | null = null;

  constructor(private readonly log: Logger, private readonly options: ScanWorkerOptions = { maxBatch: 16 }) {}

  /** Starts the worker (a no-op when running); resolves with its tensorflow.js backend, rejects when it has none. */
  start(): Promise<string> {
    if (this.worker) return Promise.resolve('running');
    const worker = startWorker(path.join(__dirname, 'scanWorker'), this.options);
    this.worker = worker;
    this.sent = null;
    this.failed = null;
    return new Promise<string>((resolve, reject) => {
      let ready = false;
      worker.on('message', (msg: ScanResponse) => {
        if (msg.type === 'ready') {
          ready = true;
          this.idle(worker);
          this.log.info({ backend: msg.backend }, 'scan worker ready');
          resolve(msg.backend);
        } else if (msg.type === 'result') {
          const w = this.waiting.get(msg.id);
          this.waiting.delete(msg.id);
          this.idle(worker);
          w?.resolve(Array.from(msg.rows, (row, i) => ({ row, score: msg.scores[i] })));
        } else if (msg.id !== null) {
          const w = this.waiting.get(msg.id);
          this.waiting.delete(msg.id);
          this.idle(worker);
          w?.reject(new Error(msg.message));
        } else {
          const err = new Error(msg.message);
          if (!ready) reject(err);
          this.fail(err);
        }
      });
      worker.on('error', (err) => {
        if (!ready) reject(err);
        this.fail(err);
      });
      worker.on('exit', (code) => {
        if (this.worker === worker) this.fail(new Error(`scan worker exited with code ${code}`));
      });
    });
  }

  /**
   * Unrefs the worker while nothing waits for it (a server's other handles keep the process up; a script may
   * exit); top() refs it while a query waits, so that an awaited answer is not lost to an exiting process.
   */
  private idle(worker: Worker): void {
    if (this.waiting.size === 0) worker.unref();
  }

  /** Rejects every waiting query and drops the worker (the next query starts a new one). */
  private fail(err: Error): void {
    this.log.error({ err }, 'scan worker failed; restarting on the next query');
    this.failed = err;
    const w = this.worker;
    this.worker = null;
    this.sent = null;
    for (const x of this.waiting.values()) x.reject(err);
    this.waiting.clear();
    void w?.terminate();
  }

  /**
   * The k best rows of `m` by dot product with `query` that `keep` accepts, best first, given that `keep`
   * rejects at most `rejects` rows (the worker returns k + rejects rows by score, filtered here).
   */
  async top(m: ItemMatrix, query: Float32Array, k: number, keep: (row: number) => boolean, rejects: number): Promise<{ row: number; score: number }[]> {
    if (query.length !== m.dims) throw new Error(`WorkerScorer: query has ${query.length} dims, the item matrix has ${m.dims}`);
    if (!(m.embeddings.buffer instanceof SharedArrayBuffer)) throw new Error('WorkerScorer: the item matrix must live in a SharedArrayBuffer');
    if (!this.worker) await this.start();
    const worker = this.worker!;
    const generation = m.generation ?? 0;
    if (!this.sent || this.sent.m !== m || this.sent.generation !== generation || this.sent.count !== m.count || this.sent.buffer !== m.embeddings.buffer) {
      worker.postMessage({ type: 'matrix', generation, buffer: m.embeddings.buffer, count: m.count, dims: m.dims } satisfies ScanRequest);
      this.sent = { m, generation, count: m.count, buffer: m.embeddings.buffer };
    }
    const id = this.nextId++;
    const rows = await new Promise<{ row: number; score: number }[]>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ type: 'query', id, generation, query: Float32Array.from(query), k: Math.min(m.count, k + rejects) } satisfies ScanRequest);
    });
    const out: { row: number; score: number }[] = [];
    for (const r of rows) {
      if (out.length >= k) break;
      if (keep(r.row)) out.push(r);
    }
    return out;
  }

  /** Why the last worker failed, if it did. */
  get lastError(): Error | null {
    return this.failed;
  }

  /** Stops the worker. */
  async dispose(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    for (const x of this.waiting.values()) x.reject(new Error('scan worker stopped'));
    this.waiting.clear();
    await w?.terminate();
  }
}
