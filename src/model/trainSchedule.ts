/**
 * The training schedule of the API process: every `checkEveryMs` it decides whether a run is due and, if so,
 * starts one on the process's TrainingJobs (the same worker-thread path as the admin `train` mutation; one run
 * at a time, so a check while a run is going does nothing). A run is due when
 * - `everyMs` is set and the newest model version (whatever its status: a gated or failed run counts) was
 *   trained at least that long ago, or nothing was ever trained; or
 * - `afterInteractions` is set and at least that many positive interactions were recorded (by any process)
 *   since the newest version was trained.
 * The reference time is also moved by this schedule's own attempts, so a run that fails before it writes a
 * version is not retried at every check. The run goes through the quality gate like any other.
 */
import type { Executor } from '../db/executor';
import type { Logger } from '../log';
import { listModels } from './registry';
import { TrainingBusyError, type TrainingJobs } from './trainJob';

/** When runs are due (config TRAIN_EVERY, TRAIN_AFTER_INTERACTIONS, TRAIN_CHECK_EVERY). */
export interface TrainScheduleOptions {
  everyMs?: number;
  afterInteractions?: number;
  checkEveryMs: number;
  logger?: Logger;
}

/** What one check found. */
export interface ScheduleCheck {
  /** `started` (runId set), `busy` (a run is going), or `not-due`. */
  outcome: 'started' | 'busy' | 'not-due';
  reason: string;
  runId?: string;
}

/** Starts training runs when they are due (see the module comment); `start()` arms it, `stop()` disarms it. */
export class TrainSchedule {
  private timer: NodeJS.Timeout | null = null;
  private lastAttemptMs: number | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = true;
  private readonly log?: Logger;

  constructor(private readonly db: Executor, private readonly jobs: TrainingJobs, private readonly options: TrainScheduleOptions) {
    if (!(options.checkEveryMs > 0)) throw new Error(`schedule: checkEveryMs must be positive, got ${options.checkEveryMs}`);
    this.log = options.logger?.child({ component: 'train-schedule' });
  }

  /** True when a time or interaction trigger is configured. */
  get enabled(): boolean {
    return this.options.everyMs !== undefined || this.options.afterInteractions !== undefined;
  }

  /** Arms the periodic check (nothing when no trigger is configured); returns this. */
  start(): this {
    if (!this.enabled || !this.stopped) return this;
    this.stopped = false;
    this.log?.info({ everyMs: this.options.everyMs ?? null, afterInteractions: this.options.afterInteractions ?? null,
      checkEveryMs: this.options.checkEveryMs }, 'training schedule armed');
    this.arm();
    return this;
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.check(true)
        .catch((err) => this.log?.warn({ err }, 'training schedule check failed; trying again at the next check'))
        .finally(() => {
          this.running = null;
          this.arm();
        });
    }, this.options.checkEveryMs);
    this.timer.unref();
  }

  /** Disarms the schedule and waits for a check in progress (not for a run it started). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One decision: starts a run when one is due and none is going (from the timer: unless stop() was called meanwhile). */
  async check(fromTimer = false): Promise<ScheduleCheck> {
    const { everyMs, afterInteractions } = this.options;
    const newest = (await listModels(this.db))[0];
    const trainedMs = newest?.trainedAt ? Date.parse(newest.trainedAt) : null;
    const refMs = trainedMs === null ? this.lastAttemptMs : Math.max(trainedMs, this.lastAttemptMs ?? -Infinity);
    const now = Date.now();
    let reason: string | null = null;
    if (everyMs !== undefined && (refMs === null || now - refMs >= everyMs)) {
      reason = refMs === null ? 'no model version was ever trained' : `the newest version is ${Math.round((now - refMs) / 1000)} s old (TRAIN_EVERY ${everyMs / 1000} s)`;
    } else if (afterInteractions !== undefined) {
      const [{ interactions }] = await this.db.read<{ interactions: number }>('model/interactions_since', { since: new Date(refMs ?? 0).toISOString() });
      if (interactions >= afterInteractions) reason = `${interactions} interactions since the newest version (TRAIN_AFTER_INTERACTIONS ${afterInteractions})`;
    }
    if (reason === null) return { outcome: 'not-due', reason: 'no trigger is due' };
    if (fromTimer && this.stopped) return { outcome: 'not-due', reason: 'the schedule was stopped' };
    try {
      const run = this.jobs.start({});
      this.lastAttemptMs = now;
      this.log?.info({ run: run.id, reason }, 'training schedule: starting a run');
      return { outcome: 'started', reason, runId: run.id };
    } catch (err) {
      if (err instanceof TrainingBusyError) return { outcome: 'busy', reason: `${reason}, but run ${err.runningId} is still in progress` };
      throw err;
    }
  }
}
