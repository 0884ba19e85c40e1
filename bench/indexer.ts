// Indexer benchmark (issue #4): real contract events on a local Hardhat node, then
//   1. backfill into PostgreSQL (events/s) — from a replay of the node's recorded logs served by a separate process
//      (the headline: it measures the indexer), and straight from the node (its eth_getLogs included);
//   2. head latency: block mined → job visible through GraphQL, with the sync process and the API as child
//      processes following the node;
//   3. GraphQL under concurrent load (autocannon) with all the jobs indexed.
// Prints a table and writes bench/results/indexer.json.
//
//   npm run bench:indexer -- [--jobs 100000] [--connections 16] [--duration 25] [--head-samples 250]
//                            [--poll-ms 100] [--per-query-seconds 6] [--backfill-runs 3] [--keep-recording DIR]
//
// --keep-recording DIR saves the recorded chain (logs, headers, deployment) so that `npm run bench:indexer:replay --
// DIR` can measure the backfill again without generating the chain (minutes) each time.
//
// DATABASE_URL is optional (else the local trust server, else an embedded PostgreSQL): each stage gets a fresh
// database, dropped at the end.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "../indexer/db/testdb.ts";
import { DEFAULT_TARGET_LOGS_PER_BATCH } from "../indexer/sync/config.ts";
import { freePort } from "../scripts/start/chain.ts";
import { describeBackfill, measureBackfill, syncEnv, type BackfillFigure } from "./indexer/backfill.ts";
import { generate } from "./indexer/generate.ts";
import { measureHeadLatency } from "./indexer/head.ts";
import { runLoad, verifyQueries } from "./indexer/load.ts";
import { QUERIES } from "./indexer/queries.ts";
import { startNetwork, type Network } from "./indexer/network.ts";
import { recordChain, saveRecording, startReplay } from "./indexer/replay.ts";
import { fmt, table } from "./indexer/report.ts";
import { graphql, startService, waitFor, type Service } from "./indexer/services.ts";
import { loadAverage, ownCpuSeconds, processCpuSeconds } from "./indexer/system.ts";

const TARGETS = {
  backfillEventsPerSecond: 20_000,
  headMedianMs: 500,
  headP99Ms: 2_000,
  graphqlP95Ms: 50,
  graphqlRequestsPerSecond: 500,
  graphqlErrors: 0,
} as const;
/** Logs per eth_getLogs call the engine aims for: its default TARGET_LOGS_PER_BATCH, as an operator runs it. */
const TARGET_LOGS = DEFAULT_TARGET_LOGS_PER_BATCH;

class UsageError extends Error {}

function options() {
  const { values } = parseArgs({
    options: {
      jobs: { type: "string", default: "100000" },
      connections: { type: "string", default: "16" },
      duration: { type: "string", default: "25" },
      "head-samples": { type: "string", default: "250" },
      "poll-ms": { type: "string", default: "100" },
      "per-query-seconds": { type: "string", default: "6" },
      "backfill-runs": { type: "string", default: "3" },
      "keep-recording": { type: "string" },
    },
  });
  const int = (name: keyof typeof values, min: number) => {
    const v = Number(values[name]);
    if (!Number.isInteger(v) || v < min)
      throw new UsageError(`--${name} must be an integer ≥ ${min}, got ${values[name]}`);
    return v;
  };
  return {
    jobs: int("jobs", 1),
    connections: int("connections", 1),
    duration: int("duration", 1),
    headSamples: int("head-samples", 1),
    pollMs: int("poll-ms", 10),
    perQuerySeconds: int("per-query-seconds", 0),
    backfillRuns: int("backfill-runs", 1),
    keepRecording: values["keep-recording"],
  };
}

const log = (line: string) => process.stdout.write(`${line}\n`);

/** CPU seconds of every PostgreSQL backend connected to `database` (the API's pool, during the load). */
/** CPU seconds so far of each PostgreSQL backend connected to `database`, by pid. */
async function backendsCpuSeconds(adminUrl: string, database: string): Promise<Map<number, number>> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const { rows } = await c.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [
      database,
    ]);
    return new Map(rows.map((r) => [r.pid as number, processCpuSeconds(r.pid) ?? 0]));
  } finally {
    await c.end();
  }
}

/**
 * CPU the backends used between two readings: those alive at the end, from their first reading (0 if they started
 * since). A backend that closed in between (the API's pool closes idle connections) is left out with its CPU:
 * subtracting its earlier total made the figure negative.
 */
function backendsCpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, seconds] of after) sum += seconds - (before.get(pid) ?? 0);
  return sum;
}

/** VACUUM ANALYZE of a database; returns the server's autovacuum setting. */
async function vacuumAnalyze(databaseUrl: string): Promise<string> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ autovacuum: string }>("SHOW autovacuum");
    await c.query("VACUUM ANALYZE");
    return rows[0]?.autovacuum ?? "unknown";
  } finally {
    await c.end();
  }
}

async function main(): Promise<number> {
  const opts = options();
  const startedAt = new Date();
  const loadAtStart = loadAverage();
  const scratch = await mkdtemp(join(tmpdir(), "joule-bench-indexer-"));
  const databases: TestDatabase[] = [];
  const services: Service[] = [];
  let net: Network | undefined;
  let stopReplay: (() => void) | undefined;
  try {
    // ── the chain ──
    log(
      `Joule indexer benchmark: ${fmt(opts.jobs)} jobs on a local Hardhat node (${cpus().length} CPUs, load ${loadAtStart.join(" ")})`,
    );
    net = await startNetwork(scratch, log);
    const a = net.deployment.addresses;
    log(`deployed through the SDK: JobMarket ${a.jobMarket}; ${net.setupTransactions} set-up transactions`);
    const nodeCpu0 = processCpuSeconds(net.chain.pid) ?? 0;
    const ownCpu0 = process.cpuUsage();
    const generated = await generate(net, opts.jobs, log);
    const gen = {
      ...generated.figure,
      // Who was busy: the Hardhat node (signing, pooling, executing, mining) and this process (planning, EIP-712
      // signatures, encoding, checks).
      nodeCpuSeconds: Number(((processCpuSeconds(net.chain.pid) ?? 0) - nodeCpu0).toFixed(1)),
      benchProcessCpuSeconds: ownCpuSeconds(ownCpu0),
    };
    log(
      `generated ${fmt(gen.transactions)} transactions in ${gen.blocks} blocks in ${gen.seconds} s → ${fmt(gen.transactionsPerSecond)} tx/s ` +
        `(${fmt(gen.sendMineTransactionsPerSecond)} tx/s while sending and mining; signing ${gen.signingSeconds} s; CPU: node ${gen.nodeCpuSeconds} s, this process ${gen.benchProcessCpuSeconds} s)`,
    );

    // ── the node's eth_getLogs, recorded for the replay ──
    const watched = [a.jobMarket, a.providerRegistry, a.rewardEmitter, a.jouleToken, a.quorumVerifier];
    const { recording, getLogs } = await recordChain(net.rpc, watched, TARGET_LOGS);
    const events = recording.logs.length;
    log(
      `node eth_getLogs: ${fmt(getLogs.logs)} logs in ${getLogs.calls} calls (~${getLogs.blocksPerCall} blocks each) in ${getLogs.seconds} s → ${fmt(getLogs.logsPerSecond)} logs/s (median call ${getLogs.medianCallMs} ms)`,
    );
    const head = gen.headBlock;
    const base = {
      manifestPath: net.manifestPath,
      treasury: net.cast.treasury.address,
      head,
      targetLogsPerBatch: TARGET_LOGS,
    };

    if (opts.keepRecording) {
      await saveRecording(opts.keepRecording, recording, net.manifestPath, base);
      log(`recording saved in ${opts.keepRecording} (npm run bench:indexer:replay -- ${opts.keepRecording})`);
    }

    // ── backfill 1: from the replay (the indexer alone), several runs (the machine is shared): the median ──
    const replay = await startReplay(recording, join(scratch, "recording.json"));
    stopReplay = replay.stop;
    const replayRuns: BackfillFigure[] = [];
    for (let run = 1; run <= opts.backfillRuns; run++) {
      const replayDb = await createTestDatabase({ prefix: "joule_bench" });
      databases.push(replayDb);
      log(
        `backfill ${run}/${opts.backfillRuns} from the replay (${replay.url}, its own process) into ${replayDb.name}…`,
      );
      const figure = await measureBackfill(
        {
          ...base,
          source: "replay of the node's recorded logs and headers, served by a separate process",
          rpcUrl: replay.url,
          databaseUrl: replayDb.url,
        },
        log,
      );
      printBackfill(figure);
      replayRuns.push(figure);
      await replayDb.drop();
    }
    const fromReplay = [...replayRuns].sort((a, b) => a.seconds - b.seconds)[Math.floor((replayRuns.length - 1) / 2)]!;
    replay.stop();
    stopReplay = undefined;

    // ── backfill 2: straight from the node (its eth_getLogs included); this database then follows the head ──
    const db = await createTestDatabase({ prefix: "joule_bench" });
    databases.push(db);
    log(`backfill from the Hardhat node into ${db.name}…`);
    const fromNode = await measureBackfill(
      { ...base, source: "the Hardhat node's JSON-RPC", rpcUrl: net.chain.url, databaseUrl: db.url },
      log,
    );
    printBackfill(fromNode);
    // This machine's PostgreSQL runs with autovacuum off, so the freshly loaded tables would keep no statistics and
    // the planner would guess (e.g. a status index for 78% of the jobs). Autovacuum would analyze them within a
    // minute or so in production; the benchmark does it once, outside every timed figure.
    const maintenanceStarted = performance.now();
    const autovacuum = await vacuumAnalyze(db.url);
    const maintenance = {
      autovacuum,
      vacuumAnalyzeSeconds: Number(((performance.now() - maintenanceStarted) / 1000).toFixed(2)),
      why: "VACUUM ANALYZE after the backfill, as autovacuum would do (it is off on this server); not part of any timed figure",
    };
    log(`VACUUM ANALYZE in ${maintenance.vacuumAnalyzeSeconds} s (server autovacuum: ${autovacuum})`);
    const problems: string[] = [];
    for (const f of [...replayRuns, fromNode]) {
      if (f.events !== events) problems.push(`backfill from ${f.source}: indexed ${f.events} of ${events} events`);
    }

    // ── the indexer as operated: sync process and API, following the node ──
    const apiPort = await freePort();
    const sync = startService("sync", "indexer/sync/main.ts", {
      ...syncEnv({ ...base, rpcUrl: net.chain.url, databaseUrl: db.url }),
      POLL_INTERVAL_MS: String(opts.pollMs),
      RPC_BACKOFF_BASE_MS: "50",
      RPC_BACKOFF_MAX_MS: "1000",
      ERROR_BACKOFF_MAX_MS: "2000",
    });
    services.push(sync);
    const api = startService("api", "indexer/api/main.ts", {
      DATABASE_URL: db.url,
      PORT: String(apiPort),
      HOST: "127.0.0.1",
      READY_MAX_LAG: "5",
    });
    services.push(api);
    const graphqlUrl = `http://127.0.0.1:${apiPort}/graphql`;
    const exited = new Set<string>();
    for (const s of services) void s.exited.then(() => exited.add(s.name));
    const exitedEarly = () => {
      for (const s of services) if (exited.has(s.name)) return `${s.name} exited:\n${s.tail()}`;
      return undefined;
    };
    await waitFor(
      `the API to show block ${head}`,
      async () => {
        const { body } = await graphql<{ _meta: { block: { number: number } | null } }>(
          graphqlUrl,
          `
            {
              _meta {
                block {
                  number
                }
              }
            }
          `,
        );
        return (body.data?._meta.block?.number ?? -1) >= head;
      },
      { timeoutMs: 120_000, everyMs: 200, failure: exitedEarly },
    );
    log(
      `sync process (pid ${sync.pid}, POLL_INTERVAL_MS=${opts.pollMs}) and API (pid ${api.pid}) follow the node; measuring head latency over ${opts.headSamples} blocks…`,
    );
    const headFigure = await measureHeadLatency(
      net,
      graphqlUrl,
      { samples: opts.headSamples, firstJobId: generated.lastJobId + 1n },
      log,
    );
    log(`head latency: median ${headFigure.medianMs} ms, p99 ${headFigure.p99Ms} ms (max ${headFigure.maxMs} ms)`);

    // ── GraphQL under load ──
    const sample = {
      lifecycleJobIds: generated.lifecycleJobIds,
      lastJobId: generated.lastJobId,
      providers: net.cast.providers.map((p) => p.address),
      tenants: net.cast.tenants.map((t) => t.address),
    };
    await verifyQueries(graphqlUrl, sample);
    const { body: stats } = await graphql<{ networkStats: { jobs: { total: number } } }>(
      graphqlUrl,
      `
        {
          networkStats {
            jobs {
              total
            }
          }
        }
      `,
    );
    const jobsIndexed = stats.data?.networkStats.jobs.total ?? 0;
    log(
      `GraphQL: every query of the mix answered correctly; ${fmt(jobsIndexed)} jobs indexed. autocannon, ${opts.connections} connections, ${opts.duration} s…`,
    );
    const adminUrl = new URL(db.url);
    adminUrl.pathname = "/postgres";
    // CPU seconds of the API process and of the PostgreSQL backends serving it, around a run.
    const cpu = async () => ({
      api: processCpuSeconds(api.pid) ?? 0,
      postgres: await backendsCpuSeconds(adminUrl.toString(), db.name),
    });
    const withCpu = async <T extends { figure: { requests: number } }>(run: () => Promise<T>) => {
      const before = await cpu();
      const result = await run();
      const after = await cpu();
      const perRequest = (s: number) => Number(((1000 * s) / Math.max(1, result.figure.requests)).toFixed(2));
      return {
        ...result,
        apiCpuSeconds: Number((after.api - before.api).toFixed(2)),
        postgresCpuSeconds: Number(backendsCpuDelta(before.postgres, after.postgres).toFixed(2)),
        apiCpuMsPerRequest: perRequest(after.api - before.api),
        postgresCpuMsPerRequest: perRequest(backendsCpuDelta(before.postgres, after.postgres)),
      };
    };
    const mixed = await withCpu(() =>
      runLoad(graphqlUrl, sample, { connections: opts.connections, seconds: opts.duration }),
    );
    const { figure: load, byKind } = mixed;
    const loadAfterLoad = loadAverage();
    log(
      `GraphQL: ${fmt(load.requestsPerSecond)} req/s, p50 ${load.p50Ms} ms, p95 ${load.p95Ms} ms, p99 ${load.p99Ms} ms, ${load.errors} errors`,
    );
    for (const k of byKind)
      log(
        `  ${k.kind.padEnd(13)} ${(k.share * 100).toFixed(1).padStart(5)}%  p50 ${k.p50Ms} ms  p95 ${k.p95Ms} ms  p99 ${k.p99Ms} ms  errors ${k.errors}`,
      );
    log(
      `  CPU per request: API ${mixed.apiCpuMsPerRequest} ms, PostgreSQL ${mixed.postgresCpuMsPerRequest} ms (load ${loadAfterLoad.join(" ")})`,
    );
    // Each query alone, to see what each costs the API and PostgreSQL (the mix's figures blend them).
    const alone = [];
    if (opts.perQuerySeconds > 0) {
      log(`each query alone, ${opts.perQuerySeconds} s each:`);
      for (const q of QUERIES) {
        const r = await withCpu(() =>
          runLoad(graphqlUrl, sample, { connections: opts.connections, seconds: opts.perQuerySeconds, only: q.kind }),
        );
        const entry = {
          kind: q.kind,
          requestsPerSecond: r.figure.requestsPerSecond,
          p50Ms: r.figure.p50Ms,
          p95Ms: r.figure.p95Ms,
          p99Ms: r.figure.p99Ms,
          errors: r.figure.errors,
          apiCpuMsPerRequest: r.apiCpuMsPerRequest,
          postgresCpuMsPerRequest: r.postgresCpuMsPerRequest,
        };
        alone.push(entry);
        log(
          `  ${q.kind.padEnd(13)} ${fmt(entry.requestsPerSecond).padStart(5)} req/s  p95 ${entry.p95Ms} ms  CPU per request: API ${entry.apiCpuMsPerRequest} ms, PostgreSQL ${entry.postgresCpuMsPerRequest} ms  errors ${entry.errors}`,
        );
      }
    }
    const syncCpu = processCpuSeconds(sync.pid);
    await Promise.all(services.map((s) => s.stop()));
    services.length = 0;

    // ── results ──
    const result = {
      backfill: {
        ...fromReplay,
        figure: `median of ${replayRuns.length} runs from the replay, by time`,
        runs: replayRuns.map((f) => ({
          seconds: f.seconds,
          eventsPerSecond: f.eventsPerSecond,
          indexerCpuSeconds: f.indexerCpuSeconds,
          postgresCpuSeconds: f.postgresCpuSeconds,
          referenceInsert32kRowsMs: f.referenceInsert32kRowsMs,
        })),
        fromNode,
      },
      head: {
        ...headFigure,
        syncPollIntervalMs: opts.pollMs,
        syncProcessCpuSeconds: syncCpu ?? null,
        setup:
          "sync process (indexer/sync/main.ts) and API (indexer/api/main.ts) as child processes; a createJob transaction, then evm_mine (automine off); the clock starts when evm_mine answers and stops when job(id) answers non-null (polled every 10 ms)",
      },
      graphql: {
        ...load,
        jobsIndexed,
        byQuery: byKind,
        apiCpuSeconds: mixed.apiCpuSeconds,
        postgresCpuSeconds: mixed.postgresCpuSeconds,
        apiCpuMsPerRequest: mixed.apiCpuMsPerRequest,
        postgresCpuMsPerRequest: mixed.postgresCpuMsPerRequest,
        loadAverageAfter: loadAfterLoad,
        eachQueryAlone: alone,
        maintenance,
        setup:
          "autocannon in the benchmark process; the API in its own child process (default DB_POOL_SIZE 10); errors = non-2xx + bodies with GraphQL errors or no data + connection errors and timeouts",
      },
      node: { getLogs },
      generation: { ...gen, events },
      targets: TARGETS,
      met: {
        backfill: fromReplay.eventsPerSecond >= TARGETS.backfillEventsPerSecond,
        headMedian: headFigure.medianMs <= TARGETS.headMedianMs,
        headP99: headFigure.p99Ms <= TARGETS.headP99Ms,
        graphql:
          load.p95Ms <= TARGETS.graphqlP95Ms &&
          load.requestsPerSecond >= TARGETS.graphqlRequestsPerSecond &&
          load.errors === TARGETS.graphqlErrors,
      },
      // Measured ÷ target (≥ 1 meets a "higher is better" target; ≤ 1 a "lower is better" one).
      ratioToTarget: {
        backfillEventsPerSecond: Number((fromReplay.eventsPerSecond / TARGETS.backfillEventsPerSecond).toFixed(3)),
        headMedianMs: Number((headFigure.medianMs / TARGETS.headMedianMs).toFixed(3)),
        headP99Ms: Number((headFigure.p99Ms / TARGETS.headP99Ms).toFixed(3)),
        graphqlRequestsPerSecond: Number((load.requestsPerSecond / TARGETS.graphqlRequestsPerSecond).toFixed(3)),
        graphqlP95Ms: Number((load.p95Ms / TARGETS.graphqlP95Ms).toFixed(3)),
      },
      problems,
      machine: {
        cpus: cpus().length,
        loadAverageAtStart: loadAtStart,
        loadAverageAtEnd: loadAverage(),
        node: process.version,
        started: startedAt.toISOString(),
        finished: new Date().toISOString(),
      },
    };
    await mkdir(new URL("./results/", import.meta.url), { recursive: true });
    await writeFile(new URL("./results/indexer.json", import.meta.url), `${JSON.stringify(result, null, 2)}\n`);

    log("");
    log(
      table([
        {
          metric: "jobs created / events / transactions",
          value: `${fmt(gen.jobs)} / ${fmt(events)} / ${fmt(gen.transactions)}`,
        },
        {
          metric: "generation (send + mine, all phases)",
          value: `${gen.seconds} s, ${fmt(gen.transactionsPerSecond)} tx/s`,
        },
        { metric: "node eth_getLogs", value: `${fmt(getLogs.logsPerSecond)} logs/s` },
        {
          metric: `backfill from replay (median of ${replayRuns.length})`,
          value: `${fmt(fromReplay.eventsPerSecond)} events/s (${fromReplay.seconds} s; runs ${replayRuns.map((f) => f.seconds).join(", ")} s)`,
          target: `≥ ${fmt(TARGETS.backfillEventsPerSecond)}`,
          met: result.met.backfill,
        },
        {
          metric: "backfill from the node",
          value: `${fmt(fromNode.eventsPerSecond)} events/s (${fromNode.seconds} s)`,
        },
        {
          metric: "backfill CPU: indexer / PostgreSQL / rest",
          value: `${fromReplay.indexerCpuSeconds} s / ${fromReplay.postgresCpuSeconds} s / ${fromReplay.otherCpuSeconds} s → ${fmt(fromReplay.cpuBoundEventsPerSecond ?? 0)} events/s CPU-bound`,
        },
        {
          metric: "head latency median",
          value: `${headFigure.medianMs} ms`,
          target: `≤ ${TARGETS.headMedianMs}`,
          met: result.met.headMedian,
        },
        {
          metric: "head latency p99",
          value: `${headFigure.p99Ms} ms`,
          target: `≤ ${fmt(TARGETS.headP99Ms)}`,
          met: result.met.headP99,
        },
        {
          metric: `GraphQL req/s (${opts.connections} conns)`,
          value: fmt(load.requestsPerSecond),
          target: `≥ ${TARGETS.graphqlRequestsPerSecond}`,
          met: load.requestsPerSecond >= TARGETS.graphqlRequestsPerSecond,
        },
        { metric: "GraphQL p50 / p99", value: `${load.p50Ms} / ${load.p99Ms} ms` },
        {
          metric: "GraphQL p95",
          value: `${load.p95Ms} ms`,
          target: `≤ ${TARGETS.graphqlP95Ms}`,
          met: load.p95Ms <= TARGETS.graphqlP95Ms,
        },
        { metric: "GraphQL errors", value: String(load.errors), target: "0", met: load.errors === 0 },
        {
          metric: "load average start → end",
          value: `${loadAtStart.join(" ")} → ${result.machine.loadAverageAtEnd.join(" ")}`,
        },
      ]),
    );
    log(`\nwrote bench/results/indexer.json`);
    for (const p of problems) log(`PROBLEM: ${p}`);
    return problems.length ? 1 : 0;
  } finally {
    stopReplay?.();
    await Promise.allSettled(services.map((s) => s.stop()));
    await Promise.allSettled(databases.map((d) => d.drop()));
    await net?.chain.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

function printBackfill(f: BackfillFigure): void {
  log(`  ${describeBackfill(f)}`);
}

try {
  process.exitCode = await main();
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`bench:indexer: ${error.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(
      `bench:indexer failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  }
}
