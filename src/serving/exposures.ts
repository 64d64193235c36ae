/**
 * The exposure log: every item a `recommendations` page shows is recorded as graph data,
 * `(:User)-[:SHOWN {impressionId, position, probability, exploration, score, modelVersion, at}]->(:Item)`,
 * with counters `Item.exposures` / `Item.feedback`, so that later evaluation can correct for what was shown
 * (inverse propensity) and Thompson sampling can learn each item's response rate.
 *
 * Write-behind: requests never wait for these writes. Rows go to an ordered in-memory queue that is flushed
 * as one UNWIND statement (cypher/serving/logExposures.cypher) every `flushMs`, or at once when `batchRows`
 * are waiting; one flush runs at a time; `close()` flushes what is left (server stop). While Neo4j does not
 * take the rows the queue keeps at most `bufferMax` of them (the oldest are dropped, with a warning); a failed
 * flush is retried with backoff and never throws into a request.
 *
 * Counts for ranking live in process memory: loaded with one statement (cypher/serving/itemExposureCounts.cypher)
 * when the served model version changes (and refreshed in the background every `countsRefreshMs`), and
 * updated at once by this process's own exposures and feedback. A load waits for the running flush and adds
 * what is still queued, so it neither loses nor double-counts this process's rows. Other processes' rows
 * arrive with the next load.
 *
 * Retention: SHOWN edges older than `retentionMs` are deleted in the background (every `pruneEveryMs`, in batches,
 * cypher/serving/pruneExposures.cypher), so the log does not grow without bound; the item counters keep counting
 * (they are lifetime totals). The retention is never shorter than the feedback window.
 *
 * Feedback: a positive interaction on an item shown to the same user within `feedbackWindowMs` counts as
 * feedback on that exposure (the most recent uncredited one, or the named impression's), once per exposure.
 * This process attributes it in memory at once when it showed the item itself; the same rule is applied in
 * the graph by the flush (so feedback on another process's exposure is counted there too).
 */
import { detachedFromRequest, type Executor, type StatementCounter } from '../db/executor';
import type { Logger } from '../log';

/** One item shown on one page. */
export interface Exposure {
  userId: string;
  itemId: string;
  /** Id of the page (the `recommendations` response) it was shown on. */
  impressionId: string;
  /** 1-based position on the page. */
  position: number;
  /** The policy's position-wise marginal P(this item at this position | the request) (src/policy/rerank.ts), in (0, 1]. */
  probability: number;
  /** True when it was an exploration slot. */
  exploration: boolean;
  /** Final score on the page. */
  score: number;
  modelVersion: string;
  /** ISO 8601 time it was served. */
  at: string;
}

/** A positive response to an item, to be credited to an exposure. */
interface FeedbackRow {
  userId: string;
  itemId: string;
  /** The exposure's impression when known (attributed in memory, or named by the client); null: the graph picks the latest in the window. */
  impressionId: string | null;
  kind: string;
  at: string;
}

type Entry = { shown: Exposure } | { feedback: FeedbackRow };

/**
 * The exposures of one page in a flush (cypher/serving/logExposures.cypher): shared fields once, per-item lists.
 * Positions are consecutive from `first` (items[k] was at first + k) and exploration slots are listed by index
 * (usually none or one): every value costs the driver's encoder on the event loop.
 */
interface ShownPage {
  userId: string;
  impressionId: string;
  modelVersion: string;
  at: string;
  first: number;
  items: string[];
  probabilities: number[];
  explored: number[];
  scores: number[];
}

/** Exposures and positive responses of one item. */
export interface ItemCount {
  exposures: number;
  feedback: number;
}

/** Tuning of the exposure log. */
export interface ExposureLogOptions {
  /** Flush at least this often (ms). */
  flushMs: number;
  /** Flush at once when this many rows wait; also the largest batch of one flush. */
  batchRows: number;
  /** Most rows queued while Neo4j does not take them; beyond, the oldest are dropped. */
  bufferMax: number;
  /** A positive interaction this soon after an exposure counts as feedback on it (ms). */
  feedbackWindowMs: number;
  /** Recent exposures remembered for attribution, over all users. */
  recentMax: number;
  /** Recent exposures remembered per user. */
  recentPerUser: number;
  /** Age after which the in-memory counts are reloaded in the background (ms). */
  countsRefreshMs: number;
  /** How long close() may spend flushing (ms). */
  closeTimeoutMs: number;
  /** SHOWN edges older than this are deleted (ms); at least feedbackWindowMs. */
  retentionMs: number;
  /** How often old SHOWN edges are deleted (ms), starting with the first exposure recorded. */
  pruneEveryMs: number;
}

/** SHOWN edges deleted per statement of a prune. */
const PRUNE_BATCH = 10_000;

/** Default exposure log settings. */
export const DEFAULT_EXPOSURE_LOG: ExposureLogOptions = Object.freeze({
  flushMs: 1000, batchRows: 2000, bufferMax: 100_000, feedbackWindowMs: 24 * 3600_000, recentMax: 200_000, recentPerUser: 300,
  countsRefreshMs: 10 * 60_000, closeTimeoutMs: 5_000, retentionMs: 30 * 24 * 3600_000, pruneEveryMs: 10 * 60_000,
});

interface Recent {
  itemId: string;
  impressionId: string;
  at: number;
  credited: boolean;
}

const ZERO: ItemCount = Object.freeze({ exposures: 0, feedback: 0 });

/** Write-behind log of exposures and feedback, with the per-item counts ranking reads (see the module comment). */
export class ExposureLog {
  readonly options: ExposureLogOptions;
  private counts = new Map<string, ItemCount>();
  private loaded: { version: string; at: number } | null = null;
  private countsLoad: { version: string; promise: Promise<void> } | null = null;
  private queue: Entry[] = [];
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private loading = false;
  private failures = 0;
  private dropped = 0;
  private recent = new Map<string, Recent[]>();
  private recentSize = 0;
  /** Rows dropped because the buffer was full, since the process started. */
  droppedTotal = 0;
  /** Called after every flush with its duration, the rows it took and whether Neo4j took them (src/api/serviceMetrics.ts). */
  onFlush: ((flush: { seconds: number; rows: number; ok: boolean }) => void) | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private pruning: Promise<number> | null = null;

  constructor(private readonly db: Executor, private readonly log: Logger, options: Partial<ExposureLogOptions> = {}) {
    this.options = { ...DEFAULT_EXPOSURE_LOG, ...options };
    if (!(this.options.retentionMs >= this.options.feedbackWindowMs)) {
      throw new Error(`exposures: retentionMs (${this.options.retentionMs}) must be at least feedbackWindowMs (${this.options.feedbackWindowMs})`);
    }
  }

  /**
   * Deletes SHOWN edges older than the retention, in batches of PRUNE_BATCH until none is left (one prune at a
   * time); resolves with how many were deleted. Never throws: a failure is logged and the next prune retries.
   */
  prune(): Promise<number> {
    this.pruning ??= (async () => {
      let deleted = 0;
      try {
        for (;;) {
          const [{ deleted: n }] = await this.db.write<{ deleted: number }>('serving/pruneExposures', {
            before: new Date(Date.now() - this.options.retentionMs).toISOString(), limit: PRUNE_BATCH,
          });
          deleted += n;
          if (n < PRUNE_BATCH) break;
        }
        if (deleted > 0) this.log.info({ deleted, retentionDays: this.options.retentionMs / 86_400_000 }, 'exposure log: old SHOWN edges deleted');
      } catch (err) {
        this.log.warn({ err, deleted }, 'exposure log: deleting old SHOWN edges failed; retried at the next prune');
      }
      return deleted;
    })().finally(() => {
      this.pruning = null;
    });
    return this.pruning;
  }

  /** Exposures and feedback of an item as this process knows them (zero when never shown). */
  count(itemId: string): ItemCount {
    return this.counts.get(itemId) ?? ZERO;
  }

  /** Rows waiting to be written. */
  get pending(): number {
    return this.queue.length;
  }

  /** Recent exposures held in memory for crediting feedback (at most options.recentMax). */
  get recentEntries(): number {
    return this.recentSize;
  }

  /**
   * Makes sure the counts are loaded for the served `version`: awaits a load (one statement) the first
   * time and when the version changed; starts a background reload when they are older than countsRefreshMs.
   */
  async ensureCounts(version: string, counter?: StatementCounter): Promise<void> {
    const l = this.loaded;
    if (l && l.version === version) {
      if (Date.now() - l.at > this.options.countsRefreshMs && !this.countsLoad) {
        this.startLoad(version).catch((err) => this.log.warn({ err }, 'exposure counts refresh failed; keeping the loaded ones'));
      }
      return;
    }
    if (!this.countsLoad || this.countsLoad.version !== version) this.startLoad(version, counter);
    return this.countsLoad!.promise;
  }

  private startLoad(version: string, counter?: StatementCounter): Promise<void> {
    const t0 = Date.now();
    const promise = (async () => {
      this.loading = true; // no flush starts while the graph's counts are read
      try {
        if (this.flushing) await this.flushing;
        const rows = await this.db.read<{ id: string; exposures: number; feedback: number }>('serving/itemExposureCounts', {}, counter);
        const counts = new Map<string, ItemCount>();
        for (const r of rows) counts.set(r.id, { exposures: r.exposures, feedback: Math.min(r.feedback, r.exposures) });
        // what is still queued is not in the graph yet: add it again
        for (const e of this.queue) {
          if ('shown' in e) bump(counts, e.shown.itemId, 1, 0);
          else if (e.feedback.impressionId !== null && this.isAttributed(e.feedback)) bump(counts, e.feedback.itemId, 0, 1);
        }
        this.counts = counts;
        this.loaded = { version, at: Date.now() };
        this.log.info({ version, items: counts.size, ms: Date.now() - t0 }, 'exposure counts loaded');
      } finally {
        this.loading = false;
        if (this.queue.length) this.schedule();
      }
    })().finally(() => {
      if (this.countsLoad?.promise === promise) this.countsLoad = null;
    });
    this.countsLoad = { version, promise };
    return promise;
  }

  /** True when a queued feedback row was credited in memory (its exposure is in the recent map, credited). */
  private isAttributed(f: FeedbackRow): boolean {
    return (this.recent.get(f.userId) ?? []).some((r) => r.credited && r.impressionId === f.impressionId && r.itemId === f.itemId);
  }

  /** Records the items of one page: counts at once, graph rows write-behind. */
  record(rows: readonly Exposure[]): void {
    if (rows.length === 0) return;
    const now = Date.now();
    for (const r of rows) {
      bump(this.counts, r.itemId, 1, 0);
      this.queue.push({ shown: r });
    }
    this.remember(rows[0].userId, rows.map((r) => ({ itemId: r.itemId, impressionId: r.impressionId, at: now, credited: false })));
    this.bound();
    this.schedule();
    if (!this.pruneTimer) {
      this.pruneTimer = detachedFromRequest(() => setInterval(() => void this.prune(), this.options.pruneEveryMs));
      this.pruneTimer.unref();
    }
  }

  /**
   * Counts a positive interaction of `userId` with `itemId` as feedback on an exposure: in memory at once
   * when this process showed the item to the user within the window (returns that impression id), and in
   * the graph at the next flush (which also finds exposures other processes logged). `impressionId`, when
   * given, limits the credit to that page.
   */
  feedback(userId: string, itemId: string, kind: string, impressionId: string | null = null): string | null {
    const now = Date.now();
    let credited: string | null = null;
    const list = this.recent.get(userId);
    if (list) {
      for (let k = list.length - 1; k >= 0; k--) {
        const r = list[k];
        if (now - r.at > this.options.feedbackWindowMs) break;
        if (r.itemId === itemId && !r.credited && (impressionId === null || r.impressionId === impressionId)) {
          r.credited = true;
          credited = r.impressionId;
          const c = this.counts.get(itemId);
          if (c && c.feedback < c.exposures) c.feedback++;
          break;
        }
      }
    }
    this.queue.push({ feedback: { userId, itemId, impressionId: credited ?? impressionId, kind, at: new Date(now).toISOString() } });
    this.bound();
    this.schedule();
    return credited;
  }

  /** Forgets a deleted user's recent exposures (its SHOWN edges go with the node). */
  forgetUser(userId: string): void {
    const list = this.recent.get(userId);
    if (list) this.recentSize -= list.length;
    this.recent.delete(userId);
  }

  private remember(userId: string, entries: Recent[]): void {
    const cutoff = Date.now() - this.options.feedbackWindowMs;
    const old = this.recent.get(userId) ?? [];
    this.recent.delete(userId); // re-insert: Map order is least recently shown first
    const list = old.filter((r) => r.at >= cutoff).concat(entries);
    const keep = list.length > this.options.recentPerUser ? list.slice(list.length - this.options.recentPerUser) : list;
    this.recentSize += keep.length - old.length;
    this.recent.set(userId, keep);
    for (const [u, l] of this.recent) {
      if (this.recentSize <= this.options.recentMax) break;
      this.recent.delete(u);
      this.recentSize -= l.length;
    }
  }

  private bound(): void {
    const excess = this.queue.length - this.options.bufferMax;
    if (excess <= 0) return;
    const drop = Math.max(excess, Math.ceil(this.options.bufferMax / 10)); // drop in chunks: splice is O(n)
    this.queue.splice(0, drop);
    if (this.dropped === 0) {
      this.log.warn({ bufferMax: this.options.bufferMax, dropped: drop }, 'exposure log buffer full (is Neo4j down?): dropping the oldest exposures');
    }
    this.dropped += drop;
    this.droppedTotal += drop;
  }

  private schedule(delay?: number): void {
    if (this.flushing || this.loading) return; // rescheduled when they finish
    if (this.queue.length >= this.options.batchRows && delay === undefined) delay = 0;
    if (this.timer) {
      if (delay !== 0) return;
      clearTimeout(this.timer);
    }
    // flushes outlive the request whose rows they take: not bound by its deadline
    this.timer = detachedFromRequest(() => setTimeout(() => {
      this.timer = null;
      // while Neo4j is unsettled (just back, planning cold) a flush would hold its items' and users' locks for
      // seconds against the requests' writes: the rows wait (the buffer is bounded)
      if (this.db.unsettled) this.schedule(this.options.flushMs);
      else void this.flush();
    }, delay ?? this.options.flushMs));
    this.timer.unref();
  }

  /**
   * Writes up to batchRows queued rows in one statement (after a running flush or counts load); never
   * throws (a failure is logged and the rows are retried). Resolves with the number of rows written.
   */
  async flush(): Promise<number> {
    if (this.countsLoad) await this.countsLoad.promise.catch(() => undefined);
    if (this.flushing) await this.flushing;
    if (this.flushing || this.loading || this.queue.length === 0) return 0;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.queue.splice(0, this.options.batchRows);
    let written = 0;
    const t0 = performance.now();
    const run = (async () => {
      // the rows of one page as one parameter map with parallel lists: the driver packs (and Neo4j unpacks) a
      // page's keys and shared values once, not once per item (a tenth of the event loop's Bolt encoding under load)
      const pages: ShownPage[] = [];
      const feedback: FeedbackRow[] = [];
      for (const e of batch) {
        if ('shown' in e) {
          const x = e.shown;
          let page = pages[pages.length - 1];
          if (!page || page.impressionId !== x.impressionId || page.userId !== x.userId || x.position !== page.first + page.items.length
            || page.modelVersion !== x.modelVersion || page.at !== x.at) {
            page = { userId: x.userId, impressionId: x.impressionId, modelVersion: x.modelVersion, at: x.at, first: x.position, items: [], probabilities: [], explored: [], scores: [] };
            pages.push(page);
          }
          if (x.exploration) page.explored.push(page.items.length);
          page.items.push(x.itemId);
          page.probabilities.push(x.probability);
          page.scores.push(x.score);
        } else {
          feedback.push(e.feedback);
        }
      }
      try {
        await this.db.write('serving/logExposures', {
          pages, feedback, windowSeconds: this.options.feedbackWindowMs / 1000,
        });
        written = batch.length;
        if (this.failures > 0 || this.dropped > 0) {
          this.log.info({ failures: this.failures, dropped: this.dropped, pending: this.queue.length }, 'exposure log writes again');
        }
        this.failures = 0;
        this.dropped = 0;
      } catch (err) {
        this.queue.unshift(...batch); // keep the order: exposures before the feedback that refers to them
        this.bound();
        if (this.failures === 0) this.log.warn({ err, pending: this.queue.length }, 'exposure log flush failed; retrying with backoff');
        this.failures++;
      }
    })();
    this.flushing = run;
    try {
      await run;
      this.onFlush?.({ seconds: (performance.now() - t0) / 1000, rows: batch.length, ok: written > 0 });
    } finally {
      this.flushing = null;
      if (this.queue.length) this.schedule(this.failures > 0 ? Math.min(30_000, this.options.flushMs * 2 ** Math.min(this.failures, 7)) : undefined);
    }
    return written;
  }

  /** Flushes everything queued (server stop), for at most closeTimeoutMs; logs how many rows were lost otherwise. */
  async close(): Promise<void> {
    const deadline = Date.now() + this.options.closeTimeoutMs;
    if (this.pruneTimer) {
      clearInterval(this.pruneTimer);
      this.pruneTimer = null;
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const bounded = (p: Promise<unknown>) => Promise.race([p, new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())).unref())]);
    while (Date.now() < deadline) {
      if (this.countsLoad) await bounded(this.countsLoad.promise.catch(() => undefined));
      else if (this.flushing) await bounded(this.flushing);
      else if (this.queue.length === 0) break;
      else {
        const before = this.failures;
        await bounded(this.flush());
        if (this.failures > before) break;
      }
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.queue.length > 0) this.log.warn({ lost: this.queue.length }, 'exposure log closed with rows that could not be written');
  }
}

function bump(counts: Map<string, ItemCount>, id: string, exposures: number, feedback: number): void {
  const c = counts.get(id);
  if (c) {
    c.exposures += exposures;
    c.feedback = Math.min(c.exposures, c.feedback + feedback);
  } else {
    counts.set(id, { exposures, feedback: Math.min(exposures, feedback) });
  }
}
