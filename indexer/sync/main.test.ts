// `npm run indexer:sync` as a process (`node indexer/sync/main.ts`) with METRICS_PORT: Prometheus /metrics and
// /health served while it indexes a Hardhat node, the indexed-block gauge following the chain, a busy port
// refused with exit 2, and SIGTERM → exit 0 with the port released.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { createJob } from "../../sdk/src/actions/createJob.ts";
import { writeDeployment } from "../../sdk/src/deployment.ts";
import { defaultJob, type Fixture, setUpProtocol } from "../../sdk/src/testing/fixture.ts";
import { freePort } from "../../sdk/src/testing/localNode.ts";
import { Processes, type Running, until } from "../../sdk/src/testing/process.ts";
import { createTestDatabase, type TestDatabase } from "../db/testdb.ts";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));

let f: Fixture;
let db: TestDatabase;
let dir: string;
let manifest: string;
const processes = new Processes();

function startSyncProcess(env: Record<string, string>): Running {
  return processes.start("the sync", MAIN, [], {
    env: {
      PATH: process.env.PATH ?? "",
      RPC_URL: f.node.url,
      DATABASE_URL: db.url,
      DEPLOYMENT: manifest,
      POLL_INTERVAL_MS: "100",
      ...env,
    },
  });
}

/** One sample of a metric from a scrape, by name and (exact) label text. */
async function scrape(url: string, sample: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const escaped = sample.replace(/[{}"=]/g, "\\$&");
  const match = new RegExp(`^${escaped} (\\S+)$`, "m").exec(text);
  return match ? Number(match[1]) : undefined;
}

before(async () => {
  f = await setUpProtocol();
  db = await createTestDatabase({ prefix: "joule_sync_main" });
  dir = await mkdtemp(join(tmpdir(), "joule-sync-main-"));
  manifest = join(dir, "deployment.json");
  await writeDeployment(manifest, f.deployment);
});

after(async () => {
  processes.killAll();
  await db?.drop();
  await f?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("indexer:sync with METRICS_PORT", () => {
  it("serves /metrics and /health while it indexes; the indexed-block gauge follows the chain; SIGTERM exits 0", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const sync = startSyncProcess({ METRICS_PORT: String(port), METRICS_HOST: "127.0.0.1" });

    const head = await f.publicClient.getBlockNumber();
    await until(`joule_indexer_indexed_block = ${head}`, sync, async () =>
      (await scrape(url, "joule_indexer_indexed_block")) === Number(head) ? true : undefined,
    );
    assert.equal(await scrape(url, 'joule_indexer_events_total{event="JobCreated"}'), undefined, "no job yet");

    // New activity on the chain moves the gauge and the event counter.
    const { jobId } = await createJob(f.tenant.joule, await defaultJob(f));
    assert.equal(jobId, 1n);
    const newHead = await f.publicClient.getBlockNumber();
    assert.ok(newHead > head);
    await until(`joule_indexer_indexed_block = ${newHead}`, sync, async () =>
      (await scrape(url, "joule_indexer_indexed_block")) === Number(newHead) ? true : undefined,
    );
    assert.equal(await scrape(url, 'joule_indexer_events_total{event="JobCreated"}'), 1);
    assert.equal(await scrape(url, "joule_indexer_head_block"), Number(newHead));
    assert.equal(await scrape(url, "joule_indexer_lag_blocks"), 0);
    assert.ok((await scrape(url, 'joule_indexer_rpc_request_duration_seconds_count{method="eth_getLogs"}'))! > 0);

    const health = await fetch(`${url}/health`);
    assert.equal(health.status, 200);
    const body = (await health.json()) as Record<string, unknown>;
    assert.equal(body.status, "ok");
    assert.equal(body.indexedBlock, String(newHead));
    assert.equal(body.headBlock, String(newHead));

    // A second process cannot take the same port: a configuration error naming the variable, exit 2.
    const second = startSyncProcess({ METRICS_PORT: String(port), METRICS_HOST: "127.0.0.1" });
    assert.equal(await second.exited, 2);
    assert.equal(
      second.stderr().trim(),
      `configuration error: METRICS_PORT cannot serve metrics on 127.0.0.1:${port} (the port is in use)`,
    );

    sync.child.kill("SIGTERM");
    assert.equal(await sync.exited, 0, sync.stderr());
    assert.match(sync.stderr(), /SIGTERM: finishing the current batch/);
    assert.doesNotMatch(sync.stderr(), /\n\s+at /, "no stack trace");
    await assert.rejects(fetch(`${url}/health`), TypeError, "the metrics port is released");
  });

  it("a node of another chain than the manifest's: one line, exit 2", async () => {
    const otherChain = join(dir, "chain-1.json");
    await writeDeployment(otherChain, { ...f.deployment, chainId: 1 });
    const sync = startSyncProcess({ DEPLOYMENT: otherChain });
    assert.equal(await sync.exited, 2);
    assert.equal(
      sync.stderr().trim(),
      "configuration error: RPC_URL serves chain 31337, but the deployment is on chain 1",
    );
  });

  it("a bad METRICS_PORT stops it before it starts: one line, exit 2", async () => {
    const sync = startSyncProcess({ METRICS_PORT: "99999" });
    assert.equal(await sync.exited, 2);
    assert.equal(sync.stderr().trim(), "configuration error: METRICS_PORT must be between 1 and 65535, got 99999");
  });
});
