import { getContractEvents } from "viem/actions";
import { jobMarketAbi } from "../abi/index.ts";
import type { AssignmentInfo, JouleClient } from "../client.ts";
import { NotFoundError } from "../errors/errors.ts";
import { getLogsInRange } from "../utils/logs.ts";
import { type IntegerInput, toUint } from "../utils/validate.ts";

export type GetAssignmentParameters = {
  jobId: IntegerInput;
  /** Where to start scanning for the `JobAssigned` log; default: the deployment's start block. */
  fromBlock?: bigint | undefined;
};

export type GetAssignmentReturnType = AssignmentInfo;

/**
 * Rebuilds a job's `Assignment` (winner and price) from its `JobAssigned` log: the market keeps only a hash
 * of it, and calls on an assigned job (proofs, settlement, expiry) must pass it. Cached on the client.
 * Throws `NotFoundError` for a job that was never assigned.
 *
 * @example
 * const { assignment, deliveryDeadline } = await getAssignment(joule, { jobId: 12n });
 * console.log(assignment.provider, assignment.pricePerUnit);
 */
export async function getAssignment(
  joule: JouleClient,
  parameters: GetAssignmentParameters,
): Promise<GetAssignmentReturnType> {
  const jobId = toUint("jobId", parameters.jobId);
  const cached = joule.assignmentCache.get(jobId);
  if (cached) return cached;
  const logs = await getLogsInRange(
    joule,
    (fromBlock, toBlock) =>
      getContractEvents(joule.client, {
        address: joule.deployment.addresses.jobMarket,
        abi: jobMarketAbi,
        eventName: "JobAssigned",
        args: { jobId },
        fromBlock,
        toBlock,
        strict: true,
      }),
    { fromBlock: parameters.fromBlock },
  );
  const log = logs[0];
  if (!log) throw new NotFoundError(`Job ${jobId} has not been assigned (no JobAssigned log)`);
  const a = log.args;
  const info: AssignmentInfo = {
    jobId,
    assignment: { provider: a.provider, pricePerUnit: a.pricePerUnit },
    escrow: a.escrow,
    refunded: a.refunded,
    deliveryDeadline: a.deliveryDeadline,
    signedBid: a.signedBid,
    blockNumber: log.blockNumber,
    transactionHash: log.transactionHash,
  };
  joule.assignmentCache.set(jobId, info);
  return info;
}
