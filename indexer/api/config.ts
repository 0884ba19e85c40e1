/**
 * API configuration from the environment, with defaults that work locally, validated at
 * start-up: a bad value stops the process with a message naming the variable.
 *
 * | variable              | default                                        |
 * | --------------------- | ---------------------------------------------- |
 * | PORT                  | 4000                                           |
 * | HOST                  | 0.0.0.0                                        |
 * | DATABASE_URL          | postgresql://postgres@127.0.0.1:5432/joule     |
 * | READY_MAX_LAG         | 5 (blocks behind the head still "ready")       |
 * | READY_MAX_HEAD_AGE    | 120 (s since the indexer last saw the head; 0 off) |
 * | CHAIN_ID              | (the database's only checkpoint)               |
 * | GRAPHIQL              | true when NODE_ENV=development, else false     |
 * | MAX_PAGE_SIZE         | 1000                                           |
 * | DEFAULT_PAGE_SIZE     | 100                                            |
 * | MAX_QUERY_DEPTH       | 10                                             |
 * | MAX_QUERY_COST        | 10000                                          |
 * | DB_POOL_SIZE          | 10                                             |
 * | STATEMENT_TIMEOUT_MS  | 15000                                          |
 * | NOTIFY_CHANNEL        | joule_events                                   |
 */
import type { ApiOptions } from "./server.ts";

export class ConfigError extends Error {
  override name = "ConfigError";
}

export const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/joule";

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  if (!/^\d+$/.test(raw.trim()))
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  const n = Number(raw.trim());
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === "") return fallback;
  if (["1", "true", "yes", "on"].includes(raw)) return true;
  if (["0", "false", "no", "off"].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

export function configFromEnv(env: Env = process.env): ApiOptions {
  const databaseUrl = env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL;
  let parsed: URL;
  try {
    parsed = new URL(databaseUrl);
  } catch {
    throw new ConfigError(`DATABASE_URL is not a URL: "${databaseUrl}"`);
  }
  if (parsed.protocol !== "postgresql:" && parsed.protocol !== "postgres:") {
    throw new ConfigError(`DATABASE_URL must start with postgresql://, got "${parsed.protocol}//…"`);
  }
  const host = env.HOST?.trim() || "0.0.0.0";
  const channel = env.NOTIFY_CHANNEL?.trim() || "joule_events";
  if (!/^[a-z_][a-z0-9_]*$/.test(channel))
    throw new ConfigError(`NOTIFY_CHANNEL must be a lowercase identifier, got "${channel}"`);
  const maxPageSize = int(env, "MAX_PAGE_SIZE", 1000, 1, 100_000);
  const defaultPageSize = int(env, "DEFAULT_PAGE_SIZE", Math.min(100, maxPageSize), 1, maxPageSize);
  const chainId = env.CHAIN_ID?.trim() ? int(env, "CHAIN_ID", 0, 1, 2 ** 31 - 1) : undefined;
  return {
    databaseUrl,
    port: int(env, "PORT", 4000, 0, 65_535),
    host,
    readyMaxLag: int(env, "READY_MAX_LAG", 5, 0, 1_000_000),
    readyMaxHeadAgeSeconds: int(env, "READY_MAX_HEAD_AGE", 120, 0, 86_400 * 365),
    ...(chainId !== undefined ? { chainId } : {}),
    graphiql: bool(env, "GRAPHIQL", env.NODE_ENV === "development"),
    limits: {
      maxPageSize,
      defaultPageSize,
      maxDepth: int(env, "MAX_QUERY_DEPTH", 10, 2, 100),
      maxCost: int(env, "MAX_QUERY_COST", 10_000, 1, 100_000_000),
    },
    poolSize: int(env, "DB_POOL_SIZE", 10, 1, 1000),
    statementTimeoutMs: int(env, "STATEMENT_TIMEOUT_MS", 15_000, 100, 3_600_000),
    notifyChannel: channel,
  };
}

/** The configuration with the password in DATABASE_URL hidden, for logs. */
export function describeConfig(options: ApiOptions): Record<string, unknown> {
  const url = new URL(options.databaseUrl);
  if (url.password) url.password = "***";
  return { ...options, databaseUrl: url.toString() };
}
