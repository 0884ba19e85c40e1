import { jobMarketAbi } from "../abi/index.ts";
import type { JouleClient } from "../client.ts";
import type { JobParams } from "../types.ts";
import { type JobClosedInfo, jobClosedOf } from "../utils/events.ts";
import { resolveJobParams } from "../utils/params.ts";
import { sendContractTx, type WriteResult } from "../utils/tx.ts";
import { type IntegerInput, toUint } from "../utils/validate.ts";

export type CancelJobParameters = {
  jobId: IntegerInput;
  /** The job's params; fetched from its `JobCreated` log when omitted. */
  params?: JobParams | undefined;
};

export type CancelJobReturnType = WriteResult & { closed: JobClosedInfo };

/**
 * Cancels an open job (tenant only); the whole escrow is credited back to the payer and any on-chain
 * best bidder's collateral is released.
 *
 * @example
 * const { closed } = await cancelJob(joule, { jobId: 12n });
 * console.log(`refunded ${closed.refunded}`);
 */
export async function cancelJob(joule: JouleClient, parameters: CancelJobParameters): Promise<CancelJobReturnType> {
  const jobId = toUint("jobId", parameters.jobId);
  const params = await resolveJobParams(joule, jobId, parameters.params);
  const result = await sendContractTx(joule, "cancelJob", {
    address: joule.deployment.addresses.jobMarket,
    abi: jobMarketAbi,
    functionName: "cancelJob",
    args: [jobId, params],
  });
  return { ...result, closed: jobClosedOf(result.receipt.logs, joule.deployment.addresses.jobMarket, jobId)! };
}
