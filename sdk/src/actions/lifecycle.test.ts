// End to end on a local Hardhat node: every job action with viem wallet clients (local accounts, and a
// JSON-RPC account for the keeper), checking balances, events and states — not just that calls succeed.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Address, createWalletClient, erc20Abi, http, keccak256, stringToHex } from "viem";
import { hardhat } from "viem/chains";
import { mockErc20Abi } from "../abi/bytecode.ts";
import { jobMarketAbi, jouleTokenAbi, providerRegistryAbi, quorumVerifierAbi, rewardEmitterAbi } from "../abi/index.ts";
import { createJouleClient, type JouleClient } from "../client.ts";
import { readDeployment } from "../deployment.ts";
import { COLLATERAL, defaultJob, type Fixture, setUpProtocol } from "../testing/fixture.ts";
import { HARDHAT_KEYS } from "../testing/localNode.ts";
import type { JobParams } from "../types.ts";
import { hashJobParams, jobCommitment } from "../utils/params.ts";
import { hashBid, recoverBidSigner } from "../utils/typedData.ts";
import { acceptBid } from "./acceptBid.ts";
import { award } from "./award.ts";
import { cancelJob } from "./cancelJob.ts";
import { createJob } from "./createJob.ts";
import { deployProtocol } from "./deployProtocol.ts";
import { expire } from "./expire.ts";
import { getJob } from "./getJob.ts";
import { getJobParams } from "./getJobParams.ts";
import { getPendingProof } from "./getPendingProof.ts";
import { type JobEvent, watchJob } from "./watchJob.ts";
import { listJobs } from "./listJobs.ts";
import { placeBid } from "./placeBid.ts";
import { settle } from "./settle.ts";
import { settleMany } from "./settleMany.ts";
import { signAttestation } from "./signAttestation.ts";
import { signBid } from "./signBid.ts";
import { submitProof } from "./submitProof.ts";
import { privateKeyToAccount } from "viem/accounts";

let f: Fixture;
let usd: Address;
let market: Address;
/** Keeper through a JSON-RPC account: the node holds the key and signs `eth_sendTransaction`. */
let rpcKeeper: JouleClient;

const root = (label: string) => keccak256(stringToHex(label));
const marketBalance = (account: Address, token: Address) =>
  f.publicClient.readContract({
    address: market,
    abi: jobMarketAbi,
    functionName: "balanceOf",
    args: [account, token],
  });
const tokenBalance = (token: Address, account: Address) =>
  f.publicClient.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [account] });
const stakeOf = (provider: Address) =>
  f.publicClient.readContract({
    address: f.deployment.addresses.providerRegistry,
    abi: providerRegistryAbi,
    functionName: "stakeOf",
    args: [provider],
  });

/** A job assigned to `provider` through a signed bid at `price` (no waiting for the bidding end). */
async function assignedJob(
  overrides: Record<string, unknown> = {},
  price = 500n,
): Promise<{ jobId: bigint; params: JobParams }> {
  const { jobId, params } = await createJob(f.tenant.joule, await defaultJob(f, overrides));
  const signed = await signBid(f.provider.joule, { jobId, pricePerUnit: price, expiry: (await f.now()) + 600, params });
  await acceptBid(f.tenant.joule, { ...signed, params });
  return { jobId, params };
}

before(async () => {
  f = await setUpProtocol();
  usd = f.deployment.addresses.paymentToken!;
  market = f.deployment.addresses.jobMarket;
  const keeperAddress = privateKeyToAccount(HARDHAT_KEYS[8]).address;
  rpcKeeper = createJouleClient({
    deployment: f.deployment,
    publicClient: f.publicClient,
    walletClient: createWalletClient({ account: keeperAddress, chain: hardhat, transport: http(f.node.url) }),
  });
});
after(async () => {
  await f?.stop();
});

describe("deployProtocol", () => {
  it("deploys, wires roles and allowlists, and returns the manifest", async () => {
    const a = f.deployment.addresses;
    const read = (address: Address, abi: readonly unknown[], functionName: string, args: unknown[] = []) =>
      f.publicClient.readContract({
        address,
        abi: abi as typeof jobMarketAbi,
        functionName: functionName as "parameters",
        args: args as [],
      });
    assert.equal(f.deployment.chainId, 31337);
    assert.equal(await read(a.providerRegistry, providerRegistryAbi, "market"), a.jobMarket);
    assert.equal(await read(a.rewardEmitter, rewardEmitterAbi, "market"), a.jobMarket);
    assert.equal(await read(a.jouleToken, jouleTokenAbi, "minter"), a.rewardEmitter);
    assert.deepEqual(await read(a.jobMarket, jobMarketAbi, "allowlist", [usd]), [true, false]);
    assert.deepEqual(await read(a.jobMarket, jobMarketAbi, "allowlist", [a.quorumVerifier]), [false, true]);
    const parameters = (await read(a.jobMarket, jobMarketAbi, "parameters")) as {
      treasury: Address;
      feeBps: number;
      registry: Address;
      stakeToken: Address;
    };
    assert.equal(parameters.treasury, privateKeyToAccount(HARDHAT_KEYS[9]).address);
    assert.equal(parameters.feeBps, 250);
    assert.equal(parameters.registry, a.providerRegistry);
    assert.equal(parameters.stakeToken, a.jouleToken);
    assert.deepEqual(
      await read(a.quorumVerifier, quorumVerifierAbi, "members"),
      f.verifiers.map((v) => v.address),
    );
    assert.equal(await read(a.quorumVerifier, quorumVerifierAbi, "threshold"), 2n);
    assert.equal(await read(a.paymentToken!, mockErc20Abi, "decimals"), 6);
  });

  it("writes a manifest that readDeployment reads back, and hands ownership over in two steps", async () => {
    const dir = await mkdtemp(join(tmpdir(), "joule-manifest-"));
    try {
      const path = join(dir, "nested", "manifest.json");
      const owner = f.keeper.address;
      const before = await f.publicClient.getBlockNumber();
      const { deployment, pendingOwner, transactions } = await deployProtocol(f.deployer.wallet, {
        verifiers: [f.verifiers[0]!.address],
        owner,
        paymentTokens: [usd],
        manifestPath: path,
        publicClient: f.publicClient,
      });
      assert.deepEqual(await readDeployment(path), deployment);
      assert.equal(deployment.startBlock, Number(before) + 1);
      assert.equal(deployment.addresses.paymentToken, usd);
      assert.equal(pendingOwner, owner);
      // 3 deployments (token, market with its registry and emitter, verifier) + minter + verifier allowlist
      // + 1 token allowlist + 3 ownership transfers (token, registry, market)
      assert.equal(transactions.length, 9);
      const pending = await f.publicClient.readContract({
        address: deployment.addresses.jobMarket,
        abi: jobMarketAbi,
        functionName: "pendingOwner",
      });
      assert.equal(pending, owner);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("createJob", () => {
  it("approves, funds the escrow and returns the exact params the market hashed", async () => {
    const tenantBefore = await tokenBalance(usd, f.tenant.address);
    const marketBefore = await tokenBalance(usd, market);
    const request = await defaultJob(f, {
      milestones: 2,
      requirements: { minGpuClass: 2, minVramGb: 40, maxCarbonIntensity: 300 },
    });
    const result = await createJob(f.tenant.joule, request);
    assert.ok(result.approvalHash, "an approval was needed");
    assert.equal(result.funded, 3_600n * 1_000n);
    assert.equal(await tokenBalance(usd, f.tenant.address), tenantBefore - result.funded);
    assert.equal(await tokenBalance(usd, market), marketBefore + result.funded);
    const onChainHash = await f.publicClient.readContract({
      address: market,
      abi: jobMarketAbi,
      functionName: "commitment",
      args: [result.jobId],
    });
    assert.equal(hashJobParams(result.params), onChainHash);
    assert.deepEqual(result.params, {
      tenant: f.tenant.address,
      payer: f.tenant.address,
      feeBps: 250,
      slashPayerShareBps: 8_000,
      verificationWindow: 86_400,
      request: {
        token: usd,
        verifier: f.deployment.addresses.quorumVerifier,
        specHash: request.specHash,
        maxUnits: 3_600n,
        maxPricePerUnit: 1_000n,
        collateral: COLLATERAL,
        biddingEnd: request.biddingEnd,
        deliveryWindow: 86_400,
        milestones: 2,
        requirements: { minGpuClass: 2, minGpuCount: 0, minVramGb: 40, maxCarbonIntensity: 300 },
      },
    });
    // getJobParams rebuilds the same params from the JobCreated log (with a fresh client: no cache).
    const fresh = createJouleClient({ deployment: f.deployment, publicClient: f.publicClient });
    const fromLog = await getJobParams(fresh, { jobId: result.jobId });
    assert.deepEqual(fromLog.params, result.params);
    assert.equal(fromLog.transactionHash, result.hash);
  });

  it("funds with an EIP-2612 permit in one transaction, without an approval", async () => {
    const nonceBefore = await f.publicClient.readContract({
      address: usd,
      abi: mockErc20Abi,
      functionName: "nonces",
      args: [f.tenant.address],
    });
    const allowance = await f.publicClient.readContract({
      address: usd,
      abi: erc20Abi,
      functionName: "allowance",
      args: [f.tenant.address, market],
    });
    assert.equal(allowance, 0n, "exact approvals leave no allowance behind");
    const result = await createJob(f.tenant.joule, { ...(await defaultJob(f)), funding: "permit" });
    assert.equal(result.approvalHash, undefined);
    const nonceAfter = await f.publicClient.readContract({
      address: usd,
      abi: mockErc20Abi,
      functionName: "nonces",
      args: [f.tenant.address],
    });
    assert.equal(nonceAfter, nonceBefore + 1n, "the permit was used");
    const status = await getJob(f.tenant.joule, { jobId: result.jobId });
    assert.equal(status.status, "Open");
  });

  it("lets a sponsor pay for a tenant's job; cancelling refunds the sponsor", async () => {
    const sponsorBefore = await tokenBalance(usd, f.sponsor.address);
    const { jobId, params, funded } = await createJob(f.sponsor.joule, {
      ...(await defaultJob(f)),
      tenant: f.tenant.address,
    });
    assert.equal(params.tenant, f.tenant.address);
    assert.equal(params.payer, f.sponsor.address);
    assert.equal(await tokenBalance(usd, f.sponsor.address), sponsorBefore - funded);

    const creditBefore = await marketBalance(f.sponsor.address, usd);
    const { closed } = await cancelJob(f.tenant.joule, { jobId });
    assert.deepEqual(closed, {
      jobId,
      status: "Cancelled",
      reason: "CancelledByTenant",
      refunded: funded,
      collateralReleased: 0n,
      slashed: 0n,
      compensation: 0n,
    });
    assert.equal(await marketBalance(f.sponsor.address, usd), creditBefore + funded);
    assert.equal((await getJob(f.tenant.joule, { jobId })).status, "Cancelled");
  });
});

describe("on-chain bidding", () => {
  it("placeBid locks collateral, a better bid releases it, and award assigns the best (JSON-RPC keeper)", async () => {
    const { jobId } = await createJob(f.tenant.joule, await defaultJob(f));
    const first = await placeBid(f.provider.joule, { jobId, pricePerUnit: 900n });
    assert.equal(first.replaced, undefined);
    assert.equal((await stakeOf(f.provider.address))[1], COLLATERAL);

    const lockedBefore = (await stakeOf(f.provider2.address))[1];
    const second = await placeBid(f.provider2.joule, { jobId, pricePerUnit: 800n });
    assert.equal(second.replaced, f.provider.address);
    assert.equal((await stakeOf(f.provider.address))[1], 0n, "outbid collateral released");
    assert.equal((await stakeOf(f.provider2.address))[1], lockedBefore + COLLATERAL);
    const open = await getJob(f.tenant.joule, { jobId });
    assert.equal(open.provider, f.provider2.address);
    assert.equal(open.pricePerUnit, 800n);

    await f.warp(3_601);
    const refundBefore = await marketBalance(f.tenant.address, usd);
    const { assigned, receipt } = await award(rpcKeeper, { jobId });
    assert.equal(receipt.from.toLowerCase(), rpcKeeper.wallet!.account.address.toLowerCase());
    assert.equal(assigned.provider, f.provider2.address);
    assert.equal(assigned.pricePerUnit, 800n);
    assert.equal(assigned.escrow, 3_600n * 800n);
    assert.equal(assigned.refunded, 3_600n * 200n);
    assert.equal(assigned.signedBid, false);
    assert.equal(await marketBalance(f.tenant.address, usd), refundBefore + 3_600n * 200n);
    const job = await getJob(f.tenant.joule, { jobId, includeParams: true });
    assert.equal(job.status, "Assigned");
    assert.deepEqual(job.assignment, { provider: f.provider2.address, pricePerUnit: 800n });
    assert.equal(job.commitment, jobCommitment(job.params!, job.assignment));
    assert.equal(job.escrow, 3_600n * 800n);
    assert.equal(job.progress.deliveryDeadline, assigned.deliveryDeadline);
  });
});

describe("signed bids", () => {
  it("signBid produces the market's EIP-712 digest; acceptBid assigns at the signed price", async () => {
    const { jobId, params } = await createJob(f.tenant.joule, await defaultJob(f));
    const expiry = (await f.now()) + 600;
    const { bid, signature } = await signBid(f.provider.joule, { jobId, pricePerUnit: 700n, expiry, nonce: 42n });
    assert.deepEqual(bid, { jobId, provider: f.provider.address, pricePerUnit: 700n, expiry, nonce: 42n });
    const onChain = await f.publicClient.readContract({
      address: market,
      abi: jobMarketAbi,
      functionName: "hashBid",
      args: [bid],
    });
    assert.equal(hashBid(f.deployment, bid), onChain);
    assert.equal(await recoverBidSigner(f.deployment, bid, signature), f.provider.address);

    const { assigned } = await acceptBid(f.tenant.joule, { bid, signature, params });
    assert.equal(assigned.provider, f.provider.address);
    assert.equal(assigned.pricePerUnit, 700n);
    assert.equal(assigned.signedBid, true);
    assert.equal(
      await f.publicClient.readContract({
        address: market,
        abi: jobMarketAbi,
        functionName: "isNonceUsed",
        args: [f.provider.address, 42n],
      }),
      true,
    );
  });

  it("signs with a JSON-RPC account (eth_signTypedData_v4 on the node)", async () => {
    const { jobId } = await createJob(f.tenant.joule, await defaultJob(f));
    const address = privateKeyToAccount(HARDHAT_KEYS[3]).address; // provider2, unlocked on the node
    const rpcProvider2 = createJouleClient({
      deployment: f.deployment,
      publicClient: f.publicClient,
      walletClient: createWalletClient({ account: address, chain: hardhat, transport: http(f.node.url) }),
    });
    const signed = await signBid(rpcProvider2, { jobId, pricePerUnit: 650n, expiry: (await f.now()) + 600 });
    assert.equal(await recoverBidSigner(f.deployment, signed.bid, signed.signature), address);
    const { assigned } = await acceptBid(f.tenant.joule, signed);
    assert.equal(assigned.provider, address);
  });
});

describe("proofs and settlement", () => {
  it("proves two milestones; verifiers sign the pending proof; settle pays price × units less the fee", async () => {
    const { jobId } = await assignedJob({ milestones: 2 }, 500n);
    const treasury = privateKeyToAccount(HARDHAT_KEYS[9]).address;
    const providerBefore = await marketBalance(f.provider.address, usd);
    const treasuryBefore = await marketBalance(treasury, usd);

    const proof = await submitProof(f.provider.joule, { jobId, resultRoot: root("m0"), units: 1_000n, energyWh: 300n });
    assert.equal(proof.milestone, 0);
    assert.equal(proof.verifyDeadline, (await f.now()) + 86_400);
    assert.deepEqual(await getPendingProof(f.keeper.joule, { jobId }), {
      jobId,
      milestone: 0,
      provider: f.provider.address,
      resultRoot: root("m0"),
      units: 1_000n,
      energyWh: 300n,
      verifyDeadline: proof.verifyDeadline,
    });

    // Verifiers judge the pending proof (fields read from chain); signatures given in the wrong order get sorted.
    const a = await signAttestation(f.verifiers[0]!.joule, { jobId, accepted: true });
    const b = await signAttestation(f.verifiers[1]!.joule, { jobId, accepted: true });
    assert.deepEqual(a.attestation, {
      jobId,
      milestone: 0,
      resultRoot: root("m0"),
      units: 1_000n,
      energyWh: 300n,
      accepted: true,
    });
    const first = await settle(f.keeper.joule, { attestation: a.attestation, signatures: [b, a] });
    assert.equal(first.settled?.payment, 500_000n);
    assert.equal(first.settled?.fee, 12_500n); // ceil(500000 × 250 / 10000)
    assert.equal(first.settled?.escrowRemaining, 2_600n * 500n);
    assert.equal(first.closed, undefined);
    assert.equal(await marketBalance(f.provider.address, usd), providerBefore + 487_500n);
    assert.equal(await marketBalance(treasury, usd), treasuryBefore + 12_500n);
    assert.equal(await getPendingProof(f.keeper.joule, { jobId }), undefined);

    await submitProof(f.provider.joule, { jobId, resultRoot: root("m1"), units: 2_000n, energyWh: 600n });
    const lockedBefore = (await stakeOf(f.provider.address))[1];
    const payerBefore = await marketBalance(f.tenant.address, usd);
    const c = await signAttestation(f.verifiers[2]!.joule, { jobId, accepted: true });
    const d = await signAttestation(f.verifiers[0]!.joule, { jobId, accepted: true });
    const last = await settle(f.keeper.joule, { attestation: c.attestation, signatures: [c, d] });
    assert.equal(last.settled?.milestone, 1);
    assert.equal(last.settled?.payment, 1_000_000n);
    assert.deepEqual(last.closed, {
      jobId,
      status: "Completed",
      reason: "Completed",
      refunded: 600n * 500n,
      collateralReleased: COLLATERAL,
      slashed: 0n,
      compensation: 0n,
    });
    assert.equal(await marketBalance(f.tenant.address, usd), payerBefore + 300_000n);
    assert.equal((await stakeOf(f.provider.address))[1], lockedBefore - COLLATERAL);
    const job = await getJob(f.keeper.joule, { jobId });
    assert.equal(job.status, "Completed");
    assert.equal(job.progress.unitsSettled, 3_000n);
  });

  it("settleMany settles milestones of several jobs in one transaction", async () => {
    const jobs = [await assignedJob({}, 400n), await assignedJob({}, 450n)];
    const settlements = [];
    for (const [i, { jobId }] of jobs.entries()) {
      await submitProof(f.provider.joule, { jobId, resultRoot: root(`batch${i}`), units: 3_600n, energyWh: 900n });
      const sigs = [
        await signAttestation(f.verifiers[0]!.joule, { jobId, accepted: true }),
        await signAttestation(f.verifiers[1]!.joule, { jobId, accepted: true }),
      ];
      settlements.push({ attestation: sigs[0]!.attestation, signatures: sigs });
    }
    const result = await settleMany(f.keeper.joule, { settlements });
    assert.deepEqual(
      result.settled.map((s) => [s.jobId, s.payment]),
      [
        [jobs[0]!.jobId, 3_600n * 400n],
        [jobs[1]!.jobId, 3_600n * 450n],
      ],
    );
    assert.deepEqual(
      result.closed.map((c) => c.status),
      ["Completed", "Completed"],
    );
  });

  it("a rejected proof slashes the collateral: the payer is compensated, the job fails", async () => {
    const { jobId } = await assignedJob({}, 500n);
    await submitProof(f.provider.joule, { jobId, resultRoot: root("bad"), units: 100n, energyWh: 10n });
    const [stakeBefore] = await stakeOf(f.provider.address);
    const jouleBefore = await marketBalance(f.tenant.address, f.deployment.addresses.jouleToken);
    const sigs = [
      await signAttestation(f.verifiers[1]!.joule, { jobId, accepted: false }),
      await signAttestation(f.verifiers[2]!.joule, { jobId, accepted: false }),
    ];
    const { settled, closed } = await settle(f.keeper.joule, { attestation: sigs[0]!.attestation, signatures: sigs });
    assert.equal(settled, undefined);
    assert.deepEqual(closed, {
      jobId,
      status: "Failed",
      reason: "ProofRejected",
      refunded: 3_600n * 500n,
      collateralReleased: 0n,
      slashed: COLLATERAL,
      compensation: (COLLATERAL * 8_000n) / 10_000n,
    });
    assert.equal((await stakeOf(f.provider.address))[0], stakeBefore - COLLATERAL);
    assert.equal(
      await marketBalance(f.tenant.address, f.deployment.addresses.jouleToken),
      jouleBefore + (COLLATERAL * 8_000n) / 10_000n,
    );
  });
});

describe("expire", () => {
  it("expires a job without bids after the bidding end and refunds it", async () => {
    const { jobId, funded } = await createJob(f.tenant.joule, await defaultJob(f));
    await f.warp(3_601);
    const before = await marketBalance(f.tenant.address, usd);
    const { closed } = await expire(f.keeper.joule, { jobId });
    assert.equal(closed.status, "Expired");
    assert.equal(closed.reason, "NoBids");
    assert.equal(closed.refunded, funded);
    assert.equal(await marketBalance(f.tenant.address, usd), before + funded);
  });

  it("fails a job whose delivery deadline passed and slashes the provider", async () => {
    const { jobId } = await assignedJob({ deliveryWindow: 600 }, 500n);
    await f.warp(601);
    const { closed } = await expire(rpcKeeper, { jobId });
    assert.equal(closed.status, "Failed");
    assert.equal(closed.reason, "DeliveryMissed");
    assert.equal(closed.slashed, COLLATERAL);
    assert.equal(closed.refunded, 3_600n * 500n);
  });
});

describe("reads and watching", () => {
  it("listJobs filters by tenant and status, newest first", async () => {
    const { jobId: sponsored } = await createJob(f.sponsor.joule, await defaultJob(f));
    const { jobId: mine } = await createJob(f.tenant.joule, await defaultJob(f));
    const open = await listJobs(f.keeper.joule, { status: ["Open"], tenant: f.tenant.address });
    assert.equal(open[0]?.jobId, mine);
    assert.ok(open.every((j) => j.status === "Open" && j.tenant === f.tenant.address));
    assert.ok(!open.some((j) => j.jobId === sponsored));
    const newest = await listJobs(f.keeper.joule, { limit: 2 });
    assert.deepEqual(
      newest.map((j) => j.jobId),
      [mine, sponsored],
    );
    const { jobCount: count } = await f.publicClient.readContract({
      address: market,
      abi: jobMarketAbi,
      functionName: "parameters",
    });
    const all = await listJobs(f.keeper.joule, { limit: 1_000 });
    assert.equal(all.length, Number(count));
  });

  it("getJob of an unknown id raises NotFoundError", async () => {
    await assert.rejects(getJob(f.keeper.joule, { jobId: 999_999n }), { name: "NotFoundError", code: "NOT_FOUND" });
    await assert.rejects(getJobParams(f.keeper.joule, { jobId: 999_999n }), { name: "NotFoundError" });
  });

  it("watchJob calls back once per event of the job, and only that job", async () => {
    const { jobId, receipt } = await createJob(f.tenant.joule, await defaultJob(f));
    const seen: JobEvent[] = [];
    let resolveClosed!: () => void;
    const closed = new Promise<void>((r) => (resolveClosed = r));
    const unwatch = watchJob(f.keeper.joule, {
      jobId,
      fromBlock: receipt.blockNumber,
      pollingInterval: 100,
      onEvent: (e) => {
        seen.push(e);
        if (e.eventName === "JobClosed") resolveClosed();
      },
      onError: (e) => assert.fail(e),
    });
    try {
      await createJob(f.tenant.joule, await defaultJob(f)); // another job: must not show up
      await placeBid(f.provider.joule, { jobId, pricePerUnit: 999n });
      await cancelJob(f.tenant.joule, { jobId });
      await Promise.race([
        closed,
        new Promise((_, reject) => setTimeout(() => reject(new Error("no JobClosed event")), 15_000)),
      ]);
    } finally {
      unwatch();
    }
    assert.deepEqual(
      seen.map((e) => e.eventName),
      ["JobCreated", "BidPlaced", "JobClosed"],
    );
    assert.ok(seen.every((e) => e.args.jobId === jobId));
    assert.equal(seen[1]!.args.pricePerUnit, 999n);
  });
});
