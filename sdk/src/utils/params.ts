import { encodeAbiParameters, getAbiItem, type Hex, keccak256, zeroAddress } from "viem";
import { jobMarketAbi } from "../abi/index.ts";
import type { JouleClient } from "../client.ts";
import type { Assignment, JobParams } from "../types.ts";
import { getAssignment } from "../actions/getAssignment.ts";
import { getJobParams } from "../actions/getJobParams.ts";
import { toAddress, toUint } from "./validate.ts";

/** The `JobParams` tuple as an ABI parameter (taken from the `JobCreated` event). */
export const jobParamsAbiParameter = getAbiItem({ abi: jobMarketAbi, name: "JobCreated" }).inputs[3];

/** `keccak256(abi.encode(params))`: the market's commitment to an open job. */
export function hashJobParams(params: JobParams): Hex {
  return keccak256(encodeAbiParameters([jobParamsAbiParameter], [params]));
}

/** `keccak256(abi.encode(paramsHash, provider, pricePerUnit))`: the market's commitment once a job is assigned. */
export function jobCommitment(params: JobParams, assignment?: Assignment): Hex {
  const paramsHash = hashJobParams(params);
  if (!assignment) return paramsHash;
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "address" }, { type: "uint256" }],
      [paramsHash, assignment.provider, assignment.pricePerUnit],
    ),
  );
}

/** The assignment to pass while a job is open (the market ignores it). */
export const NO_ASSIGNMENT: Assignment = { provider: zeroAddress, pricePerUnit: 0n };

/** Uses the caller's params when given, else rebuilds them from the job's `JobCreated` log. */
export async function resolveJobParams(
  joule: JouleClient,
  jobId: bigint,
  params: JobParams | undefined,
): Promise<JobParams> {
  if (params) return params;
  return (await getJobParams(joule, { jobId })).params;
}

/** Uses the caller's assignment when given (validated), else rebuilds it from the job's `JobAssigned` log. */
export async function resolveAssignment(
  joule: JouleClient,
  jobId: bigint,
  assignment: Assignment | undefined,
): Promise<Assignment> {
  if (assignment) {
    return {
      provider: toAddress("assignment.provider", assignment.provider),
      pricePerUnit: toUint("assignment.pricePerUnit", assignment.pricePerUnit),
    };
  }
  return (await getAssignment(joule, { jobId })).assignment;
}
