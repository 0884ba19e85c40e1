// JSON-RPC over viem's HTTP transport with our own policy: a timeout per call, capped exponential backoff with
// jitter, rotation to fallback URLs on retryable errors, and errors classified (retryable / range / fatal).
import { http, ResponseBodyTooLargeError, type EIP1193RequestFn } from "viem";
import { classifyRpcError, errorMessage, RpcError } from "./errors.ts";

export type RawLog = {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  transactionIndex: string | null;
  logIndex: string;
  blockTimestamp?: string;
  removed?: boolean;
};

export type BlockHeader = { number: bigint; hash: string; parentHash: string; timestamp: bigint };

export type RpcOptions = {
  timeoutMs: number;
  maxRetries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Largest answer accepted (bytes); a bigger eth_getLogs answer makes the range shrink. */
  maxResponseBytes?: number;
  log?: (message: string) => void;
  /** Called after every attempt (for metrics): method, seconds, whether it succeeded. */
  onCall?: (method: string, seconds: number, ok: boolean) => void;
  /** Injectable for tests. */
  random?: () => number;
};

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Capped exponential backoff with "equal jitter": half fixed, half random, so retries spread out. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/**
 * fetch that reads the whole answer as bytes, refusing one over `maxBytes` as soon as it gets there, and hands viem
 * a response holding those bytes. viem's own capped reader decodes a streamed body chunk by chunk (TextDecoder in
 * streaming mode, then string concatenation); `text()` of a buffered body decodes it once. In CPU profiles of a
 * 187k-event backfill, UTF-8 decoding took ~0.73 s of the main thread before and ~0.3 s after.
 */
export function cappedFetch(maxBytes: number): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (!response.body) return response;
    const declared = Number(response.headers.get("content-length") ?? Number.NaN);
    if (declared > maxBytes) {
      await response.body.cancel();
      throw new ResponseBodyTooLargeError({ maxSize: maxBytes, size: declared });
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel(); // the connection is not read to its end
        throw new ResponseBodyTooLargeError({ maxSize: maxBytes, size });
      }
      chunks.push(value);
    }
    return new Response(Buffer.concat(chunks, size), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

export class Rpc {
  readonly urls: string[];
  private readonly transports: { request: EIP1193RequestFn }[];
  private current = 0;
  private readonly options: RpcOptions;
  /** Count of calls per method, for tests and metrics. */
  readonly calls = new Map<string, number>();

  constructor(urls: string[], options: RpcOptions) {
    this.urls = urls;
    this.options = options;
    this.transports = urls.map((url) =>
      http(url, {
        timeout: options.timeoutMs,
        retryCount: 0,
        batch: { batchSize: 100, wait: 0 },
        // The cap is enforced while reading (cappedFetch); viem then reads the buffered body whole.
        fetchFn: cappedFetch(options.maxResponseBytes ?? 64 * 1024 * 1024),
        maxResponseBodySize: false,
      })({ retryCount: 0 }),
    );
  }

  /**
   * Sends one call; retries retryable failures across the URLs; throws RpcError. `check` may reject an answer
   * (by throwing): a malformed answer is retried like a failed call, never passed on.
   */
  async request<T>(method: string, params: unknown[], check?: (answer: unknown) => T): Promise<T> {
    const { maxRetries, backoffBaseMs, backoffMaxMs } = this.options;
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    let last: unknown;
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      const index = this.current;
      const url = this.urls[index]!;
      const started = performance.now();
      try {
        const answer = await this.transports[index]!.request({ method, params } as never);
        const checked = check ? check(answer) : (answer as T);
        this.options.onCall?.(method, (performance.now() - started) / 1000, true);
        return checked;
      } catch (error) {
        this.options.onCall?.(method, (performance.now() - started) / 1000, false);
        last = error;
        const kind = classifyRpcError(error, method);
        if (kind !== "retryable") throw new RpcError(kind, method, errorMessage(error), { cause: error, url });
        if (attempt === maxRetries) break;
        // Move to the next endpoint (if any) and wait before trying again.
        if (this.urls.length > 1) this.current = (index + 1) % this.urls.length;
        const delay = backoffDelay(attempt, backoffBaseMs, backoffMaxMs, this.options.random);
        this.options.log?.(
          `rpc ${method} on ${redact(url)} failed (${short(error)}); retry ${attempt + 1}/${maxRetries} in ${delay} ms`,
        );
        await sleep(delay);
      }
    }
    throw new RpcError("retryable", method, `gave up after ${maxRetries + 1} attempts: ${errorMessage(last)}`, {
      cause: last,
    });
  }

  async chainId(): Promise<number> {
    return Number(BigInt(await this.request<string>("eth_chainId", [])));
  }

  async blockNumber(): Promise<bigint> {
    return BigInt(await this.request<string>("eth_blockNumber", []));
  }

  /** A block header by number or tag; null only for tags the node does not know (e.g. `finalized`). */
  async getBlock(block: bigint | "latest" | "finalized" | "safe"): Promise<BlockHeader> {
    const tag = typeof block === "bigint" ? `0x${block.toString(16)}` : block;
    return this.request("eth_getBlockByNumber", [tag, false], (answer) => {
      const b = answer as { number?: string; hash?: string; parentHash?: string; timestamp?: string } | null;
      // A node behind its peers answers null for a block it has not seen yet: retry, never assume.
      if (!b || !b.hash || !b.number || !b.parentHash || !b.timestamp) {
        throw new RpcError("retryable", "eth_getBlockByNumber", `block ${String(block)} not available`);
      }
      return {
        number: BigInt(b.number),
        hash: b.hash.toLowerCase(),
        parentHash: b.parentHash.toLowerCase(),
        timestamp: BigInt(b.timestamp),
      };
    });
  }

  /** Headers of `from..to` (inclusive), requested concurrently (viem batches them into few HTTP calls). */
  async getBlocks(from: bigint, to: bigint, concurrency = 50): Promise<BlockHeader[]> {
    const numbers: bigint[] = [];
    for (let n = from; n <= to; n++) numbers.push(n);
    return this.getBlockList(numbers, concurrency);
  }

  async getBlockList(numbers: bigint[], concurrency = 50): Promise<BlockHeader[]> {
    const out: BlockHeader[] = [];
    for (let i = 0; i < numbers.length; i += concurrency) {
      out.push(...(await Promise.all(numbers.slice(i, i + concurrency).map((n) => this.getBlock(n)))));
    }
    return out;
  }

  /** eth_getLogs for `addresses` and any of `topic0s` in `from..to`. Validates the answer's shape. */
  async getLogs(addresses: string[], topic0s: string[], from: bigint, to: bigint): Promise<RawLog[]> {
    const wanted = new Set(addresses.map((a) => a.toLowerCase()));
    const logs = await this.request(
      "eth_getLogs",
      [{ address: addresses, topics: [topic0s], fromBlock: `0x${from.toString(16)}`, toBlock: `0x${to.toString(16)}` }],
      (answer) => {
        if (!Array.isArray(answer))
          throw new RpcError(
            "retryable",
            "eth_getLogs",
            `answer is not an array: ${JSON.stringify(answer)?.slice(0, 200)}`,
          );
        for (const l of answer as RawLog[]) {
          const n = typeof l?.blockNumber === "string" ? BigInt(l.blockNumber) : -1n;
          if (
            n < from ||
            n > to ||
            !l.blockHash ||
            !l.transactionHash ||
            typeof l.logIndex !== "string" ||
            !wanted.has(l.address?.toLowerCase())
          ) {
            throw new RpcError(
              "retryable",
              "eth_getLogs",
              `inconsistent log in answer for ${from}..${to}: ${JSON.stringify(l).slice(0, 300)}`,
            );
          }
        }
        return answer as RawLog[];
      },
    );
    return logs.filter((l) => !l.removed);
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    // API keys often live in the path or query: show only the origin.
    return u.origin;
  } catch {
    return "<url>";
  }
}

function short(error: unknown): string {
  return errorMessage(error).split("\n")[0]!.slice(0, 160);
}
