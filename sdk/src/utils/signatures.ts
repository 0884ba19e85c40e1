import { type Address, concatHex, getAddress, type Hex, isHex } from "viem";
import { InvalidInputError } from "../errors/errors.ts";
import type { WorkAttestation } from "../types.ts";

/** One verifier's signature; `attestation` is optional and, when present, must match the others'. */
export type VerifierSignature = { signer: Address; signature: Hex; attestation?: WorkAttestation | undefined };

/**
 * Combines several verifiers' attestation signatures into the `proof` the QuorumVerifier expects: 65-byte
 * signatures concatenated in strictly increasing signer-address order (which is how the contract rules out
 * counting one signer twice). Rejects duplicates, malformed signatures and signatures over different attestations.
 *
 * @example
 * const proof = combineAttestationSignatures([sigFromVerifierB, sigFromVerifierA]);
 * await settle(joule, { attestation, signatures: proof });
 */
export function combineAttestationSignatures(signatures: readonly VerifierSignature[]): Hex {
  if (!signatures.length) throw new InvalidInputError("signatures", "no signature given");
  const first = signatures[0]?.attestation;
  const seen = new Set<string>();
  const items = signatures.map((s, i) => {
    if (!s || typeof s.signer !== "string") throw new InvalidInputError(`signatures[${i}].signer`, "missing");
    const signer = getAddress(s.signer);
    if (seen.has(signer)) throw new InvalidInputError(`signatures[${i}].signer`, `${signer} signed twice`);
    seen.add(signer);
    if (!isHex(s.signature, { strict: true }) || s.signature.length !== 132) {
      throw new InvalidInputError(`signatures[${i}].signature`, "must be a 65-byte (r, s, v) signature");
    }
    if (first && s.attestation && !sameAttestation(first, s.attestation)) {
      throw new InvalidInputError(`signatures[${i}].attestation`, "differs from the first signature's attestation");
    }
    return { signer, signature: s.signature };
  });
  items.sort((a, b) => (BigInt(a.signer) < BigInt(b.signer) ? -1 : 1));
  return concatHex(items.map((i) => i.signature));
}

export function sameAttestation(a: WorkAttestation, b: WorkAttestation): boolean {
  return (
    BigInt(a.jobId) === BigInt(b.jobId) &&
    Number(a.milestone) === Number(b.milestone) &&
    a.resultRoot.toLowerCase() === b.resultRoot.toLowerCase() &&
    BigInt(a.units) === BigInt(b.units) &&
    BigInt(a.energyWh) === BigInt(b.energyWh) &&
    a.accepted === b.accepted
  );
}
