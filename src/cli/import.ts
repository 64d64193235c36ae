/**
 * `npm run import -- --format <lightgcn|movielens|synthetic> ...`: loads data into the configured Neo4j.
 *
 *   --format lightgcn  --dir <dir>                                   train.txt -> INTERACTED, test.txt -> HELD_OUT
 *   --format movielens --ratings <f.csv> --items <f.csv> [--users <f.csv>]
 *   --format synthetic [--users N] [--seed S]                          the seeded demo/test graph
 *   --batch-size N     rows (relationships) per transaction (default IMPORT_BATCH_SIZE)
 *   --concurrency N    concurrent write transactions of the LightGCN import (default 2)
 *
 * Input is validated whole before anything is written; writes are idempotent batches, so running an
 * import twice changes nothing and re-running after a crash completes it. Prints the counts as JSON.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { createExecutor } from '../db/executor';
import { applySchema } from '../db/schema';
import { createLogger } from '../log';
import { ImportValidationError } from '../import/errors';
import { importLightGcn } from '../import/lightgcn';
import { importMovieLens } from '../import/movielens';
import { importSynthetic } from '../import/synthetic-import';

const USAGE = `usage: npm run import -- --format lightgcn --dir <dir>
       npm run import -- --format movielens --ratings <ratings.csv> --items <items.csv> [--users <users.csv>]
       npm run import -- --format synthetic [--users N] [--seed S]
options: --batch-size N (default IMPORT_BATCH_SIZE), --concurrency N (lightgcn; default 2)`;

class UsageError extends Error {}

function positiveInt(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

/** Runs the import command with command-line arguments `argv`; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        format: { type: 'string' }, dir: { type: 'string' }, ratings: { type: 'string' }, items: { type: 'string' },
        users: { type: 'string' }, seed: { type: 'string' }, 'batch-size': { type: 'string' }, concurrency: { type: 'string' }, help: { type: 'boolean' },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`import: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const db = createExecutor(config);
  try {
    const batchSize = positiveInt('batch-size', args['batch-size']) ?? config.importBatchSize;
    await applySchema(db);
    let result: unknown;
    const t0 = Date.now();
    switch (args.format) {
      case 'lightgcn':
        if (!args.dir) throw new UsageError('--format lightgcn needs --dir <dir> (holding train.txt and test.txt)');
        result = await importLightGcn(db, args.dir, { batchSize, concurrency: positiveInt('concurrency', args.concurrency), logger });
        break;
      case 'movielens':
        if (!args.ratings || !args.items) throw new UsageError('--format movielens needs --ratings <file> and --items <file>');
        result = await importMovieLens(db, { ratings: args.ratings, items: args.items, users: args.users }, { batchSize, logger });
        break;
      case 'synthetic':
        result = await importSynthetic(db, { users: positiveInt('users', args.users), seed: positiveInt('seed', args.seed), batchSize, logger });
        break;
      default:
        throw new UsageError(`--format must be lightgcn, movielens or synthetic, got "${args.format ?? ''}"`);
    }
    process.stdout.write(`${JSON.stringify({ format: args.format, seconds: (Date.now() - t0) / 1000, ...(result as object) }, null, 2)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`import: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof ImportValidationError) {
      logger.error({ file: err.file, line: err.line, value: err.value }, 'invalid input; nothing was written for it');
      process.stderr.write(`import: ${err.message}\n`);
      return 1;
    }
    logger.error({ err }, 'import failed');
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
