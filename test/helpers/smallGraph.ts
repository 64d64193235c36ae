import type { Executor } from '../../src/db/executor';

/**
 * Seeds a small deterministic interest graph for the extraction/training tests: users, items,
 * categories, contexts, INTERACTED (positive kinds and a few dismisses), HELD_OUT, IN_CATEGORY,
 * ACTIVE_IN, POPULAR_IN and FOLLOWS. Returns the node counts.
 */
export async function seedSmallGraph(db: Executor, opts: { users?: number; items?: number; seed?: number } = {}):
  Promise<{ users: number; items: number; categories: number; contexts: number }> {
  const nU = opts.users ?? 60;
  const nI = opts.items ?? 40;
  let s = (opts.seed ?? 3) >>> 0 || 3;
  const rand = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0xffffffff;
  };
  const categories = ['books', 'music', 'movies', 'sports'];
  const contexts = [{ kind: 'device', value: 'mobile' }, { kind: 'device', value: 'desktop' }, { kind: 'timeOfDay', value: 'evening' }];
  const kinds = ['view', 'click', 'save', 'purchase'];
  const users = Array.from({ length: nU }, (_, u) => `u${u}`);
  const items = Array.from({ length: nI }, (_, i) => ({ id: `i${i}`, title: `Item ${i}`, category: categories[i % categories.length] }));
  const interactions: { u: string; i: string; kind: string; weight: number; ctx: string }[] = [];
  const heldOut: { u: string; i: string }[] = [];
  users.forEach((u, k) => {
    const fav = k % categories.length;
    for (let n = 0; n < 6; n++) {
      const i = (Math.floor(rand() * (nI / categories.length)) * categories.length + fav) % nI;
      const kind = kinds[Math.floor(rand() * kinds.length)];
      interactions.push({ u, i: `i${i}`, kind, weight: kind === 'purchase' ? 5 : kind === 'save' ? 3 : kind === 'click' ? 2 : 1,
        ctx: contexts[Math.floor(rand() * contexts.length)].value });
    }
    if (k % 7 === 0) interactions.push({ u, i: `i${(k * 3) % nI}`, kind: 'dismiss', weight: -1, ctx: 'mobile' });
    heldOut.push({ u, i: `i${(fav + categories.length * Math.floor(rand() * (nI / categories.length))) % nI}` });
  });
  await db.driver.executeQuery('UNWIND $ids AS id CREATE (:User {id: id})', { ids: users });
  await db.driver.executeQuery('UNWIND $cs AS c CREATE (:Category {name: c})', { cs: categories });
  await db.driver.executeQuery('UNWIND $xs AS x CREATE (:Context {kind: x.kind, value: x.value})', { xs: contexts });
  await db.driver.executeQuery(
    'UNWIND $items AS it MATCH (c:Category {name: it.category}) CREATE (i:Item {id: it.id, title: it.title})-[:IN_CATEGORY]->(c)', { items });
  await db.driver.executeQuery(
    `UNWIND $rows AS r MATCH (u:User {id: r.u}), (i:Item {id: r.i})
     CREATE (u)-[:INTERACTED {kind: r.kind, weight: toFloat(r.weight), at: datetime('2026-07-01T12:00:00Z'), contexts: ['device:' + r.ctx]}]->(i)`,
    { rows: interactions });
  await db.driver.executeQuery(
    `UNWIND $rows AS r MATCH (u:User {id: r.u}), (i:Item {id: r.i})
     CREATE (u)-[:HELD_OUT {kind: 'view', weight: 1.0, at: datetime('2026-08-01T12:00:00Z')}]->(i)`, { rows: heldOut });
  await db.driver.executeQuery(
    `MATCH (u:User)-[r:INTERACTED]->(i:Item) WHERE r.weight > 0
     UNWIND r.contexts AS c
     WITH u, i, split(c, ':') AS kv
     MATCH (x:Context {kind: kv[0], value: kv[1]})
     WITH u, i, x
     CALL (u, x) { MERGE (u)-[a:ACTIVE_IN]->(x) ON CREATE SET a.count = 0 SET a.count = a.count + 1 }
     CALL (i, x) { MERGE (i)-[p:POPULAR_IN]->(x) ON CREATE SET p.count = 0 SET p.count = p.count + 1 }`);
  await db.driver.executeQuery(
    `UNWIND range(0, size($users) - 1) AS k
     MATCH (a:User {id: $users[k]}), (b:User {id: $users[(k + 4) % size($users)]})
     CREATE (a)-[:FOLLOWS]->(b)`, { users });
  return { users: nU, items: nI, categories: categories.length, contexts: contexts.length };
}
