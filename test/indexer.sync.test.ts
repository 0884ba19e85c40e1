// End-to-end: real contracts on Hardhat's EDR, the sync engine over HTTP JSON-RPC, a real PostgreSQL database.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createTestDatabase, type TestDatabase } from "../indexer/db/testdb.ts";
import { createMetrics } from "../indexer/metrics.ts";
import { startChain, type TestChain } from "./indexer/chain.ts";
import { deployProtocol, type Protocol } from "./indexer/protocol.ts";
import { start, testConfig, waitFor, type Running } from "./indexer/run.ts";
import { governanceScenario, jobsScenario } from "./indexer/scenario.ts";
import { assertMatchesChain, dump, sql } from "./indexer/verify.ts";

describe("indexer sync (e2e)", () => {
  let chain: TestChain;
  let p: Protocol;
  let db: TestDatabase;
  let running: Running | undefined;

  before(async () => {
    chain = await startChain();
    p = await deployProtocol(chain.provider);
    db = await createTestDatabase({ prefix: "joule_sync" });
  });
  after(async () => {
    await running?.stop();
    await db?.drop();
    await chain?.close();
  });

  it("backfills the protocol's history and matches the chain", async () => {
    await jobsScenario(p, chain);
    const metrics = createMetrics();
    running = start(testConfig(p, chain.url, db.url, { BATCH_BLOCKS: "7" }), undefined, metrics);
    const head = await chain.blockNumber();
    await waitFor(running, head);
    await assertMatchesChain(db.url, p);
    // The shared Prometheus metrics follow the sync.
    assert.equal((await metrics.indexedBlock.get()).values[0]!.value, Number(head));
    const [raw] = await sql(db.url, `SELECT count(*)::int AS n FROM raw_events`);
    const counted = (await metrics.eventsIndexed.get()).values.reduce((s, v) => s + v.value, 0);
    assert.equal(counted, raw!.n);
    assert.ok((await metrics.rpcLatency.get()).values.some((v) => v.labels.method === "eth_getLogs"));

    // Spot checks of derived values against the scenario's own numbers.
    const jobs = await sql(db.url, `SELECT * FROM jobs ORDER BY id`);
    const [a, b, c, d, e, f, g] = jobs;
    assert.deepEqual(
      jobs.map((j) => [j.status, j.closeReason]),
      [
        ["COMPLETED", "COMPLETED"],
        ["FAILED", "PROOF_REJECTED"],
        ["CANCELLED", "CANCELLED_BY_TENANT"],
        ["EXPIRED", "NO_BIDS"],
        ["FAILED", "DELIVERY_MISSED"],
        ["EXPIRED", "VERIFICATION_TIMEOUT"],
        ["COMPLETED", "COMPLETED"],
      ],
    );
    // A: 2 on-chain bids, provider2 at 800; 2500 units paid; fee = ceil(payment × 2.5 %).
    assert.equal(a!.bidCount, 2);
    assert.equal(a!.provider, p.actors.provider2);
    const feeOf = (x: bigint) => (x * 250n + 9_999n) / 10_000n;
    assert.equal(a!.fees, feeOf(1_000n * 800n) + feeOf(1_500n * 800n));
    assert.equal(a!.paid, 2_500n * 800n - a!.fees);
    assert.equal(a!.refunded, 3_600n * 200n + 1_100n * 800n);
    assert.equal(a!.units, 2_500n);
    assert.equal(a!.energyWh, 4_500n);
    assert.equal(a!.co2eMg, 4_500n * 350n); // provider2 declared 350 gCO2e/kWh
    // B: sponsor paid; slashed collateral, 80 % to the sponsor in JOULE.
    assert.equal(b!.payer, p.actors.sponsor);
    assert.equal(b!.slashed, 1_000n * 10n ** 18n);
    assert.equal(b!.compensation, 800n * 10n ** 18n);
    const [slash] = await sql(db.url, `SELECT * FROM slashes WHERE "jobId" = $1`, [b!.id]);
    assert.equal(slash!.reason, "PROOF_REJECTED");
    assert.equal(slash!.treasuryShare, 200n * 10n ** 18n);
    const [rejected] = await sql(db.url, `SELECT * FROM milestones WHERE "jobId" = $1`, [b!.id]);
    assert.equal(rejected!.status, "REJECTED");
    const [timedOut] = await sql(db.url, `SELECT * FROM milestones WHERE "jobId" = $1`, [f!.id]);
    assert.equal(timedOut!.status, "TIMED_OUT");
    assert.equal(c!.refunded, c!.funded);
    assert.equal(d!.escrow, 0n);
    assert.equal(e!.slashed, 1_000n * 10n ** 18n);
    assert.equal(g!.signedBid, true);
    const bids = await sql(db.url, `SELECT kind, count(*)::int AS n FROM bids GROUP BY kind ORDER BY kind`);
    assert.deepEqual(
      bids.map((x) => [x.kind, x.n]),
      [
        ["ONCHAIN", 5],
        ["SIGNED", 2],
      ],
    );
    const refunds = await sql(
      db.url,
      `SELECT reason, sum(amount)::numeric AS s FROM refunds GROUP BY reason ORDER BY reason`,
    );
    assert.ok(refunds.length >= 6);
    const [prov2] = await sql(db.url, `SELECT * FROM providers WHERE address = $1`, [p.actors.provider2]);
    assert.equal(prov2!.jobsCompleted, 2);
    assert.equal(prov2!.jobsFailed, 1);
    assert.equal(prov2!.jobsTimedOut, 1);
    assert.equal(prov2!.units, 2_500n + 3_600n);
    const [earn] = await sql(db.url, `SELECT * FROM provider_earnings WHERE provider = $1`, [p.actors.provider2]);
    assert.equal(earn!.earned, a!.paid + g!.paid);
    // Daily totals add up to the per-job totals.
    const [day] = await sql(
      db.url,
      `SELECT sum(units)::numeric AS u, sum("energyWh")::numeric AS wh, sum("jobsCreated")::int AS n FROM daily_stats`,
    );
    assert.equal(day!.u, 2_500n + 3_600n);
    assert.equal(day!.wh, 4_500n + 7_200n);
    assert.equal(day!.n, 7);
  });

  it("follows new blocks: governance, rewards, verifier discovery, unbonding", async () => {
    await governanceScenario(p, chain);
    await waitFor(running!, await chain.blockNumber());
    await assertMatchesChain(db.url, p);
    const claims = await sql(db.url, `SELECT * FROM reward_claims`);
    assert.ok(claims.length >= 1);
    const [epochsMinted] = await sql(db.url, `SELECT sum(minted)::numeric AS m FROM reward_epochs`);
    assert.equal(
      epochsMinted!.m,
      claims.reduce((s, c) => s + (c.amount as bigint), 0n),
    );
    const verifiers = await sql(db.url, `SELECT * FROM verifier_sets ORDER BY "configuredBlock"`);
    assert.equal(verifiers.length, 2);
    assert.equal(verifiers[1]!.threshold, 3n);
    // Settled after the profile update: CO2e uses the new intensity (120), not the old one (200).
    const [h] = await sql(
      db.url,
      `SELECT * FROM milestones WHERE provider = $1 AND status = 'ACCEPTED' ORDER BY "settledBlock" DESC LIMIT 1`,
      [p.actors.provider],
    );
    assert.equal(h!.carbonIntensity, 120n);
    assert.equal(h!.co2eMg, 333n * 120n);
    const changes = await sql(db.url, `SELECT parameter FROM parameter_changes`);
    for (const name of [
      "protocolFeeBps",
      "verificationWindow",
      "slashPayerShareBps",
      "paused",
      "unbondingDelay",
      "pendingOwner",
      "tokenAllowed",
      "verifierAllowed",
      "minter",
      "rewardSchedule",
    ]) {
      assert.ok(
        changes.some((c) => c.parameter === name),
        `parameter change ${name}`,
      );
    }
  });

  it("re-indexes the same chain into an identical database", async () => {
    const second = await createTestDatabase({ prefix: "joule_sync2" });
    try {
      const r = start(testConfig(p, chain.url, second.url, { BATCH_BLOCKS: "1000" }));
      await waitFor(r, running!.engine.stats.checkpoint!.number);
      await r.stop();
      await running!.stop();
      assert.deepEqual(await dump(second.url), await dump(db.url));
    } finally {
      await second.drop();
    }
  });
});
