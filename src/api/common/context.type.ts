import { Field, Int, ObjectType } from 'type-graphql';

/** A context value with how often it occurs (ACTIVE_IN / POPULAR_IN counts). */
@ObjectType({ simpleResolvers: true, description: 'A context (kind and value) with how many interactions happened in it.' })
export class ContextCount {
  @Field(() => String, { description: 'Context kind, e.g. device.' })
  kind!: string;

  @Field(() => String, { description: 'Context value, e.g. mobile.' })
  value!: string;

  @Field(() => Int, { description: 'Number of interactions in this context.' })
  count!: number;
}

/** A context value. */
@ObjectType({ simpleResolvers: true, description: 'A context value such as device/mobile.' })
export class ContextValueType {
  @Field(() => String, { description: 'Context kind, e.g. device.' })
  kind!: string;

  @Field(() => String, { description: 'Context value, e.g. mobile.' })
  value!: string;
}
