/**
 * Model versions in the graph: writing a trained model's embeddings back to Neo4j and switching the
 * served version atomically.
 *
 * ## Versioning design: two slots (blue/green), the Model node names the served one
 *
 * Every embedding lives in one of two fixed sets of slot properties, `a` or `b`
 * (`embedding_a`, `foldIn_a`, `embeddingVersion_a`; the same with `_b`). The active `(:Model)` node
 * names its slot and every property a reader needs (`embeddingProperty`, `foldInProperty`,
 * `versionProperty`). A new version is always written into the slot the active version does NOT use:
 *
 * - serving never sees a half-written or mixed version: readers follow the active Model to its slot,
 *   and nothing writes into that slot except fold-ins of the same version;
 * - a failed or interrupted write leaves the active version and its vectors untouched (the partial slot
 *   is inactive and overwritten by the next run);
 * - the switch is one small transaction on Model nodes (no bulk copy inside the switch, unlike a
 *   staging-then-copy design);
 * - at most the last two versions keep vectors (the active one and the previous one, which stays
 *   activatable as a rollback until the next run claims its slot); older ones are `retired`.
 * Two fixed slots keep every statement a fixed file and bound the vectors kept to two versions.
 *
 * No vector index is built: serving scores every candidate from the in-memory model state
 * (src/serving/modelState.ts), never by an approximate index query.
 */
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import neo4j from 'neo4j-driver';
import type { Executor } from '../db/executor';
import { run } from '../db/executor';
import type { Logger } from '../log';
import { startProgress, Progress } from '../progress';
import type { HeteroGraph } from '../graph/types';
import type { TrainedModel } from './types';
import { halfLifeMsOf, modelHalfLifeDays, modelRecencyHalfLife } from '../graph/decay';

/** The largest embedding dimension a version stores (the train job's `dims` range ends here). */
export const MAX_DIMS = 4096;

/** One of the two embedding slots. */
export type Slot = 'a' | 'b';

/** Where a slot's vectors live: the property names a reader uses (from the Model node). */
export interface SlotProperties {
  /** LIST<FLOAT> of `dims` on User, Item, Category and Context nodes. */
  embeddingProperty: string;
  /** LIST<FLOAT> of `dims` on Item nodes: a user's embedding is d_u^-e * sum_i w_ui * foldIn_i. */
  foldInProperty: string;
  /** The version string of the vectors on the node, on every node that has them. */
  versionProperty: string;
}

/** The fixed slot table: the only place that names slot properties. */
export const SLOTS: Readonly<Record<Slot, Readonly<SlotProperties>>> = Object.freeze({
  a: Object.freeze({ embeddingProperty: 'embedding_a', foldInProperty: 'foldIn_a', versionProperty: 'embeddingVersion_a' }),
  b: Object.freeze({ embeddingProperty: 'embedding_b', foldInProperty: 'foldIn_b', versionProperty: 'embeddingVersion_b' }),
});

/** Lifecycle of a version: writing -> ready -> active -> inactive -> retired; or writing -> failed. */
export type ModelStatus = 'writing' | 'ready' | 'active' | 'inactive' | 'failed' | 'retired';

/** A (:Model) node as read back: metadata plus where its vectors are (slot fields are null once retired). */
export interface ModelVersion extends Partial<SlotProperties> {
  version: string;
  seq: number;
  status: ModelStatus;
  active: boolean;
  slot: Slot | null;
  dims: number;
  userNormExponent: number;
  metrics: Record<string, number>;
  params: Record<string, unknown>;
  /** ISO-8601 timestamps (null when not reached). */
  trainedAt: string | null;
  createdAt: string | null;
  readyAt: string | null;
  activatedAt: string | null;
  nodes: number;
  writtenNodes: number;
  error: string | null;
}

/** Another live run is writing a version right now (its lease is held and its process may be alive). */
export class ModelWriteConflictError extends Error {
  constructor(readonly otherVersion: string, readonly claimant: string, readonly leaseLeftMs: number) {
    super(`registry: version "${otherVersion}" is being written by another run (${claimant}; its lease ends in ${Math.ceil(leaseLeftMs / 1000)} s ` +
      'unless it renews it); wait for it to finish or fail');
    this.name = 'ModelWriteConflictError';
  }
}

/**
 * Who writes a version: this process, as `<host>/<pid>/<random id>`. A claim is held by a lease the writer renews
 * (every lease/3) while it writes; another process takes over once the lease has run out, or at once when the
 * claimant is recognisably dead: on this host, its pid is not running, or it is our own pid with another id (this
 * process restarted in the same pid, as PID 1 of a container does).
 */
export const CLAIMANT = Object.freeze({ host: os.hostname(), pid: process.pid, id: `${os.hostname()}/${process.pid}/${randomUUID()}` });

/** Default length of a write claim's lease (ms). */
export const DEFAULT_LEASE_MS = 30_000;

/** A `writing` version as model/writing reads it. */
interface WritingClaim {
  version: string;
  claimant: string | null;
  leaseUntilMs: number | null;
}

/** True when the claimant of a claim made on this host is certainly gone (see CLAIMANT). */
function claimantIsDead(claimant: string | null): boolean {
  if (!claimant) return false;
  const [host, pidText] = claimant.split('/');
  const pid = Number(pidText);
  if (host !== CLAIMANT.host || !Number.isInteger(pid) || pid <= 0) return false;
  if (claimant === CLAIMANT.id) return false;
  if (pid === CLAIMANT.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Whether a claim no longer holds: its lease ran out, or its claimant is dead. */
function claimIsStale(w: WritingClaim, now: number): boolean {
  return (w.leaseUntilMs ?? 0) < now || claimantIsDead(w.claimant);
}

/**
 * Marks failed every `writing` version whose claim no longer holds (lease run out, or a dead claimant on this
 * host): what a process does at start-up, so that a run killed mid write-back is recorded as interrupted at once
 * and never delays the next training. Returns the versions it marked.
 */
export async function recoverInterruptedWrites(db: Executor, logger?: Logger): Promise<string[]> {
  const stale = await db.writeTx(async (tx) => {
    const now = Date.now();
    const writing = await run<WritingClaim>(tx, 'model/writing');
    const versions = writing.filter((w) => claimIsStale(w, now)).map((w) => w.version);
    if (versions.length) await run(tx, 'model/mark_interrupted', { versions });
    return versions;
  });
  if (stale.length) logger?.child({ component: 'registry' }).warn({ versions: stale }, 'registry: marked interrupted write-backs failed');
  return stale;
}

/** Options of publishModel. */
export interface PublishOptions {
  /** Version string; default `v<seq>` with seq one more than the highest so far. */
  version?: string;
  /** Nodes per UNWIND batch (default 5,000). */
  batchSize?: number;
  /** Activate the version once written (default true); false leaves it `ready`. */
  activate?: boolean;
  /** Extra parameters to record on the Model node besides the model's own (e.g. extraction settings). */
  params?: Record<string, unknown>;
  logger?: Logger;
  /** Show a progress bar (default true). */
  progress?: boolean;
  /** Called once the version is created (status `writing`), with its version string and slot. */
  onClaim?: (version: string, slot: Slot) => void;
  /** Called with the fraction of nodes written, 0..1. */
  onProgress?: (fraction: number) => void;
  /** Aborts between batches; the version is marked failed and the served one stays. */
  signal?: AbortSignal;
  /** Length of the write claim's lease, renewed every third of it while writing (default DEFAULT_LEASE_MS). */
  leaseMs?: number;
  /**
   * ISO time the training data was extracted at: interactions recorded since then are folded into the new
   * version's user embeddings inside the activation transaction (see activateModel).
   */
  foldInSince?: string;
  /** Write transactions run at the same time (default 2). */
  writeConcurrency?: number;
  /** Test hook: throw after this many batches have been written (a simulated crash mid-write). */
  failAfterBatches?: number;
}

/** What publishModel did. */
export interface PublishResult {
  version: string;
  slot: Slot;
  active: boolean;
  previous: string[];
  writtenNodes: number;
  seconds: { write: number; clear: number; activate: number; total: number };
}

function otherSlot(s: Slot): Slot {
  return s === 'a' ? 'b' : 'a';
}

/** Converts driver values of a Model node (temporal types, JSON strings) to plain ones. */
function toModelVersion(raw: Record<string, unknown>): ModelVersion {
  const iso = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
  const json = <T>(v: unknown, dflt: T): T => {
    if (typeof v !== 'string') return dflt;
    try {
      return JSON.parse(v) as T;
    } catch {
      return dflt;
    }
  };
  return {
    version: raw.version as string,
    seq: Number(raw.seq ?? 0),
    status: raw.status as ModelStatus,
    active: raw.active === true,
    slot: (raw.slot as Slot | undefined) ?? null,
    embeddingProperty: raw.slot ? (raw.embeddingProperty as string) : undefined,
    foldInProperty: raw.slot ? (raw.foldInProperty as string) : undefined,
    versionProperty: raw.slot ? (raw.versionProperty as string) : undefined,
    dims: Number(raw.dims),
    userNormExponent: Number(raw.userNormExponent),
    metrics: json(raw.metrics, {}),
    params: json(raw.params, {}),
    trainedAt: iso(raw.trainedAt),
    createdAt: iso(raw.createdAt),
    readyAt: iso(raw.readyAt),
    activatedAt: iso(raw.activatedAt),
    nodes: Number(raw.nodes ?? 0),
    writtenNodes: Number(raw.writtenNodes ?? 0),
    error: (raw.error as string | undefined) ?? null,
  };
}

/** Returns the active (served) model version, or null when none is active. */
export async function activeModel(db: Executor): Promise<ModelVersion | null> {
  const rows = await db.read<{ model: Record<string, unknown> }>('model/active');
  return rows.length ? toModelVersion(rows[0].model) : null;
}

/** Returns every model version, newest first. */
export async function listModels(db: Executor): Promise<ModelVersion[]> {
  return (await db.read<{ model: Record<string, unknown> }>('model/list')).map((r) => toModelVersion(r.model));
}

/** Returns one model version, or null when there is none with that version string. */
export async function getModel(db: Executor, version: string): Promise<ModelVersion | null> {
  const rows = await db.read<{ model: Record<string, unknown> }>('model/get', { version });
  return rows.length ? toModelVersion(rows[0].model) : null;
}

/** Checks that the embeddings cover every node of the graph with finite values; throws naming the part. */
function validate(graph: HeteroGraph, model: TrainedModel): void {
  const e = model.embeddings;
  if (!Number.isInteger(e.dims) || e.dims <= 0 || e.dims > MAX_DIMS) throw new Error(`registry: embeddings.dims must be an integer from 1 to ${MAX_DIMS}, got ${e.dims}`);
  if (!Number.isFinite(e.userNormExponent)) throw new Error(`registry: embeddings.userNormExponent must be finite, got ${e.userNormExponent}`);
  const parts: [string, Float32Array, number][] = [
    ['users', e.users, graph.numUsers], ['items', e.items, graph.numItems], ['itemFoldIn', e.itemFoldIn, graph.numItems],
    ['categories', e.categories, graph.categories.length], ['contexts', e.contexts, graph.contexts.length],
  ];
  for (const [name, arr, count] of parts) {
    if (!arr || arr.length !== count * e.dims) {
      throw new Error(`registry: embeddings.${name} must hold ${count} x ${e.dims} = ${count * e.dims} floats, got ${arr?.length}`);
    }
    for (let k = 0; k < arr.length; k++) {
      if (!Number.isFinite(arr[k])) {
        throw new Error(`registry: embeddings.${name}[${Math.floor(k / e.dims)}][${k % e.dims}] is ${arr[k]}, expected a finite number`);
      }
    }
  }
}

/**
 * One vector as the write statements take it: comma-separated decimals of 9 significant digits, which read back to
 * the same float32 (the writes parse them with split/toFloat). The driver's encoding of a list of numbers costs
 * several times the CPU of the string per value (bench/results/write-encoding.json).
 */
export function vectorText(values: ArrayLike<number>): string {
  let out = '';
  for (let k = 0; k < values.length; k++) out += (k ? ',' : '') + values[k].toPrecision(9);
  return out;
}

function row(arr: Float32Array, r: number, dims: number): string {
  return vectorText(arr.subarray(r * dims, (r + 1) * dims));
}

/**
 * Writes a trained model back to the graph as a new version and (by default) makes it the served one:
 * claims the inactive slot and creates the Model node (status `writing`), writes every node's embedding
 * in UNWIND batches (items also their fold-in vectors), clears that slot's vectors of older
 * versions, marks the version `ready` and ONLY THEN, in one
 * transaction, activates it. On any failure the version is marked `failed` and the previously active
 * version keeps serving, untouched. Embedding rows are aligned with the graph's id lists.
 */
export async function publishModel(db: Executor, graph: HeteroGraph, model: TrainedModel, options: PublishOptions = {}): Promise<PublishResult> {
  const log = options.logger?.child({ component: 'registry' });
  const batchSize = options.batchSize ?? 5000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`registry: batchSize must be a positive integer, got ${batchSize}`);
  validate(graph, model);
  const e = model.embeddings;
  const dims = e.dims;
  const t0 = performance.now();
  const totalNodes = graph.numUsers + graph.numItems + graph.categories.length + graph.contexts.length;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;

  // 1. claim the slot the active version does not use, in one transaction with the conflict check
  const claim = await db.writeTx(async (tx) => {
    const writing = await run<WritingClaim>(tx, 'model/writing');
    const now = Date.now();
    const stale: string[] = [];
    for (const w of writing) {
      if (!claimIsStale(w, now)) throw new ModelWriteConflictError(w.version, w.claimant ?? 'unknown', (w.leaseUntilMs ?? 0) - now);
      stale.push(w.version);
    }
    const active = await run<{ model: Record<string, unknown> }>(tx, 'model/active');
    const activeSlot = active.length ? (active[0].model.slot as Slot | null) : null;
    const slot: Slot = activeSlot ? otherSlot(activeSlot) : 'a';
    const props = SLOTS[slot];
    const rows = await run<{ version: string; seq: number; retired: number }>(tx, 'model/claim', {
      staleVersions: stale,
      slot,
      ...props,
      version: options.version ?? null,
      trainedAt: new Date().toISOString(),
      dims: neo4j.int(dims),
      userNormExponent: e.userNormExponent,
      metrics: JSON.stringify(model.metrics ?? {}),
      params: JSON.stringify({ ...(model.params ?? {}), ...(options.params ?? {}), fit: { trainSeconds: model.report?.trainSeconds, epochs: model.report?.epochs } }),
      nodes: neo4j.int(totalNodes),
      claimant: CLAIMANT.id,
      leaseMs: neo4j.int(leaseMs),
    });
    return { version: rows[0].version, slot, props, stale, retired: rows[0].retired };
  });
  const { version, slot, props } = claim;
  const vlog = log?.child({ version, slot });
  // the lease is renewed on a timer, not per batch: the clean-up and the activation may take minutes
  let renewing: Promise<unknown> = Promise.resolve();
  const lease = setInterval(() => {
    renewing = db.write('model/renew_lease', { version, claimant: CLAIMANT.id, leaseMs: neo4j.int(leaseMs) })
      .catch((err) => vlog?.warn({ err: String(err) }, 'registry: could not renew the write lease'));
  }, Math.max(10, Math.floor(leaseMs / 3)));
  lease.unref();
  options.onClaim?.(version, slot);
  vlog?.info({ staleMarkedFailed: claim.stale, retired: claim.retired, nodes: totalNodes, dims }, 'registry: writing new model version');

  let written = 0;
  let batches = 0;
  const bar: Progress | undefined = options.progress === false ? undefined : startProgress(`write ${version}`, totalNodes, 'nodes');
  const seconds = { write: 0, clear: 0, activate: 0, total: 0 };
  try {
    const common = { version, ...props };
    // every batch of every label is one job; `writeConcurrency` transactions run at a time (disjoint nodes,
    // so they never wait on each other except briefly on the Model node's heartbeat)
    type Job = { what: string; statement: string; start: number; end: number; makeRow: (k: number) => Record<string, unknown> };
    const jobs: Job[] = [];
    const addJobs = (what: string, statement: string, count: number, makeRow: Job['makeRow']) => {
      for (let start = 0; start < count; start += batchSize) jobs.push({ what, statement, start, end: Math.min(count, start + batchSize), makeRow });
    };
    addJobs('users', 'model/write_users', graph.numUsers, (u) => ({ id: graph.userIds[u], e: row(e.users, u, dims) }));
    addJobs('items', 'model/write_items', graph.numItems, (i) => ({ id: graph.itemIds[i], e: row(e.items, i, dims), f: row(e.itemFoldIn, i, dims) }));
    addJobs('categories', 'model/write_categories', graph.categories.length, (c) => ({ id: graph.categories[c], e: row(e.categories, c, dims) }));
    addJobs('contexts', 'model/write_contexts', graph.contexts.length, (c) => ({
      kind: graph.contexts[c].kind, value: graph.contexts[c].value, e: row(e.contexts, c, dims),
    }));
    let nextJob = 0;
    let started = 0;
    let stop = false;
    const worker = async () => {
      while (nextJob < jobs.length && !stop) {
        const job = jobs[nextJob++];
        if (options.signal?.aborted) throw new Error(`registry: writing version "${version}" was cancelled`);
        if (options.failAfterBatches !== undefined && started >= options.failAfterBatches) {
          throw new Error(`registry: simulated failure after ${started} batches (failAfterBatches=${options.failAfterBatches})`);
        }
        started++;
        const rows: Record<string, unknown>[] = [];
        for (let k = job.start; k < job.end; k++) rows.push(job.makeRow(k));
        const n = job.end - job.start;
        // the work function may be retried by the driver: it only reads outer state, never updates it
        const matched = await db.writeTx(async (tx) => {
          const res = await run<{ written: number }>(tx, job.statement, { ...common, rows });
          await run(tx, 'model/heartbeat', { version, batchNodes: neo4j.int(n) });
          return res[0].written;
        });
        if (matched !== n) vlog?.warn({ what: job.what, expected: n, matched }, 'registry: some nodes of the batch no longer exist');
        written += n;
        batches++;
        bar?.increment(n);
        options.onProgress?.(written / totalNodes);
      }
    };
    const guarded = () => worker().catch((err) => {
      stop = true; // the other workers finish their current batch and start no new one
      throw err;
    });
    let t = performance.now();
    const concurrency = Math.max(1, Math.min(options.writeConcurrency ?? 2, jobs.length || 1));
    // all workers settle before the error (if any) propagates, so no batch is still writing when the version is marked failed
    const results = await Promise.allSettled(Array.from({ length: concurrency }, guarded));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    bar?.stop();
    seconds.write = (performance.now() - t) / 1000;
    t = performance.now();

    // 2. the slot must hold this version only: clear vectors an older version left on nodes not written now
    let cleared = 0;
    for (;;) {
      const [{ cleared: n }] = await db.write<{ cleared: number }>('model/clear_stale', { ...common, limit: neo4j.int(batchSize) });
      cleared += n;
      if (n === 0) break;
    }
    seconds.clear = (performance.now() - t) / 1000;
    t = performance.now();

    if (options.signal?.aborted) throw new Error(`registry: writing version "${version}" was cancelled`);
    const ready = await db.write('model/mark_ready', { version, writtenNodes: neo4j.int(written) });
    if (ready.length !== 1) throw new Error(`registry: version "${version}" is no longer in status writing (marked failed by another run?)`);
    vlog?.info({ written, cleared, seconds }, 'registry: version written');

    // 3. the atomic switch
    let previous: string[] = [];
    const activate = options.activate !== false;
    if (activate) {
      if (options.signal?.aborted) throw new Error(`registry: writing version "${version}" was cancelled`);
      previous = (await activateModel(db, version, { foldInSince: options.foldInSince })).previous;
    }
    clearInterval(lease);
    await renewing;
    seconds.activate = (performance.now() - t) / 1000;
    seconds.total = (performance.now() - t0) / 1000;
    vlog?.info({ active: activate, previous, seconds }, activate ? 'registry: version active' : 'registry: version ready');
    return { version, slot, active: activate, previous, writtenNodes: written, seconds };
  } catch (err) {
    clearInterval(lease);
    await renewing;
    bar?.stop();
    const message = err instanceof Error ? err.message : String(err);
    vlog?.error({ err: message, written }, 'registry: writing the version failed; the previous version stays active');
    try {
      await db.write('model/mark_failed', { version, error: message });
    } catch (markErr) {
      vlog?.error({ err: String(markErr) }, 'registry: could not mark the version failed (it will be marked interrupted later)');
    }
    throw err;
  }
}

/**
 * The decay parameters of model/catch_up_users: the version's trained half-life (null: none), ages from now, and its
 * fitted recency half-life (null: none).
 */
function catchUpDecayParams(params: Record<string, unknown>): { halfLifeMs: number | null; nowMs: number; recencyHalfLife: number | null } {
  const days = modelHalfLifeDays(params);
  return { halfLifeMs: days === undefined ? null : halfLifeMsOf(days), nowMs: Date.now(), recencyHalfLife: modelRecencyHalfLife(params) };
}

/**
 * Makes `version` the only active version in one transaction (the previous active one becomes
 * `inactive`, its vectors kept for a rollback until the next run claims its slot). With `foldInSince`
 * (ISO time of the extraction the version was trained on), the same transaction first folds the
 * interactions recorded since then into the version's user embeddings, so the switch loses no feedback.
 * Throws when the version does not exist or has no complete vectors (not ready, failed or retired).
 */
export async function activateModel(db: Executor, version: string, options: { foldInSince?: string } = {}):
  Promise<{ version: string; previous: string[]; caughtUp: number }> {
  const model = await getModel(db, version);
  const res = await db.writeTx(async (tx) => {
    let caughtUp = 0;
    if (options.foldInSince && model?.slot) {
      const [r] = await run<{ caughtUp: number }>(tx, 'model/catch_up_users', {
        since: options.foldInSince, version, dims: neo4j.int(model.dims), userNormExponent: model.userNormExponent, ...SLOTS[model.slot],
        ...catchUpDecayParams(model.params),
      });
      caughtUp = r.caughtUp;
    }
    const rows = await run<{ version: string; previous: string[] }>(tx, 'model/activate', { version });
    if (rows.length !== 1) throw new ActivationError(version);
    return { ...rows[0], caughtUp };
  }).catch((err) => err as Error);
  if (res instanceof ActivationError) {
    const m = await getModel(db, version);
    throw new Error(m
      ? `registry: version "${version}" cannot be activated in status "${m.status}"${m.slot ? '' : ' (its vectors are gone)'}; expected ready or inactive`
      : `registry: no model version "${version}"`);
  }
  if (res instanceof Error) throw res;
  return res;
}

/** Rolls the activation transaction back when the version does not qualify (mapped to a clear message). */
class ActivationError extends Error {
  constructor(readonly version: string) {
    super(`registry: version "${version}" cannot be activated`);
  }
}
