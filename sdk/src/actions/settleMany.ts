import type { Hex } from "viem";
import { jobMarketAbi } from "../abi/index.ts";
import type { JouleClient } from "../client.ts";
import { InvalidInputError } from "../errors/errors.ts";
import type { Assignment, JobParams, WorkAttestation } from "../types.ts";
import { type JobClosedInfo, jobsClosedOf, type MilestoneSettledInfo, milestonesSettledOf } from "../utils/events.ts";
import { resolveAssignment, resolveJobParams } from "../utils/params.ts";
import type { VerifierSignature } from "../utils/signatures.ts";
import { sendContractTx, type WriteResult } from "../utils/tx.ts";
import { normalizeSettlement } from "./settle.ts";

export type SettleManyParameters = {
  settlements: readonly {
    attestation: WorkAttestation;
    signatures: Hex | readonly VerifierSignature[];
    params?: JobParams | undefined;
    assignment?: Assignment | undefined;
  }[];
};

export type SettleManyReturnType = WriteResult & {
  settled: MilestoneSettledInfo[];
  closed: JobClosedInfo[];
};

/**
 * Settles several pending milestones (of any jobs) in one transaction; all or nothing.
 *
 * @example
 * await settleMany(keeper, {
 *   settlements: [
 *     { attestation: a1, signatures: [s1a, s1b] },
 *     { attestation: a2, signatures: proof2 },
 *   ],
 * });
 */
export async function settleMany(joule: JouleClient, parameters: SettleManyParameters): Promise<SettleManyReturnType> {
  if (!parameters.settlements?.length) throw new InvalidInputError("settlements", "the batch is empty");
  const settlements = [];
  for (const [i, s] of parameters.settlements.entries()) {
    const { attestation, proof } = normalizeSettlement(s.attestation, s.signatures, `settlements[${i}].`);
    const params = await resolveJobParams(joule, attestation.jobId, s.params);
    const assignment = await resolveAssignment(joule, attestation.jobId, s.assignment);
    settlements.push({ jobId: attestation.jobId, params, assignment, attestation, signatures: proof });
  }
  const market = joule.deployment.addresses.jobMarket;
  const result = await sendContractTx(joule, "settleMany", {
    address: market,
    abi: jobMarketAbi,
    functionName: "settleMany",
    args: [settlements],
  });
  return {
    ...result,
    settled: milestonesSettledOf(result.receipt.logs, market),
    closed: jobsClosedOf(result.receipt.logs, market),
  };
}
