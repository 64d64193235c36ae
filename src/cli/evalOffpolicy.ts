/**
 * `npm run eval:offpolicy -- --since <date> --policy '<json>' [--max-rows 200000] [--alpha 0.05] [--export <file>]`:
 * the candidate policy's click rate estimated from the exposure log since the date (IPS and self-normalised IPS,
 * position-wise with the logged propensities, with intervals), next to the logging policy's observed rate; printed
 * as JSON on stdout. `--export` also writes the log in Open Bandit Pipeline's shape. See src/eval/shownLog.ts.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { intOption, numberOption } from './args';
import { loadConfig, ConfigError } from '../config';
import { createExecutor } from '../db/executor';
import { createLogger } from '../log';
import { POLICY_SETTING_NAMES, type PolicyRequest } from '../serving/servingPolicy';
import { evaluateOffPolicy, readShownLog, toOpenBanditFeedback } from '../eval/shownLog';

const USAGE = `usage: npm run eval:offpolicy -- --since <ISO date> --policy '<json>' [--max-rows N] [--alpha A] [--export <file>]
  --since     pages logged at or after this time, e.g. 2026-11-01 or 2026-11-01T12:00:00Z
  --policy    the candidate policy as JSON over the configured defaults, e.g. '{"exploration": 0.1, "diversity": 0.2}'
              (fields: ${POLICY_SETTING_NAMES.join(', ')})
  --max-rows  at most this many logged items are read (default 200000)
  --alpha     1 - confidence of the intervals (default 0.05)
  --export    also write the log in Open Bandit Pipeline's shape (JSON: action, position, reward, pscore, context, ...)`;

/** Parses and validates the arguments; throws naming the argument, the value and what was expected. */
export function parseEvalArgs(argv: string[]) {
  const { values: v } = parseArgs({ args: argv, options: { since: { type: 'string' }, policy: { type: 'string' },
    'max-rows': { type: 'string' }, alpha: { type: 'string' }, export: { type: 'string' }, help: { type: 'boolean' } }, strict: true });
  if (v.help) return { help: true as const };
  if (!v.since || v.since.length > 40 || Number.isNaN(Date.parse(v.since))) throw new Error(`--since must be an ISO 8601 date or time, got ${JSON.stringify(v.since ?? null)}`);
  const since = new Date(Date.parse(v.since)).toISOString();
  if (!v.policy || v.policy.length > 2000) throw new Error('--policy must be a JSON object of at most 2,000 characters, e.g. \'{"exploration": 0.1}\'');
  let policy: PolicyRequest;
  try {
    policy = JSON.parse(v.policy) as PolicyRequest;
  } catch {
    throw new Error(`--policy must be valid JSON, got ${JSON.stringify(v.policy)}`);
  }
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) throw new Error(`--policy must be a JSON object, got ${v.policy}`);
  for (const [k, x] of Object.entries(policy)) {
    if (!(POLICY_SETTING_NAMES as readonly string[]).includes(k)) throw new Error(`--policy: unknown field "${k}"; expected ${POLICY_SETTING_NAMES.join(', ')}`);
    if (typeof x !== 'number' || !(x >= 0 && x <= 1)) throw new Error(`--policy: ${k} must be a number from 0 to 1, got ${JSON.stringify(x)}`);
  }
  return {
    help: false as const, since, policy, maxRows: intOption('max-rows', v['max-rows'], { min: 1, max: 10_000_000 }) ?? 200_000,
    alpha: numberOption('alpha', v.alpha, { above: 0, below: 1 }) ?? 0.05, exportFile: v.export,
  };
}

/** Runs the command; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let args;
  let config;
  try {
    config = loadConfig();
    args = parseEvalArgs(argv);
  } catch (err) {
    process.stderr.write(`eval:offpolicy: ${(err as Error).message}\n${err instanceof ConfigError ? '' : USAGE + '\n'}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const logger = createLogger(config.logLevel, config.logFormat).child({ component: 'eval-offpolicy' });
  const db = createExecutor(config);
  try {
    const pages = await readShownLog(db, args.since, args.maxRows);
    if (args.exportFile) {
      writeFileSync(args.exportFile, JSON.stringify(toOpenBanditFeedback(pages)) + '\n');
      logger.info({ file: args.exportFile, pages: pages.length }, 'exported the log in Open Bandit Pipeline\'s shape');
    }
    const report = await evaluateOffPolicy(db, logger, { ...args, pages, policyDefaults: config.policy });
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('offpolicy: ')) {
      process.stderr.write(`eval:offpolicy: ${err.message.slice(11)}\n`);
      return 1;
    }
    logger.error({ err }, 'eval:offpolicy failed');
    return 1;
  } finally {
    await db.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
