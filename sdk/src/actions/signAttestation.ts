import type { Hex } from "viem";
import { signTypedData } from "viem/actions";
import { type JouleClient, progress, requireWallet } from "../client.ts";
import { toJouleError } from "../errors/decode.ts";
import { InvalidInputError } from "../errors/errors.ts";
import { type AttestationSignature, LIMITS, type WorkAttestation } from "../types.ts";
import { attestationTypes, marketDomain } from "../utils/typedData.ts";
import { type IntegerInput, toBytes32, toSmallUint, toUint } from "../utils/validate.ts";
import { getPendingProof } from "./getPendingProof.ts";

export type SignAttestationParameters = {
  jobId: IntegerInput;
  /** The verifier's judgement of the proof. */
  accepted: boolean;
  /** Fields of the proof being judged; any left out are read from the job's pending proof on chain. */
  milestone?: number | undefined;
  resultRoot?: Hex | undefined;
  units?: IntegerInput | undefined;
  energyWh?: IntegerInput | undefined;
};

export type SignAttestationReturnType = AttestationSignature;

/**
 * Signs a verifier's `WorkAttestation` (EIP-712, market domain). Collect a quorum of these and combine them
 * with `combineAttestationSignatures` (or pass them to `settle`).
 *
 * @example
 * const sig = await signAttestation(verifierJoule, { jobId: 12n, accepted: true }); // judges the pending proof
 * // ...gather from other verifiers, then:
 * await settle(keeperJoule, { attestation: sig.attestation, signatures: [sig, sig2] });
 */
export async function signAttestation(
  joule: JouleClient,
  parameters: SignAttestationParameters,
): Promise<SignAttestationReturnType> {
  const wallet = requireWallet(joule);
  const jobId = toUint("jobId", parameters.jobId);
  if (typeof parameters.accepted !== "boolean") throw new InvalidInputError("accepted", "must be true or false");
  let { milestone, resultRoot, units, energyWh } = parameters;
  if (milestone === undefined || resultRoot === undefined || units === undefined || energyWh === undefined) {
    const pending = await getPendingProof(joule, { jobId });
    if (!pending) {
      throw new InvalidInputError(
        "jobId",
        `job ${jobId} has no proof waiting for verification; give milestone, resultRoot, units and energyWh`,
      );
    }
    if (milestone !== undefined && milestone !== pending.milestone) {
      throw new InvalidInputError(
        "milestone",
        `the pending proof of job ${jobId} is milestone ${pending.milestone}, not ${milestone}`,
      );
    }
    milestone = pending.milestone;
    resultRoot ??= pending.resultRoot;
    units ??= pending.units;
    energyWh ??= pending.energyWh;
  }
  const attestation: WorkAttestation = {
    jobId,
    milestone: toSmallUint("milestone", milestone, { max: LIMITS.maxMilestones - 1 }),
    resultRoot: toBytes32("resultRoot", resultRoot),
    units: toUint("units", units, { max: LIMITS.maxUint64 }),
    energyWh: toUint("energyWh", energyWh, { min: 0n, max: LIMITS.maxUint64 }),
    accepted: parameters.accepted,
  };
  progress(joule, {
    action: "signAttestation",
    stage: "sign",
    message: `signAttestation: signing job ${jobId} milestone ${attestation.milestone}`,
  });
  let signature: Hex;
  try {
    signature = await signTypedData(wallet, {
      account: wallet.account,
      domain: marketDomain(joule.deployment),
      types: attestationTypes,
      primaryType: "WorkAttestation",
      message: attestation,
    });
  } catch (err) {
    throw toJouleError(err);
  }
  return { attestation, signer: wallet.account.address, signature };
}
