// Sync configuration from the environment, validated at start-up: every problem names its variable.
import { readFileSync } from "node:fs";
import { DEFAULT_CACHE_ROWS } from "./cache.ts";
import { ConfigError } from "./errors.ts";

/** Default TARGET_LOGS_PER_BATCH (see `SyncConfig.targetLogsPerBatch`). */
export const DEFAULT_TARGET_LOGS_PER_BATCH = 2_500;

export type Address = `0x${string}`;

export type Contracts = {
  jobMarket: Address;
  providerRegistry: Address;
  rewardEmitter: Address;
  jouleToken: Address;
  /** Verifiers known up front; others are discovered from VerifierAllowed. */
  verifiers: Address[];
  /** Fee recipient. No event names it in the current market (it is immutable): from TREASURY_ADDRESS or the
   * manifest, else read once from the market's `treasury()` at start-up. */
  treasury?: Address;
};

export type SyncConfig = {
  rpcUrls: string[];
  databaseUrl: string;
  /** Expected chain id (from the manifest or CHAIN_ID); checked against eth_chainId. */
  chainId: number | undefined;
  contracts: Contracts;
  startBlock: bigint;
  /** How the safe (final) block is found: the node's `finalized` tag, head − confirmations, or auto. */
  finality: "auto" | "tag" | "confirmations";
  confirmations: bigint;
  /** eth_getLogs range: first try, upper bound (it adapts in between). */
  batchBlocks: bigint;
  maxBatchBlocks: bigint;
  /**
   * Above this many logs in one range, the next range shrinks. A batch lives in memory until it commits (with the
   * next one prefetched): at 2,500 logs most of it dies young, while 10,000-log batches doubled the garbage
   * collector's scavenge time (2.5–2.9 s → 4.9–5.9 s per 187k events, `--trace-gc`).
   */
  targetLogsPerBatch: number;
  /** Entity rows kept in memory between batches (ENTITY_CACHE_ROWS; 0 = none): cache.ts. */
  entityCacheRows: number;
  /** Blocks per batch when following the head (each header is fetched). */
  followBlocks: bigint;
  pollIntervalMs: number;
  rpcTimeoutMs: number;
  rpcMaxRetries: number;
  rpcBackoffBaseMs: number;
  rpcBackoffMaxMs: number;
  /** Delay before the loop retries after an error it survives (RPC down, DB lost). */
  errorBackoffMaxMs: number;
  /** Where the sync process alone serves Prometheus `/metrics` and `/health` (METRICS_PORT); unset = not served. */
  metricsPort?: number;
  /** Interface for it (METRICS_HOST, default 0.0.0.0 so a scraper on another host reaches it). */
  metricsHost?: string;
};

type Env = Record<string, string | undefined>;

function isAddress(v: string): v is Address {
  return /^0x[0-9a-fA-F]{40}$/.test(v);
}

function address(variable: string, v: unknown): Address {
  if (typeof v !== "string" || !isAddress(v.trim()))
    throw new ConfigError(variable, `must be a 0x-prefixed 20-byte address, got ${JSON.stringify(v)}`);
  return v.trim().toLowerCase() as Address;
}

function int(env: Env, variable: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[variable];
  if (raw === undefined || raw.trim() === "") return fallback;
  if (!/^\d+$/.test(raw.trim()))
    throw new ConfigError(variable, `must be a non-negative integer, got ${JSON.stringify(raw)}`);
  const v = Number(raw.trim());
  if (v < min || v > max) throw new ConfigError(variable, `must be between ${min} and ${max}, got ${v}`);
  return v;
}

function urls(variable: string, raw: string): string[] {
  const list = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const u of list) {
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch {
      throw new ConfigError(variable, `contains an invalid URL: ${JSON.stringify(u)}`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new ConfigError(variable, `must use http(s), got ${JSON.stringify(u)}`);
    }
  }
  return list;
}

type Manifest = { chainId?: unknown; startBlock?: unknown; addresses?: Record<string, unknown> };

function readManifest(path: string): Manifest {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError("DEPLOYMENT", `cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const m = JSON.parse(text) as Manifest;
    if (!m || typeof m !== "object") throw new Error("not an object");
    return m;
  } catch (error) {
    throw new ConfigError("DEPLOYMENT", `${path} is not a JSON deployment manifest: ${(error as Error).message}`);
  }
}

/** Reads and validates the sync configuration. Throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): SyncConfig {
  const rpcRaw = env.RPC_URL ?? env.RPC_URLS;
  if (!rpcRaw || rpcRaw.trim() === "")
    throw new ConfigError(
      "RPC_URL",
      "is required (JSON-RPC endpoint; several may be comma-separated, the first is primary)",
    );
  const rpcUrls = urls("RPC_URL", rpcRaw);
  if (env.RPC_FALLBACK_URLS) rpcUrls.push(...urls("RPC_FALLBACK_URLS", env.RPC_FALLBACK_URLS));
  if (rpcUrls.length === 0) throw new ConfigError("RPC_URL", "is empty");

  const databaseUrl = env.DATABASE_URL;
  if (!databaseUrl || databaseUrl.trim() === "")
    throw new ConfigError("DATABASE_URL", "is required (postgresql://user@host:port/database)");
  try {
    const u = new URL(databaseUrl);
    if (u.protocol !== "postgresql:" && u.protocol !== "postgres:") throw new Error();
  } catch {
    throw new ConfigError(
      "DATABASE_URL",
      `must be a postgresql:// URL, got ${JSON.stringify(databaseUrl.replace(/:[^:@/]*@/, ":***@"))}`,
    );
  }

  let chainId: number | undefined;
  let startBlock: bigint | undefined;
  let contracts: Contracts;
  if (env.DEPLOYMENT) {
    const m = readManifest(env.DEPLOYMENT);
    const a = m.addresses ?? {};
    const v = (key: string) => address(`DEPLOYMENT (${env.DEPLOYMENT}) addresses.${key}`, a[key]);
    contracts = {
      jobMarket: v("jobMarket"),
      providerRegistry: v("providerRegistry"),
      rewardEmitter: v("rewardEmitter"),
      jouleToken: v("jouleToken"),
      verifiers: a.quorumVerifier === undefined ? [] : [v("quorumVerifier")],
    };
    if (a.treasury !== undefined) contracts.treasury = v("treasury");
    if (m.chainId !== undefined) {
      if (!Number.isSafeInteger(m.chainId) || (m.chainId as number) <= 0)
        throw new ConfigError(`DEPLOYMENT (${env.DEPLOYMENT}) chainId`, "must be a positive integer");
      chainId = m.chainId as number;
    }
    if (m.startBlock !== undefined) {
      if (!Number.isSafeInteger(m.startBlock) || (m.startBlock as number) < 0)
        throw new ConfigError(`DEPLOYMENT (${env.DEPLOYMENT}) startBlock`, "must be a non-negative integer");
      startBlock = BigInt(m.startBlock as number);
    }
  } else {
    const need = (variable: string) => {
      const raw = env[variable];
      if (raw === undefined || raw === "")
        throw new ConfigError(variable, "is required when DEPLOYMENT (a manifest path) is not set");
      return address(variable, raw);
    };
    contracts = {
      jobMarket: need("JOB_MARKET_ADDRESS"),
      providerRegistry: need("PROVIDER_REGISTRY_ADDRESS"),
      rewardEmitter: need("REWARD_EMITTER_ADDRESS"),
      jouleToken: need("JOULE_TOKEN_ADDRESS"),
      verifiers: (env.VERIFIER_ADDRESSES ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => address("VERIFIER_ADDRESSES", s)),
    };
  }
  if (env.TREASURY_ADDRESS) contracts.treasury = address("TREASURY_ADDRESS", env.TREASURY_ADDRESS);
  if (env.START_BLOCK !== undefined && env.START_BLOCK !== "") {
    if (!/^\d+$/.test(env.START_BLOCK.trim()))
      throw new ConfigError("START_BLOCK", `must be a block number, got ${JSON.stringify(env.START_BLOCK)}`);
    startBlock = BigInt(env.START_BLOCK.trim());
  }
  if (startBlock === undefined)
    throw new ConfigError(
      "START_BLOCK",
      "is required (the deployment block) unless the DEPLOYMENT manifest has startBlock",
    );
  if (env.CHAIN_ID) chainId = int(env, "CHAIN_ID", 0, 1);

  const finality = (env.FINALITY ?? "auto").trim();
  if (finality !== "auto" && finality !== "tag" && finality !== "confirmations") {
    throw new ConfigError("FINALITY", `must be auto, tag or confirmations, got ${JSON.stringify(finality)}`);
  }
  const batchBlocks = int(env, "BATCH_BLOCKS", 2_000, 1);
  const maxBatchBlocks = int(env, "MAX_BATCH_BLOCKS", 100_000, 1);
  if (maxBatchBlocks < batchBlocks)
    throw new ConfigError("MAX_BATCH_BLOCKS", `must be ≥ BATCH_BLOCKS (${batchBlocks}), got ${maxBatchBlocks}`);
  const rpcBackoffBaseMs = int(env, "RPC_BACKOFF_BASE_MS", 250, 1);
  const rpcBackoffMaxMs = int(env, "RPC_BACKOFF_MAX_MS", 15_000, 1);
  if (rpcBackoffMaxMs < rpcBackoffBaseMs)
    throw new ConfigError("RPC_BACKOFF_MAX_MS", `must be ≥ RPC_BACKOFF_BASE_MS (${rpcBackoffBaseMs})`);
  const metrics = metricsEndpoint(env);

  return {
    rpcUrls,
    databaseUrl,
    chainId,
    contracts,
    startBlock,
    finality,
    confirmations: BigInt(int(env, "CONFIRMATIONS", 12, 0, 10_000)),
    batchBlocks: BigInt(batchBlocks),
    maxBatchBlocks: BigInt(maxBatchBlocks),
    targetLogsPerBatch: int(env, "TARGET_LOGS_PER_BATCH", DEFAULT_TARGET_LOGS_PER_BATCH, 1),
    entityCacheRows: int(env, "ENTITY_CACHE_ROWS", DEFAULT_CACHE_ROWS, 0, 10_000_000),
    followBlocks: BigInt(int(env, "FOLLOW_BLOCKS", 100, 1, 10_000)),
    pollIntervalMs: int(env, "POLL_INTERVAL_MS", 2_000, 10),
    rpcTimeoutMs: int(env, "RPC_TIMEOUT_MS", 15_000, 100),
    rpcMaxRetries: int(env, "RPC_MAX_RETRIES", 6, 0, 1_000),
    rpcBackoffBaseMs,
    rpcBackoffMaxMs,
    errorBackoffMaxMs: int(env, "ERROR_BACKOFF_MAX_MS", 30_000, 1),
    ...metrics,
  };
}

/** METRICS_PORT (1–65535; unset or empty = off) and METRICS_HOST. */
function metricsEndpoint(env: Env): { metricsPort?: number; metricsHost?: string } {
  if (env.METRICS_PORT === undefined || env.METRICS_PORT.trim() === "") return {};
  const host = env.METRICS_HOST?.trim();
  const port = int(env, "METRICS_PORT", 0, 1, 65_535);
  if (host !== undefined && !/^[A-Za-z0-9.:\[\]-]+$/.test(host))
    throw new ConfigError("METRICS_HOST", `must be a host name or IP address, got ${JSON.stringify(env.METRICS_HOST)}`);
  return { metricsPort: port, metricsHost: host || "0.0.0.0" };
}
