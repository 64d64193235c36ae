import { Field, Float, InputType, Int } from 'type-graphql';
import { POLICY_SETTING_NAMES, type PolicyRequest } from '../../serving/servingPolicy';
import { badInput } from '../errors';

/** Per-request re-ranking policy settings of `recommendations`. */
@InputType({ description: 'How to balance relevance against diversity, exploration and novelty for one request. Every field is optional: '
  + 'unset fields take the server\'s configured defaults (POLICY_* variables), echoed back in RecommendationList.policy.' })
export class PolicyInput {
  @Field(() => Float, { nullable: true, description: '0..1: maximal-marginal-relevance weight of dissimilarity to the items above (embeddings and categories); 0 is pure relevance.' })
  diversity?: number | null;

  @Field(() => Float, { nullable: true, description: '0..1: expected share of exploration slots, filled by Thompson sampling over under-exposed items\' exposure and feedback counts.' })
  exploration?: number | null;

  @Field(() => Float, { nullable: true, description: '0..1: popularity penalty (log interaction count), in units of the candidates\' score range.' })
  novelty?: number | null;

  @Field(() => Float, { nullable: true, description: '0..1: share of the page (its last round(share × first) slots) given to the candidates shown least so far, as exploration slots: what covers the catalogue over users.' })
  leastShown?: number | null;

  @Field(() => Float, { nullable: true, description: '0..1: largest share of the page one category may take (at least one item); 1 is no cap.' })
  maxCategoryShare?: number | null;

  @Field(() => Float, { nullable: true, description: '0..1: how hard items similar to ones you dismissed or disliked are pushed down, in units of the score range (the dismissed items themselves are never shown).' })
  negativeFeedback?: number | null;

  @Field(() => Int, { nullable: true, description: 'Seed of the policy\'s random draws: the same seed on the same graph state gives the same page. A random seed per request when omitted.' })
  seed?: number | null;

  @Field(() => Boolean, { nullable: true, defaultValue: true, description: 'Log the page as shown (exposures). False for a page that is not displayed, e.g. a prefetch: it then does not change exposure counts.' })
  logExposures?: boolean | null;
}

/** Checks a PolicyInput: every setting in [0, 1]; otherwise BAD_USER_INPUT naming the field, the value and the range. */
export function checkPolicyInput(input: PolicyInput | null | undefined, argument = 'policy'): PolicyRequest | undefined {
  if (!input) return undefined;
  const out: PolicyRequest = {};
  for (const k of POLICY_SETTING_NAMES) {
    const v = input[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw badInput(`${argument}.${k}`, v, 'a number from 0 to 1');
    out[k] = v;
  }
  if (input.seed !== undefined && input.seed !== null) out.seed = input.seed;
  if (input.logExposures === false) out.logExposures = false;
  return out;
}
