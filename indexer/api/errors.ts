/**
 * Client-facing GraphQL errors. Every error the API produces on purpose carries an
 * `extensions.code` a client can branch on; anything else is masked by Yoga as
 * INTERNAL_SERVER_ERROR ("Unexpected error.") so no internals leak.
 */
import { GraphQLError } from "graphql";

export const ErrorCode = {
  /** An argument or variable is malformed or out of range (bad BigInt, address, cursor…). */
  BAD_USER_INPUT: "BAD_USER_INPUT",
  /** The document nests selections deeper than the limit. */
  QUERY_TOO_DEEP: "QUERY_TOO_DEEP",
  /** The estimated cost (rows the query may touch) is above the limit. */
  QUERY_TOO_COMPLEX: "QUERY_TOO_COMPLEX",
  /** `first` is above the page-size limit. */
  PAGE_SIZE_TOO_LARGE: "PAGE_SIZE_TOO_LARGE",
  /** Set by Yoga for syntax errors. */
  GRAPHQL_PARSE_FAILED: "GRAPHQL_PARSE_FAILED",
  /** Set by Yoga for documents that do not match the schema. */
  GRAPHQL_VALIDATION_FAILED: "GRAPHQL_VALIDATION_FAILED",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export function apiError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions } });
}

export function badInput(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return apiError(ErrorCode.BAD_USER_INPUT, message, extensions);
}
