/**
 * The service's Prometheus metrics (prom-client), served at GET /metrics by src/api/server.ts. One registry per
 * server, so that two servers in one process (tests) keep separate counts; the names are documented in
 * docs/operations.md. Sources are observed through hooks (the executor's statement observer, the exposure
 * log's flush callback, the training jobs' finish listener) and read at scrape time (model, queue length).
 */
import client from 'prom-client';
import { observeStatements } from '../db/executor';

/** Seconds buckets for GraphQL requests and Neo4j statements: 1 ms to 10 s. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Most distinct operation names kept as label values; later new names are counted as `other` (clients choose names). */
const MAX_OPERATIONS = 100;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

let processRegistry: client.Registry | null = null;

/** prom-client's default metrics (CPU, memory, GC, handles, event-loop lag), collected once per process. */
function processMetrics(): client.Registry {
  if (!processRegistry) {
    processRegistry = new client.Registry();
    client.collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: 10 });
  }
  return processRegistry;
}

/** What the metrics read at scrape time. */
export interface MetricSources {
  /** The served model: its version and when it was trained (ISO 8601), or null before the first. */
  model?: () => Promise<{ version: string; trainedAt: string | null } | null>;
  /** Exposure rows waiting to be written. */
  exposureQueue?: () => number;
  /** Recent exposures held in memory for crediting feedback, and their cap. */
  exposureRecent?: () => { entries: number; max: number };
  /** Exposure rows dropped because the buffer was full (since the process started). */
  exposureDropped?: () => number;
  /** States of the training runs this process knows (queued, running and recent finished ones). */
  trainingStates?: () => string[];
}

/** Every metric of one API server (see docs/operations.md). */
export class ServiceMetrics {
  /** This server's own metrics (the process-wide default metrics are added at scrape time). */
  readonly registry = new client.Registry();
  readonly contentType = this.registry.contentType;
  private readonly requestSeconds: client.Histogram<'operation' | 'type'>;
  private readonly errors: client.Counter<'code'>;
  private readonly statementSeconds: client.Histogram<'statement' | 'outcome'>;
  private readonly flushSeconds: client.Histogram<'outcome'>;
  private readonly flushRows: client.Counter<'outcome'>;
  private readonly trainingFinished: client.Counter<'outcome'>;
  private readonly operations = new Set<string>();
  private readonly unobserve: () => void;

  constructor(private readonly sources: MetricSources = {}) {
    const registers = [this.registry];
    this.requestSeconds = new client.Histogram({
      name: 'interest_graph_graphql_request_duration_seconds', help: 'GraphQL requests from receipt to response, by operation name and type.',
      labelNames: ['operation', 'type'], buckets: LATENCY_BUCKETS, registers,
    });
    this.errors = new client.Counter({
      name: 'interest_graph_graphql_errors_total', help: 'Errors in GraphQL responses by extensions.code, as the client saw them.',
      labelNames: ['code'], registers,
    });
    this.statementSeconds = new client.Histogram({
      name: 'interest_graph_neo4j_statement_duration_seconds', help: 'Named Cypher statements (cypher/<name>.cypher) until their records were in, retries included.',
      labelNames: ['statement', 'outcome'], buckets: LATENCY_BUCKETS, registers,
    });
    this.flushSeconds = new client.Histogram({
      name: 'interest_graph_exposure_flush_duration_seconds', help: 'Write-behind flushes of the exposure log (one statement each).',
      labelNames: ['outcome'], buckets: LATENCY_BUCKETS, registers,
    });
    this.flushRows = new client.Counter({
      name: 'interest_graph_exposure_flushed_rows_total', help: 'Exposure and feedback rows handed to Neo4j by flushes, by outcome (failed ones are retried).',
      labelNames: ['outcome'], registers,
    });
    this.trainingFinished = new client.Counter({
      name: 'interest_graph_training_runs_finished_total',
      help: 'Training runs of this process that finished: activated, gated (kept ready by the quality gate), ready (not asked to activate), failed, cancelled.',
      labelNames: ['outcome'], registers,
    });
    const src = this.sources;
    new client.Gauge({
      name: 'interest_graph_exposure_queue_rows', help: 'Exposure log rows waiting in memory to be written.', registers,
      collect() { this.set(src.exposureQueue?.() ?? 0); },
    });
    new client.Gauge({
      name: 'interest_graph_exposure_recent_entries', help: 'Recent exposures held in memory to credit feedback to (at most interest_graph_exposure_recent_max).', registers,
      collect() { this.set(src.exposureRecent?.().entries ?? 0); },
    });
    new client.Gauge({
      name: 'interest_graph_exposure_recent_max', help: 'Most recent exposures held in memory to credit feedback to; the oldest users\' are forgotten beyond.', registers,
      collect() { this.set(src.exposureRecent?.().max ?? 0); },
    });
    new client.Gauge({
      name: 'interest_graph_exposure_dropped_rows', help: 'Exposure log rows dropped because the buffer was full, since the process started.', registers,
      collect() { this.set(src.exposureDropped?.() ?? 0); },
    });
    new client.Gauge({
      name: 'interest_graph_training_runs', help: 'Training runs this process knows (queued, running, recent finished), by state.',
      labelNames: ['state'], registers,
      collect() {
        this.reset();
        for (const state of ['queued', 'extracting', 'training', 'writing', 'activating', 'succeeded', 'failed']) this.set({ state }, 0);
        for (const state of src.trainingStates?.() ?? []) this.inc({ state });
      },
    });
    new client.Gauge({
      name: 'interest_graph_model_info', help: 'The served model version (value 1; no series before the first).', labelNames: ['version'], registers,
      async collect() {
        this.reset();
        const m = await src.model?.().catch(() => null);
        if (m) this.set({ version: m.version }, 1);
      },
    });
    new client.Gauge({
      name: 'interest_graph_model_age_seconds', help: 'Seconds since the served model version was trained (no sample before the first).', registers,
      async collect() {
        this.reset();
        const m = await src.model?.().catch(() => null);
        if (m?.trainedAt) this.set((Date.now() - Date.parse(m.trainedAt)) / 1000);
      },
    });
    this.unobserve = observeStatements((name, seconds, failed) => this.statementSeconds.observe({ statement: name, outcome: failed ? 'error' : 'ok' }, seconds));
  }

  /** One GraphQL request: its operation (name or `anonymous`), type (query, mutation, unknown), seconds and error codes. */
  request(operationName: string | null | undefined, type: string | undefined, seconds: number, codes: readonly string[]): void {
    let operation = operationName && OPERATION_NAME.test(operationName) ? operationName : operationName ? 'other' : 'anonymous';
    if (operation !== 'anonymous' && operation !== 'other' && !this.operations.has(operation)) {
      if (this.operations.size >= MAX_OPERATIONS) operation = 'other';
      else this.operations.add(operation);
    }
    this.requestSeconds.observe({ operation, type: type ?? 'unknown' }, seconds);
    for (const code of codes) this.errors.inc({ code });
  }

  /** One exposure log flush. */
  exposureFlush(f: { seconds: number; rows: number; ok: boolean }): void {
    const outcome = f.ok ? 'ok' : 'error';
    this.flushSeconds.observe({ outcome }, f.seconds);
    this.flushRows.inc({ outcome }, f.rows);
  }

  /** One finished training run. */
  trainingRun(run: { state: string; error: string | null; activated: boolean; gate: { passed: boolean } | null }): void {
    const outcome = run.state === 'failed' ? (run.error === 'cancelled' ? 'cancelled' : 'failed')
      : run.activated ? 'activated' : run.gate && !run.gate.passed ? 'gated' : 'ready';
    this.trainingFinished.inc({ outcome });
  }

  /** The exposition text for a scrape: this server's metrics and the process's default ones (event-loop lag, CPU, memory, GC). */
  text(): Promise<string> {
    return client.Registry.merge([processMetrics(), this.registry]).metrics();
  }

  /** Stops observing the executor (server stop). */
  close(): void {
    this.unobserve();
  }
}
