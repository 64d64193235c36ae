import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { ApiContext } from '../context';
import { Item } from '../item/item.type';
import { Interaction } from './interaction.type';

/** Interaction.item through the per-request item loader (one statement for a whole page). */
@Resolver(() => Interaction)
export class InteractionResolver {
  @FieldResolver(() => Item, { nullable: true, description: 'The item interacted with (null if it was deleted).' })
  async item(@Root() interaction: Interaction, @Ctx() ctx: ApiContext): Promise<Item | null> {
    const row = await ctx.loaders.item.load(interaction.itemId);
    return row ? { id: row.id, title: row.title } : null;
  }
}
