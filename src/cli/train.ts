/**
 * `npm run train -- [--dims N] [--seed S] [--half-life-days D] [--batch-size N] [--eval-users N] [--no-activate]`:
 * extracts the graph from the configured Neo4j, fits the interest model, writes every node's embedding
 * back as a new model version and only then activates it. Prints the run's
 * final status as JSON on stdout (logs and progress go to stderr). Ctrl-C cancels the run: the
 * previously active version keeps serving. Exit code 0 on success, 1 on failure, 2 on bad arguments.
 */
import { parseArgs } from 'node:util';
import { intOption, numberOption, UsageError } from './args';
import { loadConfig } from '../config';
import { createExecutor } from '../db/executor';
import { applySchema } from '../db/schema';
import { createLogger } from '../log';
import { fitGraph } from '../model/interestModel';
import { FitGraph, TrainingJobs, TrainingParams } from '../model/trainJob';

const USAGE = `usage: npm run train -- [--dims N] [--seed S] [--half-life-days D] [--batch-size N] [--eval-users N] [--no-activate]
  --dims N            embedding dimensions (model default when omitted)
  --seed S            random seed (model default when omitted)
  --half-life-days D  decay interaction weights with this half-life in days (default: INTEREST_HALF_LIFE_DAYS, else no decay)
  --batch-size N      nodes per write-back transaction (default 5000)
  --eval-users N      users sampled for the held-out dot-product check, 0 to skip (default 2000)
  --no-activate       write and index the new version but leave the current one serving`;

/** Parses the command line into training parameters; throws UsageError naming the bad flag. */
export function parseTrainArgs(argv: string[]): TrainingParams & { help?: boolean } {
  let v;
  try {
    v = parseArgs({
      args: argv,
      options: {
        dims: { type: 'string' }, seed: { type: 'string' }, 'half-life-days': { type: 'string' }, 'batch-size': { type: 'string' },
        'eval-users': { type: 'string' }, 'no-activate': { type: 'boolean' }, help: { type: 'boolean' },
      },
      strict: true,
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return {
    help: v.help,
    dims: intOption('dims', v.dims),
    seed: intOption('seed', v.seed),
    halfLifeDays: numberOption('half-life-days', v['half-life-days']),
    batchSize: intOption('batch-size', v['batch-size']),
    evalUsers: intOption('eval-users', v['eval-users']),
    activate: v['no-activate'] ? false : undefined,
  };
}

/** Runs the train command with command-line arguments `argv` (and the model's fit function); returns the exit code. */
export async function main(argv: string[], fit?: FitGraph): Promise<number> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, config.logFormat);
  let params: TrainingParams & { help?: boolean };
  try {
    params = parseTrainArgs(argv);
    if (params.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
  } catch (err) {
    process.stderr.write(`train: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  delete params.help;
  const db = createExecutor(config);
  const onSigint = () => {
    logger.warn('train: cancelling (the active model version keeps serving)');
    if (runId) jobs?.cancel(runId);
  };
  let runId: string | undefined;
  let jobs: TrainingJobs | undefined;
  try {
    await applySchema(db);
    jobs = new TrainingJobs({ db, fit: fit ?? fitGraph, logger, defaultHalfLifeDays: config.interestHalfLifeDays, gateTolerance: config.training.gateTolerance });
    process.once('SIGINT', onSigint);
    const started = jobs.start(params);
    runId = started.id;
    const final = await jobs.wait(runId);
    process.stdout.write(`${JSON.stringify(final, null, 2)}\n`);
    return final.state === 'succeeded' ? 0 : 1;
  } catch (err) {
    if (err instanceof Error && /must be/.test(err.message) && err.message.startsWith('train:')) {
      process.stderr.write(`${err.message}\n${USAGE}\n`);
      return 2;
    }
    logger.error({ err }, 'train failed');
    return 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await db.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
