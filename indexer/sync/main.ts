// Entry point of the ingestion process: `npm run indexer:sync`.
// SIGTERM/SIGINT finish the current batch, then exit 0. Unrecoverable errors exit 1 with the reason.
import { loadConfig } from "./config.ts";
import { ConfigError } from "./errors.ts";
import { consoleLogger, SyncEngine } from "./engine.ts";

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`configuration error: ${error.message}`);
    process.exit(2);
  }
  throw error;
}

const engine = new SyncEngine(config);
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    consoleLogger("info", `${signal}: finishing the current batch`);
    engine.stop();
  });
}

try {
  await engine.run();
  consoleLogger("info", `stopped at block ${engine.stats.checkpoint?.number ?? "?"}`);
  process.exit(0);
} catch (error) {
  consoleLogger("error", error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  process.exit(1);
}
