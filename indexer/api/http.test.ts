// /health, /ready and /metrics, and _meta, against a real database.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createMetrics } from "../metrics.ts";
import { startApi } from "./server.ts";
import { setCheckpoint, startHarness, type Harness } from "./test-helpers.ts";

let h: Harness;

before(async () => {
  h = await startHarness({ readyMaxLag: 3 });
});

after(async () => {
  await h?.close();
});

const get = async (path: string) => {
  const res = await fetch(`${h.api.url}${path}`);
  return {
    status: res.status,
    type: res.headers.get("content-type") ?? "",
    text: await res.text(),
  };
};

/** The value of one sample line of the Prometheus text format. */
function sample(text: string, name: string, labels = ""): number | undefined {
  const line = text
    .split("\n")
    .find((l) => l.startsWith(`${name}${labels} `) || (labels === "" && l.startsWith(`${name} `)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("health and readiness", () => {
  test("/health answers while the process is up, whatever the database", async () => {
    const r = await get("/health");
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.text), { status: "ok" });
  });

  test("/ready is 503 before anything is indexed, 503 when lagging, 200 within READY_MAX_LAG", async () => {
    let r = await get("/ready");
    assert.equal(r.status, 503);
    assert.equal(JSON.parse(r.text).reason, "nothing indexed yet");

    await setCheckpoint(h.prisma, 100, null);
    r = await get("/ready");
    assert.equal(r.status, 503);
    assert.equal(JSON.parse(r.text).reason, "chain head unknown");

    await setCheckpoint(h.prisma, 100, 104);
    r = await get("/ready");
    assert.equal(r.status, 503);
    assert.deepEqual(JSON.parse(r.text), {
      ready: false,
      chainId: 31337,
      indexedBlock: "100",
      headBlock: "104",
      lagBlocks: "4",
      maxLagBlocks: 3,
      reason: "lagging 4 blocks (limit 3)",
    });

    await setCheckpoint(h.prisma, 101, 104);
    r = await get("/ready");
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.text).ready, true);

    // In sync on paper, but the indexer has not looked at the chain for 10 minutes: not ready.
    await setCheckpoint(h.prisma, 101, 104, {
      headUpdatedAt: new Date(Date.now() - 600_000),
    });
    r = await get("/ready");
    assert.equal(r.status, 503);
    assert.match(JSON.parse(r.text).reason, /^chain head last seen 6\d\d s ago \(limit 120 s\)$/);
    await setCheckpoint(h.prisma, 101, 104, { headUpdatedAt: new Date() });
    assert.equal((await get("/ready")).status, 200);
  });

  test("_meta reports the checkpoint, head, safe block and lag", async () => {
    await setCheckpoint(h.prisma, 200, 210);
    const r = await h.gql(
      `{ _meta { chainId block { number hash timestamp } safeBlock headBlock lagBlocks isSynced maxLagBlocks updatedAt headUpdatedAt } }`,
    );
    assert.equal(r.errors, undefined);
    const meta = r.data._meta;
    assert.deepEqual(
      { ...meta, updatedAt: typeof meta.updatedAt },
      {
        chainId: 31337,
        block: {
          number: 200,
          hash: `0x${(0xb000 + 200).toString(16).padStart(64, "0")}`,
          timestamp: Date.UTC(2026, 0, 1) / 1000 + 200,
        },
        safeBlock: 198,
        headBlock: 210,
        lagBlocks: 10,
        isSynced: false,
        maxLagBlocks: 3,
        updatedAt: "number",
        headUpdatedAt: null,
      },
    );
    // A head behind the checkpoint (the head was sampled before the batch) is lag 0, not negative.
    await setCheckpoint(h.prisma, 212, 210);
    const again = await h.gql(`{ _meta { lagBlocks isSynced } }`);
    assert.deepEqual(again.data._meta, { lagBlocks: 0, isSynced: true });
  });

  test("a database that cannot be reached: /health 200, /ready 503, GraphQL errors masked", async () => {
    const url = new URL(h.database.url);
    url.pathname = "/joule_api_missing_database";
    const broken = await startApi({
      databaseUrl: url.toString(),
      port: 0,
      metrics: createMetrics(),
    });
    try {
      assert.equal((await fetch(`${broken.url}/health`)).status, 200);
      const ready = await fetch(`${broken.url}/ready`);
      assert.equal(ready.status, 503);
      assert.deepEqual(await ready.json(), {
        ready: false,
        reason: "database unreachable",
      });
      const res = await fetch(`${broken.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ jobs { totalCount } }" }),
      });
      const body = (await res.json()) as {
        errors: Array<{ message: string; extensions: { code: string } }>;
      };
      assert.equal(body.errors[0]!.extensions.code, "INTERNAL_SERVER_ERROR");
      assert.equal(body.errors[0]!.message, "Unexpected error.");
    } finally {
      await broken.close();
    }
  });

  test("a busy port: startApi rejects and leaves no database connection behind", async () => {
    const busyPort = Number(new URL(h.api.url).port);
    const listeners = async () => {
      const rows = await h.prisma.$queryRawUnsafe<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'`,
      );
      return rows[0]!.n;
    };
    const before = await listeners();
    await assert.rejects(
      startApi({ databaseUrl: h.database.url, port: busyPort, metrics: createMetrics() }),
      (e: NodeJS.ErrnoException) => e.code === "EADDRINUSE",
    );
    // The failed API's LISTEN connection was closed (it is the one that would keep the process alive).
    for (let i = 0; i < 50 && (await listeners()) > before; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await listeners(), before);
  });

  test("GraphiQL only when enabled (development)", async () => {
    const html = { headers: { accept: "text/html" } };
    assert.doesNotMatch(await (await fetch(`${h.api.url}/graphql`, html)).text(), /graphiql/i);
    const dev = await startApi({
      databaseUrl: h.database.url,
      port: 0,
      graphiql: true,
      listen: false,
      metrics: createMetrics(),
    });
    try {
      const res = await fetch(`${dev.url}/graphql`, html);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /graphiql/i);
    } finally {
      await dev.close();
    }
  });

  test("unknown paths are 404", async () => {
    assert.equal((await get("/nope")).status, 404);
  });
});

describe("/metrics", () => {
  test("chain progress from the checkpoint, sync-side counters, GraphQL latency and errors", async () => {
    await setCheckpoint(h.prisma, 300, 305);
    // What the sync side records through the shared module.
    h.metrics.recordEvents(7, "JobCreated");
    h.metrics.reorgs.inc();
    h.metrics.reorgDepth.observe(2);
    await h.metrics.timeRpc("eth_getLogs", async () => "ok");
    await assert.rejects(h.metrics.timeRpc("eth_blockNumber", async () => Promise.reject(new Error("rpc down"))));

    await h.gql(`{ jobs { totalCount } }`);
    await h.gql(`{ jobs(first: 100000) { totalCount } }`);

    const r = await get("/metrics");
    assert.equal(r.status, 200);
    assert.match(r.type, /text\/plain/);
    assert.equal(sample(r.text, "joule_indexer_indexed_block"), 300);
    assert.equal(sample(r.text, "joule_indexer_head_block"), 305);
    assert.equal(sample(r.text, "joule_indexer_safe_block"), 298);
    assert.equal(sample(r.text, "joule_indexer_lag_blocks"), 5);
    assert.equal(sample(r.text, "joule_indexer_events_total", '{event="JobCreated"}'), 7);
    assert.ok(sample(r.text, "joule_indexer_events_per_second")! > 0);
    assert.equal(sample(r.text, "joule_indexer_reorgs_total"), 1);
    assert.equal(sample(r.text, "joule_indexer_reorg_depth_blocks_count"), 1);
    assert.equal(sample(r.text, "joule_indexer_rpc_errors_total", '{method="eth_blockNumber"}'), 1);
    assert.equal(sample(r.text, "joule_indexer_rpc_request_duration_seconds_count", '{method="eth_getLogs"}'), 1);
    assert.ok(
      sample(r.text, "joule_api_graphql_request_duration_seconds_count", '{operation="query",outcome="ok"}')! >= 1,
    );
    assert.ok(sample(r.text, "joule_api_graphql_errors_total", '{code="PAGE_SIZE_TOO_LARGE"}')! >= 1);
    assert.equal(sample(r.text, "joule_api_notify_connected"), 1);
    assert.equal(sample(r.text, "joule_api_active_subscriptions"), 0);
  });
});
