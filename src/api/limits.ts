import { getComplexity } from 'graphql-query-complexity';
import {
  DocumentNode, GraphQLError, GraphQLSchema, Kind, OperationDefinitionNode, SelectionSetNode, FragmentDefinitionNode,
  visit, type ASTNode,
} from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { apiError, clip, ErrorCode } from './errors';

/** Query limits: depth of selections, estimated cost, page size, string length and document size. */
export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
  /** Largest `first` of any field; a larger (or non-positive) one is BAD_USER_INPUT naming the argument. */
  maxFirst: number;
  /** Longest string (in UTF-16 units) accepted anywhere in the arguments, literal or variable. */
  maxStringLength: number;
  /** Most lexical tokens of a document: longer ones are refused while parsing (Apollo's parseOptions.maxTokens). */
  maxTokens: number;
}

/**
 * Defaults: deep enough for user → interactions → edges → node → item → categories, with room to spare; 5,000
 * tokens is eight times schema/examples.graphql, and about 250 aliased selections: an alias flood beyond is
 * refused while parsing, before graphql-js's validation (whose time grows with the number of aliases) runs.
 */
export const DEFAULT_LIMITS: QueryLimits = Object.freeze({ maxDepth: 12, maxCost: 20_000, maxFirst: 100, maxStringLength: 10_000, maxTokens: 5_000 });

/**
 * What resolving one field costs, whatever its alias: the base cost a resolver declares with type-graphql's
 * `complexity` option (an alias of a field is resolved again, so it costs again). Default 1: a plain property or a
 * batched DataLoader field.
 */
export const RESOLVE_COST = Object.freeze({
  /** A field that runs the serving pipeline (candidates, scoring, the policy, evidence): recommendations, similarItems. */
  pipeline: 1_000,
  /** A field that sends its own Cypher statement (a root lookup, one page of a connection) or a write. */
  statement: 20,
  /** A training run: fits a model. */
  training: 5_000,
});

/** Depth of the operation's deepest field path, following fragment spreads. */
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

/** A client error raised before execution: its code plus HTTP 400 (Apollo answers 500 for errors without a status). */
function clientError(code: ErrorCode, message: string, details: Record<string, unknown> = {}): GraphQLError {
  return apiError(code, message, { ...details, http: { status: 400 } });
}

/**
 * The cost estimator: a field costs its declared base (RESOLVE_COST, default 1) plus its children's cost, times
 * `first` for a paged field (default page 20). A `first` outside 1..maxFirst is refused here, as BAD_USER_INPUT, so
 * that `first: 1000000000` is the same error as `first: 101` (and never a cost overflow).
 */
function costEstimator(maxFirst: number) {
  return (o: { args: Record<string, unknown>; childComplexity: number; field: { name: string; args: readonly { name: string }[]; extensions?: { complexity?: unknown } } }): number => {
    const declared = o.field.extensions?.complexity;
    const base = typeof declared === 'number' ? declared : 1;
    if (o.field.args.some((a) => a.name === 'first')) {
      const first = o.args.first === undefined ? 20 : o.args.first;
      if (typeof first !== 'number' || !Number.isInteger(first) || first < 1 || first > maxFirst) {
        throw clientError(ErrorCode.BAD_USER_INPUT, `Argument "first" of field "${o.field.name}" must be an integer from 1 to ${maxFirst}, got ${clip(first)}.`,
          { argument: 'first', value: typeof first === 'number' ? first : clip(first) });
      }
      return base + first * Math.max(1, o.childComplexity);
    }
    return base + o.childComplexity;
  };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `s` holds a UTF-16 surrogate without its pair (JSON allows it; it cannot be stored as text). */
export function hasLoneSurrogate(s: string): boolean {
  return LONE_SURROGATE.test(s);
}

/**
 * Checks every string a client sent: in the variables (recursively) and as literals in the document. A string
 * longer than `max`, or one with a lone surrogate, is BAD_USER_INPUT naming where it was. Per-argument limits
 * (ids, context values) are tighter and checked by the resolvers; this bound holds for every string input.
 */
export function checkStrings(document: DocumentNode, variables: Record<string, unknown> | undefined, max: number): void {
  // label: how the message names it (Variable "$input.userId", Argument "id"); argument: the bare name
  const bad = (label: string, argument: string, s: string): GraphQLError | null => {
    if (s.length > max) return clientError(ErrorCode.BAD_USER_INPUT, `${label} is ${s.length} characters long; the limit is ${max}.`, { argument, length: s.length, maxLength: max });
    if (hasLoneSurrogate(s)) return clientError(ErrorCode.BAD_USER_INPUT, `${label} is not valid Unicode text (it holds a lone surrogate).`, { argument });
    return null;
  };
  const walk = (v: unknown, where: string, depth: number): void => {
    if (typeof v === 'string') {
      const e = bad(`Variable "${where}"`, where, v);
      if (e) throw e;
    } else if (depth < 20 && Array.isArray(v)) {
      v.forEach((x, k) => walk(x, `${where}[${k}]`, depth + 1));
    } else if (depth < 20 && v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, `${where}.${clip(k, 40, false)}`, depth + 1);
    }
  };
  for (const [k, v] of Object.entries(variables ?? {})) walk(v, `$${clip(k, 40, false)}`, 0);
  let error: GraphQLError | null = null;
  const args: string[] = [];
  visit(document, {
    Argument: { enter: (n) => { args.push(n.name.value); }, leave: () => { args.pop(); } },
    StringValue: (n: ASTNode & { value: string }) => {
      const name = args[args.length - 1] ?? 'query';
      error ??= bad(`Argument "${name}"`, name, n.value);
    },
  });
  if (error) throw error;
}

/**
 * Apollo plugin refusing, before anything runs, operations that are too deep or too costly (QUERY_TOO_COMPLEX),
 * that page beyond maxFirst or carry over-long strings (BAD_USER_INPUT), and subscriptions (this API has none);
 * every such answer is HTTP 400.
 */
export function limitsPlugin(schema: GraphQLSchema, limits: QueryLimits): ApolloServerPlugin {
  const estimator = costEstimator(limits.maxFirst);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation }) {
          if (!operation) {
            throw clientError(ErrorCode.BAD_USER_INPUT, request.operationName
              ? `The document has no operation named ${clip(request.operationName, 100)}.`
              : 'The document has several operations: name the one to run with operationName.', { argument: 'operationName' });
          }
          if (operation.operation === 'subscription') {
            throw clientError(ErrorCode.BAD_USER_INPUT, 'This API has no subscriptions; send a query or a mutation.', { argument: 'query' });
          }
          checkStrings(document, request.variables, limits.maxStringLength);
          const fragments = new Map<string, FragmentDefinitionNode>();
          for (const d of (document as DocumentNode).definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
          const depth = queryDepth(operation, fragments);
          if (depth > limits.maxDepth) {
            throw clientError(ErrorCode.QUERY_TOO_COMPLEX, `The query is ${depth} levels deep; the limit is ${limits.maxDepth}. Split it into smaller queries.`, { depth, maxDepth: limits.maxDepth });
          }
          let cost: number;
          try {
            cost = getComplexity({
              schema, query: document, variables: request.variables ?? {}, operationName: request.operationName ?? undefined,
              estimators: [estimator as never],
            });
          } catch (err) {
            if (err instanceof GraphQLError && err.extensions?.code) throw err;
            // the estimate coerces the variables first: a bad one (e.g. $first: 1.5) is the client's error, not ours
            if (err instanceof GraphQLError) throw clientError(ErrorCode.BAD_USER_INPUT, clip(err.message, 500, false));
            throw err;
          }
          if (cost > limits.maxCost) {
            throw clientError(ErrorCode.QUERY_TOO_COMPLEX, `The query's estimated cost is ${cost}; the limit is ${limits.maxCost}. `
              + 'Ask for smaller pages (first), fewer fields or fewer aliases (every alias of a field is resolved, and costs, again).', { cost, maxCost: limits.maxCost });
          }
        },
      };
    },
  };
}
