import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.ts";
import { DEFAULT_MIGRATIONS_DIR, listMigrations, migrate, MigrationError } from "./migrate.ts";
import { createTestDatabase, type TestDatabase } from "./testdb.ts";

const UINT256_MAX = 2n ** 256n - 1n;

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

describe("migrate", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase({ prefix: "joule_migrate", migrate: false });
  });
  after(async () => {
    await db.drop();
  });

  it("applies every migration once and records it as Prisma does", async () => {
    const files = await listMigrations(DEFAULT_MIGRATIONS_DIR);
    assert.ok(files.length >= 1);
    const first = await migrate(db.url);
    assert.deepEqual(
      first.applied,
      files.map((f) => f.name),
    );
    const second = await migrate(db.url);
    assert.deepEqual(second.applied, []);
    assert.deepEqual(
      second.alreadyApplied,
      files.map((f) => f.name),
    );

    const rows = await query<{
      id: string;
      checksum: string;
      migration_name: string;
      finished_at: Date | null;
      applied_steps_count: number;
      logs: string | null;
      rolled_back_at: Date | null;
    }>(db.url, `SELECT * FROM "_prisma_migrations" ORDER BY started_at`);
    assert.equal(rows.length, files.length);
    for (const [i, row] of rows.entries()) {
      const sql = await readFile(join(DEFAULT_MIGRATIONS_DIR, files[i]!.name, "migration.sql"));
      assert.equal(row.checksum, createHash("sha256").update(sql).digest("hex"));
      assert.equal(row.migration_name, files[i]!.name);
      assert.match(row.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.ok(row.finished_at instanceof Date);
      assert.equal(row.applied_steps_count, 1);
      assert.equal(row.logs, null);
      assert.equal(row.rolled_back_at, null);
    }
  });

  it("round-trips uint256 values and relations through the generated Prisma client", async () => {
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: db.url }) });
    try {
      const at = new Date("2026-01-02T03:04:05.000Z");
      await prisma.job.create({
        data: {
          id: UINT256_MAX.toString(),
          tenant: "0x01",
          payer: "0x02",
          feeBps: 250,
          verificationWindow: 4_294_967_295n,
          token: "0x03",
          verifier: "0x04",
          specHash: "0x05",
          maxUnits: (2n ** 64n - 1n).toString(),
          maxPricePerUnit: UINT256_MAX.toString(),
          collateral: "0",
          biddingEnd: 2n ** 40n - 1n,
          deliveryWindow: 600n,
          milestones: 1,
          minGpuClass: 0,
          minGpuCount: 0,
          minVramGb: 0n,
          maxCarbonIntensity: 0n,
          funded: UINT256_MAX.toString(),
          status: "OPEN",
          escrow: UINT256_MAX.toString(),
          createdAt: at,
          createdBlock: 1n,
          createdTx: "0xaa",
          updatedAt: at,
          updatedBlock: 1n,
        },
      });
      await prisma.bid.create({
        data: {
          id: "0xaa-0",
          jobId: UINT256_MAX.toString(),
          provider: "0x06",
          pricePerUnit: "1",
          kind: "ONCHAIN",
          blockNumber: 1n,
          logIndex: 2n ** 32n - 1n,
          txHash: "0xaa",
          timestamp: at,
        },
      });
      const job = await prisma.job.findUniqueOrThrow({
        where: { id: UINT256_MAX.toString() },
        include: { bids: true },
      });
      assert.equal(job.funded.toFixed(), UINT256_MAX.toString());
      assert.equal(job.maxUnits.toFixed(), (2n ** 64n - 1n).toString());
      assert.equal(job.biddingEnd, 2n ** 40n - 1n);
      assert.equal(job.bids.length, 1);
      assert.equal(job.bids[0]!.logIndex, 2n ** 32n - 1n);
      assert.equal(job.createdAt.toISOString(), at.toISOString());
    } finally {
      await prisma.$disconnect();
    }
  });

  it("refuses a migration modified after it was applied", async () => {
    const dir = await mkdtemp(join(tmpdir(), "joule-mig-"));
    try {
      await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
      const [first] = await listMigrations(dir);
      await writeFile(join(dir, first!.name, "migration.sql"), `${first!.sql.toString()}\n-- edited\n`);
      await assert.rejects(
        migrate(db.url, { migrationsDir: dir }),
        (e) => e instanceof MigrationError && /modified/.test(e.message),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("records a failed migration with its error, leaves no partial DDL, and blocks later runs", async () => {
    const scratch = await createTestDatabase({ prefix: "joule_migfail", migrate: false });
    const dir = await mkdtemp(join(tmpdir(), "joule-mig-"));
    try {
      await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
      await cp(join(DEFAULT_MIGRATIONS_DIR, "migration_lock.toml"), join(dir, "migration_lock.toml"));
      const broken = join(dir, "99990101000000_broken");
      await cp(join(DEFAULT_MIGRATIONS_DIR, (await listMigrations(DEFAULT_MIGRATIONS_DIR))[0]!.name), broken, {
        recursive: true,
      });
      await writeFile(join(broken, "migration.sql"), `CREATE TABLE "half_done" (x int);\nSELECT no_such_function();\n`);
      await assert.rejects(migrate(scratch.url, { migrationsDir: dir }), /99990101000000_broken failed/);
      const rows = await query<{
        migration_name: string;
        finished_at: Date | null;
        logs: string | null;
        applied_steps_count: number;
      }>(
        scratch.url,
        `SELECT migration_name, finished_at, logs, applied_steps_count FROM "_prisma_migrations" WHERE migration_name = '99990101000000_broken'`,
      );
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.finished_at, null);
      assert.equal(rows[0]!.applied_steps_count, 0);
      assert.match(rows[0]!.logs ?? "", /no_such_function/);
      const tables = await query<{ n: string }>(
        scratch.url,
        `SELECT count(*)::text AS n FROM pg_tables WHERE tablename = 'half_done'`,
      );
      assert.equal(tables[0]!.n, "0");
      await assert.rejects(migrate(scratch.url, { migrationsDir: dir }), /failed earlier/);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await scratch.drop();
    }
  });

  it("lets concurrent runners apply each migration exactly once (advisory lock)", async () => {
    const scratch = await createTestDatabase({ prefix: "joule_migrace", migrate: false });
    try {
      const results = await Promise.all([migrate(scratch.url), migrate(scratch.url), migrate(scratch.url)]);
      const applied = results.flatMap((r) => r.applied);
      const files = await listMigrations(DEFAULT_MIGRATIONS_DIR);
      assert.deepEqual(applied.sort(), files.map((f) => f.name).sort());
      const rows = await query<{ n: string }>(scratch.url, `SELECT count(*)::text AS n FROM "_prisma_migrations"`);
      assert.equal(rows[0]!.n, String(files.length));
    } finally {
      await scratch.drop();
    }
  });
});
