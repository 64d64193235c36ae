import { Field, ID, InputType } from 'type-graphql';

/** Input of upsertUser. */
@InputType({ description: 'A user to create or update.' })
export class UpsertUserInput {
  @Field(() => ID, { description: 'The user id (a user token may only upsert itself).' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'Display name.' })
  name?: string | null;
}
