import cliProgress from 'cli-progress';

/** A progress bar with rate and ETA on stderr; quiet (no-op) when stderr is not a terminal unless forced. */
export interface Progress {
  increment(n?: number, payload?: Record<string, string | number>): void;
  update(value: number, payload?: Record<string, string | number>): void;
  setTotal(total: number): void;
  stop(): void;
}

/**
 * Starts a progress bar. In CI or when piped, a line is printed at most every few seconds instead
 * of redrawing, so logs stay readable.
 */
export function startProgress(label: string, total: number, unit = 'items', extra = ''): Progress {
  const format = `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted}${extra ? ' | ' + extra : ''}`;
  const bar = new cliProgress.SingleBar(
    {
      format,
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      etaBuffer: 50,
      hideCursor: true,
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  const t0 = Date.now();
  let value = 0;
  const rate = () => {
    const s = (Date.now() - t0) / 1000;
    return s > 0 ? Math.round(value / s).toLocaleString('en') : '0';
  };
  bar.start(total, 0, { rate: '0' });
  return {
    increment(n = 1, payload = {}) {
      value += n;
      bar.update(value, { ...payload, rate: rate() });
    },
    update(v, payload = {}) {
      value = v;
      bar.update(v, { ...payload, rate: rate() });
    },
    setTotal(t) {
      bar.setTotal(t);
    },
    stop() {
      bar.update(value, { rate: rate() });
      bar.stop();
    },
  };
}
