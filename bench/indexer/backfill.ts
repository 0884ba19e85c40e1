// Backfill throughput of the sync engine: events per second from eth_getLogs to committed PostgreSQL rows, in this
// process (so its CPU time is the indexer's), into a fresh database.
import { loadConfig } from "../../indexer/sync/config.ts";
import { SyncEngine } from "../../indexer/sync/engine.ts";
import { loadAverage, ownCpuSeconds, referenceInsertMs, syncBackendCpuSeconds } from "./system.ts";

export type BackfillFigure = {
  source: string;
  events: number;
  blocks: number;
  batches: number;
  seconds: number;
  eventsPerSecond: number;
  indexerCpuSeconds: number;
  postgresCpuSeconds: number | null;
  /** Throughput the CPU work allows when the indexer and PostgreSQL each get a core (they overlap). */
  cpuBoundEventsPerSecond: number | null;
  loadAverage: number[];
  referenceInsert32kRowsMs: number;
};

export type BackfillOptions = {
  source: string;
  rpcUrl: string;
  databaseUrl: string;
  manifestPath: string;
  treasury: string;
  head: number;
  targetLogsPerBatch: number;
};

/** The sync engine's settings for both backfills (and, with a poll interval, the head-following process). */
export function syncEnv(o: Omit<BackfillOptions, "source" | "head">): Record<string, string> {
  return {
    RPC_URL: o.rpcUrl,
    DATABASE_URL: o.databaseUrl,
    DEPLOYMENT: o.manifestPath,
    TREASURY_ADDRESS: o.treasury,
    // A local node does not reorganise: every block is final at once.
    FINALITY: "confirmations",
    CONFIRMATIONS: "0",
    BATCH_BLOCKS: "100",
    MAX_BATCH_BLOCKS: "100000",
    TARGET_LOGS_PER_BATCH: String(o.targetLogsPerBatch),
  };
}

export async function measureBackfill(o: BackfillOptions, log: (line: string) => void): Promise<BackfillFigure> {
  const config = loadConfig(syncEnv(o));
  const referenceMs = await referenceInsertMs(o.databaseUrl);
  const cpu0 = process.cpuUsage();
  const engine = new SyncEngine(config, {
    log: (level, m) => {
      if (level === "warn" || level === "error" || process.env.BENCH_LOG) log(`  [sync ${level}] ${m}`);
    },
  });
  const started = performance.now();
  let failure: unknown;
  const running = engine.run().catch((error: unknown) => (failure = error));
  while (!engine.stats.checkpoint || engine.stats.checkpoint.number < BigInt(o.head)) {
    if (failure) throw failure;
    await new Promise((r) => setTimeout(r, 5));
  }
  const seconds = (performance.now() - started) / 1000;
  const indexerCpu = ownCpuSeconds(cpu0);
  // CPU time of the indexer's PostgreSQL backend (the machine is shared: wall time alone can mislead).
  const pgCpu = await syncBackendCpuSeconds(o.databaseUrl);
  engine.stop();
  await running;
  if (failure) throw failure;
  const events = engine.stats.events;
  return {
    events,
    seconds: Number(seconds.toFixed(2)),
    eventsPerSecond: Math.round(events / seconds),
    source: o.source,
    blocks: o.head - Number(config.startBlock) + 1,
    batches: engine.stats.batches,
    indexerCpuSeconds: indexerCpu,
    postgresCpuSeconds: pgCpu === undefined ? null : Number(pgCpu.toFixed(2)),
    cpuBoundEventsPerSecond: pgCpu === undefined ? null : Math.round(events / Math.max(indexerCpu, pgCpu)),
    loadAverage: loadAverage(),
    referenceInsert32kRowsMs: referenceMs,
  };
}
