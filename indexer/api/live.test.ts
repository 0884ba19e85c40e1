// Live updates: SSE subscriptions driven by PostgreSQL NOTIFY, across several API
// processes, surviving the loss of the LISTEN connection.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { createMetrics } from "../metrics.ts";
import { parseNotice } from "./notify.ts";
import { startApi, type ApiServer } from "./server.ts";
import { TOKEN, addr, jobRow, position, setCheckpoint, startHarness, subscribe, type Harness } from "./test-helpers.ts";

const CHAIN = 31337;
let h: Harness;
let client: pg.Client;

/** What the sync process sends after each committed batch. */
async function notifyBatch(fromBlock: number, toBlock: number, reorg = false) {
  const payload = JSON.stringify({
    v: 1,
    chainId: CHAIN,
    fromBlock: String(fromBlock),
    toBlock: String(toBlock),
    reorg,
  });
  await client.query("SELECT pg_notify('joule_events', $1)", [payload]);
}

async function until(what: string, check: () => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Asserts that no event arrives within `ms`. */
async function assertQuiet(sub: { next(ms?: number): Promise<unknown> }, ms = 600) {
  await assert.rejects(sub.next(ms), /no subscription event/);
}

before(async () => {
  h = await startHarness();
  client = new pg.Client({ connectionString: h.database.url });
  await client.connect();
  await setCheckpoint(h.prisma, 10, 10);
  await h.prisma.job.create({
    data: jobRow(1, { createdBlock: 5n, updatedBlock: 5n }),
  });
  await until("LISTEN connection", () => h.api.notify?.connected === true);
});

after(async () => {
  await client?.end();
  await h?.close();
});

describe("subscriptions over SSE", () => {
  test("jobUpdated: the current job, then each change after a NOTIFY", async () => {
    const sub = await subscribe(
      h.api.url,
      `subscription { jobUpdated(id: "1") { id status providerAddress provider { gpuCount } } }`,
    );
    try {
      assert.deepEqual((await sub.next()).data.jobUpdated, {
        id: "1",
        status: "OPEN",
        providerAddress: null,
        provider: null,
      });

      await h.prisma.provider.create({
        data: {
          address: addr(1),
          gpuCount: 4,
          updatedAt: new Date(),
          updatedBlock: 11n,
        },
      });
      await h.prisma.job.update({
        where: { id: "1" },
        data: { status: "ASSIGNED", provider: addr(1), updatedBlock: 11n },
      });
      await setCheckpoint(h.prisma, 11, 11);
      await notifyBatch(11, 11);
      assert.deepEqual((await sub.next()).data.jobUpdated, {
        id: "1",
        status: "ASSIGNED",
        providerAddress: addr(1),
        provider: { gpuCount: 4 },
      });

      // Relations are read afresh for every event (no DataLoader cache across events).
      await h.prisma.provider.update({
        where: { address: addr(1) },
        data: { gpuCount: 8, updatedBlock: 12n },
      });
      await h.prisma.job.update({
        where: { id: "1" },
        data: { milestonesSettled: 1, updatedBlock: 12n },
      });
      await notifyBatch(12, 12);
      assert.deepEqual((await sub.next()).data.jobUpdated, {
        id: "1",
        status: "ASSIGNED",
        providerAddress: addr(1),
        provider: { gpuCount: 8 },
      });

      // A batch that did not touch the job pushes nothing.
      await notifyBatch(12, 12);
      await assertQuiet(sub);
    } finally {
      sub.close();
    }
    await until("unsubscribe", () => h.api.live.subscriptionCount === 0);
  });

  test("jobCreated and providerPayouts deliver rows of the notified blocks, once", async () => {
    const created = await subscribe(h.api.url, `subscription { jobCreated { id status createdBlock } }`);
    const payouts = await subscribe(
      h.api.url,
      `subscription($p: Address!) { providerPayouts(provider: $p) { kind amount account jobId blockNumber } }`,
      { p: addr(1) },
    );
    try {
      await until("two subscriptions", () => h.api.live.subscriptionCount === 2);
      await h.prisma.job.create({
        data: jobRow(2, { createdBlock: 13n, updatedBlock: 13n }),
      });
      await h.prisma.payout.createMany({
        data: [
          {
            ...position(13, { logIndex: 1 }),
            kind: "PROVIDER_PAYMENT",
            account: addr(1),
            token: TOKEN,
            amount: "990",
            jobId: "1",
            milestone: 0,
          },
          {
            ...position(13, { logIndex: 2 }),
            kind: "PROTOCOL_FEE",
            account: addr(0x99),
            token: TOKEN,
            amount: "10",
            jobId: "1",
            milestone: 0,
          },
          // Another provider's payment, and a refund to this provider's address: neither is a payout of addr(1).
          {
            ...position(13, { logIndex: 3 }),
            kind: "PROVIDER_PAYMENT",
            account: addr(2),
            token: TOKEN,
            amount: "5",
            jobId: "1",
            milestone: 0,
          },
          {
            ...position(13, { logIndex: 4 }),
            kind: "REFUND",
            account: addr(1),
            token: TOKEN,
            amount: "7",
            jobId: "1",
          },
        ],
      });
      await setCheckpoint(h.prisma, 13, 13);
      await notifyBatch(13, 13);
      assert.deepEqual((await created.next()).data.jobCreated, {
        id: "2",
        status: "OPEN",
        createdBlock: 13,
      });
      assert.deepEqual((await payouts.next()).data.providerPayouts, {
        kind: "PROVIDER_PAYMENT",
        amount: "990",
        account: addr(1),
        jobId: "1",
        blockNumber: 13,
      });
      // The same batch notified twice (e.g. replayed after a reconnection) is not delivered twice.
      await notifyBatch(13, 13);
      await assertQuiet(created);
      await assertQuiet(payouts, 100);
      // A malformed payload is ignored.
      await client.query("SELECT pg_notify('joule_events', 'not json')");
      await assertQuiet(created, 300);
    } finally {
      created.close();
      payouts.close();
    }
  });

  test("every API process serves the same notification", async () => {
    const second: ApiServer = await startApi({
      databaseUrl: h.database.url,
      port: 0,
      metrics: createMetrics(),
    });
    try {
      await until("second LISTEN", () => second.notify?.connected === true);
      const a = await subscribe(h.api.url, `subscription { jobCreated { id } }`);
      const b = await subscribe(second.url, `subscription { jobCreated { id } }`);
      try {
        await until("both subscribed", () => h.api.live.subscriptionCount === 1 && second.live.subscriptionCount === 1);
        await h.prisma.job.create({
          data: jobRow(3, { createdBlock: 14n, updatedBlock: 14n }),
        });
        await setCheckpoint(h.prisma, 14, 14);
        await notifyBatch(14, 14);
        assert.equal((await a.next()).data.jobCreated.id, "3");
        assert.equal((await b.next()).data.jobCreated.id, "3");
      } finally {
        a.close();
        b.close();
      }
    } finally {
      await second.close();
    }
  });

  test("a lost LISTEN connection reconnects and replays the blocks it missed", async () => {
    const created = await subscribe(h.api.url, `subscription { jobCreated { id } }`);
    try {
      await until("subscribed", () => h.api.live.subscriptionCount === 1);
      // Indexed while nobody notified this process (as if the notification was lost).
      await h.prisma.job.create({
        data: jobRow(4, { createdBlock: 20n, updatedBlock: 20n }),
      });
      await setCheckpoint(h.prisma, 20, 20);
      const killed = await client.query(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'joule-api-listen' AND datname = current_database()`,
      );
      assert.equal(killed.rowCount, 1);
      await until("disconnect noticed", () => h.api.notify?.connected === false);
      await until("reconnected", () => h.api.notify?.connected === true);
      assert.equal((await created.next()).data.jobCreated.id, "4", "resync after reconnecting delivers the missed job");
      // And notifications flow again.
      await h.prisma.job.create({
        data: jobRow(5, { createdBlock: 21n, updatedBlock: 21n }),
      });
      await setCheckpoint(h.prisma, 21, 21);
      await notifyBatch(21, 21);
      assert.equal((await created.next()).data.jobCreated.id, "5");
    } finally {
      created.close();
    }
  });

  test("subscriptions are limited like queries", async () => {
    const res = await fetch(`${h.api.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "text/event-stream",
      },
      body: JSON.stringify({
        query: `subscription { jobCreated { provider { jobs(first: 5000) { nodes { id } } } } }`,
      }),
    });
    const text = await res.text();
    assert.match(text, /PAGE_SIZE_TOO_LARGE/);
  });
});

describe("notification payloads", () => {
  test("parseNotice accepts version 1 and rejects anything else", () => {
    assert.deepEqual(parseNotice('{"v":1,"chainId":1,"fromBlock":"5","toBlock":"7","reorg":true}'), {
      chainId: 1,
      fromBlock: 5n,
      toBlock: 7n,
      reorg: true,
    });
    assert.deepEqual(parseNotice('{"v":1,"chainId":1,"fromBlock":5,"toBlock":5}'), {
      chainId: 1,
      fromBlock: 5n,
      toBlock: 5n,
      reorg: false,
    });
    for (const bad of [
      undefined,
      "",
      "null",
      "[]",
      '{"v":2,"chainId":1,"fromBlock":"1","toBlock":"2"}',
      '{"v":1,"chainId":1,"fromBlock":"9","toBlock":"2"}',
      '{"v":1,"chainId":1,"fromBlock":"-1","toBlock":"2"}',
    ]) {
      assert.equal(parseNotice(bad), null, String(bad));
    }
  });
});
