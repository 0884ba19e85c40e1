// Applies prisma/migrations/<name>/migration.sql in order, recording each in `_prisma_migrations` exactly as
// `prisma migrate deploy` does (so a database migrated here is accepted by the real Prisma CLI where its native
// schema engine exists). The engine cannot be downloaded on the project's machines, hence this runner.
//
// Usage: DATABASE_URL=postgresql://… npm run db:migrate
import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { rebuildIndexes } from "../sync/indexes.ts";

/** Same key as Prisma's migrate lock, so this runner and the Prisma CLI exclude each other. */
export const MIGRATION_LOCK_KEY = 72707369;

export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL("../../prisma/migrations", import.meta.url));

export class MigrationError extends Error {
  override name = "MigrationError";
}

export type MigrateOptions = {
  migrationsDir?: string;
  log?: (message: string) => void;
};

export type MigrateResult = { applied: string[]; alreadyApplied: string[] };

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

type Row = {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
};

/** Migration folders (`<timestamp>_<name>` holding migration.sql), in lexical = chronological order. */
export async function listMigrations(dir: string): Promise<{ name: string; sql: Buffer; checksum: string }[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out = [];
  for (const e of entries.filter((x) => x.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const sql = await readFile(join(dir, e.name, "migration.sql"));
    out.push({ name: e.name, sql, checksum: createHash("sha256").update(sql).digest("hex") });
  }
  return out;
}

/** Applies pending migrations to the database at `connectionString` under Prisma's advisory lock. */
export async function migrate(connectionString: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const dir = options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  const log = options.log ?? (() => {});
  const migrations = await listMigrations(dir);
  const client = new pg.Client({ connectionString });
  await client.connect();
  const result: MigrateResult = { applied: [], alreadyApplied: [] };
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    await client.query(CREATE_TABLE);
    const { rows } = await client.query<Row>(
      `SELECT id, checksum, migration_name, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`,
    );
    const live = rows.filter((r) => r.rolled_back_at === null);
    const failed = live.find((r) => r.finished_at === null);
    if (failed) {
      throw new MigrationError(
        `migration ${failed.migration_name} failed earlier (see _prisma_migrations.logs); fix the database and mark it ` +
          `rolled back (UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE id = '${failed.id}') before retrying`,
      );
    }
    const pending = migrations.filter((m) => !live.some((r) => r.migration_name === m.name));
    if (pending.length > 0) {
      // A migration may change an index the sync engine dropped for a first backfill: build them first.
      const { rows: t } = await client.query<{ exists: boolean }>(
        `SELECT to_regclass('deferred_indexes') IS NOT NULL AS exists`,
      );
      if (t[0]!.exists) {
        const n = await rebuildIndexes(client);
        if (n > 0) log(`built ${n} index(es) deferred by an unfinished first backfill`);
      }
    }
    for (const m of migrations) {
      const done = live.find((r) => r.migration_name === m.name);
      if (done) {
        if (done.checksum !== m.checksum) {
          throw new MigrationError(`migration ${m.name} was modified after it was applied (checksum differs)`);
        }
        result.alreadyApplied.push(m.name);
        continue;
      }
      const id = randomUUID();
      await client.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
         VALUES ($1, $2, $3, now(), 0)`,
        [id, m.checksum, m.name],
      );
      try {
        // One transaction per migration: PostgreSQL DDL is transactional, so a failure leaves nothing half-done.
        await client.query("BEGIN");
        await client.query(m.sql.toString("utf8"));
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        const message = error instanceof Error ? error.message : String(error);
        await client.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, message]);
        throw new MigrationError(`migration ${m.name} failed: ${message}`, { cause: error });
      }
      await client.query(`UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`, [
        id,
      ]);
      log(`applied ${m.name}`);
      result.applied.push(m.name);
    }
    return result;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => {});
    await client.end().catch(() => {});
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error(
      "DATABASE_URL is not set: give the PostgreSQL connection URL, e.g. postgresql://postgres@127.0.0.1:5432/joule",
    );
    process.exit(2);
  }
  try {
    const r = await migrate(url, { log: (m) => console.log(m) });
    console.log(`${r.applied.length} migration(s) applied, ${r.alreadyApplied.length} already applied`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
