// The indexer, in this process: the sync engine (chain → PostgreSQL) and the GraphQL API (PostgreSQL → HTTP),
// started through their exported entry points (`SyncEngine`, `startApi`).
import { startApi, type ApiLogger, type ApiServer } from "../../indexer/api/server.ts";
import { loadConfig } from "../../indexer/sync/config.ts";
import { SyncEngine, type Logger } from "../../indexer/sync/engine.ts";
import { PortBusyError, portIsFree } from "./chain.ts";

export type RunningIndexer = {
  engine: SyncEngine;
  api: ApiServer;
  graphqlUrl: string;
  /** Set when the sync loop stopped on an error it could not survive. */
  failure: () => unknown;
  stop: () => Promise<void>;
};

export type StartIndexerOptions = {
  rpcUrl: string;
  databaseUrl: string;
  manifestPath: string;
  apiPort: number;
  verbose: boolean;
  print: (line: string) => void;
};

export async function startIndexer(options: StartIndexerOptions): Promise<RunningIndexer> {
  if (!(await portIsFree(options.apiPort))) {
    throw new PortBusyError(
      `port ${options.apiPort} on 127.0.0.1 is busy: stop what listens there, or pick another API port with --api-port <n> or API_PORT=<n>`,
    );
  }
  const config = loadConfig({
    RPC_URL: options.rpcUrl,
    DATABASE_URL: options.databaseUrl,
    DEPLOYMENT: options.manifestPath,
    // A local automining node does not reorganise: index every block as soon as it is mined.
    FINALITY: "confirmations",
    CONFIRMATIONS: "0",
    POLL_INTERVAL_MS: "200",
    RPC_BACKOFF_BASE_MS: "50",
    RPC_BACKOFF_MAX_MS: "1000",
    ERROR_BACKOFF_MAX_MS: "2000",
  });
  const syncLog: Logger = (level, message) => {
    if (level === "error" || level === "warn" || (options.verbose && level === "info"))
      options.print(`[sync ${level}] ${message}`);
  };
  const apiLog = (level: string, show: boolean) => (message: string, fields?: Record<string, unknown>) => {
    if (show)
      options.print(
        `[api ${level}] ${message}${fields && Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : ""}`,
      );
  };
  const apiLogger: ApiLogger = {
    info: apiLog("info", options.verbose),
    warn: apiLog("warn", true),
    error: apiLog("error", true),
  };

  const engine = new SyncEngine(config, { log: syncLog });
  let failure: unknown;
  const done = engine.run().catch((error: unknown) => {
    failure = error;
    options.print(
      `[sync error] the indexer stopped: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
  });
  let api: ApiServer;
  try {
    api = await startApi({
      databaseUrl: options.databaseUrl,
      port: options.apiPort,
      host: "127.0.0.1",
      readyMaxLag: 5,
      logger: apiLogger,
    });
  } catch (error) {
    engine.stop();
    await done;
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    engine,
    api,
    graphqlUrl: `${api.url}/graphql`,
    failure: () => failure,
    stop: () =>
      (stopped ??= (async () => {
        engine.stop();
        await Promise.allSettled([done, api.close()]);
      })()),
  };
}
