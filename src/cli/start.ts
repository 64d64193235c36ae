/**
 * `npm start`: the main job, one command from a fresh clone to a serving API.
 *
 * 1. Neo4j: the project's own local server is installed and started when NEO4J_URI is not set.
 * 2. Schema: constraints and indexes applied idempotently.
 * 3. Demo data: the seeded synthetic graph (DEMO_USERS users) is imported when the graph has no users.
 * 4. Model: a model is trained and activated when no version is active.
 * 5. GraphQL: the server listens on HOST:PORT until SIGINT/SIGTERM, then shuts down cleanly; the training schedule
 *    (TRAIN_EVERY / TRAIN_AFTER_INTERACTIONS, src/model/trainSchedule.ts) runs while it serves.
 */
import { loadConfig, ConfigError } from '../config';
import { createExecutor } from '../db/executor';
import { ensureLocalNeo4j } from '../db/local';
import { applySchema } from '../db/schema';
import { createLogger } from '../log';
import { importSynthetic } from '../import/synthetic-import';
import { activeModel, recoverInterruptedWrites } from '../model/registry';
import { fitGraphInWorker } from '../model/fitWorker';
import { TrainingJobs } from '../model/trainJob';
import { TrainSchedule } from '../model/trainSchedule';
import { startServer } from '../api/server';

/** Runs the main job; resolves when the server has stopped after a signal. */
export async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`start: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, config.logFormat).child({ component: 'start' });
  const step = (n: number, msg: string, extra: Record<string, unknown> = {}) => logger.info({ step: `${n}/5`, ...extra }, msg);

  step(1, config.neo4jLocal ? 'starting the local Neo4j (NEO4J_URI not set)' : 'using the configured Neo4j', { uri: config.neo4jUri });
  ensureLocalNeo4j(config);
  const db = createExecutor(config);
  try {
    step(2, 'applying constraints and indexes');
    await applySchema(db);
    // a previous process of this API killed mid write-back left its version `writing`: recorded as interrupted now
    await recoverInterruptedWrites(db, logger);

    const [{ users }] = await db.read<{ users: number }>('start/count-users');
    if (users === 0) {
      step(3, 'the graph is empty: importing the synthetic demo graph', { users: config.demoUsers });
      const result = await importSynthetic(db, { users: config.demoUsers, seed: 42, batchSize: config.importBatchSize, logger });
      logger.info({ result }, 'demo data imported');
    } else {
      step(3, 'the graph has data: no demo import', { users });
    }

    // fitting (and the held-out check) on a worker thread: the API keeps answering while the admin `train` runs
    const training = new TrainingJobs({ db, fit: fitGraphInWorker, logger, defaultHalfLifeDays: config.interestHalfLifeDays,
      gateTolerance: config.training.gateTolerance });
    const active = await activeModel(db);
    if (!active) {
      step(4, 'no active model: training one (the server starts when it is active)');
      const run = training.start({});
      const final = await training.wait(run.id);
      if (final.state !== 'succeeded') {
        logger.error({ run: final }, 'the first training failed; the server starts anyway and answers MODEL_NOT_READY');
      }
    } else {
      step(4, 'a model is active', { version: active.version });
    }

    const server = await startServer(config, { db, logger, training, executor: config.graphqlExecutor });
    const schedule = new TrainSchedule(db, training, { ...config.training, logger }).start();
    step(5, 'GraphQL API listening', { url: server.url, sandbox: config.nodeEnv === 'development' ? server.url : undefined,
      token: 'npm run token -- --user <id> | --admin' });

    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        logger.info({ signal }, 'shutting down');
        resolve();
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
    await schedule.stop();
    await server.stop();
    return 0;
  } catch (err) {
    logger.error({ err }, 'start failed');
    return 1;
  } finally {
    await db.close();
  }
}

if (require.main === module) {
  main().then((code) => {
    process.exitCode = code;
  });
}
