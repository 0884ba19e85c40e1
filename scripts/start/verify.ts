// `--once` checks. The simulation's book (what the protocol's rules say every action moved) is compared, value
// by value, with the chain (contract reads) and with the indexer (GraphQL). Every difference is named.
import { type Address, erc20Abi } from "viem";
import { type IndexerClient, jobMarketAbi, providerRegistryAbi, rewardEmitterAbi } from "@joule/sdk";
import type { Sim } from "./sim.ts";

export type CheckReport = { passed: number; mismatches: string[] };

type Value = bigint | number | string | boolean | null | undefined;

class Checks {
  passed = 0;
  readonly mismatches: string[] = [];

  eq(source: "chain" | "indexer", what: string, actual: Value, expected: Value): void {
    const norm = (v: Value) =>
      typeof v === "string" && /^0x[0-9a-fA-F]{40}$/.test(v) ? v.toLowerCase() : v === undefined ? null : v;
    const a = norm(actual);
    const e = norm(expected);
    if (a === e) this.passed++;
    else this.mismatches.push(`${what}: ${source} has ${String(a)}, expected ${String(e)}`);
  }
}

/** `CancelledByTenant` → `CANCELLED_BY_TENANT` (the API's enum spelling). */
const enumName = (v: string | undefined) =>
  v === undefined ? null : v.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
const big = (v: string | null | undefined) => (v === null || v === undefined ? null : BigInt(v));

// ───────────────────────────── Chain ─────────────────────────────

/** Book vs contract state: statuses, escrow, stakes, market balances, reward units, solvency. */
export async function checkChain(sim: Sim): Promise<CheckReport> {
  const c = new Checks();
  const client = sim.cast.publicClient;
  const { jobMarket, providerRegistry, rewardEmitter } = sim.deployment.addresses;
  const read = <T>(address: Address, abi: readonly unknown[], functionName: string, args: readonly unknown[] = []) =>
    client.readContract({ address, abi, functionName, args } as never) as Promise<T>;

  for (const job of sim.jobs.values()) {
    const status = await read<number>(jobMarket, jobMarketAbi, "jobStatus", [job.id]);
    const names = ["None", "Open", "Assigned", "Completed", "Cancelled", "Expired", "Failed"];
    c.eq("chain", `job ${job.id} status`, names[status], job.status);
    const assignment = job.provider
      ? sim.assignment(job)
      : { provider: "0x0000000000000000000000000000000000000000", pricePerUnit: 0n };
    c.eq(
      "chain",
      `job ${job.id} escrow`,
      await read<bigint>(jobMarket, jobMarketAbi, "heldInEscrow", [job.id, job.params, assignment]),
      job.escrow,
    );
    // Conservation, per job: funded = paid to the provider + fees + refunds + remaining escrow.
    c.eq(
      "chain",
      `job ${job.id} conservation (paid + fees + refunded + escrow)`,
      job.paid + job.fees + job.refunded + job.escrow,
      job.funded,
    );
  }
  for (const p of sim.providers.values()) {
    const [stake, locked] = await read<readonly [bigint, bigint, bigint, number]>(
      providerRegistry,
      providerRegistryAbi,
      "stakeOf",
      [p.actor.address],
    );
    c.eq("chain", `provider ${p.actor.name} stake`, stake, p.stake);
    c.eq("chain", `provider ${p.actor.name} locked`, locked, p.locked);
    for (const [epoch, pe] of p.epochs) {
      c.eq(
        "chain",
        `provider ${p.actor.name} work in epoch ${epoch}`,
        await read<bigint>(jobMarket, jobMarketAbi, "workOf", [p.actor.address, epoch]),
        pe.units,
      );
      c.eq(
        "chain",
        `provider ${p.actor.name} claimed epoch ${epoch}`,
        await read<boolean>(rewardEmitter, rewardEmitterAbi, "isClaimed", [p.actor.address, epoch]),
        pe.claimed !== undefined,
      );
    }
  }
  for (const [epoch, e] of sim.epochs) {
    c.eq("chain", `epoch ${epoch} units`, await read<bigint>(jobMarket, jobMarketAbi, "totalUnits", [epoch]), e.units);
    c.eq(
      "chain",
      `epoch ${epoch} minted`,
      await read<bigint>(rewardEmitter, rewardEmitterAbi, "minted", [epoch]),
      e.minted,
    );
  }
  for (const actor of sim.cast.all) {
    for (const token of [sim.usd, sim.joule]) {
      c.eq(
        "chain",
        `${actor.name} market balance of ${sim.symbol(token)}`,
        await read<bigint>(jobMarket, jobMarketAbi, "balanceOf", [actor.address, token]),
        sim.balanceOf(actor.address, token),
      );
    }
  }
  // Solvency, per token: the market holds exactly the open escrow plus every credited balance.
  const escrow = [...sim.jobs.values()].reduce((s, j) => s + j.escrow, 0n);
  const sum = (token: Address) =>
    sim
      .balanceKeys()
      .filter((k) => k.token.toLowerCase() === token.toLowerCase())
      .reduce((s, k) => s + sim.balanceOf(k.account, k.token), 0n);
  c.eq(
    "chain",
    "market mUSD holdings (solvency)",
    await read<bigint>(sim.usd, erc20Abi, "balanceOf", [jobMarket]),
    escrow + sum(sim.usd),
  );
  c.eq(
    "chain",
    "market JOULE holdings (solvency)",
    await read<bigint>(sim.joule, erc20Abi, "balanceOf", [jobMarket]),
    sum(sim.joule),
  );
  return { passed: c.passed, mismatches: c.mismatches };
}

// ───────────────────────────── Indexer ─────────────────────────────

type GJob = {
  id: string;
  tenant: string;
  payer: string;
  token: string;
  funded: string;
  status: string;
  closeReason: string | null;
  providerAddress: string | null;
  pricePerUnit: string | null;
  signedBid: boolean | null;
  escrow: string;
  paid: string;
  fees: string;
  refunded: string;
  slashed: string;
  compensation: string;
  collateralReleased: string;
  units: string;
  energyWh: string;
  milestonesSettled: number;
};

const JOBS = `query ($first: Int, $after: String) { jobs(first: $first, after: $after, orderBy: [{ field: id, direction: ASC }]) {
  pageInfo { hasNextPage endCursor }
  nodes { id tenant payer token funded status closeReason providerAddress pricePerUnit signedBid escrow paid fees refunded
          slashed compensation collateralReleased units energyWh milestonesSettled } } }`;
const REFUNDS = `query ($first: Int, $after: String) { refunds(first: $first, after: $after) {
  pageInfo { hasNextPage endCursor } nodes { jobId payer amount reason } } }`;
const SLASHES = `query ($first: Int, $after: String) { slashes(first: $first, after: $after) {
  pageInfo { hasNextPage endCursor } nodes { jobId providerAddress reason amount compensation treasuryShare payer } } }`;
const PROVIDERS = `query ($first: Int, $after: String) { providers(first: $first, after: $after) {
  pageInfo { hasNextPage endCursor }
  nodes { address registered gpuClass carbonIntensity stake locked slashedTotal slashCount units energyWh rewardsClaimed jobsCompleted jobsFailed } } }`;
const PROVIDER_EPOCHS = `query ($first: Int, $after: String) { providerEpochs(first: $first, after: $after) {
  pageInfo { hasNextPage endCursor } nodes { providerAddress epoch units claimed reward } } }`;
const REWARD_EPOCHS = `query ($first: Int, $after: String) { rewardEpochs(first: $first, after: $after) {
  pageInfo { hasNextPage endCursor } nodes { epoch units minted emission } } }`;
const REWARD_CLAIMS = `query ($first: Int, $after: String) { rewardClaims(first: $first, after: $after) {
  pageInfo { hasNextPage endCursor } nodes { providerAddress epoch amount } } }`;
const PAYOUTS = `query ($first: Int, $after: String) { payouts(first: $first, after: $after) {
  pageInfo { hasNextPage endCursor } nodes { kind account token amount } } }`;
const BALANCES = `query ($first: Int, $after: String) { balances(first: $first, after: $after) {
  pageInfo { hasNextPage endCursor } nodes { account token credited withdrawn balance } } }`;
const WITHDRAWALS = `query ($first: Int, $after: String) { withdrawals(first: $first, after: $after) {
  pageInfo { hasNextPage endCursor } nodes { account token amount } } }`;
const NETWORK = `{ networkStats { jobs { total open assigned completed cancelled expired failed } slashed rewardsClaimed stake locked
  energy { units energyWh } tokens { address funded paid fees refunded withdrawn } } }`;

/** Book vs indexer: every job, refund, slash, provider, reward epoch and claim, balance and withdrawal. */
export async function checkIndexer(sim: Sim, indexer: IndexerClient): Promise<CheckReport> {
  const c = new Checks();
  const all = <T>(query: string, connection: string) => indexer.all<T>(query, {}, { connection, pageSize: 200 });
  const lc = (a: string) => a.toLowerCase();

  // Jobs.
  const jobs = await all<GJob>(JOBS, "jobs");
  c.eq("indexer", "number of jobs", jobs.length, sim.jobs.size);
  const byId = new Map(jobs.map((j) => [BigInt(j.id), j]));
  for (const job of sim.jobs.values()) {
    const g = byId.get(job.id);
    const n = `job ${job.id}`;
    if (!g) {
      c.mismatches.push(`${n}: missing from the indexer`);
      continue;
    }
    c.eq("indexer", `${n} status`, g.status, enumName(job.status));
    c.eq("indexer", `${n} closeReason`, g.closeReason, enumName(job.reason));
    c.eq("indexer", `${n} tenant`, g.tenant, job.tenant);
    c.eq("indexer", `${n} payer`, g.payer, job.payer);
    c.eq("indexer", `${n} funded`, big(g.funded), job.funded);
    c.eq("indexer", `${n} provider`, g.providerAddress, job.provider ?? null);
    c.eq("indexer", `${n} pricePerUnit`, big(g.pricePerUnit), job.price ?? null);
    c.eq("indexer", `${n} signedBid`, g.signedBid, job.signedBid ?? null);
    c.eq("indexer", `${n} escrow`, big(g.escrow), job.escrow);
    c.eq("indexer", `${n} paid (net)`, big(g.paid), job.paid);
    c.eq("indexer", `${n} fees`, big(g.fees), job.fees);
    c.eq("indexer", `${n} refunded`, big(g.refunded), job.refunded);
    c.eq("indexer", `${n} slashed`, big(g.slashed), job.slashed);
    c.eq("indexer", `${n} compensation`, big(g.compensation), job.compensation);
    c.eq("indexer", `${n} collateralReleased`, big(g.collateralReleased), job.collateralReleased);
    c.eq("indexer", `${n} units`, big(g.units), job.units);
    c.eq("indexer", `${n} energyWh`, big(g.energyWh), job.energyWh);
    c.eq("indexer", `${n} milestonesSettled`, g.milestonesSettled, job.milestonesSettled);
  }

  // Refunds, per job and reason.
  const refunds = await all<{ jobId: string; payer: string; amount: string; reason: string }>(REFUNDS, "refunds");
  const refundKey = (jobId: bigint, reason: string) => `${jobId}:${reason}`;
  const indexedRefunds = new Map<string, bigint>();
  for (const r of refunds)
    indexedRefunds.set(
      refundKey(BigInt(r.jobId), r.reason),
      (indexedRefunds.get(refundKey(BigInt(r.jobId), r.reason)) ?? 0n) + BigInt(r.amount),
    );
  const expectedRefunds = new Map<string, bigint>();
  for (const job of sim.jobs.values())
    for (const r of job.refunds)
      expectedRefunds.set(
        refundKey(job.id, r.reason),
        (expectedRefunds.get(refundKey(job.id, r.reason)) ?? 0n) + r.amount,
      );
  for (const k of new Set([...indexedRefunds.keys(), ...expectedRefunds.keys()])) {
    const [jobId, reason] = k.split(":");
    c.eq("indexer", `job ${jobId} refund ${reason}`, indexedRefunds.get(k) ?? 0n, expectedRefunds.get(k) ?? 0n);
  }

  // Slashes.
  const slashes = await all<{
    jobId: string;
    providerAddress: string;
    reason: string;
    amount: string;
    compensation: string | null;
    treasuryShare: string | null;
    payer: string | null;
  }>(SLASHES, "slashes");
  const slashedJobs = [...sim.jobs.values()].filter((j) => j.slashed > 0n);
  c.eq("indexer", "number of slashes", slashes.length, slashedJobs.length);
  for (const job of slashedJobs) {
    const s = slashes.find((x) => BigInt(x.jobId) === job.id);
    const n = `slash of job ${job.id}`;
    if (!s) {
      c.mismatches.push(`${n}: missing from the indexer`);
      continue;
    }
    c.eq("indexer", `${n} provider`, s.providerAddress, job.provider);
    c.eq("indexer", `${n} reason`, s.reason, enumName(job.reason));
    c.eq("indexer", `${n} amount`, big(s.amount), job.slashed);
    c.eq("indexer", `${n} compensation`, big(s.compensation), job.compensation);
    c.eq("indexer", `${n} treasury share`, big(s.treasuryShare), job.slashed - job.compensation);
  }

  // Providers: stake accounting, reputation counters, verified work, rewards.
  type GProvider = {
    address: string;
    registered: boolean;
    gpuClass: number;
    carbonIntensity: number;
    stake: string;
    locked: string;
    slashedTotal: string;
    slashCount: number;
    units: string;
    energyWh: string;
    rewardsClaimed: string;
    jobsCompleted: number;
    jobsFailed: number;
  };
  const providers = await all<GProvider>(PROVIDERS, "providers");
  for (const p of sim.providers.values()) {
    const g = providers.find((x) => lc(x.address) === lc(p.actor.address));
    const n = `provider ${p.actor.name}`;
    if (!g) {
      c.mismatches.push(`${n}: missing from the indexer`);
      continue;
    }
    c.eq("indexer", `${n} registered`, g.registered, true);
    c.eq("indexer", `${n} gpuClass`, g.gpuClass, p.hardware.gpuClass);
    c.eq("indexer", `${n} carbonIntensity`, g.carbonIntensity, p.hardware.carbonIntensity);
    c.eq("indexer", `${n} stake`, big(g.stake), p.stake);
    c.eq("indexer", `${n} locked`, big(g.locked), p.locked);
    c.eq("indexer", `${n} slashedTotal`, big(g.slashedTotal), p.slashedTotal);
    c.eq("indexer", `${n} slashCount`, g.slashCount, p.slashCount);
    c.eq("indexer", `${n} units`, big(g.units), p.units);
    c.eq("indexer", `${n} energyWh`, big(g.energyWh), p.energyWh);
    c.eq("indexer", `${n} rewardsClaimed`, big(g.rewardsClaimed), p.rewardsClaimed);
    c.eq("indexer", `${n} jobsCompleted`, g.jobsCompleted, p.jobsCompleted);
    c.eq("indexer", `${n} jobsFailed`, g.jobsFailed, p.jobsFailed);
  }

  // Rewards: units per provider and epoch, what each claim minted, epoch totals.
  const providerEpochs = await all<{
    providerAddress: string;
    epoch: number;
    units: string;
    claimed: boolean;
    reward: string | null;
  }>(PROVIDER_EPOCHS, "providerEpochs");
  const claims = await all<{ providerAddress: string; epoch: number; amount: string }>(REWARD_CLAIMS, "rewardClaims");
  let expectedClaims = 0;
  for (const p of sim.providers.values()) {
    for (const [epoch, pe] of p.epochs) {
      const n = `provider ${p.actor.name} epoch ${epoch}`;
      const g = providerEpochs.find((x) => lc(x.providerAddress) === lc(p.actor.address) && Number(x.epoch) === epoch);
      if (!g) {
        c.mismatches.push(`${n}: missing from the indexer's providerEpochs`);
        continue;
      }
      c.eq("indexer", `${n} units`, big(g.units), pe.units);
      c.eq("indexer", `${n} claimed`, g.claimed, pe.claimed !== undefined);
      if (pe.claimed !== undefined) {
        expectedClaims++;
        c.eq("indexer", `${n} reward`, big(g.reward), pe.claimed);
        const claim = claims.find((x) => lc(x.providerAddress) === lc(p.actor.address) && Number(x.epoch) === epoch);
        c.eq("indexer", `${n} reward claim amount`, big(claim?.amount), pe.claimed);
      }
    }
  }
  c.eq("indexer", "number of reward claims", claims.length, expectedClaims);
  const rewardEpochs = await all<{ epoch: number; units: string; minted: string; emission: string | null }>(
    REWARD_EPOCHS,
    "rewardEpochs",
  );
  for (const [epoch, e] of sim.epochs) {
    const g = rewardEpochs.find((x) => Number(x.epoch) === epoch);
    if (!g) {
      c.mismatches.push(`reward epoch ${epoch}: missing from the indexer`);
      continue;
    }
    c.eq("indexer", `reward epoch ${epoch} units`, big(g.units), e.units);
    c.eq("indexer", `reward epoch ${epoch} minted`, big(g.minted), e.minted);
    c.eq("indexer", `reward epoch ${epoch} emission`, big(g.emission), sim.emissionOf(epoch));
  }

  // Payouts (credits to market balances), per kind and account.
  const payouts = await all<{ kind: string; account: string; token: string; amount: string }>(PAYOUTS, "payouts");
  const expectedPayouts = new Map<string, bigint>();
  const add = (kind: string, account: string, amount: bigint) => {
    if (amount === 0n) return;
    const k = `${kind} to ${sim.cast.nameOf(account)}`;
    expectedPayouts.set(k, (expectedPayouts.get(k) ?? 0n) + amount);
  };
  for (const job of sim.jobs.values()) {
    if (job.provider) add("PROVIDER_PAYMENT", job.provider, job.paid);
    add("PROTOCOL_FEE", sim.cast.treasury.address, job.fees);
    add("REFUND", job.payer, job.refunded);
    add("SLASH_COMPENSATION", job.payer, job.compensation);
    add("SLASH_TREASURY", sim.cast.treasury.address, job.slashed - job.compensation);
  }
  const indexedPayouts = new Map<string, bigint>();
  for (const p of payouts) {
    const k = `${p.kind} to ${sim.cast.nameOf(p.account)}`;
    indexedPayouts.set(k, (indexedPayouts.get(k) ?? 0n) + BigInt(p.amount));
  }
  for (const k of new Set([...expectedPayouts.keys(), ...indexedPayouts.keys()])) {
    c.eq("indexer", `payouts ${k}`, indexedPayouts.get(k) ?? 0n, expectedPayouts.get(k) ?? 0n);
  }

  // Market balances and withdrawals.
  const balances = await all<{ account: string; token: string; credited: string; withdrawn: string; balance: string }>(
    BALANCES,
    "balances",
  );
  for (const { account, token } of sim.balanceKeys()) {
    const g = balances.find((x) => lc(x.account) === lc(account) && lc(x.token) === lc(token));
    const n = `balance of ${sim.cast.nameOf(account)} in ${sim.symbol(token)}`;
    c.eq("indexer", n, big(g?.balance), sim.balanceOf(account, token));
    c.eq("indexer", `${n}: withdrawn`, big(g?.withdrawn) ?? 0n, sim.withdrawnBy(account, token).amount);
  }
  const withdrawals = await all<{ account: string; token: string; amount: string }>(WITHDRAWALS, "withdrawals");
  const expectedWithdrawals = sim.balanceKeys().reduce((s, k) => s + sim.withdrawnBy(k.account, k.token).count, 0);
  c.eq("indexer", "number of withdrawals", withdrawals.length, expectedWithdrawals);

  // Network totals.
  type GNet = {
    networkStats: {
      jobs: Record<string, number>;
      slashed: string;
      rewardsClaimed: string;
      stake: string;
      locked: string;
      energy: { units: string; energyWh: string };
      tokens: { address: string; funded: string; paid: string; fees: string; refunded: string; withdrawn: string }[];
    };
  };
  const net = (await indexer.query<GNet>(NETWORK)).networkStats;
  const jobsList = [...sim.jobs.values()];
  const count = (status: string) => jobsList.filter((j) => j.status === status).length;
  c.eq("indexer", "networkStats jobs.total", net.jobs.total, jobsList.length);
  for (const status of ["Open", "Assigned", "Completed", "Cancelled", "Expired", "Failed"]) {
    c.eq("indexer", `networkStats jobs.${status.toLowerCase()}`, net.jobs[status.toLowerCase()], count(status));
  }
  const providersList = [...sim.providers.values()];
  c.eq(
    "indexer",
    "networkStats slashed",
    big(net.slashed),
    providersList.reduce((s, p) => s + p.slashedTotal, 0n),
  );
  c.eq(
    "indexer",
    "networkStats rewardsClaimed",
    big(net.rewardsClaimed),
    providersList.reduce((s, p) => s + p.rewardsClaimed, 0n),
  );
  c.eq(
    "indexer",
    "networkStats stake",
    big(net.stake),
    providersList.reduce((s, p) => s + p.stake, 0n),
  );
  c.eq(
    "indexer",
    "networkStats locked",
    big(net.locked),
    providersList.reduce((s, p) => s + p.locked, 0n),
  );
  c.eq(
    "indexer",
    "networkStats energy.units",
    big(net.energy.units),
    providersList.reduce((s, p) => s + p.units, 0n),
  );
  c.eq(
    "indexer",
    "networkStats energy.energyWh",
    big(net.energy.energyWh),
    providersList.reduce((s, p) => s + p.energyWh, 0n),
  );
  const token = net.tokens.find((t) => lc(t.address) === lc(sim.usd));
  c.eq(
    "indexer",
    "mUSD funded",
    big(token?.funded),
    jobsList.reduce((s, j) => s + j.funded, 0n),
  );
  c.eq(
    "indexer",
    "mUSD paid (gross)",
    big(token?.paid),
    jobsList.reduce((s, j) => s + j.paid + j.fees, 0n),
  );
  c.eq(
    "indexer",
    "mUSD fees",
    big(token?.fees),
    jobsList.reduce((s, j) => s + j.fees, 0n),
  );
  c.eq(
    "indexer",
    "mUSD refunded",
    big(token?.refunded),
    jobsList.reduce((s, j) => s + j.refunded, 0n),
  );
  c.eq(
    "indexer",
    "mUSD withdrawn",
    big(token?.withdrawn),
    sim
      .balanceKeys()
      .filter((k) => lc(k.token) === lc(sim.usd))
      .reduce((s, k) => s + sim.withdrawnBy(k.account, k.token).amount, 0n),
  );
  return { passed: c.passed, mismatches: c.mismatches };
}
