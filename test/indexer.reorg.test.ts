// Reorgs made with evm_snapshot/evm_revert on Hardhat's EDR: the indexer must roll back to the common ancestor
// and end up exactly where a fresh index of the final chain would be.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createTestDatabase, type TestDatabase } from "../indexer/db/testdb.ts";
import { ReorgTooDeepError } from "../indexer/sync/errors.ts";
import { startChain, type TestChain } from "./indexer/chain.ts";
import { deployProtocol, type Protocol } from "./indexer/protocol.ts";
import { start, testConfig, waitFor, waitForFailure, type Running } from "./indexer/run.ts";
import { assertMatchesChain, checkpoint, dump, sql } from "./indexer/verify.ts";

describe("indexer reorgs (e2e)", () => {
  let chain: TestChain;
  let p: Protocol;
  let db: TestDatabase;
  let running: Running | undefined;
  // Every block stays unfinalized: all batches are journaled and rollbacks can reach any of them.
  const env = { CONFIRMATIONS: "1000" };

  before(async () => {
    chain = await startChain();
    p = await deployProtocol(chain.provider);
    db = await createTestDatabase({ prefix: "joule_reorg" });
    running = start(testConfig(p, chain.url, db.url, env));
    await waitFor(running, await chain.blockNumber());
  });
  after(async () => {
    await running?.stop();
    await db?.drop();
    await chain?.close();
  });

  /** Waits until the indexer's checkpoint is the chain head's hash. */
  async function synced(r: Running): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (r.error()) throw r.error();
      const head = (await chain.provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as {
        hash: string;
      };
      const cp = await checkpoint(db.url);
      if (cp?.blockHash === head.hash) return;
      if (Date.now() > deadline)
        throw new Error(`not synced: checkpoint ${cp?.blockNumber} ${cp?.blockHash}, head ${head.hash}`);
      await new Promise((res) => setTimeout(res, 25));
    }
  }

  it("replaces an event that a reorg changed", async () => {
    const snap = await chain.snapshot();
    const before = (await p.createJob({ maxUnits: 100n })).jobId;
    await synced(running!);
    assert.equal((await sql(db.url, `SELECT "maxUnits" FROM jobs WHERE id = $1`, [before]))[0]!.maxUnits, 100n);

    await chain.revert(snap);
    // Same job id, other terms, in a block at the same height.
    const after = await p.createJob({ maxUnits: 200n });
    assert.equal(after.jobId, before);
    await synced(running!);
    const rows = await sql(db.url, `SELECT "maxUnits", funded FROM jobs WHERE id = $1`, [before]);
    assert.deepEqual(rows, [{ maxUnits: 200n, funded: 200n * 1_000n }]);
    assert.ok(running!.engine.stats.reorgs >= 1);
    await assertMatchesChain(db.url, p);
  });

  it("removes events of blocks that left the chain", async () => {
    const { provider } = p.actors;
    const job = await p.createJob();
    await synced(running!);
    const snap = await chain.snapshot();
    await p.placeBid(provider, job.jobId, job.params, 900n);
    await p.withdraw(p.actors.tenant, p.addresses.usd, 1n).catch(() => {});
    await synced(running!);
    assert.equal((await sql(db.url, `SELECT count(*)::int AS n FROM bids WHERE "jobId" = $1`, [job.jobId]))[0]!.n, 1);
    const [locked] = await sql(db.url, `SELECT locked FROM providers WHERE address = $1`, [provider]);
    assert.equal(locked!.locked, 1_000n * 10n ** 18n);

    await chain.revert(snap);
    await chain.mine(3); // a longer chain without the bid
    await synced(running!);
    assert.equal((await sql(db.url, `SELECT count(*)::int AS n FROM bids WHERE "jobId" = $1`, [job.jobId]))[0]!.n, 0);
    const [j] = await sql(db.url, `SELECT "bestBidProvider", "bidCount" FROM jobs WHERE id = $1`, [job.jobId]);
    assert.deepEqual(j, { bestBidProvider: null, bidCount: 0 });
    assert.equal((await sql(db.url, `SELECT locked FROM providers WHERE address = $1`, [provider]))[0]!.locked, 0n);
    await assertMatchesChain(db.url, p);
  });

  it("rolls back a reorg that happened while it was stopped, inside a multi-block batch", async () => {
    await running!.stop();
    // Five blocks indexed as one batch by the next start.
    const job = await p.createJob();
    await p.placeBid(p.actors.provider, job.jobId, job.params, 990n);
    const snap = await chain.snapshot();
    await p.placeBid(p.actors.provider2, job.jobId, job.params, 980n);
    await p.placeBid(p.actors.provider, job.jobId, job.params, 970n);
    await chain.mine(1);
    running = start(testConfig(p, chain.url, db.url, env));
    await synced(running);
    await running.stop();
    assert.equal(
      (await sql(db.url, `SELECT "bestBidPrice" FROM jobs WHERE id = $1`, [job.jobId]))[0]!.bestBidPrice,
      970n,
    );

    // While stopped, the last three blocks are replaced (the ancestor is in the middle of the batch).
    await chain.revert(snap);
    await p.placeBid(p.actors.provider2, job.jobId, job.params, 500n);
    running = start(testConfig(p, chain.url, db.url, env));
    await synced(running);
    const [j] = await sql(db.url, `SELECT "bestBidPrice", "bestBidProvider", "bidCount" FROM jobs WHERE id = $1`, [
      job.jobId,
    ]);
    assert.deepEqual(j, { bestBidPrice: 500n, bestBidProvider: p.actors.provider2, bidCount: 2 });
    await assertMatchesChain(db.url, p);

    // After all these reorgs the database is exactly what a fresh index of the final chain gives.
    const fresh = await createTestDatabase({ prefix: "joule_reorg_fresh" });
    try {
      const r = start(testConfig(p, chain.url, fresh.url, env));
      await waitFor(r, await chain.blockNumber());
      await r.stop();
      assert.deepEqual(await dump(db.url), await dump(fresh.url));
    } finally {
      await fresh.drop();
    }
  });

  it("stops with a clear error on a reorg deeper than the blocks it keeps", async () => {
    await running!.stop();
    const shallow = await createTestDatabase({ prefix: "joule_reorg_deep" });
    try {
      const cfg = { CONFIRMATIONS: "1" };
      const snap = await chain.snapshot();
      for (let i = 0; i < 4; i++) await p.createJob();
      let r = start(testConfig(p, chain.url, shallow.url, cfg));
      await waitFor(r, await chain.blockNumber());
      await r.stop();
      const kept = await checkpoint(shallow.url);

      await chain.revert(snap);
      await chain.mine(6);
      r = start(testConfig(p, chain.url, shallow.url, cfg));
      const error = await waitForFailure(r);
      assert.ok(error instanceof ReorgTooDeepError, String(error));
      assert.match((error as Error).message, /reorganised below block \d+/);
      // Nothing was changed: the operator decides.
      assert.deepEqual(await checkpoint(shallow.url), kept);
    } finally {
      await shallow.drop();
    }
  });
});
