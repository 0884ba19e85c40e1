// `joule indexer` spawned as a user would (`node sdk/src/cli/main.ts indexer ...`) against a Hardhat node with
// the protocol deployed and jobs on it, and a fresh migrated PostgreSQL database: /health answers, GraphQL
// returns the jobs with the chain's values (also for activity while it runs), /metrics carries the sync's
// metrics, SIGTERM exits 0; bad input and failures print one line and exit non-zero.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { type Address, getAddress } from "viem";
import { createTestDatabase, type TestDatabase } from "../../../indexer/db/testdb.ts";
import { createJob } from "../actions/createJob.ts";
import { getJob } from "../actions/getJob.ts";
import { placeBid } from "../actions/placeBid.ts";
import { writeDeployment } from "../deployment.ts";
import { defaultJob, type Fixture, setUpProtocol } from "../testing/fixture.ts";
import { freePort } from "../testing/localNode.ts";
import { Processes, type Running, until } from "../testing/process.ts";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));

let f: Fixture;
let db: TestDatabase;
let dir: string;
let manifest: string;
const processes = new Processes();

/** Starts `joule <args>` with the CLI's variables pointing at the test node and manifest, like a user's shell. */
function joule(args: string[], env: Record<string, string | undefined> = {}): Running {
  const fullEnv: Record<string, string> = {};
  const merged = {
    PATH: process.env.PATH,
    HOME: process.env.HOME ?? dir,
    JOULE_RPC_URL: f.node.url,
    JOULE_MANIFEST: manifest,
    DATABASE_URL: db.url,
    POLL_INTERVAL_MS: "100",
    ...env,
  };
  for (const [k, v] of Object.entries(merged)) if (v !== undefined) fullEnv[k] = v;
  return processes.start("joule indexer", MAIN, args, { env: fullEnv, cwd: dir });
}

/** A run that must fail: exit code, exactly one line on stderr (`error: ...`), no stack trace. */
async function assertFails(run: Running, code: number, message: RegExp): Promise<void> {
  const exitCode = await withTimeout(run.exited, 60_000, () => `no exit; stderr:\n${run.stderr()}`);
  assert.equal(exitCode, code, `exit code (stderr: ${run.stderr()})`);
  const lines = run.stderr().trim().split("\n");
  assert.equal(lines.length, 1, `one line on stderr, got:\n${run.stderr()}`);
  assert.match(lines[0]!, /^error: /);
  assert.match(lines[0]!, message);
  assert.doesNotMatch(run.stderr(), /\n\s+at /, "no stack trace");
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what()}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

type ApiJob = {
  id: string;
  tenant: string;
  payer: string;
  token: string;
  verifier: string;
  specHash: string;
  maxUnits: string;
  maxPricePerUnit: string;
  collateral: string;
  biddingEnd: number;
  deliveryWindow: number;
  milestoneCount: number;
  minVramGb: number;
  status: string;
  bestBidProvider: string | null;
  bestBidPrice: string | null;
  escrow: string;
};

const JOBS_QUERY = `{
  _meta { block { number } }
  jobs(orderBy: [{ field: id, direction: ASC }]) {
    totalCount
    nodes { id tenant payer token verifier specHash maxUnits maxPricePerUnit collateral biddingEnd deliveryWindow
            milestoneCount minVramGb status bestBidProvider bestBidPrice escrow }
  }
}`;

async function graphql<T>(url: string, query: string): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data!;
}

const same = (a: string | null, b: Address | undefined) => (a === null ? undefined : getAddress(a)) === b;

/** Every field the API returns for `job`, checked against the chain (live state) and its `JobCreated` terms. */
async function assertMatchesChain(job: ApiJob): Promise<void> {
  const chain = await getJob(f.tenant.joule, { jobId: BigInt(job.id), includeParams: true });
  const p = chain.params!;
  const r = p.request;
  assert.equal(job.status, chain.status.toUpperCase(), `job ${job.id} status`);
  assert.ok(same(job.tenant, p.tenant) && same(job.payer, p.payer), `job ${job.id} tenant/payer`);
  assert.ok(same(job.token, r.token) && same(job.verifier, r.verifier), `job ${job.id} token/verifier`);
  assert.deepEqual(
    [job.specHash, job.maxUnits, job.maxPricePerUnit, job.collateral],
    [r.specHash, r.maxUnits, r.maxPricePerUnit, r.collateral].map(String),
    `job ${job.id} terms`,
  );
  // GraphQL Long (≤ 2^53) comes as a JSON number.
  assert.deepEqual(
    [job.biddingEnd, job.deliveryWindow, job.milestoneCount, job.minVramGb],
    [r.biddingEnd, r.deliveryWindow, r.milestones, r.requirements.minVramGb].map(Number),
    `job ${job.id} schedule and requirements`,
  );
  assert.equal(job.escrow, String(chain.escrow));
  assert.ok(same(job.bestBidProvider, chain.provider), `job ${job.id} best bidder`);
  assert.equal(job.bestBidPrice ?? "0", String(chain.pricePerUnit), `job ${job.id} best price`);
}

before(async () => {
  f = await setUpProtocol();
  db = await createTestDatabase({ prefix: "joule_cli_indexer" });
  dir = await mkdtemp(join(tmpdir(), "joule-cli-indexer-"));
  manifest = join(dir, "joule.manifest.json");
  await writeDeployment(manifest, f.deployment);
  // Activity before the indexer starts: two jobs, one with an on-chain bid.
  await createJob(f.tenant.joule, await defaultJob(f));
  await placeBid(f.provider.joule, { jobId: 1n, pricePerUnit: 800n });
  await createJob(f.tenant.joule, await defaultJob(f, { maxUnits: 100n, maxPricePerUnit: 5_000n, milestones: 2 }));
});

after(async () => {
  processes.killAll();
  await db?.drop();
  await f?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("joule indexer", () => {
  it("syncs and serves the jobs on the chain, follows new activity, and exits 0 on SIGTERM", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const run = joule(["indexer", "--port", String(port)]);

    const health = await until("/health", run, async () => {
      const res = await fetch(`${url}/health`);
      return res.status === 200 ? ((await res.json()) as unknown) : undefined;
    });
    assert.deepEqual(health, { status: "ok" });

    const head = await f.publicClient.getBlockNumber();
    type Answer = { _meta: { block: { number: string } | null }; jobs: { totalCount: number; nodes: ApiJob[] } };
    const synced = await until(`the API at block ${head}`, run, async () => {
      const data = await graphql<Answer>(url, JOBS_QUERY);
      return data._meta.block && BigInt(data._meta.block.number) >= head ? data : undefined;
    });
    assert.equal(synced.jobs.totalCount, 2);
    assert.deepEqual(
      synced.jobs.nodes.map((j) => [j.id, j.status, j.bestBidPrice]),
      [
        ["1", "OPEN", "800"],
        ["2", "OPEN", null],
      ],
    );
    for (const job of synced.jobs.nodes) await assertMatchesChain(job);

    // Activity while it runs reaches the API.
    await placeBid(f.provider2.joule, { jobId: 2n, pricePerUnit: 4_000n });
    const followed = await until("the new bid on job 2", run, async () => {
      const data = await graphql<Answer>(url, JOBS_QUERY);
      const job = data.jobs.nodes.find((j) => j.id === "2");
      return job?.bestBidPrice === "4000" ? job : undefined;
    });
    assert.equal(getAddress(followed.bestBidProvider!), f.provider2.address);
    await assertMatchesChain(followed);

    // One process, one set of metrics: the API's /metrics shows what the sync recorded.
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /^joule_indexer_events_total\{event="JobCreated"\} 2$/m);
    assert.match(metrics, /^joule_indexer_events_total\{event="BidPlaced"\} 2$/m);
    assert.match(metrics, /^joule_indexer_rpc_request_duration_seconds_count\{method="eth_getLogs"\} [1-9]/m);

    run.child.kill("SIGTERM");
    const code = await withTimeout(run.exited, 30_000, () => `no exit after SIGTERM; stderr:\n${run.stderr()}`);
    assert.equal(code, 0, run.stderr());
    assert.equal(run.stdout(), "", "logs go to stderr; stdout stays clean");
    assert.match(run.stderr(), /api: GraphQL API listening/);
    assert.match(run.stderr(), /indexer: SIGTERM: finishing the current batch, closing the API\n/);
    assert.match(run.stderr(), /indexer: stopped; indexed up to block \d+\n$/);
    assert.doesNotMatch(run.stderr(), /^error/m);
    assert.doesNotMatch(run.stderr(), /\n\s+at /, "no stack trace");
    await assert.rejects(fetch(`${url}/health`), TypeError, "the API port is released");
  });

  it("bad input: one line naming the flag or variable, exit 2", async () => {
    const port = String(await freePort());
    await assertFails(
      joule(["indexer", "--port", port], { JOULE_RPC_URL: "not a url" }),
      2,
      /^error: JOULE_RPC_URL: not a URL: "not a url"$/,
    );
    await assertFails(
      joule(["--rpc-url", f.node.url.replace("http", "ws"), "indexer", "--port", port]),
      2,
      /^error: --rpc-url: the indexer needs an http\(s\) endpoint, got "ws:\/\/127\.0\.0\.1:\d+"$/,
    );
    await assertFails(
      joule(["indexer", "--port", port], { RPC_URL: "ftp://127.0.0.1" }),
      2,
      /^error: RPC_URL: must use http\(s\), got "ftp:\/\/127\.0\.0\.1"$/,
    );
    await assertFails(
      joule(["--manifest", join(dir, "missing.json"), "indexer", "--port", port]),
      2,
      /^error: manifest: .*missing\.json does not exist/,
    );
    await assertFails(
      joule(["indexer", "--port", port], { DATABASE_URL: undefined }),
      2,
      /^error: DATABASE_URL: is required/,
    );
    await assertFails(joule(["indexer", "--port", "70000"]), 2, /^error: Invalid --port: must be at most 65535/);
    await assertFails(
      joule(["indexer", "--sync-only", "--api-only"]),
      2,
      /^error: Invalid --sync-only: cannot be combined with --api-only$/,
    );
  });

  it("failures after start: the API is closed and one line says why", async () => {
    const port = String(await freePort());
    // A manifest of another chain: refused once the node answers.
    const otherChain = join(dir, "chain-1.json");
    await writeDeployment(otherChain, { ...f.deployment, chainId: 1 });
    await assertFails(
      joule(["-q", "--manifest", otherChain, "indexer", "--port", port]),
      2,
      /^error: RPC_URL: serves chain 31337, but the deployment is on chain 1$/,
    );
    // A database without the indexer's tables.
    const empty = await createTestDatabase({ prefix: "joule_cli_indexer_empty", migrate: false });
    try {
      await assertFails(
        joule(["-q", "indexer", "--port", port, "--database-url", empty.url]),
        1,
        /no indexer tables: run `npm run db:migrate` first/,
      );
    } finally {
      await empty.drop();
    }
    // The API port is taken.
    const busy = joule(["indexer", "--api-only", "--port", port]);
    await until("the API on its port", busy, async () =>
      (await fetch(`http://127.0.0.1:${port}/health`)).ok ? true : undefined,
    );
    await assertFails(
      joule(["indexer", "--port", port]),
      2,
      new RegExp(`^error: PORT: port ${port} is in use: pick another with --port <n>$`),
    );
    busy.child.kill("SIGINT");
    assert.equal(await busy.exited, 0, busy.stderr());
  });
});
