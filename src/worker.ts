import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread on one of this project's modules, given its path without extension: the compiled
 * `.js` when running from dist, or the `.ts` source through tsx's require hook when the project runs from
 * source (ts-jest, tsx), where Node could not load the module itself.
 */
export function startWorker(modulePath: string, workerData?: unknown): Worker {
  const fromSource = __filename.endsWith('.ts');
  const file = `${modulePath}.${fromSource ? 'ts' : 'js'}`;
  return fromSource
    ? new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(file)});`, { eval: true, workerData })
    : new Worker(file, { workerData });
}
