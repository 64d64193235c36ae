import fs from 'node:fs';
import { schemaSdl } from '../../src/api/server';
import { SCHEMA_FILE } from '../../src/api/emitSchema';

describe('api/schema: the committed SDL', () => {
  it('matches the schema built from the resolvers (run `npm run schema:emit` after changing them)', async () => {
    const committed = fs.readFileSync(SCHEMA_FILE, 'utf8');
    expect(await schemaSdl()).toBe(committed);
  });

  it('documents every type and field', async () => {
    const { buildSchema } = await import('../../src/api/server');
    const schema = await buildSchema();
    const missing: string[] = [];
    for (const t of Object.values(schema.getTypeMap())) {
      if (t.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(t.name)) continue;
      if (!t.description && !['Query', 'Mutation'].includes(t.name)) missing.push(t.name);
      if ('getFields' in t) {
        for (const f of Object.values((t as { getFields(): Record<string, { name: string; description?: string | null }> }).getFields())) {
          if (!f.description) missing.push(`${t.name}.${f.name}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('api/schema: schema/examples.graphql', () => {
  it('validates every sample operation against the schema', async () => {
    const { parse, validate } = await import('graphql');
    const { buildSchema } = await import('../../src/api/server');
    const doc = parse(fs.readFileSync(SCHEMA_FILE.replace('schema.graphql', 'examples.graphql'), 'utf8'));
    expect(doc.definitions.length).toBeGreaterThanOrEqual(10);
    expect(validate(await buildSchema(), doc).map((e) => e.message)).toEqual([]);
  });
});
