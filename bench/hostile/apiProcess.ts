/**
 * The API as a separate process for the soak, fault and fuzz runs: `dist/src/cli/start.js` (what `npm start`
 * runs, with its node flags) as a child, against the configured Neo4j, on PORT; its RSS read from /proc.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { PROJECT_ROOT } from '../../src/paths';

/** A running API child process. */
export interface ApiProcess {
  child: ChildProcess;
  pid: number;
  /** Base URL, e.g. http://127.0.0.1:4100 (GraphQL at /graphql). */
  base: string;
  /** Resident set size of the process, MB (from /proc/<pid>/status). */
  rssMb(): number;
  /** SIGTERM (a clean stop), then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once (a crash); resolves when it has exited. */
  kill(): Promise<void>;
  /** Resolves with the exit code or signal when the process ends. */
  exited: Promise<string>;
}

/** Reads VmRSS of a process in MB (NaN when it is gone). */
export function rssMbOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Starts the built API (`npm run build` first) with `env` added to this process's environment, its stderr
 * appended to `logFile`, and waits until GET /readyz answers 200 (at most `readyTimeoutMs`).
 */
export async function startApi(opts: { port: number; env?: Record<string, string>; logFile: string; readyTimeoutMs?: number }): Promise<ApiProcess> {
  const script = path.join(PROJECT_ROOT, 'dist', 'src', 'cli', 'start.js');
  if (!fs.existsSync(script)) throw new Error(`${script} is missing: run npm run build first`);
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const log = fs.openSync(opts.logFile, 'a');
  const child = spawn(process.execPath, [script], {
    cwd: PROJECT_ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...opts.env, PORT: String(opts.port) }, stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? String(code))));
  const base = `http://127.0.0.1:${opts.port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 600_000);
  let gone: string | null = null;
  void exited.then((x) => { gone = x; });
  for (;;) {
    if (gone !== null) throw new Error(`the API exited (${gone}) before it was ready; see ${opts.logFile}`);
    try {
      const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the API was not ready within ${opts.readyTimeoutMs ?? 600_000} ms; see ${opts.logFile}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const pid = child.pid!;
  return {
    child, pid, base, exited,
    rssMb: () => rssMbOf(pid),
    async stop(graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
