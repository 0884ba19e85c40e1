/**
 * The SDK's one error base class. Every error the SDK throws is a `JouleError` (or a subclass) with a
 * short one-line message, optional details, the original error as `cause`, a stable `code` and whether
 * retrying the same call may succeed.
 */
export type JouleErrorCode =
  | "INVALID_INPUT"
  | "CONTRACT_REVERT"
  | "TX_REVERTED"
  | "NOT_FOUND"
  | "RPC"
  | "SIGNER"
  | "CONFIG"
  | "INDEXER"
  | "UNKNOWN";

export type JouleErrorParameters = {
  code?: JouleErrorCode | undefined;
  details?: string | undefined;
  cause?: unknown;
  /** Extra lines shown under the short message (never secrets). */
  metaMessages?: string[] | undefined;
  retryable?: boolean | undefined;
};

export class JouleError extends Error {
  override name = "JouleError";
  /** Stable machine-readable category. */
  readonly code: JouleErrorCode;
  /** One line, safe to show to a user. */
  readonly shortMessage: string;
  readonly details: string | undefined;
  readonly metaMessages: string[] | undefined;
  /** True when the same call may succeed later (network trouble, rate limits), false when it never will. */
  readonly retryable: boolean;

  constructor(shortMessage: string, parameters: JouleErrorParameters = {}) {
    const lines = [shortMessage];
    if (parameters.metaMessages?.length) lines.push("", ...parameters.metaMessages);
    if (parameters.details) lines.push("", `Details: ${parameters.details}`);
    super(lines.join("\n"), parameters.cause === undefined ? undefined : { cause: parameters.cause });
    this.code = parameters.code ?? "UNKNOWN";
    this.shortMessage = shortMessage;
    this.details = parameters.details;
    this.metaMessages = parameters.metaMessages;
    this.retryable = parameters.retryable ?? false;
  }

  /** Follows the `cause` chain; returns the first error `fn` accepts, or the deepest one without `fn`. */
  walk(fn?: (err: unknown) => boolean): unknown {
    let current: unknown = this;
    for (let depth = 0; depth < 32 && current !== undefined && current !== null; depth++) {
      if (fn?.(current)) return current;
      const next = (current as { cause?: unknown }).cause;
      if (next === undefined || next === null) return fn ? null : current;
      current = next;
    }
    return fn ? null : current;
  }
}
