// Providers and money out, end to end on a local Hardhat node: registration, staking and unbonding,
// withdrawals, batch claims and JOULE rewards — asserting the amounts that moved.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Address, createWalletClient, erc20Abi, http, keccak256, parseEther, stringToHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { jobMarketAbi, jouleTokenAbi } from "../abi/index.ts";
import { createJouleClient, type JouleClient } from "../client.ts";
import { ContractRevertError } from "../errors/errors.ts";
import { defaultJob, type Fixture, setUpProtocol } from "../testing/fixture.ts";
import { acceptBid } from "./acceptBid.ts";
import { claim } from "./claim.ts";
import { claimRewards } from "./claimRewards.ts";
import { createJob } from "./createJob.ts";
import { getBalances } from "./getBalances.ts";
import { getPendingRewards } from "./getPendingRewards.ts";
import { getProvider } from "./getProvider.ts";
import { registerProvider } from "./registerProvider.ts";
import { settle } from "./settle.ts";
import { signAttestation } from "./signAttestation.ts";
import { signBid } from "./signBid.ts";
import { stake } from "./stake.ts";
import { submitProof } from "./submitProof.ts";
import { unstake } from "./unstake.ts";
import { withdraw } from "./withdraw.ts";
import { withdrawUnbonded } from "./withdrawUnbonded.ts";

const DAY = 86_400;
const EMISSION = parseEther("1000");
let f: Fixture;
let usd: Address;
let fresh: JouleClient;
let freshAddress: Address;

const jouleBalance = (who: Address) =>
  f.publicClient.readContract({
    address: f.deployment.addresses.jouleToken,
    abi: erc20Abi,
    functionName: "balanceOf",
    args: [who],
  });
const marketBalance = (who: Address, token: Address) =>
  f.publicClient.readContract({
    address: f.deployment.addresses.jobMarket,
    abi: jobMarketAbi,
    functionName: "balanceOf",
    args: [who, token],
  });

/** Runs a whole one-milestone job for `who` at `price` with `units`; returns the settlement. */
async function completedJob(who: { joule: JouleClient }, units: bigint, price = 500n) {
  const { jobId, params } = await createJob(f.tenant.joule, await defaultJob(f));
  const signed = await signBid(who.joule, { jobId, pricePerUnit: price, expiry: (await f.now()) + 600, params });
  await acceptBid(f.tenant.joule, { ...signed, params });
  await submitProof(who.joule, {
    jobId,
    resultRoot: keccak256(stringToHex(`job${jobId}`)),
    units,
    energyWh: units / 10n,
  });
  const sigs = [
    await signAttestation(f.verifiers[0]!.joule, { jobId, accepted: true }),
    await signAttestation(f.verifiers[1]!.joule, { jobId, accepted: true }),
  ];
  return settle(f.keeper.joule, { attestation: sigs[0]!.attestation, signatures: sigs });
}

before(async () => {
  f = await setUpProtocol();
  usd = f.deployment.addresses.paymentToken!;
  // A brand-new account: funded with ETH and JOULE, not yet registered.
  const account = privateKeyToAccount(generatePrivateKey());
  freshAddress = account.address;
  await f.testClient.setBalance({ address: freshAddress, value: parseEther("10") });
  const hash = await f.deployer.wallet.writeContract({
    address: f.deployment.addresses.jouleToken,
    abi: jouleTokenAbi,
    functionName: "transfer",
    args: [freshAddress, parseEther("5000")],
    account: f.deployer.account,
    chain: hardhat,
  });
  await f.publicClient.waitForTransactionReceipt({ hash });
  fresh = createJouleClient({
    deployment: f.deployment,
    publicClient: f.publicClient,
    walletClient: createWalletClient({ account, chain: hardhat, transport: http(f.node.url) }),
  });
});
after(async () => {
  await f?.stop();
});

describe("registerProvider", () => {
  it("registers a profile, then updates it", async () => {
    assert.equal((await getProvider(fresh, {})).registered, false);
    const first = await registerProvider(fresh, {
      gpuClass: 2,
      gpuCount: 1,
      vramGb: 24,
      carbonIntensity: 450,
      region: "us-east",
      metadataURI: "ipfs://home-rig",
    });
    assert.equal(first.updated, false);
    let p = await getProvider(fresh, { includeProfile: true });
    assert.equal(p.registered, true);
    assert.deepEqual(p.hardware, { gpuClass: 2, gpuCount: 1, vramGb: 24, carbonIntensity: 450 });
    assert.equal(p.profile?.region, "us-east");
    assert.equal(p.profile?.metadataURI, "ipfs://home-rig");

    // Moving to a greener grid: the same action updates.
    const second = await registerProvider(fresh, {
      gpuClass: 2,
      gpuCount: 2,
      vramGb: 24,
      carbonIntensity: 50,
      region: "eu-north",
      metadataURI: "ipfs://home-rig-v2",
    });
    assert.equal(second.updated, true);
    p = await getProvider(fresh, { includeProfile: true });
    assert.deepEqual(p.hardware, { gpuClass: 2, gpuCount: 2, vramGb: 24, carbonIntensity: 50 });
    assert.equal(p.profile?.region, "eu-north");
    assert.equal(p.profile?.metadataURI, "ipfs://home-rig-v2");
  });
});

describe("stake, unstake, withdrawUnbonded", () => {
  it("stakes with an approval, and can top up another provider", async () => {
    const walletBefore = await jouleBalance(freshAddress);
    const result = await stake(fresh, { amount: parseEther("3000") });
    assert.ok(result.approvalHash);
    assert.equal(result.stake, parseEther("3000"));
    assert.equal(await jouleBalance(freshAddress), walletBefore - parseEther("3000"));
    const topUp = await stake(fresh, { amount: parseEther("500"), provider: f.provider2.address });
    assert.equal(topUp.stake, parseEther("10500"));
    const p = await getProvider(fresh, {});
    assert.equal(p.stake, parseEther("3000"));
    assert.equal(p.freeStake, parseEther("3000"));
  });

  it("unbonds after the delay, not before", async () => {
    const { unbonding, unlockAt } = await unstake(fresh, { amount: parseEther("1000") });
    assert.equal(unbonding, parseEther("1000"));
    assert.equal(unlockAt, (await f.now()) + 7 * DAY);
    let p = await getProvider(fresh, {});
    assert.equal(p.freeStake, parseEther("2000"));
    assert.equal(p.unbonding, parseEther("1000"));

    await assert.rejects(withdrawUnbonded(fresh), (err: unknown) => {
      assert.ok(err instanceof ContractRevertError);
      assert.equal(err.errorName, "UnbondingNotReady");
      assert.match(err.shortMessage, /^UnbondingNotReady: the unbonding stake of 0x[0-9a-fA-F]{40} unlocks at \d{4}-/);
      return true;
    });

    await f.warp(7 * DAY);
    const walletBefore = await jouleBalance(freshAddress);
    const out = await withdrawUnbonded(fresh);
    assert.equal(out.amount, parseEther("1000"));
    assert.equal(out.stake, parseEther("2000"));
    assert.equal(await jouleBalance(freshAddress), walletBefore + parseEther("1000"));
    p = await getProvider(fresh, {});
    assert.equal(p.unbonding, 0n);
    assert.equal(p.unlockAt, 0);
  });
});

describe("withdraw, claim and rewards", () => {
  it("withdraws part then all of the earnings", async () => {
    const { settled } = await completedJob(f.provider, 2_000n);
    const earned = settled!.payment - settled!.fee;
    const before = await marketBalance(f.provider.address, usd);
    assert.ok(before >= earned);
    const walletBefore = await f.publicClient.readContract({
      address: usd,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [f.provider.address],
    });

    const part = await withdraw(f.provider.joule, { amount: 100_000n });
    assert.equal(part.amount, 100_000n);
    assert.equal(part.remaining, before - 100_000n);
    const rest = await withdraw(f.provider.joule, { to: f.provider.address });
    assert.equal(rest.amount, before - 100_000n);
    assert.equal(rest.remaining, 0n);
    const walletAfter = await f.publicClient.readContract({
      address: usd,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [f.provider.address],
    });
    assert.equal(walletAfter, walletBefore + before);
    const { balances } = await getBalances(f.provider.joule, {});
    assert.deepEqual(
      balances.map((b) => [b.symbol, b.market, b.decimals]),
      [
        ["mUSD", 0n, 6],
        ["JOULE", 0n, 18],
      ],
    );
  });

  it("claimRewards mints the epoch's emission pro rata to verified units", async () => {
    // Start a fresh epoch so this test's work is the only work in it.
    await f.warp(DAY);
    const first = await completedJob(f.provider, 3_000n);
    const second = await completedJob(f.provider2, 1_000n);
    const epoch = first.settled!.rewardEpoch;
    assert.equal(second.settled!.rewardEpoch, epoch);

    const notYet = await getPendingRewards(f.provider.joule, {});
    assert.equal(
      notYet.epochs.some((e) => e.epoch === epoch),
      false,
      "the running epoch is not claimable",
    );
    assert.equal(notYet.unitsThisEpoch, 3_000n);

    await f.warp(DAY);
    const pending = await getPendingRewards(f.provider.joule, {});
    const row = pending.epochs.find((e) => e.epoch === epoch);
    assert.deepEqual(row, { epoch, units: 3_000n, reward: (EMISSION * 3_000n) / 4_000n });

    const walletBefore = await jouleBalance(f.provider.address);
    const claimed = await claimRewards(f.provider.joule, { epochs: [epoch] });
    assert.equal(claimed.amount, (EMISSION * 3n) / 4n);
    assert.equal(await jouleBalance(f.provider.address), walletBefore + claimed.amount);
    assert.equal((await getPendingRewards(f.provider.joule, { epochs: [epoch] })).total, 0n);
  });

  it("claim collects balances and rewards in one transaction", async () => {
    const pending = await getPendingRewards(f.provider2.joule, {});
    assert.ok(pending.total > 0n);
    const owed = await marketBalance(f.provider2.address, usd);
    assert.ok(owed > 0n);
    const usdBefore = await f.publicClient.readContract({
      address: usd,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [f.provider2.address],
    });
    const jouleBefore = await jouleBalance(f.provider2.address);

    const result = await claim(f.provider2.joule, {});
    assert.deepEqual(result.withdrawn, [{ token: usd, amount: owed }]);
    assert.equal(result.rewards, pending.total);
    assert.deepEqual(
      result.epochs,
      pending.epochs.map((e) => e.epoch),
    );
    assert.equal(
      await f.publicClient.readContract({
        address: usd,
        abi: erc20Abi,
        functionName: "balanceOf",
        args: [f.provider2.address],
      }),
      usdBefore + owed,
    );
    assert.equal(await jouleBalance(f.provider2.address), jouleBefore + pending.total);
    // Nothing left: a second claim is refused before sending.
    await assert.rejects(claim(f.provider2.joule, {}), { name: "InvalidInputError", field: "tokens" });
  });
});
