import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Item } from '../item/item.type';

/** Evidence kinds, as a GraphQL enum. */
export enum ReasonKindEnum {
  CO_INTERACTION = 'CO_INTERACTION',
  FOLLOWEES = 'FOLLOWEES',
  CONTEXT = 'CONTEXT',
  CATEGORY = 'CATEGORY',
  POPULARITY = 'POPULARITY',
  EXPLORATION = 'EXPLORATION',
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
    EXPLORATION: { description: 'An exploration slot: the item has been shown little so far and the policy is learning how people respond to it (path: the item and its category).' },
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
@ObjectType({ simpleResolvers: true, description: 'A node on an evidence path. Users other than you and people you follow are anonymous (id null).' })
export class PathNodeType {
  @Field(() => String, { description: 'Node label: User, Item, Category or Context.' })
  label!: string;

  @Field(() => ID, { nullable: true, description: 'Id (Category: its name; Context: kind:value); null for anonymous users.' })
  id!: string | null;

  @Field(() => String, { nullable: true, description: 'Display name, when known.' })
  name!: string | null;
}

/** A relationship on an evidence path. */
@ObjectType({ simpleResolvers: true, description: 'A relationship on an evidence path.' })
export class PathRelationshipType {
  @Field(() => String, { description: 'Relationship type, e.g. INTERACTED, FOLLOWS, IN_CATEGORY, POPULAR_IN.' })
  type!: string;

  @Field(() => RelationshipDirection, { description: 'Which way it points along the path.' })
  direction!: RelationshipDirection;
}

/** A real path in the graph. */
@ObjectType({ simpleResolvers: true, description: 'A real path in the graph: relationships[k] joins nodes[k] and nodes[k+1].' })
export class GraphPathType {
  @Field(() => [PathNodeType], { description: 'Nodes along the path.' })
  nodes!: PathNodeType[];

  @Field(() => [PathRelationshipType], { description: 'Relationships between consecutive nodes.' })
  relationships!: PathRelationshipType[];
}

/** A reason with its paths. */
@ObjectType({ simpleResolvers: true, description: 'Why an item is recommended: a sentence and the graph paths behind it.' })
export class ReasonType {
  @Field(() => ReasonKindEnum, { description: 'Kind of evidence.' })
  kind!: ReasonKindEnum;

  @Field(() => String, { description: 'A human-readable sentence.' })
  text!: string;

  @Field(() => [GraphPathType], { description: 'The graph paths that back the sentence.' })
  paths!: GraphPathType[];
}

/** The parts of a score. */
@ObjectType({ simpleResolvers: true, description: 'How a score is made: the parts add up to the score.' })
export class ScoreBreakdownType {
  @Field(() => Float, { description: 'Dot product of the user and item embeddings (weighted).' })
  embedding!: number;

  @Field(() => Float, { description: 'Graph proximity: normalised co-interaction paths (weighted).' })
  graph!: number;

  @Field(() => Float, { description: 'Popularity of the item in the request contexts (weighted).' })
  context!: number;

  @Field(() => Float, { description: 'Overall popularity; used for cold-start users (weighted).' })
  popularity!: number;

  @Field(() => Float, { description: 'Exploration bonus (≥ 0) of an exploration slot: the item\'s Thompson draw of its response rate, Beta(feedback + 1, exposures − feedback + 1), times the candidates\' score range; 0 elsewhere.' })
  exploration!: number;

  @Field(() => Float, { description: 'Popularity penalty (≤ 0): −novelty × log(1 + interactions)/log(1 + max) × the candidates\' score range.' })
  novelty!: number;

  @Field(() => Float, { description: 'Diversity penalty (≤ 0): −diversity × the highest similarity (embedding cosine and category overlap) to an item above it × the score range.' })
  diversity!: number;

  @Field(() => Float, { description: 'Negative feedback (≤ 0): −negativeFeedback × the highest cosine similarity (clipped at 0) of the item\'s embedding to the items you recently dismissed or disliked × the candidates\' score range, so their close neighbours drop at once.' })
  feedback!: number;
}

/** One recommended item. */
@ObjectType({ simpleResolvers: true, description: 'A recommended item with its score, score breakdown and reasons.' })
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

  @Field(() => Boolean, { description: 'True when the policy put the item in an exploration slot (see the EXPLORATION reason); false for similarItems.' })
  exploration!: boolean;

  @Field(() => Float, { description: 'Propensity the policy gave this item at this position, in (0, 1], as logged with the exposure (for inverse-propensity evaluation); 1 for similarItems.' })
  probability!: number;
}

/** The settings a page was built with. */
@ObjectType({ simpleResolvers: true, description: 'The re-ranking policy a page was built with: the request\'s settings over the configured defaults, and the seed.' })
export class PolicySettingsType {
  @Field(() => Float, { description: 'Maximal-marginal-relevance weight of dissimilarity.' })
  diversity!: number;

  @Field(() => Float, { description: 'Expected share of exploration slots.' })
  exploration!: number;

  @Field(() => Float, { description: 'Popularity penalty.' })
  novelty!: number;

  @Field(() => Float, { description: 'Share of the page given to the least-shown candidates.' })
  leastShown!: number;

  @Field(() => Float, { description: 'Largest share of the page one category may take.' })
  maxCategoryShare!: number;

  @Field(() => Float, { description: 'Strength of the push-down of neighbours of dismissed or disliked items.' })
  negativeFeedback!: number;

  @Field(() => Int, { description: 'Seed of the random draws: pass it back to get the same page on the same graph state.' })
  seed!: number;

  @Field(() => Boolean, { description: 'Whether the page was logged as shown.' })
  logExposures!: boolean;
}

/** A recommendations answer. */
@ObjectType({ simpleResolvers: true, description: 'Recommendations for a user.' })
export class RecommendationList {
  @Field(() => ID, { description: 'The user.' })
  userId!: string;

  @Field(() => String, { description: 'Model version that scored these.' })
  modelVersion!: string;

  @Field(() => Boolean, { description: 'True when the user has no interactions yet: recommendations come from context, chosen categories and popularity.' })
  coldStart!: boolean;

  @Field(() => [Recommendation], { description: 'Recommended items in page order (exploration slots may sit anywhere).' })
  items!: Recommendation[];

  @Field(() => ID, { description: 'Id of this page: its exposures are logged under it (SHOWN.impressionId), and recordInteraction may name it to credit feedback.' })
  impressionId!: string;

  @Field(() => PolicySettingsType, { description: 'The policy settings and seed the page was built with.' })
  policy!: PolicySettingsType;

  @Field(() => Int, { description: 'How many items are exploration slots.' })
  explorationSlots!: number;
}

/** A similar-items answer. */
@ObjectType({ simpleResolvers: true, description: 'Items similar to one item.' })
export class SimilarItemList {
  @Field(() => ID, { description: 'The item the others are similar to.' })
  itemId!: string;

  @Field(() => String, { description: 'Model version that scored these.' })
  modelVersion!: string;

  @Field(() => [Recommendation], { description: 'Similar items, most similar first.' })
  items!: Recommendation[];
}
