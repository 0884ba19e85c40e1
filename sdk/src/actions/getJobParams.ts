import { getContractEvents } from "viem/actions";
import { jobMarketAbi } from "../abi/index.ts";
import type { JouleClient } from "../client.ts";
import { NotFoundError } from "../errors/errors.ts";
import type { JobCreatedInfo } from "../types.ts";
import { getLogsInRange } from "../utils/logs.ts";
import { type IntegerInput, toUint } from "../utils/validate.ts";

export type GetJobParamsParameters = {
  jobId: IntegerInput;
  /** Where to start scanning for the `JobCreated` log; default: the deployment's start block. */
  fromBlock?: bigint | undefined;
};

export type GetJobParamsReturnType = JobCreatedInfo;

/**
 * Rebuilds a job's immutable `JobParams` from its `JobCreated` log (the market stores only their hash).
 * Results are cached on the client: params never change.
 *
 * @example
 * const { params, funded } = await getJobParams(joule, { jobId: 12n });
 * console.log(params.request.maxUnits, params.payer);
 */
export async function getJobParams(
  joule: JouleClient,
  parameters: GetJobParamsParameters,
): Promise<GetJobParamsReturnType> {
  const jobId = toUint("jobId", parameters.jobId);
  const cached = joule.paramsCache.get(jobId);
  if (cached) return cached;
  const logs = await getLogsInRange(
    joule,
    (fromBlock, toBlock) =>
      getContractEvents(joule.client, {
        address: joule.deployment.addresses.jobMarket,
        abi: jobMarketAbi,
        eventName: "JobCreated",
        args: { jobId },
        fromBlock,
        toBlock,
        strict: true,
      }),
    { fromBlock: parameters.fromBlock },
  );
  const log = logs[0];
  if (!log)
    throw new NotFoundError(
      `Job ${jobId} not found (no JobCreated log on market ${joule.deployment.addresses.jobMarket})`,
    );
  const info: JobCreatedInfo = {
    jobId,
    params: log.args.params,
    funded: log.args.funded,
    blockNumber: log.blockNumber,
    transactionHash: log.transactionHash,
  };
  joule.paramsCache.set(jobId, info);
  return info;
}
