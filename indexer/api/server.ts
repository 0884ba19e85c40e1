/**
 * The GraphQL API server: graphql-yoga on node:http, reading PostgreSQL (tables of
 * prisma/schema.prisma) with the SQL of sql.ts on a node-postgres pool, with live updates
 * from LISTEN/NOTIFY. Prisma's raw-query path cost ~1.1 ms of CPU per request more (2.56 →
 * 1.45 ms, 333 → 519 req/s on the benchmark's mix), and the API never used its query builder.
 *
 * Routes: POST/GET /graphql (GraphiQL there only when `graphiql` is on), /health (the
 * process is up), /ready (indexed within `readyMaxLag` blocks of the head, else 503),
 * /metrics (Prometheus).
 *
 * @example
 * const api = await startApi({ port: 4000, databaseUrl: "postgresql://postgres@127.0.0.1:5432/joule" });
 * // … POST `${api.url}/graphql` …
 * await api.close();
 */
import { SnapshotCache } from "./snapshot-cache.ts";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { createYoga } from "graphql-yoga";
import { metrics as sharedMetrics, type IndexerMetrics } from "../metrics.ts";
import { LiveUpdates } from "./live.ts";
import { Loaders } from "./loaders.ts";
import { readMeta, type MetaSnapshot } from "./meta.ts";
import { DEFAULT_CHANNEL, NotifyListener } from "./notify.ts";
import { DEFAULT_LIMITS, useLimits, useObservability, type LimitOptions } from "./plugins.ts";
import { buildSchema, type ApiContext } from "./schema.ts";
import { DEFAULT_COMPILE_LIMITS, type CompileLimits, type Db } from "./sql.ts";

export interface ApiLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface ApiOptions {
  databaseUrl: string;
  /** 0 picks a free port. Default 4000. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Checkpoint of this chain; by default the database's (one chain per database). */
  chainId?: number;
  /** `/ready` and `_meta.isSynced` need head − indexed ≤ this. Default 5. */
  readyMaxLag?: number;
  /**
   * … and the sync process to have seen the head within this many seconds (when it
   * records when: `checkpoints.headUpdatedAt`). 0 disables. Default 120.
   */
  readyMaxHeadAgeSeconds?: number;
  /** Serve GraphiQL on GET /graphql (development only). Default false. */
  graphiql?: boolean;
  limits?: Partial<Omit<LimitOptions, "fieldCosts">>;
  compileLimits?: Partial<CompileLimits>;
  /** Metrics to serve and update; the process-wide set by default. */
  metrics?: IndexerMetrics;
  /** LISTEN for live updates (default true) on this channel (default joule_events). */
  listen?: boolean;
  notifyChannel?: string;
  /** Connections in the query pool. Default 10. */
  poolSize?: number;
  /** Distinct SQL texts prepared on each pooled connection; later ones run unprepared. Default 200. */
  maxPreparedStatements?: number;
  /** Statements running longer are cancelled. Default 15 s. */
  statementTimeoutMs?: number;
  /** Larger request bodies get 413. Default 1 MiB. */
  maxBodyBytes?: number;
  logger?: ApiLogger;
  /** Called with every SQL statement the API sends (tests count them). */
  onQuery?: (sql: string, params: readonly unknown[]) => void;
}

export interface ApiServer {
  /** Base URL, e.g. http://127.0.0.1:4000 (GraphQL at `${url}/graphql`). */
  url: string;
  port: number;
  live: LiveUpdates;
  notify: NotifyListener | null;
  close(): Promise<void>;
}

const silentLogger: ApiLogger = { info() {}, warn() {}, error() {} };

export async function startApi(options: ApiOptions): Promise<ApiServer> {
  const logger = options.logger ?? silentLogger;
  const metrics = options.metrics ?? sharedMetrics;
  const readyMaxLag = options.readyMaxLag ?? 5;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const limits: LimitOptions = {
    ...DEFAULT_LIMITS,
    ...options.limits,
    fieldCosts: { "Query.networkStats": 20, "Query._meta": 1 },
  };
  if (limits.defaultPageSize > limits.maxPageSize) throw new Error("defaultPageSize is above maxPageSize");
  const compileLimits: CompileLimits = {
    ...DEFAULT_COMPILE_LIMITS,
    ...options.compileLimits,
  };

  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize ?? 10,
    statement_timeout: options.statementTimeoutMs ?? 15_000,
    application_name: "joule-api",
  });
  pool.on("error", (error) => logger.warn("database pool: idle connection lost", { error: String(error) }));
  // Statements are prepared once per connection (named): PostgreSQL then skips parsing and, once its plan cache
  // settles on a generic plan, planning — which costs more than running most of these short reads (EXPLAIN ANALYZE
  // of a page of jobs: 0.25 ms planning, 0.1 ms execution). Queries have a bounded set of shapes; past
  // `maxPreparedStatements` distinct texts (a client inventing filters) the rest run unnamed, so no connection
  // holds more plans than that.
  const maxPreparedStatements = options.maxPreparedStatements ?? 200;
  const statementNames = new Map<string, string>();
  const db: Db = {
    query: async <T>(sql: string, params: readonly unknown[]) => {
      options.onQuery?.(sql, params);
      let name = statementNames.get(sql);
      if (name === undefined && statementNames.size < maxPreparedStatements)
        statementNames.set(sql, (name = `joule_${statementNames.size}`));
      return (await pool.query({ name, text: sql, values: params as unknown[] })).rows as T[];
    },
  };
  const meta = (): Promise<MetaSnapshot> =>
    readMeta(db, {
      chainId: options.chainId,
      maxLag: readyMaxLag,
      maxHeadAgeSeconds: options.readyMaxHeadAgeSeconds ?? 120,
    });

  const notify =
    options.listen === false
      ? null
      : new NotifyListener({
          connectionString: options.databaseUrl,
          channel: options.notifyChannel ?? DEFAULT_CHANNEL,
          onError: (error) =>
            logger.warn("live updates: LISTEN connection problem", {
              error: String(error),
            }),
          onConnectionChange: (connected) => {
            metrics.notifyConnected.set(connected ? 1 : 0);
            logger.info(connected ? "live updates: listening" : "live updates: connection lost, reconnecting");
          },
        });
  const live = new LiveUpdates(notify, {
    db,
    indexedBlock: async () => (await meta()).block?.number ?? null,
    onError: (error) =>
      logger.error("live updates: failed to process a batch", {
        error: String(error),
      }),
    onSubscriptionsChange: (count) => metrics.activeSubscriptions.set(count),
  });

  const aggregates = new SnapshotCache();
  const schema = buildSchema(limits);
  // Two servers over one schema. A request declaring its Content-Length was checked against maxBodyBytes before
  // reaching yoga, and Node's parser delivers no more than that: yoga's own limit, a stream pipeline per request
  // (API CPU per request of the bench mix 2.01 → 1.54 ms without it), would only repeat the check. A body without
  // one (chunked) is counted by it.
  const makeYoga = (maxRequestBodySize: number | false) =>
    createYoga<Record<string, unknown>, ApiContext>({
      maxRequestBodySize,
      schema,
      graphqlEndpoint: "/graphql",
      graphiql: options.graphiql ?? false,
      landingPage: false,
      batching: false,
      logging: {
        debug: () => {},
        info: (...args: unknown[]) => logger.info(args.map(String).join(" ")),
        warn: (...args: unknown[]) => logger.warn(args.map(String).join(" ")),
        error: (...args: unknown[]) => logger.error(args.map(String).join(" ")),
      },
      context: () => {
        let snapshot: Promise<MetaSnapshot> | undefined;
        return {
          db,
          loaders: new Loaders(db, compileLimits),
          limits,
          compileLimits,
          live,
          meta: () => (snapshot ??= meta()),
          maxLagBlocks: readyMaxLag,
          cached: async <T>(key: string, compute: () => Promise<T>) =>
            aggregates.get((await (snapshot ??= meta())).block, key, compute),
        };
      },
      plugins: [useLimits(limits), useObservability(metrics)],
    });
  const yoga = makeYoga(false);
  const streamedYoga = makeYoga(maxBodyBytes);

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
    });
    res.end(JSON.stringify(body));
  };

  const handleReady = async (res: ServerResponse) => {
    let m: MetaSnapshot;
    try {
      m = await meta();
    } catch (error) {
      logger.warn("/ready: database unreachable", { error: String(error) });
      return json(res, 503, { ready: false, reason: "database unreachable" });
    }
    const body = {
      ready: m.isSynced,
      chainId: m.chainId,
      indexedBlock: m.block?.number.toString() ?? null,
      headBlock: m.headBlock?.toString() ?? null,
      lagBlocks: m.lagBlocks?.toString() ?? null,
      maxLagBlocks: readyMaxLag,
    };
    if (m.isSynced) return json(res, 200, body);
    return json(res, 503, { ...body, reason: m.notSyncedReason });
  };

  const handleMetrics = async (res: ServerResponse) => {
    try {
      const m = await meta();
      metrics.setChainProgress({
        indexed: m.block?.number ?? null,
        head: m.headBlock,
        safe: m.safeBlock,
      });
    } catch (error) {
      logger.warn("/metrics: could not read the checkpoint", {
        error: String(error),
      });
    }
    const text = await metrics.registry.metrics();
    res.writeHead(200, { "content-type": metrics.registry.contentType });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path === "/health") return json(res, 200, { status: "ok" });
    if (path === "/ready") return handleReady(res);
    if (path === "/metrics") return handleMetrics(res);
    if (path === "/graphql") {
      const declared = req.headers["content-length"];
      const length = Number(declared ?? 0);
      if (length > maxBodyBytes) {
        res.setHeader("connection", "close");
        return json(res, 413, {
          errors: [
            {
              message: `Request body above ${maxBodyBytes} bytes`,
              extensions: { code: "PAYLOAD_TOO_LARGE" },
            },
          ],
        });
      }
      if (declared !== undefined) return yoga(req, res);
      // Refused mid-stream, the rest of the body is left unread: the connection cannot be reused.
      if (req.headers["transfer-encoding"] !== undefined) res.setHeader("connection", "close");
      return streamedYoga(req, res);
    }
    return json(res, 404, {
      error: "not found",
      routes: ["/graphql", "/health", "/ready", "/metrics"],
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      logger.error("request failed", { error: String(error) });
      if (!res.headersSent) json(res, 500, { error: "internal error" });
      else res.destroy();
    });
  });

  const port = options.port ?? 4000;
  const host = options.host ?? "127.0.0.1";
  try {
    await notify?.start();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    // A busy port (or an unreachable database) must not leave the LISTEN connection and the pool holding the process.
    live.close();
    await notify?.close().catch(() => {});
    await pool.end().catch(() => {});
    throw error;
  }
  const address = server.address() as AddressInfo;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${urlHost === "0.0.0.0" ? "127.0.0.1" : urlHost}:${address.port}`;
  logger.info("GraphQL API listening", {
    url: `${url}/graphql`,
    graphiql: options.graphiql ?? false,
  });

  let closing: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    live,
    notify,
    close: () =>
      (closing ??= (async () => {
        live.close();
        await notify?.close();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Open SSE streams and keep-alive sockets would hold close() forever.
        server.closeAllConnections();
        await closed;
        await yoga.dispose();
        await streamedYoga.dispose();
        await pool.end();
      })()),
  };
}
