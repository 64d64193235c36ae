import pino from 'pino';

/** Structured JSON logs (pino) on stderr, so stdout stays free for command output. */
export type Logger = pino.Logger;

/** Creates the root logger; components take children of it with `logger.child({ component })`. */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { app: 'interest-graph' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));
}
