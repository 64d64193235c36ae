import { Executor } from '../../src/db/executor';
import { applySchema } from '../../src/db/schema';
import { resetGraph, testExecutor } from '../helpers/neo4j';

describe('db/schema: constraints and indexes', () => {
  let db: Executor;
  beforeAll(async () => {
    db = testExecutor();
    await resetGraph(db);
  });
  afterAll(async () => db.close());

  it('creates the uniqueness constraints of the graph model', async () => {
    const rows = await db.driver.executeQuery('SHOW CONSTRAINTS YIELD name, labelsOrTypes, properties, type RETURN name, labelsOrTypes, properties, type');
    const got = rows.records.map((r) => `${r.get('labelsOrTypes')[0]}(${r.get('properties').join(',')}):${r.get('type')}`).sort();
    expect(got).toEqual([
      'Category(name):UNIQUENESS',
      'Context(kind,value):UNIQUENESS',
      'Item(id):UNIQUENESS',
      'Model(version):UNIQUENESS',
      'User(id):UNIQUENESS',
    ]);
  });

  it('is idempotent: applying it again changes nothing', async () => {
    const before = await db.driver.executeQuery('SHOW INDEXES YIELD name RETURN count(*) AS n');
    await applySchema(db);
    const after = await db.driver.executeQuery('SHOW INDEXES YIELD name RETURN count(*) AS n');
    expect(Number(after.records[0].get('n'))).toBe(Number(before.records[0].get('n')));
  });

  it('rejects a duplicate user id', async () => {
    await db.driver.executeQuery("CREATE (:User {id: 'dup'})");
    await expect(db.driver.executeQuery("CREATE (:User {id: 'dup'})")).rejects.toThrow(/already exists/);
  });
});
