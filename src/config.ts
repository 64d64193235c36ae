/**
 * The only reader of process.env: every setting is read and validated once, here, then passed down.
 */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Validated runtime configuration of the whole application. */
export interface Config {
  /** Bolt URI of the Neo4j to use; when `neo4jLocal` is true it is the project's own local server. */
  neo4jUri: string;
  neo4jUser: string;
  neo4jPassword: string;
  neo4jDatabase: string | undefined;
  /** True when NEO4J_URI was not set and the project's local Neo4j (scripts/neo4j.mjs) is used. */
  neo4jLocal: boolean;
  port: number;
  host: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * How logs are written on stderr: `json` (one JSON object a line) or `pretty` (pino-pretty, for a person at a
   * terminal). LOG_FORMAT picks one; unset means pretty when NODE_ENV is not production and stderr is a terminal.
   */
  logFormat: 'json' | 'pretty';
  nodeEnv: 'development' | 'production' | 'test';
  /** Secret for signing and verifying JWT bearer tokens (HS256). */
  jwtSecret: string;
  /** Size of the synthetic demo graph loaded into an empty database by `npm start`. */
  demoUsers: number;
  /** Rows per UNWIND batch for imports and write-backs. */
  importBatchSize: number;
  /**
   * Default half-life in days of the time decay on interaction weights for training (`npm run train`, the train
   * mutation) when a run names none; undefined: no decay. Serving follows the half-life the served model recorded.
   */
  interestHalfLifeDays: number | undefined;
  /** Re-ranking policy defaults and the exposure log (POLICY_* and EXPOSURE_* variables). */
  policy: PolicyConfig;
  /** What executes GraphQL operations: graphql-jit (compiled, default) or graphql-js (src/api/jitExecutor.ts). */
  graphqlExecutor: 'jit' | 'graphql-js';
  /** Training schedule and quality gate (TRAIN_* variables). */
  training: TrainingConfig;
  /** Bound (ms) of every wait on Neo4j: opening a connection, a pooled connection, the retries of one statement. */
  neo4jWaitMs: number;
}

/** When the API process trains on its own, and when a new version may replace the served one. */
export interface TrainingConfig {
  /** Train when the newest version is at least this old (ms); undefined: no time schedule (TRAIN_EVERY). */
  everyMs: number | undefined;
  /** Train when at least this many positive interactions were recorded since the newest version; undefined: none (TRAIN_AFTER_INTERACTIONS). */
  afterInteractions: number | undefined;
  /** How often the schedule checks whether a run is due (ms, TRAIN_CHECK_EVERY). */
  checkEveryMs: number;
  /** Relative tolerance of the quality gate (TRAIN_GATE_TOLERANCE, src/model/gate.ts). */
  gateTolerance: number;
}

/** Default tolerance of the quality gate (src/model/gate.ts): a new version may be at most 2% (relative) worse than the active one. */
export const DEFAULT_GATE_TOLERANCE = 0.02;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as `6h`, `30m`, `90s`, `1d` or `500ms` in ms; undefined when unset. */
function duration(env: Env, name: string, minMs: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(raw.trim());
  const ms = m ? Number(m[1]) * UNIT_MS[m[2]] : NaN;
  if (!(ms >= minMs)) throw new ConfigError(`${name} must be a duration of at least ${minMs} ms such as 6h, 30m, 90s or 1d, got "${raw}"`);
  return ms;
}

/** Reads the TRAIN_* settings (see TrainingConfig). */
export function loadTrainingConfig(env: Env = process.env): TrainingConfig {
  const after = env.TRAIN_AFTER_INTERACTIONS;
  return {
    everyMs: duration(env, 'TRAIN_EVERY', 1000),
    afterInteractions: after === undefined || after === '' ? undefined : int(env, 'TRAIN_AFTER_INTERACTIONS', 0, 1, 1_000_000_000),
    checkEveryMs: duration(env, 'TRAIN_CHECK_EVERY', 100) ?? 60_000,
    gateTolerance: num(env, 'TRAIN_GATE_TOLERANCE', DEFAULT_GATE_TOLERANCE, 0, 1),
  };
}

/** pretty needs pino-pretty, a development dependency (absent from the production image). */
function logFormat(env: Env, nodeEnv: Config['nodeEnv'], stderrIsTTY: boolean): Config['logFormat'] {
  const format = oneOf(env, 'LOG_FORMAT', ['json', 'pretty'] as const, nodeEnv !== 'production' && stderrIsTTY ? 'pretty' : 'json');
  if (format === 'pretty') {
    try {
      require.resolve('pino-pretty');
    } catch {
      throw new ConfigError(`LOG_FORMAT ${env.LOG_FORMAT === 'pretty' ? '"pretty"' : 'defaults to pretty at a terminal outside production, which'} needs the ` +
        'pino-pretty package (a development dependency), and it is not installed; set LOG_FORMAT=json');
    }
  }
  return format;
}

/** The re-ranking policy's settings a request may set (each 0..1); defaults come from config (POLICY_*). */
export interface PolicySettings {
  /** Maximal-marginal-relevance weight of dissimilarity (0 = pure relevance). */
  diversity: number;
  /** Expected share of exploration (Thompson-sampling) slots of a page. */
  exploration: number;
  /** Popularity penalty, in units of the candidates' score range. */
  novelty: number;
  /** Share of a page's slots (its last ones) given to the candidates shown least so far. */
  leastShown: number;
  /** Largest share of a page one category may take (1 = no cap). */
  maxCategoryShare: number;
  /** Strength of the push-down of items similar to the user's dismissed/disliked items, in units of the score range. */
  negativeFeedback: number;
}

/**
 * Defaults of the re-ranking policy of `recommendations` (a request may override the first six) and
 * the settings of the write-behind exposure log.
 */
export interface PolicyConfig extends PolicySettings {
  /** A positive interaction within this many hours of an item being shown to the user counts as feedback on that exposure. */
  feedbackWindowHours: number;
  /** Exposure log: flush the buffer at least this often (ms). */
  exposureFlushMs: number;
  /** Exposure log: flush at once when this many rows are buffered; also the largest batch of one flush. */
  exposureBatchRows: number;
  /** Exposure log: the most rows kept in memory while Neo4j does not take them (the oldest are dropped beyond). */
  exposureBufferMax: number;
  /** Exposure log: SHOWN edges older than this many days are deleted (at least the feedback window). */
  exposureRetentionDays: number;
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, dflt?: string): string {
  const v = env[name];
  if (v === undefined || v === '') {
    if (dflt === undefined) throw new ConfigError(`${name} is required but not set`);
    return dflt;
  }
  return v;
}

function int(env: Env, name: string, dflt: number, min: number, max: number): number {
  return num(env, name, dflt, min, max, true);
}

function num(env: Env, name: string, dflt: number, min: number, max: number, integer = false): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!(integer ? Number.isInteger(n) : Number.isFinite(n)) || n < min || n > max) {
    throw new ConfigError(`${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

/** Reads the POLICY_* and EXPOSURE_* settings (see PolicyConfig). */
export function loadPolicyConfig(env: Env = process.env): PolicyConfig {
  const feedbackWindowHours = num(env, 'POLICY_FEEDBACK_WINDOW_HOURS', 24, 0.001, 24 * 365);
  const exposureRetentionDays = num(env, 'EXPOSURE_RETENTION_DAYS', 30, 0.001, 36_500);
  if (exposureRetentionDays * 24 < feedbackWindowHours) {
    throw new ConfigError(`EXPOSURE_RETENTION_DAYS (${exposureRetentionDays}) must cover POLICY_FEEDBACK_WINDOW_HOURS (${feedbackWindowHours} h): feedback is credited to SHOWN edges`);
  }
  return {
    diversity: num(env, 'POLICY_DIVERSITY', 0, 0, 1),
    exploration: num(env, 'POLICY_EXPLORATION', 0, 0, 1),
    novelty: num(env, 'POLICY_NOVELTY', 0, 0, 1),
    leastShown: num(env, 'POLICY_LEAST_SHOWN', 0.15, 0, 1),
    maxCategoryShare: num(env, 'POLICY_MAX_CATEGORY_SHARE', 1, 0, 1),
    negativeFeedback: num(env, 'POLICY_NEGATIVE_FEEDBACK', 0.5, 0, 1),
    feedbackWindowHours,
    exposureRetentionDays,
    // a flush has a fixed cost in Neo4j besides its rows: fewer, larger flushes take less of its CPU
    exposureFlushMs: int(env, 'EXPOSURE_FLUSH_MS', 1000, 10, 60_000),
    exposureBatchRows: int(env, 'EXPOSURE_BATCH_ROWS', 2000, 1, 100_000),
    exposureBufferMax: int(env, 'EXPOSURE_BUFFER_MAX', 100_000, 100, 10_000_000),
  };
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], dflt: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function positiveNumber(env: Env, name: string, expected: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0) throw new ConfigError(`${name} must be ${expected}, got "${raw}"`);
  return n;
}

/**
 * Reads and validates the configuration from an environment (process.env by default); `stderrIsTTY` decides the
 * default log format.
 */
export function loadConfig(env: Env = process.env, stderrIsTTY = process.stderr.isTTY === true): Config {
  const nodeEnv = oneOf(env, 'NODE_ENV', ['development', 'production', 'test'] as const, 'development');
  const uri = env.NEO4J_URI;
  if (uri !== undefined && uri !== '' && !/^(neo4j|bolt)(\+s|\+ssc)?:\/\/[^\s]+$/.test(uri)) {
    throw new ConfigError(`NEO4J_URI must be a neo4j:// or bolt:// URI (optionally +s/+ssc), got "${uri}"`);
  }
  const localPort = int(env, 'NEO4J_LOCAL_BOLT_PORT', 7687, 1, 65535);
  const jwtSecret = str(env, 'JWT_SECRET', nodeEnv === 'production' ? undefined : 'interest-graph-dev-secret-change-me');
  if (nodeEnv === 'production' && jwtSecret.length < 32) {
    throw new ConfigError(`JWT_SECRET must be at least 32 characters in production, got ${jwtSecret.length}`);
  }
  return {
    neo4jUri: uri || `bolt://127.0.0.1:${localPort}`,
    neo4jUser: str(env, 'NEO4J_USER', 'neo4j'),
    neo4jPassword: str(env, 'NEO4J_PASSWORD', uri ? undefined : 'interest-graph-dev'),
    neo4jDatabase: env.NEO4J_DATABASE || undefined,
    neo4jLocal: !uri,
    port: int(env, 'PORT', 4000, 0, 65535),
    host: str(env, 'HOST', '127.0.0.1'),
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      nodeEnv === 'test' ? 'warn' : 'info'),
    logFormat: logFormat(env, nodeEnv, stderrIsTTY),
    nodeEnv,
    jwtSecret,
    demoUsers: int(env, 'DEMO_USERS', 2000, 10, 1_000_000),
    importBatchSize: int(env, 'IMPORT_BATCH_SIZE', 10_000, 100, 200_000),
    interestHalfLifeDays: positiveNumber(env, 'INTEREST_HALF_LIFE_DAYS', 'a positive number of days (unset for no time decay)'),
    policy: loadPolicyConfig(env),
    graphqlExecutor: oneOf(env, 'GRAPHQL_EXECUTOR', ['jit', 'graphql-js'] as const, 'jit'),
    training: loadTrainingConfig(env),
    neo4jWaitMs: int(env, 'NEO4J_WAIT_MS', 3_000, 100, 60_000),
  };
}
