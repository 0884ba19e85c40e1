import type { Address, Hex } from "viem";
import { getBlockNumber, getContractEvents } from "viem/actions";
import { jobMarketAbi } from "../abi/index.ts";
import type { JouleClient } from "../client.ts";
import type { JouleError } from "../errors/base.ts";
import { toJouleError } from "../errors/decode.ts";
import { getLogsInRange } from "../utils/logs.ts";
import { type IntegerInput, toUint } from "../utils/validate.ts";

/** Market events that concern one job. */
export const JOB_EVENT_NAMES = [
  "JobCreated",
  "BidPlaced",
  "JobAssigned",
  "ProofSubmitted",
  "MilestoneSettled",
  "JobClosed",
] as const;
export type JobEventName = (typeof JOB_EVENT_NAMES)[number];

export type JobEvent = {
  eventName: JobEventName;
  /** The decoded event arguments (bigints for uint64+; enums as numbers). */
  args: Record<string, unknown> & { jobId: bigint };
  address: Address;
  blockNumber: bigint;
  transactionHash: Hex;
  logIndex: number;
};

export type WatchJobParameters = {
  jobId: IntegerInput;
  /** Called once per event of the job, in chain order. */
  onEvent: (event: JobEvent) => void;
  onError?: ((error: JouleError) => void) | undefined;
  /** Replay from this block; default: only events in blocks after the watch starts. */
  fromBlock?: bigint | undefined;
  /** Milliseconds between polls. Default: the client's polling interval (4 s for viem's defaults). */
  pollingInterval?: number | undefined;
};

/** Stops watching (synchronously: no callback runs afterwards). */
export type WatchJobReturnType = () => void;

/**
 * Watches one job's market events (bids, assignment, proofs, settlements, closing) and calls `onEvent` for each,
 * in chain order. Polls `eth_getLogs` over the new blocks (works on every provider, needs no filter support),
 * replaying from `fromBlock` if given; transient RPC errors go to `onError` and polling goes on.
 *
 * Why not viem's `watchContractEvent`: when its filter cannot be uninstalled (node gone), its polling never
 * stops after unwatch; this loop stops for sure.
 *
 * @example
 * const unwatch = watchJob(joule, {
 *   jobId: 12n,
 *   onEvent: (e) => console.log(e.eventName, e.args),
 * });
 * // later
 * unwatch();
 */
export function watchJob(joule: JouleClient, parameters: WatchJobParameters): WatchJobReturnType {
  const jobId = toUint("jobId", parameters.jobId);
  const names = new Set<string>(JOB_EVENT_NAMES);
  const interval = parameters.pollingInterval ?? joule.client.pollingInterval ?? 4_000;
  const market = joule.deployment.addresses.jobMarket;
  let next = parameters.fromBlock;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const report = (err: unknown) => {
    if (!stopped) parameters.onError?.(toJouleError(err));
  };

  const tick = async () => {
    try {
      const head = await getBlockNumber(joule.client, { cacheTime: 0 });
      next ??= head + 1n;
      if (head >= next) {
        const from = next;
        const logs = await getLogsInRange(
          joule,
          (fromBlock, toBlock) =>
            getContractEvents(joule.client, { address: market, abi: jobMarketAbi, fromBlock, toBlock, strict: true }),
          { fromBlock: from, toBlock: head },
        );
        next = head + 1n;
        for (const log of logs) {
          if (stopped) return;
          const args = log.args as Record<string, unknown>;
          if (!names.has(log.eventName) || args.jobId !== jobId) continue;
          try {
            parameters.onEvent({
              eventName: log.eventName as JobEventName,
              args: args as JobEvent["args"],
              address: log.address,
              blockNumber: log.blockNumber,
              transactionHash: log.transactionHash,
              logIndex: log.logIndex,
            });
          } catch (err) {
            report(err);
          }
        }
      }
    } catch (err) {
      report(err);
    }
    if (!stopped) timer = setTimeout(tick, interval);
  };
  void tick();

  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
