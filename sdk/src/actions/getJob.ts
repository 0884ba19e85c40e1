import { type Address, type Hex, zeroAddress, zeroHash } from "viem";
import { readContract } from "viem/actions";
import { jobMarketAbi } from "../abi/index.ts";
import type { JouleClient } from "../client.ts";
import { NotFoundError } from "../errors/errors.ts";
import { type Assignment, JOB_STATUSES, type JobParams, type JobStatusName } from "../types.ts";
import { NO_ASSIGNMENT } from "../utils/params.ts";
import { read } from "../utils/tx.ts";
import { type IntegerInput, toUint } from "../utils/validate.ts";
import { getAssignment } from "./getAssignment.ts";
import { getJobParams } from "./getJobParams.ts";

export type GetJobParameters = {
  jobId: IntegerInput;
  /** Also return the job's params (from its `JobCreated` log) and the escrow it holds. Default false. */
  includeParams?: boolean | undefined;
};

export type GetJobReturnType = {
  jobId: bigint;
  status: JobStatusName;
  /** What the market keeps of the job's terms: hash of the params, then of params + assignment. */
  commitment: Hex;
  /** While Open: the best on-chain bidder (undefined if none); once assigned: the provider. */
  provider: Address | undefined;
  /** Best bid while Open; the agreed price once assigned. */
  pricePerUnit: bigint;
  /** Set once the job was assigned (from its `JobAssigned` log): pass it to calls on the job. */
  assignment: Assignment | undefined;
  progress: {
    settledMilestones: number;
    /** Unix time; 0 before assignment. */
    deliveryDeadline: number;
    /** Unix time; non-zero iff a proof waits for verification. */
    verifyDeadline: number;
    unitsSettled: bigint;
    pendingUnits: bigint;
    pendingEnergyWh: bigint;
  };
  /** With `includeParams`. */
  params?: JobParams | undefined;
  /** With `includeParams`: payment tokens still in escrow. */
  escrow?: bigint | undefined;
};

/**
 * Reads a job's live state: status, best bid or assigned provider, and progress.
 *
 * @example
 * const job = await getJob(joule, { jobId: 12n });
 * if (job.status === "Assigned") console.log(`${job.progress.settledMilestones} milestones settled`);
 */
export async function getJob(joule: JouleClient, parameters: GetJobParameters): Promise<GetJobReturnType> {
  const jobId = toUint("jobId", parameters.jobId);
  const market = joule.deployment.addresses.jobMarket;
  const [commitment, statusIndex, [bidder, bid], progress] = await read(() =>
    Promise.all([
      readContract(joule.client, { address: market, abi: jobMarketAbi, functionName: "commitment", args: [jobId] }),
      readContract(joule.client, { address: market, abi: jobMarketAbi, functionName: "jobStatus", args: [jobId] }),
      readContract(joule.client, { address: market, abi: jobMarketAbi, functionName: "bestBid", args: [jobId] }),
      readContract(joule.client, { address: market, abi: jobMarketAbi, functionName: "jobProgress", args: [jobId] }),
    ]),
  );
  if (commitment === zeroHash) throw new NotFoundError(`Job ${jobId} not found on market ${market}`);
  const status = JOB_STATUSES[statusIndex] ?? "None";
  // Assigned, or closed after assignment (the delivery clock only starts at assignment).
  const wasAssigned = status === "Assigned" || status === "Completed" || status === "Failed" || progress[1] !== 0;
  const assignment = wasAssigned ? (await getAssignment(joule, { jobId })).assignment : undefined;
  const job: GetJobReturnType = {
    jobId,
    status,
    commitment,
    provider: assignment?.provider ?? (bidder === zeroAddress ? undefined : bidder),
    pricePerUnit: assignment?.pricePerUnit ?? bid,
    assignment,
    progress: {
      settledMilestones: progress[0],
      deliveryDeadline: progress[1],
      verifyDeadline: progress[2],
      unitsSettled: progress[3],
      pendingUnits: progress[4],
      pendingEnergyWh: progress[5],
    },
  };
  if (parameters.includeParams) {
    const { params } = await getJobParams(joule, { jobId });
    job.params = params;
    job.escrow = await read(() =>
      readContract(joule.client, {
        address: market,
        abi: jobMarketAbi,
        functionName: "heldInEscrow",
        args: [jobId, params, assignment ?? NO_ASSIGNMENT],
      }),
    );
  }
  return job;
}
