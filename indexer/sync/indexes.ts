// Deferred indexes. A database's first backfill writes every row once; keeping a table's indexes up to date row by
// row then costs PostgreSQL more than building them once at the end (sorted, in bulk): 100k jobs went in at
// 16.8 µs a row with their seven secondary indexes, 7.4 µs without, and the seven built afterwards in 0.47 s;
// 187k raw events at 10.9 µs a row with their primary key, 5.5 µs without. So they are dropped before that
// backfill, their definitions kept in `deferred_indexes` (same transaction), and built again as soon as the backfill
// has reached the safe block, before the engine follows the head (the API reads the data without them meanwhile,
// as it does during the backfill).
//
// Dropped: the secondary indexes of the derived tables, and the primary keys of the append-only ones (raw events
// and history rows, written by plain COPY in a backfill: nothing is upserted on them). What keeps those rows
// unique meanwhile is the engine's own check (a batch's blocks hold no rows before it, or its events are matched
// key by key), and rebuilding the key at the end would fail, loudly, on a duplicate. Kept: the primary keys of the
// entity and accumulator tables (upserts need them) and raw_events' block index (every batch's check reads it).
import { availableParallelism } from "node:os";
import type pg from "pg";
import { ENTITY_TABLES, HISTORY_TABLES, type TableSpec } from "./tables.ts";

/** Tables whose secondary indexes a first backfill defers: every derived table the batches write. */
export const DEFERRABLE_TABLES: string[] = [...Object.values(ENTITY_TABLES), ...Object.values(HISTORY_TABLES)].map(
  (spec: TableSpec) => spec.table,
);

/** Tables whose primary key a first backfill defers too: rows appended once, never upserted there. */
export const APPEND_ONLY_TABLES: string[] = ["raw_events", ...Object.values(HISTORY_TABLES).map((s) => s.table)];

export type DeferredIndex = { name: string; definition: string };

/** Indexes currently deferred (normally none). */
export async function deferredIndexes(db: pg.Client): Promise<DeferredIndex[]> {
  const { rows } = await db.query<DeferredIndex>(`SELECT name, definition FROM deferred_indexes ORDER BY name`);
  return rows;
}

/**
 * Drops the secondary indexes of `tables` and the primary keys of `appendOnly`, recording how to rebuild them;
 * returns them. One transaction.
 */
export async function deferIndexes(
  db: pg.Client,
  tables: string[] = DEFERRABLE_TABLES,
  appendOnly: string[] = APPEND_ONLY_TABLES,
): Promise<DeferredIndex[]> {
  await db.query("BEGIN");
  try {
    const { rows } = await db.query<DeferredIndex & { tableName: string; drop: string }>(
      `SELECT i.relname AS name, t.relname AS "tableName", pg_get_indexdef(x.indexrelid) AS definition,
              'DROP INDEX ' || quote_ident(i.relname) AS drop
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
       WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY($1)
         AND NOT x.indisunique AND NOT x.indisprimary AND NOT x.indisexclusion
       UNION ALL
       SELECT c.conname, t.relname,
              'ALTER TABLE ' || quote_ident(t.relname) || ' ADD CONSTRAINT ' || quote_ident(c.conname) || ' ' ||
                pg_get_constraintdef(c.oid),
              'ALTER TABLE ' || quote_ident(t.relname) || ' DROP CONSTRAINT ' || quote_ident(c.conname)
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
       WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY($2) AND c.contype = 'p'
       ORDER BY 1`,
      [tables, appendOnly],
    );
    for (const r of rows) {
      await db.query(`INSERT INTO deferred_indexes (name, "tableName", definition) VALUES ($1, $2, $3)`, [
        r.name,
        r.tableName,
        r.definition,
      ]);
      await db.query(r.drop);
    }
    await db.query("COMMIT");
    return rows.map(({ name, definition }) => ({ name, definition }));
  } catch (error) {
    await db.query("ROLLBACK").catch(() => {});
    throw error;
  }
}

/** A deferred index to build, and what its build locks: a key (ALTER TABLE) takes its table exclusively. */
type Build = DeferredIndex & { tableName: string; exclusive: boolean };

/**
 * Builds every deferred index now; returns how many. Each is built in its own transaction with the removal of its
 * record, so an interrupted build resumes with those left. With `connect`, up to `builders` (default: the CPU
 * count) build at once, on the connections it opens besides `db`: a build is one backend's sort, and the 49 of a
 * 187k-event backfill took 1.9 s on one of this machine's two cores with the other idle. Largest tables first, so
 * the longest builds do not start last; a builder takes another table than those being built where it can (a key
 * locks its table: a build there would wait).
 * After a failure the others finish the build they are on and take no more; the first failure is thrown.
 */
export async function rebuildIndexes(
  db: pg.Client,
  options: { connect?: () => Promise<pg.Client>; builders?: number } = {},
): Promise<number> {
  const { rows } = await db.query<Build>(
    `SELECT d.name, d."tableName", d.definition, d.definition LIKE 'ALTER TABLE %' AS exclusive
     FROM deferred_indexes d LEFT JOIN pg_class c ON c.oid = to_regclass(quote_ident(d."tableName"))
     ORDER BY pg_relation_size(c.oid) DESC NULLS LAST, d.name`,
  );
  if (rows.length === 0) return 0;
  const queue = [...rows];
  const running = new Set<Build>();
  // Another table than those being built, else a build their locks let through, else the next (it waits).
  const pick = () => {
    const busy = [...running];
    const i = queue.findIndex((b) => !busy.some((r) => r.tableName === b.tableName));
    if (i >= 0) return i;
    const j = queue.findIndex((b) => !busy.some((r) => r.tableName === b.tableName && (r.exclusive || b.exclusive)));
    return j >= 0 ? j : 0;
  };
  let failure: { error: unknown } | undefined;
  let built = 0;
  let alone = true;
  const builder = async (c: pg.Client) => {
    while (queue.length > 0 && !failure) {
      const [b] = queue.splice(pick(), 1);
      running.add(b!);
      try {
        await buildOne(c, b!, alone);
        built++;
      } catch (error) {
        failure ??= { error };
      } finally {
        running.delete(b!);
      }
    }
  };
  const extra: pg.Client[] = [];
  try {
    const wanted = Math.min(options.builders ?? availableParallelism(), rows.length);
    if (options.connect) for (let i = 1; i < wanted; i++) extra.push(await options.connect());
    alone = extra.length === 0;
    await Promise.all([db, ...extra].map(builder));
  } finally {
    await Promise.all(extra.map((c) => c.end().catch(() => {})));
  }
  if (failure) throw failure.error;
  return built;
}

/**
 * `alone`: no other builder runs. Otherwise a build gets no parallel workers of its own: the builders already keep
 * the cores busy, and the workers only competed with them (the 47 of a 187k-event backfill with two builders on
 * this two-core machine: 1.12–1.52 s with PostgreSQL's default of 2 per build, 0.97–1.13 s with none).
 */
async function buildOne(db: pg.Client, b: Build, alone: boolean): Promise<void> {
  await db.query("BEGIN");
  try {
    // A commit lost in a crash loses the index with its record's removal: it is built again at the next start.
    await db.query("SET LOCAL synchronous_commit TO off");
    if (!alone) await db.query("SET LOCAL max_parallel_maintenance_workers TO 0");
    await db.query(b.definition);
    await db.query(`DELETE FROM deferred_indexes WHERE name = $1`, [b.name]);
    await db.query("COMMIT");
  } catch (error) {
    await db.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
