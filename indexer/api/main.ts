#!/usr/bin/env node
/**
 * Runs the GraphQL API, configured from the environment (see config.ts):
 *
 *   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/joule PORT=4000 READY_MAX_LAG=5 node indexer/api/main.ts
 *
 * Logs are JSON lines on stdout/stderr. SIGINT/SIGTERM close the server gracefully.
 */
import { ConfigError, configFromEnv, describeConfig } from "./config.ts";
import type { ApiLogger } from "./server.ts";

const log =
  (level: string, stream: NodeJS.WriteStream) =>
  (message: string, fields: Record<string, unknown> = {}) =>
    stream.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
const logger: ApiLogger = {
  info: log("info", process.stdout),
  warn: log("warn", process.stderr),
  error: log("error", process.stderr),
};

let options;
try {
  options = configFromEnv();
} catch (error) {
  if (error instanceof ConfigError) {
    logger.error(`invalid configuration: ${error.message}`);
    process.exit(2);
  }
  throw error;
}

logger.info("starting GraphQL API", { config: describeConfig(options) });
// Loaded after validation so a bad variable fails fast.
const { startApi } = await import("./server.ts");
const api = await startApi({ ...options, logger });

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info("shutting down", { signal });
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  api.close().then(
    () => process.exit(0),
    (error) => {
      logger.error("shutdown failed", { error: String(error) });
      process.exit(1);
    },
  );
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
