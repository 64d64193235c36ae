/**
 * db/Executor against the real Neo4j: reads close every driver session they open (a driver session keeps each
 * result it ran until it is closed, so a reused or unclosed one would hold every record read through it).
 */
import type { Session } from 'neo4j-driver';
import type { Executor } from '../../src/db/executor';
import { testExecutor, resetGraph } from '../helpers/neo4j';

describe('db/executor: reads', () => {
  let db: Executor;
  beforeAll(async () => {
    db = testExecutor();
    await resetGraph(db);
    await db.driver.executeQuery('UNWIND range(1, 5) AS k CREATE (:Item {id: "i" + k, title: "item " + k})');
  });
  afterAll(async () => {
    await db?.close();
  });

  it('closes every session it opens, after a result and after an error, and answers concurrent reads', async () => {
    const opened: Session[] = [];
    const closed = new Set<Session>();
    const original = db.driver.session.bind(db.driver);
    db.driver.session = ((config) => {
      const s = original(config);
      opened.push(s);
      const close = s.close.bind(s);
      s.close = () => {
        closed.add(s);
        return close();
      };
      return s;
    }) as typeof db.driver.session;
    try {
      const rows = await Promise.all(Array.from({ length: 40 }, (_, k) => db.read<{ id: string }>('api/itemsByIds', { ids: [`i${(k % 5) + 1}`] })));
      expect(rows.map((r) => r[0].id)).toEqual(Array.from({ length: 40 }, (_, k) => `i${(k % 5) + 1}`));
      // a statement Neo4j rejects (not retriable): the error reaches the caller and the session is closed too
      await expect(db.read('api/itemsByIds', {})).rejects.toThrow(/ids/); // the parameter is missing
      expect(opened.length).toBeGreaterThanOrEqual(41);
      expect(opened.filter((s) => !closed.has(s)).length).toBe(0); // a count: printing sessions would not end
    } finally {
      db.driver.session = original;
    }
  });
});
