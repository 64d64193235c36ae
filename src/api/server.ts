import 'reflect-metadata';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MIMEType } from 'node:util';
import v8 from 'node:v8';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault, ApolloServerPluginLandingPageProductionDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError, GraphQLSchema, printSchema, lexicographicSortSchema } from 'graphql';
import { buildSchema as buildTypeGraphQLSchema } from 'type-graphql';
import type { Config, PolicyConfig } from '../config';
import { withNeo4jDeadline, type Executor, type StatementCounter } from '../db/executor';
import type { Logger } from '../log';
import type { TrainingJobs } from '../model/trainJob';
import { ServingEngine, DEFAULT_SERVING, type ServingOptions } from '../serving/servingEngine';
import { ServingPolicy } from '../serving/servingPolicy';
import { ExposureLog } from '../serving/exposures';
import { ServiceMetrics } from './serviceMetrics';
import { viewerFromHeader } from './auth';
import type { ApiContext, ApiSettings } from './context';
import { clip, ErrorCode, formatErrorFor } from './errors';
import { DEFAULT_LIMITS, limitsPlugin, type QueryLimits } from './limits';
import { createLoaders } from './loaders';
import { JitExecutor, type GraphQLExecutorKind } from './jitExecutor';
import { ItemResolver } from './item/item.resolver';
import { ModelResolver } from './model/model.resolver';
import { UserResolver } from './user/user.resolver';
import { InteractionResolver } from './interaction/interaction.resolver';
import { RESOLVERS_EXTRA } from './resolvers';

let schemaPromise: Promise<GraphQLSchema> | null = null;

/**
 * Builds (once per process) the executable schema from the type-graphql resolvers. Every @ObjectType sets
 * `simpleResolvers`: plain fields use graphql-js's default resolver rather than type-graphql's wrapper (an
 * object and two calls per field, for no middleware or auth checker: the project registers none); fields
 * with a @FieldResolver keep theirs.
 */
export function buildSchema(): Promise<GraphQLSchema> {
  schemaPromise ??= buildTypeGraphQLSchema({
    resolvers: [ModelResolver, ItemResolver, UserResolver, InteractionResolver, ...RESOLVERS_EXTRA] as never,
    validate: false,
  });
  return schemaPromise;
}

/** The SDL of the schema as committed in schema/schema.graphql (sorted, so it diffs well). */
export async function schemaSdl(): Promise<string> {
  return printSchema(lexicographicSortSchema(await buildSchema())) + '\n';
}

/** What the server needs besides the configuration. */
export interface ServerDeps {
  db: Executor;
  logger: Logger;
  /** Serving engine to use (tests share one); made from `serving` options when absent. */
  engine?: ServingEngine;
  serving?: Partial<ServingOptions>;
  limits?: Partial<QueryLimits>;
  settings?: Partial<ApiSettings>;
  /** Background training runs for the train mutation (src/model/trainJob.ts); without it `train` answers NOT_AVAILABLE. */
  training?: TrainingJobs;
  /** Which engine executes operations: graphql-jit (default) or graphql-js (src/api/jitExecutor.ts). */
  executor?: GraphQLExecutorKind;
}

/** A running API server. */
export interface ServerHandle {
  /** Base URL of the GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  port: number;
  engine: ServingEngine;
  /** This server's Prometheus metrics (also served at GET /metrics). */
  metrics: ServiceMetrics;
  /** The V8 heap growth in effect (applyServerHeapPolicy). */
  heapGrowingPercent: number;
  /**
   * Stops accepting requests, waits for in-flight ones, stops Apollo and flushes the exposure log (the driver
   * stays open: the caller owns it).
   */
  stop(): Promise<void>;
}

/** Largest request body accepted (bytes); a larger one is answered 413. */
export const MAX_BODY = 1 << 20;

/** A body larger than MAX_BODY: answered 413 once the client's bytes are drained (a reset would hide the answer). */
class BodyTooLarge extends Error {}

/** How much of a too-large body is read and dropped (and for how long) before the 413 is sent anyway. */
const DRAIN_MAX_BYTES = 32 << 20;
const DRAIN_MAX_MS = 10_000;

/**
 * Reads the request body, up to MAX_BODY bytes. Beyond that (by Content-Length or while streaming) the rest is read
 * and dropped (up to DRAIN_MAX_BYTES or DRAIN_MAX_MS), then it rejects with BodyTooLarge: the 413 is sent when the
 * client has finished sending, so that it reads the answer instead of a broken pipe.
 */
function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    const tooLarge = () => {
      over = true;
      chunks.length = 0;
      req.off('data', onData);
      const settle = () => {
        clearTimeout(timer);
        reject(new BodyTooLarge());
      };
      const timer = setTimeout(settle, DRAIN_MAX_MS);
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > DRAIN_MAX_BYTES) settle();
      });
      req.once('end', settle);
      req.resume();
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) return tooLarge();
      chunks.push(c);
    };
    if (Number.isFinite(declared) && declared > MAX_BODY) return tooLarge();
    req.on('data', onData);
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

/** The media type of a Content-Type header, lower-cased without parameters (`application/json`); null when malformed. */
function mediaType(header: string | undefined): string | null {
  if (header === undefined) return null;
  try {
    return new MIMEType(header).essence;
  } catch {
    return null;
  }
}

/** A client error of the HTTP layer, in the GraphQL error shape. */
function httpError(res: http.ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] }, headers);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * How much the API process's V8 heap may grow past its live size after a major GC, in percent: under load, requests
 * in flight promote their garbage, and V8's own rule (up to 4x) then reserves heap that is never used; a bounded
 * growth keeps the RSS under issue 12's bound at the price of more frequent major GCs (both measured in
 * bench/results/api-gowalla-heap/). 0 would restore V8's rule.
 */
export const SERVER_HEAP_GROWING_PERCENT = 50;

/**
 * Applies SERVER_HEAP_GROWING_PERCENT to this process (and the worker threads it starts later) unless node was
 * started with its own --heap-growing-percent (on its command line or in NODE_OPTIONS), which wins. Returns the
 * percent in effect.
 */
export function applyServerHeapPolicy(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): number {
  const own = [...execArgv, ...nodeOptions.split(/\s+/)].map((a) => /^--heap[-_]growing[-_]percent=(\d+)$/.exec(a)).find((m) => m !== null);
  if (own) return Number(own[1]);
  v8.setFlagsFromString(`--heap-growing-percent=${SERVER_HEAP_GROWING_PERCENT}`);
  return SERVER_HEAP_GROWING_PERCENT;
}

/**
 * Starts the GraphQL API on config.host:config.port (port 0 picks a free one): POST/GET /graphql
 * (Apollo Server through a plain node:http server; the Sandbox landing page in development), GET
 * /healthz (the process is up), GET /readyz (Neo4j reachable and a model active; 503 otherwise) and GET /metrics
 * (Prometheus text, src/api/serviceMetrics.ts).
 */
export async function startServer(config: Pick<Config, 'port' | 'host' | 'jwtSecret' | 'nodeEnv'> & { policy?: PolicyConfig }, deps: ServerDeps): Promise<ServerHandle> {
  const log = deps.logger.child({ component: 'api' });
  const heapGrowingPercent = applyServerHeapPolicy();
  log.debug({ heapGrowingPercent }, 'V8 heap growth after a major GC (percent)');
  const schema = await buildSchema();
  // without config.policy (tests, embedding) the policy is neutral: pure relevance, no exploration
  const policy = config.policy;
  const engine = deps.engine ?? new ServingEngine(deps.db, log, { ...DEFAULT_SERVING, ...deps.serving }, undefined,
    new ServingPolicy(deps.db, log, policy, new ExposureLog(deps.db, log.child({ component: 'exposures' }), policy ? {
      flushMs: policy.exposureFlushMs, batchRows: policy.exposureBatchRows, bufferMax: policy.exposureBufferMax,
      feedbackWindowMs: policy.feedbackWindowHours * 3600_000, retentionMs: policy.exposureRetentionDays * 86_400_000,
    } : {})));
  const metrics = new ServiceMetrics({
    model: () => engine.store.activeModel(),
    exposureQueue: () => engine.policy.exposures.pending,
    exposureRecent: () => ({ entries: engine.policy.exposures.recentEntries, max: engine.policy.exposures.options.recentMax }),
    exposureDropped: () => engine.policy.exposures.droppedTotal,
    trainingStates: () => deps.training?.list().map((r) => r.state) ?? [],
  });
  engine.policy.exposures.onFlush = (f) => metrics.exposureFlush(f);
  const unsubscribeTraining = deps.training?.onFinish((run) => metrics.trainingRun(run));
  const settings: ApiSettings = { maxFirst: 100, ...deps.settings };
  const limits: QueryLimits = { ...DEFAULT_LIMITS, maxFirst: settings.maxFirst, ...deps.limits };
  const exposeStatements = config.nodeEnv !== 'production';
  const landing = config.nodeEnv === 'development'
    ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })
    : config.nodeEnv === 'production' ? ApolloServerPluginLandingPageProductionDefault({ footer: false }) : ApolloServerPluginLandingPageDisabled();

  // graphql-jit enters through Apollo's gateway interface (its only hook for an executor); graphql-js otherwise
  const jit = (deps.executor ?? 'jit') === 'jit' ? new JitExecutor(schema, log) : null;
  const apollo = new ApolloServer<ApiContext>({
    ...(jit ? { gateway: jit.gateway() } : { schema }),
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // an alias flood is refused while parsing, before graphql-js validates it (which costs time per alias pair)
    parseOptions: { maxTokens: limits.maxTokens },
    formatError: formatErrorFor(log),
    plugins: [
      landing,
      // answers are per user and never cached by HTTP caches; Apollo's default cache-control plugin wrapped every
      // field resolver to compute hints nobody reads (2-3% of the API's CPU under load)
      ApolloServerPluginCacheControlDisabled(),
      limitsPlugin(schema, limits),
      {
        async requestDidStart({ contextValue }) {
          const t0 = process.hrtime.bigint();
          return {
            async willSendResponse({ response, operationName, operation, errors }) {
              const ms = Number(process.hrtime.bigint() - t0) / 1e6;
              const sent = response.body.kind === 'single' ? response.body.singleResult.errors ?? [] : [];
              metrics.request(operationName, operation?.operation, ms / 1000, sent.map((e) => String(e.extensions?.code ?? ErrorCode.INTERNAL)));
              if (exposeStatements && response.body.kind === 'single') {
                response.body.singleResult.extensions = { ...response.body.singleResult.extensions, cypherStatements: contextValue.counter.count };
              }
              log.info({ operation: operationName ?? null, ms: Math.round(ms * 100) / 100, statements: contextValue.counter.count,
                viewer: contextValue.viewer.userId, errors: errors?.map((e) => e.extensions?.code ?? 'INTERNAL') }, 'graphql request');
            },
          };
        },
      },
    ],
  });
  await apollo.start();
  void engine.warm().then(() => engine.store.activeModel()).then((m) => engine.policy.warm(m), () => undefined);

  const contextFor = (authorization: string | undefined): ApiContext => {
    const viewer = viewerFromHeader(authorization, config.jwtSecret);
    const counter: StatementCounter = { count: 0 };
    return { db: deps.db, viewer, counter, loaders: createLoaders(deps.db, counter), log, serving: engine, settings, training: deps.training };
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (url.pathname === '/metrics') {
      const text = await metrics.text();
      res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    if (url.pathname === '/readyz') {
      try {
        engine.store.invalidate();
        const model = await engine.store.activeModel();
        if (!model) return sendJson(res, 503, { status: 'not ready', reason: ErrorCode.MODEL_NOT_READY, message: 'No trained model is active.' });
        return sendJson(res, 200, { status: 'ready', model: model.version });
      } catch (err) {
        log.warn({ err }, 'readiness check failed');
        return sendJson(res, 503, { status: 'not ready', reason: ErrorCode.DATABASE_UNAVAILABLE, message: 'Neo4j is not reachable.' });
      }
    }
    if (url.pathname !== '/graphql' && url.pathname !== '/') {
      return sendJson(res, 404, { error: `No route ${url.pathname}; the API is at /graphql, health at /healthz and /readyz, metrics at /metrics.` });
    }
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    let body: unknown = undefined;
    if (req.method === 'POST') {
      let text: string;
      try {
        text = await readBody(req);
      } catch (err) {
        if (err instanceof BodyTooLarge) return httpError(res, 413, `The request body is larger than ${MAX_BODY} bytes.`, { connection: 'close' });
        throw err;
      }
      // one rule for every POST: the media type (case-insensitive, parameters aside) is application/json
      const type = mediaType(req.headers['content-type']);
      if (type !== 'application/json') {
        return httpError(res, 415, `A POST body must have Content-Type application/json, got ${clip(req.headers['content-type'] ?? null, 100)}.`);
      }
      try {
        body = JSON.parse(text);
      } catch {
        return httpError(res, 400, 'The request body is not valid JSON.');
      }
    }
    // while Neo4j is unsettled (just down or back), all of a request's Neo4j waits end within NEO4J_WAIT_MS
    const result = await withNeo4jDeadline(deps.db.retryMs, () => apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: async () => {
        try {
          return contextFor(req.headers.authorization);
        } catch (err) {
          if (err instanceof GraphQLError) {
            throw new GraphQLError(err.message, { extensions: { ...err.extensions, http: { status: 401 } } });
          }
          throw err;
        }
      },
    }));
    for (const [k, v] of result.headers) res.setHeader(k, v);
    res.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
    } else {
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
  };

  // requests being handled, so that stop() can wait for them (a client that hung up leaves its request running)
  const inFlight = new Set<Promise<void>>();
  const server = http.createServer((req, res) => {
    const done: Promise<void> = handle(req, res).catch((err) => {
      log.error({ err }, 'unhandled request failure');
      if (!res.headersSent) sendJson(res, (err as { status?: number }).status ?? 500, { errors: [{ message: 'Internal server error.', extensions: { code: ErrorCode.INTERNAL } }] });
      else res.end();
    }).finally(() => inFlight.delete(done));
    inFlight.add(done);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host}:${port}/graphql`;
  log.info({ url, nodeEnv: config.nodeEnv }, 'GraphQL API listening');
  return {
    url, port, engine, metrics, heapGrowingPercent,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await Promise.allSettled([...inFlight]);
      await apollo.stop();
      await engine.policy.exposures.close();
      if (engine.policy.exposures.onFlush) engine.policy.exposures.onFlush = null;
      unsubscribeTraining?.();
      metrics.close();
      if (!deps.engine) await engine.dispose(); // an engine passed in belongs to the caller
    },
  };
}
