import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Item } from '../item/item.type';

/** Evidence kinds, as a GraphQL enum. */
export enum ReasonKindEnum {
  CO_INTERACTION = 'CO_INTERACTION',
  FOLLOWEES = 'FOLLOWEES',
  CONTEXT = 'CONTEXT',
  CATEGORY = 'CATEGORY',
  POPULARITY = 'POPULARITY',
}
registerEnumType(ReasonKindEnum, {
  name: 'ReasonKind',
  description: 'What kind of graph evidence a reason rests on.',
  valuesConfig: {
    CO_INTERACTION: { description: 'People who interacted with an item you interacted with also interacted with this one.' },
    FOLLOWEES: { description: 'People you follow interacted with it.' },
    CONTEXT: { description: 'It is popular in the requested context.' },
    CATEGORY: { description: 'It shares a category with your items, or is in a category you asked for.' },
    POPULARITY: { description: 'Many people interacted with it.' },
  },
});

/** Direction of a relationship relative to the path order. */
export enum RelationshipDirection {
  FORWARD = 'FORWARD',
  BACKWARD = 'BACKWARD',
}
registerEnumType(RelationshipDirection, {
  name: 'RelationshipDirection',
  description: 'FORWARD: the relationship points from nodes[k] to nodes[k+1]; BACKWARD: from nodes[k+1] to nodes[k].',
});

/** A node on an evidence path. */
@ObjectType({ description: 'A node on an evidence path. Users other than you and people you follow are anonymous (id null).' })
export class PathNodeType {
  @Field(() => String, { description: 'Node label: User, Item, Category or Context.' })
  label!: string;

  @Field(() => ID, { nullable: true, description: 'Id (Category: its name; Context: kind:value); null for anonymous users.' })
  id!: string | null;

  @Field(() => String, { nullable: true, description: 'Display name, when known.' })
  name!: string | null;
}

/** A relationship on an evidence path. */
@ObjectType({ description: 'A relationship on an evidence path.' })
export class PathRelationshipType {
  @Field(() => String, { description: 'Relationship type, e.g. INTERACTED, FOLLOWS, IN_CATEGORY, POPULAR_IN.' })
  type!: string;

  @Field(() => RelationshipDirection, { description: 'Which way it points along the path.' })
  direction!: RelationshipDirection;
}

/** A real path in the graph. */
@ObjectType({ description: 'A real path in the graph: relationships[k] joins nodes[k] and nodes[k+1].' })
export class GraphPathType {
  @Field(() => [PathNodeType], { description: 'Nodes along the path.' })
  nodes!: PathNodeType[];

  @Field(() => [PathRelationshipType], { description: 'Relationships between consecutive nodes.' })
  relationships!: PathRelationshipType[];
}

/** A reason with its paths. */
@ObjectType({ description: 'Why an item is recommended: a sentence and the graph paths behind it.' })
export class ReasonType {
  @Field(() => ReasonKindEnum, { description: 'Kind of evidence.' })
  kind!: ReasonKindEnum;

  @Field(() => String, { description: 'A human-readable sentence.' })
  text!: string;

  @Field(() => [GraphPathType], { description: 'The graph paths that back the sentence.' })
  paths!: GraphPathType[];
}

/** The parts of a score. */
@ObjectType({ description: 'How a score is made: the parts add up to the score.' })
export class ScoreBreakdownType {
  @Field(() => Float, { description: 'Dot product of the user and item embeddings (weighted).' })
  embedding!: number;

  @Field(() => Float, { description: 'Graph proximity: normalised co-interaction paths (weighted).' })
  graph!: number;

  @Field(() => Float, { description: 'Popularity of the item in the request contexts (weighted).' })
  context!: number;

  @Field(() => Float, { description: 'Overall popularity; used for cold-start users (weighted).' })
  popularity!: number;

  @Field(() => Float, { description: 'Exploration bonus for under-exposed items (0 until an exploration policy is configured).' })
  exploration!: number;
}

/** One recommended item. */
@ObjectType({ description: 'A recommended item with its score, score breakdown and reasons.' })
export class Recommendation {
  @Field(() => Int, { description: 'Position in the list, from 1.' })
  rank!: number;

  @Field(() => Item, { description: 'The item.' })
  item!: Item;

  @Field(() => Float, { description: 'Ranking score: the sum of the breakdown parts.' })
  score!: number;

  @Field(() => ScoreBreakdownType, { description: 'The parts of the score.' })
  breakdown!: ScoreBreakdownType;

  @Field(() => [ReasonType], { description: 'Reasons, each backed by real graph paths.' })
  reasons!: ReasonType[];
}

/** A recommendations answer. */
@ObjectType({ description: 'Recommendations for a user.' })
export class RecommendationList {
  @Field(() => ID, { description: 'The user.' })
  userId!: string;

  @Field(() => String, { description: 'Model version that scored these.' })
  modelVersion!: string;

  @Field(() => Boolean, { description: 'True when the user has no interactions yet: recommendations come from context, chosen categories and popularity.' })
  coldStart!: boolean;

  @Field(() => [Recommendation], { description: 'Recommended items, best first.' })
  items!: Recommendation[];
}

/** A similar-items answer. */
@ObjectType({ description: 'Items similar to one item.' })
export class SimilarItemList {
  @Field(() => ID, { description: 'The item the others are similar to.' })
  itemId!: string;

  @Field(() => String, { description: 'Model version that scored these.' })
  modelVersion!: string;

  @Field(() => [Recommendation], { description: 'Similar items, most similar first.' })
  items!: Recommendation[];
}
