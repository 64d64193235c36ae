import { Executor } from '../../../src/db/executor';
import type { ServerHandle } from '../../../src/api/server';
import { extractGraph } from '../../../src/graph/extract';
import { positiveOnly } from '../../../src/model/interestModel';
import { ModelScorer, rowOf } from '../../../src/model/scorer';
import { normalizeInteractions } from '../../../src/model/spectral';
import { topK } from '../../../src/model/topk';
import { useApiServer, codeOf, gql, fixtureModel, startTestServer, tokenFor, USERS } from '../../helpers/apiServer';
import { publishModel } from '../../../src/model/registry';
import { ContextLift } from '../../../src/model/contextLift';
import { itemContextCountsOf } from '../../../src/model/contextTerm';

const RECS = `query($u: ID!, $first: Int, $context: [ContextInput!], $categories: [String!], $exclude: [ID!], $inc: Boolean) {
  recommendations(userId: $u, first: $first, context: $context, categories: $categories, excludeItemIds: $exclude, includeInteracted: $inc) {
    userId modelVersion coldStart
    items { rank score item { id title } breakdown { embedding graph context popularity exploration }
      reasons { kind text paths { nodes { label id name } relationships { type direction } } } }
  }
}`;

/**
 * Re-checks one evidence path in the graph: a path of exactly the given relationship types and
 * directions whose nodes carry the given labels and keys (User/Item id, Category name, Context
 * kind:value; a null id is any node of that label). One fixed statement for every path shape.
 */
const PATH_EXISTS = `
MATCH p = (a)-[*1..3]-(b)
WHERE length(p) = size($types)
  AND all(k IN range(0, size($labels) - 1) WHERE $labels[k] IN labels(nodes(p)[k])
      AND ($ids[k] IS NULL OR $ids[k] = CASE $labels[k] WHEN 'Category' THEN nodes(p)[k].name
                                                    WHEN 'Context' THEN nodes(p)[k].kind + ':' + nodes(p)[k].value
                                                    ELSE nodes(p)[k].id END))
  AND all(k IN range(0, size($types) - 1) WHERE type(relationships(p)[k]) = $types[k]
      AND (startNode(relationships(p)[k]) = nodes(p)[k]) = $forward[k])
RETURN count(p) > 0 AS ok`;

async function pathExists(db: Executor, path: { nodes: { label: string; id: string | null }[]; relationships: { type: string; direction: string }[] }): Promise<boolean> {
  const rows = await db.driver.executeQuery(PATH_EXISTS, {
    labels: path.nodes.map((n) => n.label), ids: path.nodes.map((n) => n.id),
    types: path.relationships.map((r) => r.type), forward: path.relationships.map((r) => r.direction === 'FORWARD'),
  });
  return rows.records[0].get('ok') === true;
}


const MUT = `mutation($input: RecordInteractionInput!) { recordInteraction(input: $input) { replayed } }`;

/**
 * The model's offline score of the fixture version, computed apart from serving: the extracted training graph and
 * the version's embeddings through the model's scorer, every item scored (dense), interacted items masked.
 */
async function offlineScores(db: Executor): Promise<Map<string, { scores: Map<string, number>; top: string[] }>> {
  const { graph } = await extractGraph(db, { progress: false });
  const model = fixtureModel(graph);
  const train = positiveOnly(graph.train);
  const scorer = new ModelScorer({
    norm: normalizeInteractions(train, 0.5, 0.5), foldIn: model.embeddings.itemFoldIn, itemFactors: model.embeddings.items, k: model.embeddings.dims,
    linearWeight: 1, linearInputExponent: 0, linearOutputExponent: 0, userNormExponent: model.embeddings.userNormExponent,
  });
  const out = new Map<string, { scores: Map<string, number>; top: string[] }>();
  graph.userIds.forEach((id, u) => {
    const row = rowOf(train, u);
    if (row.indices.length === 0) return;
    const dense = scorer.scoreRow(row);
    const scores = new Map(graph.itemIds.map((item, j) => [item, dense[j]]));
    for (let p = graph.train.indptr[u]; p < graph.train.indptr[u + 1]; p++) dense[graph.train.indices[p]] = -Infinity;
    const idx = new Int32Array(5);
    const got = topK(dense, 0, dense.length, 5, idx);
    out.set(id, { scores, top: Array.from(idx.subarray(0, got), (j) => graph.itemIds[j]) });
  });
  return out;
}

describe('api/recommendations: the model\'s score, reasons from the paths that carry it, cold start', () => {
  let db: Executor;
  let srv: ServerHandle;
  useApiServer((x) => { ({ db, srv } = x); });

  it('serves every fixture user exactly the model\'s offline score and top (policy off)', async () => {
    const offline = await offlineScores(db);
    expect(offline.size).toBe(USERS.length - 1);
    for (const [user, want] of offline) {
      const res = await gql(srv.url, RECS, { u: user, first: 5 }, tokenFor(user));
      expect(res.errors).toBeUndefined();
      const items = res.data.recommendations.items;
      expect(items.map((x: any) => x.item.id)).toEqual(want.top);
      for (const x of items) {
        expect(x.score).toBeCloseTo(want.scores.get(x.item.id)!, 5);
        const b = x.breakdown;
        expect(b.embedding + b.graph + b.context + b.popularity + b.exploration).toBeCloseTo(x.score, 9);
      }
    }
  });

  it('ranks by the model, excluding interacted items, and follows a recorded interaction at once', async () => {
    const res = await gql(srv.url, RECS, { u: 'alice', first: 10 }, tokenFor('alice'));
    expect(res.errors).toBeUndefined();
    const r = res.data.recommendations;
    expect(r).toMatchObject({ userId: 'alice', modelVersion: 'v-test', coldStart: false });
    const ids = r.items.map((x: any) => x.item.id);
    expect(ids).not.toContain('i1');
    expect(ids).not.toContain('i2');
    expect(ids.slice(0, 2).sort()).toEqual(['i3', 'i4']); // the rest of alice's coffee cluster
    for (let k = 1; k < r.items.length; k++) expect(r.items[k - 1].score).toBeGreaterThanOrEqual(r.items[k].score);
    expect(r.items.find((x: any) => x.item.id === 'i3').breakdown.graph).toBeGreaterThan(0);
    // frank (i9, i11) buys i5: his row gains it, so items next to i5 (carol's i6) gain a graph term
    const before = await gql(srv.url, RECS, { u: 'frank', first: 12 }, tokenFor('frank'));
    const g6 = (page: any) => page.data.recommendations.items.find((x: any) => x.item.id === 'i6')?.breakdown.graph ?? 0;
    const w = await gql(srv.url, MUT, { input: { userId: 'frank', itemId: 'i5', kind: 'purchase' } }, tokenFor('frank'));
    expect(w.errors).toBeUndefined();
    const after = await gql(srv.url, RECS, { u: 'frank', first: 12 }, tokenFor('frank'));
    expect(g6(before)).toBe(0);
    expect(g6(after)).toBeGreaterThan(0);
    expect(after.data.recommendations.items.map((x: any) => x.item.id)).not.toContain('i5');
  });

  it('includes interacted items when asked and honours excludeItemIds and categories', async () => {
    const inc = await gql(srv.url, RECS, { u: 'alice', first: 20, inc: true, exclude: ['i3'] }, tokenFor('alice'));
    const ids = inc.data.recommendations.items.map((x: any) => x.item.id);
    expect(ids).toContain('i1');
    expect(ids).not.toContain('i3');
    const books = await gql(srv.url, RECS, { u: 'alice', first: 20, categories: ['books'] }, tokenFor('alice'));
    const bookIds = books.data.recommendations.items.map((x: any) => x.item.id);
    expect(bookIds.length).toBeGreaterThan(0);
    for (const id of bookIds) expect(['i5', 'i6', 'i7', 'i8']).toContain(id);
  });

  it('explains the graph score by the user\'s items that carry it, each on a real path', async () => {
    const res = await gql(srv.url, RECS, { u: 'alice', first: 10, categories: ['coffee'] }, tokenFor('alice'));
    expect(res.errors).toBeUndefined();
    const items = res.data.recommendations.items;
    const i3 = items.find((x: any) => x.item.id === 'i3');
    expect(i3.reasons.map((r: any) => r.kind).sort()).toEqual(['CATEGORY', 'CO_INTERACTION', 'CO_INTERACTION']);
    expect(i3.reasons.find((r: any) => r.kind === 'CO_INTERACTION').text).toMatch(/^You interacted with "coffee \d"; \d (person|people) who interacted with it also interacted with this \(\d+% of its graph score\)\.$/);
    let checked = 0;
    for (const it of items) {
      if (it.breakdown.graph === 0) expect(it.reasons.map((r: any) => r.kind)).not.toContain('CO_INTERACTION');
      for (const reason of it.reasons) {
        expect(reason.paths.length).toBeGreaterThan(0);
        for (const p of reason.paths) {
          expect(p.relationships.length).toBe(p.nodes.length - 1);
          await expect(pathExists(db, p)).resolves.toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(3);
    // the check itself can fail: a path that is not in the graph
    await expect(pathExists(db, { nodes: [{ label: 'User', id: 'alice' }, { label: 'Item', id: 'i12' }], relationships: [{ type: 'INTERACTED', direction: 'FORWARD' }] })).resolves.toBe(false);
  });

  it('sends the same number of Cypher statements for first: 5 and first: 50', async () => {
    await gql(srv.url, RECS, { u: 'bob', first: 5 }, tokenFor('bob')); // warm the model cache
    const a = await gql(srv.url, RECS, { u: 'bob', first: 5 }, tokenFor('bob'));
    const b = await gql(srv.url, RECS, { u: 'bob', first: 50 }, tokenFor('bob'));
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    expect(b.data.recommendations.items.length).toBeGreaterThan(a.data.recommendations.items.length);
    expect(a.extensions!.cypherStatements).toBeGreaterThan(0);
    expect(b.extensions!.cypherStatements).toBe(a.extensions!.cypherStatements);
    expect(b.extensions!.cypherStatements).toBeLessThanOrEqual(3);
  });

  it('serves a cold-start user the most popular items (model score 0), flagged coldStart', async () => {
    const res = await gql(srv.url, RECS, { u: 'eve', first: 3, categories: ['music'] }, tokenFor('eve'));
    expect(res.errors).toBeUndefined();
    const r = res.data.recommendations;
    expect(r.coldStart).toBe(true);
    expect(r.items.length).toBe(3);
    for (const x of r.items) expect(['i9', 'i10', 'i11', 'i12']).toContain(x.item.id);
    expect(r.items[0].item.id).toBe('i9'); // dave and frank
    expect(r.items[0].score).toBe(0);
    expect(r.items[0].reasons.map((x: any) => x.kind).sort()).toEqual(['CATEGORY', 'POPULARITY']);
    const plain = await gql(srv.url, RECS, { u: 'eve', first: 5 }, tokenFor('eve'));
    expect(plain.data.recommendations.coldStart).toBe(true);
    expect(plain.data.recommendations.items.length).toBe(5);
  });

  it('similarItems returns the item\'s neighbours with reasons backed by paths', async () => {
    const res = await gql(srv.url, `{ similarItems(itemId: "i1", first: 3) { itemId modelVersion items { item { id } score breakdown { embedding graph }
      reasons { kind text paths { nodes { label id } relationships { type direction } } } } } }`);
    expect(res.errors).toBeUndefined();
    const items = res.data.similarItems.items;
    expect(items.map((x: any) => x.item.id).slice(0, 2).sort()).toEqual(['i2', 'i3']);
    for (const it of items) for (const reason of it.reasons) for (const p of reason.paths) await expect(pathExists(db, p)).resolves.toBe(true);
    const missing = await gql(srv.url, '{ similarItems(itemId: "nope") { itemId } }');
    expect(codeOf(missing)).toBe('NOT_FOUND');
  });
});

describe('api/recommendations: a version\'s fitted context term, served with the request\'s contexts', () => {
  let db: Executor;
  let srv: ServerHandle;
  let pinned: ServerHandle;
  const WEIGHT = 0.5;
  useApiServer((x) => { ({ db, srv } = x); });
  beforeAll(async () => {
    // the fixture's model with a context weight, as a fit that found one would record it
    const { graph } = await extractGraph(db, { progress: false });
    await publishModel(db, graph, { ...fixtureModel(graph), version: 'v-context' },
      { version: 'v-context', activate: false, progress: false, params: { filter: { contextWeight: WEIGHT, contextSmoothing: 5 } } });
    pinned = await startTestServer(db, { pinnedVersion: 'v-context' });
  });
  afterAll(async () => pinned?.stop());

  it('adds weight · lift of the request\'s contexts to every score, and nothing without contexts or weight', async () => {
    const { graph } = await extractGraph(db, { progress: false, dated: true });
    const lift = new ContextLift(itemContextCountsOf(graph.train, graph.trainContexts!), graph.contexts, 5);
    const request = [{ kind: 'device', value: 'mobile' }];
    const want = new Float32Array(graph.numItems);
    lift.scoreAll(lift.resolve(request), want);
    const page = async (url: string, context?: unknown) => {
      const res = await gql(url, RECS, { u: 'carol', first: 8, context }, tokenFor('carol'));
      expect(res.errors).toBeUndefined();
      return res.data.recommendations.items as any[];
    };
    const withContext = await page(pinned.url, request);
    const without = await page(pinned.url);
    const plain = await page(srv.url, request); // the active version has no context term
    expect(withContext.some((x) => x.breakdown.context !== 0)).toBe(true);
    const base = new Map(without.map((x) => [x.item.id, x.score]));
    for (const x of withContext) {
      const j = graph.itemIds.indexOf(x.item.id);
      expect(x.breakdown.context).toBeCloseTo(WEIGHT * want[j], 5);
      const b = x.breakdown;
      expect(b.embedding + b.graph + b.context + b.popularity + b.exploration).toBeCloseTo(x.score, 9);
      if (base.has(x.item.id)) expect(x.score).toBeCloseTo(base.get(x.item.id)! + WEIGHT * want[j], 5);
    }
    for (const x of [...without, ...plain]) expect(x.breakdown.context).toBe(0);
  });
});
