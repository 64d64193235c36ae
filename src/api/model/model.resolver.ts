import { Ctx, Query, Resolver } from 'type-graphql';
import type { ApiContext } from '../context';
import { ModelInfo } from './model.type';

/** Query.model: the active model, read through the serving engine's model store. */
@Resolver(() => ModelInfo)
export class ModelResolver {
  @Query(() => ModelInfo, { nullable: true, description: 'The active model, or null before the first training. Public.' })
  async model(@Ctx() ctx: ApiContext): Promise<ModelInfo | null> {
    const m = await ctx.serving.store.activeModel(ctx.counter);
    return m && { version: m.version, status: m.status, trainedAt: m.trainedAt, dims: m.dims, userNormExponent: m.userNormExponent, metrics: m.metrics, params: m.params };
  }
}
