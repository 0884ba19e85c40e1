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

  constructor(rpc: Rpc, options: LogRangeOptions) {
    this.rpc = rpc;
    this.options = options;
    this.range = options.initialRange;
  }

  /** Fetches all logs of `from..to'` for some `to' ≤ maxTo` (as far as the current range allows). */
  async fetch(
    addresses: string[],
    topic0s: string[],
    from: bigint,
    maxTo: bigint,
  ): Promise<{ to: bigint; logs: RawLog[] }> {
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
      return { to, logs };
    }
  }
}
