// Runs a SyncEngine in-process for a test and waits for it to reach a block.
import { loadConfig, type SyncConfig } from "../../indexer/sync/config.ts";
import { SyncEngine, type Logger } from "../../indexer/sync/engine.ts";
import type { IndexerMetrics } from "../../indexer/metrics.ts";
import type { Protocol } from "./protocol.ts";

export type Running = { engine: SyncEngine; done: Promise<void>; error: () => unknown; stop(): Promise<void> };

export function testConfig(
  p: Protocol,
  rpcUrl: string,
  databaseUrl: string,
  env: Record<string, string> = {},
): SyncConfig {
  return loadConfig({
    RPC_URL: rpcUrl,
    DATABASE_URL: databaseUrl,
    JOB_MARKET_ADDRESS: p.addresses.market,
    PROVIDER_REGISTRY_ADDRESS: p.addresses.registry,
    REWARD_EMITTER_ADDRESS: p.addresses.emitter,
    JOULE_TOKEN_ADDRESS: p.addresses.joule,
    VERIFIER_ADDRESSES: p.addresses.verifier,
    START_BLOCK: "0",
    FINALITY: "confirmations",
    CONFIRMATIONS: "3",
    POLL_INTERVAL_MS: "20",
    RPC_BACKOFF_BASE_MS: "5",
    RPC_BACKOFF_MAX_MS: "50",
    ERROR_BACKOFF_MAX_MS: "200",
    RPC_TIMEOUT_MS: "2000",
    ...env,
  });
}

const quiet: Logger = (level, message) => {
  if (process.env.INDEXER_TEST_LOG || level === "error") process.stderr.write(`[sync ${level}] ${message}\n`);
};

export function start(config: SyncConfig, log: Logger = quiet, metrics?: IndexerMetrics): Running {
  const engine = new SyncEngine(config, metrics ? { log, metrics } : { log });
  let failure: unknown;
  const done = engine.run().catch((e) => {
    failure = e;
  });
  return {
    engine,
    done,
    error: () => failure,
    async stop() {
      engine.stop();
      await done;
    },
  };
}

/** Waits until the engine's checkpoint reaches `block` (or it fails). */
export async function waitFor(r: Running, block: bigint, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (r.error()) throw r.error();
    const cp = r.engine.stats.checkpoint;
    if (cp && cp.number >= block) return;
    if (Date.now() > deadline) throw new Error(`indexer stuck at ${cp?.number} (waiting for ${block})`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

/** Waits until the engine has failed (for the tests that expect it to stop). */
export async function waitForFailure(r: Running, timeoutMs = 30_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  while (!r.error()) {
    if (Date.now() > deadline) throw new Error("the indexer did not fail");
    await new Promise((res) => setTimeout(res, 20));
  }
  return r.error();
}
