import neo4j, { Driver, ManagedTransaction, RecordShape, QueryResult, isRetriableError } from 'neo4j-driver';
import type { Config } from '../config';
import { cypher } from './cypher';
import { mapNeo4jError } from './errors';
import { enableTcpNoDelay } from './noDelay';

/** Counts statements sent, e.g. per GraphQL request, to prove that work does not grow with page size. */
export interface StatementCounter {
  count: number;
}

/**
 * Observes every named statement this process sends (src/metrics.ts subscribes): its file name, the seconds
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

/** Runs named statements in managed transactions; every driver access goes through here. */
export class Executor {
  /** @param retryMs how long a failing read is retried (the driver's maxTransactionRetryTime for managed transactions) */
  constructor(readonly driver: Driver, readonly database?: string, readonly retryMs = 5_000) {}

  /** The database reads go to: the configured one, else the server's home database, resolved once. */
  private readDatabase: Promise<string | undefined> | null = null;

  /**
   * Runs a named read statement and returns its records as objects. One statement is atomic on its own,
   * so it runs as an auto-commit read (RUN + PULL in one round trip) rather than a managed transaction
   * (BEGIN, RUN, PULL, COMMIT), in a session with the database named (an unnamed one costs the driver a
   * home-database resolution per session), closed after the statement. Sessions are not reused: a driver
   * session keeps every result it ran until it is closed, so a reused one held every record read through it
   * (measured: the user profiles of all requests stayed on the heap, and the process grew by megabytes a
   * second under load); with the database named, a new session per statement costs the same CPU as a reused
   * one (measured on this machine: 182 against 176 µs of CPU per `RETURN` of 256 numbers). Retriable failures
   * (a leader switch, a dropped connection) are retried with exponential backoff for up to `retryMs`, as the
   * driver's managed transactions are.
   */
  async read<T extends RecordShape = RecordShape>(name: string, params: Record<string, unknown> = {}, counter?: StatementCounter): Promise<T[]> {
    if (counter) counter.count++;
    const text = cypher(name);
    const t0 = performance.now();
    const deadline = Date.now() + this.retryMs;
    const database = await this.resolveReadDatabase();
    for (let delay = 50; ; delay *= 2) {
      const wait = delay * (0.8 + 0.4 * Math.random());
      const session = this.driver.session({ database, defaultAccessMode: neo4j.session.READ });
      try {
        const res: QueryResult<T> = await session.run<T>(text, params);
        observed(name, t0, false);
        return res.records.map((r) => r.toObject() as T);
      } catch (err) {
        if (!isRetriableError(err) || Date.now() + wait > deadline) {
          observed(name, t0, true);
          throw mapNeo4jError(err);
        }
      } finally {
        await session.close().catch(() => undefined);
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

  /** Runs `work` in one managed read transaction (retried by the driver on transient errors). */
  async readTx<R>(work: (tx: ManagedTransaction) => Promise<R>): Promise<R> {
    const session = this.driver.session({ database: this.database, defaultAccessMode: neo4j.session.READ });
    try {
      return await session.executeRead(work);
    } catch (err) {
      throw mapNeo4jError(err);
    } finally {
      await session.close();
    }
  }

  /** Runs `work` in one managed write transaction: all of it commits, or none of it. */
  async writeTx<R>(work: (tx: ManagedTransaction) => Promise<R>): Promise<R> {
    const session = this.driver.session({ database: this.database, defaultAccessMode: neo4j.session.WRITE });
    try {
      return await session.executeWrite(work);
    } catch (err) {
      throw mapNeo4jError(err);
    } finally {
      await session.close();
    }
  }

  /** Runs a schema statement (DDL) outside an explicit transaction, as Neo4j requires. */
  async schema(statement: string): Promise<void> {
    const session = this.driver.session({ database: this.database, defaultAccessMode: neo4j.session.WRITE });
    try {
      await session.run(statement);
    } catch (err) {
      throw mapNeo4jError(err);
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
  try {
    res = await tx.run<T>(cypher(name), params);
  } catch (err) {
    observed(name, t0, true);
    throw err;
  }
  observed(name, t0, false);
  return res.records.map((r) => r.toObject() as T);
}

/** Creates the driver for a configuration (integers come back as JS numbers where they fit). */
export function createExecutor(config: Pick<Config, 'neo4jUri' | 'neo4jUser' | 'neo4jPassword' | 'neo4jDatabase'>): Executor {
  enableTcpNoDelay();
  const driver = neo4j.driver(config.neo4jUri, neo4j.auth.basic(config.neo4jUser, config.neo4jPassword), {
    disableLosslessIntegers: true,
    maxConnectionPoolSize: 100,
    connectionAcquisitionTimeout: 10_000,
    connectionTimeout: 5_000,
    maxTransactionRetryTime: 5_000,
  });
  return new Executor(driver, config.neo4jDatabase);
}
