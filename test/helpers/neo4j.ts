import { createExecutor, Executor } from '../../src/db/executor';
import { applySchema } from '../../src/db/schema';

/** Port of the local test instance (scripts/neo4j.mjs --instance test), NEO4J_TEST_BOLT_PORT or 7688. */
export const TEST_BOLT_PORT = Number(process.env.NEO4J_TEST_BOLT_PORT || 7688);

/** Bolt URI of the test Neo4j: NEO4J_TEST_URI, or the local test instance. */
export const TEST_URI = process.env.NEO4J_TEST_URI || `bolt://127.0.0.1:${TEST_BOLT_PORT}`;

/**
 * Connects to the test Neo4j: NEO4J_TEST_URI (with NEO4J_TEST_USER/NEO4J_TEST_PASSWORD) when set,
 * otherwise the project's local test instance that `npm test` starts (scripts/neo4j.mjs --instance test).
 * Never the development graph: the tests delete everything in the database they use.
 */
export function testExecutor(overrides: { neo4jUri?: string; neo4jWaitMs?: number } = {}): Executor {
  return createExecutor({
    neo4jUri: TEST_URI,
    neo4jUser: process.env.NEO4J_TEST_USER || 'neo4j',
    neo4jPassword: process.env.NEO4J_TEST_PASSWORD || 'interest-graph-dev',
    neo4jDatabase: process.env.NEO4J_TEST_DATABASE || undefined,
    ...overrides,
  });
}

/** Deletes every node and relationship (in batches), then re-applies the schema. */
export async function resetGraph(db: Executor): Promise<void> {
  await db.schema('MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS');
  await applySchema(db);
}

/** Counts nodes by label and relationships by type, for exact assertions after imports. */
export async function graphCounts(db: Executor): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const session = db.driver.session({ database: db.database });
  try {
    const nodes = await session.run('MATCH (n) UNWIND labels(n) AS l RETURN l AS k, count(*) AS c');
    for (const r of nodes.records) out[r.get('k')] = Number(r.get('c'));
    const rels = await session.run('MATCH ()-[r]->() RETURN type(r) AS k, count(*) AS c');
    for (const r of rels.records) out[r.get('k')] = Number(r.get('c'));
  } finally {
    await session.close();
  }
  return out;
}
