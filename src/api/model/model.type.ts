import { Field, Float, Int, ObjectType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';

/** The served model version and its evaluation. */
@ObjectType({ simpleResolvers: true, description: 'The trained model that serves recommendations.' })
export class ModelInfo {
  @Field(() => String, { description: 'Model version; embeddings on nodes carry it as embeddingVersion.' })
  version!: string;

  @Field(() => String, { nullable: true, description: 'Status written by training, e.g. ready.' })
  status!: string | null;

  @Field(() => String, { nullable: true, description: 'When training finished (ISO 8601).' })
  trainedAt!: string | null;

  @Field(() => Int, { description: 'Embedding dimensions.' })
  dims!: number;

  @Field(() => Float, { description: 'Exponent e of the fold-in normalisation d_u^-e of user embeddings.' })
  userNormExponent!: number;

  @Field(() => GraphQLJSONObject, { description: 'Evaluation metrics of this version, e.g. {"recall@20": 0.18}.' })
  metrics!: Record<string, unknown>;

  @Field(() => GraphQLJSONObject, { description: 'Hyper-parameters of this version.' })
  params!: Record<string, unknown>;
}
