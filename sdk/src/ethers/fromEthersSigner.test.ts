// The main flow driven by ethers v6 signers through `fromEthersSigner`: Wallets (local keys) and a
// JsonRpcSigner (node-held key). Every transaction goes through `signer.sendTransaction`, every signature
// through `signTypedData`/`signMessage`, and contract errors still decode.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { JsonRpcProvider, Wallet } from "ethers";
import { type Address, erc20Abi, keccak256, stringToHex, verifyMessage } from "viem";
import { jobMarketAbi } from "../abi/index.ts";
import { acceptBid } from "../actions/acceptBid.ts";
import { cancelJob } from "../actions/cancelJob.ts";
import { createJob } from "../actions/createJob.ts";
import { getJob } from "../actions/getJob.ts";
import { placeBid } from "../actions/placeBid.ts";
import { settle } from "../actions/settle.ts";
import { signAttestation } from "../actions/signAttestation.ts";
import { signBid } from "../actions/signBid.ts";
import { submitProof } from "../actions/submitProof.ts";
import { withdraw } from "../actions/withdraw.ts";
import { createJouleClient, type JouleClient } from "../client.ts";
import { ContractRevertError, InvalidInputError } from "../errors/errors.ts";
import { defaultJob, type Fixture, setUpProtocol } from "../testing/fixture.ts";
import { HARDHAT_KEYS } from "../testing/localNode.ts";
import { fromEthersSigner } from "./fromEthersSigner.ts";

let f: Fixture;
let provider: JsonRpcProvider;
let usd: Address;
const clients: Record<string, JouleClient> = {};

const marketBalance = (who: Address) =>
  f.publicClient.readContract({
    address: f.deployment.addresses.jobMarket,
    abi: jobMarketAbi,
    functionName: "balanceOf",
    args: [who, usd],
  });

before(async () => {
  f = await setUpProtocol();
  usd = f.deployment.addresses.paymentToken!;
  provider = new JsonRpcProvider(f.node.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const viaEthers = async (key: `0x${string}`) =>
    createJouleClient({ deployment: f.deployment, walletClient: await fromEthersSigner(new Wallet(key, provider)) });
  clients.tenant = await viaEthers(HARDHAT_KEYS[1]);
  clients.provider = await viaEthers(HARDHAT_KEYS[2]);
  clients.v0 = await viaEthers(keyOf(f.verifiers[0]!.address));
  clients.v1 = await viaEthers(keyOf(f.verifiers[1]!.address));
  // A JsonRpcSigner: the node holds the keeper's key.
  clients.keeper = createJouleClient({
    deployment: f.deployment,
    walletClient: await fromEthersSigner(await provider.getSigner(f.keeper.address)),
  });
});
after(async () => {
  provider?.destroy();
  await f?.stop();
});

function keyOf(address: Address): `0x${string}` {
  return HARDHAT_KEYS.find((k) => f.actor(k).address === address)!;
}

describe("fromEthersSigner", () => {
  it("exposes the signer's address and chain, and signs messages like ethers does", async () => {
    const wallet = new Wallet(HARDHAT_KEYS[1], provider);
    const client = await fromEthersSigner(wallet);
    assert.equal(client.account.address, f.tenant.address);
    assert.equal(client.chain?.id, 31337);
    const signature = await client.signMessage({ account: client.account, message: "hello joule" });
    assert.equal(signature, await wallet.signMessage("hello joule"));
    assert.equal(await verifyMessage({ address: f.tenant.address, message: "hello joule", signature }), true);
  });

  it("refuses a signer without a provider", async () => {
    await assert.rejects(
      fromEthersSigner(new Wallet(HARDHAT_KEYS[1])),
      (err: unknown) => err instanceof InvalidInputError && err.field === "signer",
    );
  });

  it("runs the main flow: create (approve and permit), signed bid, proof, attestations, settle, withdraw", async () => {
    const tenantBefore = await f.publicClient.readContract({
      address: usd,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [f.tenant.address],
    });
    const created = await createJob(clients.tenant!, await defaultJob(f));
    assert.ok(created.approvalHash);
    const viaPermit = await createJob(clients.tenant!, { ...(await defaultJob(f)), funding: "permit" });
    assert.equal(viaPermit.approvalHash, undefined);
    assert.equal(
      await f.publicClient.readContract({
        address: usd,
        abi: erc20Abi,
        functionName: "balanceOf",
        args: [f.tenant.address],
      }),
      tenantBefore - created.funded - viaPermit.funded,
    );

    const { jobId, params } = created;
    const signed = await signBid(clients.provider!, {
      jobId,
      pricePerUnit: 600n,
      expiry: (await f.now()) + 600,
      params,
    });
    const { assigned } = await acceptBid(clients.tenant!, signed);
    assert.equal(assigned.provider, f.provider.address);
    assert.equal(assigned.pricePerUnit, 600n);
    assert.equal(assigned.refunded, 3_600n * 400n);

    await submitProof(clients.provider!, {
      jobId,
      resultRoot: keccak256(stringToHex("ethers")),
      units: 3_600n,
      energyWh: 1_200n,
    });
    const sigs = [
      await signAttestation(clients.v1!, { jobId, accepted: true }),
      await signAttestation(clients.v0!, { jobId, accepted: true }),
    ];
    const providerBefore = await marketBalance(f.provider.address);
    const { settled, closed, receipt } = await settle(clients.keeper!, {
      attestation: sigs[0]!.attestation,
      signatures: sigs,
    });
    assert.equal(receipt.from.toLowerCase(), f.keeper.address.toLowerCase(), "sent by the JsonRpcSigner's account");
    assert.equal(settled?.payment, 3_600n * 600n);
    assert.equal(settled?.fee, (3_600n * 600n * 250n + 9_999n) / 10_000n);
    assert.equal(closed?.status, "Completed");
    assert.equal(await marketBalance(f.provider.address), providerBefore + settled!.payment - settled!.fee);
    assert.equal((await getJob(clients.keeper!, { jobId })).status, "Completed");

    const out = await withdraw(clients.provider!, {});
    assert.equal(out.amount, providerBefore + settled!.payment - settled!.fee);
    assert.equal(await marketBalance(f.provider.address), 0n);
  });

  it("decodes contract errors raised through an ethers signer", async () => {
    const { jobId } = await createJob(clients.tenant!, await defaultJob(f));
    await placeBid(clients.provider!, { jobId, pricePerUnit: 700n });
    await assert.rejects(cancelJob(clients.keeper!, { jobId }), (err: unknown) => {
      assert.ok(err instanceof ContractRevertError);
      assert.equal(err.shortMessage, `NotTenant: ${f.keeper.address} is not the tenant of job ${jobId}`);
      return true;
    });
    const { closed } = await cancelJob(clients.tenant!, { jobId });
    assert.equal(closed.status, "Cancelled");
    assert.equal(closed.collateralReleased, 10n ** 21n, "the best bidder's collateral was released");
  });
});
