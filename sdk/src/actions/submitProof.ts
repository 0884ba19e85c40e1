import type { Hex } from "viem";
import { readContract } from "viem/actions";
import { jobMarketAbi } from "../abi/index.ts";
import type { JouleClient } from "../client.ts";
import { InvalidInputError } from "../errors/errors.ts";
import { type Assignment, type JobParams, LIMITS } from "../types.ts";
import { eventsOf } from "../utils/events.ts";
import { resolveAssignment, resolveJobParams } from "../utils/params.ts";
import { read, sendContractTx, type WriteResult } from "../utils/tx.ts";
import { type IntegerInput, toBytes32, toSmallUint, toUint } from "../utils/validate.ts";

export type SubmitProofParameters = {
  jobId: IntegerInput;
  /** 0-indexed milestone; default: the next one due. */
  milestone?: number | undefined;
  /** Merkle root of the milestone's checkpoint/output hashes. */
  resultRoot: Hex;
  /** Work units (GPU-seconds) done in this milestone; the job's total may not exceed maxUnits. */
  units: IntegerInput;
  /** Energy used, watt-hours. */
  energyWh: IntegerInput;
  /** The job's params; fetched from its `JobCreated` log when omitted. */
  params?: JobParams | undefined;
  /** The job's assignment; fetched from its `JobAssigned` log when omitted. */
  assignment?: Assignment | undefined;
};

export type SubmitProofReturnType = WriteResult & {
  milestone: number;
  /** Verifiers must settle by then. */
  verifyDeadline: number;
};

/**
 * Submits the work proof of a milestone (assigned provider only, in order, before the delivery deadline).
 *
 * @example
 * const { verifyDeadline } = await submitProof(joule, {
 *   jobId: 12n, milestone: 0, resultRoot: merkleRoot, units: 1_800n, energyWh: 450n,
 * });
 */
export async function submitProof(
  joule: JouleClient,
  parameters: SubmitProofParameters,
): Promise<SubmitProofReturnType> {
  const jobId = toUint("jobId", parameters.jobId);
  const params = await resolveJobParams(joule, jobId, parameters.params);
  const assignment = await resolveAssignment(joule, jobId, parameters.assignment);
  const market = joule.deployment.addresses.jobMarket;
  const resultRoot = toBytes32("resultRoot", parameters.resultRoot);
  const units = toUint("units", parameters.units, { max: params.request.maxUnits });
  const energyWh = toUint("energyWh", parameters.energyWh, { min: 0n, max: LIMITS.maxEnergyWh });
  const [settled, , , unitsSettled] = await read(() =>
    readContract(joule.client, { address: market, abi: jobMarketAbi, functionName: "jobProgress", args: [jobId] }),
  );
  const milestone = toSmallUint("milestone", parameters.milestone ?? settled, { max: params.request.milestones - 1 });
  if (unitsSettled + units > params.request.maxUnits) {
    throw new InvalidInputError(
      "units",
      `${unitsSettled} units are already settled; ${units} more exceed job ${jobId}'s maximum of ${params.request.maxUnits}`,
    );
  }
  const result = await sendContractTx(joule, "submitProof", {
    address: market,
    abi: jobMarketAbi,
    functionName: "submitProof",
    args: [jobId, params, assignment, milestone, resultRoot, units, energyWh],
  });
  const event = eventsOf(result.receipt.logs, jobMarketAbi, market, "ProofSubmitted")[0];
  return { ...result, milestone, verifyDeadline: event?.args.verifyDeadline ?? 0 };
}
