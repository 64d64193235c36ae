import { Field, ID, ObjectType } from 'type-graphql';

/** An item (a product, place, article...) as the API shows it; neighbourhood fields are resolved through loaders. */
@ObjectType({ simpleResolvers: true, description: 'Something users interact with: a product, a place, an article.' })
export class Item {
  @Field(() => ID, { description: 'The item id.' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'Display title, when known.' })
  title!: string | null;
}
