import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { activateVersion, ModelNotActivatableError, ModelVersionNotFoundError } from '../../model/activation';
import type { ApiContext } from '../context';
import { requireAdmin } from '../auth';
import { apiError, badInput, ErrorCode } from '../errors';
import { ModelInfo } from './model.type';

/** Longest version string accepted (versions are `v<seq>` or names given to npm run train). */
const MAX_VERSION_LENGTH = 100;

/** Mutation.activateModel (admin): roll back or forward to a version that still has its vectors. */
@Resolver(() => ModelInfo)
export class ActivateModelResolver {
  @Mutation(() => ModelInfo, {
    description: 'Makes a model version the served one (admin), atomically: a rollback to the previous version or a roll forward to one the quality ' +
      'gate kept ready. Interactions recorded since its training are folded into its user embeddings in the same transaction. ' +
      'NOT_FOUND for an unknown version; BAD_USER_INPUT for one that is failed, writing or retired. Other API processes follow within their model cache time.',
  })
  async activateModel(@Arg('version', () => String, { description: 'The version string, e.g. "v3" (see the model-versions analysis query).' }) version: string,
    @Ctx() ctx: ApiContext): Promise<ModelInfo> {
    requireAdmin(ctx.viewer, 'Activating a model version');
    if (version.length === 0 || version.length > MAX_VERSION_LENGTH) throw badInput('version', version, `a version string of 1 to ${MAX_VERSION_LENGTH} characters`);
    try {
      await activateVersion(ctx.db, version);
    } catch (err) {
      if (err instanceof ModelVersionNotFoundError) throw apiError(ErrorCode.NOT_FOUND, `No model version ${JSON.stringify(version)}.`, { type: 'Model', id: version });
      if (err instanceof ModelNotActivatableError) {
        throw apiError(ErrorCode.BAD_USER_INPUT, `Argument "version" names version ${JSON.stringify(version)} in status ${err.status}; expected a ready, inactive or active version with its vectors.`,
          { argument: 'version', value: version, status: err.status });
      }
      throw err;
    }
    ctx.serving.store.invalidate();
    const m = await ctx.serving.store.activeModel(ctx.counter);
    if (!m) throw apiError(ErrorCode.MODEL_NOT_READY, 'No model version is active after the switch; another process changed it.');
    return { version: m.version, status: m.status, trainedAt: m.trainedAt, dims: m.dims, userNormExponent: m.userNormExponent, metrics: m.metrics, params: m.params };
  }
}
