import { graphCounts } from '../../helpers/neo4j';
import { ITEMS, tokenFor, useApiServer } from '../../helpers/apiServer';
import type { Executor } from '../../../src/db/executor';
import type { ServerHandle } from '../../../src/api/server';
import { KINDS, runFuzz } from '../../../bench/hostile/fuzz';
import { seededRandom } from '../../../src/random';

/** Counts that only successful writes may change (SHOWN edges are the exposure log of served pages, not compared). */
function comparable(c: Record<string, number>): Record<string, number> {
  const { SHOWN: _shown, ...rest } = c;
  return rest;
}

describe('fuzz: hostile requests against the API and the fixture graph (short run; npm run fuzz for the long one)', () => {
  let db: Executor;
  let srv: ServerHandle;
  useApiServer((ctx) => ({ db, srv } = ctx));

  it('answers every kind of hostile request without 5xx, INTERNAL, leaks or unbounded answers, and writes only what succeeded', async () => {
    // the first request waits for the serving engine's warm-up (graph index, model): not part of the run
    await fetch(srv.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenFor('alice')}` },
      body: JSON.stringify({ query: '{ recommendations(userId: "alice", first: 1, policy: {logExposures: false}) { items { rank } } }' }) });
    const before = comparable(await graphCounts(db));
    const summary = await runFuzz({
      url: srv.url, user: { id: 'alice', token: tokenFor('alice') }, other: { id: 'bob', token: tokenFor('bob') },
      adminToken: tokenFor('root', 'admin'), itemIds: ITEMS.map((i) => i.id),
    }, { count: 800, concurrency: 4, rnd: seededRandom(13) });
    expect(summary.failures).toEqual([]);
    expect(summary).toMatchObject({ requests: 800, http5xx: 0, internal: 0, leaks: 0, transportErrors: 0, oversized: 0 });
    // every kind was sent
    expect(Object.keys(summary.byKind).sort()).toEqual(Object.keys(KINDS).sort());
    // client errors of the query-limits plugin are HTTP 400, not 200 or 500
    expect(Object.keys(summary.byKind.aliasFlood.statuses)).toEqual(['400']);
    expect(Object.keys(summary.byKind.firstOutOfRange.statuses)).toEqual(['400']);
    expect(summary.byKind.firstOutOfRange.codes).toEqual({ BAD_USER_INPUT: summary.byKind.firstOutOfRange.requests });
    // bodies over 1 MiB: always the 413, never a reset
    expect(summary.byKind.largeBody.statuses).toEqual({ 413: summary.byKind.largeBody.requests });
    const after = comparable(await graphCounts(db));
    expect(after).toEqual({ ...before, INTERACTED: before.INTERACTED + summary.succeededWrites.interactions, User: before.User + summary.succeededWrites.users });
  }, 240_000);
});
