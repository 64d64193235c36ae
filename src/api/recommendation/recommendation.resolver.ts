import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import type { ApiContext } from '../context';
import { requireSelfOrAdmin } from '../auth';
import { badInput, checkFirst, checkId } from '../errors';
import { ContextInput } from '../common/context.input';
import { checkContexts } from '../common/contexts';
import type { ScoredItem } from '../../serving/types';
import { RecommendationList, Recommendation, SimilarItemList, ReasonKindEnum, RelationshipDirection } from './recommendation.type';
import { checkPolicyInput, PolicyInput } from './policy.input';
import { RESOLVE_COST } from '../limits';


/** Attaches Item objects: titles come with the evidence; only items without it go through the item loader. */
async function toRecommendations(items: ScoredItem[], ctx: ApiContext): Promise<Recommendation[]> {
  const missing = items.filter((i) => i.title === undefined).map((i) => i.itemId);
  const rows = missing.length ? await ctx.loaders.item.loadMany(missing) : [];
  const titles = new Map(missing.map((id, k) => {
    const row = rows[k];
    return [id, row && !(row instanceof Error) ? row.title : null];
  }));
  return items.map((s) => {
    const title = s.title !== undefined ? s.title : titles.get(s.itemId) ?? null;
    const b = s.breakdown;
    return {
      rank: s.rank, score: s.score,
      breakdown: { ...b, novelty: b.novelty ?? 0, diversity: b.diversity ?? 0, feedback: b.feedback ?? 0 },
      exploration: s.exploration ?? false, probability: s.probability ?? 1,
      item: { id: s.itemId, title },
      reasons: s.reasons.map((r) => ({
        kind: r.kind as ReasonKindEnum, text: r.text,
        paths: r.paths.map((p) => ({ nodes: p.nodes, relationships: p.relationships.map((x) => ({ type: x.type, direction: x.direction as RelationshipDirection })) })),
      })),
    };
  });
}

/** Query.recommendations and Query.similarItems. */
@Resolver()
export class RecommendationResolver {
  @Query(() => RecommendationList, {
    complexity: RESOLVE_COST.pipeline,
    description: 'Recommended items for a user, best first, each with a score breakdown and reasons backed by graph paths. '
      + 'Needs that user\'s token or an admin token.',
  })
  async recommendations(
    @Arg('userId', () => ID, { description: 'The user to recommend for.' }) userId: string,
    @Arg('first', () => Int, { defaultValue: 20, description: 'How many items, 1 to 100.' }) first: number,
    @Arg('context', () => [ContextInput], { defaultValue: [], description: 'The request context, e.g. [{kind: "device", value: "mobile"}].' }) context: ContextInput[],
    @Arg('categories', () => [String], { defaultValue: [], description: 'Only items in one of these categories (also: the choices of a cold-start user).' }) categories: string[],
    @Arg('excludeItemIds', () => [ID], { defaultValue: [], description: 'Items never to return.' }) excludeItemIds: string[],
    @Arg('includeInteracted', () => Boolean, { defaultValue: false, description: 'Also return items the user already interacted with (never those dismissed or disliked).' }) includeInteracted: boolean,
    @Arg('policy', () => PolicyInput, { nullable: true, description: 'Re-ranking policy for this request (diversity, exploration, novelty, leastShown, maxCategoryShare, negativeFeedback, seed); the configured defaults otherwise.' }) policy: PolicyInput | null,
    @Ctx() ctx: ApiContext,
  ): Promise<RecommendationList> {
    requireSelfOrAdmin(ctx.viewer, userId, 'Reading recommendations');
    checkId('userId', userId);
    checkFirst(first, ctx.settings.maxFirst);
    if (excludeItemIds.length > 1000) throw badInput('excludeItemIds', `${excludeItemIds.length} ids`, 'at most 1000 ids');
    excludeItemIds.forEach((id, k) => checkId(`excludeItemIds[${k}]`, id));
    if (categories.length > 50 || categories.some((c) => c.length > 200)) throw badInput('categories', categories, 'at most 50 names of at most 200 characters');
    const policyRequest = checkPolicyInput(policy);
    const timings: Record<string, number> = {};
    const res = await ctx.serving.recommend({
      userId, first, contexts: checkContexts(context, 'context'), categories, excludeItemIds, includeInteracted, policy: policyRequest,
    }, ctx.counter, timings);
    ctx.log.debug({ userId, first, coldStart: res.coldStart, ms: timings }, 'recommendations timings');
    if (!res.impressionId || !res.policy) throw new Error('recommendations: the serving engine returned a page without its impression id and policy');
    return {
      userId, modelVersion: res.modelVersion, coldStart: res.coldStart, items: await toRecommendations(res.items, ctx),
      impressionId: res.impressionId, policy: res.policy, explorationSlots: res.explorationSlots ?? 0,
    };
  }

  @Query(() => SimilarItemList, { complexity: RESOLVE_COST.pipeline, description: 'Items similar to an item (embedding dot product and co-interaction), with reasons. Public.' })
  async similarItems(
    @Arg('itemId', () => ID, { description: 'The item.' }) itemId: string,
    @Arg('first', () => Int, { defaultValue: 20, description: 'How many items, 1 to 100.' }) first: number,
    @Ctx() ctx: ApiContext,
  ): Promise<SimilarItemList> {
    checkId('itemId', itemId);
    checkFirst(first, ctx.settings.maxFirst);
    const res = await ctx.serving.similarItems(itemId, first, ctx.counter);
    return { itemId, modelVersion: res.modelVersion, items: await toRecommendations(res.items, ctx) };
  }
}
