import { jobMarketAbi } from "../abi/index.ts";
import type { JouleClient } from "../client.ts";
import type { JobParams } from "../types.ts";
import { type JobAssignedInfo, jobAssignedOf } from "../utils/events.ts";
import { resolveJobParams } from "../utils/params.ts";
import { sendContractTx, type WriteResult } from "../utils/tx.ts";
import { type IntegerInput, toUint } from "../utils/validate.ts";

export type AwardParameters = {
  jobId: IntegerInput;
  /** The job's params; fetched from its `JobCreated` log when omitted. */
  params?: JobParams | undefined;
};

export type AwardReturnType = WriteResult & { assigned: JobAssignedInfo };

/**
 * Assigns a job to its best on-chain bid once bidding has ended. Permissionless (keepers call it).
 *
 * @example
 * const { assigned } = await award(joule, { jobId: 12n });
 * console.log(assigned.provider, assigned.pricePerUnit, assigned.deliveryDeadline);
 */
export async function award(joule: JouleClient, parameters: AwardParameters): Promise<AwardReturnType> {
  const jobId = toUint("jobId", parameters.jobId);
  const params = await resolveJobParams(joule, jobId, parameters.params);
  const result = await sendContractTx(joule, "award", {
    address: joule.deployment.addresses.jobMarket,
    abi: jobMarketAbi,
    functionName: "award",
    args: [jobId, params],
  });
  return { ...result, assigned: jobAssignedOf(result.receipt.logs, joule.deployment.addresses.jobMarket)! };
}
