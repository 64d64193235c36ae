import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Executor } from '../../src/db/executor';
import { loadPolicyConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { evaluateOffPolicy, readShownLog, toOpenBanditFeedback } from '../../src/eval/shownLog';
import { main as evalCli, parseEvalArgs } from '../../src/cli/evalOffpolicy';
import type { ServerHandle } from '../../src/api/server';
import { useApiServer, gql, startTestServer, tokenFor } from '../helpers/apiServer';

describe('eval:offpolicy: estimates and the Open Bandit export from the SHOWN log', () => {
  let db: Executor;
  let srv: ServerHandle;
  // logging policy: no exploration or least-shown slots, so its pages are reproducible; propensities are then 1
  const policy = { ...loadPolicyConfig({}), exploration: 0, leastShown: 0 };
  useApiServer((x) => { ({ db, srv } = x); }, (db) => startTestServer(db, {}, policy));
  const since = new Date(Date.now() - 60_000).toISOString();

  it('reads the logged pages with their feedback, estimates, and exports', async () => {
    const page = async (user: string) => (await gql(srv.url, 'query($u: ID!) { recommendations(userId: $u, first: 3) { impressionId items { item { id } probability } } }',
      { u: user }, tokenFor(user))).data.recommendations;
    const alice = await page('alice');
    const carol = await page('carol');
    expect(alice.items).toHaveLength(3);
    const clicked = carol.items[1].item.id;
    const rec = await gql(srv.url, 'mutation($i: ID!, $imp: ID!) { recordInteraction(input: {userId: "carol", itemId: $i, kind: "click", impressionId: $imp}) { feedbackImpressionId } }',
      { i: clicked, imp: carol.impressionId }, tokenFor('carol'));
    expect(rec.errors).toBeUndefined();
    await srv.engine.policy.exposures.flush();

    const pages = await readShownLog(db, since, 1000);
    expect(pages.map((p) => p.impressionId).sort()).toEqual([alice.impressionId, carol.impressionId].sort());
    const carolPage = pages.find((p) => p.impressionId === carol.impressionId)!;
    expect(carolPage.slots.map((s) => [s.itemId, s.position, s.pscore, s.clicked]))
      .toEqual(carol.items.map((it: any, k: number) => [it.item.id, k + 1, it.probability, it.item.id === clicked]));

    const obp = toOpenBanditFeedback(pages);
    expect(obp.n_rounds).toBe(6);
    expect(obp.len_list).toBe(3);
    expect(obp.reward.reduce((s, r) => s + r, 0)).toBe(1);
    expect(obp.position.slice(0, 3)).toEqual([0, 1, 2]);
    expect(obp.pscore.every((p) => p === 1)).toBe(true);
    expect(obp.context[0]).toHaveLength(3);
    expect(obp.action_ids[obp.action[obp.reward.indexOf(1)]]).toBe(clicked);

    // the candidate equal to the logging policy: alice's context did not change, so her page is reproduced exactly
    const report = await evaluateOffPolicy(db, createLogger('silent'), { since, policy: {}, policyDefaults: policy, maxRows: 1000, progress: false });
    expect(report).toMatchObject({ pages: 2, slots: 6, skippedPages: 0 });
    const e = Object.fromEntries(report.estimates.map((x) => [x.estimator, x]));
    expect(e.logged.value).toBeCloseTo(1 / 6, 12);
    expect(e.ips.value).toBeGreaterThanOrEqual(0);
    expect(e.ips.value).toBeLessThanOrEqual(1 / 3);
    expect(e.snips.value).toBeGreaterThanOrEqual(0);
    expect(e.snips.low).toBeLessThanOrEqual(e.snips.high);
  });

  it('the command validates its arguments and writes the export', async () => {
    expect(() => parseEvalArgs(['--since', 'yesterday', '--policy', '{}'])).toThrow('--since must be an ISO 8601 date or time, got "yesterday"');
    expect(() => parseEvalArgs(['--since', '2026-01-01', '--policy', '{"exploration": 2}'])).toThrow('--policy: exploration must be a number from 0 to 1, got 2');
    expect(() => parseEvalArgs(['--since', '2026-01-01', '--policy', '{"explore": 0.1}'])).toThrow(/unknown field "explore"/);
    expect(() => parseEvalArgs(['--since', '2026-01-01', '--policy', '{'])).toThrow(/must be valid JSON/);
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'ope-')), 'obp.json');
    const env = { ...process.env };
    process.env.NEO4J_URI = (await import('../helpers/neo4j')).TEST_URI;
    process.env.NEO4J_PASSWORD = process.env.NEO4J_TEST_PASSWORD || 'interest-graph-dev';
    process.env.LOG_LEVEL = 'silent';
    process.env.LOG_FORMAT = 'json';
    const write = process.stdout.write;
    let printed = '';
    process.stdout.write = ((s: string) => { printed += s; return true; }) as typeof process.stdout.write;
    try {
      expect(await evalCli(['--since', since, '--policy', '{"diversity": 0.3}', '--export', out])).toBe(0);
    } finally {
      process.stdout.write = write;
      process.env = env;
    }
    expect(JSON.parse(printed)).toMatchObject({ pages: 2, policy: { diversity: 0.3 } });
    expect(Object.keys(JSON.parse(readFileSync(out, 'utf8')))).toEqual(expect.arrayContaining(['action', 'position', 'reward', 'pscore', 'context', 'n_rounds']));
  });
});
