/**
 * Yoga plugins that protect the server and make it observable.
 *
 * Limits, each failing with a GraphQL error whose `extensions.code` says which:
 * - query text longer than `maxQueryLength` characters → QUERY_TOO_COMPLEX, before parsing;
 * - selection depth above `maxDepth` → QUERY_TOO_DEEP, a validation rule (graphql-armor);
 * - `first` above `maxPageSize` → PAGE_SIZE_TOO_LARGE, and estimated cost above `maxCost` →
 *   QUERY_TOO_COMPLEX, both checked just before execution because they depend on variables
 *   (validation results are cached per document, so they cannot be validation rules).
 *
 * Cost model (graphql-query-complexity): every object a query may return costs 1; a
 * connection multiplies its children by `first` (or the default page size); a list of
 * objects without `first` counts as `listEstimate` items; scalars are free. So the cost is
 * an upper bound of the rows a query can read.
 */
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import {
  GraphQLError,
  getNamedType,
  getNullableType,
  getOperationAST,
  isListType,
  isObjectType,
  visit,
  type ASTNode,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type ValidationContext,
} from "graphql";
import { getComplexity, type ComplexityEstimator } from "graphql-query-complexity";
import { mapAsyncIterator, type Plugin } from "graphql-yoga";
import { ErrorCode, apiError } from "./errors.ts";
import type { IndexerMetrics } from "../metrics.ts";

export interface LimitOptions {
  maxDepth: number;
  maxCost: number;
  maxPageSize: number;
  defaultPageSize: number;
  maxQueryLength: number;
  /** Assumed length of object lists that take no `first` (bounded relations such as job.milestones). */
  listEstimate: number;
  /** Fixed extra cost of fields that aggregate, by "Type.field". */
  fieldCosts: Record<string, number>;
}

export const DEFAULT_LIMITS: LimitOptions = {
  maxDepth: 10,
  maxCost: 10_000,
  maxPageSize: 1_000,
  defaultPageSize: 100,
  maxQueryLength: 20_000,
  listEstimate: 10,
  fieldCosts: {},
};

interface CostReport {
  cost: number;
  pageSizeErrors: GraphQLError[];
}

/** Estimated cost of an operation with its variables, and any `first` above the limit. */
export function estimateCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined,
  limits: LimitOptions,
): CostReport {
  const pageSizeErrors: GraphQLError[] = [];
  const estimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
    // Introspection reads the in-memory schema, never the database.
    if (type.name.startsWith("__") || field.name.startsWith("__")) return 0;
    const named = getNamedType(field.type);
    const fixed = limits.fieldCosts[`${type.name}.${field.name}`] ?? 0;
    if (field.args.some((a) => a.name === "first")) {
      const first = typeof args.first === "number" ? args.first : limits.defaultPageSize;
      if (first > limits.maxPageSize) {
        pageSizeErrors.push(
          apiError(
            ErrorCode.PAGE_SIZE_TOO_LARGE,
            `${type.name}.${field.name}: first = ${first} is above the page-size limit of ${limits.maxPageSize}`,
            {
              field: `${type.name}.${field.name}`,
              first,
              maxPageSize: limits.maxPageSize,
            },
          ),
        );
      }
      return fixed + 1 + Math.max(0, first) * (1 + childComplexity);
    }
    // Inside a connection, edges/nodes are the page itself: already multiplied by `first`.
    if (type.name.endsWith("Connection") || type.name.endsWith("Edge")) return fixed + childComplexity;
    if (isListType(getNullableType(field.type)) && isObjectType(named))
      return fixed + limits.listEstimate * (1 + childComplexity);
    if (isObjectType(named)) return fixed + 1 + childComplexity;
    return fixed;
  };
  const cost = getComplexity({
    schema,
    query: document,
    variables: variables ?? {},
    ...(operationName ? { operationName } : {}),
    estimators: [estimator],
    maxQueryNodes: 20_000,
  });
  return { cost, pageSizeErrors };
}

/**
 * True if a variable can change the document's cost: one used in a `first` argument or in a directive
 * (`@include(if: $x)`). Otherwise the cost is the document's own and is worked out once.
 */
function costReadsVariables(document: DocumentNode): boolean {
  let reads = false;
  const hasVariable = (node: ASTNode) => {
    let found = false;
    visit(node, { Variable: () => void (found = true) });
    return found;
  };
  visit(document, {
    Argument: (node) => {
      if (node.name.value === "first" && hasVariable(node)) reads = true;
    },
    Directive: (node) => {
      if (hasVariable(node)) reads = true;
    },
  });
  return reads;
}

export function useLimits(limits: LimitOptions): Plugin {
  // Verdicts of documents whose cost no variable changes, by operation name: the parser cache hands the same
  // DocumentNode to every request with the same text, and the cost analysis was ~15% of a request's CPU.
  const verdicts = new WeakMap<DocumentNode, Map<string, ExecutionResult | null>>();
  const variableCost = new WeakMap<DocumentNode, boolean>();
  const check = (
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Record<string, unknown> | undefined,
    operationName: string | undefined | null,
  ): ExecutionResult | null => {
    let readsVariables = variableCost.get(document);
    if (readsVariables === undefined) variableCost.set(document, (readsVariables = costReadsVariables(document)));
    const cached = readsVariables ? undefined : verdicts.get(document);
    const known = cached?.get(operationName ?? "");
    if (known !== undefined) return known;
    const verdict = judge(schema, document, variables, operationName);
    if (!readsVariables && verdict !== undefined) {
      if (cached) cached.set(operationName ?? "", verdict);
      else verdicts.set(document, new Map([[operationName ?? "", verdict]]));
    }
    return verdict ?? null;
  };
  /** The verdict (null: within limits), or undefined when the variables are invalid (execution says why). */
  const judge = (
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Record<string, unknown> | undefined,
    operationName: string | undefined | null,
  ): ExecutionResult | null | undefined => {
    let report: CostReport;
    try {
      report = estimateCost(schema, document, variables, operationName ?? undefined, limits);
    } catch (error) {
      if (error instanceof GraphQLError && error.message.includes("maximum allowed number of nodes")) {
        return {
          errors: [apiError(ErrorCode.QUERY_TOO_COMPLEX, "Query has too many fields to analyse")],
        };
      }
      // Invalid variables: execution reports them with the exact reason.
      return undefined;
    }
    if (report.pageSizeErrors.length > 0) return { errors: report.pageSizeErrors };
    if (report.cost > limits.maxCost) {
      return {
        errors: [
          apiError(
            ErrorCode.QUERY_TOO_COMPLEX,
            `Query cost ${report.cost} is above the limit of ${limits.maxCost}; ask for smaller pages or fewer nested lists`,
            {
              cost: report.cost,
              maxCost: limits.maxCost,
            },
          ),
        ],
      };
    }
    return null;
  };

  return {
    onParams({ params, setResult }) {
      if (params.variables && jsonDepthExceeds(params.variables, MAX_VARIABLE_NESTING)) {
        // graphql-js coerces input values recursively: refuse absurd nesting before it overflows the stack.
        setResult({
          errors: [
            apiError(ErrorCode.BAD_USER_INPUT, `Variables are nested deeper than ${MAX_VARIABLE_NESTING} levels`),
          ],
        });
        return;
      }
      if (typeof params.query === "string" && params.query.length > limits.maxQueryLength) {
        setResult({
          errors: [
            apiError(
              ErrorCode.QUERY_TOO_COMPLEX,
              `Query text is ${params.query.length} characters; the limit is ${limits.maxQueryLength}`,
              {
                maxQueryLength: limits.maxQueryLength,
              },
            ),
          ],
        });
      }
    },
    onValidate({ addValidationRule }) {
      addValidationRule(
        maxDepthRule({
          n: limits.maxDepth,
          propagateOnRejection: false,
          onReject: [
            (context: ValidationContext | null, error: GraphQLError) => {
              const found = /found (\d+)/.exec(error.message)?.[1];
              context?.reportError(
                apiError(
                  ErrorCode.QUERY_TOO_DEEP,
                  `Query depth ${found ?? "?"} is above the limit of ${limits.maxDepth}`,
                  {
                    maxDepth: limits.maxDepth,
                    ...(found ? { depth: Number(found) } : {}),
                  },
                ),
              );
            },
          ],
        }),
      );
    },
    onExecute({ args, setResultAndStopExecution }) {
      const result = check(args.schema, args.document, args.variableValues ?? undefined, args.operationName);
      if (result) setResultAndStopExecution(result);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const result = check(args.schema, args.document, args.variableValues ?? undefined, args.operationName);
      if (result) setResultAndStopExecution(result);
    },
  };
}

/** Deepest JSON nesting accepted in variables; far above any legitimate `where`. */
export const MAX_VARIABLE_NESTING = 64;

/** True if `value` nests objects/arrays deeper than `max` (iterative, so it cannot overflow itself). */
export function jsonDepthExceeds(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Gives request-level errors without a code (invalid variables) BAD_USER_INPUT, counts
 * errors by code and times operations.
 */
export function useObservability(metrics: IndexerMetrics): Plugin {
  const started = new WeakMap<Request, { end: (labels: Record<string, string>) => void; operation: string }>();
  const normalize = (result: ExecutionResult): ExecutionResult => {
    if (!result.errors || result.errors.length === 0) return result;
    let changed = false;
    const errors = result.errors.map((error) => {
      const code = error.extensions?.code;
      if (typeof code === "string") return error;
      changed = true;
      // Without a path the error is about the request itself (e.g. a variable of the wrong type).
      const newCode = error.path ? "INTERNAL_SERVER_ERROR" : ErrorCode.BAD_USER_INPUT;
      return new GraphQLError(error.message, {
        ...(error.nodes ? { nodes: error.nodes } : {}),
        ...(error.source ? { source: error.source } : {}),
        ...(error.positions ? { positions: error.positions } : {}),
        ...(error.path ? { path: error.path } : {}),
        ...(error.originalError ? { originalError: error.originalError } : {}),
        extensions: { ...error.extensions, code: newCode },
      });
    });
    return changed ? { ...result, errors } : result;
  };
  const count = (result: ExecutionResult) => {
    for (const error of result.errors ?? [])
      metrics.graphqlErrors.inc({
        code: String(error.extensions?.code ?? "UNKNOWN"),
      });
  };
  return {
    onParams({ request }) {
      started.set(request, {
        end: metrics.graphqlDuration.startTimer(),
        operation: "unknown",
      });
    },
    onExecute({ args }) {
      const entry = findEntry(started, args.contextValue);
      if (entry) entry.operation = getOperationAST(args.document, args.operationName)?.operation ?? "unknown";
    },
    onSubscribe({ args }) {
      const entry = findEntry(started, args.contextValue);
      if (entry) entry.operation = "subscription";
    },
    onExecutionResult({ request, result, setResult }) {
      const entry = started.get(request);
      if (result === undefined) return;
      if (Symbol.asyncIterator in result) {
        // A subscription stream: normalize each message; time only its setup.
        entry?.end({ operation: entry.operation, outcome: "stream" });
        started.delete(request);
        // mapAsyncIterator forwards return() at once (an async generator would wait for the
        // pending next(), so a disconnected client's subscription would never end).
        setResult(
          mapAsyncIterator(result[Symbol.asyncIterator](), (item: ExecutionResult) => {
            const normalized = normalize(item);
            count(normalized);
            return normalized;
          }),
        );
        return;
      }
      const normalized = normalize(result);
      if (normalized !== result) setResult(normalized);
      count(normalized);
      if (entry) {
        entry.end({
          operation: entry.operation,
          outcome: normalized.errors?.length ? "error" : "ok",
        });
        started.delete(request);
      }
    },
  };
}

function findEntry<T>(map: WeakMap<Request, T>, context: unknown): T | undefined {
  const request = (context as { request?: Request } | undefined)?.request;
  return request ? map.get(request) : undefined;
}
