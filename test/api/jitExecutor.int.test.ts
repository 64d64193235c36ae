/**
 * graphql-jit (the default executor, src/api/jitExecutor.ts) against graphql-js's reference `execute`: two
 * servers over the same fixture graph, the same operations in the same order, the same answers: every query of
 * schema/examples.graphql, introspection, fragments, aliases and directives, and the error cases (codes,
 * messages, paths, HTTP status).
 */
import fs from 'node:fs';
import path from 'node:path';
import { getIntrospectionQuery } from 'graphql';
import type { Executor } from '../../src/db/executor';
import { startServer, type ServerHandle } from '../../src/api/server';
import { createLogger } from '../../src/log';
import { PROJECT_ROOT } from '../../src/paths';
import { testExecutor, resetGraph } from '../helpers/neo4j';
import { loadApiFixture, gql, tokenFor, TEST_SECRET, type GqlResponse } from '../helpers/apiServer';

const EXAMPLES = fs.readFileSync(path.join(PROJECT_ROOT, 'schema', 'examples.graphql'), 'utf8');

/** The answer without what differs by design between two servers: impression ids. */
function comparable(res: GqlResponse): unknown {
  return JSON.parse(JSON.stringify(res), (k, v) => (k === 'impressionId' ? '<id>' : v));
}

describe('api/executor: graphql-jit answers as graphql-js does', () => {
  let db: Executor;
  let jit: ServerHandle;
  let ref: ServerHandle;
  beforeAll(async () => {
    db = testExecutor();
    await resetGraph(db);
    await loadApiFixture(db);
    const start = (executor: 'jit' | 'graphql-js') => startServer({ port: 0, host: '127.0.0.1', jwtSecret: TEST_SECRET, nodeEnv: 'test' },
      { db, logger: createLogger('silent'), serving: { modelTtlMs: 60_000 }, executor });
    jit = await start('jit');
    ref = await start('graphql-js');
  });
  afterAll(async () => {
    await jit?.stop();
    await ref?.stop();
    await db?.close();
  });

  /** Sends the operation to the reference server, then to graphql-jit's, and expects the same answer. */
  const same = async (query: string, variables: Record<string, unknown>, token?: string, operationName?: string): Promise<GqlResponse> => {
    const a = await gql(ref.url, query, variables, token, operationName);
    const b = await gql(jit.url, query, variables, token, operationName);
    expect(comparable(b)).toEqual(comparable(a));
    return b;
  };

  it('answers every query of schema/examples.graphql the same', async () => {
    const admin = tokenFor('ops', 'admin');
    const cases: [string, Record<string, unknown>][] = [
      ['Model', {}],
      ['Recommendations', { userId: 'alice', context: [{ kind: 'device', value: 'mobile' }] }],
      ['Recommendations', { userId: 'bob' }],
      ['ColdStart', { userId: 'frank', categories: ['coffee'] }],
      ['SimilarItems', { itemId: 'i1' }],
      ['Item', { id: 'i2' }],
      ['User', { id: 'alice' }],
      ['RecommendationsWithPolicy', { userId: 'carol' }],
      ['TrainingRun', { id: 'no-such-run' }],
    ];
    for (const [name, vars] of cases) {
      const res = await same(EXAMPLES, vars, admin, name);
      if (name !== 'TrainingRun') expect(res.errors).toBeUndefined();
    }
    // a page of the user's interactions after the first one
    const page = await same(EXAMPLES, { id: 'alice' }, admin, 'User');
    const cursor = (page.data as any).user.interactions.pageInfo.endCursor;
    await same(EXAMPLES, { id: 'alice', after: cursor }, admin, 'User');
  });

  it('answers introspection, fragments, aliases, variables with defaults and directives the same', async () => {
    const introspection = await same(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true }), {});
    expect((introspection.data as any).__schema.types.length).toBeGreaterThan(20);
    const res = await same(`query($reasons: Boolean!, $n: Int = 3) {
      mine: recommendations(userId: "alice", first: $n) { __typename items { ...Slot reasons @include(if: $reasons) { kind } score @skip(if: $reasons) } }
      other: item(id: "i3") { id t: title }
    }
    fragment Slot on Recommendation { rank item { id ... on Item { categories } } }`, { reasons: true }, tokenFor('alice'));
    expect((res.data as any).mine.items).toHaveLength(3);
  });

  it('gives the same errors: codes, messages, paths and HTTP status', async () => {
    const cases: [string, Record<string, unknown>, string | undefined][] = [
      ['{ similarItems(itemId: "nope", first: 3) { items { score } } }', {}, undefined], // NOT_FOUND with a path
      ['query($f: Int) { recommendations(userId: "alice", first: $f) { coldStart } }', { f: 1.5 }, tokenFor('alice')], // variable of the wrong type
      ['query($f: Int) { recommendations(userId: "alice", first: $f) { coldStart } }', { f: 500 }, tokenFor('alice')], // out of range
      ['{ recommendations(userId: "bob", first: 3) { coldStart } }', {}, tokenFor('alice')], // FORBIDDEN
      ['{ recommendations(userId: "bob", first: 3) { coldStart } }', {}, undefined], // UNAUTHENTICATED
      ['mutation($i: RecordInteractionInput!) { recordInteraction(input: $i) { replayed } }', { i: { userId: 'bob', kind: 'view' } }, tokenFor('bob')], // missing field
      ['{ nope }', {}, undefined], // validation
    ];
    const codes = [];
    for (const [query, vars, token] of cases) {
      const res = await same(query, vars, token);
      expect(res.errors?.length).toBeGreaterThan(0);
      codes.push(res.errors![0].extensions?.code);
    }
    expect(codes).toEqual(['NOT_FOUND', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'FORBIDDEN', 'UNAUTHENTICATED', 'BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED']);
  });

  it('applies the default of an omitted non-null input field (graphql-jit alone rejects it) and writes once per request', async () => {
    const q = 'mutation($i: RecordInteractionInput!) { recordInteraction(input: $i) { replayed interaction { kind contexts { kind } } } }';
    for (const srv of [ref, jit]) {
      const res = await gql(srv.url, q, { i: { userId: 'bob', itemId: 'i7', kind: 'view' } }, tokenFor('bob'));
      expect(res.errors).toBeUndefined();
      expect(res.data.recordInteraction.interaction).toEqual({ kind: 'view', contexts: [] });
    }
  });
});
