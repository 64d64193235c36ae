import type { Executor, StatementCounter } from '../db/executor';
import type { Logger } from '../log';
import type { ServingEngine } from '../serving/servingEngine';
import type { TrainingJobs } from '../model/trainJob';
import type { Viewer } from './auth';
import type { Loaders } from './loaders';

/** Limits and switches of the API, from the application config. */
export interface ApiSettings {
  /** Largest page size accepted for `first`. */
  maxFirst: number;
}

/** Everything a resolver may use; built fresh for every request (loaders and counter are per request). */
export interface ApiContext {
  db: Executor;
  viewer: Viewer;
  loaders: Loaders;
  /** Cypher statements sent for this request (reported in the response's extensions). */
  counter: StatementCounter;
  log: Logger;
  serving: ServingEngine;
  settings: ApiSettings;
  /** Background training runs; absent when this server does not train. */
  training?: TrainingJobs;
}
