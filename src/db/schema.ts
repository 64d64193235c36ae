import type { Executor } from './executor';
import { cypherStatements } from './cypher';

/** Applies the uniqueness constraints and indexes of cypher/schema idempotently and waits for them to come online. */
export async function applySchema(db: Executor): Promise<void> {
  for (const file of ['schema/constraints', 'schema/indexes']) {
    for (const statement of cypherStatements(file)) {
      await db.schema(statement);
    }
  }
  await db.schema('CALL db.awaitIndexes(300)');
}
