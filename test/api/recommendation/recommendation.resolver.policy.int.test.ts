import { Executor } from '../../../src/db/executor';
import type { ServerHandle } from '../../../src/api/server';
import { loadPolicyConfig } from '../../../src/config';
import { useApiServer, codeOf, gql, startTestServer, tokenFor } from '../../helpers/apiServer';

const RECS = `query($u: ID!, $first: Int, $inc: Boolean, $policy: PolicyInput) {
  recommendations(userId: $u, first: $first, includeInteracted: $inc, policy: $policy) {
    impressionId explorationSlots
    policy { diversity exploration novelty leastShown maxCategoryShare negativeFeedback seed logExposures }
    items { rank score exploration probability item { id }
      breakdown { embedding graph context popularity exploration novelty diversity feedback }
      reasons { kind text paths { nodes { label id } relationships { type direction } } } }
  }
}`;

const RECORD = `mutation($input: RecordInteractionInput!) {
  recordInteraction(input: $input) { replayed feedbackImpressionId interaction { itemId kind } }
}`;

/** The production defaults (POLICY_* unset), with a flush interval long enough that only the tests flush. */
const POLICY = { ...loadPolicyConfig({}), exposureFlushMs: 60_000 };

function sumOf(b: Record<string, number>): number {
  return b.embedding + b.graph + b.context + b.popularity + b.exploration + b.novelty + b.diversity + b.feedback;
}

async function cypher(db: Executor, query: string, params: Record<string, unknown> = {}): Promise<any[]> {
  const res = await db.driver.executeQuery(query, params, { database: db.database });
  return res.records.map((r) => r.toObject());
}

describe('api/recommendations: re-ranking policy, exposure log and feedback over HTTP', () => {
  let db: Executor;
  let srv: ServerHandle;
  useApiServer((x) => { ({ db, srv } = x); }, (db) => startTestServer(db, {}, POLICY));

  const recs = (u: string, policy: Record<string, unknown>, first = 5, inc = false) =>
    gql(srv.url, RECS, { u, first, inc, policy }, tokenFor(u));

  it('echoes the configured defaults, a seed and an impression id', async () => {
    const res = await recs('alice', { logExposures: false });
    expect(res.errors).toBeUndefined();
    const r = res.data.recommendations;
    const { diversity, exploration, novelty, leastShown, maxCategoryShare, negativeFeedback } = POLICY;
    expect(r.policy).toMatchObject({ diversity, exploration, novelty, leastShown, maxCategoryShare, negativeFeedback, logExposures: false });
    expect(Number.isInteger(r.policy.seed)).toBe(true);
    expect(r.impressionId).toMatch(/^[0-9a-f-]{36}$/);
    const again = await recs('alice', { logExposures: false, seed: r.policy.seed });
    expect(again.data.recommendations.items).toEqual(r.items);
  });

  it('marks no exploration slot at exploration 0 (no least-shown slots) and about the asked share over many seeded requests', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = (await recs('alice', { exploration: 0, leastShown: 0, seed, logExposures: false })).data.recommendations;
      expect(r.explorationSlots).toBe(0);
      for (const x of r.items) {
        expect(x.exploration).toBe(false);
        expect(x.probability).toBe(1);
        expect(x.reasons.map((k: any) => k.kind)).not.toContain('EXPLORATION');
      }
    }
    let slots = 0;
    let explored = 0;
    for (let seed = 1; seed <= 80; seed++) {
      const r = (await recs('alice', { exploration: 0.3, leastShown: 0, seed, logExposures: false })).data.recommendations;
      expect(r.items.length).toBe(5);
      expect(r.items.filter((x: any) => x.exploration).length).toBe(r.explorationSlots);
      slots += r.items.length;
      explored += r.explorationSlots;
      for (const x of r.items) {
        expect(sumOf(x.breakdown)).toBeCloseTo(x.score, 9);
        if (x.exploration) {
          expect(x.probability).toBeGreaterThan(0);
          expect(x.probability).toBeLessThanOrEqual(0.3 + 1e-12);
          expect(x.breakdown.exploration).toBeGreaterThanOrEqual(0);
          const reason = x.reasons[0];
          expect(reason.kind).toBe('EXPLORATION');
          expect(reason.text).toMatch(/^Something new in \w+: /);
          // the path is item -[:IN_CATEGORY]-> category and exists in the graph
          const [p] = reason.paths;
          expect(p.relationships).toEqual([{ type: 'IN_CATEGORY', direction: 'FORWARD' }]);
          const [row] = await cypher(db, 'RETURN EXISTS { (:Item {id: $item})-[:IN_CATEGORY]->(:Category {name: $cat}) } AS ok', { item: p.nodes[0].id, cat: p.nodes[1].id });
          expect(row.ok).toBe(true);
        } else {
          // an exploitation item is at its position only when that position is not an exploration slot: P = 1 − 0.3
          expect(x.probability).toBeGreaterThan(0);
          expect(x.probability).toBeLessThanOrEqual(0.7 + 1e-12);
        }
      }
    }
    // E[share] = 0.3 exactly (stochastic rounding of 0.3 × 5); sd of the mean over 80 pages ≈ 0.02
    expect(explored / slots).toBeGreaterThan(0.22);
    expect(explored / slots).toBeLessThan(0.38);
  });

  it('gives the same page for the same seed and another page for other seeds', async () => {
    const policy = { exploration: 0.5, diversity: 0.3, seed: 42, logExposures: false };
    const a = (await recs('bob', policy)).data.recommendations;
    const b = (await recs('bob', policy)).data.recommendations;
    expect(a.policy.seed).toBe(42);
    expect(b.items).toEqual(a.items);
    expect(b.impressionId).not.toBe(a.impressionId);
    const pages = new Set<string>();
    for (let seed = 1; seed <= 10; seed++) {
      const r = (await recs('bob', { ...policy, seed })).data.recommendations;
      pages.add(r.items.map((x: any) => `${x.item.id}:${x.exploration}`).join(','));
    }
    expect(pages.size).toBeGreaterThan(1);
  });

  it('logs every shown item with its position and probability as SHOWN edges, write-behind', async () => {
    const res = await recs('bob', { exploration: 0.4, seed: 3 });
    expect(res.errors).toBeUndefined();
    const r = res.data.recommendations;
    const shownFor = () => cypher(db, `MATCH (u:User {id: 'bob'})-[s:SHOWN {impressionId: $id}]->(i:Item)
      RETURN i.id AS item, s.position AS position, s.probability AS probability, s.exploration AS exploration,
             s.modelVersion AS modelVersion, s.score AS score, s.at IS NOT NULL AS hasTime ORDER BY s.position`, { id: r.impressionId });
    expect(await shownFor()).toEqual([]); // not written by the request itself
    expect(srv.engine.policy.exposures.pending).toBeGreaterThanOrEqual(r.items.length);
    await srv.engine.policy.exposures.flush();
    const rows = await shownFor();
    expect(rows.map((x) => x.item)).toEqual(r.items.map((x: any) => x.item.id));
    rows.forEach((row, k) => {
      const item = r.items[k];
      expect(row).toMatchObject({ position: k + 1, exploration: item.exploration, modelVersion: 'v-test', hasTime: true });
      expect(row.probability).toBeCloseTo(item.probability, 12);
      expect(row.score).toBeCloseTo(item.score, 12);
    });
    // the items' counters match their SHOWN edges and the in-process counts
    const counters = await cypher(db, `MATCH (i:Item) WHERE i.id IN $ids
      RETURN i.id AS id, i.exposures AS exposures, COUNT { ()-[:SHOWN]->(i) } AS edges`, { ids: rows.map((x) => x.item) });
    for (const c of counters) {
      expect(c.exposures).toBe(c.edges);
      expect(srv.engine.policy.exposures.count(c.id).exposures).toBe(c.edges);
    }
    // the analysis query of cypher/analysis/exposures.cypher reads the same log
    const analysis = await db.read<{ item: string; shown: number; explored: number; ipsResponseRate: number }>('analysis/exposures', { limit: 50 });
    for (const c of counters) expect(analysis.find((a) => a.item === c.id)?.shown).toBe(c.edges);
  });

  it('runs the same bounded number of statements for first: 5 and first: 50 while logging exposures', async () => {
    await recs('bob', {}, 5);
    const a = await recs('bob', {}, 5);
    const b = await recs('bob', {}, 50);
    expect(b.data.recommendations.items.length).toBeGreaterThan(a.data.recommendations.items.length);
    expect(b.extensions!.cypherStatements).toBe(a.extensions!.cypherStatements);
    expect(b.extensions!.cypherStatements).toBeLessThanOrEqual(6);
  });

  it('gives the last slot to the candidate shown least so far, ties to the better score (the counts move at once)', async () => {
    for (let k = 0; k < 4; k++) {
      // the model's ranking of dave's candidates (policy off, not logged) and their exposure counts now
      const ranking: string[] = (await recs('dave', { leastShown: 0, exploration: 0, logExposures: false }, 20)).data.recommendations.items.map((x: any) => x.item.id);
      expect(ranking.length).toBeGreaterThan(5);
      const counts = ranking.map((id) => srv.engine.policy.exposures.count(id).exposures);
      let least = 2;
      for (let j = 3; j < ranking.length; j++) if (counts[j] < counts[least]) least = j;
      // 3 slots, leastShown 0.34: round(1.02) = 1 least-shown slot, the last
      const r = (await recs('dave', { leastShown: 0.34, exploration: 0, seed: 1 }, 3)).data.recommendations;
      expect(r.items.map((x: any) => x.item.id)).toEqual([ranking[0], ranking[1], ranking[least]]);
      expect(r.items[2]).toMatchObject({ exploration: true, probability: 1 });
      expect(r.items[2].reasons[0].kind).toBe('EXPLORATION');
      expect(r.items.slice(0, 2).map((x: any) => x.exploration)).toEqual([false, false]);
      expect(r.explorationSlots).toBe(1);
      expect(srv.engine.policy.exposures.count(ranking[least]).exposures).toBe(counts[least] + 1);
    }
  });

  it('counts a positive interaction on a shown item as feedback, in memory at once and in the graph after the flush', async () => {
    const r = (await recs('carol', { exploration: 0, seed: 5 }, 3)).data.recommendations;
    const item = r.items[0].item.id;
    const before = { ...srv.engine.policy.exposures.count(item) };
    const click = await gql(srv.url, RECORD, { input: { userId: 'carol', itemId: item, kind: 'click', impressionId: r.impressionId } }, tokenFor('carol'));
    expect(click.errors).toBeUndefined();
    expect(click.data.recordInteraction.feedbackImpressionId).toBe(r.impressionId);
    expect(srv.engine.policy.exposures.count(item)).toEqual({ exposures: before.exposures, feedback: before.feedback + 1 });
    // that exposure is credited once: a second click finds no uncredited exposure
    const again = await gql(srv.url, RECORD, { input: { userId: 'carol', itemId: item, kind: 'like' } }, tokenFor('carol'));
    expect(again.data.recordInteraction.feedbackImpressionId).toBeNull();
    // an item carol was not shown is no feedback
    const shown = new Set(r.items.map((x: any) => x.item.id));
    const other = ['i1', 'i2', 'i4', 'i7', 'i8', 'i12'].find((id) => !shown.has(id))!;
    const unshown = await gql(srv.url, RECORD, { input: { userId: 'carol', itemId: other, kind: 'view' } }, tokenFor('carol'));
    expect(unshown.data.recordInteraction.feedbackImpressionId).toBeNull();
    await srv.engine.policy.exposures.flush();
    const [edge] = await cypher(db, `MATCH (:User {id: 'carol'})-[s:SHOWN {impressionId: $id}]->(i:Item {id: $item})
      RETURN s.feedbackKind AS kind, s.feedbackAt IS NOT NULL AS credited, i.feedback AS itemFeedback, i.exposures AS itemExposures`,
    { id: r.impressionId, item });
    expect(edge).toMatchObject({ kind: 'click', credited: true, itemFeedback: before.feedback + 1 });
    expect(edge.itemExposures).toBe(before.exposures);
    // a new process loads the same counts from the graph (one statement when the model is first served)
    const fresh = await startTestServer(db, {}, POLICY);
    try {
      const res = await gql(fresh.url, RECS, { u: 'carol', first: 1, policy: { logExposures: false } }, tokenFor('carol'));
      expect(res.errors).toBeUndefined();
      expect(fresh.engine.policy.exposures.count(item)).toEqual({ exposures: edge.itemExposures, feedback: edge.itemFeedback });
    } finally {
      await fresh.stop();
    }
  });

  it('credits feedback in the graph for an exposure this process does not remember (another server showed it)', async () => {
    const r = (await recs('frank', { exploration: 0, seed: 9 }, 2)).data.recommendations;
    const item = r.items[0].item.id;
    await srv.engine.policy.exposures.flush();
    const other = await startTestServer(db, {}, POLICY);
    try {
      const click = await gql(other.url, RECORD, { input: { userId: 'frank', itemId: item, kind: 'save' } }, tokenFor('frank'));
      expect(click.data.recordInteraction.feedbackImpressionId).toBeNull(); // not in that process's memory
      await other.engine.policy.exposures.flush();
    } finally {
      await other.stop();
    }
    const [edge] = await cypher(db, `MATCH (:User {id: 'frank'})-[s:SHOWN {impressionId: $id}]->(:Item {id: $item}) RETURN s.feedbackKind AS kind`,
      { id: r.impressionId, item });
    expect(edge.kind).toBe('save');
  });

  it('removes a dismissed item and lowers its close neighbours in the very next request', async () => {
    const policy = { exploration: 0, leastShown: 0, negativeFeedback: 0.5, logExposures: false };
    const before = (await recs('alice', policy, 12, true)).data.recommendations.items;
    const byId = (items: any[]) => new Map(items.map((x: any) => [x.item.id, x]));
    expect(byId(before).has('i3')).toBe(true);
    for (const x of before) expect(x.breakdown.feedback).toBe(0);
    const dismiss = await gql(srv.url, RECORD, { input: { userId: 'alice', itemId: 'i3', kind: 'dismiss' } }, tokenFor('alice'));
    expect(dismiss.errors).toBeUndefined();
    expect(dismiss.data.recordInteraction.feedbackImpressionId).toBeNull();
    const after = (await recs('alice', policy, 12, true)).data.recommendations.items;
    const a = byId(after);
    expect(a.has('i3')).toBe(false); // even with includeInteracted
    const b = byId(before);
    // i4 (coffee, embedding nearly parallel to i3's) drops by its feedback part; a books item barely moves
    const i4 = a.get('i4');
    expect(i4.breakdown.feedback).toBeLessThan(0);
    expect(i4.score).toBeLessThan(b.get('i4').score);
    expect(i4.score).toBeCloseTo(b.get('i4').score + i4.breakdown.feedback, 9);
    for (const far of ['i5', 'i6', 'i9']) {
      if (!a.has(far)) continue;
      expect(a.get(far).breakdown.feedback).toBeGreaterThan(i4.breakdown.feedback / 10);
    }
    for (const x of after) expect(sumOf(x.breakdown)).toBeCloseTo(x.score, 9);
    // strength 0: the item stays removed, nothing else moves
    const plain = (await recs('alice', { ...policy, negativeFeedback: 0 }, 12, true)).data.recommendations.items;
    expect(plain.map((x: any) => x.item.id)).not.toContain('i3');
    expect(byId(plain).get('i4').score).toBeCloseTo(b.get('i4').score, 9);
  });

  it('rejects policy values out of range with BAD_USER_INPUT naming the field, the value and the range', async () => {
    for (const [field, value] of [['exploration', 1.5], ['diversity', -0.1], ['maxCategoryShare', 2], ['negativeFeedback', 7], ['novelty', -1], ['leastShown', 1.01]] as const) {
      const res = await recs('alice', { [field]: value });
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0].message).toBe(`Argument "policy.${field}" must be a number from 0 to 1, got ${value}.`);
      expect(res.errors![0].extensions).toMatchObject({ argument: `policy.${field}`, value });
    }
    // seed is an Int in the schema: a fraction is rejected before any resolver runs
    const seed = await gql(srv.url, '{ recommendations(userId: "alice", policy: {seed: 1.5}) { impressionId } }', {}, tokenFor('alice'));
    expect(codeOf(seed)).toBe('GRAPHQL_VALIDATION_FAILED');
    const badImpression = await gql(srv.url, RECORD, { input: { userId: 'alice', itemId: 'i1', kind: 'view', impressionId: '' } }, tokenFor('alice'));
    expect(codeOf(badImpression)).toBe('BAD_USER_INPUT');
  });
});
