import { Field, ID, Int, ObjectType } from 'type-graphql';
import { ContextCount } from '../common/context.type';
import { PageInfo } from '../common/pagination';

/** A user; its neighbourhood is visible to the user itself and to admins only. */
@ObjectType({ simpleResolvers: true, description: 'A user of the recommender.' })
export class User {
  @Field(() => ID, { description: 'The user id.' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'Display name, when known; null for other users than the token\'s own (they are anonymous to it).' })
  name!: string | null;
}

/** An edge of a user connection. */
@ObjectType({ simpleResolvers: true, description: 'A user with its cursor.' })
export class UserEdge {
  @Field(() => String, { description: 'Opaque cursor of this edge.' })
  cursor!: string;

  @Field(() => User, { description: 'The user.' })
  node!: User;
}

/** A page of users. */
@ObjectType({ simpleResolvers: true, description: 'A page of users, by id.' })
export class UserConnection {
  @Field(() => [UserEdge], { description: 'The users of this page.' })
  edges!: UserEdge[];

  @Field(() => PageInfo, { description: 'Paging information.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Total number of users in the connection.' })
  totalCount!: number;
}

export { ContextCount };
