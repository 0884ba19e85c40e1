// Deferred secondary indexes. A database's first backfill writes every row once; keeping a table's secondary
// indexes up to date row by row then costs PostgreSQL more than building them once at the end (sorted, in bulk):
// 100k jobs went in at 16.8 µs a row with their seven secondary indexes, 7.4 µs without, and the seven built
// afterwards in 0.47 s. So they are dropped before that backfill, their definitions kept in `deferred_indexes`
// (same transaction), and built again in the transaction of the backfill's last batch, so a checkpoint at the
// safe block always comes with every index. Unique and primary keys are never dropped (they keep the data exact),
// nor raw_events' block index (each batch's duplicate check reads it).
import type pg from "pg";
import { ENTITY_TABLES, HISTORY_TABLES, q, type TableSpec } from "./tables.ts";
import type { Step } from "./writer.ts";

/** Tables whose secondary indexes a first backfill defers: every derived table the batches write. */
export const DEFERRABLE_TABLES: string[] = [...Object.values(ENTITY_TABLES), ...Object.values(HISTORY_TABLES)].map(
  (spec: TableSpec) => spec.table,
);

export type DeferredIndex = { name: string; definition: string };

/** Indexes currently deferred (normally none). */
export async function deferredIndexes(db: pg.Client): Promise<DeferredIndex[]> {
  const { rows } = await db.query<DeferredIndex>(`SELECT name, definition FROM deferred_indexes ORDER BY name`);
  return rows;
}

/** Drops the secondary indexes of `tables`, recording how to rebuild them; returns them. One transaction. */
export async function deferIndexes(db: pg.Client, tables: string[] = DEFERRABLE_TABLES): Promise<DeferredIndex[]> {
  await db.query("BEGIN");
  try {
    const { rows } = await db.query<DeferredIndex & { tableName: string }>(
      `SELECT i.relname AS name, t.relname AS "tableName", pg_get_indexdef(x.indexrelid) AS definition
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
       WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY($1)
         AND NOT x.indisunique AND NOT x.indisprimary AND NOT x.indisexclusion
       ORDER BY i.relname`,
      [tables],
    );
    for (const r of rows) {
      await db.query(`INSERT INTO deferred_indexes (name, "tableName", definition) VALUES ($1, $2, $3)`, [
        r.name,
        r.tableName,
        r.definition,
      ]);
      await db.query(`DROP INDEX ${q(r.name)}`);
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
