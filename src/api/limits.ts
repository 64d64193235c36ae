import { getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { DocumentNode, GraphQLError, GraphQLSchema, Kind, OperationDefinitionNode, SelectionSetNode, FragmentDefinitionNode } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { apiError, ErrorCode } from './errors';

/** Query limits: depth of selections and estimated cost. */
export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
}

/** Defaults: deep enough for user → interactions → edges → node → item → categories, with room to spare. */
export const DEFAULT_LIMITS: QueryLimits = Object.freeze({ maxDepth: 12, maxCost: 20_000 });

/**
 * Depth of the operation's deepest field path, following fragment spreads. Hand-written (a dozen
 * lines) rather than another dependency: graphql-depth-limit is unmaintained.
 */
export function queryDepth(op: OperationDefinitionNode, fragments: Map<string, FragmentDefinitionNode>): number {
  const walk = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
    if (!set) return 0;
    let max = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) max = Math.max(max, s.name.value.startsWith('__') ? 0 : 1 + walk(s.selectionSet, seen));
      else if (s.kind === Kind.INLINE_FRAGMENT) max = Math.max(max, walk(s.selectionSet, seen));
      else if (!seen.has(s.name.value)) {
        const f = fragments.get(s.name.value);
        max = Math.max(max, walk(f?.selectionSet, new Set([...seen, s.name.value])));
      }
    }
    return max;
  };
  return walk(op.selectionSet, new Set());
}

/** Cost estimator: a list field with `first` costs `first` times its children (default page 20), others 1 + children. */
const pageEstimator = simpleEstimator({ defaultComplexity: 1 });
function firstEstimator(o: { args: Record<string, unknown>; childComplexity: number; field: { args: readonly { name: string }[] } }): number | void {
  if (o.field.args.some((a) => a.name === 'first')) {
    const first = typeof o.args.first === 'number' ? o.args.first : 20;
    return 1 + Math.max(1, first) * Math.max(1, o.childComplexity);
  }
  return undefined;
}

/** Apollo plugin rejecting operations deeper or costlier than `limits` with QUERY_TOO_COMPLEX before they run. */
export function limitsPlugin(schema: GraphQLSchema, limits: QueryLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation }) {
          if (!operation) return;
          const fragments = new Map<string, FragmentDefinitionNode>();
          for (const d of (document as DocumentNode).definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
          const depth = queryDepth(operation, fragments);
          if (depth > limits.maxDepth) {
            throw apiError(ErrorCode.QUERY_TOO_COMPLEX, `The query is ${depth} levels deep; the limit is ${limits.maxDepth}. Split it into smaller queries.`, { depth, maxDepth: limits.maxDepth });
          }
          let cost: number;
          try {
            cost = getComplexity({
              schema, query: document, variables: request.variables ?? {}, operationName: request.operationName ?? undefined,
              estimators: [firstEstimator as never, pageEstimator],
            });
          } catch (err) {
            // the estimate coerces the variables first: a bad one (e.g. $first: 1.5) is the client's error, not ours
            if (err instanceof GraphQLError) throw apiError(ErrorCode.BAD_USER_INPUT, err.message);
            throw err;
          }
          if (cost > limits.maxCost) {
            throw apiError(ErrorCode.QUERY_TOO_COMPLEX, `The query's estimated cost is ${cost}; the limit is ${limits.maxCost}. Ask for smaller pages (first) or fewer fields.`, { cost, maxCost: limits.maxCost });
          }
        },
      };
    },
  };
}
