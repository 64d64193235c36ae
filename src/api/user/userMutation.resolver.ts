import { Arg, Ctx, Field, ID, Int, Mutation, ObjectType, Resolver } from 'type-graphql';
import type { ApiContext } from '../context';
import { requireSelfOrAdmin } from '../auth';
import { badInput, checkId, notFound } from '../errors';
import { RESOLVE_COST } from '../limits';
import { UpsertUserInput } from './user.input';
import { User } from './user.type';

/** What upsertUser returns. */
@ObjectType({ simpleResolvers: true, description: 'The result of upsertUser.' })
export class UpsertUserPayload {
  @Field(() => User, { description: 'The user as stored.' })
  user!: User;

  @Field(() => Boolean, { description: 'True when the user did not exist before.' })
  created!: boolean;
}

/** What deleteUser returns. */
@ObjectType({ simpleResolvers: true, description: 'The result of deleteUser.' })
export class DeleteUserPayload {
  @Field(() => ID, { description: 'The deleted user\'s id.' })
  id!: string;

  @Field(() => Int, { description: 'How many interactions were deleted with it.' })
  deletedInteractions!: number;
}

/** Mutations on users. */
@Resolver()
export class UserMutationResolver {
  @Mutation(() => UpsertUserPayload, { complexity: RESOLVE_COST.statement, description: 'Creates or updates a user. A user token may upsert only itself; admins anyone.' })
  async upsertUser(@Arg('input', () => UpsertUserInput) input: UpsertUserInput, @Ctx() ctx: ApiContext): Promise<UpsertUserPayload> {
    requireSelfOrAdmin(ctx.viewer, input.id, 'Upserting a user');
    checkId('input.id', input.id);
    if (input.name !== undefined && input.name !== null && input.name.length > 200) throw badInput('input.name', input.name, 'a name of at most 200 characters');
    const [row] = await ctx.db.write('api/upsertUser', { id: input.id, name: input.name ?? null }, ctx.counter);
    return { user: { id: row.id, name: row.name ?? null }, created: row.created };
  }

  @Mutation(() => DeleteUserPayload, { complexity: RESOLVE_COST.statement, description: 'Deletes a user with its interactions, follows and context edges (self or admin).' })
  async deleteUser(@Arg('id', () => ID, { description: 'The user id.' }) id: string, @Ctx() ctx: ApiContext): Promise<DeleteUserPayload> {
    requireSelfOrAdmin(ctx.viewer, id, 'Deleting a user');
    checkId('id', id);
    const rows = await ctx.db.write('api/deleteUser', { id }, ctx.counter);
    if (rows.length === 0) throw notFound('User', id);
    ctx.serving.policy.exposures.forgetUser(id);
    return { id, deletedInteractions: rows[0].interactions };
  }
}
