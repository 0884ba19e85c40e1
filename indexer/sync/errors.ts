// One error base for the ingestion side, with a short message, details and the cause chain; and the split the
// sync loop acts on: retryable (try again, maybe on another endpoint), range (the log query was too big: split
// it) or fatal (stop with a clear message).

export type ErrorKind = "retryable" | "range" | "fatal";

export class IndexerError extends Error {
  override name = "IndexerError";
  readonly details: string | undefined;
  constructor(message: string, options: { cause?: unknown; details?: string } = {}) {
    super(options.details ? `${message}\n  ${options.details}` : message, { cause: options.cause });
    this.details = options.details;
  }
}

/** A bad environment variable or manifest: names the variable. */
export class ConfigError extends IndexerError {
  override name = "ConfigError";
  readonly variable: string;
  constructor(variable: string, problem: string) {
    super(`${variable} ${problem}`);
    this.variable = variable;
  }
}

/** A JSON-RPC call failed after classification (and retries, if retryable). */
export class RpcError extends IndexerError {
  override name = "RpcError";
  readonly kind: ErrorKind;
  readonly method: string;
  readonly url: string | undefined;
  constructor(kind: ErrorKind, method: string, message: string, options: { cause?: unknown; url?: string } = {}) {
    super(`${method} failed (${kind}): ${message}`, { cause: options.cause });
    this.kind = kind;
    this.method = method;
    this.url = options.url;
  }
}

/** The chain reorganised below the blocks the indexer keeps: it cannot roll back safely by itself. */
export class ReorgTooDeepError extends IndexerError {
  override name = "ReorgTooDeepError";
}

/** The database belongs to another chain or deployment, or another writer holds the lock. */
export class StateError extends IndexerError {
  override name = "StateError";
}

// Messages the common providers use when an eth_getLogs range or result is too large.
const RANGE_PATTERNS: RegExp[] = [
  /query returned more than \d+ results/i, // geth, Infura
  /block range is too wide/i, // Ankr, QuickNode
  /log response size exceeded/i, // Alchemy
  /exceed(s|ed)? maximum block range/i, // Cloudflare, BlastAPI
  /range too large/i,
  /block range too large/i,
  /range (limit )?exceed/i, // "Requested range exceeds maximum range limit" (Besu), "range limit exceeded"
  /exceeds? (the )?max(imum)? (block )?range/i,
  /block range limit/i, // Chainstack
  /maximum allowed number of requested blocks/i,
  /query exceeds max results/i, // Erigon
  /(too many|more than \d+) (results|logs)/i,
  /response (size )?(is )?too (big|large)/i,
  /limited to a [\d,]+ (block )?range/i, // QuickNode "eth_getLogs is limited to a 10,000 range"
  /max(imum)? results/i,
  /(result|response) (set )?(size )?(exceed|limit)/i,
  /query timeout exceeded/i, // some nodes time out on huge ranges instead of refusing them
  /response body exceeded the size limit/i, // viem's own cap on the answer's size
];

const FATAL_RPC_CODES = new Set([-32601 /* method not found */, -32700 /* parse error */]);

type ErrorLike = {
  name?: string;
  message?: string;
  shortMessage?: string;
  details?: string;
  code?: number;
  status?: number;
  cause?: unknown;
};

/** Walks an error and its causes, collecting messages, JSON-RPC codes and HTTP statuses. */
function inspect(error: unknown): { text: string; codes: number[]; statuses: number[]; names: string[] } {
  const texts: string[] = [];
  const codes: number[] = [];
  const statuses: number[] = [];
  const names: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e && depth < 8; depth++) {
    if (typeof e !== "object") {
      texts.push(String(e));
      break;
    }
    const x = e as ErrorLike;
    if (x.name) names.push(x.name);
    for (const t of [x.message, x.shortMessage, x.details]) if (typeof t === "string") texts.push(t);
    if (typeof x.code === "number") codes.push(x.code);
    if (typeof x.status === "number") statuses.push(x.status);
    e = x.cause;
  }
  return { text: texts.join(" | "), codes, statuses, names };
}

/**
 * Classifies a failed JSON-RPC call. Range errors only apply to eth_getLogs; anything unknown is retryable,
 * because treating an unexplained failure as final (or as "no logs") could lose data.
 */
export function classifyRpcError(error: unknown, method: string): ErrorKind {
  if (error instanceof RpcError) return error.kind;
  const { text, codes, statuses } = inspect(error);
  if (method === "eth_getLogs") {
    if (statuses.includes(413)) return "range";
    // Many nodes simply time out on a range with too many logs: answer by asking for less.
    if (isTimeout(error)) return "range";
    if (RANGE_PATTERNS.some((p) => p.test(text))) return "range";
    // -32005 "limit exceeded" is used by Infura and others for too many results; rate limits say so in words.
    if (codes.includes(-32005) && !/rate|per second|too many requests/i.test(text)) return "range";
  }
  if (statuses.some((s) => s === 408 || s === 425 || s === 429 || s >= 500)) return "retryable";
  if (statuses.some((s) => s === 401 || s === 403 || s === 404)) return "fatal";
  if (codes.some((c) => FATAL_RPC_CODES.has(c))) return "fatal";
  return "retryable";
}

/** A call that got no answer in time (client-side timeout or the node's own query timeout). */
export function isTimeout(error: unknown): boolean {
  const { text, names, statuses } = inspect(error);
  return (
    names.includes("TimeoutError") ||
    statuses.includes(504) ||
    /took too long to respond|timed? ?out|timeout/i.test(text)
  );
}

/**
 * Some providers say which range would work ("this block range should work: [0x1, 0x2]"); returns its size.
 */
export function suggestedRange(error: unknown): bigint | undefined {
  const { text } = inspect(error);
  const m = text.match(/\[\s*(0x[0-9a-f]+)\s*,\s*(0x[0-9a-f]+)\s*\]/i);
  if (m) {
    const from = BigInt(m[1]!);
    const to = BigInt(m[2]!);
    if (to >= from) return to - from + 1n;
  }
  const n = text.match(/(?:maximum|max|limit(?:ed)? (?:to|of)?)[^\d]{0,50}([\d,]+)\s*(?:block)?s?/i);
  if (n) {
    const v = BigInt(n[1]!.replace(/,/g, ""));
    if (v > 0n && v < 10_000_000n) return v;
  }
  return undefined;
}

export function errorMessage(error: unknown): string {
  return inspect(error).text || String(error);
}
