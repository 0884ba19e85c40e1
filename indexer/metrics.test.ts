// The shared metrics module: the sync side's helpers and the events/s gauge.
import assert from "node:assert/strict";
import { test } from "node:test";
import { EVENT_RATE_WINDOW_SECONDS, createMetrics, serveMetrics } from "./metrics.ts";

async function value(m: ReturnType<typeof createMetrics>, name: string, labels: Record<string, string> = {}) {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = metric?.values.find((s) => Object.entries(labels).every(([k, l]) => s.labels[k] === l));
  return v?.value;
}

test("events per second over a sliding window", async () => {
  let now = 1_000_000;
  const m = createMetrics({ now: () => now });
  m.recordEvents(30, "JobCreated");
  now += 1_000;
  m.recordEvents(90, "BidPlaced");
  assert.equal(await value(m, "joule_indexer_events_per_second"), 120 / EVENT_RATE_WINDOW_SECONDS);
  assert.equal(await value(m, "joule_indexer_events_total", { event: "BidPlaced" }), 90);
  // Events leave the window once it has passed: the first batch is now WINDOW seconds old.
  now += (EVENT_RATE_WINDOW_SECONDS - 1) * 1_000;
  assert.equal(await value(m, "joule_indexer_events_per_second"), 90 / EVENT_RATE_WINDOW_SECONDS);
  now += 1_000;
  assert.equal(await value(m, "joule_indexer_events_per_second"), 0);
  m.recordEvents(0);
  assert.equal(await value(m, "joule_indexer_events_total", { event: "JobCreated" }), 30);
});

test("setChainProgress keeps lag non-negative; timeRpc records latency and errors", async () => {
  const m = createMetrics();
  m.setChainProgress({ indexed: 100n, head: 103n, safe: 90n });
  assert.deepEqual(
    [
      await value(m, "joule_indexer_indexed_block"),
      await value(m, "joule_indexer_head_block"),
      await value(m, "joule_indexer_safe_block"),
      await value(m, "joule_indexer_lag_blocks"),
    ],
    [100, 103, 90, 3],
  );
  m.setChainProgress({ indexed: 105, head: 103 });
  assert.equal(await value(m, "joule_indexer_lag_blocks"), 0);
  assert.equal(await m.timeRpc("eth_chainId", async () => 31337), 31337);
  await assert.rejects(
    m.timeRpc("eth_getLogs", async () => Promise.reject(new Error("429"))),
    /429/,
  );
  assert.equal(await value(m, "joule_indexer_rpc_errors_total", { method: "eth_getLogs" }), 1);
  assert.equal(await value(m, "joule_indexer_rpc_errors_total", { method: "eth_chainId" }), undefined);
  const text = await m.registry.metrics();
  assert.match(text, /joule_indexer_rpc_request_duration_seconds_count\{method="eth_chainId"\} 1/);
  assert.match(text, /joule_indexer_rpc_request_duration_seconds_count\{method="eth_getLogs"\} 1/);
});

test("serveMetrics answers /metrics and /health over HTTP, and refuses a port in use", async () => {
  const m = createMetrics();
  let indexed = 7n;
  const server = await serveMetrics({ metrics: m, port: 0, health: () => ({ indexedBlock: indexed }) });
  try {
    m.setChainProgress({ indexed, head: 9n });
    let res = await fetch(`${server.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
    let text = await res.text();
    assert.match(text, /^joule_indexer_indexed_block 7$/m);
    assert.match(text, /^joule_indexer_lag_blocks 2$/m);

    // The next scrape sees the gauge move.
    indexed = 9n;
    m.setChainProgress({ indexed, head: 9n });
    text = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(text, /^joule_indexer_indexed_block 9$/m);

    res = await fetch(`${server.url}/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: "ok", indexedBlock: "9" });
    assert.equal((await fetch(`${server.url}/graphql`)).status, 404);
    assert.equal((await fetch(`${server.url}/metrics`, { method: "POST" })).status, 405);

    await assert.rejects(
      serveMetrics({ metrics: m, port: server.port, host: "127.0.0.1" }),
      (e: NodeJS.ErrnoException) => e.code === "EADDRINUSE",
    );
  } finally {
    await server.close();
  }
  await assert.rejects(fetch(`${server.url}/health`), TypeError, "the server is closed");
});
