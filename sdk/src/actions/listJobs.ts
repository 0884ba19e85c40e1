import type { Address } from "viem";
import { getContractEvents, readContract } from "viem/actions";
import { jobMarketAbi } from "../abi/index.ts";
import type { JouleClient } from "../client.ts";
import { InvalidInputError } from "../errors/errors.ts";
import { JOB_STATUSES, type JobParams, type JobStatusName } from "../types.ts";
import { getLogsInRange } from "../utils/logs.ts";
import { read } from "../utils/tx.ts";
import { toAddress } from "../utils/validate.ts";

export type ListJobsParameters = {
  /** Only jobs of this tenant. */
  tenant?: Address | undefined;
  /** Only jobs in these states. */
  status?: readonly JobStatusName[] | undefined;
  /** The newest `limit` matching jobs. Default 50. */
  limit?: number | undefined;
  fromBlock?: bigint | undefined;
};

export type ListJobsReturnType = {
  jobId: bigint;
  tenant: Address;
  payer: Address;
  status: JobStatusName;
  funded: bigint;
  params: JobParams;
  blockNumber: bigint;
}[];

/**
 * Lists jobs straight from the chain (`JobCreated` logs plus each job's status), newest first. For rich
 * queries (filters, pagination, history), use the indexer's GraphQL API via `createIndexerClient`.
 *
 * @example
 * const open = await listJobs(joule, { status: ["Open"], limit: 20 });
 */
export async function listJobs(joule: JouleClient, parameters: ListJobsParameters = {}): Promise<ListJobsReturnType> {
  const market = joule.deployment.addresses.jobMarket;
  const tenant = parameters.tenant === undefined ? undefined : toAddress("tenant", parameters.tenant);
  const limit = parameters.limit ?? 50;
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new InvalidInputError("limit", `must be a positive integer (got ${limit})`);
  for (const s of parameters.status ?? []) {
    if (!JOB_STATUSES.includes(s))
      throw new InvalidInputError("status", `unknown status ${s} (one of ${JOB_STATUSES.join(", ")})`);
  }
  const logs = await getLogsInRange(
    joule,
    (fromBlock, toBlock) =>
      getContractEvents(joule.client, {
        address: market,
        abi: jobMarketAbi,
        eventName: "JobCreated",
        ...(tenant ? { args: { tenant } } : {}),
        fromBlock,
        toBlock,
        strict: true,
      }),
    { fromBlock: parameters.fromBlock },
  );
  const out: ListJobsReturnType = [];
  // Newest first; statuses are read in small batches until `limit` jobs match.
  const newest = [...logs].reverse();
  for (let i = 0; i < newest.length && out.length < limit; i += 20) {
    const batch = newest.slice(i, i + 20);
    const statuses = await read(() =>
      Promise.all(
        batch.map((l) =>
          readContract(joule.client, {
            address: market,
            abi: jobMarketAbi,
            functionName: "jobStatus",
            args: [l.args.jobId],
          }),
        ),
      ),
    );
    batch.forEach((l, j) => {
      const status = JOB_STATUSES[statuses[j]!] ?? "None";
      joule.paramsCache.set(l.args.jobId, {
        jobId: l.args.jobId,
        params: l.args.params,
        funded: l.args.funded,
        blockNumber: l.blockNumber,
        transactionHash: l.transactionHash,
      });
      if (parameters.status && !parameters.status.includes(status)) return;
      if (out.length >= limit) return;
      out.push({
        jobId: l.args.jobId,
        tenant: l.args.tenant,
        payer: l.args.payer,
        status,
        funded: l.args.funded,
        params: l.args.params,
        blockNumber: l.blockNumber,
      });
    });
  }
  return out;
}
