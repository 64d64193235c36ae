import neo4j, { Driver, ManagedTransaction, RecordShape, QueryResult } from 'neo4j-driver';
import type { Config } from '../config';
import { cypher } from './cypher';
import { mapNeo4jError } from './errors';
import { enableTcpNoDelay } from './noDelay';

/** Counts statements sent, e.g. per GraphQL request, to prove that work does not grow with page size. */
export interface StatementCounter {
  count: number;
}

/** Runs named statements in managed transactions; every driver access goes through here. */
export class Executor {
  constructor(readonly driver: Driver, readonly database?: string) {}

  /** Runs a named read statement in a managed read transaction and returns its records as objects. */
  async read<T extends RecordShape = RecordShape>(name: string, params: Record<string, unknown> = {}, counter?: StatementCounter): Promise<T[]> {
    return this.readTx((tx) => run<T>(tx, name, params, counter));
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
  const res: QueryResult<T> = await tx.run<T>(cypher(name), params);
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
