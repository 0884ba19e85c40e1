import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadConfig } from "./config.ts";
import { ConfigError } from "./errors.ts";

const A = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
const base = {
  RPC_URL: "http://127.0.0.1:8545",
  DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/joule",
  JOB_MARKET_ADDRESS: A(1),
  PROVIDER_REGISTRY_ADDRESS: A(2),
  REWARD_EMITTER_ADDRESS: A(3),
  JOULE_TOKEN_ADDRESS: A(4),
  START_BLOCK: "17",
};

function rejects(env: Record<string, string | undefined>, variable: string | RegExp) {
  assert.throws(
    () => loadConfig(env),
    (e) =>
      e instanceof ConfigError && (typeof variable === "string" ? e.variable === variable : variable.test(e.message)),
  );
}

describe("loadConfig", () => {
  it("reads addresses, start block and defaults", () => {
    const c = loadConfig({ ...base, VERIFIER_ADDRESSES: `${A(5)}, ${A(6).toUpperCase().replace("0X", "0x")}` });
    assert.deepEqual(c.rpcUrls, ["http://127.0.0.1:8545"]);
    assert.equal(c.startBlock, 17n);
    assert.equal(c.contracts.jobMarket, A(1));
    assert.deepEqual(c.contracts.verifiers, [A(5), A(6)]);
    assert.equal(c.confirmations, 12n);
    assert.equal(c.finality, "auto");
    assert.equal(c.batchBlocks, 2_000n);
    assert.equal(c.entityCacheRows, 100_000);
    assert.equal(loadConfig({ ...base, ENTITY_CACHE_ROWS: "0" }).entityCacheRows, 0);
  });

  it("takes fallback RPC URLs from a comma list and RPC_FALLBACK_URLS", () => {
    const c = loadConfig({ ...base, RPC_URL: "http://a:1, https://b:2/key", RPC_FALLBACK_URLS: "http://c:3" });
    assert.deepEqual(c.rpcUrls, ["http://a:1", "https://b:2/key", "http://c:3"]);
  });

  it("names the bad variable", () => {
    rejects({ ...base, RPC_URL: undefined }, "RPC_URL");
    rejects({ ...base, RPC_URL: "ws://x" }, "RPC_URL");
    rejects({ ...base, RPC_URL: "http://ok, not a url" }, "RPC_URL");
    rejects({ ...base, DATABASE_URL: undefined }, "DATABASE_URL");
    rejects({ ...base, DATABASE_URL: "mysql://x/y" }, "DATABASE_URL");
    rejects({ ...base, JOB_MARKET_ADDRESS: "0x1234" }, "JOB_MARKET_ADDRESS");
    rejects({ ...base, JOULE_TOKEN_ADDRESS: undefined }, "JOULE_TOKEN_ADDRESS");
    rejects({ ...base, VERIFIER_ADDRESSES: "nope" }, "VERIFIER_ADDRESSES");
    rejects({ ...base, START_BLOCK: undefined }, "START_BLOCK");
    rejects({ ...base, START_BLOCK: "-1" }, "START_BLOCK");
    rejects({ ...base, CONFIRMATIONS: "twelve" }, "CONFIRMATIONS");
    rejects({ ...base, BATCH_BLOCKS: "0" }, "BATCH_BLOCKS");
    rejects({ ...base, BATCH_BLOCKS: "500", MAX_BATCH_BLOCKS: "100" }, "MAX_BATCH_BLOCKS");
    rejects({ ...base, FINALITY: "eventually" }, "FINALITY");
    rejects({ ...base, ENTITY_CACHE_ROWS: "-5" }, "ENTITY_CACHE_ROWS");
    rejects({ ...base, RPC_BACKOFF_BASE_MS: "100", RPC_BACKOFF_MAX_MS: "10" }, "RPC_BACKOFF_MAX_MS");
  });

  it("serves metrics only when METRICS_PORT is set, on 0.0.0.0 unless METRICS_HOST says otherwise", () => {
    const off = loadConfig(base);
    assert.equal(off.metricsPort, undefined);
    assert.equal(off.metricsHost, undefined);
    assert.equal(loadConfig({ ...base, METRICS_PORT: "" }).metricsPort, undefined);
    assert.equal(loadConfig({ ...base, METRICS_HOST: "127.0.0.1" }).metricsPort, undefined);
    const on = loadConfig({ ...base, METRICS_PORT: " 9464 " });
    assert.equal(on.metricsPort, 9464);
    assert.equal(on.metricsHost, "0.0.0.0");
    assert.equal(loadConfig({ ...base, METRICS_PORT: "9464", METRICS_HOST: "127.0.0.1" }).metricsHost, "127.0.0.1");
    assert.equal(loadConfig({ ...base, METRICS_PORT: "9464", METRICS_HOST: "::1" }).metricsHost, "::1");
    rejects({ ...base, METRICS_PORT: "0" }, "METRICS_PORT");
    rejects({ ...base, METRICS_PORT: "65536" }, "METRICS_PORT");
    rejects({ ...base, METRICS_PORT: "http" }, "METRICS_PORT");
    rejects({ ...base, METRICS_PORT: "-1" }, "METRICS_PORT");
    rejects({ ...base, METRICS_PORT: "9464", METRICS_HOST: "http://x/" }, "METRICS_HOST");
  });

  it("does not print the database password in its error", () => {
    try {
      loadConfig({ ...base, DATABASE_URL: "mysql://user:secret@host/db" });
      assert.fail("should throw");
    } catch (e) {
      assert.ok(!(e as Error).message.includes("secret"));
    }
  });

  it("reads a deployment manifest (the SDK's format) and lets START_BLOCK override it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "joule-cfg-"));
    try {
      const path = join(dir, "deployment.json");
      const addresses = {
        jobMarket: A(11),
        providerRegistry: A(12),
        rewardEmitter: A(13),
        jouleToken: A(14),
        quorumVerifier: A(15),
      };
      await writeFile(path, JSON.stringify({ chainId: 31337, startBlock: 5, addresses }));
      const env = { RPC_URL: base.RPC_URL, DATABASE_URL: base.DATABASE_URL, DEPLOYMENT: path };
      const c = loadConfig(env);
      assert.equal(c.chainId, 31337);
      assert.equal(c.startBlock, 5n);
      assert.equal(c.contracts.providerRegistry, A(12));
      assert.deepEqual(c.contracts.verifiers, [A(15)]);
      assert.equal(loadConfig({ ...env, START_BLOCK: "9" }).startBlock, 9n);

      await writeFile(
        path,
        JSON.stringify({ chainId: 1, startBlock: 5, addresses: { ...addresses, jobMarket: "0xbad" } }),
      );
      rejects(env, /DEPLOYMENT .*addresses\.jobMarket/);
      await writeFile(path, "{not json");
      rejects(env, "DEPLOYMENT");
      rejects({ ...env, DEPLOYMENT: join(dir, "missing.json") }, "DEPLOYMENT");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
