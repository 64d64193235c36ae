/**
 * A training run from the graph: extract -> fit -> write back -> activate, one run at a time, with a
 * status object that the CLI prints and the GraphQL API exposes (`trainingRun(id)`), and cancellation.
 */
import { randomUUID } from 'node:crypto';
import { detachedFromRequest, type Executor } from '../db/executor';
import { extractGraph, ExtractStats } from '../graph/extract';
import type { Logger } from '../log';
import { activateModel, activeModel, MAX_DIMS, publishModel, PublishOptions } from './registry';
import { DEFAULT_GATE_TOLERANCE } from '../config';
import { gateDecision, type GateDecision } from './gate';
import type { HeteroGraph } from '../graph/types';
import type { TrainedModel } from './types';

/** Where a run is; `failed` includes cancelled runs (their error says so). */
export type TrainingState = 'queued' | 'extracting' | 'training' | 'writing' | 'activating' | 'succeeded' | 'failed';

/** What a run is asked to do. Every field is optional. */
export interface TrainingParams {
  /** Embedding dimensions, passed to the model. */
  dims?: number;
  /** Seed, passed to the model. */
  seed?: number;
  /**
   * Time decay half-life of interaction weights in days (default: TrainingJobsOptions.defaultHalfLifeDays, else no
   * decay). The model version records it as params.extract.halfLifeDays (null: none); serving folds users in with it.
   */
  halfLifeDays?: number;
  /** Nodes per write-back batch. */
  batchSize?: number;
  /** Activate the new version once written (default true). */
  activate?: boolean;
  /** Users sampled for the held-out (HELD_OUT) check of the served score; 0 skips it (default 2,000). */
  evalUsers?: number;
  /** Further model options, passed to the model as they are. */
  model?: Record<string, unknown>;
}

/** Options the model's fit function receives. */
export interface FitGraphOptions extends Record<string, unknown> {
  dims?: number;
  seed?: number;
  logger?: Logger;
  signal?: AbortSignal;
  /** Progress reports from the model, e.g. {epoch, epochs, loss} or {fraction}. */
  onProgress?: (info: Record<string, number>) => void;
}

/** The model's entry point: fits the graph and returns embeddings for every node (src/model/interestModel.ts). */
export type FitGraph = (graph: HeteroGraph, opts: FitGraphOptions) => Promise<TrainedModel>;

/** The public status of a run (a snapshot: later changes do not show in it). */
export interface TrainingRunStatus {
  id: string;
  state: TrainingState;
  /** Overall progress 0..1 across all phases. */
  progress: number;
  /** ISO-8601 times; null until reached. */
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** The model version written (null until the write starts). */
  version: string | null;
  /** The model's metrics plus the held-out check (null until trained). */
  metrics: Record<string, number> | null;
  /** Why the run failed (null otherwise). */
  error: string | null;
  /** True once its version is the served one (false when not asked to activate or held back by the gate). */
  activated: boolean;
  /** The quality gate's decision (src/model/gate.ts), null until it ran (or when not asked to activate). */
  gate: GateDecision | null;
  params: TrainingParams;
  /** Node and edge counts and seconds per phase, as they become known. */
  stats: { nodes?: number; trainEdges?: number; seconds: Record<string, number> };
}

/** A run is already queued or in progress. */
export class TrainingBusyError extends Error {
  constructor(readonly runningId: string) {
    super(`train: run ${runningId} is still in progress; only one training run at a time`);
    this.name = 'TrainingBusyError';
  }
}

/** Dependencies of the job runner. */
export interface TrainingJobsOptions {
  db: Executor;
  fit: FitGraph;
  logger?: Logger;
  /** Progress bars on stderr (default true; the API server turns them off). */
  progress?: boolean;
  /** Finished runs kept for status queries (default 20). */
  historySize?: number;
  /** Extra write-back options (tests: failAfterBatches). */
  publish?: Partial<PublishOptions>;
  /** Half-life in days for runs that name none (config INTEREST_HALF_LIFE_DAYS); undefined: no decay. */
  defaultHalfLifeDays?: number;
  /** Relative tolerance of the quality gate (config TRAIN_GATE_TOLERANCE; default DEFAULT_GATE_TOLERANCE). */
  gateTolerance?: number;
}

/** Phase boundaries of the overall progress. */
const PHASES: Record<'extracting' | 'training' | 'writing' | 'activating', [number, number]> = {
  extracting: [0, 0.05],
  training: [0.05, 0.75],
  writing: [0.75, 0.98],
  activating: [0.98, 1],
};

/** Whether a run is queued or running somewhere in this process (one at a time per process). */
let processBusy: string | null = null;

function validateParams(p: TrainingParams): void {
  const posInt = (name: keyof TrainingParams, v: unknown, max: number) => {
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 1 && (v as number) <= max)) {
      throw new Error(`train: ${name} must be an integer from 1 to ${max}, got ${JSON.stringify(v)}`);
    }
  };
  posInt('dims', p.dims, MAX_DIMS);
  posInt('batchSize', p.batchSize, 200_000);
  if (p.seed !== undefined && !Number.isInteger(p.seed)) throw new Error(`train: seed must be an integer, got ${JSON.stringify(p.seed)}`);
  if (p.halfLifeDays !== undefined && !(typeof p.halfLifeDays === 'number' && p.halfLifeDays > 0 && Number.isFinite(p.halfLifeDays))) {
    throw new Error(`train: halfLifeDays must be a positive number of days, got ${JSON.stringify(p.halfLifeDays)}`);
  }
  if (p.evalUsers !== undefined && !(Number.isInteger(p.evalUsers) && p.evalUsers >= 0)) {
    throw new Error(`train: evalUsers must be a non-negative integer, got ${JSON.stringify(p.evalUsers)}`);
  }
}

/**
 * Runs training jobs against one database with one fit function: `start` queues a run and returns its
 * status at once; the run goes extracting -> training -> writing -> activating -> succeeded (or failed,
 * leaving the previously active version serving). Only one run at a time per process (and the registry
 * refuses a second writer across processes).
 */
export class TrainingJobs {
  private readonly runs = new Map<string, TrainingRunStatus>();
  private readonly controllers = new Map<string, AbortController>();
  private readonly done = new Map<string, Promise<TrainingRunStatus>>();
  private readonly log?: Logger;
  private readonly finishListeners = new Set<(run: TrainingRunStatus) => void>();

  constructor(private readonly options: TrainingJobsOptions) {
    this.log = options.logger?.child({ component: 'train' });
  }

  /** Calls `listener` with the final status of every run that finishes from now on; returns the unsubscribe function. */
  onFinish(listener: (run: TrainingRunStatus) => void): () => void {
    this.finishListeners.add(listener);
    return () => this.finishListeners.delete(listener);
  }

  /**
   * Queues a run and returns its status (whose params show the half-life it uses, the default filled in); throws
   * TrainingBusyError while another run is queued or running.
   */
  start(params: TrainingParams = {}): TrainingRunStatus {
    const halfLifeDays = params.halfLifeDays ?? this.options.defaultHalfLifeDays;
    params = halfLifeDays === undefined ? params : { ...params, halfLifeDays };
    validateParams(params);
    if (processBusy !== null) throw new TrainingBusyError(processBusy);
    const id = randomUUID();
    processBusy = id;
    const status: TrainingRunStatus = {
      id, state: 'queued', progress: 0, queuedAt: new Date().toISOString(), startedAt: null, finishedAt: null,
      version: null, metrics: null, error: null, activated: false, gate: null, params: { ...params }, stats: { seconds: {} },
    };
    this.runs.set(id, status);
    const controller = new AbortController();
    this.controllers.set(id, controller);
    // the run outlives the request that started it: its statements are not bound by that request's deadline
    this.done.set(id, detachedFromRequest(() => this.execute(status, controller.signal)).finally(() => {
      processBusy = null;
      this.controllers.delete(id);
      for (const l of this.finishListeners) l(structuredClone(status));
      this.trimHistory();
    }));
    return this.get(id)!;
  }

  /** The status of a run (a copy), or null for an unknown id. */
  get(id: string): TrainingRunStatus | null {
    const s = this.runs.get(id);
    return s ? structuredClone(s) : null;
  }

  /** Every known run, newest first. */
  list(): TrainingRunStatus[] {
    return [...this.runs.values()].reverse().map((s) => structuredClone(s));
  }

  /** Asks a queued or running run to stop; true when it was still running. It ends `failed` with error "cancelled". */
  cancel(id: string): boolean {
    const c = this.controllers.get(id);
    if (!c) return false;
    c.abort();
    return true;
  }

  /** Resolves with the final status of a run once it has finished. */
  async wait(id: string): Promise<TrainingRunStatus> {
    const p = this.done.get(id);
    if (!p) throw new Error(`train: no run with id "${id}"`);
    await p;
    return this.get(id)!;
  }

  private trimHistory(): void {
    const keep = this.options.historySize ?? 20;
    for (const [id, s] of this.runs) {
      if (this.runs.size <= keep) break;
      if (s.state === 'succeeded' || s.state === 'failed') {
        this.runs.delete(id);
        this.done.delete(id);
      }
    }
  }

  private async execute(s: TrainingRunStatus, signal: AbortSignal): Promise<TrainingRunStatus> {
    const { db, fit } = this.options;
    const p = s.params;
    const log = this.log?.child({ run: s.id });
    const showBars = this.options.progress !== false;
    const enter = (state: keyof typeof PHASES) => {
      s.state = state;
      s.progress = PHASES[state][0];
      log?.info({ state }, `train: ${state}`);
    };
    const within = (state: keyof typeof PHASES, f: number) => {
      const [a, b] = PHASES[state];
      s.progress = Math.max(s.progress, a + (b - a) * Math.min(1, Math.max(0, f)));
    };
    const checkCancelled = () => {
      if (signal.aborted) throw new Error('cancelled');
    };
    const t0 = performance.now();
    let t = t0;
    const lap = (what: string) => {
      const now = performance.now();
      s.stats.seconds[what] = Math.round((now - t) / 10) / 100;
      t = now;
    };
    try {
      await new Promise((r) => setImmediate(r)); // start() returns before any work
      s.startedAt = new Date().toISOString();
      checkCancelled();

      enter('extracting');
      const extractedAt = new Date().toISOString();
      const { graph, stats } = await extractGraph(db, { halfLifeDays: p.halfLifeDays, dated: true, logger: log, progress: showBars, signal });
      s.stats.nodes = stats.users + stats.items + stats.categories + stats.contexts;
      s.stats.trainEdges = stats.trainPairs;
      lap('extract');
      if (graph.numUsers === 0 || graph.numItems === 0 || graph.train.indices.length === 0) {
        throw new Error(`train: the graph has ${graph.numUsers} users, ${graph.numItems} items and ${graph.train.indices.length} ` +
          'positive interactions; import data first (npm run import)');
      }
      checkCancelled();

      enter('training');
      const trained = await fit(graph, {
        ...(p.model ?? {}),
        // the interest model (src/model/interestModel.ts) names its embedding size `k`
        ...(p.dims !== undefined ? { dims: p.dims, k: p.dims } : {}),
        seed: p.seed,
        // the fit runs the held-out check of the served score itself (interestModel.fitGraph: heldOutRecall20)
        heldOutCheck: { maxUsers: p.evalUsers ?? 2000, seed: p.seed ?? 2020 },
        logger: log,
        signal,
        // {fraction} as is; otherwise the interest model's two stages: building its basis ({done, total}),
        // counted as the first half, then epochs ({epoch, epochs}) as the second half
        onProgress: (info) => {
          if (typeof info.fraction === 'number') within('training', info.fraction);
          else if (typeof info.epoch === 'number' && typeof info.epochs === 'number' && info.epochs > 0) within('training', 0.5 + 0.5 * info.epoch / info.epochs);
          else if (typeof info.done === 'number' && typeof info.total === 'number' && info.total > 0) within('training', 0.5 * info.done / info.total);
        },
      });
      lap('fit');
      checkCancelled();
      const metrics: Record<string, number> = { ...(trained.metrics ?? {}) };
      s.metrics = metrics;
      checkCancelled();

      enter('writing');
      const published = await publishModel(db, graph, { ...trained, metrics }, {
        ...(this.options.publish ?? {}),
        batchSize: p.batchSize ?? this.options.publish?.batchSize,
        activate: false,
        // extract.at: interactions recorded since are folded in when this version is activated later (activateModel)
        params: { extract: { halfLifeDays: p.halfLifeDays ?? null, seconds: stats.seconds.total, at: extractedAt }, run: s.id },
        logger: log,
        progress: showBars,
        signal,
        onClaim: (version) => {
          s.version = version;
        },
        onProgress: (f) => {
          within('writing', f);
          this.options.publish?.onProgress?.(f);
        },
      });
      s.version = published.version;
      lap('write');

      if (p.activate !== false) {
        checkCancelled();
        enter('activating');
        const current = await activeModel(db);
        s.gate = gateDecision(metrics, current, this.options.gateTolerance ?? DEFAULT_GATE_TOLERANCE);
        if (s.gate.passed) {
          const act = await activateModel(db, published.version, { foldInSince: extractedAt });
          if (act.caughtUp > 0) log?.info({ users: act.caughtUp }, 'train: folded interactions recorded during training into the new version');
          s.activated = true;
        } else {
          log?.warn({ version: published.version, gate: s.gate }, 'train: the quality gate kept the new version from activation; it stays ready');
        }
        lap('activate');
      }
      s.state = 'succeeded';
      s.progress = 1;
      log?.info({ version: s.version, activated: s.activated, metrics, seconds: s.stats.seconds }, 'train: run succeeded');
    } catch (err) {
      s.state = 'failed';
      s.error = signal.aborted ? 'cancelled' : err instanceof Error ? err.message : String(err);
      log?.error({ err: s.error }, 'train: run failed; the previously active model version keeps serving');
    } finally {
      s.stats.seconds.total = Math.round((performance.now() - t0) / 10) / 100;
      s.finishedAt = new Date().toISOString();
    }
    return s;
  }
}
