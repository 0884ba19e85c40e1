// The store against a real PostgreSQL database: batches, idempotency, the undo journal and rollback.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { encodeAbiParameters, encodeEventTopics, type AbiEvent } from "viem";
import pg from "pg";
import { jobMarketAbi, providerRegistryAbi } from "../../sdk/src/abi/index.ts";
import { createTestDatabase, type TestDatabase } from "../db/testdb.ts";
import { decodeLog, type DecodedLog } from "./decode.ts";
import { StateError } from "./errors.ts";
import type { BlockHeader } from "./rpc.ts";
import { NOTIFY_CHANNEL, Store, type Checkpoint } from "./store.ts";

const CHAIN = 31337;
const A = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
const MARKET = A(0xaa);
const TOKEN = A(0x70);
const TENANT = A(0x10);
const hash = (n: bigint, fork = 0) => `0x${(n * 1000n + BigInt(fork)).toString(16).padStart(64, "0")}`;
const EVENTS = [...jobMarketAbi, ...providerRegistryAbi].filter((x) => x.type === "event") as unknown as AbiEvent[];

let logIndex = 0;
function event(block: bigint, name: string, args: Record<string, unknown>, fork = 0): DecodedLog {
  const ev = EVENTS.find((e) => e.name === name)!;
  const inputs = ev.inputs.filter((i) => !i.indexed);
  return decodeLog({
    address: MARKET,
    topics: encodeEventTopics({ abi: [ev], eventName: name, args } as never) as string[],
    data: encodeAbiParameters(
      inputs,
      inputs.map((i) => args[i.name!]),
    ),
    blockNumber: `0x${block.toString(16)}`,
    blockHash: hash(block, fork),
    transactionHash: `0x${(BigInt(logIndex) + 1n).toString(16).padStart(64, "e")}`,
    transactionIndex: "0x0",
    logIndex: `0x${(logIndex++).toString(16)}`,
    blockTimestamp: `0x${(1_800_000_000n + block * 12n).toString(16)}`,
  })!;
}

/** ProviderRegistered of a one-GPU provider. */
const registered = (block: bigint, provider: string, metadataURI: string) =>
  event(block, "ProviderRegistered", {
    provider,
    gpuClass: 1,
    gpuCount: 1,
    vramGb: 24,
    carbonIntensity: 100,
    region: `0x${"0".repeat(64)}`,
    metadataURI,
  });

/** JobAssigned of an auctioned job: 8 a unit, 800 escrowed, 200 refunded. */
const assigned = (block: bigint, jobId: bigint, provider: string) =>
  event(block, "JobAssigned", {
    jobId,
    provider,
    pricePerUnit: 8n,
    escrow: 800n,
    refunded: 200n,
    deliveryDeadline: 1_900_003_600,
    signedBid: false,
  });

const params = (collateral: bigint) => ({
  tenant: TENANT,
  payer: TENANT,
  feeBps: 250,
  slashPayerShareBps: 8_000,
  verificationWindow: 86_400,
  request: {
    token: TOKEN,
    verifier: A(0x71),
    specHash: `0x${"5".repeat(64)}`,
    maxUnits: 100n,
    maxPricePerUnit: 10n,
    collateral,
    biddingEnd: 1_900_000_000,
    deliveryWindow: 3_600,
    milestones: 1,
    requirements: { minGpuClass: 0, minGpuCount: 0, minVramGb: 0, maxCarbonIntensity: 0 },
  },
});

function header(n: bigint, fork = 0): BlockHeader {
  return {
    number: n,
    hash: hash(n, fork),
    parentHash: n === 0n ? `0x${"0".repeat(64)}` : hash(n - 1n, n - 1n >= 3n ? fork : 0),
    timestamp: 1_800_000_000n + n * 12n,
  };
}

async function snapshot(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const tables = [
      "jobs",
      "providers",
      "bids",
      "balances",
      "tokens",
      "daily_stats",
      "daily_token_stats",
      "payouts",
      "refunds",
      "stake_changes",
      "raw_events",
      "protocol",
    ];
    const out: string[] = [];
    for (const t of tables) {
      const { rows } = await c.query(`SELECT (to_jsonb(x) - 'updatedAt')::text AS j FROM "${t}" x ORDER BY 1`);
      out.push(`${t}: ${rows.map((r) => r.j).join("\n")}`);
    }
    return out.join("\n");
  } finally {
    await c.end();
  }
}

describe("Store", () => {
  let db: TestDatabase;
  let store: Store;
  const notes: string[] = [];
  let listener: pg.Client;

  before(async () => {
    db = await createTestDatabase({ prefix: "joule_store" });
    listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    await listener.query(`LISTEN ${NOTIFY_CHANNEL}`);
    listener.on("notification", (n) => notes.push(n.payload!));
    store = new Store(db.url, CHAIN, { stakeToken: A(0x99) });
    await store.connect();
    await store.initialise(
      { number: -1n, hash: `0x${"0".repeat(64)}` },
      { jobMarket: MARKET, providerRegistry: A(1), rewardEmitter: A(2), jouleToken: A(0x99), treasury: A(0x77) },
    );
  });
  after(async () => {
    await listener.end();
    await store.close();
    await db.drop();
  });

  let cp: Checkpoint = { number: -1n, hash: `0x${"0".repeat(64)}` };
  async function commit(from: bigint, to: bigint, events: DecodedLog[], journal: boolean, fork = 0) {
    const headers: BlockHeader[] = [];
    for (let n = from; n <= to; n++) headers.push(header(n, fork));
    const r = await store.commitBatch(cp, {
      from,
      to,
      toHeader: headers.at(-1)!,
      headers,
      events,
      discovered: [],
      timestamps: new Map(),
      journal,
      safe: -1n,
      head: to,
    });
    cp = { number: to, hash: headers.at(-1)!.hash };
    return r;
  }

  it("rolls back to any batch boundary exactly, and re-applies cleanly", async () => {
    const P1 = A(0x201);
    const P2 = A(0x202);
    // Final (unjournaled) history: two registered, staked providers and a job.
    await commit(
      0n,
      2n,
      [
        registered(0n, P1, "a"),
        event(1n, "Staked", { provider: P1, from: P1, amount: 5_000n, stake: 5_000n }),
        registered(1n, P2, "b"),
        event(2n, "Staked", { provider: P2, from: P2, amount: 5_000n, stake: 5_000n }),
        event(2n, "JobCreated", { jobId: 1n, tenant: TENANT, payer: TENANT, params: params(1_000n), funded: 1_000n }),
      ],
      false,
    );
    const states = new Map<bigint, string>([[2n, await snapshot(db.url)]]);
    // Journaled batches (above the safe block): bids move the collateral between providers, then assignment.
    await commit(3n, 3n, [event(3n, "BidPlaced", { jobId: 1n, provider: P1, pricePerUnit: 9n, replaced: A(0) })], true);
    states.set(3n, await snapshot(db.url));
    const batch45 = [
      event(4n, "BidPlaced", { jobId: 1n, provider: P2, pricePerUnit: 8n, replaced: P1 }),
      event(5n, "JobCreated", { jobId: 2n, tenant: TENANT, payer: TENANT, params: params(0n), funded: 1_000n }),
    ];
    await commit(4n, 5n, batch45, true);
    states.set(5n, await snapshot(db.url));
    await commit(6n, 6n, [assigned(6n, 1n, P2)], true);
    const final = await snapshot(db.url);
    assert.notEqual(final, states.get(5n));

    // A fork at 4 (inside the batch 4..5): undone whole, back to 3.
    cp = await store.rollback(4n);
    assert.deepEqual(cp, { number: 3n, hash: hash(3n) });
    assert.ok((await snapshot(db.url)) === states.get(3n), "state after rollback to 3 differs");
    // Re-apply the same blocks: identical to before.
    await commit(4n, 5n, batch45, true);
    assert.ok((await snapshot(db.url)) === states.get(5n), "re-applied state differs");
    // Back to the last final block.
    cp = await store.rollback(2n);
    assert.ok((await snapshot(db.url)) === states.get(2n), "state after rollback to 2 differs");
    assert.ok(notes.some((n) => JSON.parse(n).reorg === true));
  });

  it("refuses a batch that does not continue its checkpoint, and notifies committed batches only", async () => {
    const before = notes.length;
    await assert.rejects(
      store.commitBatch(
        { number: cp.number, hash: `0x${"f".repeat(64)}` },
        {
          from: cp.number + 1n,
          to: cp.number + 1n,
          toHeader: header(cp.number + 1n),
          headers: [],
          events: [],
          discovered: [],
          timestamps: new Map(),
          journal: false,
          safe: 0n,
          head: 0n,
        },
      ),
      (e) => e instanceof StateError && /checkpoint moved/.test(e.message),
    );
    // The first batch after the rollback of the previous test is flagged as re-indexing; the next is not.
    await commit(cp.number + 1n, cp.number + 1n, [], false);
    await commit(cp.number + 1n, cp.number + 2n, [], false);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(notes.length, before + 2);
    assert.deepEqual(JSON.parse(notes.at(-2)!), {
      v: 1,
      chainId: CHAIN,
      fromBlock: String(cp.number - 2n),
      toBlock: String(cp.number - 2n),
      reorg: true,
    });
    assert.deepEqual(JSON.parse(notes.at(-1)!), {
      v: 1,
      chainId: CHAIN,
      fromBlock: String(cp.number - 1n),
      toBlock: String(cp.number),
      reorg: false,
    });
  });

  it("refuses a database that indexes another chain", async () => {
    const other = new Store(db.url, 1, { stakeToken: A(0x99) });
    // The writer lock is per chain, so this connects; the checkpoint then tells the chains apart.
    await other.connect();
    try {
      await assert.rejects(
        other.readCheckpoint(),
        (e) => e instanceof StateError && /indexes chain 31337, not chain 1/.test(e.message),
      );
    } finally {
      await other.close();
    }
  });

  it("stores an event once even if it is offered again", async () => {
    const e = event(cp.number + 1n, "TokenAllowed", { token: TOKEN, allowed: true });
    const r1 = await commit(cp.number + 1n, cp.number + 1n, [e], false);
    // The same log in a later batch (as after a lost commit acknowledgment): skipped, not applied twice.
    const r2 = await commit(cp.number + 1n, cp.number + 1n, [e], false);
    assert.deepEqual([r1.inserted, r1.skipped, r2.inserted, r2.skipped], [1, 0, 0, 1]);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const { rows } = await c.query(`SELECT count(*)::int AS n FROM parameter_changes WHERE parameter = 'tokenAllowed'`);
    await c.end();
    assert.equal(rows[0].n, 1);
  });

  it("stores and applies a log the node lists twice in one batch once", async () => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const created = async () =>
      (await c.query(`SELECT "jobsCreated"::int AS n FROM tokens WHERE address = $1`, [TOKEN])).rows[0]?.n ?? 0;
    try {
      const before = await created();
      const e = event(cp.number + 1n, "JobCreated", {
        jobId: 42n,
        tenant: TENANT,
        payer: TENANT,
        params: params(0n),
        funded: 1_000n,
      });
      const r = await commit(cp.number + 1n, cp.number + 1n, [e, { ...e }], false);
      assert.deepEqual([r.inserted, r.skipped], [1, 1]);
      assert.equal(await created(), before + 1, "counted once");
      const { rows } = await c.query(`SELECT count(*)::int AS n FROM raw_events WHERE "txHash" = $1`, [e.txHash]);
      assert.equal(rows[0].n, 1);
    } finally {
      await c.end();
    }
  });
});

describe("Store: the next batch prepared while one is written", () => {
  let piped: TestDatabase;
  let serial: TestDatabase;
  before(async () => {
    piped = await createTestDatabase({ prefix: "joule_store_piped" });
    serial = await createTestDatabase({ prefix: "joule_store_serial" });
  });
  after(async () => {
    await piped?.drop();
    await serial?.drop();
  });

  async function open(url: string, cacheRows?: number): Promise<Store> {
    const s = new Store(url, CHAIN, { stakeToken: A(0x99) }, () => {}, cacheRows === undefined ? {} : { cacheRows });
    await s.connect();
    await s.initialise(
      { number: -1n, hash: `0x${"0".repeat(64)}` },
      { jobMarket: MARKET, providerRegistry: A(1), rewardEmitter: A(2), jouleToken: A(0x99), treasury: A(0x77) },
    );
    return s;
  }

  const batchOf = (from: bigint, to: bigint, events: DecodedLog[]) => ({
    from,
    to,
    toHeader: header(to),
    headers: [header(to)],
    events,
    discovered: [],
    timestamps: new Map<bigint, bigint>(),
    journal: false,
    safe: to,
    head: to,
  });

  it("takes the rows the batch in flight changes from its state, with the same result as one at a time", async () => {
    const P = A(0x301);
    const first = [
      registered(0n, P, "p"),
      event(0n, "Staked", { provider: P, from: P, amount: 5_000n, stake: 5_000n }),
      event(1n, "JobCreated", { jobId: 7n, tenant: TENANT, payer: TENANT, params: params(1_000n), funded: 1_000n }),
    ];
    // The second batch changes the job and the provider the first one creates.
    const second = [event(2n, "BidPlaced", { jobId: 7n, provider: P, pricePerUnit: 9n, replaced: A(0) })];

    const one = await open(serial.url);
    try {
      await one.commitBatch({ number: -1n, hash: `0x${"0".repeat(64)}` }, batchOf(0n, 1n, first));
      await one.commitBatch({ number: 1n, hash: header(1n).hash }, batchOf(2n, 2n, second));
    } finally {
      await one.close();
    }

    const s = await open(piped.url);
    // The first batch cannot commit while another session holds daily_stats, so the second batch is prepared
    // (its reads included) while the first is still uncommitted.
    const locker = new pg.Client({ connectionString: piped.url });
    await locker.connect();
    await locker.query("BEGIN");
    await locker.query("LOCK TABLE daily_stats IN SHARE ROW EXCLUSIVE MODE");
    try {
      const a = await s.submitBatch({ number: -1n, hash: `0x${"0".repeat(64)}` }, batchOf(0n, 1n, first));
      assert.equal(s.busy, true);
      let secondQueued = false;
      const b = s.submitBatch({ number: 1n, hash: header(1n).hash }, batchOf(2n, 2n, second)).then((x) => {
        secondQueued = true;
        return x;
      });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(secondQueued, false, "the second batch waits for the first to commit");
      const [{ n }] = (await locker.query(`SELECT count(*)::int AS n FROM jobs`)).rows;
      assert.equal(n, 0, "the first batch is not committed yet");
      await locker.query("ROLLBACK");
      const ra = await a.committed;
      const rb = await (await b).committed;
      assert.deepEqual([ra.inserted, rb.inserted, rb.warnings], [3, 1, []]);
      await s.flush();
      assert.equal(s.busy, false);
    } finally {
      await locker.end();
      await s.close();
    }
    assert.equal(await snapshot(piped.url), await snapshot(serial.url));
  });

  it("writes the same rows when later batches update only the columns they change, read cached or from the database", async () => {
    const [P1, P2] = [A(0x311), A(0x312)];
    const batches = [
      [
        registered(0n, P1, "p1"),
        registered(0n, P2, "p2"),
        event(0n, "Staked", { provider: P1, from: P1, amount: 5_000n, stake: 5_000n }),
        event(0n, "Staked", { provider: P2, from: P2, amount: 5_000n, stake: 5_000n }),
        event(1n, "JobCreated", { jobId: 8n, tenant: TENANT, payer: TENANT, params: params(1_000n), funded: 1_000n }),
      ],
      [event(2n, "BidPlaced", { jobId: 8n, provider: P1, pricePerUnit: 9n, replaced: A(0) })],
      [event(3n, "BidPlaced", { jobId: 8n, provider: P2, pricePerUnit: 8n, replaced: P1 })],
      [assigned(4n, 8n, P2)],
    ];
    const blocks: [bigint, bigint][] = [
      [0n, 1n],
      [2n, 2n],
      [3n, 3n],
      [4n, 4n],
    ];
    const run = async (url: string, split: boolean, cacheRows?: number) => {
      const s = await open(url, cacheRows);
      try {
        if (!split)
          return void (await s.commitBatch(
            { number: -1n, hash: `0x${"0".repeat(64)}` },
            batchOf(0n, 4n, batches.flat()),
          ));
        let at: Checkpoint = { number: -1n, hash: `0x${"0".repeat(64)}` };
        for (let i = 0; i < batches.length; i++) {
          const [from, to] = blocks[i]!;
          await s.commitBatch(at, batchOf(from, to, batches[i]!));
          at = { number: to, hash: header(to).hash };
        }
      } finally {
        await s.close();
      }
    };
    const dbs = await Promise.all(
      ["whole", "cached", "uncached"].map((p) => createTestDatabase({ prefix: `joule_store_${p}` })),
    );
    try {
      await run(dbs[0]!.url, false);
      await run(dbs[1]!.url, true);
      await run(dbs[2]!.url, true, 0);
      const [whole, cached, uncached] = (await Promise.all(dbs.map((d) => snapshot(d.url)))) as [
        string,
        string,
        string,
      ];
      assert.match(whole, /"status": "ASSIGNED"/);
      assert.equal(cached, whole, "rows kept in the cache between batches");
      assert.equal(uncached, whole, "rows read back from the database");
    } finally {
      await Promise.all(dbs.map((d) => d.drop()));
    }
  });

  it("does not write a batch behind one that failed, and reports the failure", async () => {
    const s = await open(piped.url);
    try {
      const cp = { number: 2n, hash: header(2n).hash };
      // Continues a checkpoint the database does not have: refused when written.
      const bad = await s.submitBatch({ number: 2n, hash: `0x${"f".repeat(64)}` }, batchOf(3n, 3n, []));
      const e = event(4n, "TokenAllowed", { token: A(0x72), allowed: true });
      await assert.rejects(
        s.submitBatch({ number: 3n, hash: header(3n).hash }, batchOf(4n, 4n, [e])),
        (error) => error instanceof StateError && /checkpoint moved/.test(error.message),
      );
      await assert.rejects(bad.committed, StateError);
      await s.flush(); // nothing left in flight
      const c = new pg.Client({ connectionString: piped.url });
      await c.connect();
      const { rows } = await c.query(`SELECT "blockNumber"::int AS n FROM checkpoints`);
      const { rows: tokens } = await c.query(`SELECT count(*)::int AS n FROM tokens WHERE address = $1`, [A(0x72)]);
      await c.end();
      assert.deepEqual([rows[0].n, tokens[0].n], [2, 0]);
      // And the store goes on from the checkpoint it has.
      await s.commitBatch(cp, batchOf(3n, 4n, [e]));
    } finally {
      await s.close();
    }
  });

  it("reports a failure that happened before the next batch came, not a checkpoint mismatch", async () => {
    const s = await open(piped.url);
    const locker = await blockBatches(piped.url);
    try {
      const e = event(5n, "TokenAllowed", { token: A(0x73), allowed: true });
      const a = await s.submitBatch({ number: 4n, hash: header(4n).hash }, batchOf(5n, 5n, [e]));
      await waitForLockWait(piped.url);
      // The writer's connection is lost mid-transaction; nobody awaits the batch yet.
      await locker.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'joule-indexer-sync'`,
      );
      const lost = await a.committed.then(
        () => assert.fail("the batch committed"),
        (error: Error) => error,
      );
      assert.doesNotMatch(lost.message, /checkpoint moved/);
      await assert.rejects(
        s.submitBatch({ number: 5n, hash: header(5n).hash }, batchOf(6n, 6n, [])),
        (error) => error === lost,
        "the next batch reports the lost one's own failure",
      );
      assert.equal(s.busy, false);
    } finally {
      await locker.query("ROLLBACK");
      await locker.end();
      await s.close();
    }
  });

  it("records both stake changes of an outbid: the new bidder's lock and the replaced bidder's release", async () => {
    const db = await createTestDatabase({ prefix: "joule_store_outbid" });
    const s = await open(db.url);
    try {
      const [P1, P2] = [A(0x401), A(0x402)];
      const outbid = event(2n, "BidPlaced", { jobId: 9n, provider: P2, pricePerUnit: 8n, replaced: P1 });
      await s.commitBatch(
        { number: -1n, hash: `0x${"0".repeat(64)}` },
        batchOf(0n, 2n, [
          registered(0n, P1, "a"),
          registered(0n, P2, "b"),
          event(1n, "JobCreated", { jobId: 9n, tenant: TENANT, payer: TENANT, params: params(700n), funded: 1_000n }),
          event(1n, "BidPlaced", { jobId: 9n, provider: P1, pricePerUnit: 9n, replaced: A(0) }),
          outbid,
        ]),
      );
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      const { rows } = await c.query(
        `SELECT id, provider, kind, amount::text FROM stake_changes WHERE "txHash" = $1 ORDER BY id`,
        [outbid.txHash],
      );
      await c.end();
      const id = `${outbid.txHash}-${outbid.logIndex}`;
      assert.deepEqual(rows, [
        { id, provider: P2, kind: "COLLATERAL_LOCKED", amount: "700" },
        { id: `${id}-1`, provider: P1, kind: "COLLATERAL_RELEASED", amount: "700" },
      ]);
    } finally {
      await s.close();
      await db.drop();
    }
  });

  it("builds the deferred indexes back after a batch, on several connections, and forgets them", async () => {
    const db = await createTestDatabase({ prefix: "joule_store_indexes" });
    const s = await open(db.url);
    try {
      const before = await indexDefinitions(db.url);
      const deferred = await s.deferIndexes();
      assert.ok(deferred > 0);
      const e = event(0n, "TokenAllowed", { token: A(0x74), allowed: true });
      await s.commitBatch({ number: -1n, hash: `0x${"0".repeat(64)}` }, batchOf(0n, 0n, [e]));
      assert.deepEqual([await s.buildIndexes(), s.deferredIndexes], [deferred, 0]);
      assert.deepEqual(await indexDefinitions(db.url), before);
      assert.equal(await s.buildIndexes(), 0);
    } finally {
      await s.close();
      await db.drop();
    }
  });
});

/** A transaction holding the checkpoints table, so a batch's transaction waits at its start. */
async function blockBatches(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query("BEGIN");
  await c.query("LOCK TABLE checkpoints IN EXCLUSIVE MODE");
  return c;
}

async function waitForLockWait(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (let i = 0; i < 500; i++) {
      const { rows } = await c.query(
        `SELECT 1 FROM pg_stat_activity WHERE application_name = 'joule-indexer-sync' AND wait_event_type = 'Lock'`,
      );
      if (rows.length > 0) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error("the batch never waited for the lock");
  } finally {
    await c.end();
  }
}

async function indexDefinitions(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1`);
    return rows.map((r) => r.indexdef as string);
  } finally {
    await c.end();
  }
}
