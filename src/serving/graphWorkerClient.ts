import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../worker';
import type { Logger } from '../log';
import type { GraphIndex, NeighbourhoodParams, ProximityRow, ViaPath } from './graphIndex';
import type { GraphWorkerRequest, GraphWorkerResponse } from './graphWorker';

/**
 * The main thread's side of the graph worker (src/serving/graphWorker.ts). The worker gets a copy of the
 * served GraphIndex when first asked about it (GraphIndex.toCompact: typed arrays, moved, not cloned) and
 * every later write to it (GraphIndex.onChange), posted in order before any query that follows the write,
 * so its answers are the main index's own: the same item numbers, the same values.
 */
export class GraphWorker {
  private worker: Worker | null = null;
  private index: GraphIndex | null = null;
  private token = 0;
  /** The copy the worker has finished building (rebuilding Gowalla's takes ~0.3 s; meanwhile callers compute in-thread). */
  private loaded = -1;
  /** Queries the worker has answered (the rest were computed in-thread while it built its copy). */
  answered = 0;
  private loadWaiters: { token: number; resolve: () => void; reject: (err: Error) => void }[] = [];
  private nextId = 1;
  private waiting = new Map<number, { resolve: (r: GraphWorkerResponse) => void; reject: (err: Error) => void }>();

  constructor(private readonly log: Logger) {}

  private start(): Worker {
    const worker = startWorker(path.join(__dirname, 'graphWorker'));
    worker.on('message', (msg: GraphWorkerResponse) => {
      if (msg.type === 'loaded') {
        this.loaded = msg.token;
        for (const w of this.loadWaiters.filter((x) => x.token <= msg.token)) w.resolve();
        this.loadWaiters = this.loadWaiters.filter((x) => x.token > msg.token);
        return;
      }
      if (msg.id === null) {
        this.fail(new Error((msg as { message: string }).message));
        return;
      }
      const w = this.waiting.get(msg.id);
      this.waiting.delete(msg.id);
      if (this.waiting.size === 0) worker.unref();
      if (msg.type === 'error') w?.reject(new Error(msg.message));
      else {
        this.answered++;
        w?.resolve(msg);
      }
    });
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.fail(new Error(`graph worker exited with code ${code}`));
    });
    worker.unref();
    return worker;
  }

  /** Rejects every waiting query and forgets the worker and its copy (the next query starts afresh). */
  private fail(err: Error): void {
    this.log.error({ err }, 'graph worker failed; restarting on the next query');
    const w = this.worker;
    this.worker = null;
    if (this.index) this.index.onChange = null;
    this.index = null;
    this.loaded = -1;
    for (const w of this.loadWaiters) w.reject(err);
    this.loadWaiters = [];
    for (const x of this.waiting.values()) x.reject(err);
    this.waiting.clear();
    void w?.terminate();
  }

  /** Makes the worker hold a copy of `graph` (posted once per index object; its writes follow). */
  private attach(worker: Worker, graph: GraphIndex): number {
    if (this.index === graph) return this.token;
    if (this.index) this.index.onChange = null;
    const token = ++this.token;
    const compact = graph.toCompact();
    // the arrays are toCompact's own copies: moved to the worker, not cloned
    worker.postMessage({ type: 'load', token, compact } satisfies GraphWorkerRequest, [
      compact.offsets, compact.items, compact.weights, compact.kinds, compact.followOffsets, compact.follows, compact.userDeg, compact.itemDeg,
    ].map((a) => a.buffer as ArrayBuffer));
    graph.onChange = (change) => this.worker?.postMessage({ type: 'change', token, change } satisfies GraphWorkerRequest);
    this.index = graph;
    return token;
  }

  /** Starts the worker and gives it its copy of `graph` ahead of the first query; resolves when the copy is built. */
  prepare(graph: GraphIndex): Promise<void> {
    const worker = (this.worker ??= this.start());
    const token = this.attach(worker, graph);
    if (this.loaded === token) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.loadWaiters.push({ token, resolve, reject });
      worker.ref(); // until the copy is built
    }).finally(() => {
      if (this.waiting.size === 0 && this.loadWaiters.length === 0) this.worker?.unref();
    });
  }

  /**
   * GraphIndex.userProximity of `graph`, computed on the worker; here while the worker is still building its
   * copy (at start and after each refresh of the index), so no request waits for that.
   */
  async userProximity(graph: GraphIndex, userId: string, params: NeighbourhoodParams, maxUserItems: number, maxCoUsers: number,
    limit: number, also: string[]): Promise<ProximityRow[]> {
    const on = this.ready(graph);
    if (!on) return graph.userProximity(userId, params, maxUserItems, maxCoUsers, limit, also);
    const r = await this.ask(on.worker, { type: 'proximity', id: this.nextId++, token: on.token, userId, params, maxUserItems, maxCoUsers, limit, also });
    if (r.type !== 'proximity') throw new Error(`graph worker answered ${r.type} to a proximity query`);
    return Array.from(r.items, (item, k) => ({ id: graph.itemIdOf(item), proximity: r.proximity[k], item }));
  }

  /**
   * GraphIndex.bestVia of `graph` (the evidence paths of a page), computed on the worker; here while the
   * worker is still building its copy.
   */
  async bestVia(graph: GraphIndex, userId: string, itemIds: string[], maxUserItems: number): Promise<Map<string, ViaPath>> {
    const on = this.ready(graph);
    if (!on) return graph.bestVia(userId, itemIds, maxUserItems);
    const r = await this.ask(on.worker, { type: 'via', id: this.nextId++, token: on.token, userId, itemIds, maxUserItems });
    if (r.type !== 'via') throw new Error(`graph worker answered ${r.type} to a via query`);
    return new Map(r.via);
  }

  /**
   * The worker and the token of its copy of `graph` when that copy is built; null when the caller must compute
   * in-thread: the copy is still building (it was posted now, or after a refresh), or the request began before
   * a refresh and still holds the older index (answered here, without swapping that index back in).
   */
  private ready(graph: GraphIndex): { worker: Worker; token: number } | null {
    if (this.index && graph.serial < this.index.serial) return null;
    const worker = (this.worker ??= this.start());
    const token = this.attach(worker, graph);
    return this.loaded === token ? { worker, token } : null;
  }

  private ask(worker: Worker, req: Extract<GraphWorkerRequest, { id: number }>): Promise<GraphWorkerResponse> {
    return new Promise<GraphWorkerResponse>((resolve, reject) => {
      this.waiting.set(req.id, { resolve, reject });
      worker.ref();
      worker.postMessage(req satisfies GraphWorkerRequest);
    });
  }

  /** Stops the worker. */
  async dispose(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (this.index) this.index.onChange = null;
    this.index = null;
    for (const x of this.waiting.values()) x.reject(new Error('graph worker stopped'));
    this.waiting.clear();
    await w?.terminate();
  }
}
