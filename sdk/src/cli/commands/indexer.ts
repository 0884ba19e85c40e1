import { access } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Command } from "commander";
import { ConfigError } from "../../errors/errors.ts";
import { parseSmallInt } from "../parse.ts";
import { createContext } from "../context.ts";

/** The indexer lives beside the SDK in the Joule repository (JOULE_INDEXER_DIR overrides); the SDK does not depend on it. */
function indexerRoot(): URL {
  const dir = process.env.JOULE_INDEXER_DIR;
  return dir ? pathToFileURL(dir.endsWith("/") ? dir : `${dir}/`) : new URL("../../../../indexer/", import.meta.url);
}

export function registerIndexerCommand(program: Command): void {
  program
    .command("indexer")
    .description("run the indexer: chain sync into PostgreSQL and the GraphQL API (needs the repository's indexer/)")
    .option("--database-url <url>", "PostgreSQL URL (env DATABASE_URL)")
    .option("--port <n>", "GraphQL API port (env PORT)")
    .option("--sync-only", "run only the chain sync")
    .option("--api-only", "run only the GraphQL API")
    .action(async (opts, command: Command) => {
      const ctx = createContext(command.optsWithGlobals());
      const root = indexerRoot();
      const entries = [
        ...(opts.apiOnly ? [] : [new URL("sync/main.ts", root)]),
        ...(opts.syncOnly ? [] : [new URL("api/main.ts", root)]),
      ];
      for (const entry of entries) {
        const found = await access(entry).then(
          () => true,
          () => false,
        );
        if (!found) {
          throw new ConfigError(
            "indexer",
            `indexer not installed: ${fileURLToPath(entry)} is missing (run from a checkout of the Joule repository)`,
          );
        }
      }
      // The indexer reads its configuration from the environment; fill it from the CLI's flags and defaults.
      const globals = command.optsWithGlobals();
      if (globals.rpcUrl || !process.env.RPC_URL) process.env.RPC_URL = ctx.rpcUrl;
      if (globals.manifest || !process.env.DEPLOYMENT) process.env.DEPLOYMENT = ctx.manifestPath;
      if (opts.databaseUrl) process.env.DATABASE_URL = opts.databaseUrl;
      if (opts.port) process.env.PORT = String(parseSmallInt("--port", opts.port, { min: 1, max: 65535 }));
      // Each entry point runs until SIGINT/SIGTERM and handles its own shutdown.
      await Promise.all(entries.map((entry) => import(entry.href)));
    });
}
