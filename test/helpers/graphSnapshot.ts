import type { Executor } from '../../src/db/executor';

/** A node's key for comparisons across imports: its label and id / name / kind:value (element ids differ). */
const key = (n: string) => `labels(${n})[0] + ':' + coalesce(${n}.id, ${n}.name, ${n}.kind + ':' + ${n}.value, elementId(${n}))`;

/** A comparable value: temporal and other driver objects as their text, lists element-wise. */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return String(v);
  return v;
}

function plainProps(p: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, plain(v)]).sort(([a], [b]) => (String(a) < String(b) ? -1 : 1)));
}

/**
 * Everything a graph holds, independent of how it was written: every node (labels, properties with
 * their Cypher types), every relationship (type, end keys, properties with types), sorted; and the
 * constraints and indexes (name, type, entity, labels/types, properties).
 */
export async function graphSnapshot(db: Executor): Promise<{ nodes: string[]; relationships: string[]; schema: string[] }> {
  const session = db.driver.session({ database: db.database });
  try {
    const nodes = await session.run(`MATCH (n) RETURN labels(n) AS labels, ${key('n')} AS key, properties(n) AS props,
      [k IN keys(n) | k + ': ' + valueType(n[k])] AS types`);
    const rels = await session.run(`MATCH (a)-[r]->(b)
      RETURN type(r) AS type, ${key('a')} AS from, ${key('b')} AS to, properties(r) AS props, [k IN keys(r) | k + ': ' + valueType(r[k])] AS types`);
    const indexes = await session.run(`SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties, state
      RETURN name + ' ' + type + ' ' + entityType + ' ' + coalesce(reduce(s = '', x IN labelsOrTypes | s + x + ','), '') + ' ' +
             coalesce(reduce(s = '', x IN properties | s + x + ','), '') + ' ' + state AS line`);
    const constraints = await session.run(`SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties
      RETURN 'constraint ' + name + ' ' + type + ' ' + reduce(s = '', x IN labelsOrTypes | s + x + ',') + ' ' + reduce(s = '', x IN properties | s + x + ',') AS line`);
    const schema = { records: [...indexes.records, ...constraints.records] };
    return {
      nodes: nodes.records.map((r) => JSON.stringify([[...r.get('labels')].sort(), r.get('key'), plainProps(r.get('props')), [...r.get('types')].sort()])).sort(),
      relationships: rels.records.map((r) => JSON.stringify([r.get('type'), r.get('from'), r.get('to'), plainProps(r.get('props')), [...r.get('types')].sort()])).sort(),
      schema: schema.records.map((r) => r.get('line') as string).sort(),
    };
  } finally {
    await session.close();
  }
}
