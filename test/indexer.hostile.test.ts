// Values the real contracts never produce — uint256 max, log indexes near 2^32, NUL and emoji in strings — must be
// stored exactly (or, for strings PostgreSQL cannot hold, visibly replaced) and must not stop the indexer.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import {
  createPublicClient,
  createWalletClient,
  custom,
  encodeAbiParameters,
  encodeEventTopics,
  type Abi,
  type AbiEvent,
  type Address,
  type Hex,
} from "viem";
import { jobMarketAbi, providerRegistryAbi, quorumVerifierAbi, rewardEmitterAbi } from "../sdk/src/abi/index.ts";
import { createTestDatabase, type TestDatabase } from "../indexer/db/testdb.ts";
import { startChain, type TestChain } from "./indexer/chain.ts";
import { startFaultProxy, type FaultProxy } from "./indexer/faults.ts";
import { start, waitFor } from "./indexer/run.ts";
import { loadConfig } from "../indexer/sync/config.ts";
import { sql } from "./indexer/verify.ts";

const MAX256 = 2n ** 256n - 1n;
const MAX128 = 2n ** 128n - 1n;
const MAX64 = 2n ** 64n - 1n;
const MAX40 = 2n ** 40n - 1n;
const MAX32 = 2n ** 32n - 1n;
const LOG_INDEX_OFFSET = 2n ** 32n - 16n;
const FF = `0x${"ff".repeat(32)}` as Hex;
const ALL_EVENTS = [jobMarketAbi, providerRegistryAbi, rewardEmitterAbi, quorumVerifierAbi].flatMap((abi) =>
  (abi as readonly { type: string }[]).filter((x) => x.type === "event"),
) as AbiEvent[];

describe("indexer with hostile values (e2e)", () => {
  let chain: TestChain;
  let db: TestDatabase;
  let px: FaultProxy;
  let h: Address;

  before(async () => {
    chain = await startChain();
    db = await createTestDatabase({ prefix: "joule_hostile" });
    const art = JSON.parse(
      readFileSync(
        fileURLToPath(new URL("../artifacts/contracts/test/RawLogEmitter.sol/RawLogEmitter.json", import.meta.url)),
        "utf8",
      ),
    );
    const abi = art.abi as Abi;
    const transport = custom(chain.provider);
    const pub = createPublicClient({ transport });
    const [from] = (await chain.provider.request({ method: "eth_accounts" })) as Address[];
    const wallet = createWalletClient({ account: from!, transport });
    const hash = await wallet.deployContract({ abi, bytecode: art.bytecode, account: from!, chain: null });
    h = (await pub.getTransactionReceipt({ hash })).contractAddress!.toLowerCase() as Address;
    // Each event is encoded with the ABI the indexer decodes with (sdk/src/abi) and emitted as is.
    const emit = async (eventName: string, args: Record<string, unknown>) => {
      const event = ALL_EVENTS.find((e) => e.name === eventName);
      if (!event) throw new Error(`no event ${eventName} in the ABI`);
      const topics = encodeEventTopics({ abi: [event], eventName, args } as never) as Hex[];
      const inputs = event.inputs.filter((i) => !i.indexed);
      const data = encodeAbiParameters(
        inputs,
        inputs.map((i) => args[i.name!]),
      );
      await wallet.writeContract({
        address: h,
        abi,
        functionName: "emitLog",
        args: [topics, data],
        account: from!,
        chain: null,
      } as never);
    };
    const provider = "0x00000000000000000000000000000000000000aa";
    const token = "0x00000000000000000000000000000000000000bb";
    const profile = {
      gpuClass: 65_535,
      gpuCount: 65_535,
      vramGb: MAX32,
      carbonIntensity: MAX32,
      region: FF,
      metadataURI: "ipfs://\u0000nul-and-emoji-\u{1F525}",
    };
    await emit("ScheduleSet", { genesis: MAX40, epochLength: MAX32, initialEmission: MAX256, halvingInterval: 1 });
    await emit("ProviderRegistered", { provider, ...profile });
    await emit("Staked", { provider, from: provider, amount: MAX256, stake: MAX256 });
    await emit("JobCreated", {
      jobId: MAX256,
      tenant: provider,
      payer: provider,
      params: {
        tenant: provider,
        payer: provider,
        feeBps: 65_535,
        slashPayerShareBps: 65_535,
        verificationWindow: MAX32,
        request: {
          token,
          verifier: h,
          specHash: FF,
          maxUnits: MAX64,
          maxPricePerUnit: MAX128,
          collateral: MAX128,
          biddingEnd: MAX40,
          deliveryWindow: MAX32,
          milestones: 255,
          requirements: { minGpuClass: 65_535, minGpuCount: 65_535, minVramGb: MAX32, maxCarbonIntensity: MAX32 },
        },
      },
      funded: MAX256,
    });
    await emit("BidPlaced", {
      jobId: MAX256,
      provider,
      pricePerUnit: MAX256,
      replaced: "0x0000000000000000000000000000000000000000",
    });
    await emit("JobAssigned", {
      jobId: MAX256,
      provider,
      pricePerUnit: MAX256,
      escrow: MAX256,
      refunded: 0n,
      deliveryDeadline: MAX32,
      signedBid: false,
    });
    await emit("ProofSubmitted", {
      jobId: MAX256,
      milestone: 255,
      provider,
      resultRoot: FF,
      units: MAX64,
      energyWh: MAX64,
      verifyDeadline: MAX32,
    });
    await emit("MilestoneSettled", {
      jobId: MAX256,
      milestone: 255,
      provider,
      resultRoot: FF,
      units: MAX64,
      energyWh: MAX64,
      payment: MAX256,
      fee: MAX256,
      escrowRemaining: 0n,
      deliveryDeadline: MAX32,
      rewardEpoch: MAX32,
    });
    await emit("Withdrawn", { account: provider, token, to: provider, amount: MAX256, remaining: 0n });
    await emit("RewardClaimed", { provider, epoch: MAX32, to: provider, amount: MAX256 });
    await emit("QuorumConfigured", { members: [provider, token], threshold: MAX256 });
    // Log indexes near 2^32: rewritten by a proxy, as a node with huge blocks would report them.
    px = await startFaultProxy(chain.url, {
      rewrite: (c, result) =>
        c.method === "eth_getLogs" && Array.isArray(result)
          ? result.map((l: { logIndex: string }) => ({
              ...l,
              logIndex: `0x${(BigInt(l.logIndex) + LOG_INDEX_OFFSET).toString(16)}`,
            }))
          : result,
    });
  });

  after(async () => {
    await px?.close();
    await db?.drop();
    await chain?.close();
  });

  it("stores extreme values exactly", async () => {
    const config = loadConfig({
      RPC_URL: px.url,
      DATABASE_URL: db.url,
      JOB_MARKET_ADDRESS: h,
      PROVIDER_REGISTRY_ADDRESS: h,
      REWARD_EMITTER_ADDRESS: h,
      JOULE_TOKEN_ADDRESS: h,
      VERIFIER_ADDRESSES: h,
      TREASURY_ADDRESS: "0x00000000000000000000000000000000000000cc",
      START_BLOCK: "0",
      FINALITY: "confirmations",
      CONFIRMATIONS: "0",
      POLL_INTERVAL_MS: "20",
    });
    const r = start(config);
    await waitFor(r, await chain.blockNumber());
    await r.stop();

    const raw = await sql(db.url, `SELECT "logIndex", name FROM raw_events ORDER BY "blockNumber"`);
    assert.equal(raw.length, 11);
    for (const e of raw) assert.ok(e.logIndex >= LOG_INDEX_OFFSET, `logIndex ${e.logIndex}`);

    const [job] = await sql(db.url, `SELECT * FROM jobs`);
    assert.equal(job!.id, MAX256);
    assert.equal(job!.funded, MAX256);
    assert.equal(job!.maxUnits, MAX64);
    assert.equal(job!.maxPricePerUnit, MAX128);
    assert.equal(job!.biddingEnd, MAX40);
    assert.equal(job!.verificationWindow, MAX32);
    assert.equal(job!.minVramGb, MAX32);
    assert.equal(job!.feeBps, 65_535);
    assert.equal(job!.milestones, 255);
    assert.equal(job!.bestBidPrice, MAX256);
    assert.equal(job!.pricePerUnit, MAX256);
    assert.equal(job!.fees, MAX256);
    assert.equal(job!.units, MAX64);
    assert.equal(job!.co2eMg, MAX64 * MAX32);

    const [m] = await sql(db.url, `SELECT * FROM milestones`);
    assert.equal(m!.index, 255);
    assert.equal(m!.payment, MAX256);
    assert.equal(m!.rewardEpoch, MAX32);

    const [prov] = await sql(db.url, `SELECT * FROM providers`);
    assert.equal(prov!.stake, MAX256);
    assert.equal(prov!.locked, MAX128, "the bid locked the job's collateral");
    assert.equal(prov!.carbonIntensity, MAX32);
    assert.equal(prov!.rewardsClaimed, MAX256);
    assert.equal(prov!.metadataURI, "ipfs://nul-and-emoji-\u{1F525}");
    assert.equal(prov!.regionText, null);
    const [registered] = await sql(
      db.url,
      `SELECT args->>'metadataURI' AS uri FROM raw_events WHERE name = 'ProviderRegistered'`,
    );
    assert.equal(registered!.uri, "ipfs://\ufffdnul-and-emoji-\u{1F525}");

    const balances = await sql(db.url, `SELECT account, balance FROM balances ORDER BY account`);
    assert.deepEqual(balances, [
      { account: "0x00000000000000000000000000000000000000aa", balance: -MAX256 },
      { account: "0x00000000000000000000000000000000000000cc", balance: MAX256 },
    ]);
    const [epoch] = await sql(db.url, `SELECT * FROM reward_epochs`);
    assert.equal(epoch!.epoch, MAX32);
    assert.equal(epoch!.emission, 0n, "past 256 halvings the emission is zero");
    assert.equal(epoch!.minted, MAX256);
    assert.equal(epoch!.units, MAX64);
    const [v] = await sql(db.url, `SELECT * FROM verifier_sets`);
    assert.equal(v!.threshold, MAX256);
    assert.equal(v!.members.length, 2);
  });
});
