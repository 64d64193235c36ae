/**
 * The graph neighbourhood term on a worker thread (started by src/serving/graphWorkerClient.ts): holds a
 * copy of the served GraphIndex, applies the same writes in the same order as the main thread's, and
 * answers userProximity queries, so that the API's event loop does not spend about a millisecond per
 * request (a quarter of its time under load) expanding co-interaction paths. Item numbers are the main
 * index's, so answers are item numbers and values, not ids.
 */
import { parentPort } from 'node:worker_threads';
import { GraphIndex, type GraphChange, type GraphCompact, type NeighbourhoodParams, type ViaPath } from './graphIndex';

/** The main thread's messages; `token` names the copy a message belongs to (a new index gets a new token). */
export type GraphWorkerRequest =
  | { type: 'load'; token: number; compact: GraphCompact }
  | { type: 'change'; token: number; change: GraphChange }
  | {
    type: 'proximity'; id: number; token: number; userId: string; params: NeighbourhoodParams;
    maxUserItems: number; maxCoUsers: number; limit: number; also: string[];
  }
  | { type: 'via'; id: number; token: number; userId: string; itemIds: string[]; maxUserItems: number };

/** The worker's answers. */
export type GraphWorkerResponse =
  | { type: 'loaded'; token: number }
  | { type: 'proximity'; id: number; items: Int32Array; proximity: Float64Array }
  | { type: 'via'; id: number; via: [string, ViaPath][] }
  | { type: 'error'; id: number | null; message: string };

const port = parentPort;
let index: GraphIndex | null = null;
let token = -1;

function handle(m: GraphWorkerRequest): void {
  if (m.type === 'load') {
    index = GraphIndex.fromCompact(m.compact);
    token = m.token;
    port!.postMessage({ type: 'loaded', token } satisfies GraphWorkerResponse);
    return;
  }
  if (m.type === 'change') {
    if (index && m.token === token) index.apply(m.change);
    return;
  }
  if (!index || m.token !== token) {
    port!.postMessage({ type: 'error', id: m.id, message: `graph worker: no copy of graph ${m.token} (holding ${token})` } satisfies GraphWorkerResponse);
    return;
  }
  if (m.type === 'via') {
    port!.postMessage({ type: 'via', id: m.id, via: [...index.bestVia(m.userId, m.itemIds, m.maxUserItems)] } satisfies GraphWorkerResponse);
    return;
  }
  const rows = index.userProximity(m.userId, m.params, m.maxUserItems, m.maxCoUsers, m.limit, m.also);
  const items = Int32Array.from(rows, (r) => r.item);
  const proximity = Float64Array.from(rows, (r) => r.proximity);
  port!.postMessage({ type: 'proximity', id: m.id, items, proximity } satisfies GraphWorkerResponse, [items.buffer, proximity.buffer]);
}

if (port) {
  port.on('message', (m: GraphWorkerRequest) => {
    try {
      handle(m);
    } catch (err) {
      port.postMessage({ type: 'error', id: m.type === 'proximity' || m.type === 'via' ? m.id : null, message: (err as Error).stack ?? String(err) } satisfies GraphWorkerResponse);
    }
  });
}
