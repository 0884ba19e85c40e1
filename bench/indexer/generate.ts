// Generates the benchmark's chain history by real transactions: N jobs, most of them only created (some cancelled,
// a few expired without bids) and a share taken through the whole lifecycle — on-chain bids (half of them
// outbid) or an accepted EIP-712 signed bid, award, proof, settlement by 2 of 3 verifier signatures (a few
// rejected, slashing the provider), withdrawals of the balances credited, and reward claims.
//
// Every phase checks that each transaction emitted its event (a reverted transaction emits none), so a failure
// stops the run with the count rather than thinning the data silently.
import {
  type Address,
  decodeEventLog,
  encodeFunctionData,
  type Hex,
  keccak256,
  numberToHex,
  stringToHex,
  toEventSelector,
  zeroAddress,
} from "viem";
import {
  attestationTypes,
  bidTypes,
  claimRewards,
  combineAttestationSignatures,
  type JobParams,
  type JobRequest,
  marketDomain,
} from "@joule/sdk";
import { jobMarketAbi } from "@joule/sdk/abi";
import type { Actor } from "../../scripts/start/actors.ts";
import { seededRandom } from "../../scripts/start/market.ts";
import { JOULE } from "../../scripts/start/sim.ts";
import type { Network } from "./network.ts";
import { BulkSender, type Tx } from "./sender.ts";

export type JobKind = "open" | "cancel" | "expire" | "auction" | "signed";

/** Share of each kind among the jobs (the rest stay open). `auction` + `signed` go through the whole lifecycle. */
export const MIX = { cancel: 0.05, expire: 0.02, auction: 0.13, signed: 0.02 } as const;
/** Share of lifecycle jobs whose proof the verifiers reject (the provider is slashed). */
const REJECT_SHARE = 0.04;
/** Share of auctions where a second provider outbids the first. */
const OUTBID_SHARE = 0.5;
const LIFECYCLE_COLLATERAL = 10n * JOULE;
const BIDDING_SECONDS = 2 * 3600;
const WATTS = [700, 400, 380, 380];
/** Receipts read per chunk of a phase (every transaction's event is checked as well). */
const RECEIPT_SAMPLE = 20;

type Planned = {
  index: number;
  kind: JobKind;
  caller: Actor;
  tenant: Actor;
  request: JobRequest;
  reject: boolean;
};

type Live = Planned & {
  id: bigint;
  params: JobParams;
  provider?: Actor;
  price?: bigint;
  proof?: { resultRoot: Hex; units: bigint; energyWh: bigint };
};

export type GenerationResult = {
  jobs: number;
  byKind: Record<JobKind, number>;
  rejected: number;
  transactions: number;
  setupTransactions: number;
  blocks: number;
  seconds: number;
  /** Transactions per second over the whole generation (signing and checks included). */
  transactionsPerSecond: number;
  /** Transactions per second while sending and mining only. */
  sendMineTransactionsPerSecond: number;
  /** Receipts whose status was read (all success); every transaction's event was checked besides. */
  receiptsChecked: number;
  /** Seconds the node took to accept the eth_sendTransaction batches, and to accept and mine them. */
  sendSeconds: number;
  sendMineSeconds: number;
  /** Seconds spent signing EIP-712 attestations and bids. */
  signingSeconds: number;
  phases: { name: string; transactions: number; seconds: number }[];
  headBlock: number;
};

export type Generated = {
  figure: GenerationResult;
  /** Ids of the jobs taken through the lifecycle, and the highest job id. */
  lifecycleJobIds: bigint[];
  lastJobId: bigint;
};

type Log = { topics: Hex[]; data: Hex; transactionHash: Hex; blockNumber: Hex };

const topicOf = (name: string) => {
  const event = jobMarketAbi.find((x) => x.type === "event" && x.name === name);
  if (!event) throw new Error(`no event ${name} in the JobMarket ABI`);
  return toEventSelector(event as never);
};

export async function generate(
  net: Network,
  jobCount: number,
  log: (line: string) => void,
  seed = 42,
): Promise<Generated> {
  const started = performance.now();
  const rng = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
  const { cast, deployment, rpc } = net;
  const market = deployment.addresses.jobMarket;
  const usd = deployment.addresses.paymentToken!;
  const providers = cast.providers;
  const sender = new BulkSender(rpc, 500);
  await sender.automine(false);
  const phases: GenerationResult["phases"] = [];
  let signingMs = 0;
  let receiptsChecked = 0;

  const chainNow = async () =>
    Number(BigInt((await rpc.call<{ timestamp: Hex }>("eth_getBlockByNumber", ["latest", false])).timestamp));

  const marketTx = (from: Address, functionName: string, args: readonly unknown[]): Omit<Tx, "gas"> => ({
    from,
    to: market,
    data: encodeFunctionData({ abi: jobMarketAbi, functionName, args } as never),
  });

  /** Gas for a phase: the largest estimate among one transaction of each variant, plus 30%. */
  const withGas = async (items: { tx: Omit<Tx, "gas">; variant: string }[]): Promise<Tx[]> => {
    const firsts = new Map<string, Omit<Tx, "gas">>();
    for (const i of items) if (!firsts.has(i.variant)) firsts.set(i.variant, i.tx);
    const estimates = await rpc.batch<Hex>(
      [...firsts.values()].map((t) => ({
        method: "eth_estimateGas",
        params: [{ from: t.from, to: t.to, data: t.data }],
      })),
    );
    const gas = (estimates.reduce((m, e) => (BigInt(e) > m ? BigInt(e) : m), 0n) * 13n) / 10n + 10_000n;
    return items.map((i) => ({ ...i.tx, gas }));
  };

  /** Sends a phase, checks every transaction emitted `eventName` (from the market), returns those logs. */
  const phase = async (
    name: string,
    items: { tx: Omit<Tx, "gas">; variant: string }[],
    eventName: string,
  ): Promise<{ logs: Map<Hex, Log>; hashes: Hex[] }> => {
    const t0 = performance.now();
    const byTx = new Map<Hex, Log>();
    const hashes: Hex[] = [];
    if (items.length === 0) return { logs: byTx, hashes };
    const topic = topicOf(eventName);
    for (let i = 0; i < items.length; i += sender.batchSize * 4) {
      const chunk = await withGas(items.slice(i, i + sender.batchSize * 4));
      const mined = await sender.sendAll(chunk);
      const logs = await rpc.call<Log[]>("eth_getLogs", [
        {
          address: market,
          topics: [topic],
          fromBlock: numberToHex(mined.fromBlock),
          toBlock: numberToHex(mined.toBlock),
        },
      ]);
      for (const l of logs) if (!byTx.has(l.transactionHash)) byTx.set(l.transactionHash, l);
      const missing = mined.hashes.filter((h) => !byTx.has(h));
      if (missing.length > 0) {
        const reverted = await sender.revertedAmong(missing, 3);
        throw new Error(
          `${name}: ${missing.length} of ${chunk.length} transactions emitted no ${eventName} (e.g. ${missing[0]}, ${reverted.length} of ${Math.min(3, missing.length)} checked reverted)`,
        );
      }
      // Belt and braces: receipts of a sample must say success too.
      const sampled = await sender.revertedAmong(mined.hashes, RECEIPT_SAMPLE);
      receiptsChecked += Math.min(RECEIPT_SAMPLE, mined.hashes.length);
      if (sampled.length > 0) throw new Error(`${name}: transaction ${sampled[0]} reverted`);
      hashes.push(...mined.hashes);
    }
    const seconds = (performance.now() - t0) / 1000;
    phases.push({ name, transactions: items.length, seconds: Number(seconds.toFixed(2)) });
    log(
      `  ${name}: ${items.length} transactions in ${seconds.toFixed(1)} s (${Math.round(items.length / seconds)} tx/s)`,
    );
    return { logs: byTx, hashes };
  };

  // ── plan ──
  const now0 = await chainNow();
  const planned: Planned[] = [];
  const byKind: Record<JobKind, number> = { open: 0, cancel: 0, expire: 0, auction: 0, signed: 0 };
  let rejected = 0;
  for (let index = 0; index < jobCount; index++) {
    const r = rng();
    const kind: JobKind =
      r < MIX.cancel
        ? "cancel"
        : r < MIX.cancel + MIX.expire
          ? "expire"
          : r < MIX.cancel + MIX.expire + MIX.auction
            ? "auction"
            : r < MIX.cancel + MIX.expire + MIX.auction + MIX.signed
              ? "signed"
              : "open";
    byKind[kind]++;
    const lifecycle = kind === "auction" || kind === "signed";
    const tenant = cast.tenants[index % cast.tenants.length]!;
    const caller = rng() < 0.1 ? cast.sponsor : tenant;
    const reject = lifecycle && rng() < REJECT_SHARE;
    if (reject) rejected++;
    planned.push({
      index,
      kind,
      caller,
      tenant,
      reject,
      request: {
        token: usd,
        verifier: deployment.addresses.quorumVerifier,
        specHash: keccak256(stringToHex(`joule-bench:job-${index}`)),
        maxUnits: BigInt(pick([1_800, 3_600, 7_200, 14_400])),
        maxPricePerUnit: BigInt(10 * (10 + Math.floor(rng() * 190))),
        collateral: lifecycle || kind === "expire" ? LIFECYCLE_COLLATERAL : pick([0n, 5n * JOULE, 50n * JOULE]),
        biddingEnd:
          lifecycle || kind === "expire" ? now0 + BIDDING_SECONDS : now0 + 7 * 86_400 + Math.floor(rng() * 20 * 86_400),
        deliveryWindow: lifecycle ? 86_400 : 3_600 * (2 + Math.floor(rng() * 70)),
        milestones: lifecycle ? 1 : 1 + Math.floor(rng() * 4),
        requirements: lifecycle
          ? { minGpuClass: pick([0, 2]), minGpuCount: 0, minVramGb: pick([0, 24]), maxCarbonIntensity: 0 }
          : {
              minGpuClass: pick([0, 0, 2, 3, 4]),
              minGpuCount: pick([0, 1, 2, 8]),
              minVramGb: pick([0, 24, 40, 80]),
              maxCarbonIntensity: pick([0, 0, 200, 400, 800]),
            },
      },
    });
  }
  log(
    `plan: ${jobCount} jobs — ${byKind.open} stay open, ${byKind.cancel} cancelled, ${byKind.expire} expire without bids, ` +
      `${byKind.auction} auctioned + ${byKind.signed} by signed bid through the lifecycle (${rejected} proofs rejected)`,
  );

  // ── create ──
  const createItems = planned.map((p) => ({
    tx:
      p.caller === p.tenant
        ? marketTx(p.caller.address, "createJob", [p.request])
        : marketTx(p.caller.address, "createJobFor", [p.tenant.address, p.request]),
    variant: p.caller === p.tenant ? "own" : "sponsored",
    plan: p,
  }));
  const created = await phase("create jobs", createItems, "JobCreated");
  let lastJobId = 0n;
  for (const l of created.logs.values()) if (BigInt(l.topics[1]!) > lastJobId) lastJobId = BigInt(l.topics[1]!);
  const live: Live[] = [];
  for (const [i, item] of createItems.entries()) {
    if (item.plan.kind === "open") continue;
    const l = created.logs.get(created.hashes[i]!)!;
    const decoded = decodeEventLog({
      abi: jobMarketAbi,
      eventName: "JobCreated",
      data: l.data,
      topics: l.topics as never,
    });
    live.push({ ...item.plan, id: decoded.args.jobId, params: decoded.args.params as JobParams });
  }
  const ofKind = (...kinds: JobKind[]) => live.filter((j) => kinds.includes(j.kind));

  // ── bids: first bidders, then the outbidders (a later block, so the order is certain), signed bids ──
  const auctions = ofKind("auction");
  for (const [i, j] of auctions.entries()) {
    j.provider = providers[i % providers.length]!;
    j.price = (j.request.maxPricePerUnit * 9n) / 10n;
  }
  await phase(
    "first bids",
    auctions.map((j) => ({ tx: marketTx(j.provider!.address, "placeBid", [j.id, j.params, j.price]), variant: "bid" })),
    "BidPlaced",
  );
  const outbid = auctions.filter(() => rng() < OUTBID_SHARE);
  for (const [i, j] of outbid.entries()) {
    // Another provider than the first bidder: an offset of 1 to 3 places in the list of four.
    const first = providers.indexOf(j.provider!);
    j.provider = providers[(first + 1 + (i % (providers.length - 1))) % providers.length]!;
    j.price = (j.request.maxPricePerUnit * 8n) / 10n;
  }
  await phase(
    "outbids",
    outbid.map((j) => ({ tx: marketTx(j.provider!.address, "placeBid", [j.id, j.params, j.price]), variant: "bid" })),
    "BidPlaced",
  );
  const signed = ofKind("signed");
  const expiry = (await chainNow()) + 3_600;
  const signStarted = performance.now();
  const signedItems = [];
  for (const [i, j] of signed.entries()) {
    j.provider = providers[i % providers.length]!;
    j.price = (j.request.maxPricePerUnit * 85n) / 100n;
    const bid = { jobId: j.id, provider: j.provider.address, pricePerUnit: j.price, expiry, nonce: BigInt(i) };
    const signature = await j.provider.wallet.account!.signTypedData!({
      domain: marketDomain(deployment),
      types: bidTypes,
      primaryType: "Bid",
      message: bid,
    });
    signedItems.push({ tx: marketTx(j.tenant.address, "acceptBid", [j.params, bid, signature]), variant: "accept" });
  }
  signingMs += performance.now() - signStarted;
  await phase("signed bids accepted", signedItems, "JobAssigned");

  // ── tenants cancel ──
  await phase(
    "cancellations",
    ofKind("cancel").map((j) => ({ tx: marketTx(j.tenant.address, "cancelJob", [j.id, j.params]), variant: "cancel" })),
    "JobClosed",
  );

  // ── bidding ends: awards, and expiry of the jobs nobody bid on ──
  const biddingEnd = now0 + BIDDING_SECONDS;
  const wait = biddingEnd - (await chainNow()) + 60;
  if (wait > 0) await rpc.call("evm_increaseTime", [wait]);
  const keeper = cast.keeper.address;
  await phase(
    "awards",
    auctions.map((j) => ({ tx: marketTx(keeper, "award", [j.id, j.params]), variant: "award" })),
    "JobAssigned",
  );
  await phase(
    "expiries (no bids)",
    ofKind("expire").map((j) => ({
      tx: marketTx(keeper, "expire", [j.id, j.params, { provider: zeroAddress, pricePerUnit: 0n }]),
      variant: "expire",
    })),
    "JobClosed",
  );

  // ── providers prove ──
  const lifecycle = ofKind("auction", "signed");
  for (const j of lifecycle) {
    const units = (j.request.maxUnits * BigInt(85 + Math.floor(rng() * 16))) / 100n;
    const watts = BigInt(WATTS[providers.indexOf(j.provider!)] ?? 400);
    j.proof = {
      resultRoot: keccak256(stringToHex(`joule-bench:job-${j.index}:milestone-0`)),
      units,
      energyWh: (units * watts) / 3600n,
    };
  }
  await phase(
    "proofs",
    lifecycle.map((j) => ({
      tx: marketTx(j.provider!.address, "submitProof", [
        j.id,
        j.params,
        { provider: j.provider!.address, pricePerUnit: j.price! },
        0,
        j.proof!.resultRoot,
        j.proof!.units,
        j.proof!.energyWh,
      ]),
      variant: "proof",
    })),
    "ProofSubmitted",
  );

  // ── verifiers sign 2 of 3, the keeper settles; balances are withdrawn as they accrue ──
  const pairs = [
    [0, 1],
    [0, 2],
    [1, 2],
  ] as const;
  const settleItems = [];
  const settleStarted = performance.now();
  for (const [i, j] of lifecycle.entries()) {
    const attestation = { jobId: j.id, milestone: 0, ...j.proof!, accepted: !j.reject };
    const signatures = [];
    for (const v of pairs[i % 3]!) {
      const verifier = cast.verifiers[v]!;
      signatures.push({
        signer: verifier.address,
        signature: await verifier.wallet.account!.signTypedData!({
          domain: marketDomain(deployment),
          types: attestationTypes,
          primaryType: "WorkAttestation",
          message: attestation,
        }),
      });
    }
    settleItems.push({
      tx: marketTx(keeper, "settle", [
        j.id,
        j.params,
        { provider: j.provider!.address, pricePerUnit: j.price! },
        attestation,
        combineAttestationSignatures(signatures),
      ]),
      variant: j.reject ? "reject" : "accept",
    });
  }
  signingMs += performance.now() - settleStarted;
  log(`  signed ${lifecycle.length * 2 + signed.length} EIP-712 messages in ${(signingMs / 1000).toFixed(1)} s`);
  const accepted = settleItems.filter((s) => s.variant === "accept");
  const rejectedItems = settleItems.filter((s) => s.variant === "reject");
  const settledLogs = await phase("settlements (accepted)", accepted, "MilestoneSettled");
  await phase("settlements (rejected, slashed)", rejectedItems, "JobClosed");

  // Everyone with a market balance withdraws it (providers' pay, fees to the treasury, refunds to payers).
  const accounts = [...providers, cast.treasury, ...cast.tenants, cast.sponsor];
  const balances = await rpc.batch<Hex>(
    accounts.map((a) => ({
      method: "eth_call",
      params: [
        {
          to: market,
          data: encodeFunctionData({ abi: jobMarketAbi, functionName: "balanceOf", args: [a.address, usd] }),
        },
        "latest",
      ],
    })),
  );
  const withdrawals = [];
  for (const [i, a] of accounts.entries()) {
    const balance = BigInt(balances[i]!);
    // Several withdrawals each, so the Withdrawal entity has a history per account.
    for (let k = 0n; k < 4n && balance > 4n; k++) {
      withdrawals.push({
        tx: marketTx(a.address, "withdraw", [usd, balance / 4n, a.address]),
        variant: "withdraw",
      });
    }
  }
  await phase("withdrawals", withdrawals, "Withdrawn");

  // ── reward epochs end; providers claim through the SDK (a handful of transactions, automine on) ──
  const epochs = new Map<string, Set<number>>();
  for (const l of settledLogs.logs.values()) {
    const d = decodeEventLog({
      abi: jobMarketAbi,
      eventName: "MilestoneSettled",
      data: l.data,
      topics: l.topics as never,
    });
    const key = d.args.provider.toLowerCase();
    if (!epochs.has(key)) epochs.set(key, new Set());
    epochs.get(key)!.add(Number(d.args.rewardEpoch));
  }
  await rpc.call("evm_increaseTime", [net.settings.epochLength + 60]);
  await rpc.call("evm_mine", []);
  await sender.automine(true);
  let claims = 0;
  const claimStarted = performance.now();
  for (const p of providers) {
    const list = [...(epochs.get(p.address.toLowerCase()) ?? [])].sort((a, b) => a - b);
    if (list.length === 0) continue;
    await claimRewards(p.joule, { epochs: list });
    claims++;
  }
  phases.push({
    name: "reward claims (SDK)",
    transactions: claims,
    seconds: Number(((performance.now() - claimStarted) / 1000).toFixed(2)),
  });

  const headBlock = Number(BigInt(await rpc.call<Hex>("eth_blockNumber", [])));
  const seconds = (performance.now() - started) / 1000;
  const transactions = sender.transactions + claims;
  const figure: GenerationResult = {
    jobs: jobCount,
    byKind,
    rejected,
    transactions,
    setupTransactions: net.setupTransactions,
    blocks: sender.blocks,
    seconds: Number(seconds.toFixed(1)),
    transactionsPerSecond: Math.round(transactions / seconds),
    sendMineTransactionsPerSecond: Math.round(sender.transactions / (sender.busyMs / 1000)),
    sendSeconds: Number((sender.sendMs / 1000).toFixed(1)),
    sendMineSeconds: Number((sender.busyMs / 1000).toFixed(1)),
    signingSeconds: Number((signingMs / 1000).toFixed(1)),
    receiptsChecked,
    phases,
    headBlock,
  };
  return { figure, lifecycleJobIds: lifecycle.map((j) => j.id), lastJobId };
}
