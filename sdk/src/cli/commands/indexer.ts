// `joule indexer`: the chain sync (chain → PostgreSQL) and the GraphQL API (PostgreSQL → HTTP) in this process,
// loaded from the repository's indexer/ (the SDK does not depend on it). They share one set of Prometheus
// metrics, so the API's /metrics shows the sync's too. SIGINT/SIGTERM finish the current batch, close the API and
// exit 0; an error the sync cannot survive closes the API and exits non-zero with one line.
import { access } from "node:fs/promises";
import { createServer } from "node:net";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Command } from "commander";
import { JouleError } from "../../errors/base.ts";
import { ConfigError, InvalidInputError } from "../../errors/errors.ts";
import { type Context, createContext, type GlobalOptions } from "../context.ts";
import { fail } from "../errors.ts";
import { parseSmallInt } from "../parse.ts";

// The parts of indexer/ used here, typed here so that the SDK type-checks without the indexer.
type LogLevel = "debug" | "info" | "warn" | "error";
type Fields = Record<string, unknown>;
type ApiOptions = { port?: number; host?: string } & Fields;
type ApiServer = { url: string; close(): Promise<void> };
type SyncConfig = { metricsPort?: number } & Fields;
type RunningSync = {
  engine: { stats: { checkpoint: { number: bigint } | undefined } };
  done: Promise<void>;
  stop(): Promise<void>;
};
type SyncModules = {
  loadConfig(env: NodeJS.ProcessEnv): SyncConfig;
  startSync(
    config: SyncConfig,
    options: { log: (level: LogLevel, message: string) => void; metrics: unknown },
  ): Promise<RunningSync>;
};
type ApiModules = {
  configFromEnv(env: NodeJS.ProcessEnv): ApiOptions;
  startApi(
    options: ApiOptions & {
      logger: Record<"info" | "warn" | "error", (m: string, f?: Fields) => void>;
      metrics: unknown;
    },
  ): Promise<ApiServer>;
};

type IndexerOptions = { databaseUrl?: string; port?: string; syncOnly?: boolean; apiOnly?: boolean };

/** The indexer lives beside the SDK in the Joule repository (JOULE_INDEXER_DIR overrides). */
function indexerRoot(): URL {
  const dir = process.env.JOULE_INDEXER_DIR;
  return dir ? pathToFileURL(dir.endsWith("/") ? dir : `${dir}/`) : new URL("../../../../indexer/", import.meta.url);
}

export function registerIndexerCommand(program: Command): void {
  program
    .command("indexer")
    .description("run the indexer: chain sync into PostgreSQL and the GraphQL API (needs the repository's indexer/)")
    .option("--database-url <url>", "PostgreSQL URL (env DATABASE_URL)")
    .option("--port <n>", "GraphQL API port (env PORT, default 4000)")
    .option("--sync-only", "run only the chain sync (env METRICS_PORT serves its /metrics and /health)")
    .option("--api-only", "run only the GraphQL API")
    .action(async (opts: IndexerOptions, command: Command) => runIndexer(opts, command.optsWithGlobals()));
}

async function runIndexer(opts: IndexerOptions, globals: GlobalOptions): Promise<void> {
  const ctx = createContext(globals);
  if (opts.syncOnly && opts.apiOnly) throw new InvalidInputError("--sync-only", "cannot be combined with --api-only");
  const runSync = opts.apiOnly !== true;
  const runApi = opts.syncOnly !== true;
  const env = await indexerEnv(ctx, globals, opts, runSync);
  const log = createLog(globals.quiet === true);

  const root = indexerRoot();
  await requireFiles(root, [
    ...(runSync ? ["sync/service.ts", "sync/config.ts"] : []),
    ...(runApi ? ["api/server.ts", "api/config.ts"] : []),
    "metrics.ts",
  ]);
  const load = (path: string) => import(new URL(path, root).href);

  // Every variable is checked before anything starts; the heavy modules load afterwards.
  const syncConfig = runSync ? configured(((await load("sync/config.ts")) as SyncModules).loadConfig, env) : undefined;
  const apiOptions = runApi ? configured(((await load("api/config.ts")) as ApiModules).configFromEnv, env) : undefined;
  if (syncConfig?.metricsPort !== undefined && runApi) {
    log("warn", "indexer", "METRICS_PORT is not used: the API serves the sync's metrics on its /metrics");
    delete syncConfig.metricsPort;
  }

  if (apiOptions) await assertPortFree(apiOptions.port ?? 4000, apiOptions.host ?? "0.0.0.0");

  const signals = watchSignals();
  const { metrics } = (await load("metrics.ts")) as { metrics: unknown };
  let api: ApiServer | undefined;
  let sync: RunningSync | undefined;
  let failure: unknown;
  try {
    if (apiOptions) {
      const { startApi } = (await load("api/server.ts")) as ApiModules;
      api = await startApi({ ...apiOptions, metrics, logger: apiLogger(log) }).catch((error: unknown) => {
        throw isPortInUse(error) ? portInUse(apiOptions.port ?? 4000) : error;
      });
    }
    if (syncConfig) {
      const { startSync } = (await load("sync/service.ts")) as SyncModules;
      sync = await startSync(syncConfig, { metrics, log: (level, message) => log(level, "sync", message) });
    }
    const stopped = sync?.done.then(() => undefined) ?? new Promise<never>(() => {});
    const signal = await Promise.race([signals.received, stopped]);
    const closing = [...(sync ? ["finishing the current batch"] : []), ...(api ? ["closing the API"] : [])];
    if (signal) log("info", "indexer", `${signal}: ${closing.join(", ")}`);
  } catch (error) {
    failure = error;
  }
  await Promise.allSettled([sync?.stop(), api?.close()]);
  signals.dispose();
  if (failure !== undefined) {
    // A connection opened before the failure may still hold the event loop: print the line and exit.
    fail(toCliError(failure), true);
  }
  const block = sync?.engine.stats.checkpoint?.number;
  log("info", "indexer", block === undefined ? "stopped" : `stopped; indexed up to block ${block}`);
}

/** Checked before anything starts, so that a busy port is one clear line rather than a half-started API. */
async function assertPortFree(port: number, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(port, host, () => probe.close(() => resolve()));
  }).catch((error: unknown) => {
    // Other errors (a bad HOST, say) are left for the API to report when it listens.
    if (isPortInUse(error)) throw portInUse(port);
  });
}

const isPortInUse = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code === "EADDRINUSE";
const portInUse = (port: number) => new ConfigError("PORT", `port ${port} is in use: pick another with --port <n>`);

/**
 * The indexer's environment, from the CLI's flags and defaults. The RPC URL and manifest the CLI would use are
 * checked here, so a mistake names the flag or variable the user actually set.
 */
async function indexerEnv(
  ctx: Context,
  globals: GlobalOptions,
  opts: IndexerOptions,
  runSync: boolean,
): Promise<NodeJS.ProcessEnv> {
  const env = { ...process.env };
  if (opts.databaseUrl !== undefined) env.DATABASE_URL = opts.databaseUrl;
  if (opts.port !== undefined) env.PORT = String(parseSmallInt("--port", opts.port, { min: 1, max: 65_535 }));
  if (!runSync) return env;
  if (globals.rpcUrl !== undefined || !env.RPC_URL) {
    if (!/^https?:/.test(ctx.rpcUrl))
      throw new ConfigError(
        globals.rpcUrl !== undefined ? "--rpc-url" : "JOULE_RPC_URL",
        `the indexer needs an http(s) endpoint, got "${ctx.rpcUrl}"`,
      );
    env.RPC_URL = ctx.rpcUrl;
  }
  if (globals.manifest !== undefined || (!env.DEPLOYMENT && !env.JOB_MARKET_ADDRESS)) {
    await ctx.deployment(); // exists and is a deployment manifest
    env.DEPLOYMENT = ctx.manifestPath;
  }
  return env;
}

async function requireFiles(root: URL, paths: string[]): Promise<void> {
  for (const path of paths) {
    const file = new URL(path, root);
    const found = await access(file).then(
      () => true,
      () => false,
    );
    if (!found) {
      throw new ConfigError(
        "indexer",
        `indexer not installed: ${fileURLToPath(file)} is missing (run from a checkout of the Joule repository)`,
      );
    }
  }
}

function configured<T>(load: (env: NodeJS.ProcessEnv) => T, env: NodeJS.ProcessEnv): T {
  try {
    return load(env);
  } catch (error) {
    throw toCliError(error);
  }
}

/** The indexer's errors as the CLI's: configuration problems (exit 2) name their variable; others exit 1. */
function toCliError(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof JouleError) return error;
  const firstLine = error.message.split("\n")[0]!;
  if (error.name === "ConfigError") {
    const variable = (error as { variable?: unknown }).variable;
    if (typeof variable === "string" && firstLine.startsWith(`${variable} `))
      return new ConfigError(variable, firstLine.slice(variable.length + 1), { cause: error });
    return new JouleError(firstLine, { code: "CONFIG", cause: error });
  }
  // pg names its errors "error"; Error adds nothing.
  const prefix = /^(error|Error)$/.test(error.name) ? "" : `${error.name}: `;
  return new JouleError(`${prefix}${firstLine}`, { cause: error });
}

type Log = (level: LogLevel, source: string, message: string, fields?: Fields) => void;

/** Log lines on stderr (stdout stays clean); `--quiet` keeps warnings and errors only. */
function createLog(quiet: boolean): Log {
  return (level, source, message, fields) => {
    if (level === "debug" && !process.env.DEBUG) return;
    if (quiet && (level === "debug" || level === "info")) return;
    const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : "";
    process.stderr.write(`${new Date().toISOString()} ${level.padEnd(5)} ${source}: ${message}${extra}\n`);
  };
}

function apiLogger(log: Log) {
  return {
    info: (message: string, fields?: Fields) => log("info", "api", message, fields),
    warn: (message: string, fields?: Fields) => log("warn", "api", message, fields),
    error: (message: string, fields?: Fields) => log("error", "api", message, fields),
  };
}

/** The first SIGINT/SIGTERM asks for a clean stop; a second one exits at once. */
function watchSignals(): { received: Promise<string>; dispose: () => void } {
  const names = ["SIGINT", "SIGTERM"] as const;
  let first: ((signal: string) => void) | undefined;
  const received = new Promise<string>((resolve) => (first = resolve));
  let seen = false;
  const onSignal = (signal: string) => {
    if (seen) {
      process.stderr.write(`error: ${signal} again: exiting without finishing the current batch\n`);
      process.exit(1);
    }
    seen = true;
    first!(signal);
  };
  for (const name of names) process.on(name, onSignal);
  return { received, dispose: () => names.forEach((name) => process.off(name, onSignal)) };
}
