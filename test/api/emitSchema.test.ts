import fs from 'node:fs';
import { schemaSdl } from '../../src/api/server';
import { SCHEMA_FILE } from '../../src/api/emitSchema';

describe('api/schema: the committed SDL', () => {
  it('matches the schema built from the resolvers (run `npm run schema:emit` after changing them)', async () => {
    const committed = fs.readFileSync(SCHEMA_FILE, 'utf8');
    expect(await schemaSdl()).toBe(committed);
  });

  it('resolves plain fields with the default resolver: only field resolvers wrap a field', async () => {
    // every @ObjectType sets simpleResolvers (src/api/server.ts buildSchema): type-graphql's per-field wrapper
    // costs an object and two calls for each of the ~2,000 fields of a recommendations response
    const { GraphQLObjectType } = await import('graphql');
    const { buildSchema } = await import('../../src/api/server');
    const schema = await buildSchema();
    const wrapped: string[] = [];
    for (const t of Object.values(schema.getTypeMap())) {
      if (!(t instanceof GraphQLObjectType) || t.name.startsWith('__') || ['Query', 'Mutation'].includes(t.name)) continue;
      for (const [name, f] of Object.entries(t.getFields())) if (f.resolve) wrapped.push(`${t.name}.${name}`);
    }
    expect(wrapped.sort()).toEqual(['Interaction.item', 'Item.categories', 'Item.interactionCount', 'Item.popularIn',
      'User.activeIn', 'User.followers', 'User.following', 'User.interactionCount', 'User.interactions', 'User.name']);
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
