import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's CommonJS bundle registers no gradients (they ship only as ES modules); the umbrella package's
// node bundle registers them all (into the global registry shared with tfjs-core).
import '@tensorflow/tfjs';
import * as path from 'path';
import { createLogger, type Logger } from '../log';

/** The backends this project can run on, fastest first. */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

let chosen: Promise<BackendName> | undefined;

function tryRequire(name: string): boolean {
  try {
    // Optional dependencies: present only where libtensorflow could be downloaded at install time.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(name);
    return true;
  } catch {
    return false;
  }
}

async function pick(prefer: BackendName | undefined, log: Logger): Promise<BackendName> {
  const order: BackendName[] = prefer ? [prefer] : ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
  for (const name of order) {
    try {
      if (name === 'tensorflow-gpu') {
        // tfjs-node-gpu registers its backend under the name 'tensorflow'.
        if (!tryRequire('@tensorflow/tfjs-node-gpu')) continue;
        if (await tf.setBackend('tensorflow')) return name;
      } else if (name === 'tensorflow') {
        if (!tryRequire('@tensorflow/tfjs-node')) continue;
        if (await tf.setBackend('tensorflow')) return name;
      } else if (name === 'wasm') {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
        const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
        wasm.setWasmPaths(dir + path.sep);
        if (await tf.setBackend('wasm')) return name;
      } else {
        if (await tf.setBackend('cpu')) return name;
      }
    } catch (err) {
      log.warn({ backend: name, err: String(err) }, 'backend unavailable, trying the next one');
    }
  }
  throw new Error(`backend: none of ${order.join(', ')} could be initialised`);
}

/**
 * Chooses the TensorFlow.js backend once per process — tfjs-node-gpu, then tfjs-node, then wasm, then cpu —
 * and logs the choice; `prefer` (or env TFJS_BACKEND, read by the caller) forces one.
 */
export function initBackend(options: { prefer?: BackendName; logger?: Logger } = {}): Promise<BackendName> {
  if (!chosen) {
    const log = (options.logger ?? createLogger()).child({ component: 'backend' });
    chosen = pick(options.prefer, log).then((name) => {
      log.info({ backend: name, tfBackend: tf.getBackend() }, 'tensorflow.js backend chosen');
      return name;
    });
  }
  return chosen;
}

export { tf };
