import pino from 'pino';

/** Structured logs (pino) on stderr, so stdout stays free for command output. */
export type Logger = pino.Logger;

/** How log lines are written: JSON objects (production, files, collectors) or pino-pretty's coloured lines (a terminal). */
export type LogFormat = 'json' | 'pretty';

/**
 * Creates the root logger (format from config.logFormat: JSON lines, or pino-pretty on a worker thread);
 * components take children of it with `logger.child({ component })`.
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', format: LogFormat = 'json'): Logger {
  const options: pino.LoggerOptions = { level, base: { app: 'interest-graph' }, timestamp: pino.stdTimeFunctions.isoTime };
  if (format === 'pretty') {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { destination: 2, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,app' } } });
  }
  return pino(options, pino.destination(2));
}
