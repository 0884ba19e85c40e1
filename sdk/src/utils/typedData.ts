import { type Address, type Hex, hashTypedData, recoverTypedDataAddress } from "viem";
import type { Bid, Deployment, WorkAttestation } from "../types.ts";

/** EIP-712 type of a signed bid (`JobMarket.BID_TYPEHASH`). */
export const bidTypes = {
  Bid: [
    { name: "jobId", type: "uint256" },
    { name: "provider", type: "address" },
    { name: "pricePerUnit", type: "uint128" },
    { name: "expiry", type: "uint40" },
    { name: "nonce", type: "uint256" },
  ],
} as const;

/** EIP-712 type of a verifier attestation (`JobMarket.ATTESTATION_TYPEHASH`). */
export const attestationTypes = {
  WorkAttestation: [
    { name: "jobId", type: "uint256" },
    { name: "milestone", type: "uint8" },
    { name: "resultRoot", type: "bytes32" },
    { name: "units", type: "uint64" },
    { name: "energyWh", type: "uint64" },
    { name: "accepted", type: "bool" },
  ],
} as const;

/** The market's EIP-712 domain: signatures are bound to one chain and one market. */
export function marketDomain(deployment: Pick<Deployment, "chainId" | "addresses">) {
  return {
    name: "Joule JobMarket",
    version: "1",
    chainId: deployment.chainId,
    verifyingContract: deployment.addresses.jobMarket,
  } as const;
}

/** Digest the market checks for a bid (equals `JobMarket.hashBid(bid)`). */
export function hashBid(deployment: Pick<Deployment, "chainId" | "addresses">, bid: Bid): Hex {
  return hashTypedData({ domain: marketDomain(deployment), types: bidTypes, primaryType: "Bid", message: bid });
}

/** Digest verifiers sign (equals `JobMarket.hashAttestation(attestation)`). */
export function hashAttestation(
  deployment: Pick<Deployment, "chainId" | "addresses">,
  attestation: WorkAttestation,
): Hex {
  return hashTypedData({
    domain: marketDomain(deployment),
    types: attestationTypes,
    primaryType: "WorkAttestation",
    message: attestation,
  });
}

/** Address that signed a bid (ECDSA; smart-wallet bids are checked on-chain with ERC-1271 instead). */
export function recoverBidSigner(
  deployment: Pick<Deployment, "chainId" | "addresses">,
  bid: Bid,
  signature: Hex,
): Promise<Address> {
  return recoverTypedDataAddress({
    domain: marketDomain(deployment),
    types: bidTypes,
    primaryType: "Bid",
    message: bid,
    signature,
  });
}

/** Address that signed an attestation. */
export function recoverAttestationSigner(
  deployment: Pick<Deployment, "chainId" | "addresses">,
  attestation: WorkAttestation,
  signature: Hex,
): Promise<Address> {
  return recoverTypedDataAddress({
    domain: marketDomain(deployment),
    types: attestationTypes,
    primaryType: "WorkAttestation",
    message: attestation,
    signature,
  });
}
