// Entity rows as the last committed batches left them, kept between batches so a batch that touches them again
// (a job's bids, award, proofs and settlement come in later batches than its creation) need not read them back.
// Reading 72k job rows back cost a 100k-job backfill ~2.5 s of the main thread's time (queries waited behind the
// writer's, then ~30 columns parsed per row). Bounded: least recently used rows go first. Rows are only added once
// their batch has committed, and the whole cache is dropped on rollback; this process is the only writer, so a
// cached row is the database's row.
import type { BatchState } from "./state.ts";
import type { EntityName, Row } from "./tables.ts";

/** Default ENTITY_CACHE_ROWS. */
export const DEFAULT_CACHE_ROWS = 100_000;

export class RowCache {
  private readonly rows = new Map<string, Row>();
  /** Most rows kept (0: none). */
  readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  get size(): number {
    return this.rows.size;
  }

  /** The cached row, or undefined when not cached (read the database). Not to be changed: batches take copies. */
  get(name: EntityName, key: string): Row | undefined {
    const k = `${name}|${key}`;
    const row = this.rows.get(k);
    if (row === undefined) return undefined;
    this.rows.delete(k); // most recently used last
    this.rows.set(k, row);
    return row;
  }

  /** Keeps every entity row of a committed batch's state (no longer changed: batches take copies). */
  remember(state: BatchState): void {
    if (this.limit === 0) return;
    for (const name of Object.keys(state.entities) as EntityName[]) {
      for (const [key, row] of state.entities[name]) {
        const k = `${name}|${key}`;
        this.rows.delete(k);
        this.rows.set(k, row);
      }
    }
    for (const k of this.rows.keys()) {
      if (this.rows.size <= this.limit) break;
      this.rows.delete(k);
    }
  }

  clear(): void {
    this.rows.clear();
  }
}
