import { jobMarketAbi } from "../abi/index.ts";
import type { JouleClient } from "../client.ts";
import { readContract } from "viem/actions";
import { type Assignment, JOB_STATUSES, type JobParams } from "../types.ts";
import { type JobClosedInfo, jobClosedOf } from "../utils/events.ts";
import { NO_ASSIGNMENT, resolveAssignment, resolveJobParams } from "../utils/params.ts";
import { read, sendContractTx, type WriteResult } from "../utils/tx.ts";
import { type IntegerInput, toUint } from "../utils/validate.ts";

export type ExpireParameters = {
  jobId: IntegerInput;
  /** The job's params; fetched from its `JobCreated` log when omitted. */
  params?: JobParams | undefined;
  /** The assignment of an assigned job; fetched from its `JobAssigned` log when omitted (unused while open). */
  assignment?: Assignment | undefined;
};

export type ExpireReturnType = WriteResult & { closed: JobClosedInfo };

/**
 * Moves a job past a missed deadline (permissionless): no bids by the bidding end (Expired, refund),
 * delivery missed (Failed, provider slashed), or verification window passed (Expired, collateral released).
 *
 * @example
 * const { closed } = await expire(joule, { jobId: 12n });
 * console.log(closed.status, closed.reason, closed.refunded, closed.slashed);
 */
export async function expire(joule: JouleClient, parameters: ExpireParameters): Promise<ExpireReturnType> {
  const jobId = toUint("jobId", parameters.jobId);
  const params = await resolveJobParams(joule, jobId, parameters.params);
  const market = joule.deployment.addresses.jobMarket;
  const status = await read(() =>
    readContract(joule.client, { address: market, abi: jobMarketAbi, functionName: "jobStatus", args: [jobId] }),
  );
  const assignment =
    JOB_STATUSES[status] === "Assigned" ? await resolveAssignment(joule, jobId, parameters.assignment) : NO_ASSIGNMENT;
  const result = await sendContractTx(joule, "expire", {
    address: market,
    abi: jobMarketAbi,
    functionName: "expire",
    args: [jobId, params, assignment],
  });
  return { ...result, closed: jobClosedOf(result.receipt.logs, joule.deployment.addresses.jobMarket, jobId)! };
}
