import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { ApiContext } from '../context';
import { ContextCount } from '../common/context.type';
import { Item } from './item.type';
import { checkId } from '../errors';
import { RESOLVE_COST } from '../limits';

/** Query.item and the Item neighbourhood fields (categories, contexts, counts), all through per-request loaders. */
@Resolver(() => Item)
export class ItemResolver {
  @Query(() => Item, { nullable: true, complexity: RESOLVE_COST.statement, description: 'One item by id, or null when no item has that id. Public: no token needed.' })
  async item(@Arg('id', () => ID, { description: 'The item id.' }) id: string, @Ctx() ctx: ApiContext): Promise<Item | null> {
    const row = await ctx.loaders.item.load(checkId('id', id));
    return row ? { id: row.id, title: row.title } : null;
  }

  @FieldResolver(() => [String], { description: 'Names of the categories the item is in.' })
  async categories(@Root() item: Item, @Ctx() ctx: ApiContext): Promise<string[]> {
    return ctx.loaders.itemCategories.load(item.id);
  }

  @FieldResolver(() => Int, { description: 'How many positive interactions (views, clicks, saves, purchases, ratings) the item has.' })
  async interactionCount(@Root() item: Item, @Ctx() ctx: ApiContext): Promise<number> {
    return (await ctx.loaders.item.load(item.id))?.interactionCount ?? 0;
  }

  @FieldResolver(() => [ContextCount], { description: 'Contexts the item is popular in (POPULAR_IN counts), most frequent first.' })
  async popularIn(@Root() item: Item, @Ctx() ctx: ApiContext): Promise<ContextCount[]> {
    return ctx.loaders.itemContexts.load(item.id);
  }
}
