// Failure modes: an unreliable RPC, a killed process, SIGTERM, a lost database connection, two writers.
// Every run must end with exactly the database a clean run produces.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "../indexer/db/testdb.ts";
import { startChain, type TestChain } from "./indexer/chain.ts";
import { startFaultProxy, type FaultProxy } from "./indexer/faults.ts";
import { deployProtocol, type Protocol } from "./indexer/protocol.ts";
import { start, testConfig, waitFor } from "./indexer/run.ts";
import { jobsScenario } from "./indexer/scenario.ts";
import { checkpoint, dump, sql } from "./indexer/verify.ts";

const MAIN = fileURLToPath(new URL("../indexer/sync/main.ts", import.meta.url));

describe("indexer under faults (e2e)", () => {
  let chain: TestChain;
  let p: Protocol;
  let head: bigint;
  let clean: Record<string, string[]>;
  const dbs: TestDatabase[] = [];
  const proxies: FaultProxy[] = [];
  const children: ChildProcess[] = [];

  async function freshDb(prefix: string): Promise<TestDatabase> {
    const db = await createTestDatabase({ prefix });
    dbs.push(db);
    return db;
  }

  async function proxy(plan: Parameters<typeof startFaultProxy>[1]): Promise<FaultProxy> {
    const px = await startFaultProxy(chain.url, plan);
    proxies.push(px);
    return px;
  }

  before(async () => {
    chain = await startChain();
    p = await deployProtocol(chain.provider);
    await jobsScenario(p, chain);
    head = await chain.blockNumber();
    const db = await freshDb("joule_faults_clean");
    const r = start(testConfig(p, chain.url, db.url));
    await waitFor(r, head);
    await r.stop();
    clean = await dump(db.url);
    assert.ok(clean.raw_events!.length > 50);
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    for (const px of proxies) await px.close();
    for (const db of dbs) await db.drop();
    await chain?.close();
  });

  it("loses nothing through errors, 429s, 502s, hangs, null answers and range limits (with a dead primary URL)", async () => {
    const px = await proxy({
      seed: 7,
      http429: 0.06,
      http502: 0.06,
      hang: 0.03,
      rpcError: 0.06,
      nullLogs: 0.3,
      maxLogRange: 5n,
      maxLogs: 12,
    });
    const db = await freshDb("joule_faults_rpc");
    // The primary endpoint refuses connections: every call must fall back.
    const r = start(
      testConfig(p, `http://127.0.0.1:9,${px.url}`, db.url, {
        BATCH_BLOCKS: "50",
        RPC_TIMEOUT_MS: "300",
        RPC_MAX_RETRIES: "50",
      }),
    );
    await waitFor(r, head, 120_000);
    await r.stop();
    assert.deepEqual(await dump(db.url), clean);
    for (const kind of ["http429", "http502", "hang", "rpcError", "nullLogs", "range"]) {
      assert.ok((px.injected.get(kind) ?? 0) > 0, `no ${kind} fault was injected: ${JSON.stringify([...px.injected])}`);
    }
    // The adaptive range settled at or below what the node allows.
    assert.ok(r.engine.stats.batches > 10);
  });

  function child(url: string, db: TestDatabase, env: Record<string, string> = {}): ChildProcess {
    const c = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        RPC_URL: url,
        DATABASE_URL: db.url,
        JOB_MARKET_ADDRESS: p.addresses.market,
        PROVIDER_REGISTRY_ADDRESS: p.addresses.registry,
        REWARD_EMITTER_ADDRESS: p.addresses.emitter,
        JOULE_TOKEN_ADDRESS: p.addresses.joule,
        VERIFIER_ADDRESSES: p.addresses.verifier,
        START_BLOCK: "0",
        FINALITY: "confirmations",
        CONFIRMATIONS: "3",
        BATCH_BLOCKS: "2",
        MAX_BATCH_BLOCKS: "2",
        POLL_INTERVAL_MS: "20",
        ...env,
      },
      stdio: ["ignore", "ignore", process.env.INDEXER_TEST_LOG ? "inherit" : "ignore"],
    });
    children.push(c);
    return c;
  }

  const exited = (c: ChildProcess) =>
    new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) resolve({ code: c.exitCode, signal: c.signalCode });
      else c.once("exit", (code, signal) => resolve({ code, signal }));
    });

  /** Holds a lock on daily_stats so the indexer's next batch blocks mid-transaction (after its first writes). */
  async function blockBatches(db: TestDatabase): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query("BEGIN");
    await c.query("LOCK TABLE daily_stats IN SHARE ROW EXCLUSIVE MODE");
    return c;
  }

  async function waitBlocked(db: TestDatabase): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const rows = await sql(
        db.url,
        `SELECT 1 FROM pg_stat_activity WHERE application_name = 'joule-indexer-sync' AND wait_event_type = 'Lock' AND query LIKE '%daily_stats%'`,
      );
      if (rows.length > 0) return;
      if (Date.now() > deadline) throw new Error("the indexer never blocked on daily_stats");
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Nothing is stored above the checkpoint: batches are all-or-nothing. */
  async function assertConsistent(db: TestDatabase): Promise<void> {
    const cp = (await checkpoint(db.url))!;
    const [above] = await sql(db.url, `SELECT count(*)::int AS n FROM raw_events WHERE "blockNumber" > $1`, [
      cp.blockNumber,
    ]);
    assert.equal(above!.n, 0);
    const [dups] = await sql(
      db.url,
      `SELECT count(*)::int AS n FROM (SELECT "txHash", "logIndex" FROM raw_events GROUP BY 1, 2 HAVING count(*) > 1) d`,
    );
    assert.equal(dups!.n, 0);
  }

  it("SIGKILL mid-batch, then restart: exact data, no duplicates", async () => {
    const px = await proxy({ delayMs: 5 });
    const db = await freshDb("joule_faults_kill");

    // 1. Killed while a batch transaction is open and has written rows.
    const locker = await blockBatches(db);
    let c = child(px.url, db);
    await waitBlocked(db);
    c.kill("SIGKILL");
    assert.equal((await exited(c)).signal, "SIGKILL");
    await locker.query("ROLLBACK");
    await locker.end();
    await assertConsistent(db);

    // 2. Killed at random moments.
    for (const ms of [150, 400, 250]) {
      c = child(px.url, db);
      await new Promise((r) => setTimeout(r, ms));
      c.kill("SIGKILL");
      await exited(c);
      await assertConsistent(db);
    }
    const progressed = (await checkpoint(db.url))!.blockNumber;
    assert.ok(progressed > 0n, "the runs between kills made progress");

    // 3. Runs to the head and stops on SIGTERM with exit code 0.
    c = child(px.url, db);
    for (;;) {
      const cp = await checkpoint(db.url);
      if (cp && cp.blockNumber >= head) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    c.kill("SIGTERM");
    assert.deepEqual(await exited(c), { code: 0, signal: null });
    assert.deepEqual(await dump(db.url), clean);
  });

  it("SIGTERM finishes the current batch, then exits 0", async () => {
    const db = await freshDb("joule_faults_term");
    const locker = await blockBatches(db);
    const c = child(chain.url, db);
    await waitBlocked(db);
    const before = (await checkpoint(db.url))!.blockNumber;
    c.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(c.exitCode, null, "it waits for its batch instead of abandoning it");
    await locker.query("ROLLBACK");
    await locker.end();
    assert.deepEqual(await exited(c), { code: 0, signal: null });
    const afterCp = (await checkpoint(db.url))!.blockNumber;
    assert.ok(afterCp > before, `the blocked batch was committed (${before} → ${afterCp})`);
    assert.ok(afterCp < head, "and it stopped there");
    await assertConsistent(db);
  });

  it("reconnects and resumes after losing its database connection", async () => {
    const px = await proxy({ delayMs: 4 });
    const db = await freshDb("joule_faults_dbloss");
    const messages: string[] = [];
    const r = start(testConfig(p, px.url, db.url, { BATCH_BLOCKS: "2", MAX_BATCH_BLOCKS: "2" }), (_l, m) =>
      messages.push(m),
    );
    await waitFor(r, 10n);
    const killed = await sql(
      db.url,
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name LIKE 'joule-indexer-sync%' AND datname = current_database()`,
    );
    // Both of its connections: the batch writer's and the one holding the writer lock.
    assert.equal(killed.length, 2);
    await waitFor(r, head, 60_000);
    await r.stop();
    assert.ok(
      messages.some((m) => /sync interrupted/.test(m)),
      "the loss was noticed",
    );
    assert.deepEqual(await dump(db.url), clean);
  });

  it("lets one writer at a time hold the database (advisory lock)", async () => {
    const px = await proxy({ delayMs: 4 });
    const db = await freshDb("joule_faults_lock");
    const env = { BATCH_BLOCKS: "2", MAX_BATCH_BLOCKS: "2" };
    const a = start(testConfig(p, px.url, db.url, env));
    await waitFor(a, 4n);
    const b = start(testConfig(p, px.url, db.url, env));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(b.engine.stats.batches, 0, "the second writer waits");
    await a.stop();
    await waitFor(b, head, 60_000);
    await b.stop();
    assert.deepEqual(await dump(db.url), clean);
  });
});
