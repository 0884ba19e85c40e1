// Backfill throughput of the sync engine: events per second from eth_getLogs to committed PostgreSQL rows, with the
// sync running as its own process (as an operator runs it) into a fresh database.
import pg from "pg";
import { loadConfig } from "../../indexer/sync/config.ts";
import { NOTIFY_CHANNEL } from "../../indexer/sync/store.ts";
import { freePort } from "../../scripts/start/chain.ts";
import { fmt } from "./report.ts";
import { startService, waitFor } from "./services.ts";
import { loadAverage, machineBusySeconds, processCpuSeconds, referenceInsertMs, SyncBackendCpu } from "./system.ts";

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
  /**
   * CPU the rest of the machine used meanwhile: every process's busy time (/proc/stat) less the indexer's and its
   * backends'. The RPC source (replay server or node) and this process are in it; so is any other work that slowed
   * the run down.
   */
  otherCpuSeconds: number | null;
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
    // The first eth_getLogs range, asked before the engine knows the chain's density: this chain holds ~490 watched
    // logs a block, so 5 blocks is about one batch. At 100 the first answer held 49k logs, and nothing else could
    // start during the ~1 s it took to arrive and parse; the engine adapts the range from there either way.
    BATCH_BLOCKS: "5",
    MAX_BATCH_BLOCKS: "100000",
    TARGET_LOGS_PER_BATCH: String(o.targetLogsPerBatch),
  };
}

/**
 * Backfills with the sync process an operator runs (`npm run indexer:sync` → indexer/sync/main.ts, its own process
 * and heap), timed from its start until its checkpoint reaches `head` and the indexes deferred for the backfill are
 * built. Batches and events come from its /health.
 */
export async function measureBackfill(o: BackfillOptions, log: (line: string) => void): Promise<BackfillFigure> {
  const config = loadConfig(syncEnv(o)); // the same validation the process does, with a clear error here
  const referenceMs = await referenceInsertMs(o.databaseUrl);
  const metricsPort = await freePort();
  const db = new pg.Client({ connectionString: o.databaseUrl });
  await db.connect();
  // The end is the commit of the batch reaching the head, which the sync announces (NOTIFY after every batch):
  // listening costs nothing while it works, where polling the checkpoint every few ms took CPU from it.
  let reachedAt: number | undefined;
  db.on("notification", (n) => {
    const note = JSON.parse(n.payload ?? "{}") as { toBlock?: string };
    if (reachedAt === undefined && note.toBlock !== undefined && BigInt(note.toBlock) >= BigInt(o.head))
      reachedAt = performance.now();
  });
  await db.query(`LISTEN ${NOTIFY_CHANNEL}`);
  const busy0 = machineBusySeconds();
  const started = performance.now();
  const sync = startService("sync", "indexer/sync/main.ts", { ...syncEnv(o), METRICS_PORT: String(metricsPort) });
  try {
    let exited: number | null | undefined;
    void sync.exited.then((code) => (exited = code));
    await waitFor(`the sync's checkpoint to reach block ${o.head}`, async () => reachedAt !== undefined, {
      timeoutMs: 30 * 60_000,
      everyMs: 20,
      failure: () =>
        exited === undefined ? undefined : `the sync process exited (${exited}) during the backfill:\n${sync.tail()}`,
    });
    const { rows } = await db.query<{ n: string }>(`SELECT "blockNumber"::text AS n FROM checkpoints`);
    if (BigInt(rows[0]?.n ?? -1) < BigInt(o.head))
      throw new Error(`announced block ${o.head}, checkpoint ${rows[0]?.n}`);
    const backendCpu = new SyncBackendCpu();
    // Done when the indexes deferred for the backfill are built too (indexes.ts: right after its last batch).
    let builtAt: number | undefined;
    await waitFor(
      "the deferred indexes to be built",
      async () => {
        const { rows: left } = await db.query(`SELECT 1 FROM deferred_indexes LIMIT 1`);
        if (left.length === 0) builtAt = performance.now();
        else await backendCpu.sample(db); // the index builders' backends close once done
        return builtAt !== undefined;
      },
      {
        timeoutMs: 10 * 60_000,
        everyMs: 10,
        failure: () => (exited === undefined ? undefined : `the sync process exited (${exited}):\n${sync.tail()}`),
      },
    );
    const seconds = (builtAt! - started) / 1000;
    const machineBusy = machineBusySeconds() - busy0;
    const indexerCpu = processCpuSeconds(sync.pid) ?? 0;
    // CPU time of the indexer's PostgreSQL backend (the machine is shared: wall time alone can mislead).
    await backendCpu.sample(db);
    const pgCpu = backendCpu.total;
    const health = (await (await fetch(`http://127.0.0.1:${metricsPort}/health`)).json()) as {
      batches: number;
      events: number;
    };
    for (const line of sync.tail().split("\n")) if (/ (warn|error) /.test(line)) log(`  [sync] ${line}`);
    const events = health.events;
    return {
      events,
      seconds: Number(seconds.toFixed(2)),
      eventsPerSecond: Math.round(events / seconds),
      source: o.source,
      blocks: o.head - Number(config.startBlock) + 1,
      batches: health.batches,
      indexerCpuSeconds: indexerCpu,
      postgresCpuSeconds: pgCpu === undefined ? null : Number(pgCpu.toFixed(2)),
      cpuBoundEventsPerSecond: pgCpu === undefined ? null : Math.round(events / Math.max(indexerCpu, pgCpu)),
      otherCpuSeconds: pgCpu === undefined ? null : Number(Math.max(0, machineBusy - indexerCpu - pgCpu).toFixed(2)),
      loadAverage: loadAverage(),
      referenceInsert32kRowsMs: referenceMs,
    };
  } finally {
    await sync.stop();
    await db.end();
  }
}

/** One line of a backfill's figures. */
export function describeBackfill(f: BackfillFigure): string {
  return (
    `${fmt(f.events)} events over ${f.blocks} blocks in ${f.batches} batches, ${f.seconds} s → ${fmt(f.eventsPerSecond)} events/s; ` +
    `CPU indexer ${f.indexerCpuSeconds} s, PostgreSQL ${f.postgresCpuSeconds} s → ${fmt(f.cpuBoundEventsPerSecond ?? 0)} events/s CPU-bound, the rest of the machine ${f.otherCpuSeconds} s; ` +
    `load ${f.loadAverage.join(" ")}; reference insert ${f.referenceInsert32kRowsMs} ms`
  );
}
