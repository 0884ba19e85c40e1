// End to end on the in-process network, through viem exactly as a dApp or the SDK would drive it:
// deploy with the Ignition module, stake, create a job, bid (on-chain and signed off-chain), prove,
// have 2 of 3 verifiers sign EIP-712 attestations, settle, withdraw and claim. Every balance is
// checked against values computed here from the protocol's rules, and every event is decoded.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { network } from "hardhat";
import {
  type Abi,
  type Address,
  type ContractEventName,
  type Hash,
  type Hex,
  type TransactionReceipt,
  concat,
  encodeAbiParameters,
  getAbiItem,
  getAddress,
  hashTypedData,
  isAddressEqual,
  keccak256,
  parseAbiParameters,
  parseEventLogs,
  stringToHex,
  zeroAddress,
} from "viem";

import LocalJouleModule from "../ignition/modules/LocalJoule.ts";

// ───────────────────────────── Protocol constants (module defaults) ─────────────────────────────
const JOULE = 10n ** 18n;
const USD = 10n ** 6n;
const HOUR = 3_600;
const DAY = 24 * HOUR;
const FEE_BPS = 250n;
const BPS = 10_000n;
const PROVIDER_STAKE = 10_000n * JOULE;
const TENANT_USD = 1_000_000n * USD;

const JobStatus = { None: 0, Open: 1, Assigned: 2, Completed: 3, Cancelled: 4, Expired: 5, Failed: 6 } as const;
const CloseReason = { Completed: 0 } as const;
/** What calls on an open job pass as `Assignment` (ignored while open). */
const NO_ASSIGNMENT = { provider: zeroAddress, pricePerUnit: 0n } as const;

/** The market's fee rule: ceil(payment × feeBps / 10000), rounded in the protocol's favour. */
const feeOf = (payment: bigint) => (payment * FEE_BPS + BPS - 1n) / BPS;

const ATTESTATION_TYPES = {
  WorkAttestation: [
    { name: "jobId", type: "uint256" },
    { name: "milestone", type: "uint8" },
    { name: "resultRoot", type: "bytes32" },
    { name: "units", type: "uint64" },
    { name: "energyWh", type: "uint64" },
    { name: "accepted", type: "bool" },
  ],
} as const;

const BID_TYPES = {
  Bid: [
    { name: "jobId", type: "uint256" },
    { name: "provider", type: "address" },
    { name: "pricePerUnit", type: "uint128" },
    { name: "expiry", type: "uint40" },
    { name: "nonce", type: "uint256" },
  ],
} as const;

const PROFILE = {
  gpuClass: 3,
  gpuCount: 8,
  vramGb: 80,
  carbonIntensity: 200,
  region: stringToHex("eu-west", { size: 32 }),
  metadataURI: "ipfs://provider",
} as const;

describe("e2e: GPU job lifecycle over viem", async () => {
  const { viem, ignition, networkHelpers } = await network.create();
  const publicClient = await viem.getPublicClient();
  const wallets = await viem.getWalletClients();
  const wallet = (i: number) => {
    const w = wallets[i];
    assert.ok(w, `wallet ${i}`);
    return w;
  };
  // Account 0 deploys, owns the contracts and is the treasury (module defaults).
  const deployer = wallet(0);
  const tenant = wallet(1);
  const provider = wallet(2);
  const provider2 = wallet(3);
  const keeper = wallet(4);
  const verifierWallets = [wallet(7), wallet(8), wallet(9)];
  const treasury = deployer;
  const chainId = await publicClient.getChainId();

  type Wallet = typeof deployer;

  // ───────────────────────────── Helpers ─────────────────────────────
  async function mined(tx: Promise<Hash>): Promise<TransactionReceipt> {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await tx });
    assert.equal(receipt.status, "success");
    return receipt;
  }

  async function timestampOf(receipt: TransactionReceipt): Promise<number> {
    const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
    return Number(block.timestamp);
  }

  /** Decodes the `eventName` logs that `contract` emitted in `receipt` (other contracts' logs are ignored). */
  function eventsOf<const TAbi extends Abi, TName extends ContractEventName<TAbi>>(
    contract: { address: Address; abi: TAbi },
    receipt: TransactionReceipt,
    eventName: TName,
  ) {
    const logs = receipt.logs.filter((l) => isAddressEqual(l.address, contract.address));
    return parseEventLogs({ abi: contract.abi, logs, eventName });
  }

  /** The single `eventName` log of `contract` in `receipt`. */
  function onlyEvent<const TAbi extends Abi, TName extends ContractEventName<TAbi>>(
    contract: { address: Address; abi: TAbi },
    receipt: TransactionReceipt,
    eventName: TName,
  ) {
    const events = eventsOf(contract, receipt, eventName);
    assert.equal(events.length, 1, `expected one ${eventName}`);
    return events[0]!;
  }

  // ───────────────────────────── Fixture ─────────────────────────────
  /** Deploys the protocol, funds and stakes both providers, gives the tenant Mock USD. */
  async function deployAndStake() {
    const contracts = await ignition.deploy(LocalJouleModule);
    const { token, registry, usd } = contracts;
    for (const p of [provider, provider2]) {
      await mined(token.write.transfer([p.account.address, PROVIDER_STAKE], { account: deployer.account }));
      await mined(registry.write.register([PROFILE], { account: p.account }));
      await mined(token.write.approve([registry.address, PROVIDER_STAKE], { account: p.account }));
      await mined(registry.write.stake([p.account.address, PROVIDER_STAKE], { account: p.account }));
    }
    await mined(usd.write.mint([tenant.account.address, TENANT_USD]));
    return contracts;
  }
  type Protocol = Awaited<ReturnType<typeof deployAndStake>>;

  const domainOf = (market: Address) =>
    ({ name: "Joule JobMarket", version: "1", chainId, verifyingContract: market }) as const;

  /** Signatures of `signers` over `attestation`, one per signer, in ascending signer address order. */
  async function signAttestation(
    p: Protocol,
    attestation: {
      jobId: bigint;
      milestone: number;
      resultRoot: Hex;
      units: bigint;
      energyWh: bigint;
      accepted: boolean;
    },
    signers: Wallet[],
  ): Promise<Hex[]> {
    const typed = {
      domain: domainOf(p.market.address),
      types: ATTESTATION_TYPES,
      primaryType: "WorkAttestation",
      message: attestation,
    } as const;
    // Our EIP-712 digest is the one the market checks (domain name, version, chainId, market address).
    assert.equal(hashTypedData(typed), await p.market.read.hashAttestation([attestation]));
    const sorted = [...signers].sort((a, b) => (BigInt(a.account.address) < BigInt(b.account.address) ? -1 : 1));
    const signatures = await Promise.all(sorted.map((w) => w.signTypedData({ account: w.account, ...typed })));
    for (const s of signatures) assert.equal((s.length - 2) / 2, 65);
    return signatures;
  }

  /** Creates a job as the tenant (approving exactly the escrow) and returns the params from `JobCreated`. */
  async function createJob(p: Protocol, request: Parameters<Protocol["market"]["write"]["createJob"]>[0][0]) {
    const funded = request.maxUnits * request.maxPricePerUnit;
    await mined(p.usd.write.approve([p.market.address, funded], { account: tenant.account }));
    const before = await p.usd.read.balanceOf([tenant.account.address]);
    const receipt = await mined(p.market.write.createJob([request], { account: tenant.account }));
    const created = onlyEvent(p.market, receipt, "JobCreated");
    const { jobId, params } = created.args;

    // The event carries the full terms the market hashed; they are what the test must pass back.
    assert.equal(created.args.tenant, getAddress(tenant.account.address));
    assert.equal(created.args.payer, getAddress(tenant.account.address));
    assert.equal(created.args.funded, funded);
    assert.deepEqual(params, {
      tenant: getAddress(tenant.account.address),
      payer: getAddress(tenant.account.address),
      feeBps: Number(FEE_BPS),
      slashPayerShareBps: 8_000,
      verificationWindow: DAY,
      request: { ...request, token: getAddress(request.token), verifier: getAddress(request.verifier) },
    });
    // Rebuild the market's commitment, keccak256(abi.encode(JobParams)), with the ABI type of the event field.
    const paramsType = getAbiItem({ abi: p.market.abi, name: "JobCreated" }).inputs[3];
    const paramsHash = keccak256(encodeAbiParameters([paramsType], [params]));
    assert.equal(await p.market.read.commitment([jobId]), paramsHash);

    // Exactly the escrow moved from the tenant to the market.
    assert.equal(await p.usd.read.balanceOf([tenant.account.address]), before - funded);
    assert.equal(await p.usd.read.allowance([tenant.account.address, p.market.address]), 0n);
    assert.equal(await p.market.read.jobStatus([jobId]), JobStatus.Open);
    assert.equal(await p.market.read.heldInEscrow([jobId, params, NO_ASSIGNMENT]), funded);
    return { jobId, params, paramsHash, funded };
  }

  /**
   * Decodes `JobAssigned` and rebuilds the `Assignment` later calls must pass; checks the market now commits to
   * keccak256(abi.encode(paramsHash, provider, uint256 price)).
   */
  async function assignmentOf(p: Protocol, receipt: TransactionReceipt, job: { jobId: bigint; paramsHash: Hex }) {
    const assigned = onlyEvent(p.market, receipt, "JobAssigned");
    const assignment = { provider: assigned.args.provider, pricePerUnit: assigned.args.pricePerUnit };
    const commitment = keccak256(
      encodeAbiParameters(parseAbiParameters("bytes32, address, uint256"), [
        job.paramsHash,
        assignment.provider,
        assignment.pricePerUnit,
      ]),
    );
    assert.equal(await p.market.read.commitment([job.jobId]), commitment);
    // The winner and price are not kept in storage any more.
    assert.deepEqual(await p.market.read.bestBid([job.jobId]), [zeroAddress, 0n]);
    return { assigned: assigned.args, assignment };
  }

  async function lockedOf(p: Protocol, who: Wallet) {
    const [stake, locked, unbonding] = await p.registry.read.stakeOf([who.account.address]);
    return { stake, locked, unbonding };
  }

  type JobParams = Awaited<ReturnType<typeof createJob>>["params"];
  type Assignment = Awaited<ReturnType<typeof assignmentOf>>["assignment"];

  /**
   * The provider proves `milestone`; `delay` seconds later the keeper settles it with the signatures of
   * `signers` (after checking that misordered or too few signatures are refused). Checks ProofSubmitted,
   * MilestoneSettled, the work recorded for rewards and the extended delivery deadline.
   */
  async function proveAndSettle(
    p: Protocol,
    job: { jobId: bigint; params: JobParams; assignment: Assignment },
    prover: Wallet,
    m: { milestone: number; units: bigint; energyWh: bigint; delay: number; signers: Wallet[] },
  ) {
    const { jobId, params, assignment } = job;
    const price = assignment.pricePerUnit;
    assert.ok(isAddressEqual(assignment.provider, prover.account.address));
    const resultRoot = keccak256(stringToHex(`job ${jobId} milestone ${m.milestone} checkpoints`));
    const [settledBefore, deadlineBefore, , unitsBefore] = await p.market.read.jobProgress([jobId]);
    assert.equal(settledBefore, m.milestone);

    const proofReceipt = await mined(
      p.market.write.submitProof([jobId, params, assignment, m.milestone, resultRoot, m.units, m.energyWh], {
        account: prover.account,
      }),
    );
    const submittedAt = await timestampOf(proofReceipt);
    const proof = onlyEvent(p.market, proofReceipt, "ProofSubmitted");
    assert.deepEqual(proof.args, {
      jobId,
      milestone: m.milestone,
      provider: getAddress(prover.account.address),
      resultRoot,
      units: m.units,
      energyWh: m.energyWh,
      verifyDeadline: submittedAt + DAY,
    });

    const attestation = {
      jobId,
      milestone: m.milestone,
      resultRoot,
      units: m.units,
      energyWh: m.energyWh,
      accepted: true,
    };
    const sorted = await signAttestation(p, attestation, m.signers);
    // The quorum refuses signatures out of address order and fewer than the threshold.
    for (const bad of [concat([...sorted].reverse()), sorted[0]!]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.market.write.settle([jobId, params, assignment, attestation, bad], { account: keeper.account }),
        p.market,
        "InvalidAttestation",
        [jobId, m.milestone],
      );
    }
    const signatures = concat(sorted);
    const genesis = await p.emitter.read.genesis();
    const epoch = Math.floor((submittedAt + m.delay - genesis) / (await p.emitter.read.epochLength()));
    const epochUnitsBefore = await p.market.read.totalUnits([epoch]);
    const workUnitsBefore = await p.market.read.workOf([prover.account.address, epoch]);
    await networkHelpers.time.setNextBlockTimestamp(submittedAt + m.delay);
    const receipt = await mined(
      p.market.write.settle([jobId, params, assignment, attestation, signatures], { account: keeper.account }),
    );
    const settledAt = await timestampOf(receipt);
    assert.equal(settledAt, submittedAt + m.delay);

    const payment = m.units * price;
    const fee = feeOf(payment);
    const unitsSettled = unitsBefore + m.units;
    const escrowRemaining = (params.request.maxUnits - unitsSettled) * price;
    // The delivery clock stops while the verifiers work.
    const deliveryDeadline = deadlineBefore + m.delay;
    const settled = onlyEvent(p.market, receipt, "MilestoneSettled");
    assert.deepEqual(settled.args, {
      jobId,
      milestone: m.milestone,
      provider: getAddress(prover.account.address),
      resultRoot,
      units: m.units,
      energyWh: m.energyWh,
      payment,
      fee,
      escrowRemaining,
      deliveryDeadline,
      rewardEpoch: epoch,
    });
    // The units count for the provider's rewards in that epoch (the market keeps them, the emitter reads them).
    assert.equal(await p.market.read.totalUnits([epoch]), epochUnitsBefore + m.units);
    assert.equal(await p.market.read.workOf([prover.account.address, epoch]), workUnitsBefore + m.units);
    assert.equal(await p.emitter.read.providerUnits([prover.account.address, epoch]), workUnitsBefore + m.units);

    const [settledAfter, deadlineAfter, verifyDeadline, unitsAfter, pendingUnits] = await p.market.read.jobProgress([
      jobId,
    ]);
    assert.equal(settledAfter, m.milestone + 1);
    assert.equal(deadlineAfter, deliveryDeadline);
    assert.equal(verifyDeadline, 0);
    assert.equal(unitsAfter, unitsSettled);
    assert.equal(pendingUnits, 0n);
    return { receipt, payment, fee, epoch, escrowRemaining };
  }

  /** Withdraws `who`'s whole market balance of the payment token and checks the transfer and the event. */
  async function withdrawAll(p: Protocol, who: Wallet, expected: bigint) {
    assert.equal(await p.market.read.balanceOf([who.account.address, p.usd.address]), expected);
    const before = await p.usd.read.balanceOf([who.account.address]);
    const receipt = await mined(
      p.market.write.withdraw([p.usd.address, expected, who.account.address], { account: who.account }),
    );
    assert.deepEqual(onlyEvent(p.market, receipt, "Withdrawn").args, {
      account: getAddress(who.account.address),
      token: getAddress(p.usd.address),
      amount: expected,
    });
    assert.equal(await p.usd.read.balanceOf([who.account.address]), before + expected);
    assert.equal(await p.market.read.balanceOf([who.account.address, p.usd.address]), 0n);
  }

  // ───────────────────────────── Scenario 1: on-chain auction, two milestones ─────────────────────────────
  it("runs a two-milestone job won in the on-chain auction, then pays, refunds and rewards exactly", async () => {
    const p = await networkHelpers.loadFixture(deployAndStake);
    const { market, registry, emitter, token, usd } = p;
    const start = await networkHelpers.time.latest();

    const MAX_UNITS = 3_600n; // one GPU-hour in GPU-seconds
    const MAX_PRICE = 1_000n; // 0.001 mUSD per GPU-second
    const COLLATERAL = 1_000n * JOULE;
    const biddingEnd = start + HOUR;
    const job = await createJob(p, {
      token: usd.address,
      verifier: p.verifier.address,
      specHash: keccak256(stringToHex("llama-3-8b lora fine-tune, 2 checkpoints")),
      maxUnits: MAX_UNITS,
      maxPricePerUnit: MAX_PRICE,
      collateral: COLLATERAL,
      biddingEnd,
      deliveryWindow: DAY,
      milestones: 2,
      requirements: { minGpuClass: 2, minGpuCount: 4, minVramGb: 40, maxCarbonIntensity: 300 },
    });
    const { jobId, params, funded } = job;
    assert.equal(jobId, 1n);
    assert.equal(funded, MAX_UNITS * MAX_PRICE);

    // Provider bids 900; its collateral is locked at once.
    let receipt = await mined(market.write.placeBid([jobId, params, 900n], { account: provider.account }));
    assert.deepEqual(onlyEvent(market, receipt, "BidPlaced").args, {
      jobId,
      provider: getAddress(provider.account.address),
      pricePerUnit: 900n,
      replaced: zeroAddress,
    });
    assert.equal((await lockedOf(p, provider)).locked, COLLATERAL);
    assert.equal(await registry.read.freeStake([provider.account.address]), PROVIDER_STAKE - COLLATERAL);

    // Provider2 outbids at 777: its collateral is locked, the displaced bidder's released.
    const PRICE = 777n;
    receipt = await mined(market.write.placeBid([jobId, params, PRICE], { account: provider2.account }));
    assert.deepEqual(onlyEvent(market, receipt, "BidPlaced").args, {
      jobId,
      provider: getAddress(provider2.account.address),
      pricePerUnit: PRICE,
      replaced: getAddress(provider.account.address),
    });
    assert.equal((await lockedOf(p, provider)).locked, 0n);
    assert.equal((await lockedOf(p, provider2)).locked, COLLATERAL);
    assert.equal(await registry.read.freeStake([provider.account.address]), PROVIDER_STAKE);
    assert.deepEqual(await market.read.bestBid([jobId]), [getAddress(provider2.account.address), PRICE]);

    // A higher bid is refused, and nobody can award before bidding ends.
    await viem.assertions.revertWithCustomErrorWithArgs(
      market.write.placeBid([jobId, params, 800n], { account: provider.account }),
      market,
      "BidNotBetter",
      [jobId, 800n, PRICE],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      market.write.award([jobId, params], { account: keeper.account }),
      market,
      "BiddingNotEnded",
      [jobId, biddingEnd],
    );

    // After bidding ends the keeper awards; the escrow above price × maxUnits goes back to the tenant.
    await networkHelpers.time.setNextBlockTimestamp(biddingEnd);
    receipt = await mined(market.write.award([jobId, params], { account: keeper.account }));
    const escrow = MAX_UNITS * PRICE;
    const awardRefund = MAX_UNITS * (MAX_PRICE - PRICE);
    const { assigned, assignment } = await assignmentOf(p, receipt, job);
    assert.deepEqual(assigned, {
      jobId,
      provider: getAddress(provider2.account.address),
      pricePerUnit: PRICE,
      escrow,
      refunded: awardRefund,
      deliveryDeadline: biddingEnd + DAY,
      signedBid: false,
    });
    assert.equal(await market.read.jobStatus([jobId]), JobStatus.Assigned);
    assert.equal(await market.read.heldInEscrow([jobId, params, assignment]), escrow);
    assert.equal(await market.read.balanceOf([tenant.account.address, usd.address]), awardRefund);
    // The award moved no collateral: it was locked when provider2 bid.
    assert.equal((await lockedOf(p, provider2)).locked, COLLATERAL);
    const assignedJob = { ...job, assignment };

    // Milestone 0: 1500 GPU-seconds, verifiers #9 and #7 sign (any 2 of 3).
    const m0 = await proveAndSettle(p, assignedJob, provider2, {
      milestone: 0,
      units: 1_500n,
      energyWh: 2_100n,
      delay: 2 * HOUR,
      signers: [verifierWallets[2]!, verifierWallets[0]!],
    });
    assert.equal(m0.payment, 1_165_500n);
    assert.equal(m0.fee, 29_138n); // 29,137.5 rounded up
    assert.equal(await market.read.jobStatus([jobId]), JobStatus.Assigned);
    assert.equal(await market.read.heldInEscrow([jobId, params, assignment]), m0.escrowRemaining);

    // Milestone 1: 1801 GPU-seconds, verifiers #8 and #9; it completes the job.
    const m1 = await proveAndSettle(p, assignedJob, provider2, {
      milestone: 1,
      units: 1_801n,
      energyWh: 2_500n,
      delay: 30 * 60,
      signers: [verifierWallets[1]!, verifierWallets[2]!],
    });
    const unitsUsed = 1_500n + 1_801n;
    const completionRefund = (MAX_UNITS - unitsUsed) * PRICE;
    assert.equal(m1.escrowRemaining, completionRefund);
    assert.deepEqual(onlyEvent(market, m1.receipt, "JobClosed").args, {
      jobId,
      status: JobStatus.Completed,
      reason: CloseReason.Completed,
      refunded: completionRefund,
      collateralReleased: COLLATERAL,
      slashed: 0n,
      compensation: 0n,
    });
    assert.equal((await lockedOf(p, provider2)).locked, 0n);
    assert.equal(await market.read.jobStatus([jobId]), JobStatus.Completed);
    assert.equal(await market.read.heldInEscrow([jobId, params, assignment]), 0n);

    // Conservation: funded = paid to provider + fees + refunds, and the market holds exactly the credits.
    const providerEarned = m0.payment - m0.fee + (m1.payment - m1.fee);
    const fees = m0.fee + m1.fee;
    const tenantRefund = awardRefund + completionRefund;
    assert.equal(providerEarned, 2_500_754n);
    assert.equal(fees, 64_123n);
    assert.equal(tenantRefund, 1_035_123n);
    assert.equal(providerEarned + fees + tenantRefund, funded);
    assert.equal(await usd.read.balanceOf([market.address]), funded);

    // Everyone pulls their balance; the market ends empty.
    await withdrawAll(p, provider2, providerEarned);
    await withdrawAll(p, treasury, fees);
    await withdrawAll(p, tenant, tenantRefund);
    assert.equal(await usd.read.balanceOf([market.address]), 0n);
    assert.equal(await usd.read.balanceOf([provider2.account.address]), providerEarned);
    assert.equal(await usd.read.balanceOf([treasury.account.address]), fees);
    assert.equal(await usd.read.balanceOf([tenant.account.address]), TENANT_USD - funded + tenantRefund);
    assert.equal(await usd.read.balanceOf([provider.account.address]), 0n);

    // JOULE: stakes intact, nothing locked, nothing slashed.
    for (const who of [provider, provider2]) {
      assert.deepEqual(await lockedOf(p, who), { stake: PROVIDER_STAKE, locked: 0n, unbonding: 0n });
      assert.equal(await registry.read.freeStake([who.account.address]), PROVIDER_STAKE);
    }
    assert.equal(await token.read.balanceOf([registry.address]), 2n * PROVIDER_STAKE);
    assert.equal(await token.read.balanceOf([deployer.account.address]), 200_000_000n * JOULE - 2n * PROVIDER_STAKE);
    assert.equal(await token.read.balanceOf([market.address]), 0n);
    assert.equal(await market.read.balanceOf([tenant.account.address, token.address]), 0n);

    // Rewards: both milestones counted in the same epoch; once it ends, provider2 gets its whole emission.
    assert.equal(m0.epoch, m1.epoch);
    const epoch = m1.epoch;
    assert.equal(await market.read.totalUnits([epoch]), unitsUsed);
    assert.equal(await emitter.read.epochUnits([epoch]), unitsUsed);
    assert.equal(await emitter.read.providerUnits([provider2.account.address, epoch]), unitsUsed);
    assert.equal(await emitter.read.providerUnits([provider.account.address, epoch]), 0n);
    assert.equal(await emitter.read.pendingReward([provider2.account.address, epoch]), 0n);
    const genesis = await emitter.read.genesis();
    await networkHelpers.time.increaseTo(genesis + (epoch + 1) * DAY);
    const emission = await emitter.read.emissionOf([epoch]);
    assert.equal(emission, 273_785n * JOULE);
    const reward = (emission * unitsUsed) / unitsUsed;
    assert.equal(await emitter.read.pendingReward([provider2.account.address, epoch]), reward);

    const supplyBefore = await token.read.totalSupply();
    receipt = await mined(
      emitter.write.claimRewards([[epoch], provider2.account.address], { account: provider2.account }),
    );
    assert.deepEqual(onlyEvent(emitter, receipt, "RewardClaimed").args, {
      provider: getAddress(provider2.account.address),
      epoch,
      to: getAddress(provider2.account.address),
      amount: reward,
    });
    assert.equal(await token.read.balanceOf([provider2.account.address]), reward);
    assert.equal(await token.read.totalSupply(), supplyBefore + reward);
    assert.equal(await emitter.read.minted([epoch]), reward);
    assert.equal(await emitter.read.isClaimed([provider2.account.address, epoch]), true);
  });

  // ───────────────────────────── Scenario 2: signed off-chain bid ─────────────────────────────
  it("assigns a job to a signed off-chain bid, releases the on-chain bidder, and pays via claim", async () => {
    const p = await networkHelpers.loadFixture(deployAndStake);
    const { market, registry, emitter, token, usd } = p;
    const start = await networkHelpers.time.latest();

    const MAX_UNITS = 1_000n;
    const MAX_PRICE = 2_000n;
    const COLLATERAL = 500n * JOULE;
    const job = await createJob(p, {
      token: usd.address,
      verifier: p.verifier.address,
      specHash: keccak256(stringToHex("sdxl batch inference, 10k prompts")),
      maxUnits: MAX_UNITS,
      maxPricePerUnit: MAX_PRICE,
      collateral: COLLATERAL,
      biddingEnd: start + DAY,
      deliveryWindow: 6 * HOUR,
      milestones: 1,
      requirements: { minGpuClass: 0, minGpuCount: 1, minVramGb: 48, maxCarbonIntensity: 0 },
    });
    const { jobId, params, funded } = job;
    // The fixture was restored: this is again the first job.
    assert.equal(jobId, 1n);

    // Provider2 holds the best on-chain bid (collateral locked)...
    await mined(market.write.placeBid([jobId, params, 1_500n], { account: provider2.account }));
    assert.equal((await lockedOf(p, provider2)).locked, COLLATERAL);

    // ...but the tenant prefers provider's cheaper signed offer (EIP-712 Bid, same domain as attestations).
    const PRICE = 1_200n;
    const bid = {
      jobId,
      provider: getAddress(provider.account.address),
      pricePerUnit: PRICE,
      expiry: start + 2 * HOUR,
      nonce: 42n,
    };
    const typedBid = { domain: domainOf(market.address), types: BID_TYPES, primaryType: "Bid", message: bid } as const;
    assert.equal(hashTypedData(typedBid), await market.read.hashBid([bid]));
    const signature = await provider.signTypedData({ account: provider.account, ...typedBid });

    // A signature by anyone else, or acceptance by anyone but the tenant, is refused.
    const forged = await provider2.signTypedData({ account: provider2.account, ...typedBid });
    await viem.assertions.revertWithCustomErrorWithArgs(
      market.write.acceptBid([params, bid, forged], { account: tenant.account }),
      market,
      "InvalidBidSignature",
      [bid.provider],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      market.write.acceptBid([params, bid, signature], { account: keeper.account }),
      market,
      "NotTenant",
      [jobId, getAddress(keeper.account.address)],
    );
    assert.equal(await market.read.isNonceUsed([provider.account.address, 42n]), false);

    const receipt = await mined(market.write.acceptBid([params, bid, signature], { account: tenant.account }));
    const acceptedAt = await timestampOf(receipt);
    const awardRefund = MAX_UNITS * (MAX_PRICE - PRICE);
    const { assigned, assignment } = await assignmentOf(p, receipt, job);
    assert.deepEqual(assigned, {
      jobId,
      provider: getAddress(provider.account.address),
      pricePerUnit: PRICE,
      escrow: MAX_UNITS * PRICE,
      refunded: awardRefund,
      deliveryDeadline: acceptedAt + 6 * HOUR,
      signedBid: true,
    });
    // The signer's collateral is locked; the displaced on-chain bidder's is released.
    assert.equal((await lockedOf(p, provider)).locked, COLLATERAL);
    assert.equal((await lockedOf(p, provider2)).locked, 0n);
    assert.equal(await market.read.isNonceUsed([provider.account.address, 42n]), true);
    assert.equal(await market.read.heldInEscrow([jobId, params, assignment]), MAX_UNITS * PRICE);

    // The same signed bid cannot be used again.
    await viem.assertions.revertWithCustomErrorWithArgs(
      market.write.acceptBid([params, bid, signature], { account: tenant.account }),
      market,
      "JobNotOpen",
      [jobId, JobStatus.Assigned],
    );

    // One milestone, all three verifiers sign (more than the threshold is fine).
    const m0 = await proveAndSettle(p, { ...job, assignment }, provider, {
      milestone: 0,
      units: 641n,
      energyWh: 900n,
      delay: 10 * 60,
      signers: verifierWallets,
    });
    const completionRefund = (MAX_UNITS - 641n) * PRICE;
    assert.equal(m0.escrowRemaining, completionRefund);
    assert.deepEqual(onlyEvent(market, m0.receipt, "JobClosed").args, {
      jobId,
      status: JobStatus.Completed,
      reason: CloseReason.Completed,
      refunded: completionRefund,
      collateralReleased: COLLATERAL,
      slashed: 0n,
      compensation: 0n,
    });
    assert.equal(await market.read.jobStatus([jobId]), JobStatus.Completed);

    const providerEarned = m0.payment - m0.fee;
    const tenantRefund = awardRefund + completionRefund;
    assert.equal(providerEarned + m0.fee + tenantRefund, funded);
    assert.equal(await usd.read.balanceOf([market.address]), funded);
    assert.equal(await market.read.balanceOf([provider.account.address, usd.address]), providerEarned);
    assert.equal(await market.read.balanceOf([treasury.account.address, usd.address]), m0.fee);
    assert.equal(await market.read.balanceOf([tenant.account.address, usd.address]), tenantRefund);

    // After the epoch ends, one `claim` pays the provider's earnings and mints its reward.
    const genesis = await emitter.read.genesis();
    await networkHelpers.time.increaseTo(genesis + (m0.epoch + 1) * DAY);
    const reward = await emitter.read.emissionOf([m0.epoch]); // the only worker of the epoch
    const claim = await mined(
      market.write.claim([[usd.address], [m0.epoch], provider.account.address], { account: provider.account }),
    );
    assert.deepEqual(onlyEvent(market, claim, "Withdrawn").args, {
      account: getAddress(provider.account.address),
      token: getAddress(usd.address),
      amount: providerEarned,
    });
    assert.equal(onlyEvent(emitter, claim, "RewardClaimed").args.amount, reward);
    assert.equal(await usd.read.balanceOf([provider.account.address]), providerEarned);
    assert.equal(await token.read.balanceOf([provider.account.address]), reward);

    await withdrawAll(p, treasury, m0.fee);
    await withdrawAll(p, tenant, tenantRefund);
    assert.equal(await usd.read.balanceOf([market.address]), 0n);
    assert.equal(await usd.read.balanceOf([tenant.account.address]), TENANT_USD - funded + tenantRefund);
    assert.equal(await usd.read.balanceOf([treasury.account.address]), m0.fee);
    for (const who of [provider, provider2]) {
      assert.deepEqual(await lockedOf(p, who), { stake: PROVIDER_STAKE, locked: 0n, unbonding: 0n });
    }
    assert.equal(await token.read.balanceOf([registry.address]), 2n * PROVIDER_STAKE);
  });
});
