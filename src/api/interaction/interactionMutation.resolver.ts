import { Arg, Ctx, Field, Mutation, ObjectType, Resolver } from 'type-graphql';
import { parseContextKey } from '../../graph/contexts';
import { interactionWeight, isInteractionKind, INTERACTION_KINDS } from '../../graph/weights';
import { recordInteraction } from '../../serving/feedback';
import { upsertCatalogItem } from '../../serving/catalog';
import type { ApiContext } from '../context';
import { requireAdmin, requireSelfOrAdmin } from '../auth';
import { badInput, checkId } from '../errors';
import { checkContexts } from '../common/contexts';
import { Item } from '../item/item.type';
import { RecordInteractionInput, UpsertItemInput } from './interaction.input';
import { RecordInteractionPayload } from './interaction.type';
import { RESOLVE_COST } from '../limits';

/** What upsertItem returns. */
@ObjectType({ simpleResolvers: true, description: 'The result of upsertItem.' })
export class UpsertItemPayload {
  @Field(() => Item, { description: 'The item as stored.' })
  item!: Item;

  @Field(() => Boolean, { description: 'True when the item did not exist before.' })
  created!: boolean;

  @Field(() => String, { nullable: true, description: 'Where its embedding comes from: "model" (trained), "neighbours" (mean of items in its categories, until the next training), or null (none yet).' })
  embeddingSource!: string | null;
}

/** How far in the future an interaction's `at` may be: clock skew between a client and this server. */
export const MAX_AT_SKEW_MS = 5 * 60_000;

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/i;

/**
 * Parses `at` of recordInteraction: an ISO 8601 date-time with a zone (Z or ±hh:mm) naming a real calendar date and
 * time (2026-02-30 is refused, never shifted), from 1970 to now plus MAX_AT_SKEW_MS; returns it as ISO UTC.
 */
export function parseInteractionAt(at: string, now = Date.now()): string {
  const expected = `an ISO 8601 date-time with a zone, a real calendar date, from 1970 to now (${new Date(now).toISOString()}) plus ${MAX_AT_SKEW_MS / 60_000} minutes, such as 2026-11-23T18:00:00Z`;
  const m = ISO_DATE_TIME.exec(at);
  if (!m) throw badInput('input.at', at, expected);
  const [y, mo, d, h, mi, sec] = [1, 2, 3, 4, 5, 6].map((k) => Number(m[k] ?? 0));
  const local = Date.UTC(y, mo - 1, d, h, mi, sec);
  const c = new Date(local);
  const real = c.getUTCFullYear() === y && c.getUTCMonth() === mo - 1 && c.getUTCDate() === d && c.getUTCHours() === h
    && c.getUTCMinutes() === mi && c.getUTCSeconds() === sec && (m[9] === undefined || (Number(m[9]) <= 23 && Number(m[10]) <= 59));
  if (!real) throw badInput('input.at', at, expected);
  const offsetMin = m[9] === undefined ? 0 : (m[8][0] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  const t = local - offsetMin * 60_000 + Math.floor(Number(m[7] ?? 0) * 1000);
  if (t < 0 || t > now + MAX_AT_SKEW_MS) throw badInput('input.at', at, expected);
  return new Date(t).toISOString();
}

/** Mutations on interactions and items. */
@Resolver()
export class InteractionMutationResolver {
  @Mutation(() => RecordInteractionPayload, {
    complexity: RESOLVE_COST.statement,
    description: 'Records an interaction and folds it into the user\'s embedding at once, so the next recommendations reflect it. '
      + 'Needs that user\'s token or an admin token.',
  })
  async recordInteraction(@Arg('input', () => RecordInteractionInput) input: RecordInteractionInput, @Ctx() ctx: ApiContext): Promise<RecordInteractionPayload> {
    requireSelfOrAdmin(ctx.viewer, input.userId, 'Recording an interaction');
    checkId('input.userId', input.userId);
    checkId('input.itemId', input.itemId);
    if (!isInteractionKind(input.kind)) throw badInput('input.kind', input.kind, `one of ${INTERACTION_KINDS.join(', ')}`);
    if (input.kind === 'rating' && (typeof input.rating !== 'number' || !(input.rating > 0 && input.rating <= 5))) {
      throw badInput('input.rating', input.rating ?? null, 'a number in (0, 5] when kind is rating');
    }
    const weight = interactionWeight(input.kind, input.rating ?? undefined);
    const at = input.at !== undefined && input.at !== null ? parseInteractionAt(input.at) : new Date().toISOString();
    if (input.idempotencyKey !== undefined && input.idempotencyKey !== null && (input.idempotencyKey.length === 0 || input.idempotencyKey.length > 200)) {
      throw badInput('input.idempotencyKey', input.idempotencyKey, 'a non-empty string of at most 200 characters');
    }
    if (input.impressionId !== undefined && input.impressionId !== null) checkId('input.impressionId', input.impressionId);
    const contexts = checkContexts(input.context, 'input.context');
    const out = await recordInteraction(ctx.db, ctx.serving.store, ctx.serving.policy.exposures, {
      userId: input.userId, itemId: input.itemId, kind: input.kind, weight, at, contexts,
      idempotencyKey: input.idempotencyKey ?? null, impressionId: input.impressionId ?? null,
    }, async (userId, itemId) => {
      const [u, i] = await Promise.all([ctx.loaders.user.load(userId), ctx.loaders.item.load(itemId)]);
      return { user: !!u, item: !!i };
    }, ctx.counter);
    const r = out.row;
    return {
      replayed: r.replayed,
      embeddingVersion: out.embeddingVersion,
      feedbackImpressionId: out.feedbackImpressionId,
      interaction: {
        userId: input.userId, itemId: r.itemId, kind: r.kind, weight: r.weight, at: r.at,
        contexts: (r.contexts as string[]).map(parseContextKey),
      },
    };
  }

  @Mutation(() => UpsertItemPayload, {
    complexity: RESOLVE_COST.statement,
    description: 'Creates or updates an item and sets its categories (admin). An item without a trained embedding gets the mean '
      + 'embedding of the items in its categories at once, so it can be recommended before the next training.',
  })
  async upsertItem(@Arg('input', () => UpsertItemInput) input: UpsertItemInput, @Ctx() ctx: ApiContext): Promise<UpsertItemPayload> {
    requireAdmin(ctx.viewer, 'Upserting an item');
    checkId('input.id', input.id);
    if (input.title !== undefined && input.title !== null && input.title.length > 500) throw badInput('input.title', input.title, 'a title of at most 500 characters');
    if (input.categories.length > 50 || input.categories.some((c) => typeof c !== 'string' || c.length === 0 || c.length > 200)) {
      throw badInput('input.categories', input.categories, 'at most 50 non-empty category names');
    }
    return upsertCatalogItem(ctx.db, ctx.serving.store, { id: input.id, title: input.title ?? null, categories: input.categories }, ctx.counter);
  }
}
