// Smoke test of the project's main job: `node scripts/start.ts --once` starts a chain, deploys, indexes, runs the
// fixed scenario and checks the indexer against the chain. It must exit 0 and print the scenario's exact totals.
// PostgreSQL: a fresh database on DATABASE_URL's server or 127.0.0.1:5432 when reachable, else the script's own
// embedded PostgreSQL (DATABASE_URL unset).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "../indexer/db/testdb.ts";
import { freePort } from "../scripts/start/chain.ts";

const repoRoot = fileURLToPath(new URL("../", import.meta.url));
const LOCAL_PG = "postgresql://postgres@127.0.0.1:5432/postgres";

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function run(
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["scripts/start.ts", ...args], {
      cwd: repoRoot,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    // SIGTERM is the script's clean stop; a hung run still ends the test with its output.
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("npm start -- --once", () => {
  it("runs the fixed scenario and the indexer matches the chain exactly", { timeout: 200_000 }, async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: "0" };
    let db: TestDatabase | undefined;
    if (process.env.DATABASE_URL || (await reachable(LOCAL_PG))) {
      db = await createTestDatabase({ prefix: "joule_start_once", migrate: false });
      env.DATABASE_URL = db.url;
    } else {
      delete env.DATABASE_URL;
    }
    const dir = await mkdtemp(join(tmpdir(), "joule-start-once-"));
    try {
      const manifest = join(dir, "localhost.json");
      const [rpcPort, apiPort] = [await freePort(), await freePort()];
      const { code, stdout, stderr } = await run(
        ["--once", "--rpc-port", String(rpcPort), "--api-port", String(apiPort), "--manifest", manifest],
        env,
        180_000,
      );
      const output = `--- stdout\n${stdout}\n--- stderr\n${stderr}`;
      assert.equal(code, 0, `start.ts --once exited with ${code}\n${output}`);

      // Where everything runs is printed up front.
      assert.match(stdout, new RegExp(`^RPC: +http://127\\.0\\.0\\.1:${rpcPort} `, "m"), output);
      assert.match(stdout, new RegExp(`^API: +http://127\\.0\\.0\\.1:${apiPort}/graphql `, "m"), output);
      if (!db) assert.match(stdout, /started an embedded PostgreSQL/, output);

      // The summary, read from the GraphQL API: the fixed scenario's exact totals.
      assert.match(stdout, /^== Joule --once summary ==$/m, output);
      assert.match(
        stdout,
        /^jobs: +7 total — 2 completed, 2 failed, 2 expired, 1 cancelled, 0 open, 0 assigned$/m,
        output,
      );
      assert.match(stdout, /^funded: +35\.58 mUSD escrowed/m, output);
      // Gross payments 14.64 mUSD: 2.5 % fees rounded up per milestone (135000 + 72000 + 60000 + 99000 base units).
      assert.match(stdout, /^paid: +14\.274 mUSD to providers, 0\.366 mUSD in fees$/m, output);
      assert.match(stdout, /^refunded: +20\.94 mUSD$/m, output);
      assert.match(stdout, /^withdrawn: +35\.58 mUSD$/m, output);
      // Job C (1500 JOULE, proof rejected) and job D (800 JOULE, delivery missed).
      assert.match(stdout, /^slashed: +2,300\.00 JOULE$/m, output);
      // 450 + 700 + 583 + 400 Wh over 13,800 GPU-s; 30, 120 and 380 gCO2e/kWh providers.
      assert.match(stdout, /^energy: +2\.133 kWh verified, 3\.833 GPU-hours, 244\.5 gCO2e$/m, output);
      // Epoch 0 split three ways (each rounded down), epoch 1 whole: 2000 JOULE less 1 wei.
      assert.match(stdout, /^rewards: +1,999\.999999 JOULE claimed$/m, output);
      const checks = /^checks: +(\d+) passed against the chain, (\d+) against the indexer/m.exec(stdout);
      assert.ok(checks, output);
      assert.ok(Number(checks[1]) > 50 && Number(checks[2]) > 200, `too few checks ran: ${checks[0]}`);
      assert.doesNotMatch(stdout, /^MISMATCH/m, output);
      assert.match(stdout, /^result: +OK/m, output);

      // The manifest the SDK wrote is where the script said.
      const written = JSON.parse(await readFile(manifest, "utf8")) as {
        chainId: number;
        addresses: Record<string, string>;
      };
      assert.equal(written.chainId, 31337);
      assert.match(written.addresses.jobMarket ?? "", /^0x[0-9a-fA-F]{40}$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await db?.drop();
    }
  });
});
