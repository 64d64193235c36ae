import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { TrainingBusyError, type TrainingJobs, type TrainingRunStatus } from '../../model/trainJob';
import type { ApiContext } from '../context';
import { requireAdmin } from '../auth';
import { apiError, ErrorCode } from '../errors';
import { TrainingRun, TrainingStateEnum, TrainOptionsInput } from './training.type';
import { RESOLVE_COST } from '../limits';

function toRun(s: TrainingRunStatus): TrainingRun {
  return { ...s, state: s.state as TrainingStateEnum, params: s.params as Record<string, unknown>, stats: s.stats as Record<string, unknown>,
    gate: s.gate as Record<string, unknown> | null };
}

function jobs(ctx: ApiContext): TrainingJobs {
  if (!ctx.training) throw apiError(ErrorCode.NOT_AVAILABLE, 'This server was started without training; run `npm run train` instead.');
  return ctx.training;
}

/** Mutation.train, Mutation.cancelTraining, Query.trainingRun and Query.trainingRuns (admin). */
@Resolver(() => TrainingRun)
export class TrainingResolver {
  @Mutation(() => TrainingRun, { complexity: RESOLVE_COST.training, description: 'Starts a training run in the background (admin); poll trainingRun(id). One run at a time: CONFLICT while another runs.' })
  train(@Arg('options', () => TrainOptionsInput, { nullable: true, description: 'Run options.' }) options: TrainOptionsInput | null, @Ctx() ctx: ApiContext): TrainingRun {
    requireAdmin(ctx.viewer, 'Training');
    const params = Object.fromEntries(Object.entries({ ...(options ?? {}) }).filter(([, v]) => v !== undefined && v !== null));
    try {
      return toRun(jobs(ctx).start(params));
    } catch (err) {
      if (err instanceof TrainingBusyError) {
        throw apiError(ErrorCode.CONFLICT, `Training run ${err.runningId} is still in progress; wait for it (trainingRun) or cancel it.`, { runningId: err.runningId });
      }
      if (err instanceof Error && err.message.startsWith('train: ')) {
        throw apiError(ErrorCode.BAD_USER_INPUT, `Argument "options" is invalid: ${err.message.slice(7)}.`, { argument: 'options' });
      }
      throw err;
    }
  }

  @Mutation(() => Boolean, { description: 'Asks a queued or running training run to stop (admin); true when it was still running. The served model stays.' })
  cancelTraining(@Arg('id', () => ID, { description: 'Run id.' }) id: string, @Ctx() ctx: ApiContext): boolean {
    requireAdmin(ctx.viewer, 'Cancelling training');
    return jobs(ctx).cancel(id);
  }

  @Query(() => TrainingRun, { nullable: true, description: 'A training run\'s progress and metrics (admin); null for an unknown id.' })
  trainingRun(@Arg('id', () => ID, { description: 'Run id from train.' }) id: string, @Ctx() ctx: ApiContext): TrainingRun | null {
    requireAdmin(ctx.viewer, 'Reading training runs');
    const s = jobs(ctx).get(id);
    return s ? toRun(s) : null;
  }

  @Query(() => [TrainingRun], { description: 'Recent training runs of this server, newest first (admin).' })
  trainingRuns(@Ctx() ctx: ApiContext): TrainingRun[] {
    requireAdmin(ctx.viewer, 'Reading training runs');
    return jobs(ctx).list().map(toRun);
  }
}
