// The ingestion process as a function: the sync loop and, with METRICS_PORT, its `/metrics` and `/health`. Run by
// main.ts (`npm run indexer:sync`) and by runners that host the sync beside other things (`joule indexer`).
import { metrics as sharedMetrics, serveMetrics, type IndexerMetrics, type MetricsServer } from "../metrics.ts";
import type { SyncConfig } from "./config.ts";
import { ConfigError } from "./errors.ts";
import { consoleLogger, type Logger, SyncEngine } from "./engine.ts";

export type RunningSync = {
  engine: SyncEngine;
  /** Serving `/metrics` and `/health` when the configuration has `metricsPort`. */
  metricsServer: MetricsServer | undefined;
  /** Settles when the loop ends: resolves after `stop()`, rejects with an error it could not survive. */
  done: Promise<void>;
  /** Finishes the current batch and closes the metrics server. Never rejects. */
  stop: () => Promise<void>;
};

/**
 * Starts the sync loop, feeding `metrics` (the process-wide set by default), and, with `config.metricsPort`,
 * an HTTP server for them. Throws ConfigError if that port cannot be bound, before the loop starts.
 */
export async function startSync(
  config: SyncConfig,
  options: { log?: Logger; metrics?: IndexerMetrics } = {},
): Promise<RunningSync> {
  const log = options.log ?? consoleLogger;
  const metrics = options.metrics ?? sharedMetrics;
  const engine = new SyncEngine(config, { log, metrics });
  let metricsServer: MetricsServer | undefined;
  if (config.metricsPort !== undefined) {
    const host = config.metricsHost ?? "0.0.0.0";
    try {
      metricsServer = await serveMetrics({ metrics, port: config.metricsPort, host, health: () => progress(engine) });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === "EADDRINUSE" ? "the port is in use" : code === "EACCES" ? "permission denied" : undefined;
      // Anything but a busy or privileged port means the address itself is wrong.
      throw new ConfigError(
        reason ? "METRICS_PORT" : "METRICS_HOST",
        `cannot serve metrics on ${host}:${config.metricsPort} (${reason ?? String(code ?? error)})`,
      );
    }
    log("info", `metrics on ${metricsServer.url}/metrics, health on ${metricsServer.url}/health`);
  }
  const done = engine.run().finally(() => metricsServer?.close());
  // Callers learn of a failure by awaiting `done`; this keeps one that is still starting from crashing the process.
  done.catch(() => {});
  return {
    engine,
    metricsServer,
    done,
    stop: async () => {
      engine.stop();
      await done.catch(() => {});
    },
  };
}

/** What `/health` reports beside `status: ok`: how far the loop got. */
function progress(engine: SyncEngine): Record<string, unknown> {
  const { checkpoint, head, safe, batches, events } = engine.stats;
  return {
    indexedBlock: checkpoint?.number ?? null,
    headBlock: head ?? null,
    safeBlock: safe ?? null,
    batches,
    events,
  };
}
