import { Field, Float, ID, InputType } from 'type-graphql';
import { ContextInput } from '../common/context.input';

/** Input of recordInteraction. */
@InputType({ description: 'An interaction to record.' })
export class RecordInteractionInput {
  @Field(() => ID, { description: 'The user (a user token may only record its own interactions).' })
  userId!: string;

  @Field(() => ID, { description: 'The item.' })
  itemId!: string;

  @Field(() => String, { description: 'Kind: view, click, save, like, purchase, rating (with `rating`), dismiss or dislike (negative feedback).' })
  kind!: string;

  @Field(() => Float, { nullable: true, description: 'For kind rating: the rating, in (0, 5].' })
  rating?: number | null;

  @Field(() => [ContextInput], { defaultValue: [], description: 'Contexts it happened in, e.g. device/mobile, timeOfDay/evening.' })
  context!: ContextInput[];

  @Field(() => String, { nullable: true, description: 'When it happened (ISO 8601 date-time); now when omitted.' })
  at?: string | null;

  @Field(() => String, { nullable: true, description: 'Idempotency key (up to 200 characters): a retried request with the same key for the same user is not recorded twice and returns the first result.' })
  idempotencyKey?: string | null;

  @Field(() => ID, { nullable: true, description: 'The recommendations page (RecommendationList.impressionId) the item was picked from: a positive interaction is then credited as feedback to that exposure only. Without it, a positive interaction counts as feedback on the latest uncredited exposure of the item to the user within the feedback window.' })
  impressionId?: string | null;
}

/** Input of upsertItem. */
@InputType({ description: 'An item to create or update (admin).' })
export class UpsertItemInput {
  @Field(() => ID, { description: 'The item id.' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'Display title.' })
  title?: string | null;

  @Field(() => [String], { defaultValue: [], description: 'The item\'s categories (replaces the current ones). A new item gets an embedding from the items of these categories.' })
  categories!: string[];
}
