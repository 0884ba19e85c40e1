// Deferred secondary indexes against a real PostgreSQL database: dropped and recorded, built again identically,
// and built before a migration runs.
import assert from "node:assert/strict";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { DEFAULT_MIGRATIONS_DIR, migrate } from "../db/migrate.ts";
import { createTestDatabase, type TestDatabase } from "../db/testdb.ts";
import { deferIndexes, deferredIndexes, rebuildIndexes } from "./indexes.ts";

async function indexes(c: pg.Client): Promise<string[]> {
  const { rows } = await c.query<{ d: string }>(
    `SELECT indexdef AS d FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1`,
  );
  return rows.map((r) => r.d);
}

describe("deferred indexes", () => {
  let db: TestDatabase;
  let c: pg.Client;
  before(async () => {
    db = await createTestDatabase({ prefix: "joule_indexes" });
    c = new pg.Client({ connectionString: db.url });
    await c.connect();
  });
  after(async () => {
    await c?.end();
    await db?.drop();
  });

  it("drops only secondary indexes of the derived tables, and builds the same ones again", async () => {
    const all = await indexes(c);
    const deferred = await deferIndexes(c);
    const left = await indexes(c);
    assert.ok(deferred.length >= 30, `${deferred.length} deferred`);
    assert.deepEqual(
      [...left, ...deferred.map((d) => d.definition)].sort(),
      all,
      "every index either stays or is recorded with its definition",
    );
    assert.ok(
      left.some((d) => /raw_events_chainId_blockNumber_logIndex_idx/.test(d)),
      "raw_events keeps its index",
    );
    assert.ok(left.some((d) => /jobs_pkey/.test(d)) && left.some((d) => /bids_pkey/.test(d)), "keys stay");
    assert.ok(!left.some((d) => /jobs_status_createdBlock_id_idx/.test(d)), "a jobs index is gone");
    assert.deepEqual(await deferredIndexes(c), deferred);

    assert.equal(await rebuildIndexes(c), deferred.length);
    assert.deepEqual(await indexes(c), all);
    assert.deepEqual(await deferredIndexes(c), []);
    assert.equal(await rebuildIndexes(c), 0);
  });

  it("builds them before applying a migration", async () => {
    const all = await indexes(c);
    await deferIndexes(c);
    // The project's migrations plus one more, as after an upgrade.
    const dir = await mkdtemp(join(tmpdir(), "joule-migrations-"));
    try {
      await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
      await mkdir(join(dir, "29991231000000_later"));
      await writeFile(join(dir, "29991231000000_later", "migration.sql"), `CREATE TABLE later (id INTEGER);`);
      const messages: string[] = [];
      const r = await migrate(db.url, { migrationsDir: dir, log: (m) => messages.push(m) });
      assert.deepEqual(r.applied, ["29991231000000_later"]);
      assert.ok(r.alreadyApplied.length >= 8, "the project's migrations were already applied");
      assert.ok(messages.some((m) => /built \d+ index\(es\) deferred/.test(m)));
      assert.deepEqual(await indexes(c), all);
      assert.deepEqual(await deferredIndexes(c), []);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});
