import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';

/** States of a training run, as a GraphQL enum. */
export enum TrainingStateEnum {
  queued = 'queued',
  extracting = 'extracting',
  training = 'training',
  writing = 'writing',
  activating = 'activating',
  succeeded = 'succeeded',
  failed = 'failed',
}
registerEnumType(TrainingStateEnum, {
  name: 'TrainingState',
  description: 'Where a training run is: queued, extracting the graph, training, writing embeddings back, activating the new version; then succeeded or failed (also when cancelled).',
});

/** A training run's status. */
@ObjectType({ simpleResolvers: true, description: 'A background training run: extract the graph, fit the model, write a new version, activate it.' })
export class TrainingRun {
  @Field(() => ID, { description: 'Run id, for trainingRun(id).' })
  id!: string;

  @Field(() => TrainingStateEnum, { description: 'Current state.' })
  state!: TrainingStateEnum;

  @Field(() => Float, { description: 'Overall progress from 0 to 1.' })
  progress!: number;

  @Field(() => String, { description: 'When the run was queued (ISO 8601).' })
  queuedAt!: string;

  @Field(() => String, { nullable: true, description: 'When it started.' })
  startedAt!: string | null;

  @Field(() => String, { nullable: true, description: 'When it finished.' })
  finishedAt!: string | null;

  @Field(() => String, { nullable: true, description: 'The model version it writes (null until writing starts).' })
  version!: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Metrics of the new version (null until trained).' })
  metrics!: Record<string, number> | null;

  @Field(() => String, { nullable: true, description: 'Why it failed; null otherwise.' })
  error!: string | null;

  @Field(() => Boolean, { description: 'True once its version is the served one; false when not asked to activate or held back by the quality gate.' })
  activated!: boolean;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'The quality gate\'s decision {passed, metric, candidate, activeVersion, active, tolerance, reason}; null until it ran or when not asked to activate.' })
  gate!: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, { description: 'The options it runs with.' })
  params!: Record<string, unknown>;

  @Field(() => GraphQLJSONObject, { description: 'Node and edge counts and seconds per phase, as they become known.' })
  stats!: Record<string, unknown>;
}

/** Options of the train mutation. */
@InputType({ description: 'Options of a training run; every field is optional.' })
export class TrainOptionsInput {
  @Field(() => Int, { nullable: true, description: 'Embedding dimensions (1 to 4096).' })
  dims?: number;

  @Field(() => Int, { nullable: true, description: 'Random seed.' })
  seed?: number;

  @Field(() => Float, { nullable: true, description: 'Half-life in days of a time decay on interaction weights (default: the server\'s INTEREST_HALF_LIFE_DAYS, else none). The model records it and folds users in with it.' })
  halfLifeDays?: number;

  @Field(() => Boolean, { nullable: true, description: 'Activate the new version when written (default true).' })
  activate?: boolean;

  @Field(() => Int, { nullable: true, description: 'Users sampled for the held-out check (0 skips it).' })
  evalUsers?: number;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Further model options, passed to the model as they are.' })
  model?: Record<string, unknown>;
}
