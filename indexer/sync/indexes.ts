// Deferred indexes. A database's first backfill writes every row once; keeping a table's indexes up to date row by
// row then costs PostgreSQL more than building them once at the end (sorted, in bulk): 100k jobs went in at
// 16.8 µs a row with their seven secondary indexes, 7.4 µs without, and the seven built afterwards in 0.47 s;
// 187k raw events at 10.9 µs a row with their primary key, 5.5 µs without. So they are dropped before that
// backfill, their definitions kept in `deferred_indexes` (same transaction), and built again in the transaction of
// the backfill's last batch, so a checkpoint at the safe block always comes with every index.
//
// Dropped: the secondary indexes of the derived tables, and the primary keys of the append-only ones (raw events
// and history rows, written by plain COPY in a backfill: nothing is upserted on them). What keeps those rows
// unique meanwhile is the engine's own check (a batch's blocks hold no rows before it, or its events are matched
// key by key), and rebuilding the key at the end would fail, loudly, on a duplicate. Kept: the primary keys of the
// entity and accumulator tables (upserts need them) and raw_events' block index (every batch's check reads it).
import type pg from "pg";
import { ENTITY_TABLES, HISTORY_TABLES, type TableSpec } from "./tables.ts";
import type { Step } from "./writer.ts";

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

/** The statements that build `deferred` and forget them (to run in one transaction). */
export function rebuildSteps(deferred: DeferredIndex[]): Extract<Step, { sql: string }>[] {
  if (deferred.length === 0) return [];
  return [
    ...deferred.map((d) => ({ sql: d.definition })),
    { sql: `DELETE FROM deferred_indexes WHERE name = ANY($1)`, params: [deferred.map((d) => d.name)] },
  ];
}

/** Builds every deferred index now, in one transaction (the sync engine outside a backfill, or a migration). */
export async function rebuildIndexes(db: pg.Client): Promise<number> {
  const deferred = await deferredIndexes(db);
  if (deferred.length === 0) return 0;
  await db.query("BEGIN");
  try {
    for (const s of rebuildSteps(deferred)) await db.query(s.sql, s.params);
    await db.query("COMMIT");
    return deferred.length;
  } catch (error) {
    await db.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
