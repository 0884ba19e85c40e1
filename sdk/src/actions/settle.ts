import type { Hex } from "viem";
import { jobMarketAbi } from "../abi/index.ts";
import type { JouleClient } from "../client.ts";
import { InvalidInputError } from "../errors/errors.ts";
import type { Assignment, JobParams, WorkAttestation } from "../types.ts";
import { type JobClosedInfo, jobClosedOf, type MilestoneSettledInfo, milestonesSettledOf } from "../utils/events.ts";
import { resolveAssignment, resolveJobParams } from "../utils/params.ts";
import { combineAttestationSignatures, sameAttestation, type VerifierSignature } from "../utils/signatures.ts";
import { sendContractTx, type WriteResult } from "../utils/tx.ts";
import { toBytes32, toSmallUint, toUint } from "../utils/validate.ts";

export type SettleParameters = {
  /** What the verifiers signed. */
  attestation: WorkAttestation;
  /** The combined quorum proof, or the individual signatures (combined here, sorted by signer). */
  signatures: Hex | readonly VerifierSignature[];
  /** The job's params; fetched from its `JobCreated` log when omitted. */
  params?: JobParams | undefined;
  /** The job's assignment; fetched from its `JobAssigned` log when omitted. */
  assignment?: Assignment | undefined;
};

export type SettleReturnType = WriteResult & {
  /** Set when the quorum accepted the milestone. */
  settled: MilestoneSettledInfo | undefined;
  /** Set when the job closed: completed (last milestone) or failed (proof rejected, provider slashed). */
  closed: JobClosedInfo | undefined;
};

/**
 * Settles a job's pending milestone with the verifiers' signatures. Accepted: the provider is paid
 * price × units (less the fee). Rejected: the provider's collateral is slashed and the rest refunded.
 * Anyone may call it.
 *
 * @example
 * const { settled, closed } = await settle(joule, { attestation, signatures: [sigA, sigB] });
 */
export async function settle(joule: JouleClient, parameters: SettleParameters): Promise<SettleReturnType> {
  const { attestation, proof } = normalizeSettlement(parameters.attestation, parameters.signatures, "");
  const params = await resolveJobParams(joule, attestation.jobId, parameters.params);
  const assignment = await resolveAssignment(joule, attestation.jobId, parameters.assignment);
  const market = joule.deployment.addresses.jobMarket;
  const result = await sendContractTx(joule, "settle", {
    address: market,
    abi: jobMarketAbi,
    functionName: "settle",
    args: [attestation.jobId, params, assignment, attestation, proof],
  });
  return {
    ...result,
    settled: milestonesSettledOf(result.receipt.logs, market)[0],
    closed: jobClosedOf(result.receipt.logs, market, attestation.jobId),
  };
}

/** Alias of `settle` under the name used in the design notes. */
export const settleMilestone = settle;

/** Validates an attestation and turns its signatures into one quorum proof. */
export function normalizeSettlement(
  a: WorkAttestation,
  signatures: Hex | readonly VerifierSignature[],
  prefix: string,
): { attestation: WorkAttestation; proof: Hex } {
  if (!a || typeof a !== "object") throw new InvalidInputError(`${prefix}attestation`, "missing");
  if (typeof a.accepted !== "boolean")
    throw new InvalidInputError(`${prefix}attestation.accepted`, "must be true or false");
  const attestation: WorkAttestation = {
    jobId: toUint(`${prefix}attestation.jobId`, a.jobId),
    milestone: toSmallUint(`${prefix}attestation.milestone`, a.milestone, { max: 63 }),
    resultRoot: toBytes32(`${prefix}attestation.resultRoot`, a.resultRoot),
    units: toUint(`${prefix}attestation.units`, a.units),
    energyWh: toUint(`${prefix}attestation.energyWh`, a.energyWh, { min: 0n }),
    accepted: a.accepted,
  };
  let proof: Hex;
  if (typeof signatures === "string") {
    if (!/^0x([0-9a-fA-F]{130})+$/.test(signatures)) {
      throw new InvalidInputError(`${prefix}signatures`, "must be one or more 65-byte signatures concatenated");
    }
    proof = signatures as Hex;
  } else {
    const mismatch = signatures.findIndex((s) => s.attestation && !sameAttestation(s.attestation, attestation));
    if (mismatch >= 0) {
      throw new InvalidInputError(
        `${prefix}signatures[${mismatch}].attestation`,
        "was signed over a different attestation",
      );
    }
    proof = combineAttestationSignatures(signatures.map(({ signer, signature }) => ({ signer, signature })));
  }
  return { attestation, proof };
}
