/**
 * `npm run import -- --format <lightgcn|movielens|events|ml100k|synthetic> ...`: loads data into the configured Neo4j.
 *
 *   --format lightgcn  --dir <dir>                                   train.txt -> INTERACTED, test.txt -> HELD_OUT
 *   --format movielens --ratings <f.csv> --items <f.csv> [--users <f.csv>]
 *   --format events    --events <f> [--items <f>] [--users <f>] [--held-out <f>] [--map k=col,...] [--kind K] [--derive timeOfDay,weekday]
 *   --format ml100k    --dir <dir>                                   MovieLens 100K with its train.tsv/test.tsv split
 *   --format synthetic [--users N] [--seed S]                          the seeded demo/test graph
 *   --bulk             first load into an empty local database through neo4j-admin (not movielens)
 *   --batch-size N     rows (relationships) per transaction (default IMPORT_BATCH_SIZE)
 *   --concurrency N    concurrent write transactions of the LightGCN import (default 2)
 *
 * Input is validated whole before anything is written; writes are idempotent batches, so running an
 * import twice changes nothing and re-running after a crash completes it. Prints the counts as JSON.
 */
import { parseArgs } from 'node:util';
import { intOption, UsageError } from './args';
import { loadConfig } from '../config';
import { createExecutor } from '../db/executor';
import { applySchema } from '../db/schema';
import { createLogger } from '../log';
import { ImportValidationError } from '../import/errors';
import { BulkImportRefused, bulkImport } from '../import/bulk';
import { ImportMappingError } from '../import/errors';
import { importEvents, parseEvents, parseEventsMapping } from '../import/events';
import { rowCounts } from '../import/rows';
import { importLightGcn, lightGcnRows } from '../import/lightgcn';
import { importMl100k, ml100kRows } from '../import/ml100k';
import { importMovieLens } from '../import/movielens';
import type { ImportRows } from '../import/rows';
import { generateSynthetic } from '../import/synthetic';
import { importSynthetic, syntheticRows } from '../import/synthetic-import';

const USAGE = `usage: npm run import -- --format lightgcn --dir <dir>
       npm run import -- --format movielens --ratings <ratings.csv> --items <items.csv> [--users <users.csv>]
       npm run import -- --format events --events <f.csv|tsv|jsonl> [--items <f>] [--users <f>] [--held-out <f>]
                         [--map user=customer_id,item=sku,kind=event,at=ts,context.device=device ...] [--kind K] [--derive timeOfDay,weekday]
       npm run import -- --format ml100k --dir <ml-100k dir>
       npm run import -- --format synthetic [--users N] [--seed S]
options: --bulk (first load into an empty local database via neo4j-admin; lightgcn, events, ml100k, synthetic),
         --batch-size N (default IMPORT_BATCH_SIZE), --concurrency N (lightgcn; default 2); docs/import.md has the mapping keys`;

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
        events: { type: 'string' }, 'held-out': { type: 'string' }, map: { type: 'string', multiple: true }, kind: { type: 'string' },
        derive: { type: 'string' }, 'category-separator': { type: 'string' }, bulk: { type: 'boolean' },
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
    const batchSize = intOption('batch-size', args['batch-size'], { min: 1 }) ?? config.importBatchSize;
    await applySchema(db);
    let result: unknown;
    const t0 = Date.now();
    if (args.bulk) {
      // validated rows first (nothing is stopped for a bad file), then neo4j-admin
      let rows: ImportRows;
      let found: unknown;
      switch (args.format) {
        case 'lightgcn':
          if (!args.dir) throw new UsageError('--format lightgcn needs --dir <dir> (holding train.txt and test.txt)');
          rows = lightGcnRows(args.dir);
          break;
        case 'events': {
          if (!args.events) throw new UsageError('--format events needs --events <file>');
          const parsed = parseEvents({ events: args.events, items: args.items, users: args.users, heldOut: args['held-out'] },
            parseEventsMapping(args.map ?? [], { kind: args.kind, derive: args.derive, categorySeparator: args['category-separator'] }));
          rows = parsed.rows;
          found = parsed.stats;
          break;
        }
        case 'ml100k':
          if (!args.dir) throw new UsageError('--format ml100k needs --dir <dir> (the ml-100k folder)');
          rows = ml100kRows(args.dir);
          break;
        case 'synthetic':
          rows = syntheticRows(generateSynthetic({ users: intOption('users', args.users, { min: 1 }), seed: intOption('seed', args.seed, { min: 0 }) }));
          break;
        default:
          throw new UsageError(`--bulk works with --format lightgcn, events, ml100k or synthetic, got "${args.format ?? ''}"`);
      }
      const target = config.neo4jLocal ? { instance: 'dev' as const } : { remote: config.neo4jUri };
      result = { bulk: true, rows: rowCounts(rows), ...(found as object), ...(await bulkImport(db, rows, target, { logger })) };
    } else {
      switch (args.format) {
        case 'lightgcn':
          if (!args.dir) throw new UsageError('--format lightgcn needs --dir <dir> (holding train.txt and test.txt)');
          result = await importLightGcn(db, args.dir, { batchSize, concurrency: intOption('concurrency', args.concurrency, { min: 1 }), logger });
          break;
        case 'movielens':
          if (!args.ratings || !args.items) throw new UsageError('--format movielens needs --ratings <file> and --items <file>');
          result = await importMovieLens(db, { ratings: args.ratings, items: args.items, users: args.users }, { batchSize, logger });
          break;
        case 'events':
          if (!args.events) throw new UsageError('--format events needs --events <file>');
          result = await importEvents(db, { events: args.events, items: args.items, users: args.users, heldOut: args['held-out'] },
            parseEventsMapping(args.map ?? [], { kind: args.kind, derive: args.derive, categorySeparator: args['category-separator'] }),
            { batchSize, logger });
          break;
        case 'ml100k':
          if (!args.dir) throw new UsageError('--format ml100k needs --dir <dir> (the ml-100k folder)');
          result = await importMl100k(db, args.dir, { batchSize, logger });
          break;
        case 'synthetic':
          result = await importSynthetic(db, { users: intOption('users', args.users, { min: 1 }), seed: intOption('seed', args.seed, { min: 0 }), batchSize, logger });
          break;
        default:
          throw new UsageError(`--format must be lightgcn, movielens, events, ml100k or synthetic, got "${args.format ?? ''}"`);
      }
    }
    process.stdout.write(`${JSON.stringify({ format: args.format, seconds: (Date.now() - t0) / 1000, ...(result as object) }, null, 2)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError || err instanceof ImportMappingError) {
      process.stderr.write(`import: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof ImportValidationError) {
      logger.error({ file: err.file, line: err.line, value: err.value }, 'invalid input; nothing was written for it');
      process.stderr.write(`import: ${err.message}\n`);
      return 1;
    }
    if (err instanceof BulkImportRefused) {
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
