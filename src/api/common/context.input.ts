import { Field, InputType } from 'type-graphql';

/** A request context value such as device/mobile or timeOfDay/evening. */
@InputType({ description: 'A context of the request or interaction, such as {kind: "device", value: "mobile"} or {kind: "timeOfDay", value: "evening"}.' })
export class ContextInput {
  @Field(() => String, { description: 'Context kind: device, timeOfDay, weekday, location, or another kind present in the graph.' })
  kind!: string;

  @Field(() => String, { description: 'Context value, e.g. mobile, evening, sat, Berlin.' })
  value!: string;
}
