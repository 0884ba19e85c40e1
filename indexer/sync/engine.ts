// The sync loop: backfill to the safe block in adaptive eth_getLogs ranges, then follow the head block by block,
// detecting reorgs by parent hash and rolling back to the common ancestor. One transaction per batch.
import { decodeFunctionResult, encodeFunctionData, type Hex } from "viem";
import { jobMarketAbi } from "../../sdk/src/abi/index.ts";
import type { IndexerMetrics } from "../metrics.ts";
import type { SyncConfig } from "./config.ts";
import { decodeLog, QUORUM_CONFIGURED_TOPIC, TOPIC0S, type DecodedLog } from "./decode.ts";
import { ConfigError, errorMessage, IndexerError, ReorgTooDeepError, RpcError, StateError } from "./errors.ts";
import { LogFetcher } from "./logs.ts";
import { backoffDelay, Rpc, type BlockHeader, type RawLog } from "./rpc.ts";
import { isTransientDbError, Store, type Batch, type BatchResult, type Checkpoint } from "./store.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type Logger = (level: LogLevel, message: string) => void;

export const consoleLogger: Logger = (level, message) => {
  if (level === "debug" && !process.env.DEBUG) return;
  process.stderr.write(`${new Date().toISOString()} ${level.padEnd(5)} ${message}\n`);
};

const ZERO_HASH = `0x${"0".repeat(64)}`;
const DEV_CHAINS = new Set([31337, 1337]);

export type EngineStats = {
  batches: number;
  events: number;
  reorgs: number;
  checkpoint: Checkpoint | undefined;
  head: bigint | undefined;
  safe: bigint | undefined;
};

/** Errors the loop survives by waiting and starting over (reconnecting to the database if needed). */
export function isRecoverable(error: unknown): boolean {
  if (error instanceof RpcError) return error.kind === "retryable";
  if (error instanceof ReorgTooDeepError || error instanceof ConfigError || error instanceof StateError) return false;
  return isTransientDbError(error);
}

/** Chain order of two events: by block, then log index. */
function chainOrder(a: DecodedLog, b: DecodedLog): number {
  if (a.blockNumber !== b.blockNumber) return a.blockNumber < b.blockNumber ? -1 : 1;
  return a.logIndex < b.logIndex ? -1 : a.logIndex > b.logIndex ? 1 : 0;
}

export class SyncEngine {
  readonly config: SyncConfig;
  readonly rpc: Rpc;
  readonly stats: EngineStats = {
    batches: 0,
    events: 0,
    reorgs: 0,
    checkpoint: undefined,
    head: undefined,
    safe: undefined,
  };
  private readonly log: Logger;
  private readonly metrics: IndexerMetrics | undefined;
  private readonly fetcher: LogFetcher;
  private store: Store | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private cp: Checkpoint | undefined;
  private watched = new Set<string>();
  private finalizedTag: boolean | undefined;
  private chainId: number | undefined;
  private tip: { head: bigint; safe: bigint; at: number } | undefined;
  private prefetched: { from: bigint; safe: bigint; promise: ReturnType<SyncEngine["fetchRange"]> } | undefined;

  /** `metrics`: the shared Prometheus metrics (indexer/metrics.ts) to update, when the process serves them. */
  constructor(config: SyncConfig, options: { log?: Logger; metrics?: IndexerMetrics } = {}) {
    this.config = config;
    this.log = options.log ?? consoleLogger;
    this.metrics = options.metrics;
    const m = options.metrics;
    this.rpc = new Rpc(config.rpcUrls, {
      timeoutMs: config.rpcTimeoutMs,
      maxRetries: config.rpcMaxRetries,
      backoffBaseMs: config.rpcBackoffBaseMs,
      backoffMaxMs: config.rpcBackoffMaxMs,
      log: (message) => this.log("warn", message),
      ...(m
        ? {
            onCall: (method: string, seconds: number, ok: boolean) => {
              m.rpcLatency.observe({ method }, seconds);
              if (!ok) m.rpcErrors.inc({ method });
            },
          }
        : {}),
    });
    this.fetcher = new LogFetcher(this.rpc, {
      initialRange: config.batchBlocks,
      maxRange: config.maxBatchBlocks,
      targetLogs: config.targetLogsPerBatch,
      log: (m) => this.log("info", m),
    });
  }

  /** Asks the loop to finish the current batch and return. */
  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  get stopped(): boolean {
    return this.stopping;
  }

  /** Runs until stop() (resolves) or an unrecoverable error (rejects). Survives RPC outages and lost DB connections. */
  async run(): Promise<void> {
    let failures = 0;
    try {
      while (!this.stopping) {
        try {
          await this.session(() => {
            failures = 0;
          });
          return;
        } catch (error) {
          if (!isRecoverable(error)) throw error;
          failures++;
          const delay = backoffDelay(failures - 1, 500, this.config.errorBackoffMaxMs);
          this.log(
            "warn",
            `sync interrupted (${errorMessage(error).split("\n")[0]!.slice(0, 200)}); resuming in ${delay} ms`,
          );
          await this.store?.close();
          await this.sleep(delay);
        }
      }
    } finally {
      await this.store?.close();
    }
  }

  private async sleep(ms: number): Promise<void> {
    if (this.stopping) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
    this.wake = undefined;
  }

  private async session(onProgress: () => void): Promise<void> {
    const chainId = await this.rpc.chainId();
    if (this.config.chainId !== undefined && chainId !== this.config.chainId) {
      throw new ConfigError(
        "RPC_URL",
        `serves chain ${chainId}, but the deployment is on chain ${this.config.chainId}`,
      );
    }
    this.chainId = chainId;
    const { contracts } = this.config;
    const store = new Store(
      this.config.databaseUrl,
      chainId,
      { stakeToken: contracts.jouleToken },
      (m) => this.log("warn", m),
      { cacheRows: this.config.entityCacheRows },
    );
    this.store = store;
    if (!(await store.connect({ shouldStop: () => this.stopping }))) return;

    let cp = await store.readCheckpoint();
    if (!cp) {
      const start = this.config.startBlock;
      cp =
        start === 0n
          ? { number: -1n, hash: ZERO_HASH }
          : { number: start - 1n, hash: (await this.rpc.getBlock(start - 1n)).hash };
      this.log("info", `new database: indexing chain ${chainId} from block ${start}`);
    }
    await store.initialise(cp, { ...contracts, treasury: contracts.treasury ?? (await this.readTreasury()) });
    this.watched = new Set([
      contracts.jobMarket,
      contracts.providerRegistry,
      contracts.rewardEmitter,
      contracts.jouleToken,
      ...contracts.verifiers,
    ]);
    for (const v of await store.configuredVerifiers()) this.watched.add(v);
    this.cp = cp;
    this.prefetched = undefined;
    this.tip = undefined;
    this.fetcher.forget();
    this.stats.checkpoint = cp;
    this.log("info", `resuming after block ${cp.number} (${cp.hash.slice(0, 10)}…)`);

    // A reorg may have happened while the indexer was down: the checkpoint's block must still be on the chain.
    if (cp.number >= 0n) {
      const head = await this.rpc.blockNumber();
      if (head < cp.number || (await this.rpc.getBlock(cp.number)).hash !== cp.hash) {
        this.log("warn", `block ${cp.number} is no longer on the chain (reorg while stopped)`);
        await this.handleReorg(head);
      }
    }

    if (cp.number < this.config.startBlock && store.deferredIndexes === 0) {
      // The first range is fetched and decoded while the indexes are dropped.
      const { safe } = await this.chainTip(cp);
      if (cp.number < safe) this.prefetch(cp.number + 1n, safe);
      const n = await store.deferIndexes();
      this.log("info", `first backfill: ${n} indexes and keys dropped, to be built once at its end`);
    }

    while (!this.stopping) {
      const progressed = await this.step();
      if (progressed) onProgress();
      else await this.sleep(this.config.pollIntervalMs);
    }
    await store.flush(); // the batch in flight commits before the loop returns
  }

  /**
   * The fee recipient is immutable in the current market and no event names it, so unless configured it is read
   * once here (start-up configuration, not event state: the handlers never call the chain).
   */
  private async readTreasury(): Promise<string | undefined> {
    try {
      const data = encodeFunctionData({ abi: jobMarketAbi, functionName: "parameters" });
      const answer = await this.rpc.request<Hex>("eth_call", [{ to: this.config.contracts.jobMarket, data }, "latest"]);
      const p = decodeFunctionResult({ abi: jobMarketAbi, functionName: "parameters", data: answer }) as {
        treasury: string;
      };
      return p.treasury.toLowerCase();
    } catch (error) {
      this.log(
        "warn",
        `cannot read the market's treasury (${errorMessage(error).slice(0, 120)}); set TREASURY_ADDRESS`,
      );
    }
    return undefined;
  }

  /** The highest block that cannot be reorganised: the `finalized` tag where supported, else head − confirmations. */
  private async safeBlock(head: bigint): Promise<bigint> {
    const byConfirmations = head - this.config.confirmations;
    const mode = this.config.finality;
    const useTag = mode === "tag" || (mode === "auto" && !DEV_CHAINS.has(this.chainId!) && this.finalizedTag !== false);
    if (!useTag) return byConfirmations < -1n ? -1n : byConfirmations;
    try {
      const f = await this.rpc.getBlock("finalized");
      this.finalizedTag = true;
      return f.number < head ? f.number : head;
    } catch (error) {
      if (mode === "tag" || this.finalizedTag === true) throw error;
      this.finalizedTag = false;
      this.log(
        "info",
        `the node has no 'finalized' block (${errorMessage(error).slice(0, 100)}); using head − ${this.config.confirmations}`,
      );
      return byConfirmations < -1n ? -1n : byConfirmations;
    }
  }

  /**
   * Head and safe block. Read from the node before each step, except in a backfill still short of the last safe
   * block read less than POLL_INTERVAL_MS ago: the loop does not need a newer one yet, and the two calls took a
   * 100k-job backfill ~0.8 s of waiting (a node busy answering the prefetched eth_getLogs answers them last).
   */
  private async chainTip(cp: Checkpoint): Promise<{ head: bigint; safe: bigint }> {
    const last = this.tip;
    if (last && cp.number < last.safe && performance.now() - last.at < this.config.pollIntervalMs) return last;
    const head = await this.rpc.blockNumber();
    const safe = await this.safeBlock(head);
    this.tip = { head, safe, at: performance.now() };
    return this.tip;
  }

  /** One batch (or a reorg rollback). Returns false when there was nothing to do. */
  private async step(): Promise<boolean> {
    const cp = this.cp!;
    const { head, safe } = await this.chainTip(cp);
    this.stats.head = head;
    this.stats.safe = safe;
    if (cp.number >= safe && this.store!.deferredIndexes > 0) {
      // Past the backfill (or never in one): from here on rows are written a few at a time, and read by the API.
      const n = await this.store!.buildIndexes();
      if (n > 0) this.log("info", `built ${n} deferred indexes and keys`);
    }
    if (head <= cp.number) {
      // Same height (or the chain got shorter): make sure our tip is still the chain's.
      if (cp.number >= 0n && (head < cp.number || (await this.rpc.getBlock(cp.number)).hash !== cp.hash)) {
        await this.handleReorg(head);
        return true;
      }
      await this.store!.updateHead(head, safe);
      this.metrics?.setChainProgress({ indexed: cp.number, head, safe });
      return false;
    }
    if (cp.number < safe) await this.backfillStep(safe, head);
    else if (!(await this.followStep(head, safe))) return false;
    // Not while a backfill batch is in flight (pruning waits for it): nothing to prune in a backfill but its
    // batches' end headers, which go once it has caught up.
    if (!this.store!.busy) await this.store!.prune(safe, this.cp!.number);
    return true;
  }

  private addresses(): string[] {
    return [...this.watched];
  }

  private decode(logs: RawLog[]): DecodedLog[] {
    const events: DecodedLog[] = [];
    for (const l of logs) {
      const e = decodeLog(l);
      if (e) events.push(e);
    }
    // Nodes answer in chain order: sorted already, unless the node did not.
    for (let i = 1; i < events.length; i++)
      if (chainOrder(events[i - 1]!, events[i]!) >= 0) return events.sort(chainOrder);
    return events;
  }

  /** Timestamps of the blocks holding `events` that the logs did not carry. */
  private async timestamps(events: DecodedLog[], known: BlockHeader[]): Promise<Map<bigint, bigint>> {
    const map = new Map<bigint, bigint>(known.map((h) => [h.number, h.timestamp]));
    const missing = [
      ...new Set(
        events.filter((e) => e.blockTimestamp === undefined && !map.has(e.blockNumber)).map((e) => e.blockNumber),
      ),
    ];
    if (missing.length > 0) for (const h of await this.rpc.getBlockList(missing)) map.set(h.number, h.timestamp);
    return map;
  }

  /**
   * Verifiers allowlisted by the market but unknown so far: their QuorumConfigured (emitted by their constructor,
   * before the allowlisting) is fetched from START_BLOCK up to `to`.
   */
  private async discover(events: DecodedLog[], to: bigint, timestamps: Map<bigint, bigint>): Promise<DecodedLog[]> {
    const fresh = [
      ...new Set(
        events
          .filter((e) => e.name === "VerifierAllowed" && e.args.allowed === true)
          .map((e) => e.args.verifier as string),
      ),
    ].filter((v) => !this.watched.has(v));
    if (fresh.length === 0) return [];
    const fetcher = new LogFetcher(this.rpc, {
      initialRange: this.config.maxBatchBlocks,
      maxRange: this.config.maxBatchBlocks,
      targetLogs: this.config.targetLogsPerBatch,
    });
    const found: RawLog[] = [];
    for (let from = this.config.startBlock; from <= to;) {
      const r = await fetcher.fetch(fresh, [QUORUM_CONFIGURED_TOPIC], from, to);
      found.push(...r.logs);
      from = r.to + 1n;
    }
    const decoded = this.decode(found);
    for (const [k, v] of await this.timestamps(decoded, [])) timestamps.set(k, v);
    for (const v of fresh) this.watched.add(v);
    this.log("info", `discovered verifier(s) ${fresh.join(", ")} (${decoded.length} configuration event(s))`);
    return decoded;
  }

  /** Logs, end header, decoded events and timestamps of the next backfill range. */
  private async fetchRange(from: bigint, safe: bigint) {
    const { to, logs } = await this.fetcher.fetch(this.addresses(), TOPIC0S, from, safe, { split: true });
    const toHeader = await this.rpc.getBlock(to);
    const events = this.decode(logs);
    const timestamps = await this.timestamps(events, [toHeader]);
    return { from, to, toHeader, events, timestamps };
  }

  /** Starts fetching the range from `from`, for the backfill step that continues there. */
  private prefetch(from: bigint, safe: bigint): void {
    const promise = this.fetchRange(from, safe);
    promise.catch(() => {}); // surfaced when awaited by the next step
    this.prefetched = { from, safe, promise };
  }

  private async backfillStep(safe: bigint, head: bigint): Promise<void> {
    const cp = this.cp!;
    const from = cp.number + 1n;
    // The next range is fetched and decoded while this one is written (RPC and database overlap).
    const pending =
      this.prefetched?.from === from && this.prefetched.safe <= safe
        ? this.prefetched.promise
        : this.fetchRange(from, safe);
    this.prefetched = undefined;
    const r = await pending;
    const discovered = await this.discover(r.events, r.to, r.timestamps);
    if (r.to < safe && discovered.length === 0 && !this.stopping) this.prefetch(r.to + 1n, safe);
    // Queued behind the batch in flight: the next range is prepared while this one is written.
    const batch = { ...r, headers: [r.toHeader], discovered, journal: false, safe, head };
    const { committed } = await this.store!.submitBatch(cp, batch);
    this.cp = { number: batch.to, hash: batch.toHeader.hash };
    // A failure is thrown by the next submitBatch or flush, which the loop handles.
    committed.then((result) => this.committed(batch, result)).catch(() => {});
  }

  /** Returns false if the chain moved under the fetch (retry on the next poll). */
  private async followStep(head: bigint, safe: bigint): Promise<boolean> {
    const cp = this.cp!;
    const from = cp.number + 1n;
    const last = head < cp.number + this.config.followBlocks ? head : cp.number + this.config.followBlocks;
    const headers = await this.rpc.getBlocks(from, last);
    if (headers[0]!.parentHash !== cp.hash) {
      this.log("warn", `block ${from} does not build on ${cp.number} ${cp.hash.slice(0, 10)}… (reorg)`);
      await this.handleReorg(head);
      return true;
    }
    for (let i = 1; i < headers.length; i++) {
      if (headers[i]!.parentHash !== headers[i - 1]!.hash) {
        this.log("info", `headers ${from}..${last} do not link (chain changing); retrying`);
        return false;
      }
    }
    const { to, logs } = await this.fetcher.fetch(this.addresses(), TOPIC0S, from, last);
    const kept = headers.filter((h) => h.number <= to);
    const byNumber = new Map(kept.map((h) => [h.number, h.hash]));
    for (const l of logs) {
      if (byNumber.get(BigInt(l.blockNumber)) !== l.blockHash.toLowerCase()) {
        this.log(
          "info",
          `log of block ${BigInt(l.blockNumber)} has another hash than its header (chain changing); retrying`,
        );
        return false;
      }
    }
    const events = this.decode(logs);
    const timestamps = await this.timestamps(events, kept);
    const discovered = await this.discover(events, to, timestamps);
    await this.commit(cp, {
      from,
      to,
      toHeader: kept[kept.length - 1]!,
      headers: kept,
      events,
      discovered,
      timestamps,
      journal: to > safe,
      safe,
      head,
    });
    return true;
  }

  private async commit(cp: Checkpoint, batch: Batch): Promise<void> {
    const result = await this.store!.commitBatch(cp, batch);
    this.cp = { number: batch.to, hash: batch.toHeader.hash };
    this.committed(batch, result);
  }

  /** Stats, metrics and the log line of a committed batch. */
  private committed(batch: Batch, result: BatchResult): void {
    this.stats.checkpoint = { number: batch.to, hash: batch.toHeader.hash };
    this.stats.batches++;
    this.stats.events += result.inserted;
    if (this.metrics) {
      const byName = new Map<string, number>();
      for (const e of batch.events) byName.set(e.name, (byName.get(e.name) ?? 0) + 1);
      for (const [name, n] of byName) this.metrics.recordEvents(n, name);
      this.metrics.setChainProgress({ indexed: batch.to, head: batch.head, safe: batch.safe });
    }
    for (const w of result.warnings.slice(0, 5)) this.log("warn", w);
    this.log(
      batch.events.length > 0 ? "info" : "debug",
      `blocks ${batch.from}..${batch.to}: ${result.inserted} event(s)${result.skipped ? `, ${result.skipped} already stored` : ""}${batch.journal ? " (unfinalized)" : ""}`,
    );
  }

  /** Finds the newest kept block still on the chain and rolls back to it. */
  private async handleReorg(head: bigint): Promise<void> {
    const cp = this.cp!;
    const kept = await this.store!.keptBlocks(cp.number < head ? cp.number : head);
    let ancestor: bigint | undefined;
    for (let i = 0; i < kept.length && ancestor === undefined; i += 20) {
      const chunk = kept.slice(i, i + 20);
      const chain = await this.rpc.getBlockList(chunk.map((b) => b.number));
      for (let j = 0; j < chunk.length; j++) {
        if (chain[j]!.hash === chunk[j]!.hash) {
          ancestor = chunk[j]!.number;
          break;
        }
      }
    }
    if (ancestor === undefined) {
      const oldest = kept.length > 0 ? kept[kept.length - 1]!.number : cp.number;
      throw new ReorgTooDeepError(
        `the chain reorganised below block ${oldest}, the oldest block the indexer keeps (checkpoint ${cp.number})`,
        {
          details:
            "blocks at or below the safe block are not journaled. Raise CONFIRMATIONS (or use a node with a finalized tag) and re-index into a fresh database, or restore a backup from before the fork",
        },
      );
    }
    this.prefetched = undefined;
    this.tip = undefined;
    this.fetcher.forget();
    this.cp = await this.store!.rollback(ancestor);
    this.stats.checkpoint = this.cp;
    this.stats.reorgs++;
    this.metrics?.reorgs.inc();
    this.metrics?.reorgDepth.observe(Number(cp.number - this.cp.number));
    this.log("warn", `reorg: rolled back to block ${this.cp.number} (common ancestor ${ancestor})`);
  }
}

export { IndexerError };
