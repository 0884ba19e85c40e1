import {
  type Abi,
  type Address,
  type ContractEventName,
  type Log,
  parseEventLogs,
  type ParseEventLogsReturnType,
} from "viem";
import { jobMarketAbi } from "../abi/index.ts";
import { CLOSE_REASONS, type CloseReasonName, JOB_STATUSES, type JobStatusName } from "../types.ts";

/** Decoded events of one contract (by address) and name from a receipt's logs. */
export function eventsOf<const abi extends Abi, name extends ContractEventName<abi>>(
  logs: readonly Log[],
  abi: abi,
  address: Address,
  eventName: name,
): ParseEventLogsReturnType<abi, name, true> {
  return parseEventLogs({ abi, eventName, logs: logs as Log[], strict: true }).filter(
    (l) => l.address.toLowerCase() === address.toLowerCase(),
  ) as ParseEventLogsReturnType<abi, name, true>;
}

/** `JobClosed`, with enum names. */
export type JobClosedInfo = {
  jobId: bigint;
  status: JobStatusName;
  reason: CloseReasonName;
  /** Payment token credited back to the payer. */
  refunded: bigint;
  collateralReleased: bigint;
  /** JOULE slashed from the provider. */
  slashed: bigint;
  /** Part of the slash credited to the payer. */
  compensation: bigint;
};

export function jobClosedOf(logs: readonly Log[], market: Address, jobId?: bigint): JobClosedInfo | undefined {
  const e = eventsOf(logs, jobMarketAbi, market, "JobClosed").find(
    (l) => jobId === undefined || l.args.jobId === jobId,
  );
  if (!e) return undefined;
  const a = e.args;
  return {
    jobId: a.jobId,
    status: JOB_STATUSES[a.status] ?? "None",
    reason: CLOSE_REASONS[a.reason] ?? "Completed",
    refunded: a.refunded,
    collateralReleased: a.collateralReleased,
    slashed: a.slashed,
    compensation: a.compensation,
  };
}

/** `JobAssigned`. */
export type JobAssignedInfo = {
  jobId: bigint;
  provider: Address;
  pricePerUnit: bigint;
  /** price × maxUnits kept in escrow. */
  escrow: bigint;
  /** Excess escrow credited back to the payer. */
  refunded: bigint;
  deliveryDeadline: number;
  signedBid: boolean;
};

export function jobAssignedOf(logs: readonly Log[], market: Address): JobAssignedInfo | undefined {
  const e = eventsOf(logs, jobMarketAbi, market, "JobAssigned")[0];
  return e ? { ...e.args } : undefined;
}

/** `MilestoneSettled`. */
export type MilestoneSettledInfo = {
  jobId: bigint;
  milestone: number;
  provider: Address;
  units: bigint;
  energyWh: bigint;
  /** price × units taken from escrow; `fee` of it went to the treasury, the rest to the provider. */
  payment: bigint;
  fee: bigint;
  escrowRemaining: bigint;
  deliveryDeadline: number;
  /** Epoch the units were recorded in for rewards. */
  rewardEpoch: number;
};

export function milestonesSettledOf(logs: readonly Log[], market: Address): MilestoneSettledInfo[] {
  return eventsOf(logs, jobMarketAbi, market, "MilestoneSettled").map((e) => {
    const { resultRoot: _root, ...rest } = e.args;
    return rest;
  });
}

export function jobsClosedOf(logs: readonly Log[], market: Address): JobClosedInfo[] {
  return eventsOf(logs, jobMarketAbi, market, "JobClosed").map((e) => jobClosedOf([e as unknown as Log], market)!);
}
