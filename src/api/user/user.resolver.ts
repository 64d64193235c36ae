import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { ApiContext } from '../context';
import { requireSelfOrAdmin } from '../auth';
import { checkId } from '../errors';
import { ContextCount } from '../common/context.type';
import { DEFAULT_FIRST, pageArgs, toPage } from '../common/pagination';
import { InteractionConnection } from '../interaction/interaction.type';
import { User, UserConnection } from './user.type';
import { RESOLVE_COST } from '../limits';
import { parseContextKey } from '../../graph/contexts';

/** True when the viewer may read `userId`'s own data (that user or an admin). */
function mayRead(ctx: ApiContext, userId: string): boolean {
  return ctx.viewer.role === 'admin' || (ctx.viewer.userId !== null && ctx.viewer.userId === userId);
}

/** Query.user and the User neighbourhood (interactions, follows, contexts); self or admin only. */
@Resolver(() => User)
export class UserResolver {
  @Query(() => User, { nullable: true, complexity: RESOLVE_COST.statement, description: 'One user by id, or null when none has it. Needs that user\'s token or an admin token.' })
  async user(@Arg('id', () => ID, { description: 'The user id.' }) id: string, @Ctx() ctx: ApiContext): Promise<User | null> {
    requireSelfOrAdmin(ctx.viewer, id, 'Reading a user');
    const row = await ctx.loaders.user.load(checkId('id', id));
    return row ? { id: row.id, name: row.name } : null;
  }

  @FieldResolver(() => String, { nullable: true, description: 'Display name, when known; null for other users than the token\'s own (they are anonymous to it).' })
  name(@Root() user: User, @Ctx() ctx: ApiContext): string | null {
    return mayRead(ctx, user.id) ? user.name : null;
  }

  @FieldResolver(() => Int, { description: 'Number of interactions (all kinds). Self or admin.' })
  async interactionCount(@Root() user: User, @Ctx() ctx: ApiContext): Promise<number> {
    requireSelfOrAdmin(ctx.viewer, user.id, 'Reading a user\'s interaction count');
    return (await ctx.loaders.user.load(user.id))?.interactionCount ?? 0;
  }

  @FieldResolver(() => [ContextCount], { description: 'Contexts the user is active in (ACTIVE_IN counts). Self or admin.' })
  async activeIn(@Root() user: User, @Ctx() ctx: ApiContext): Promise<ContextCount[]> {
    requireSelfOrAdmin(ctx.viewer, user.id, 'Reading a user\'s contexts');
    const rows = (await ctx.loaders.user.load(user.id))?.activeIn ?? [];
    return [...rows].sort((a, b) => b.count - a.count || (a.kind + a.value < b.kind + b.value ? -1 : 1));
  }

  @FieldResolver(() => InteractionConnection, { complexity: RESOLVE_COST.statement, description: 'The user\'s interactions, newest first. Self or admin.' })
  async interactions(
    @Root() user: User,
    @Arg('first', () => Int, { defaultValue: DEFAULT_FIRST, description: 'Page size, 1 to the server maximum (100).' }) first: number,
    @Arg('after', () => String, { nullable: true, description: 'Cursor after which the page starts.' }) after: string | null,
    @Ctx() ctx: ApiContext,
  ): Promise<InteractionConnection> {
    requireSelfOrAdmin(ctx.viewer, user.id, 'Reading a user\'s interactions');
    const { skip, limit } = pageArgs(first, after, ctx.settings.maxFirst);
    const rows = await ctx.db.read<{ itemId: string; kind: string; weight: number; at: string | null; contexts: string[] }>(
      'api/userInteractions', { userId: user.id, skip, limit }, ctx.counter);
    return toPage(rows.map((r) => ({ ...r, userId: user.id, contexts: r.contexts.map(parseContextKey) })), skip, first);
  }

  @FieldResolver(() => UserConnection, { complexity: RESOLVE_COST.statement, description: 'Users this user follows, by id. Self or admin.' })
  async following(
    @Root() user: User,
    @Arg('first', () => Int, { defaultValue: DEFAULT_FIRST, description: 'Page size, 1 to the server maximum (100).' }) first: number,
    @Arg('after', () => String, { nullable: true, description: 'Cursor after which the page starts.' }) after: string | null,
    @Ctx() ctx: ApiContext,
  ): Promise<UserConnection> {
    return this.follows(user, 'following', first, after, ctx);
  }

  @FieldResolver(() => UserConnection, { complexity: RESOLVE_COST.statement, description: 'Users who follow this user, by id. Self or admin.' })
  async followers(
    @Root() user: User,
    @Arg('first', () => Int, { defaultValue: DEFAULT_FIRST, description: 'Page size, 1 to the server maximum (100).' }) first: number,
    @Arg('after', () => String, { nullable: true, description: 'Cursor after which the page starts.' }) after: string | null,
    @Ctx() ctx: ApiContext,
  ): Promise<UserConnection> {
    return this.follows(user, 'followers', first, after, ctx);
  }

  private async follows(user: User, direction: 'following' | 'followers', first: number, after: string | null, ctx: ApiContext): Promise<UserConnection> {
    requireSelfOrAdmin(ctx.viewer, user.id, `Reading a user's ${direction}`);
    const { skip, limit } = pageArgs(first, after, ctx.settings.maxFirst);
    const [rows, counts] = await Promise.all([
      ctx.db.read<{ id: string }>('api/userFollows', { userId: user.id, direction, skip, limit }, ctx.counter),
      ctx.loaders.user.load(user.id),
    ]);
    const page = toPage(rows.map((r) => ({ id: r.id, name: null })), skip, first);
    return { ...page, totalCount: (direction === 'following' ? counts?.followingCount : counts?.followerCount) ?? 0 };
  }
}
