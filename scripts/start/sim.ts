// The simulated market: every protocol action goes through the SDK, and a book records what the protocol's rules
// say each action must have moved (escrow, payments, fees, refunds, slashes, stakes, reward units). The book is
// the expected side of every later check — against the chain and against the indexer — and it is also the
// market's own memory of which jobs are where.
import { type Address, erc20Abi, type Hex, keccak256, stringToHex, type TransactionReceipt } from "viem";
import {
  acceptBid,
  type Assignment,
  award,
  cancelJob,
  claim,
  claimRewards,
  type CloseReasonName,
  createJob,
  deployProtocol,
  type Deployment,
  expire,
  getPendingRewards,
  type JobParams,
  type JobStatusName,
  jouleTokenAbi,
  placeBid,
  registerProvider,
  rewardEmitterAbi,
  settle,
  type SignedBid,
  signAttestation,
  signBid,
  stake,
  submitProof,
  withdraw,
} from "@joule/sdk";
import { mockErc20Abi } from "@joule/sdk/bytecode";
import type { Actor, Cast, Hardware } from "./actors.ts";

export const USD = 10n ** 6n;
export const JOULE = 10n ** 18n;
const BPS = 10_000n;

/** Protocol settings of the local deployment: short epochs and windows so time can be moved through them. */
export const SETTINGS = {
  feeBps: 250,
  verificationWindow: 3_600,
  slashPayerShareBps: 8_000,
  unbondingDelay: 86_400,
  epochLength: 3_600,
  initialEmission: 1_000n * JOULE,
  halvingInterval: 24,
} as const;

export type RefundReason =
  | "ASSIGNMENT_EXCESS"
  | "COMPLETED_UNUSED"
  | "CANCELLED_BY_TENANT"
  | "NO_BIDS"
  | "PROOF_REJECTED"
  | "DELIVERY_MISSED"
  | "VERIFICATION_TIMEOUT";

export type JobRecord = {
  id: bigint;
  label: string;
  tenant: Address;
  payer: Address;
  params: JobParams;
  funded: bigint;
  status: JobStatusName;
  reason: CloseReasonName | undefined;
  /** Best on-chain bid while open. */
  bestBidder: Address | undefined;
  bestPrice: bigint | undefined;
  provider: Address | undefined;
  price: bigint | undefined;
  signedBid: boolean | undefined;
  deliveryDeadline: number | undefined;
  /** Net paid to the provider (payment − fee). */
  paid: bigint;
  fees: bigint;
  refunded: bigint;
  escrow: bigint;
  slashed: bigint;
  compensation: bigint;
  collateralReleased: bigint;
  units: bigint;
  energyWh: bigint;
  milestonesSettled: number;
  pending: { milestone: number; resultRoot: Hex; units: bigint; energyWh: bigint; verifyDeadline: number } | undefined;
  refunds: { reason: RefundReason; amount: bigint }[];
};

export type ProviderRecord = {
  actor: Actor;
  hardware: Hardware;
  stake: bigint;
  locked: bigint;
  slashedTotal: bigint;
  slashCount: number;
  units: bigint;
  energyWh: bigint;
  rewardsClaimed: bigint;
  jobsCompleted: number;
  jobsFailed: number;
  /** Verified units per reward epoch, and the reward claimed for it. */
  epochs: Map<number, { units: bigint; claimed: bigint | undefined }>;
};

export type EpochRecord = { units: bigint; minted: bigint };

export type SimEvent = { kind: string; text: string };

/** Thrown once a stop was requested (Ctrl-C, SIGTERM): the simulation ends at the transaction in flight. */
export class Interrupted extends Error {
  override name = "Interrupted";
}

const key = (account: string, token: string) => `${account.toLowerCase()}|${token.toLowerCase()}`;
const lower = (a: string) => a.toLowerCase();

export class Sim {
  readonly cast: Cast;
  deployment!: Deployment;
  usd!: Address;
  joule!: Address;
  genesis = 0;
  readonly jobs = new Map<bigint, JobRecord>();
  readonly providers = new Map<string, ProviderRecord>();
  readonly epochs = new Map<number, EpochRecord>();
  /** Market balances (pull payments) by account and token. */
  readonly balances = new Map<string, bigint>();
  /** Withdrawals by account and token: count and sum. */
  readonly withdrawn = new Map<string, { count: number; amount: bigint }>();
  /** Differences between what an action's events reported and what the rules say (should stay empty). */
  readonly problems: string[] = [];
  /** Transactions sent. */
  transactions = 0;
  /** Set on Ctrl-C/SIGTERM: the transaction in flight completes, then `Interrupted` is thrown. */
  stopRequested = false;
  private readonly report: (event: SimEvent) => void;

  constructor(cast: Cast, report: (event: SimEvent) => void) {
    this.cast = cast;
    this.report = report;
  }

  // ───────────────────────────── Set-up ─────────────────────────────

  /** Deploys the protocol through the SDK (mock payment token included) and writes the manifest. */
  async deploy(manifestPath: string): Promise<Deployment> {
    const { cast } = this;
    const { deployment, transactions } = await deployProtocol(cast.deployer.wallet, {
      verifiers: cast.verifiers.map((v) => v.address),
      threshold: 2,
      treasury: cast.treasury.address,
      feeBps: SETTINGS.feeBps,
      verificationWindow: SETTINGS.verificationWindow,
      slashPayerShareBps: SETTINGS.slashPayerShareBps,
      unbondingDelay: SETTINGS.unbondingDelay,
      rewards: {
        epochLength: SETTINGS.epochLength,
        initialEmission: SETTINGS.initialEmission,
        halvingInterval: SETTINGS.halvingInterval,
      },
      mockPaymentToken: { name: "Mock USD", symbol: "mUSD", decimals: 6 },
      manifestPath,
      publicClient: cast.publicClient,
    });
    this.transactions += transactions.length;
    this.deployment = deployment;
    this.usd = deployment.addresses.paymentToken!;
    this.joule = deployment.addresses.jouleToken;
    cast.bind(deployment);
    this.genesis = Number(
      await cast.publicClient.readContract({
        address: deployment.addresses.rewardEmitter,
        abi: rewardEmitterAbi,
        functionName: "genesis",
      }),
    );
    return deployment;
  }

  /** Funds tenants and sponsor with mock USD, gives providers JOULE, registers and stakes them. */
  async onboard(hardware: readonly Hardware[], stakeEach: bigint, spareEach: bigint): Promise<void> {
    const { cast } = this;
    for (const who of [...cast.tenants, cast.sponsor]) {
      await this.raw(cast.deployer, this.usd, mockErc20Abi, "mint", [who.address, 1_000_000n * USD]);
    }
    for (const [i, provider] of cast.providers.entries()) {
      const hw = hardware[i]!;
      await this.raw(cast.deployer, this.joule, jouleTokenAbi, "transfer", [provider.address, stakeEach + spareEach]);
      await this.tx(registerProvider(provider.joule, { ...hw, metadataURI: `ipfs://joule-sim/${provider.name}` }));
      const staked = await stake(provider.joule, { amount: stakeEach });
      this.transactions += staked.approvalHash ? 2 : 1;
      this.providers.set(lower(provider.address), {
        actor: provider,
        hardware: hw,
        stake: stakeEach,
        locked: 0n,
        slashedTotal: 0n,
        slashCount: 0,
        units: 0n,
        energyWh: 0n,
        rewardsClaimed: 0n,
        jobsCompleted: 0,
        jobsFailed: 0,
        epochs: new Map(),
      });
      this.check(`provider ${provider.name} stake after staking`, staked.stake, stakeEach);
      this.report({
        kind: "provider",
        text: `${provider.name} registered (${hw.label}, ${hw.carbonIntensity} gCO2e/kWh), staked ${fmtJoule(stakeEach)}`,
      });
    }
  }

  /** Tops a provider's stake up from its wallet. */
  async topUp(provider: Actor, amount: bigint): Promise<void> {
    const staked = await stake(provider.joule, { amount });
    this.transactions += staked.approvalHash ? 2 : 1;
    const p = this.provider(provider.address);
    p.stake += amount;
    this.check(`provider ${provider.name} stake after top-up`, staked.stake, p.stake);
  }

  // ───────────────────────────── Tenants ─────────────────────────────

  async postJob(spec: {
    label: string;
    tenant: Actor;
    /** Pays for the tenant (createJobFor): refunds and slash compensation go to the sponsor. */
    sponsor?: Actor | undefined;
    milestones: number;
    maxUnits: bigint;
    maxPricePerUnit: bigint;
    collateral: bigint;
    biddingSeconds: number;
    deliveryWindow: number;
    requirements?: { minGpuClass?: number; minGpuCount?: number; minVramGb?: number; maxCarbonIntensity?: number };
  }): Promise<JobRecord> {
    const caller = spec.sponsor ?? spec.tenant;
    const now = await this.now();
    const result = await createJob(caller.joule, {
      specHash: keccak256(stringToHex(`joule-sim:${spec.label}`)),
      maxUnits: spec.maxUnits,
      maxPricePerUnit: spec.maxPricePerUnit,
      collateral: spec.collateral,
      biddingEnd: now + spec.biddingSeconds,
      deliveryWindow: spec.deliveryWindow,
      milestones: spec.milestones,
      requirements: spec.requirements,
      ...(spec.sponsor ? { tenant: spec.tenant.address } : {}),
    });
    this.transactions += result.approvalHash ? 2 : 1;
    const funded = spec.maxUnits * spec.maxPricePerUnit;
    this.check(`job ${result.jobId} funded`, result.funded, funded);
    const job: JobRecord = {
      id: result.jobId,
      label: spec.label,
      tenant: spec.tenant.address,
      payer: caller.address,
      params: result.params,
      funded,
      status: "Open",
      reason: undefined,
      bestBidder: undefined,
      bestPrice: undefined,
      provider: undefined,
      price: undefined,
      signedBid: undefined,
      deliveryDeadline: undefined,
      paid: 0n,
      fees: 0n,
      refunded: 0n,
      escrow: funded,
      slashed: 0n,
      compensation: 0n,
      collateralReleased: 0n,
      units: 0n,
      energyWh: 0n,
      milestonesSettled: 0,
      pending: undefined,
      refunds: [],
    };
    this.jobs.set(job.id, job);
    this.report({
      kind: "job",
      text:
        `job ${job.id} "${spec.label}" posted by ${spec.tenant.name}${spec.sponsor ? ` (paid by ${spec.sponsor.name})` : ""}: ` +
        `${spec.milestones} milestone(s), ≤${spec.maxUnits} GPU-s at ≤${fmtPrice(spec.maxPricePerUnit)}, escrow ${fmtUsd(funded)}, collateral ${fmtJoule(spec.collateral)}`,
    });
    return job;
  }

  async cancel(job: JobRecord): Promise<void> {
    const tenant = this.actor(job.tenant);
    const { closed } = await this.tx(cancelJob(tenant.joule, { jobId: job.id, params: job.params }));
    this.closeOpen(job, "Cancelled", "CancelledByTenant", "CANCELLED_BY_TENANT");
    this.checkClosed(job, closed);
    this.report({ kind: "cancel", text: `job ${job.id} cancelled by ${tenant.name}: ${fmtUsd(job.funded)} refunded` });
  }

  /** The tenant accepts a provider's signed bid. */
  async accept(job: JobRecord, signed: SignedBid): Promise<void> {
    const tenant = this.actor(job.tenant);
    const { assigned, receipt } = await this.tx(
      acceptBid(tenant.joule, { bid: signed.bid, signature: signed.signature, params: job.params }),
    );
    await this.assign(job, signed.bid.provider, signed.bid.pricePerUnit, true, receipt);
    this.check(`job ${job.id} assigned price`, assigned.pricePerUnit, job.price!);
    this.check(
      `job ${job.id} assignment refund`,
      assigned.refunded,
      job.refunds.find((r) => r.reason === "ASSIGNMENT_EXCESS")?.amount ?? 0n,
    );
    this.check(`job ${job.id} delivery deadline`, BigInt(assigned.deliveryDeadline), BigInt(job.deliveryDeadline!));
    this.report({
      kind: "assign",
      text: `job ${job.id}: ${tenant.name} accepted ${this.cast.nameOf(signed.bid.provider)}'s signed bid at ${fmtPrice(signed.bid.pricePerUnit)}`,
    });
  }

  // ───────────────────────────── Providers ─────────────────────────────

  /** On-chain bid: locks the bidder's collateral, releases the displaced bidder's. */
  async bid(provider: Actor, job: JobRecord, price: bigint): Promise<void> {
    const { replaced } = await this.tx(
      placeBid(provider.joule, { jobId: job.id, pricePerUnit: price, params: job.params }),
    );
    const previous = job.bestBidder;
    const collateral = job.params.request.collateral;
    if (previous === undefined || lower(previous) !== lower(provider.address))
      this.provider(provider.address).locked += collateral;
    if (previous !== undefined && lower(previous) !== lower(provider.address))
      this.provider(previous).locked -= collateral;
    this.check(`job ${job.id} bid replaced`, (replaced ?? "none").toLowerCase(), (previous ?? "none").toLowerCase());
    job.bestBidder = provider.address;
    job.bestPrice = price;
    this.report({
      kind: "bid",
      text: `job ${job.id}: ${provider.name} bids ${fmtPrice(price)} on chain${previous ? ` (outbids ${this.cast.nameOf(previous)})` : ""}`,
    });
  }

  /** Off-chain EIP-712 bid, handed to the tenant. */
  async offer(provider: Actor, job: JobRecord, price: bigint, nonce: bigint): Promise<SignedBid> {
    const expiry = (await this.now()) + 900;
    return signBid(provider.joule, { jobId: job.id, pricePerUnit: price, expiry, nonce, params: job.params });
  }

  async prove(job: JobRecord, units: bigint, energyWh: bigint): Promise<void> {
    const provider = this.actor(job.provider!);
    const milestone = job.milestonesSettled;
    const resultRoot = keccak256(stringToHex(`joule-sim:${job.label}:milestone-${milestone}:checkpoints`));
    const { verifyDeadline, receipt } = await this.tx(
      submitProof(provider.joule, {
        jobId: job.id,
        milestone,
        resultRoot,
        units,
        energyWh,
        params: job.params,
        assignment: this.assignment(job),
      }),
    );
    const ts = await this.blockTime(receipt);
    this.check(`job ${job.id} verify deadline`, BigInt(verifyDeadline), BigInt(ts + job.params.verificationWindow));
    job.pending = { milestone, resultRoot, units, energyWh, verifyDeadline };
    this.report({
      kind: "proof",
      text: `job ${job.id}: ${provider.name} proves milestone ${milestone + 1}/${job.params.request.milestones} — ${units} GPU-s, ${energyWh} Wh`,
    });
  }

  /** Claims every ended epoch's reward (claimRewards) and, with `balances`, withdraws the market balances (two
   * transactions), or does both in one `claim` transaction with `oneTx`. Returns the JOULE minted. */
  async collect(provider: Actor, options: { oneTx: boolean }): Promise<bigint> {
    const p = this.provider(provider.address);
    const pending = await getPendingRewards(provider.joule, { provider: provider.address });
    const epochs = pending.epochs.map((e) => e.epoch);
    const expected = epochs.reduce((sum, e) => sum + this.rewardOf(p, e), 0n);
    this.check(`${provider.name} pending rewards`, pending.total, expected);
    let minted = 0n;
    if (options.oneTx) {
      const tokens = [this.usd, this.joule].filter((t) => (this.balances.get(key(provider.address, t)) ?? 0n) > 0n);
      if (!tokens.length && !epochs.length) return 0n;
      const result = await this.tx(claim(provider.joule, { tokens, epochs }));
      minted = result.rewards;
      for (const w of result.withdrawn) this.debit(provider.address, w.token, w.amount, `${provider.name} claim`);
      for (const t of tokens)
        this.check(
          `${provider.name} withdrew its whole ${this.symbol(t)} balance`,
          this.balances.get(key(provider.address, t)) ?? 0n,
          0n,
        );
    } else {
      if (epochs.length) minted = (await this.tx(claimRewards(provider.joule, { epochs }))).amount;
      const balance = this.balances.get(key(provider.address, this.usd)) ?? 0n;
      if (balance > 0n) {
        const w = await this.tx(withdraw(provider.joule, { token: this.usd }));
        this.debit(provider.address, this.usd, w.amount, `${provider.name} withdraw`);
      }
    }
    this.check(`${provider.name} rewards minted`, minted, expected);
    for (const e of epochs) {
      const reward = this.rewardOf(p, e);
      p.epochs.get(e)!.claimed = reward;
      this.epoch(e).minted += reward;
    }
    p.rewardsClaimed += minted;
    if (epochs.length) {
      this.report({
        kind: "reward",
        text: `${provider.name} claims ${fmtJoule(minted)} for epoch(s) ${epochs.join(", ")}${options.oneTx ? " and its balances in one transaction" : ""}`,
      });
    }
    return minted;
  }

  // ───────────────────────────── Verifiers and keepers ─────────────────────────────

  /** Two of the three verifiers sign the pending proof's attestation; the keeper settles it. */
  async verify(job: JobRecord, accepted: boolean, signers: readonly [number, number] = [0, 1]): Promise<void> {
    const pending = job.pending!;
    const sigs = [];
    for (const i of signers) {
      sigs.push(
        await signAttestation(this.cast.verifiers[i]!.joule, {
          jobId: job.id,
          accepted,
          milestone: pending.milestone,
          resultRoot: pending.resultRoot,
          units: pending.units,
          energyWh: pending.energyWh,
        }),
      );
    }
    const { settled, closed, receipt } = await this.tx(
      settle(this.cast.keeper.joule, {
        attestation: sigs[0]!.attestation,
        signatures: sigs,
        params: job.params,
        assignment: this.assignment(job),
      }),
    );
    const ts = await this.blockTime(receipt);
    const provider = this.provider(job.provider!);
    const signerNames = signers.map((i) => this.cast.verifiers[i]!.name).join(" + ");
    job.pending = undefined;
    if (!accepted) {
      this.closeAssigned(job, "Failed", "ProofRejected", "PROOF_REJECTED");
      this.checkClosed(job, closed);
      this.report({
        kind: "reject",
        text: `job ${job.id}: ${signerNames} reject milestone ${pending.milestone + 1}; ${provider.actor.name} slashed ${fmtJoule(job.slashed)}, ${fmtUsd(job.refunds.at(-1)?.amount ?? 0n)} refunded`,
      });
      return;
    }
    const price = job.price!;
    const payment = pending.units * price;
    const fee = (payment * BigInt(job.params.feeBps) + BPS - 1n) / BPS; // rounds up, in the protocol's favour
    const epoch = Math.max(0, Math.floor((ts - this.genesis) / SETTINGS.epochLength));
    // The delivery clock stops while the proof waits for verification.
    job.deliveryDeadline! += ts - (pending.verifyDeadline - job.params.verificationWindow);
    job.escrow -= payment;
    job.paid += payment - fee;
    job.fees += fee;
    job.units += pending.units;
    job.energyWh += pending.energyWh;
    job.milestonesSettled += 1;
    this.credit(job.provider!, this.tokenOf(job), payment - fee);
    this.credit(this.cast.treasury.address, this.tokenOf(job), fee);
    provider.units += pending.units;
    provider.energyWh += pending.energyWh;
    const pe = provider.epochs.get(epoch) ?? { units: 0n, claimed: undefined };
    pe.units += pending.units;
    provider.epochs.set(epoch, pe);
    this.epoch(epoch).units += pending.units;
    if (!settled) {
      this.problems.push(`job ${job.id}: settle reported no MilestoneSettled event`);
      return;
    }
    this.check(`job ${job.id} milestone ${pending.milestone} payment`, settled.payment, payment);
    this.check(`job ${job.id} milestone ${pending.milestone} fee`, settled.fee, fee);
    this.check(`job ${job.id} milestone ${pending.milestone} escrow remaining`, settled.escrowRemaining, job.escrow);
    this.check(`job ${job.id} milestone ${pending.milestone} reward epoch`, BigInt(settled.rewardEpoch), BigInt(epoch));
    this.check(
      `job ${job.id} delivery deadline after milestone ${pending.milestone}`,
      BigInt(settled.deliveryDeadline),
      BigInt(job.deliveryDeadline!),
    );
    let note = "";
    if (job.milestonesSettled === job.params.request.milestones) {
      const unused = job.escrow;
      job.status = "Completed";
      job.reason = "Completed";
      job.escrow = 0n;
      this.refund(job, "COMPLETED_UNUSED", unused);
      job.collateralReleased += job.params.request.collateral;
      provider.locked -= job.params.request.collateral;
      provider.jobsCompleted += 1;
      this.checkClosed(job, closed);
      note = `; job completed${unused ? `, ${fmtUsd(unused)} unused escrow refunded` : ""}`;
    }
    this.report({
      kind: "settle",
      text: `job ${job.id}: ${signerNames} accept milestone ${pending.milestone + 1}; ${provider.actor.name} earns ${fmtUsd(payment - fee)} (fee ${fmtUsd(fee)}), ${pending.units} GPU-s in epoch ${epoch}${note}`,
    });
  }

  /** The keeper awards an open job whose bidding ended to its best on-chain bid. */
  async award(job: JobRecord): Promise<void> {
    const { assigned, receipt } = await this.tx(award(this.cast.keeper.joule, { jobId: job.id, params: job.params }));
    await this.assign(job, job.bestBidder!, job.bestPrice!, false, receipt);
    this.check(`job ${job.id} awarded provider`, assigned.provider.toLowerCase(), job.provider!.toLowerCase());
    this.check(`job ${job.id} awarded price`, assigned.pricePerUnit, job.price!);
    this.check(
      `job ${job.id} assignment refund`,
      assigned.refunded,
      job.refunds.find((r) => r.reason === "ASSIGNMENT_EXCESS")?.amount ?? 0n,
    );
    this.report({
      kind: "assign",
      text: `job ${job.id} awarded to ${this.cast.nameOf(job.provider!)} at ${fmtPrice(job.price!)} (best on-chain bid)`,
    });
  }

  /** The keeper closes a job past a deadline: no bids, delivery missed, or verification timed out. */
  async expire(job: JobRecord): Promise<void> {
    const { closed } = await this.tx(
      expire(this.cast.keeper.joule, {
        jobId: job.id,
        params: job.params,
        ...(job.provider ? { assignment: this.assignment(job) } : {}),
      }),
    );
    if (job.status === "Open") {
      this.closeOpen(job, "Expired", "NoBids", "NO_BIDS");
      this.report({ kind: "expire", text: `job ${job.id} expired without bids: ${fmtUsd(job.funded)} refunded` });
    } else if (job.pending) {
      job.pending = undefined;
      this.closeAssigned(job, "Expired", "VerificationTimeout", "VERIFICATION_TIMEOUT");
      this.report({
        kind: "expire",
        text: `job ${job.id}: verifiers never answered; expired, ${fmtUsd(job.refunds.at(-1)?.amount ?? 0n)} refunded, collateral released`,
      });
    } else {
      this.closeAssigned(job, "Failed", "DeliveryMissed", "DELIVERY_MISSED");
      this.report({
        kind: "slash",
        text: `job ${job.id}: ${this.cast.nameOf(job.provider!)} missed its delivery deadline; slashed ${fmtJoule(job.slashed)} (${fmtJoule(job.compensation)} to the payer)`,
      });
    }
    this.checkClosed(job, closed);
  }

  /** Withdraws an account's whole market balance of `token`. */
  async withdrawAll(actor: Actor, token: Address): Promise<bigint> {
    const balance = this.balances.get(key(actor.address, token)) ?? 0n;
    if (balance === 0n) return 0n;
    const result = await this.tx(withdraw(actor.joule, { token }));
    this.check(`${actor.name} withdrawal of ${this.symbol(token)}`, result.amount, balance);
    this.check(`${actor.name} ${this.symbol(token)} left in the market`, result.remaining, 0n);
    this.debit(actor.address, token, result.amount, `${actor.name} withdraw`);
    this.report({
      kind: "withdraw",
      text: `${actor.name} withdraws ${token === this.usd ? fmtUsd(result.amount) : fmtJoule(result.amount)}`,
    });
    return result.amount;
  }

  // ───────────────────────────── Time ─────────────────────────────

  /** Latest block timestamp. */
  async now(): Promise<number> {
    return Number((await this.cast.publicClient.getBlock({ blockTag: "latest" })).timestamp);
  }

  /** Mines a block at `timestamp` (later than the latest block). */
  async warpTo(timestamp: number): Promise<void> {
    const now = await this.now();
    if (timestamp <= now) throw new Error(`cannot move time back: latest block is at ${now}, asked for ${timestamp}`);
    await this.cast.testClient.setNextBlockTimestamp({ timestamp: BigInt(timestamp) });
    await this.cast.testClient.mine({ blocks: 1 });
  }

  async warp(seconds: number): Promise<void> {
    await this.cast.testClient.increaseTime({ seconds });
    await this.cast.testClient.mine({ blocks: 1 });
  }

  currentEpoch(now: number): number {
    return now <= this.genesis ? 0 : Math.floor((now - this.genesis) / SETTINGS.epochLength);
  }

  // ───────────────────────────── Book keeping ─────────────────────────────

  provider(address: string): ProviderRecord {
    const p = this.providers.get(lower(address));
    if (!p) throw new Error(`${address} is not a simulated provider`);
    return p;
  }

  actor(address: string): Actor {
    const a = this.cast.all.find((x) => lower(x.address) === lower(address));
    if (!a) throw new Error(`${address} is not in the cast`);
    return a;
  }

  balanceOf(account: string, token: string): bigint {
    return this.balances.get(key(account, token)) ?? 0n;
  }

  /** Every (account, token) the book holds a balance or withdrawal for. */
  balanceKeys(): { account: Address; token: Address }[] {
    const keys = new Set([...this.balances.keys(), ...this.withdrawn.keys()]);
    return [...keys].map((k) => {
      const [account, token] = k.split("|") as [Address, Address];
      return { account, token };
    });
  }

  withdrawnBy(account: string, token: string): { count: number; amount: bigint } {
    return this.withdrawn.get(key(account, token)) ?? { count: 0, amount: 0n };
  }

  emissionOf(epoch: number): bigint {
    return SETTINGS.initialEmission >> BigInt(Math.floor(epoch / SETTINGS.halvingInterval));
  }

  /** Pro-rata reward of a provider for an epoch, rounded down (the emitter's rule). */
  rewardOf(p: ProviderRecord, epoch: number): bigint {
    const units = p.epochs.get(epoch)?.units ?? 0n;
    const total = this.epochs.get(epoch)?.units ?? 0n;
    return units === 0n || total === 0n ? 0n : (this.emissionOf(epoch) * units) / total;
  }

  symbol(token: string): string {
    return lower(token) === lower(this.usd) ? "mUSD" : lower(token) === lower(this.joule) ? "JOULE" : token;
  }

  assignment(job: JobRecord): Assignment {
    return { provider: job.provider!, pricePerUnit: job.price! };
  }

  private tokenOf(job: JobRecord): Address {
    return job.params.request.token;
  }

  private epoch(epoch: number): EpochRecord {
    let e = this.epochs.get(epoch);
    if (!e) {
      e = { units: 0n, minted: 0n };
      this.epochs.set(epoch, e);
    }
    return e;
  }

  private credit(account: string, token: string, amount: bigint): void {
    if (amount === 0n) return;
    this.balances.set(key(account, token), this.balanceOf(account, token) + amount);
  }

  private debit(account: string, token: string, amount: bigint, label: string): void {
    const balance = this.balanceOf(account, token);
    if (amount > balance)
      this.problems.push(`${label}: withdrew ${amount} of ${this.symbol(token)} but the book holds ${balance}`);
    this.balances.set(key(account, token), balance - amount);
    const w = this.withdrawnBy(account, token);
    this.withdrawn.set(key(account, token), { count: w.count + 1, amount: w.amount + amount });
  }

  private refund(job: JobRecord, reason: RefundReason, amount: bigint): void {
    if (amount === 0n) return;
    job.refunded += amount;
    job.refunds.push({ reason, amount });
    this.credit(job.payer, this.tokenOf(job), amount);
  }

  private async assign(
    job: JobRecord,
    provider: Address,
    price: bigint,
    signed: boolean,
    receipt: TransactionReceipt,
  ): Promise<void> {
    const collateral = job.params.request.collateral;
    const previous = job.bestBidder;
    if (signed) {
      // Accepting a signed bid locks the signer's collateral (unless it held the best on-chain bid) and
      // releases the best on-chain bidder's.
      if (previous === undefined || lower(previous) !== lower(provider)) this.provider(provider).locked += collateral;
      if (previous !== undefined && lower(previous) !== lower(provider)) this.provider(previous).locked -= collateral;
    }
    const maxUnits = job.params.request.maxUnits;
    const excess = maxUnits * (job.params.request.maxPricePerUnit - price);
    job.status = "Assigned";
    job.provider = provider;
    job.price = price;
    job.signedBid = signed;
    job.bestBidder = undefined;
    job.bestPrice = undefined;
    job.escrow = maxUnits * price;
    job.deliveryDeadline = (await this.blockTime(receipt)) + job.params.request.deliveryWindow;
    this.refund(job, "ASSIGNMENT_EXCESS", excess);
  }

  private closeOpen(job: JobRecord, status: JobStatusName, reason: CloseReasonName, refundReason: RefundReason): void {
    const bidder = job.bestBidder;
    if (bidder) {
      this.provider(bidder).locked -= job.params.request.collateral;
      job.collateralReleased += job.params.request.collateral;
    }
    job.status = status;
    job.reason = reason;
    job.escrow = 0n;
    this.refund(job, refundReason, job.funded);
  }

  /** Failed (rejected proof, missed delivery): refund the unpaid escrow, slash the collateral. Expired
   * (verification timeout): refund the unpaid escrow, release the collateral. */
  private closeAssigned(
    job: JobRecord,
    status: JobStatusName,
    reason: CloseReasonName,
    refundReason: RefundReason,
  ): void {
    const provider = this.provider(job.provider!);
    const collateral = job.params.request.collateral;
    const unpaid = job.escrow;
    job.status = status;
    job.reason = reason;
    job.escrow = 0n;
    this.refund(job, refundReason, unpaid);
    provider.locked -= collateral;
    if (status === "Failed") {
      provider.stake -= collateral;
      provider.jobsFailed += 1;
      if (collateral > 0n) {
        // Compensation rounds down: the dust goes to the treasury.
        const compensation = (collateral * BigInt(SETTINGS.slashPayerShareBps)) / BPS;
        job.slashed = collateral;
        job.compensation = compensation;
        provider.slashedTotal += collateral;
        provider.slashCount += 1;
        this.credit(job.payer, this.joule, compensation);
        this.credit(this.cast.treasury.address, this.joule, collateral - compensation);
      }
    } else {
      job.collateralReleased += collateral;
    }
  }

  private checkClosed(
    job: JobRecord,
    closed:
      | {
          status: string;
          reason: string;
          refunded: bigint;
          collateralReleased: bigint;
          slashed: bigint;
          compensation: bigint;
        }
      | undefined,
  ): void {
    if (!closed) {
      this.problems.push(`job ${job.id}: no JobClosed event where the rules close the job (${job.status})`);
      return;
    }
    this.check(`job ${job.id} closed status`, closed.status, job.status);
    this.check(`job ${job.id} close reason`, closed.reason, job.reason ?? "");
    this.check(
      `job ${job.id} closing refund`,
      closed.refunded,
      job.refunds.at(-1)?.reason === "ASSIGNMENT_EXCESS" ? 0n : (job.refunds.at(-1)?.amount ?? 0n),
    );
    this.check(`job ${job.id} slashed`, closed.slashed, job.slashed);
    this.check(`job ${job.id} compensation`, closed.compensation, job.compensation);
  }

  check(label: string, actual: bigint | string | number, expected: bigint | string | number): void {
    if (actual !== expected)
      this.problems.push(`${label}: the transaction reported ${actual}, the rules say ${expected}`);
  }

  private async blockTime(receipt: TransactionReceipt): Promise<number> {
    return Number((await this.cast.publicClient.getBlock({ blockNumber: receipt.blockNumber })).timestamp);
  }

  /** Counts an SDK write (every write result carries a receipt). */
  private async tx<T extends { receipt: TransactionReceipt }>(promise: Promise<T>): Promise<T> {
    const result = await promise;
    if (this.stopRequested) throw new Interrupted("stopped");
    this.transactions += 1;
    return result;
  }

  /** A plain contract call from an actor (token minting and transfers are outside the SDK's scope). */
  private async raw(
    from: Actor,
    address: Address,
    abi: typeof mockErc20Abi | typeof jouleTokenAbi | typeof erc20Abi,
    functionName: string,
    args: unknown[],
  ) {
    if (this.stopRequested) throw new Interrupted("stopped");
    const hash = await from.wallet.writeContract({
      address,
      abi,
      functionName,
      args,
      account: from.wallet.account!,
      chain: this.cast.chain,
    } as never);
    const receipt = await this.cast.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    if (receipt.status !== "success") throw new Error(`${functionName} on ${address} reverted (${hash})`);
    this.transactions += 1;
  }
}

// ───────────────────────────── Formatting ─────────────────────────────

/** A fixed-point amount with thousands separators, truncated to at most `max` decimals, at least 2 shown. */
function fmtAmount(value: bigint, decimals: number, max: number): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const scale = 10n ** BigInt(decimals);
  const whole = (abs / scale).toLocaleString("en-US");
  let frac = (abs % scale).toString().padStart(decimals, "0").slice(0, max).replace(/0+$/, "");
  if (frac.length < 2) frac = frac.padEnd(2, "0");
  return `${negative ? "-" : ""}${whole}.${frac}`;
}

/** mUSD (6 decimals). */
export function fmtUsd(value: bigint): string {
  return `${fmtAmount(value, 6, 6)} mUSD`;
}

/** A price per GPU-second, shown per GPU-hour. */
export function fmtPrice(perUnit: bigint): string {
  return `${fmtAmount(perUnit * 3600n, 6, 6)} mUSD/GPU-h`;
}

/** JOULE (18 decimals), truncated to 6 decimals. */
export function fmtJoule(value: bigint): string {
  return `${fmtAmount(value, 18, 6)} JOULE`;
}
