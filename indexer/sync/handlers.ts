// Event handlers: derive the indexer's tables from event data only (no eth_call). Each handler changes the
// batch's in-memory state; events are applied in chain order (block number, log index).
import type { DecodedLog } from "./decode.ts";
import type { BatchState } from "./state.ts";
import type { Row } from "./tables.ts";

export type HandlerContext = {
  /** JOULE: the stake token, in which slashes compensate payers. */
  stakeToken: string;
};

type Ctx = {
  s: BatchState;
  e: DecodedLog;
  a: Record<string, any>;
  /** Block time, ISO-8601. */
  at: string;
  /** UTC day of the block, YYYY-MM-DD. */
  day: string;
  /** "<txHash>-<logIndex>" */
  id: string;
  block: bigint;
  payouts: number;
  /** Stake changes recorded for this event so far (an outbid locks one bidder's collateral and releases another's). */
  stakeChanges: number;
  hc: HandlerContext;
};

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
const JOB_STATUS = ["NONE", "OPEN", "ASSIGNED", "COMPLETED", "CANCELLED", "EXPIRED", "FAILED"] as const;
const CLOSE_REASON = [
  "COMPLETED",
  "CANCELLED_BY_TENANT",
  "NO_BIDS",
  "PROOF_REJECTED",
  "DELIVERY_MISSED",
  "VERIFICATION_TIMEOUT",
] as const;
const SLASH_REASON = ["PROOF_REJECTED", "DELIVERY_MISSED"] as const;

const big = (v: unknown): bigint => BigInt(v as bigint | number | string);
const num = (v: unknown): number => Number(v);

/** ISO-8601 of unix seconds, clamped to 9999-12-31T23:59:59Z (later years need a form PostgreSQL refuses). */
export function isoTime(seconds: bigint): string {
  const max = 253_402_300_799n;
  const s = seconds > max ? max : seconds;
  return new Date(Number(s) * 1000).toISOString();
}

/** bytes32 → text when it is printable ASCII followed only by zero bytes. */
export function bytes32Text(hex: string): string | null {
  const bytes = Buffer.from(hex.slice(2), "hex");
  let end = bytes.indexOf(0);
  if (end === -1) end = bytes.length;
  if (end === 0) return null;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (i < end ? b < 0x20 || b > 0x7e : b !== 0) return null;
  }
  return bytes.subarray(0, end).toString("ascii");
}

function enumName<T extends readonly string[]>(names: T, index: unknown, what: string): T[number] {
  const i = num(index);
  const name = names[i];
  if (name === undefined) throw new Error(`unknown ${what} ${i}`);
  return name;
}

// ───────────────────────────── Helpers ─────────────────────────────

function protocol(c: Ctx): Row {
  const p = c.s.getOrCreate("protocol", { id: 1 });
  p.updatedBlock = c.block;
  return p;
}

function job(c: Ctx, jobId: unknown): Row | undefined {
  const row = c.s.get("jobs", String(big(jobId)));
  if (!row) {
    // The job was created before START_BLOCK (or by a contract that is not the market): keep the event, skip state.
    c.s.warnings.push(`${c.e.name} for unknown job ${String(jobId)} at ${c.id}`);
    return undefined;
  }
  row.updatedAt = c.at;
  row.updatedBlock = c.block;
  c.s.touch("jobs", row);
  return row;
}

function provider(c: Ctx, address: string): Row {
  const row = c.s.getOrCreate("providers", { address });
  row.updatedAt = c.at;
  row.updatedBlock = c.block;
  return row;
}

function daily(c: Ctx, add: Record<string, bigint | number>): void {
  c.s.accumulate("dailyStats", { day: c.day }, add, { updatedBlock: c.block });
}

function dailyToken(c: Ctx, token: string, add: Record<string, bigint>): void {
  c.s.accumulate("dailyTokenStats", { day: c.day, token }, add, { updatedBlock: c.block });
}

function tokenStats(c: Ctx, token: string, add: Record<string, bigint | number>): void {
  c.s.accumulate("tokens", { address: token }, add, { updatedBlock: c.block });
}

function where(c: Ctx): Row {
  return { blockNumber: c.block, logIndex: c.e.logIndex, txHash: c.e.txHash, timestamp: c.at };
}

/** Credits a market balance and records the payout. */
function credit(
  c: Ctx,
  kind: string,
  account: string,
  token: string,
  amount: bigint,
  jobId: bigint | null,
  milestone: number | null,
): void {
  if (amount === 0n) return;
  c.s.append("payouts", { id: `${c.id}-${c.payouts++}`, kind, account, token, amount, jobId, milestone, ...where(c) });
  c.s.accumulate("balances", { account, token }, { credited: amount, balance: amount }, { updatedBlock: c.block });
}

function refund(c: Ctx, j: Row, amount: bigint, reason: string): void {
  if (amount === 0n) return;
  const token = j.token as string;
  credit(c, "REFUND", j.payer as string, token, amount, j.id as bigint, null);
  c.s.append("refunds", { id: c.id, jobId: j.id, payer: j.payer, token, amount, reason, ...where(c) });
  tokenStats(c, token, { refunded: amount });
  dailyToken(c, token, { refunded: amount });
}

function parameter(
  c: Ctx,
  parameter: string,
  newValue: unknown,
  oldValue: unknown = null,
  subject: string | null = null,
): void {
  c.s.append("parameterChanges", {
    id: c.id,
    contract: c.e.address,
    parameter,
    subject,
    oldValue: oldValue === null ? null : String(oldValue),
    newValue: String(newValue),
    ...where(c),
  });
}

function stakeChange(c: Ctx, p: Row, kind: string, amount: bigint, extra: Row = {}): void {
  const n = c.stakeChanges++;
  c.s.append("stakeChanges", {
    // The event's first change is "<txHash>-<logIndex>"; a second one (the release of an outbid) gets "-1".
    id: n === 0 ? c.id : `${c.id}-${n}`,
    provider: p.address,
    kind,
    amount,
    jobId: null,
    counterparty: null,
    stakeAfter: p.stake,
    lockedAfter: p.locked,
    unbondingAfter: p.unbonding,
    unlockAt: p.unlockAt,
    ...extra,
    ...where(c),
  });
}

/** Locks a job's collateral in the provider's stake, as the registry does without an event. */
function lockCollateral(c: Ctx, address: string, j: Row): void {
  const amount = j.collateral as bigint;
  if (amount === 0n) return;
  const p = provider(c, address);
  p.locked = (p.locked as bigint) + amount;
  stakeChange(c, p, "COLLATERAL_LOCKED", amount, { jobId: j.id });
}

function releaseCollateral(c: Ctx, address: string, j: Row, amount: bigint): void {
  if (amount === 0n) return;
  const p = provider(c, address);
  p.locked = (p.locked as bigint) - amount;
  stakeChange(c, p, "COLLATERAL_RELEASED", amount, { jobId: j.id });
}

function emission(p: Row | undefined, epoch: bigint): bigint | null {
  if (!p || p.initialEmission == null || p.halvingInterval == null || (p.halvingInterval as bigint) === 0n) return null;
  const halvings = epoch / (p.halvingInterval as bigint);
  return halvings >= 256n ? 0n : (p.initialEmission as bigint) >> halvings;
}

function epochRow(c: Ctx, epoch: bigint): Row {
  const row = c.s.getOrCreate("rewardEpochs", { epoch });
  const p = c.s.get("protocol", "1");
  if (row.emission == null) row.emission = emission(p, epoch);
  if (row.startsAt == null && p?.rewardGenesis != null && p.epochLength != null) {
    const start = (p.rewardGenesis as bigint) + epoch * (p.epochLength as bigint);
    row.startsAt = isoTime(start);
    row.endsAt = isoTime(start + (p.epochLength as bigint));
  }
  row.updatedBlock = c.block;
  return row;
}

function providerEpoch(c: Ctx, address: string, epoch: bigint): Row {
  const row = c.s.getOrCreate("providerEpochs", { provider: address, epoch });
  row.updatedBlock = c.block;
  return row;
}

// ───────────────────────────── JobMarket ─────────────────────────────

const handlers: Record<string, (c: Ctx) => void> = {
  JobCreated(c) {
    const { jobId, tenant, payer, params, funded } = c.a;
    const r = params.request;
    const req = r.requirements;
    const id = big(jobId);
    c.s.put("jobs", {
      id,
      tenant,
      payer,
      feeBps: num(params.feeBps),
      slashPayerShareBps: params.slashPayerShareBps === undefined ? null : num(params.slashPayerShareBps),
      verificationWindow: big(params.verificationWindow),
      token: r.token,
      verifier: r.verifier,
      specHash: r.specHash,
      maxUnits: big(r.maxUnits),
      maxPricePerUnit: big(r.maxPricePerUnit),
      collateral: big(r.collateral),
      biddingEnd: big(r.biddingEnd),
      deliveryWindow: big(r.deliveryWindow),
      milestones: num(r.milestones),
      minGpuClass: num(req.minGpuClass),
      minGpuCount: num(req.minGpuCount),
      minVramGb: big(req.minVramGb),
      maxCarbonIntensity: big(req.maxCarbonIntensity),
      funded: big(funded),
      status: "OPEN",
      closeReason: null,
      bestBidProvider: null,
      bestBidPrice: null,
      bidCount: 0,
      provider: null,
      pricePerUnit: null,
      signedBid: null,
      escrow: big(funded),
      paid: 0n,
      fees: 0n,
      refunded: 0n,
      milestonesSettled: 0,
      units: 0n,
      energyWh: 0n,
      co2eMg: 0n,
      pendingMilestone: null,
      deliveryDeadline: null,
      verifyDeadline: null,
      collateralReleased: 0n,
      slashed: 0n,
      compensation: 0n,
      createdAt: c.at,
      createdBlock: c.block,
      createdTx: c.e.txHash,
      assignedAt: null,
      assignedBlock: null,
      closedAt: null,
      closedBlock: null,
      updatedAt: c.at,
      updatedBlock: c.block,
    });
    const p = protocol(c);
    if (id > (p.jobCount as bigint)) p.jobCount = id;
    tokenStats(c, r.token, { jobsCreated: 1, funded: big(funded) });
    dailyToken(c, r.token, { funded: big(funded) });
    daily(c, { jobsCreated: 1 });
  },

  BidPlaced(c) {
    const { jobId, provider: bidder, pricePerUnit, replaced } = c.a;
    const j = job(c, jobId);
    if (j) {
      j.bestBidProvider = bidder;
      j.bestBidPrice = big(pricePerUnit);
      j.bidCount = (j.bidCount as number) + 1;
    }
    c.s.append("bids", {
      id: c.id,
      jobId: big(jobId),
      provider: bidder,
      pricePerUnit: big(pricePerUnit),
      kind: "ONCHAIN",
      replaced: replaced === ZERO_ADDRESS ? null : replaced,
      ...where(c),
    });
    const p = provider(c, bidder);
    p.bidsPlaced = (p.bidsPlaced as number) + 1;
    daily(c, { bidsPlaced: 1 });
    // The registry emits nothing for locks: the new best bidder's collateral is locked (unless it already held
    // the best bid) and the displaced bidder's released.
    if (j) {
      const replacedBy = replaced === ZERO_ADDRESS ? null : (replaced as string);
      if (replacedBy !== bidder) lockCollateral(c, bidder, j);
      if (replacedBy !== null && replacedBy !== bidder) releaseCollateral(c, replacedBy, j, j.collateral as bigint);
    }
  },

  JobAssigned(c) {
    const { jobId, provider: winner, pricePerUnit, escrow, refunded, deliveryDeadline, signedBid } = c.a;
    const j = job(c, jobId);
    if (j && signedBid) {
      // Accepting a signed bid locks the signer's collateral (unless it also held the best on-chain bid) and
      // releases the best on-chain bidder's.
      const previous = j.bestBidProvider as string | null;
      if (previous !== winner) lockCollateral(c, winner, j);
      if (previous !== null && previous !== winner) releaseCollateral(c, previous, j, j.collateral as bigint);
    }
    if (j) {
      j.status = "ASSIGNED";
      j.provider = winner;
      j.pricePerUnit = big(pricePerUnit);
      j.signedBid = signedBid;
      j.escrow = big(escrow);
      j.refunded = (j.refunded as bigint) + big(refunded);
      j.deliveryDeadline = big(deliveryDeadline);
      j.assignedAt = c.at;
      j.assignedBlock = c.block;
      refund(c, j, big(refunded), "ASSIGNMENT_EXCESS");
    }
    if (signedBid) {
      c.s.append("bids", {
        id: c.id,
        jobId: big(jobId),
        provider: winner,
        pricePerUnit: big(pricePerUnit),
        kind: "SIGNED",
        replaced: null,
        ...where(c),
      });
    }
    const p = provider(c, winner);
    p.jobsAssigned = (p.jobsAssigned as number) + 1;
    daily(c, { jobsAssigned: 1 });
  },

  ProofSubmitted(c) {
    const { jobId, milestone, provider: prover, resultRoot, units, energyWh, verifyDeadline } = c.a;
    c.s.put("milestones", {
      jobId: big(jobId),
      index: num(milestone),
      provider: prover,
      status: "PENDING",
      resultRoot,
      units: big(units),
      energyWh: big(energyWh),
      carbonIntensity: null,
      co2eMg: null,
      verifyDeadline: big(verifyDeadline),
      submittedAt: c.at,
      submittedBlock: c.block,
      submittedTx: c.e.txHash,
      payment: null,
      fee: null,
      escrowRemaining: null,
      rewardEpoch: null,
      deliveryDeadline: null,
      settledAt: null,
      settledBlock: null,
      settledTx: null,
    });
    const j = job(c, jobId);
    if (j) {
      j.pendingMilestone = num(milestone);
      j.verifyDeadline = big(verifyDeadline);
    }
    daily(c, { proofsSubmitted: 1 });
  },

  MilestoneSettled(c) {
    const {
      jobId,
      milestone,
      provider: prover,
      resultRoot,
      units,
      energyWh,
      payment,
      fee,
      escrowRemaining,
      deliveryDeadline,
      rewardEpoch,
    } = c.a;
    const u = big(units);
    const wh = big(energyWh);
    const pay = big(payment);
    const f = big(fee);
    const p = provider(c, prover);
    const intensity = p.carbonIntensity as bigint;
    const co2 = wh * intensity; // Wh × gCO2e/kWh = mgCO2e
    const key = `${big(jobId)}|${num(milestone)}`;
    const m =
      c.s.get("milestones", key) ??
      // Proof submitted before START_BLOCK: rebuild what the settlement tells.
      c.s.put("milestones", {
        jobId: big(jobId),
        index: num(milestone),
        provider: prover,
        verifyDeadline: 0n,
        submittedAt: c.at,
        submittedBlock: c.block,
        submittedTx: c.e.txHash,
      });
    Object.assign(m, {
      status: "ACCEPTED",
      resultRoot,
      units: u,
      energyWh: wh,
      carbonIntensity: intensity,
      co2eMg: co2,
      payment: pay,
      fee: f,
      escrowRemaining: big(escrowRemaining),
      rewardEpoch: big(rewardEpoch),
      deliveryDeadline: big(deliveryDeadline),
      settledAt: c.at,
      settledBlock: c.block,
      settledTx: c.e.txHash,
    });
    c.s.touch("milestones", m);
    c.s.append("settlements", {
      id: c.id,
      jobId: big(jobId),
      milestone: num(milestone),
      provider: prover,
      accepted: true,
      resultRoot,
      units: u,
      energyWh: wh,
      payment: pay,
      fee: f,
      rewardEpoch: big(rewardEpoch),
      ...where(c),
    });
    // MilestoneSettled is the record of verified work for rewards: it counts in `rewardEpoch`.
    const e = epochRow(c, big(rewardEpoch));
    const pe = providerEpoch(c, prover, big(rewardEpoch));
    if ((pe.units as bigint) === 0n) e.providers = (e.providers as number) + 1;
    pe.units = (pe.units as bigint) + u;
    e.units = (e.units as bigint) + u;
    p.milestonesSettled = (p.milestonesSettled as number) + 1;
    p.units = (p.units as bigint) + u;
    p.energyWh = (p.energyWh as bigint) + wh;
    p.co2eMg = (p.co2eMg as bigint) + co2;
    daily(c, { milestonesAccepted: 1, units: u, energyWh: wh, co2eMg: co2 });

    const j = job(c, jobId);
    if (!j) return;
    j.milestonesSettled = (j.milestonesSettled as number) + 1;
    j.units = (j.units as bigint) + u;
    j.energyWh = (j.energyWh as bigint) + wh;
    j.co2eMg = (j.co2eMg as bigint) + co2;
    j.paid = (j.paid as bigint) + pay - f;
    j.fees = (j.fees as bigint) + f;
    j.escrow = big(escrowRemaining);
    j.deliveryDeadline = big(deliveryDeadline);
    j.pendingMilestone = null;
    j.verifyDeadline = null;
    const token = j.token as string;
    credit(c, "PROVIDER_PAYMENT", prover, token, pay - f, j.id as bigint, num(milestone));
    const treasury = (c.s.get("protocol", "1")?.treasury as string | null) ?? ZERO_ADDRESS;
    credit(c, "PROTOCOL_FEE", treasury, token, f, j.id as bigint, num(milestone));
    c.s.accumulate(
      "providerEarnings",
      { provider: prover, token },
      { earned: pay - f, fees: f, payments: 1 },
      { updatedBlock: c.block },
    );
    tokenStats(c, token, { paid: pay, fees: f });
    dailyToken(c, token, { paid: pay, fees: f });
  },

  JobClosed(c) {
    const { jobId, status, reason, refunded, collateralReleased, slashed, compensation } = c.a;
    const st = enumName(JOB_STATUS, status, "job status");
    const why = enumName(CLOSE_REASON, reason, "close reason");
    daily(
      c,
      {
        COMPLETED: { jobsCompleted: 1 },
        FAILED: { jobsFailed: 1 },
        CANCELLED: { jobsCancelled: 1 },
        EXPIRED: { jobsExpired: 1 },
      }[st as string] ?? {},
    );
    const j = job(c, jobId);
    if (!j) return;
    const pending = j.pendingMilestone as number | null;
    j.status = st;
    j.closeReason = why;
    j.refunded = (j.refunded as bigint) + big(refunded);
    j.escrow = 0n;
    j.collateralReleased = (j.collateralReleased as bigint) + big(collateralReleased);
    j.slashed = (j.slashed as bigint) + big(slashed);
    j.compensation = (j.compensation as bigint) + big(compensation);
    j.closedAt = c.at;
    j.closedBlock = c.block;
    j.pendingMilestone = null;
    j.verifyDeadline = null;

    if (pending !== null && (why === "PROOF_REJECTED" || why === "VERIFICATION_TIMEOUT")) {
      const m = c.s.get("milestones", `${j.id as bigint}|${pending}`);
      if (m) {
        m.status = why === "PROOF_REJECTED" ? "REJECTED" : "TIMED_OUT";
        m.settledAt = c.at;
        m.settledBlock = c.block;
        m.settledTx = c.e.txHash;
        c.s.touch("milestones", m);
        if (why === "PROOF_REJECTED") {
          c.s.append("settlements", {
            id: c.id,
            jobId: j.id,
            milestone: pending,
            provider: m.provider,
            accepted: false,
            resultRoot: m.resultRoot,
            units: m.units,
            energyWh: m.energyWh,
            payment: null,
            fee: null,
            rewardEpoch: null,
            ...where(c),
          });
          daily(c, { milestonesRejected: 1 });
        }
      }
    }
    refund(c, j, big(refunded), why === "COMPLETED" ? "COMPLETED_UNUSED" : why);
    const slash = big(slashed);
    if (slash > 0n) {
      const comp = big(compensation);
      credit(c, "SLASH_COMPENSATION", j.payer as string, c.hc.stakeToken, comp, j.id as bigint, null);
      const treasury = (c.s.get("protocol", "1")?.treasury as string | null) ?? ZERO_ADDRESS;
      credit(c, "SLASH_TREASURY", treasury, c.hc.stakeToken, slash - comp, j.id as bigint, null);
    }
    const released = big(collateralReleased);
    const holder = (j.provider ?? j.bestBidProvider) as string | null;
    if (released > 0n && holder !== null) releaseCollateral(c, holder, j, released);
    if (j.provider) {
      const p = provider(c, j.provider as string);
      if (why === "COMPLETED") p.jobsCompleted = (p.jobsCompleted as number) + 1;
      else if (why === "PROOF_REJECTED" || why === "DELIVERY_MISSED") p.jobsFailed = (p.jobsFailed as number) + 1;
      else if (why === "VERIFICATION_TIMEOUT") p.jobsTimedOut = (p.jobsTimedOut as number) + 1;
      if (why === "PROOF_REJECTED") p.milestonesRejected = (p.milestonesRejected as number) + 1;
    }
  },

  Withdrawn(c) {
    const { account, token, to, amount, remaining } = c.a;
    const amt = big(amount);
    // Older market builds reported the recipient and the remaining balance; the current one does not.
    c.s.append("withdrawals", {
      id: c.id,
      account,
      token,
      to: to ?? null,
      amount: amt,
      remaining: remaining === undefined ? null : big(remaining),
      ...where(c),
    });
    c.s.accumulate("balances", { account, token }, { withdrawn: amt, balance: -amt }, { updatedBlock: c.block });
    tokenStats(c, token, { withdrawn: amt });
    dailyToken(c, token, { withdrawn: amt });
  },

  NoncesInvalidated() {
    // Kept in raw_events only: nothing derived depends on it.
  },

  TokenAllowed(c) {
    const { token, allowed } = c.a;
    c.s.accumulate("tokens", { address: token }, {}, { allowed, allowedAt: c.at, updatedBlock: c.block });
    parameter(c, "tokenAllowed", allowed, null, token);
  },

  VerifierAllowed(c) {
    const { verifier, allowed } = c.a;
    const v = c.s.getOrCreate("verifierSets", { address: verifier });
    v.allowed = allowed;
    v.allowedAt = c.at;
    v.updatedBlock = c.block;
    parameter(c, "verifierAllowed", allowed, null, verifier);
  },

  ProtocolFeeUpdated(c) {
    protocol(c).protocolFeeBps = num(c.a.newFeeBps);
    parameter(c, "protocolFeeBps", c.a.newFeeBps, c.a.oldFeeBps);
  },

  VerificationWindowUpdated(c) {
    protocol(c).verificationWindow = big(c.a.newWindow);
    parameter(c, "verificationWindow", c.a.newWindow, c.a.oldWindow);
  },

  SlashPayerShareUpdated(c) {
    protocol(c).slashPayerShareBps = num(c.a.newBps);
    parameter(c, "slashPayerShareBps", c.a.newBps, c.a.oldBps);
  },

  TreasuryUpdated(c) {
    protocol(c).treasury = c.a.newTreasury;
    parameter(c, "treasury", c.a.newTreasury, c.a.oldTreasury);
  },

  Paused(c) {
    protocol(c).paused = true;
    parameter(c, "paused", true, null, c.a.account);
  },

  Unpaused(c) {
    protocol(c).paused = false;
    parameter(c, "paused", false, null, c.a.account);
  },

  OwnershipTransferStarted(c) {
    parameter(c, "pendingOwner", c.a.newOwner, c.a.previousOwner);
  },

  OwnershipTransferred(c) {
    parameter(c, "owner", c.a.newOwner, c.a.previousOwner);
  },

  EIP712DomainChanged() {},

  // ───────────────────────────── ProviderRegistry ─────────────────────────────

  ProviderRegistered(c) {
    const p = provider(c, c.a.provider);
    setProfile(c, p);
    if (!p.registered) daily(c, { providersRegistered: 1 });
    p.registered = true;
    p.registeredAt ??= c.at;
    p.registeredBlock ??= c.block;
  },

  ProfileUpdated(c) {
    setProfile(c, provider(c, c.a.provider));
  },

  Staked(c) {
    const p = provider(c, c.a.provider);
    p.stake = big(c.a.stake);
    p.totalStaked = (p.totalStaked as bigint) + big(c.a.amount);
    stakeChange(c, p, "STAKED", big(c.a.amount), { counterparty: c.a.from });
  },

  UnbondRequested(c) {
    const p = provider(c, c.a.provider);
    p.unbonding = big(c.a.unbonding);
    p.unlockAt = big(c.a.unlockAt);
    stakeChange(c, p, "UNBOND_REQUESTED", big(c.a.amount));
  },

  Unbonded(c) {
    const p = provider(c, c.a.provider);
    p.stake = big(c.a.stake);
    p.unbonding = 0n;
    p.unlockAt = null;
    p.totalUnbonded = (p.totalUnbonded as bigint) + big(c.a.amount);
    stakeChange(c, p, "UNBONDED", big(c.a.amount), { counterparty: c.a.to });
  },

  Slashed(c) {
    const { jobId, reason, amount, stake, locked } = c.a;
    const amt = big(amount);
    const p = provider(c, c.a.provider);
    p.stake = big(stake);
    p.locked = big(locked);
    p.slashedTotal = (p.slashedTotal as bigint) + amt;
    p.slashCount = (p.slashCount as number) + 1;
    // The market emits JobClosed (with the compensation) just before the registry's Slashed.
    const j = c.s.get("jobs", String(big(jobId)));
    const comp = j ? (j.compensation as bigint) : null;
    c.s.append("slashes", {
      id: c.id,
      provider: p.address,
      jobId: big(jobId),
      reason: enumName(SLASH_REASON, reason, "slash reason"),
      amount: amt,
      stakeAfter: big(stake),
      lockedAfter: big(locked),
      payer: j ? j.payer : null,
      compensation: comp,
      treasuryShare: comp === null ? null : amt - comp,
      ...where(c),
    });
    stakeChange(c, p, "SLASHED", amt, { jobId: big(jobId) });
    daily(c, { slashed: amt });
  },

  UnbondingDelayUpdated(c) {
    protocol(c).unbondingDelay = big(c.a.newDelay);
    parameter(c, "unbondingDelay", c.a.newDelay, c.a.oldDelay);
  },

  // ───────────────────────────── RewardEmitter ─────────────────────────────

  ScheduleSet(c) {
    const { genesis, epochLength, initialEmission, halvingInterval } = c.a;
    const p = protocol(c);
    p.rewardGenesis = big(genesis);
    p.epochLength = big(epochLength);
    p.initialEmission = big(initialEmission);
    p.halvingInterval = big(halvingInterval);
    parameter(
      c,
      "rewardSchedule",
      `genesis=${genesis} epochLength=${epochLength} initialEmission=${initialEmission} halvingInterval=${halvingInterval}`,
    );
  },

  RewardClaimed(c) {
    const { provider: claimant, epoch, to, amount } = c.a;
    const amt = big(amount);
    c.s.append("rewardClaims", { id: c.id, provider: claimant, epoch: big(epoch), to, amount: amt, ...where(c) });
    const e = epochRow(c, big(epoch));
    e.minted = (e.minted as bigint) + amt;
    e.claims = (e.claims as number) + 1;
    const pe = providerEpoch(c, claimant, big(epoch));
    pe.claimed = true;
    pe.reward = amt;
    pe.claimedTo = to;
    pe.claimedAt = c.at;
    const p = provider(c, claimant);
    p.rewardsClaimed = (p.rewardsClaimed as bigint) + amt;
    daily(c, { rewardsMinted: amt });
  },

  // ───────────────────────────── JouleToken, QuorumVerifier ─────────────────────────────

  MinterSet(c) {
    parameter(c, "minter", c.a.minter);
  },

  QuorumConfigured(c) {
    const v = c.s.getOrCreate("verifierSets", { address: c.e.address });
    v.members = (c.a.members as string[]).slice();
    v.threshold = big(c.a.threshold);
    v.configuredAt = c.at;
    v.configuredBlock = c.block;
    v.updatedBlock = c.block > (v.updatedBlock as bigint) ? c.block : v.updatedBlock;
  },
};

function setProfile(c: Ctx, p: Row): void {
  const { gpuClass, gpuCount, vramGb, carbonIntensity, region, metadataURI } = c.a;
  p.gpuClass = num(gpuClass);
  p.gpuCount = num(gpuCount);
  p.vramGb = big(vramGb);
  p.carbonIntensity = big(carbonIntensity);
  p.region = region;
  p.regionText = bytes32Text(region);
  // PostgreSQL text cannot hold NUL: a hostile URI with one is stored without it.
  p.metadataURI = String(metadataURI).replace(/\u0000/g, "");
  p.profileUpdatedAt = c.at;
}

/** Applies `events` (in chain order) to the batch state. `timestamps` maps block number → unix seconds. */
export function applyEvents(
  s: BatchState,
  events: DecodedLog[],
  timestamps: Map<bigint, bigint>,
  hc: HandlerContext,
): void {
  let lastSeconds: bigint | undefined;
  let at = "";
  for (const e of events) {
    const handler = handlers[e.name];
    if (!handler) continue;
    const seconds = e.blockTimestamp ?? timestamps.get(e.blockNumber);
    if (seconds === undefined) throw new Error(`no timestamp for block ${e.blockNumber}`);
    if (seconds !== lastSeconds) {
      at = isoTime(seconds);
      lastSeconds = seconds;
    }
    handler({
      s,
      e,
      a: e.args as Record<string, any>,
      at,
      day: at.slice(0, 10),
      id: `${e.txHash}-${e.logIndex}`,
      block: e.blockNumber,
      payouts: 0,
      stakeChanges: 0,
      hc,
    });
  }
}

/** Keys of the entity rows the batch needs loaded before its events are applied (jobs, epochs, verifiers). */
export function firstKeys(events: DecodedLog[]): {
  jobs: Set<string>;
  verifiers: Set<string>;
  epochs: Set<string>;
  providerEpochs: Map<string, Row>;
} {
  const jobs = new Set<string>();
  // A job whose first event here is its JobCreated is new: that handler writes the whole row, so there is
  // nothing to read (in a backfill, most of the jobs a batch touches).
  const created = new Set<string>();
  const verifiers = new Set<string>();
  const epochs = new Set<string>();
  const providerEpochs = new Map<string, Row>();
  for (const e of events) {
    const a = e.args as Record<string, any>;
    if (a.jobId !== undefined) {
      const id = String(big(a.jobId));
      if (e.name === "JobCreated" && !jobs.has(id)) created.add(id);
      else if (!created.has(id)) jobs.add(id);
    }
    if (e.name === "VerifierAllowed") verifiers.add(a.verifier);
    if (e.name === "QuorumConfigured") verifiers.add(e.address);
    const epoch = e.name === "RewardClaimed" ? a.epoch : e.name === "MilestoneSettled" ? a.rewardEpoch : undefined;
    if (epoch !== undefined) {
      epochs.add(String(big(epoch)));
      providerEpochs.set(`${a.provider}|${big(epoch)}`, { provider: a.provider, epoch: big(epoch) });
    }
  }
  return { jobs, verifiers, epochs, providerEpochs };
}

/** Keys that depend on the loaded jobs: providers (also the assigned provider of closing jobs) and milestones. */
export function secondKeys(
  events: DecodedLog[],
  s: BatchState,
): { providers: Set<string>; milestones: Map<string, Row> } {
  const providers = new Set<string>();
  const milestones = new Map<string, Row>();
  for (const e of events) {
    const a = e.args as Record<string, any>;
    if (typeof a.provider === "string") providers.add(a.provider);
    if (e.name === "BidPlaced" && a.replaced !== ZERO_ADDRESS) providers.add(a.replaced);
    if (e.name === "JobAssigned" || e.name === "JobClosed") {
      const j = s.get("jobs", String(big(a.jobId)));
      if (j?.bestBidProvider) providers.add(j.bestBidProvider as string);
    }
    if (e.name === "ProofSubmitted" || e.name === "MilestoneSettled") {
      milestones.set(`${big(a.jobId)}|${num(a.milestone)}`, { jobId: big(a.jobId), index: num(a.milestone) });
    }
    if (e.name === "JobClosed") {
      const j = s.get("jobs", String(big(a.jobId)));
      if (j?.provider) providers.add(j.provider as string);
      if (j && j.pendingMilestone != null) {
        milestones.set(`${j.id as bigint}|${j.pendingMilestone as number}`, { jobId: j.id, index: j.pendingMilestone });
      }
    }
  }
  return { providers, milestones };
}
