// eth_getLogs in adaptive block ranges: halve (or take the provider's hint) when the node says the range or the
// answer is too large, grow again after successes. An error is never taken for "no logs".
import { IndexerError, isTimeout, RpcError, suggestedRange } from "./errors.ts";
import type { RawLog, Rpc } from "./rpc.ts";

export type LogRangeOptions = {
  initialRange: bigint;
  maxRange: bigint;
  /** Above this many logs the next range is halved; well below it, doubled. */
  targetLogs: number;
  log?: (message: string) => void;
};

export class LogFetcher {
  /** Current range in blocks (exposed for tests and metrics). */
  range: bigint;
  private readonly rpc: Rpc;
  private readonly options: LogRangeOptions;
  /** Logs of an answer split by `fetch(…, { split: true })` not handed out yet: blocks from..to. */
  private rest: { key: string; from: bigint; to: bigint; logs: RawLog[] } | undefined;

  constructor(rpc: Rpc, options: LogRangeOptions) {
    this.rpc = rpc;
    this.options = options;
    this.range = options.initialRange;
  }

  /**
   * Fetches all logs of `from..to'` for some `to' ≤ maxTo` (as far as the current range allows). With `split`
   * (final blocks only: the rest is handed out later without asking again), an answer of more than twice
   * `targetLogs` logs is returned in parts of about `targetLogs`, cut between blocks. A first range on a busy
   * chain can hold tens of thousands of logs; one batch of those took a backfill seconds with nothing overlapping.
   */
  async fetch(
    addresses: string[],
    topic0s: string[],
    from: bigint,
    maxTo: bigint,
    options: { split?: boolean } = {},
  ): Promise<{ to: bigint; logs: RawLog[] }> {
    const key = `${addresses.join(",")}|${topic0s.join(",")}`;
    const rest = this.rest;
    this.rest = undefined;
    if (options.split && rest && rest.key === key && rest.from === from && rest.to <= maxTo) {
      return this.cut(key, rest.to, rest.logs, true);
    }
    for (;;) {
      const to = maxTo < from + this.range - 1n ? maxTo : from + this.range - 1n;
      const span = to - from + 1n;
      let logs: RawLog[];
      try {
        logs = await this.rpc.getLogs(addresses, topic0s, from, to);
      } catch (error) {
        if (!(error instanceof RpcError) || error.kind !== "range") throw error;
        if (span === 1n) {
          // One block still times out: the node is struggling, not refusing. Let the sync loop retry later.
          if (isTimeout(error))
            throw new RpcError("retryable", "eth_getLogs", `block ${from} timed out even alone`, { cause: error });
          throw new IndexerError(
            `eth_getLogs refuses even the single block ${from}: the node limits results below one block's logs`,
            {
              cause: error,
              details: "use an RPC endpoint without such a limit (RPC_URL / RPC_FALLBACK_URLS)",
            },
          );
        }
        const hint = suggestedRange(error);
        const next = hint !== undefined && hint < span ? hint : span / 2n;
        this.range = next < 1n ? 1n : next;
        this.options.log?.(
          `eth_getLogs ${from}..${to} too large (${error.message.split("\n")[0]!.slice(0, 120)}); range → ${this.range}`,
        );
        continue;
      }
      if (logs.length > this.options.targetLogs && this.range > 1n) {
        // Shrink in proportion, so one dense stretch does not take many halvings.
        const scaled = (span * BigInt(this.options.targetLogs)) / BigInt(logs.length);
        this.range = scaled < 1n ? 1n : scaled;
      } else if (span === this.range && logs.length * 2 < this.options.targetLogs) {
        const grown = this.range * 2n;
        this.range = grown > this.options.maxRange ? this.options.maxRange : grown;
      }
      return options.split ? this.cut(key, to, logs) : { to, logs };
    }
  }

  /** Forgets the rest of a split answer (after a reorg or a restart). */
  forget(): void {
    this.rest = undefined;
  }

  /** The first blocks of `logs` (ending at block `to`) holding about `targetLogs` logs; keeps the others. */
  private cut(key: string, to: bigint, logs: RawLog[], ordered = false): { to: bigint; logs: RawLog[] } {
    const target = this.options.targetLogs;
    if (logs.length <= 2 * target) return { to, logs };
    const blockOf = (l: RawLog) => Number.parseInt(l.blockNumber, 16);
    const last = blockOf(logs[target - 1]!);
    let end = target;
    while (end < logs.length && blockOf(logs[end]!) === last) end++;
    // Nodes answer in block order; if this one did not, the answer is used whole.
    if (!ordered)
      for (let i = 1; i < logs.length; i++) if (blockOf(logs[i]!) < blockOf(logs[i - 1]!)) return { to, logs };
    if (end >= logs.length || BigInt(last) >= to) return { to, logs };
    this.rest = { key, from: BigInt(last) + 1n, to, logs: logs.slice(end) };
    return { to: BigInt(last), logs: logs.slice(0, end) };
  }
}
