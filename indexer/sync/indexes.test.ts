// Deferred indexes against a real PostgreSQL database: dropped and recorded, built again identically (keys as
// constraints), refused over duplicates, and built before a migration runs.
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

  it("drops secondary indexes and append-only tables' keys, and builds the same ones again", async () => {
    const all = await indexes(c);
    const names = async () =>
      (await c.query<{ n: string }>(`SELECT indexname AS n FROM pg_indexes WHERE schemaname = current_schema()`)).rows
        .map((r) => r.n)
        .sort();
    const allNames = await names();
    const deferred = await deferIndexes(c);
    const left = await names();
    assert.ok(deferred.length >= 40, `${deferred.length} deferred`);
    assert.deepEqual(
      [...left, ...deferred.map((d) => d.name)].sort(),
      allNames,
      "every index either stays or is recorded",
    );
    for (const kept of [
      "raw_events_chainId_blockNumber_logIndex_idx",
      "jobs_pkey",
      "balances_pkey",
      "checkpoints_pkey",
    ])
      assert.ok(left.includes(kept), `${kept} stays`);
    for (const gone of ["jobs_status_createdBlock_id_idx", "raw_events_pkey", "payouts_pkey", "bids_provider_idx"])
      assert.ok(!left.includes(gone), `${gone} is deferred`);
    const pk = deferred.find((d) => d.name === "raw_events_pkey")!;
    assert.match(pk.definition, /^ALTER TABLE raw_events ADD CONSTRAINT raw_events_pkey PRIMARY KEY/);
    assert.deepEqual(await deferredIndexes(c), deferred);

    assert.equal(await rebuildIndexes(c), deferred.length);
    assert.deepEqual(await indexes(c), all);
    const { rows } = await c.query(`SELECT 1 FROM pg_constraint WHERE conname = 'raw_events_pkey' AND contype = 'p'`);
    assert.equal(rows.length, 1, "the primary key is a constraint again, not just a unique index");
    assert.deepEqual(await deferredIndexes(c), []);
    assert.equal(await rebuildIndexes(c), 0);
  });

  it("refuses to rebuild a key over duplicate rows, leaving it deferred", async () => {
    await deferIndexes(c);
    const row = `(1, '0xdup', 0, 1, '0xb', 0, '0xa', 'X', '{}', now())`;
    await c.query(`INSERT INTO raw_events VALUES ${row}, ${row}`);
    await assert.rejects(rebuildIndexes(c), /could not create unique index "raw_events_pkey"/);
    assert.ok((await deferredIndexes(c)).some((d) => d.name === "raw_events_pkey"));
    await c.query(`DELETE FROM raw_events`);
    assert.ok((await rebuildIndexes(c)) > 0);
  });

  it("builds them on several connections at once, each with its record, going on past a locked table", async () => {
    const all = await indexes(c);
    const deferred = await deferIndexes(c);
    const opened: pg.Client[] = [];
    const connect = async () => {
      const x = new pg.Client({ connectionString: db.url });
      await x.connect();
      opened.push(x);
      return x;
    };
    // The jobs table written by another transaction: one builder waits on it, the other builds every other table's.
    const locker = await connect();
    await locker.query("BEGIN");
    await locker.query("LOCK TABLE jobs IN ROW EXCLUSIVE MODE"); // as a transaction writing jobs holds it
    const build = rebuildIndexes(c, { connect, builders: 2 });
    try {
      const jobs = deferred.filter((d) => /\bON public\.jobs\b/.test(d.definition)).map((d) => d.name);
      assert.ok(jobs.length >= 5, `${jobs.length} jobs indexes`);
      const left = async () => (await deferredIndexes(locker)).map((d) => d.name);
      for (let i = 0; i < 250 && (await left()).length > jobs.length; i++) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(
        await left(),
        [...jobs].sort(),
        "all but the locked table's were built (and recorded) meanwhile",
      );
    } finally {
      await locker.query("ROLLBACK");
    }
    assert.equal(await build, deferred.length);
    assert.equal(opened.length, 2, "one connection opened besides the caller's (and the locker's)");
    assert.deepEqual(await indexes(c), all);
    assert.deepEqual(await deferredIndexes(c), []);
    await locker.end();
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
