// In-memory state of one batch: entity rows loaded from the database (and created by the batch), accumulator
// deltas and appended history rows. Handlers change it; the store writes it in one transaction.
import {
  ACCUMULATOR_TABLES,
  ENTITY_TABLES,
  HISTORY_TABLES,
  keyOf,
  type AccumulatorName,
  type EntityName,
  type HistoryName,
  type Row,
} from "./tables.ts";

export class BatchState {
  readonly entities = {} as Record<EntityName, Map<string, Row>>;
  readonly dirty = {} as Record<EntityName, Set<string>>;
  /** Rows read from the database (the others are new in this batch), as read: the handlers change copies. */
  readonly loaded = {} as Record<EntityName, Map<string, Row>>;
  readonly deltas = {} as Record<AccumulatorName, Map<string, Row>>;
  readonly history = {} as Record<HistoryName, Row[]>;
  readonly warnings: string[] = [];

  constructor() {
    for (const name of Object.keys(ENTITY_TABLES) as EntityName[]) {
      this.entities[name] = new Map();
      this.dirty[name] = new Set();
      this.loaded[name] = new Map();
    }
    for (const name of Object.keys(ACCUMULATOR_TABLES) as AccumulatorName[]) this.deltas[name] = new Map();
    for (const name of Object.keys(HISTORY_TABLES) as HistoryName[]) this.history[name] = [];
  }

  /**
   * Adds rows loaded from the database (not dirty): `stored`, the row as the database holds it (or will, once the
   * batch in flight commits), which nothing changes, and `row`, the copy the handlers work on.
   */
  load(name: EntityName, rows: { stored: Row; row: Row }[]): void {
    const spec = ENTITY_TABLES[name];
    for (const { stored, row } of rows) {
      const key = keyOf(spec, row);
      this.entities[name].set(key, row);
      this.loaded[name].set(key, stored);
    }
  }

  get(name: EntityName, key: string): Row | undefined {
    return this.entities[name].get(key);
  }

  /** Returns the row for `keyValues`, creating it from the table's blank row when absent. */
  getOrCreate(name: EntityName, keyValues: Row): Row {
    const spec = ENTITY_TABLES[name];
    const key = keyOf(spec, keyValues);
    let row = this.entities[name].get(key);
    if (!row) {
      if (!("blank" in spec)) throw new Error(`${spec.table} rows cannot be created blank`);
      row = { ...spec.blank(), ...keyValues };
      this.entities[name].set(key, row);
    }
    this.dirty[name].add(key);
    return row;
  }

  /** Inserts or replaces a whole row. */
  put(name: EntityName, row: Row): Row {
    const key = keyOf(ENTITY_TABLES[name], row);
    this.entities[name].set(key, row);
    this.dirty[name].add(key);
    return row;
  }

  /** Marks a row obtained with get() as changed. */
  touch(name: EntityName, row: Row): void {
    this.dirty[name].add(keyOf(ENTITY_TABLES[name], row));
  }

  /** Adds `add` to an accumulator row's sums and sets `set` columns. */
  accumulate(name: AccumulatorName, keyValues: Row, add: Record<string, bigint | number>, set: Row = {}): void {
    const spec = ACCUMULATOR_TABLES[name];
    const key = keyOf(spec, keyValues);
    let row = this.deltas[name].get(key);
    if (!row) {
      row = { ...spec.blank(), ...keyValues };
      this.deltas[name].set(key, row);
    }
    for (const c in add) {
      const v = add[c]!;
      row[c] = typeof v === "bigint" ? (row[c] as bigint) + v : (row[c] as number) + v;
    }
    for (const c in set) row[c] = set[c];
  }

  append(name: HistoryName, row: Row): void {
    this.history[name].push(row);
  }

  dirtyRows(name: EntityName): Row[] {
    const rows = this.entities[name];
    return [...this.dirty[name]].map((k) => rows.get(k)!);
  }

  /** Changed rows split into those read from the database (with the row as read) and those the batch created. */
  dirtyRowsByOrigin(name: EntityName): { existing: { stored: Row; row: Row }[]; created: Row[] } {
    const rows = this.entities[name];
    const loaded = this.loaded[name];
    const existing: { stored: Row; row: Row }[] = [];
    const created: Row[] = [];
    for (const k of this.dirty[name]) {
      const stored = loaded.get(k);
      if (stored) existing.push({ stored, row: rows.get(k)! });
      else created.push(rows.get(k)!);
    }
    return { existing, created };
  }

  isEmpty(): boolean {
    return (
      (Object.keys(this.dirty) as EntityName[]).every((n) => this.dirty[n].size === 0) &&
      (Object.keys(this.deltas) as AccumulatorName[]).every((n) => this.deltas[n].size === 0) &&
      (Object.keys(this.history) as HistoryName[]).every((n) => this.history[n].length === 0)
    );
  }
}
