/**
 * Fitting the interest model on a worker thread, so that a server that trains (the admin `train`
 * mutation of `npm start`) keeps answering while it does: fitGraph's basis build and epochs run for
 * minutes on Gowalla, much of it in synchronous TensorFlow.js calls that would otherwise hold the API's
 * event loop. The graph goes to the worker and the trained model comes back by structured clone (typed
 * arrays and id lists); progress reports and cancellation cross as messages.
 *
 * This file is both sides: `fitGraphInWorker` (the main thread's FitGraph) and, when loaded as a worker,
 * the worker's entry that runs src/model/interestModel.ts fitGraph.
 */
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { startWorker } from '../worker';
import type { FitGraph, FitGraphOptions } from './trainJob';
import type { HeteroGraph } from '../graph/types';
import type { TrainedModel } from './types';
import { createLogger } from '../log';

type ToWorker = { type: 'fit'; graph: HeteroGraph; opts: Record<string, unknown> } | { type: 'cancel' };
type FromWorker =
  | { type: 'progress'; info: Record<string, number> }
  | { type: 'result'; model: TrainedModel }
  | { type: 'error'; message: string; name: string };

/** The options that can cross to the worker: everything but the logger, the signal and the progress callback. */
function cloneableOptions(opts: FitGraphOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(opts)) if (k !== 'logger' && k !== 'signal' && k !== 'onProgress' && typeof v !== 'function') out[k] = v;
  return out;
}

/** fitGraph (src/model/interestModel.ts) on a worker thread: the same result, with the caller's event loop free. */
export const fitGraphInWorker: FitGraph = (graph: HeteroGraph, opts: FitGraphOptions = {}): Promise<TrainedModel> => {
  const worker = startWorker(path.join(__dirname, 'fitWorker'), { fitWorker: true });
  return new Promise<TrainedModel>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = () => {
      worker.postMessage({ type: 'cancel' } satisfies ToWorker);
      // the model checks the signal between steps; a step that does not end soon is cut short
      setTimeout(() => finish(() => reject(new Error('training cancelled'))), 10_000).unref();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (msg: FromWorker) => {
      if (msg.type === 'progress') opts.onProgress?.(msg.info);
      else if (msg.type === 'result') finish(() => resolve(msg.model));
      else {
        const err = new Error(msg.message);
        err.name = msg.name;
        finish(() => reject(err));
      }
    });
    worker.on('error', (err) => finish(() => reject(err)));
    worker.on('exit', (code) => finish(() => reject(new Error(`the training worker exited with code ${code} before returning a model`))));
    worker.postMessage({ type: 'fit', graph, opts: cloneableOptions(opts) } satisfies ToWorker);
  });
};

if (parentPort && (workerData as { fitWorker?: boolean } | null)?.fitWorker) {
  const port = parentPort;
  const controller = new AbortController();
  const log = createLogger().child({ component: 'fit-worker' });
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'cancel') {
      controller.abort();
      return;
    }
    // loaded here, not at the top: the main thread side of this module must not pull in TensorFlow.js
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { fitGraph } = require('./interestModel') as typeof import('./interestModel');
    (async () => {
      const model = await fitGraph(msg.graph, {
        ...msg.opts, logger: log, signal: controller.signal,
        onProgress: (info) => port.postMessage({ type: 'progress', info } satisfies FromWorker),
      });
      return model;
    })().then((model) => port.postMessage({ type: 'result', model } satisfies FromWorker))
      .catch((err: Error) => port.postMessage({ type: 'error', message: err.message, name: err.name } satisfies FromWorker));
  });
}
