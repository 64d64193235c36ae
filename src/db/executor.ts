import { AsyncLocalStorage } from 'node:async_hooks';
import neo4j, { Driver, Session, ManagedTransaction, Neo4jError, RecordShape, QueryResult, Transaction, isRetriableError } from 'neo4j-driver';
import type { Config } from '../config';
import { cypher } from './cypher';
import { DatabaseUnavailableError, mapNeo4jError } from './errors';
import { enableTcpNoDelay } from './noDelay';

/** Counts statements sent, e.g. per GraphQL request, to prove that work does not grow with page size. */
export interface StatementCounter {
  count: number;
}

/**
 * Observes every named statement this process sends (src/api/serviceMetrics.ts subscribes): its file name, the seconds
 * until its records were in (retries included) and whether it failed.
 */
export type StatementObserver = (name: string, seconds: number, failed: boolean) => void;

const statementObservers = new Set<StatementObserver>();

/** Subscribes to every named statement of the process; returns the unsubscribe function. */
export function observeStatements(observer: StatementObserver): () => void {
  statementObservers.add(observer);
  return () => statementObservers.delete(observer);
}

function observed(name: string, t0: number, failed: boolean): void {
  if (statementObservers.size === 0) return;
  const seconds = (performance.now() - t0) / 1000;
  for (const o of statementObservers) o(name, seconds, failed);
}

/** Default bound (ms) of every wait on Neo4j: a connection, a pooled connection, the retries of one statement. */
export const DEFAULT_NEO4J_WAIT_MS = 3_000;

/** While Neo4j is known to be unreachable, a statement's retries end within this (ms): requests fail fast. */
const DOWN_RETRY_MS = 250;

/**
 * How long (ms) after Neo4j was last found unreachable (or slow to answer while unsettled) statements stay bounded:
 * a restarted Neo4j answers its first statements slowly for several seconds (cold plan cache and JIT).
 */
export const UNSETTLED_MS = 30_000;

/**
 * While unsettled, a statement waits (within its request's bound, then DATABASE_UNAVAILABLE) while this many cut
 * statements are still running on Neo4j: each retry of a request would otherwise add one more cold statement to a
 * Neo4j already behind, and a refusal at once has its client send the request again at once (a retry storm that
 * takes the CPU a restarted Neo4j needs to plan).
 */
const MAX_ABANDONED = 2;

/** How many statements the plan warm-up sends to Neo4j at once. */
const WARM_CONCURRENCY = 2;

/**
 * The parameters each named statement last ran with for a request of this process (withNeo4jDeadline), how often it
 * ran, and whether its transaction had written before it: with its text, the key of its plan in Neo4j's cache
 * (parameter types and sizes, transaction changes). warmPlans runs them again.
 */
const lastRuns = new Map<string, { params: Record<string, unknown>; afterWrite: boolean; runs: number }>();

/** Remembers a statement's run (see lastRuns). */
function ran(name: string, params: Record<string, unknown>, afterWrite: boolean): void {
  if (!requestScope.getStore()) return;
  lastRuns.set(name, { params, afterWrite, runs: (lastRuns.get(name)?.runs ?? 0) + 1 });
}

/** Transactions that have written (their later statements are planned for a transaction with changes). */
const wrote = new WeakSet<object>();

/** Errors of statements this executor cut or refused while Neo4j was unsettled (not a sign that it is down). */
const notAnswered = new WeakSet<Error>();

function notAnswering(message: string): DatabaseUnavailableError {
  const err = new DatabaseUnavailableError(message);
  notAnswered.add(err);
  return err;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The deadline (epoch ms) of the API request a statement is sent for, if any. */
const requestScope = new AsyncLocalStorage<{ deadline: number }>();

/**
 * Runs `fn` as one API request whose Neo4j waits, while Neo4j is unsettled (see Executor), end `ms` from now in
 * total, over all its statements.
 */
export function withNeo4jDeadline<T>(ms: number, fn: () => T): T {
  return requestScope.run({ deadline: Date.now() + ms }, fn);
}

/** The deadline (epoch ms) of the request the caller runs for, or null outside one. */
export function requestDeadline(): number | null {
  return requestScope.getStore()?.deadline ?? null;
}

/** Runs `fn` outside any request's deadline: for work a request starts that outlives it (timers, training runs). */
export function detachedFromRequest<T>(fn: () => T): T {
  return requestScope.exit(fn);
}

/**
 * Runs named statements in transactions; every driver access goes through here. Every wait is bounded: the
 * driver's connection and pool-acquisition timeouts and the retries of a statement are each at most `retryMs`.
 * Once a statement found Neo4j unreachable, later statements retry for at most DOWN_RETRY_MS until one succeeds,
 * and Neo4j is unsettled for UNSETTLED_MS from the last such failure (or cut statement): meanwhile a request's
 * statements (withNeo4jDeadline) are cut at its deadline, so requests fail fast while Neo4j is down and while it
 * is still slow after its return (its planner and JIT are cold). Only the wait is cut: Neo4j finishes the statement
 * (and caches its plan), and a cut write is never committed. When Neo4j returns, the statements requests ran are
 * run again at once, as they last ran, and rolled back (warmPlans), so that the first requests find their plans.
 */
export class Executor {
  /** @param retryMs how long a failing statement is retried (also the driver's timeouts, see createExecutor) */
  constructor(readonly driver: Driver, readonly database?: string, readonly retryMs = DEFAULT_NEO4J_WAIT_MS) {}

  /** True after a statement failed because Neo4j was unreachable, until the next statement succeeds. */
  private down = false;

  /** Until when (epoch ms) statements are bounded: UNSETTLED_MS after the last unreachable or cut statement. */
  private unsettledUntil = 0;

  /** True while Neo4j is down or unsettled: within UNSETTLED_MS of the last unreachable or cut statement. */
  get unsettled(): boolean {
    return this.down || Date.now() < this.unsettledUntil;
  }

  private warming: Promise<void> | null = null;

  /** Statements cut by their request that Neo4j is still working on. */
  private abandoned = 0;

  /** When retries of a statement started now must end. */
  private retryDeadline(): number {
    return Date.now() + (this.down ? Math.min(DOWN_RETRY_MS, this.retryMs) : this.retryMs);
  }

  private succeeded(): void {
    if (this.down) {
      this.down = false;
      void this.warmPlans();
    }
  }

  /** Maps a driver error, remembering when it says that Neo4j is unreachable. */
  private failed(err: unknown): unknown {
    if (err instanceof Error && notAnswered.has(err)) return err; // cut or refused here: Neo4j did not say it is down
    const mapped = mapNeo4jError(err);
    if (mapped instanceof DatabaseUnavailableError) {
      this.down = true;
      this.unsettledUntil = Date.now() + UNSETTLED_MS;
    }
    return mapped;
  }

  /**
   * How long (ms) a statement started now may take, or null when it is not bounded. For a request
   * (withNeo4jDeadline) while Neo4j is down or unsettled: the time left to the request's deadline. For other work
   * while Neo4j is down: half of retryMs. Otherwise none: a long statement of a healthy server (an import batch, the
   * graph extraction of a training run, even one started right after an outage) is not cut.
   */
  private bound(): number | null {
    const scope = requestScope.getStore();
    if (scope && this.unsettled) return Math.max(0, scope.deadline - Date.now());
    return this.down ? Math.max(DOWN_RETRY_MS, Math.floor(this.retryMs / 2)) : null;
  }

  /**
   * Runs again, now and in the background, each statement that requests of this process have run, with the parameters
   * and the transaction state of its last run, in a transaction rolled back: Neo4j caches an executable plan per
   * statement text, parameter types and whether the transaction has written, and an EXPLAIN has a cache entry of its
   * own, so only a run makes the plan a request will use. Called whenever Neo4j returns after being unreachable.
   * Never throws: a statement that cannot run here is planned by its next request.
   */
  warmPlans(): Promise<void> {
    this.warming ??= detachedFromRequest(async () => {
      // the most frequent first: the statements of most requests are planned soonest
      const queue = [...lastRuns].map(([name, last]) => ({ name, ...last })).sort((x, y) => y.runs - x.runs);
      const worker = async () => {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
          const { name, params, afterWrite } = next;
          const session = this.driver.session({ database: this.database, defaultAccessMode: neo4j.session.WRITE });
          try {
            const tx = await session.beginTransaction();
            try {
              // a statement that ran after a write of its transaction is planned for a transaction with changes: an
              // unlabelled node made (and rolled back) gives this one changes without a new token or a lock on the graph
              if (afterWrite) await tx.run('CREATE ()');
              await tx.run(cypher(name), params);
            } finally {
              await tx.rollback().catch(() => undefined);
            }
          } catch {
            // Neo4j went away again, or the driver was closed: the statement's next request plans it
          } finally {
            await session.close().catch(() => undefined);
          }
        }
      };
      await Promise.all(Array.from({ length: WARM_CONCURRENCY }, worker));
    }).finally(() => {
      this.warming = null;
    });
    return this.warming;
  }

  /** The database reads go to: the configured one, else the server's home database, resolved once. */
  private readDatabase: Promise<string | undefined> | null = null;

  /**
   * Runs a named read statement as an auto-commit read (one round trip) in a new session with the database named,
   * closed after it (a reused driver session keeps every result it ran), and returns its records as objects;
   * retriable failures are retried with exponential backoff for up to `retryMs`.
   */
  async read<T extends RecordShape = RecordShape>(name: string, params: Record<string, unknown> = {}, counter?: StatementCounter): Promise<T[]> {
    if (counter) counter.count++;
    const text = cypher(name);
    ran(name, params, false);
    const t0 = performance.now();
    // as the driver's managed transactions: retries go on for the retry time from the first failure
    let deadline: number | null = null;
    const database = await this.resolveReadDatabase();
    for (let delay = 50; ; delay *= 2) {
      const wait = delay * (0.8 + 0.4 * Math.random());
      const session = this.driver.session({ database, defaultAccessMode: neo4j.session.READ });
      let timedOut = false;
      const bound = this.bound();
      let running: Promise<QueryResult<T>> | null = null;
      try {
        const res: QueryResult<T> = await this.bounded(bound, () => (running = session.run<T>(text, params)), () => {
          timedOut = true;
        });
        this.succeeded();
        observed(name, t0, false);
        return res.records.map((r) => r.toObject() as T);
      } catch (err) {
        deadline ??= this.retryDeadline();
        if (timedOut || !isRetriableError(err) || Date.now() + wait > deadline) {
          observed(name, t0, true);
          throw this.failed(err);
        }
      } finally {
        // a timed-out session is closed in the background, once its statement has ended
        if (timedOut) void Promise.resolve(running).catch(() => undefined).finally(() => session.close().catch(() => undefined));
        else await session.close().catch(() => undefined);
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  private resolveReadDatabase(): Promise<string | undefined> {
    if (this.database) return Promise.resolve(this.database);
    this.readDatabase ??= this.readTx((tx) => tx.run<{ name: string }>('CALL db.info() YIELD name RETURN name'))
      .then((r) => r.records[0]?.get('name') as string | undefined)
      .catch((err) => {
        this.readDatabase = null; // not cached: Neo4j may be down now and up on the next call
        throw err;
      });
    return this.readDatabase;
  }

  /** Runs a named write statement in a managed write transaction and returns its records as objects. */
  async write<T extends RecordShape = RecordShape>(name: string, params: Record<string, unknown> = {}, counter?: StatementCounter): Promise<T[]> {
    return this.writeTx((tx) => run<T>(tx, name, params, counter));
  }

  /** Runs `work` in one read transaction, retried on transient errors (see transaction). */
  async readTx<R>(work: (tx: ManagedTransaction) => Promise<R>): Promise<R> {
    return this.transaction(neo4j.session.READ, work);
  }

  /**
   * Runs `work` in one write transaction: all of it commits, or none of it. Retried (work may run again) on
   * transient errors before the commit; when the connection is lost during the commit the outcome is unknown
   * and it is not retried: the DatabaseUnavailableError says so (`commitUnknown`), never "nothing was written".
   */
  async writeTx<R>(work: (tx: ManagedTransaction) => Promise<R>): Promise<R> {
    return this.transaction(neo4j.session.WRITE, work);
  }

  private async transaction<R>(mode: typeof neo4j.session.READ | typeof neo4j.session.WRITE, work: (tx: ManagedTransaction) => Promise<R>): Promise<R> {
    // as the driver's managed transactions: retries go on for the retry time from the first failure
    let deadline: number | null = null;
    for (let delay = 50; ; delay *= 2) {
      const wait = delay * (0.8 + 0.4 * Math.random());
      const session = this.driver.session({ database: this.database, defaultAccessMode: mode });
      let tx: Transaction | null = null;
      let committing = false;
      let timedOut = false;
      const bound = this.bound();
      let attempt: Promise<R> | null = null;
      try {
        const start = () => (attempt = (async () => {
          const t = await session.beginTransaction();
          tx = t;
          try {
            // a Transaction runs statements as a ManagedTransaction does; work never commits or rolls back itself
            const result = await work(t as unknown as ManagedTransaction);
            if (timedOut) throw new DatabaseUnavailableError('Neo4j did not answer in time; the transaction was not committed');
            committing = true;
            await t.commit();
            return result;
          } catch (err) {
            // a cut attempt ends its own transaction once Neo4j answers (else it would stay open, holding its locks)
            if (timedOut && !committing && t.isOpen()) await t.rollback().catch(() => undefined);
            throw err;
          }
        })());
        const result = await this.bounded(bound, start, () => {
          timedOut = true;
        });
        this.succeeded();
        return result;
      } catch (err) {
        // a server's answer to COMMIT is a Neo4jError with a server code: then it did not commit; a lost connection
        // (or no answer in time) is not
        if (committing && mode === neo4j.session.WRITE && (timedOut || lostConnection(err))) {
          this.failed(err);
          throw new DatabaseUnavailableError(`Neo4j became unreachable while a write committed; it may have been applied: ${(err as Error).message}`, err, true);
        }
        const open = tx as Transaction | null;
        if (!timedOut && open?.isOpen()) await open.rollback().catch(() => undefined);
        deadline ??= this.retryDeadline();
        if (timedOut || !isRetriableError(err) || Date.now() + wait > deadline) throw this.failed(err);
      } finally {
        // a cut attempt's session is closed once the attempt has ended (its transaction rolled back), in the background
        if (timedOut) void Promise.resolve(attempt).catch(() => undefined).finally(() => session.close().catch(() => undefined));
        else await session.close().catch(() => undefined);
      }
      await sleep(wait);
    }
  }

  /**
   * `start()` itself when `ms` is null (Neo4j settled: a long statement of a healthy server, an import batch or the
   * graph extraction, is not cut); else it, failing with DatabaseUnavailableError when it has not answered within
   * `ms` (`onTimeout` runs first; a server that accepts connections while its database is still starting, or that
   * plans cold, holds queries without answering). A cut statement keeps Neo4j unsettled.
   */
  private async bounded<T>(ms: number | null, start: () => Promise<T>, onTimeout: () => void): Promise<T> {
    if (ms === null) return start();
    const deadline = Date.now() + ms;
    // while MAX_ABANDONED cut statements still run on Neo4j, a statement waits (within its bound) for one of them to
    // end rather than adding one more cold statement, or being refused at once and sent again by its client at once
    while (this.abandoned >= MAX_ABANDONED) {
      const left = deadline - Date.now();
      if (left <= 0) throw notAnswering(`Neo4j has not yet answered ${this.abandoned} earlier statements (it was unreachable shortly before)`);
      await this.statementEnded(left);
    }
    const left = deadline - Date.now();
    if (left <= 0) throw notAnswering('the request spent its time waiting for Neo4j (it was unreachable shortly before)');
    let timer: NodeJS.Timeout | undefined;
    const p = start();
    const cut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        onTimeout();
        this.unsettledUntil = Date.now() + UNSETTLED_MS;
        // Neo4j finishes it (caching its plan); until then it counts against MAX_ABANDONED
        this.abandoned++;
        void p.catch(() => undefined).finally(() => {
          this.abandoned--;
          for (const wake of [...this.waiting]) wake();
        });
        reject(notAnswering(`Neo4j did not answer within ${left} ms (it was unreachable shortly before)`));
      }, left);
    });
    return Promise.race([p, cut]).finally(() => clearTimeout(timer));
  }

  /** Statements waiting for a cut statement to end (see bounded). */
  private readonly waiting = new Set<() => void>();

  /** Resolves when a cut statement has ended on Neo4j, or after `ms`. */
  private statementEnded(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.waiting.add(wake);
    });
  }

  /** Runs a schema statement (DDL) outside an explicit transaction, as Neo4j requires. */
  async schema(statement: string): Promise<void> {
    const session = this.driver.session({ database: this.database, defaultAccessMode: neo4j.session.WRITE });
    try {
      await session.run(statement);
      this.succeeded();
    } catch (err) {
      throw this.failed(err);
    } finally {
      await session.close();
    }
  }

  /** Closes the driver and its connection pool. */
  async close(): Promise<void> {
    await this.driver.close();
  }
}

/** Runs the named statement inside an existing transaction and returns plain record objects. */
export async function run<T extends RecordShape = RecordShape>(tx: ManagedTransaction, name: string, params: Record<string, unknown> = {},
  counter?: StatementCounter): Promise<T[]> {
  if (counter) counter.count++;
  const t0 = performance.now();
  let res: QueryResult<T>;
  ran(name, params, wrote.has(tx));
  try {
    res = await tx.run<T>(cypher(name), params);
    if (res.summary.counters.containsUpdates()) wrote.add(tx);
  } catch (err) {
    observed(name, t0, true);
    throw err;
  }
  observed(name, t0, false);
  return res.records.map((r) => r.toObject() as T);
}

/**
 * Streams the named statement inside an existing transaction, calling `onRecord` per record as it arrives
 * (records are never collected into one array), and resolves with the record count; an abort stops the calls
 * and rejects once the stream has drained.
 */
export async function stream(tx: ManagedTransaction, name: string, params: Record<string, unknown>,
  onRecord: (get: (key: string) => unknown) => void, signal?: AbortSignal): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      tx.run(cypher(name), params).subscribe({
        onNext(record) {
          if (signal?.aborted) return; // drain quickly; the check after the stream rejects
          n++;
          onRecord((key) => record.get(key));
        },
        onCompleted: () => resolve(),
        onError: (err) => reject(err),
      });
    });
  } catch (err) {
    observed(name, t0, true);
    throw err;
  }
  observed(name, t0, false);
  if (signal?.aborted) throw new Error(`aborted while reading "${name}"`);
  return n;
}

/** True for a failure that is a lost or refused connection rather than an answer of the server. */
function lostConnection(err: unknown): boolean {
  if (err instanceof Neo4jError) return err.code === 'ServiceUnavailable' || err.code === 'SessionExpired';
  return err instanceof Error && /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|socket hang up|Pool is closed/.test(err.message);
}

/**
 * Creates the driver for a configuration (integers come back as JS numbers where they fit). `neo4jWaitMs`
 * (NEO4J_WAIT_MS) bounds opening a connection, waiting for a pooled one and retrying a statement.
 */
export function createExecutor(config: Pick<Config, 'neo4jUri' | 'neo4jUser' | 'neo4jPassword' | 'neo4jDatabase'> & Partial<Pick<Config, 'neo4jWaitMs'>>): Executor {
  enableTcpNoDelay();
  const waitMs = config.neo4jWaitMs ?? DEFAULT_NEO4J_WAIT_MS;
  const driver = neo4j.driver(config.neo4jUri, neo4j.auth.basic(config.neo4jUser, config.neo4jPassword), {
    disableLosslessIntegers: true,
    maxConnectionPoolSize: 100,
    connectionAcquisitionTimeout: waitMs,
    connectionTimeout: waitMs,
    maxTransactionRetryTime: waitMs,
  });
  return new Executor(driver, config.neo4jDatabase, waitMs);
}
