import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Address, concatHex, keccak256, stringToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { InvalidInputError } from "../errors/errors.ts";
import { HARDHAT_KEYS } from "../testing/localNode.ts";
import type { Deployment, WorkAttestation } from "../types.ts";
import { combineAttestationSignatures } from "./signatures.ts";
import { attestationTypes, hashAttestation, marketDomain, recoverAttestationSigner } from "./typedData.ts";

const deployment: Pick<Deployment, "chainId" | "addresses"> = {
  chainId: 31337,
  addresses: {
    jouleToken: "0x0000000000000000000000000000000000000001",
    providerRegistry: "0x0000000000000000000000000000000000000002",
    rewardEmitter: "0x0000000000000000000000000000000000000003",
    jobMarket: "0x0000000000000000000000000000000000000004",
    quorumVerifier: "0x0000000000000000000000000000000000000005",
  },
};
const attestation: WorkAttestation = {
  jobId: 7n,
  milestone: 1,
  resultRoot: keccak256(stringToHex("root")),
  units: 100n,
  energyWh: 20n,
  accepted: true,
};

async function sign(key: `0x${string}`, a = attestation) {
  const account = privateKeyToAccount(key);
  const signature = await account.signTypedData({
    domain: marketDomain(deployment),
    types: attestationTypes,
    primaryType: "WorkAttestation",
    message: a,
  });
  return { signer: account.address, signature, attestation: a };
}

describe("combineAttestationSignatures", () => {
  it("concatenates signatures in ascending signer order, whatever the input order", async () => {
    const sigs = await Promise.all([5, 6, 7].map((i) => sign(HARDHAT_KEYS[i]!)));
    const sorted = [...sigs].sort((a, b) => (BigInt(a.signer) < BigInt(b.signer) ? -1 : 1));
    const expected = concatHex(sorted.map((s) => s.signature));
    assert.equal(combineAttestationSignatures(sigs), expected);
    assert.equal(combineAttestationSignatures([...sigs].reverse()), expected);
    // Each 65-byte chunk recovers to increasing addresses.
    const proof = combineAttestationSignatures(sigs);
    let last = 0n;
    for (let i = 0; i < 3; i++) {
      const chunk = `0x${proof.slice(2 + i * 130, 2 + (i + 1) * 130)}` as `0x${string}`;
      const signer: Address = await recoverAttestationSigner(deployment, attestation, chunk);
      assert.ok(BigInt(signer) > last);
      last = BigInt(signer);
    }
    assert.equal(hashAttestation(deployment, attestation).length, 66);
  });

  it("refuses duplicates, malformed signatures and mixed attestations", async () => {
    const a = await sign(HARDHAT_KEYS[5]);
    const b = await sign(HARDHAT_KEYS[6], { ...attestation, accepted: false });
    const field = (f: string) => (err: unknown) => err instanceof InvalidInputError && err.field === f;
    assert.throws(() => combineAttestationSignatures([]), field("signatures"));
    assert.throws(() => combineAttestationSignatures([a, a]), field("signatures[1].signer"));
    assert.throws(
      () => combineAttestationSignatures([{ ...a, signature: "0x1234" }]),
      field("signatures[0].signature"),
    );
    assert.throws(() => combineAttestationSignatures([a, b]), field("signatures[1].attestation"));
  });
});
