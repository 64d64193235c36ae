import { run, type Executor, type StatementCounter } from '../db/executor';
import { modelHalfLifeDays, modelRecencyHalfLife } from '../graph/decay';
import type { ContextValue } from './types';
import { foldInUserDecayed, type TimedFoldInRow } from './foldIn';
import { slotParams, type ModelStore } from './modelState';
import type { ExposureLog } from './exposures';
import { NodeNotFoundError } from './errors';

/** A validated interaction to record. */
export interface InteractionRecord {
  userId: string;
  itemId: string;
  kind: string;
  weight: number;
  /** ISO UTC time. */
  at: string;
  contexts: ContextValue[];
  idempotencyKey: string | null;
  impressionId: string | null;
}

/** What recording returns: the stored row, whether it was a replay, the version the user embedding was refolded with, the credited impression. */
export interface RecordedInteraction {
  row: { replayed: boolean; itemId: string; kind: string; weight: number; at: string; contexts: string[] };
  embeddingVersion: string | null;
  feedbackImpressionId: string | null;
}

/**
 * Writes an interaction (idempotent by key) and, in the same transaction, the user's embedding of the served version
 * folded in again with its decay (for readers of the graph); the next page reads the user's row with it. Then credits a positive response to the exposure it answers.
 * Throws NodeNotFoundError when the user or the item does not exist.
 */
export async function recordInteraction(db: Executor, store: ModelStore, exposures: ExposureLog, r: InteractionRecord,
  exists: (userId: string, itemId: string) => Promise<{ user: boolean; item: boolean }>, counter?: StatementCounter): Promise<RecordedInteraction> {
  const model = await store.activeModel(counter);
  const result = await db.writeTx(async (tx) => {
    const rows = await run(tx, 'api/recordInteraction', {
      userId: r.userId, itemId: r.itemId, kind: r.kind, weight: r.weight, at: r.at, contexts: r.contexts,
      contextKeys: r.contexts.map((c) => `${c.kind}:${c.value}`), idempotencyKey: r.idempotencyKey,
    }, counter);
    if (rows.length === 0) return null;
    let version: string | null = null;
    if (model && !rows[0].replayed) {
      const foldRows = await run<TimedFoldInRow & { version: string | null }>(tx, 'api/userFoldInRows', { ...slotParams(model), userId: r.userId }, counter);
      // decayed with the served version's half-life; items without this version's vector still count in d_u
      const emb = foldInUserDecayed(foldRows.map((x) => (x.version === model.version ? x : { ...x, foldIn: null })),
        model.dims, model.userNormExponent, modelHalfLifeDays(model.params), modelRecencyHalfLife(model.params), Date.now());
      if (emb) {
        await run(tx, 'api/setUserEmbedding', { ...slotParams(model), userId: r.userId, embedding: emb }, counter);
        version = model.version;
      }
    }
    return { row: rows[0] as RecordedInteraction['row'], version };
  });
  if (!result) {
    const e = await exists(r.userId, r.itemId);
    if (!e.user) throw new NodeNotFoundError('User', r.userId, 'Create it with upsertUser first.');
    if (!e.item) throw new NodeNotFoundError('Item', r.itemId, 'Create it with upsertItem first.');
    throw new Error(`recordInteraction: no row written for user ${r.userId} and item ${r.itemId} although both exist`);
  }
  const fresh = !result.row.replayed && r.weight > 0;
  // a positive response to a recent exposure: feedback for Thompson sampling (in memory now, in the graph write-behind)
  const feedbackImpressionId = fresh ? exposures.feedback(r.userId, r.itemId, r.kind, r.impressionId) : null;
  return { row: result.row, embeddingVersion: result.version, feedbackImpressionId };
}
