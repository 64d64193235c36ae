import { Field, Float, ID, ObjectType } from 'type-graphql';
import { ContextValueType } from '../common/context.type';
import { PageInfo } from '../common/pagination';

/** One INTERACTED edge: who did what to which item, when and in which context. */
@ObjectType({ simpleResolvers: true, description: 'An interaction of a user with an item.' })
export class Interaction {
  @Field(() => ID, { description: 'The user who interacted.' })
  userId!: string;

  @Field(() => ID, { description: 'The item interacted with; see `item` for its fields.' })
  itemId!: string;

  @Field(() => String, { description: 'Kind: view, click, save, like, purchase, rating, dismiss or dislike.' })
  kind!: string;

  @Field(() => Float, { description: 'Weight of the kind (view 1 ... purchase 5; negative feedback -1).' })
  weight!: number;

  @Field(() => String, { nullable: true, description: 'When it happened (ISO 8601).' })
  at!: string | null;

  @Field(() => [ContextValueType], { description: 'Contexts it happened in.' })
  contexts!: ContextValueType[];
}

/** An edge of an interaction connection. */
@ObjectType({ simpleResolvers: true, description: 'An interaction with its cursor.' })
export class InteractionEdge {
  @Field(() => String, { description: 'Opaque cursor of this edge.' })
  cursor!: string;

  @Field(() => Interaction, { description: 'The interaction.' })
  node!: Interaction;
}

/** A page of interactions. */
@ObjectType({ simpleResolvers: true, description: 'A page of interactions, newest first.' })
export class InteractionConnection {
  @Field(() => [InteractionEdge], { description: 'The interactions of this page.' })
  edges!: InteractionEdge[];

  @Field(() => PageInfo, { description: 'Paging information.' })
  pageInfo!: PageInfo;
}

/** What recordInteraction returns. */
@ObjectType({ simpleResolvers: true, description: 'The result of recordInteraction.' })
export class RecordInteractionPayload {
  @Field(() => Interaction, { description: 'The interaction as stored (for a replayed idempotency key: the one stored the first time).' })
  interaction!: Interaction;

  @Field(() => Boolean, { description: 'True when the idempotency key had been seen: nothing was written again.' })
  replayed!: boolean;

  @Field(() => String, { nullable: true, description: 'Model version the user embedding was folded in under; null when no model is active.' })
  embeddingVersion!: string | null;

  @Field(() => ID, { nullable: true, description: 'For a positive interaction on an item this server showed the user recently: the impression (recommendations page) it was credited to as feedback, counted at once for exploration. Null otherwise (feedback on exposures logged by another server process is still credited in the graph).' })
  feedbackImpressionId!: string | null;
}
