import { RecommendationResolver } from './recommendation/recommendation.resolver';
import { InteractionMutationResolver } from './interaction/interactionMutation.resolver';
import { UserMutationResolver } from './user/userMutation.resolver';
import { TrainingResolver } from './training/training.resolver';
import { ActivateModelResolver } from './model/activateModel.resolver';

/** Resolver classes beyond the read API (recommendations, mutations), registered by buildSchema. */
export const RESOLVERS_EXTRA = [RecommendationResolver, InteractionMutationResolver, UserMutationResolver, TrainingResolver, ActivateModelResolver];
