/**
 * Off-policy evaluation from the exposure log (the SHOWN edges of src/serving/exposures.ts and the feedback
 * credited to them): reads the pages logged since a date, reconstructs each page's context with the serving
 * engine and takes the candidate policy's exact position-wise propensities there (rerank's law), then the estimators of
 * src/eval/offpolicy.ts. Also exports the log in Open Bandit Pipeline's shape.
 *
 * Context reconstruction (the log holds no candidate lists): the page's user is served again by the model
 * version that served it (pinned), excluding exactly the items the user had interacted with before the page
 * (includeInteracted with the earlier items excluded), without the request's context values (not logged), from the
 * graph and exposure counts as they are now. Feedback recorded after the page has changed the user's profile
 * since, so the reconstruction is close to, not the same as, the context the logging policy saw.
 */
import neo4j from 'neo4j-driver';
import type { Executor } from '../db/executor';
import type { Logger } from '../log';
import type { PolicyConfig } from '../config';
import { ServingEngine, DEFAULT_SERVING } from '../serving/servingEngine';
import { ServingPolicy, type PolicyRequest } from '../serving/servingPolicy';
import { ExposureLog } from '../serving/exposures';
import { getModel } from '../model/registry';
import { offPolicyEstimates, type OffPolicyEstimate, type OffPolicyRound } from './offpolicy';
import { startProgress } from '../progress';

/** One logged page. */
export interface LoggedPage {
  impressionId: string;
  userId: string;
  modelVersion: string;
  at: string;
  /** In position order; positions as logged (1-based). */
  slots: { itemId: string; position: number; pscore: number; exploration: boolean; clicked: boolean }[];
}

/** Reads the pages logged since `since` (at most `maxRows` rows, whole pages only). */
export async function readShownLog(db: Executor, since: string, maxRows: number): Promise<LoggedPage[]> {
  const rows = await db.read<{ userId: string; itemId: string; impressionId: string; position: number; pscore: number; exploration: boolean;
    modelVersion: string; at: string; clicked: boolean }>('eval/shown-log', { since, limit: neo4j.int(maxRows + 1) });
  const truncated = rows.length > maxRows;
  const pages = new Map<string, LoggedPage>();
  for (const r of rows.slice(0, maxRows)) {
    let p = pages.get(r.impressionId);
    if (!p) pages.set(r.impressionId, p = { impressionId: r.impressionId, userId: r.userId, modelVersion: r.modelVersion, at: r.at, slots: [] });
    p.slots.push({ itemId: r.itemId, position: r.position, pscore: r.pscore, exploration: r.exploration, clicked: r.clicked });
  }
  const out = [...pages.values()];
  if (truncated && out.length > 1) out.pop(); // the last page may be cut
  return out;
}

/** The log in Open Bandit Pipeline's bandit-feedback shape (one entry per slot; actions and users as integer indexes). */
export function toOpenBanditFeedback(pages: readonly LoggedPage[]) {
  const actionIds: string[] = [];
  const actionIndex = new Map<string, number>();
  const userIds: string[] = [];
  const userIndex = new Map<string, number>();
  const idx = (map: Map<string, number>, list: string[], id: string) => {
    let k = map.get(id);
    if (k === undefined) {
      map.set(id, k = list.length);
      list.push(id);
    }
    return k;
  };
  const action: number[] = [], position: number[] = [], reward: number[] = [], pscore: number[] = [], context: number[][] = [], impression: string[] = [];
  let lenList = 0;
  for (const p of pages) {
    const at = new Date(p.at);
    const u = idx(userIndex, userIds, p.userId);
    for (const s of p.slots) {
      action.push(idx(actionIndex, actionIds, s.itemId));
      position.push(s.position - 1);
      reward.push(s.clicked ? 1 : 0);
      pscore.push(s.pscore);
      context.push([u, at.getUTCHours(), at.getUTCDay()]);
      impression.push(p.impressionId);
      lenList = Math.max(lenList, s.position);
    }
  }
  return {
    n_rounds: action.length, n_actions: actionIds.length, len_list: lenList,
    action, position, reward, pscore, context,
    context_columns: ['user_index', 'hour_utc', 'weekday_utc'],
    action_ids: actionIds, user_ids: userIds, impression_ids: impression,
  };
}

/** What evaluateOffPolicy reports. */
export interface OffPolicyReport {
  since: string;
  pages: number;
  slots: number;
  /** Pages left out because their model version no longer has vectors (retired). */
  skippedPages: number;
  policy: PolicyRequest;
  estimates: OffPolicyEstimate[];
}

/**
 * The candidate `policy`'s click rate from the pages logged since `since` (see the module comment), next to the
 * logging policy's observed rate.
 */
export async function evaluateOffPolicy(db: Executor, log: Logger, options: { since: string; policy: PolicyRequest; policyDefaults?: PolicyConfig;
  maxRows: number; alpha?: number; progress?: boolean; pages?: LoggedPage[] }): Promise<OffPolicyReport> {
  const pages = options.pages ?? await readShownLog(db, options.since, options.maxRows);
  if (pages.length === 0) throw new Error(`offpolicy: no pages were logged since ${options.since}`);
  const engines = new Map<string, ServingEngine | null>();
  const engineFor = async (version: string) => {
    if (!engines.has(version)) {
      const m = await getModel(db, version);
      engines.set(version, m?.slot ? new ServingEngine(db, log, { ...DEFAULT_SERVING, pinnedVersion: version }, undefined,
        new ServingPolicy(db, log, options.policyDefaults, new ExposureLog(db, log))) : null);
    }
    return engines.get(version)!;
  };
  const rounds: OffPolicyRound[] = [];
  let skipped = 0;
  const bar = options.progress === false ? undefined : startProgress('offpolicy', pages.length, 'pages');
  try {
    for (const p of pages) {
      bar?.increment();
      const engine = await engineFor(p.modelVersion);
      if (!engine) {
        skipped++;
        continue;
      }
      const [{ items: before }] = await db.read<{ items: string[] }>('eval/interacted-before', { userId: p.userId, at: p.at });
      const first = Math.max(...p.slots.map((s) => s.position));
      const page = await engine.recommend({ userId: p.userId, first, contexts: [], categories: [], excludeItemIds: before, includeInteracted: true,
        policy: { ...options.policy, logExposures: false } });
      const propensity = page.propensity;
      if (!propensity) throw new Error(`offpolicy: the serving engine built page ${p.impressionId}'s context without the policy's law`);
      rounds.push(p.slots.map((s) => ({ position: s.position - 1, reward: s.clicked ? 1 : 0, pscore: s.pscore, evalProb: propensity(s.itemId, s.position) })));
    }
  } finally {
    bar?.stop();
    for (const e of engines.values()) await e?.dispose();
  }
  if (rounds.length === 0) throw new Error(`offpolicy: none of the ${pages.length} pages since ${options.since} can be evaluated (their model versions were retired)`);
  return {
    since: options.since, pages: rounds.length, slots: rounds.reduce((s, r) => s + r.length, 0), skippedPages: skipped,
    policy: options.policy, estimates: offPolicyEstimates(rounds, { alpha: options.alpha }),
  };
}
