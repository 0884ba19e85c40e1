/**
 * Prometheus metrics shared by the two halves of the indexer.
 *
 * The sync side updates the chain-progress metrics (indexed block, head, lag, events,
 * reorgs, RPC errors and latency); the API side records GraphQL latency and serves
 * everything on `/metrics`. Both import the process-wide `metrics` singleton, so when
 * they run in one process one scrape shows both. When the API runs alone it refreshes
 * the chain-progress gauges from the database before each scrape, so they are right
 * in either deployment.
 *
 * When the sync runs alone (`npm run indexer:sync` with `METRICS_PORT`), `serveMetrics`
 * serves the same set on `/metrics`, with `/health`, without the API.
 *
 * Tests create an isolated set with `createMetrics()`.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface IndexerMetrics {
  readonly registry: Registry;
  /** Highest block whose events are committed (the checkpoint). */
  readonly indexedBlock: Gauge;
  /** Latest chain head the sync process saw. */
  readonly headBlock: Gauge;
  /** Highest block considered final (head minus confirmations). */
  readonly safeBlock: Gauge;
  /** headBlock − indexedBlock, never negative. */
  readonly lagBlocks: Gauge;
  /** Decoded events written, by event name. `rate()` of it is events/s. */
  readonly eventsIndexed: Counter<"event">;
  /** Events/s over the last `EVENT_RATE_WINDOW_SECONDS`, for dashboards without PromQL. */
  readonly eventsPerSecond: Gauge;
  readonly reorgs: Counter;
  readonly reorgDepth: Histogram;
  readonly rpcErrors: Counter<"method">;
  readonly rpcLatency: Histogram<"method">;
  readonly graphqlDuration: Histogram<"operation" | "outcome">;
  readonly graphqlErrors: Counter<"code">;
  readonly activeSubscriptions: Gauge;
  /** 1 while the LISTEN connection for live updates is up. */
  readonly notifyConnected: Gauge;
  /** Records `count` indexed events (optionally of one event name) for the counter and the rate gauge. */
  recordEvents(count: number, event?: string): void;
  /** Sets indexed block, head, safe block and lag together. */
  setChainProgress(progress: {
    indexed?: bigint | number | null;
    head?: bigint | number | null;
    safe?: bigint | number | null;
  }): void;
  /** Times an RPC call: records latency, and an error (then rethrows) if it throws. */
  timeRpc<T>(method: string, call: () => Promise<T>): Promise<T>;
}

export const EVENT_RATE_WINDOW_SECONDS = 60;

export interface CreateMetricsOptions {
  /** Registry to register into; a new one by default. */
  registry?: Registry;
  /** Also collect Node.js process metrics (CPU, memory, event loop). */
  defaultMetrics?: boolean;
  /** Clock in ms, for tests of the events/s gauge. */
  now?: () => number;
}

export function createMetrics(options: CreateMetricsOptions = {}): IndexerMetrics {
  const registry = options.registry ?? new Registry();
  const now = options.now ?? Date.now;
  const registers = [registry];
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });

  // Per-second buckets of the last EVENT_RATE_WINDOW_SECONDS: [second, count].
  const buckets: Array<[number, number]> = [];
  const pruneBuckets = (second: number) => {
    while (buckets.length > 0 && buckets[0]![0] <= second - EVENT_RATE_WINDOW_SECONDS) buckets.shift();
  };

  const indexedBlock = new Gauge({
    name: "joule_indexer_indexed_block",
    help: "Highest block whose events are committed",
    registers,
  });
  const headBlock = new Gauge({
    name: "joule_indexer_head_block",
    help: "Latest chain head seen by the sync process",
    registers,
  });
  const safeBlock = new Gauge({
    name: "joule_indexer_safe_block",
    help: "Highest block treated as final",
    registers,
  });
  const lagBlocks = new Gauge({
    name: "joule_indexer_lag_blocks",
    help: "Chain head minus indexed block",
    registers,
  });
  const eventsIndexed = new Counter({
    name: "joule_indexer_events_total",
    help: "Contract events indexed",
    labelNames: ["event"] as const,
    registers,
  });
  const eventsPerSecond = new Gauge({
    name: "joule_indexer_events_per_second",
    help: `Events indexed per second over the last ${EVENT_RATE_WINDOW_SECONDS} s`,
    registers,
    collect() {
      const second = Math.floor(now() / 1000);
      pruneBuckets(second);
      const total = buckets.reduce((sum, [, n]) => sum + n, 0);
      this.set(total / EVENT_RATE_WINDOW_SECONDS);
    },
  });
  const reorgs = new Counter({
    name: "joule_indexer_reorgs_total",
    help: "Chain reorganisations handled",
    registers,
  });
  const reorgDepth = new Histogram({
    name: "joule_indexer_reorg_depth_blocks",
    help: "Blocks rolled back per reorganisation",
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers,
  });
  const rpcErrors = new Counter({
    name: "joule_indexer_rpc_errors_total",
    help: "Failed JSON-RPC calls",
    labelNames: ["method"] as const,
    registers,
  });
  const rpcLatency = new Histogram({
    name: "joule_indexer_rpc_request_duration_seconds",
    help: "JSON-RPC call latency",
    labelNames: ["method"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const graphqlDuration = new Histogram({
    name: "joule_api_graphql_request_duration_seconds",
    help: "GraphQL operation latency, from parse to result",
    labelNames: ["operation", "outcome"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const graphqlErrors = new Counter({
    name: "joule_api_graphql_errors_total",
    help: "GraphQL errors returned, by extensions.code",
    labelNames: ["code"] as const,
    registers,
  });
  const activeSubscriptions = new Gauge({
    name: "joule_api_active_subscriptions",
    help: "Open GraphQL subscriptions",
    registers,
  });
  const notifyConnected = new Gauge({
    name: "joule_api_notify_connected",
    help: "1 while the LISTEN connection for live updates is up",
    registers,
  });

  const toNumber = (v: bigint | number) => (typeof v === "bigint" ? Number(v) : v);

  return {
    registry,
    indexedBlock,
    headBlock,
    safeBlock,
    lagBlocks,
    eventsIndexed,
    eventsPerSecond,
    reorgs,
    reorgDepth,
    rpcErrors,
    rpcLatency,
    graphqlDuration,
    graphqlErrors,
    activeSubscriptions,
    notifyConnected,
    recordEvents(count, event) {
      if (count <= 0) return;
      if (event === undefined) eventsIndexed.inc(count);
      else eventsIndexed.inc({ event }, count);
      const second = Math.floor(now() / 1000);
      pruneBuckets(second);
      const last = buckets[buckets.length - 1];
      if (last !== undefined && last[0] === second) last[1] += count;
      else buckets.push([second, count]);
    },
    setChainProgress({ indexed, head, safe }) {
      if (indexed != null) indexedBlock.set(toNumber(indexed));
      if (head != null) headBlock.set(toNumber(head));
      if (safe != null) safeBlock.set(toNumber(safe));
      if (indexed != null && head != null) lagBlocks.set(Math.max(0, toNumber(head) - toNumber(indexed)));
    },
    async timeRpc(method, call) {
      const end = rpcLatency.startTimer({ method });
      try {
        return await call();
      } catch (error) {
        rpcErrors.inc({ method });
        throw error;
      } finally {
        end();
      }
    },
  };
}

/** The process-wide metrics, shared by sync and API. */
export const metrics: IndexerMetrics = createMetrics({ defaultMetrics: true });

export interface MetricsServer {
  /** Base URL, e.g. http://127.0.0.1:9464 (`${url}/metrics`, `${url}/health`). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface ServeMetricsOptions {
  metrics: IndexerMetrics;
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Fields added to `/health`'s `{ "status": "ok" }` (bigints are sent as strings). */
  health?: () => Record<string, unknown>;
}

/**
 * Serves `GET /metrics` (Prometheus text) and `GET /health` over HTTP, for a process that has no GraphQL API
 * to serve them (the sync alone). Rejects with the listen error (e.g. EADDRINUSE) if the port cannot be bound.
 */
export async function serveMetrics(options: ServeMetricsOptions): Promise<MetricsServer> {
  const { registry } = options.metrics;
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
    res.end(JSON.stringify(body, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      return json(res, 405, { error: "method not allowed" });
    }
    if (path === "/health") return json(res, 200, { status: "ok", ...options.health?.() });
    if (path === "/metrics") {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { "content-type": registry.contentType });
          res.end(text);
        },
        (error: unknown) => json(res, 500, { error: `cannot collect metrics: ${String(error)}` }),
      );
      return;
    }
    return json(res, 404, { error: "not found", routes: ["/metrics", "/health"] });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host === "0.0.0.0" || host === "[::]" ? "127.0.0.1" : host}:${address.port}`,
    port: address.port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets of a scraper would otherwise hold close() open.
        server.closeAllConnections();
      })),
  };
}
