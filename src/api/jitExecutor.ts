/**
 * GraphQL execution through graphql-jit: every operation is compiled once into a JavaScript function
 * (per parsed document and operation name) and executed by it, instead of graphql-js walking the document
 * for every request.
 *
 * Why: graphql-js builds a resolve-info and an arguments object for each of the few thousand fields of a
 * recommendations page; graphql-jit runs the same resolvers with the same semantics without that per-field work
 * (the comparison: bench/results/api-gowalla-executor/).
 *
 * Apollo Server (since v4) takes a custom executor only through its gateway interface, which is how the
 * graphql-jit maintainers and Apollo's migration guide plug one in: Apollo still parses, validates, runs the
 * plugins (query limits, logging) and formats errors; only the execution step is ours. Compiled operations
 * are kept in a WeakMap keyed by the parsed document, so they live exactly as long as Apollo's own document
 * cache keeps the document (bounded by its LRU), and an operation that cannot be compiled falls back to
 * graphql-js.
 */
import { execute, getVariableValues, GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import type { Logger } from '../log';

/**
 * graphql-jit's errors inherit graphql-js's GraphQLError prototype but leave `extensions` undefined when the
 * cause has none, which Apollo's error formatting does not survive (it reads `extensions.code`): every error
 * is rebuilt as a graphql-js GraphQLError with the same message, locations, path and cause.
 */
function asGraphQLJsError(e: GraphQLError): GraphQLError {
  const out = new GraphQLError(e.message, { path: e.path, originalError: e.originalError ?? undefined, extensions: e.extensions ?? undefined });
  if (e.locations) (out as { locations?: GraphQLError['locations'] }).locations = e.locations;
  return out;
}

/** Which engine executes GraphQL operations: graphql-jit (compiled, the default) or graphql-js's reference `execute`. */
export type GraphQLExecutorKind = 'jit' | 'graphql-js';

/** A compiled operation, or the reason it could not be compiled (then graphql-js runs it). */
type Compiled = CompiledQuery | { failed: string };

/**
 * Executes operations with graphql-jit, compiling each (document, operation name) once.
 * Exposed for tests: `compilations` counts compiled operations and `fallbacks` operations run by graphql-js.
 */
export class JitExecutor {
  private readonly compiled = new WeakMap<DocumentNode, Map<string, Compiled>>();
  compilations = 0;
  fallbacks = 0;

  constructor(private readonly schema: GraphQLSchema, private readonly log: Logger) {}

  private compile(document: DocumentNode, operationName: string | null): Compiled {
    let byName = this.compiled.get(document);
    if (!byName) this.compiled.set(document, (byName = new Map()));
    const key = operationName ?? '';
    let c = byName.get(key);
    if (!c) {
      const out = compileQuery(this.schema, document, operationName ?? undefined);
      if (isCompiledQuery(out)) {
        c = out;
        this.compilations++;
      } else {
        // Apollo validated the document already, so this is graphql-jit not supporting something it uses
        c = { failed: out.errors?.map((e) => e.message).join('; ') ?? 'unknown' };
        this.log.warn({ operation: operationName, reason: c.failed }, 'graphql-jit could not compile the operation; graphql-js executes it');
      }
      byName.set(key, c);
    }
    return c;
  }

  /** Runs one operation: the compiled function when there is one, else graphql-js. */
  readonly execute: GatewayExecutor = async (rc) => {
    const c = this.compile(rc.document, rc.operationName);
    if ('failed' in c) {
      this.fallbacks++;
      return execute({ schema: this.schema, document: rc.document, operationName: rc.operationName, contextValue: rc.context, variableValues: rc.request.variables });
    }
    // variables are coerced by graphql-js first: graphql-jit does not apply the default of an omitted non-null
    // input-object field (zalando-incubator/graphql-jit#142), and graphql-js's errors are the ones Apollo
    // recognises as BAD_USER_INPUT; the coerced values then pass graphql-jit's own check unchanged
    const vars = getVariableValues(this.schema, rc.operation.variableDefinitions ?? [], rc.request.variables ?? {}, { maxErrors: 50 });
    if (vars.errors) return { errors: vars.errors };
    const result = await c.query(undefined, rc.context, vars.coerced);
    return result.errors ? { ...result, errors: result.errors.map(asGraphQLJsError) } : result;
  };

  /** The Apollo Server gateway that serves `schema` and executes with this executor. */
  gateway(): GatewayInterface {
    return {
      onSchemaLoadOrUpdate: (callback) => {
        callback({ apiSchema: this.schema, coreSupergraphSdl: '' });
        return () => undefined;
      },
      load: async () => ({ executor: this.execute }),
      stop: async () => undefined,
    };
  }
}
