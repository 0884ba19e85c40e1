// JSON-RPC over viem's HTTP transport (eth_getLogs over node:http, see JsonRpcPost) with our own policy: a timeout
// per call, capped exponential backoff with jitter, rotation to fallback URLs on retryable errors, and errors
// classified (retryable / range / fatal).
import { isAscii } from "node:buffer";
import http from "node:http";
import https from "node:https";
import {
  http as viemHttp,
  HttpRequestError,
  ResponseBodyTooLargeError,
  RpcRequestError,
  TimeoutError,
  type EIP1193RequestFn,
} from "viem";
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
 * One JSON-RPC call over node:http(s), for eth_getLogs: its answers are nearly all the bytes a backfill reads
 * (~250 MB for 187k events), and through fetch and viem each went through web streams, a Response and TextDecoder
 * before JSON.parse. Here the bytes are gathered as they arrive, refused past `maxBytes`, and turned into a string
 * by a plain copy when they are ASCII, as JSON-RPC answers of hex values are. Rpc.getLogs over the recorded
 * 187k-event chain in 5-block ranges, three times each in one process: 2.02–2.55 s of CPU through viem's transport,
 * 1.04–1.62 s this way. Failures are viem's error classes, so classifyRpcError reads them the same either way.
 */
export class JsonRpcPost {
  private readonly url: URL;
  private readonly href: string;
  private readonly agent: http.Agent;
  private readonly send: typeof http.request;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private nextId = 1;
  /** Memory for the next answer, while no call is reading into it. */
  private scratch: Buffer | undefined;

  constructor(url: string, timeoutMs: number, maxBytes: number) {
    this.url = new URL(url);
    this.href = url;
    this.timeoutMs = timeoutMs;
    this.maxBytes = maxBytes;
    const tls = this.url.protocol === "https:";
    this.agent = tls ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    this.send = tls ? https.request : http.request;
  }

  call(method: string, params: unknown[]): Promise<unknown> {
    const body = { jsonrpc: "2.0", id: this.nextId++, method, params };
    const text = JSON.stringify(body);
    const url = this.href;
    return new Promise((resolve, reject) => {
      const req = this.send(
        this.url,
        {
          method: "POST",
          agent: this.agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          let refused = false;
          const tooLarge = (size: number) => {
            refused = true;
            clearTimeout(timer);
            req.destroy();
            reject(new ResponseBodyTooLargeError({ maxSize: this.maxBytes, size }));
          };
          const declared = Number(res.headers["content-length"] ?? Number.NaN);
          if (declared > this.maxBytes) return tooLarge(declared);
          // The answer is gathered in memory kept for the next call (a fresh buffer a call, on top of the
          // socket's own, counted towards the memory that makes V8 mark its whole heap: see copy.ts).
          let into = this.take(Number.isFinite(declared) ? declared : 0);
          let size = 0;
          res.on("data", (chunk: Buffer) => {
            if (size + chunk.length > this.maxBytes) return tooLarge(size + chunk.length);
            if (size + chunk.length > into.length) {
              const bigger = Buffer.allocUnsafeSlow(Math.max(into.length * 2, size + chunk.length));
              into.copy(bigger, 0, 0, size);
              into = bigger;
            }
            chunk.copy(into, size);
            size += chunk.length;
          });
          res.on("end", () => {
            clearTimeout(timer);
            if (refused) return;
            const bytes = into.subarray(0, size);
            const answer = bytes.toString(isAscii(bytes) ? "latin1" : "utf8");
            this.scratch = into;
            let data: { result?: unknown; error?: { code: number; message: string; data?: unknown } } | undefined;
            try {
              data = JSON.parse(answer || "{}");
            } catch {
              data = undefined;
            }
            const error = typeof data?.error?.code === "number" && typeof data.error.message === "string";
            if (error) return reject(new RpcRequestError({ body, error: data!.error!, status, url }));
            if (status < 200 || status >= 300 || data === undefined) {
              return reject(
                new HttpRequestError({
                  body,
                  details: data === undefined ? `not JSON: ${answer.slice(0, 200)}` : res.statusMessage,
                  status,
                  url,
                }),
              );
            }
            resolve(data.result);
          });
          res.on("error", (cause) => reject(new HttpRequestError({ body, cause, url })));
          // However the answer ended: no timer left behind, and one cut off (a node restarting, a proxy giving up)
          // is a retryable failure even where no 'error' came first.
          res.on("close", () => {
            clearTimeout(timer);
            if (!res.complete && !refused)
              reject(new HttpRequestError({ body, details: "the connection closed before the answer ended", url }));
          });
        },
      );
      // Covers the whole call, answer included: an answer that stalls half-way cannot hang the sync.
      const timer = setTimeout(() => {
        req.destroy();
        reject(new TimeoutError({ body, url }));
      }, this.timeoutMs);
      req.on("error", (cause) => {
        clearTimeout(timer);
        reject(new HttpRequestError({ body, cause, details: cause.message, url }));
      });
      req.end(text);
    });
  }

  /** The kept memory if it is free and big enough for `bytes`, else new memory. */
  private take(bytes: number): Buffer {
    const kept = this.scratch;
    this.scratch = undefined;
    return kept && kept.length >= bytes ? kept : Buffer.allocUnsafeSlow(Math.max(bytes, 64 * 1024));
  }

  close(): void {
    this.agent.destroy();
  }
}

export class Rpc {
  readonly urls: string[];
  private readonly transports: { request: EIP1193RequestFn }[];
  private readonly logPosts: JsonRpcPost[];
  private current = 0;
  private readonly options: RpcOptions;
  /** Count of calls per method, for tests and metrics. */
  readonly calls = new Map<string, number>();

  constructor(urls: string[], options: RpcOptions) {
    this.urls = urls;
    this.options = options;
    const maxBytes = options.maxResponseBytes ?? 64 * 1024 * 1024;
    this.transports = urls.map((url) =>
      viemHttp(url, {
        timeout: options.timeoutMs,
        retryCount: 0,
        batch: { batchSize: 100, wait: 0 },
        maxResponseBodySize: maxBytes,
      })({ retryCount: 0 }),
    );
    this.logPosts = urls.map((url) => new JsonRpcPost(url, options.timeoutMs, maxBytes));
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
        const answer =
          method === "eth_getLogs"
            ? await this.logPosts[index]!.call(method, params)
            : await this.transports[index]!.request({ method, params } as never);
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
