// Bulk rows into PostgreSQL through COPY, which parses several times faster than json_populate_recordset (that
// dominated a backfill's database time). Rows that cannot collide are copied straight into their table; rows that
// need ON CONFLICT (upserts, or appends that may repeat) or an UPDATE of some columns are copied into a
// session-private staging table with the target's columns (emptied before every commit) and written by one
// INSERT … SELECT … ON CONFLICT or UPDATE … FROM.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { argsCopyJson, type Args } from "./args-json.ts";
import { q } from "./tables.ts";

/** Name of the staging table of `table` (a temporary table: it lives in this connection's own schema). */
export const stageOf = (table: string) => `stage_${table}`;

/** COPY text escapes: backslash, and the characters that delimit columns and rows. NUL cannot be stored at all. */
function escapeText(s: string): string {
  return /[\\\t\n\r\0]/.test(s)
    ? s.replace(/[\\\t\n\r\0]/g, (c) =>
        c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : c === "\r" ? "\\r" : "\ufffd",
      )
    : s;
}

/** A PostgreSQL array literal of text elements: {"a","b"}. */
function arrayLiteral(items: unknown[]): string {
  return `{${items
    .map((x) => (x === null || x === undefined ? "NULL" : `"${String(x).replace(/["\\]/g, (c) => `\\${c}`)}"`))
    .join(",")}}`;
}

/** One value in COPY text format. Objects are JSON (jsonb columns); a missing value is NULL. */
export function copyValue(v: unknown): string {
  switch (typeof v) {
    case "undefined":
      return "\\N";
    case "bigint":
    case "number":
      return String(v);
    case "boolean":
      return v ? "t" : "f";
    case "string":
      return escapeText(v);
    default:
      if (v === null) return "\\N";
      if (Array.isArray(v)) return escapeText(arrayLiteral(v));
      if (v instanceof Date) return v.toISOString();
      return argsCopyJson(v as Args);
  }
}

/**
 * Memory for COPY texts, used again once the writer thread hands it back after its COPY (writer.ts). A backfill
 * writes ~2.5 MB of COPY text a batch; in fresh ArrayBuffers (doubled as each text grew) that was ~6 MB of memory
 * outside V8's heap per batch, and V8 answers that much of it by marking the whole heap, the entity cache included.
 * In a 187k-event backfill 9 of the two threads' 18–20 full marks were started so (5 on the main thread, 4 on the
 * writer's), and marking took V8's helper threads 2.7–3.1 s of CPU, on the cores PostgreSQL uses; with the memory
 * kept, 4 of 13–14 (the main thread's, for its sockets' reads) and 1.8–3.0 s.
 */
export class BufferPool {
  private readonly free: ArrayBuffer[] = [];
  private held = 0;
  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** A buffer of at least `bytes`: the smallest free one that is big enough, else a new one. */
  take(bytes: number): ArrayBuffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const n = this.free[i]!.byteLength;
      if (n >= bytes && (best < 0 || n < this.free[best]!.byteLength)) best = i;
    }
    if (best < 0) return Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer; // not from the shared pool: transferable
    const [buffer] = this.free.splice(best, 1);
    this.held -= buffer!.byteLength;
    return buffer!;
  }

  /** Buffers no longer in use (detached ones, of size 0, are ignored); kept up to `maxBytes` in all. */
  give(buffers: ArrayBuffer[]): void {
    for (const b of buffers) {
      if (b.byteLength === 0 || this.held + b.byteLength > this.maxBytes) continue;
      this.free.push(b);
      this.held += b.byteLength;
    }
  }
}

/** The main thread's COPY memory (two batches' worth: the one being written and the one being prepared). */
export const copyBuffers = new BufferPool(32 * 1024 * 1024);

/**
 * COPY text written as UTF-8 bytes, into memory that can be handed to the writer thread as it is. Lines are
 * gathered into pieces of ~16k characters before being encoded (one write per line was ~250 ms of a 187k-event
 * backfill in the encoder's per-call work). Concatenating a whole batch's lines into one string instead kept
 * millions of string pieces alive until it was flattened and encoded (~1 s and much of the garbage collector's
 * work per backfill).
 */
export class CopyBuffer {
  private buf: Buffer;
  private used = 0;
  private pending = "";
  private readonly pool: BufferPool;

  constructor(initialBytes = 64 * 1024, pool = copyBuffers) {
    this.pool = pool;
    this.buf = Buffer.from(pool.take(initialBytes));
  }

  /** Appends COPY text (already escaped). */
  push(text: string): void {
    this.pending += text;
    if (this.pending.length >= 16_384) this.encode();
  }

  private encode(): void {
    const text = this.pending;
    this.pending = "";
    const most = text.length * 3; // UTF-8 bytes per UTF-16 unit, at most
    if (this.used + most > this.buf.length) {
      const bigger = Buffer.from(this.pool.take(Math.max(this.buf.length * 2, this.used + most)));
      this.buf.copy(bigger, 0, 0, this.used);
      this.pool.give([this.buf.buffer as ArrayBuffer]);
      this.buf = bigger;
    }
    this.used += this.buf.write(text, this.used);
  }

  /** Bytes written so far. */
  get length(): number {
    if (this.pending.length > 0) this.encode();
    return this.used;
  }

  /** The bytes written so far (a view of this buffer's memory, to give back to the pool once used). */
  bytes(): Uint8Array {
    if (this.pending.length > 0) this.encode();
    return new Uint8Array(this.buf.buffer, 0, this.used);
  }
}

type LineWriter = (row: Record<string, unknown>) => string;
const LINE_WRITERS = new Map<string, LineWriter>();

/**
 * The COPY text line of a row for `columns`: a function made once per column list that reads each column by its
 * literal name, so V8 loads them as named properties of the rows' common shape. Reading them through a loop over
 * the names made each a generic keyed lookup: 100k job rows of 50 columns, 5M of them. Names are embedded as JSON
 * string literals, which no name can break out of.
 */
export function lineWriter(columns: string[]): LineWriter {
  const key = columns.join("\u0000");
  let write = LINE_WRITERS.get(key);
  if (write === undefined) {
    const body = columns.map((c) => `v(r[${JSON.stringify(c)}])`).join(' + "\\t" + ');
    write = new Function("v", `return (r) => ${body || '""'} + "\\n";`)(copyValue) as LineWriter;
    if (LINE_WRITERS.size < 1_000) LINE_WRITERS.set(key, write); // bounded: the column lists are few
  }
  return write;
}

/** Rows (objects keyed by column name) as COPY text lines, in `columns` order. */
export function copyText(rows: Record<string, unknown>[], columns: string[]): Uint8Array {
  const out = new CopyBuffer();
  const line = lineWriter(columns);
  for (const r of rows) out.push(line(r));
  return out.bytes();
}

/**
 * Creates the staging tables of `tables` for this connection (temporary: they vanish with it). Not ON COMMIT DELETE
 * ROWS: PostgreSQL then truncates every such table at each commit of a transaction that touched any temporary
 * table — all 22 of them, ~22 ms a batch (~1.7 s of a 79-batch backfill) — where `emptyStages` truncates the few a
 * batch used.
 */
export async function createStages(db: pg.Client, tables: string[]): Promise<void> {
  for (const t of tables) {
    // The table's columns and types without its NOT NULL constraints (LIKE would copy them): an UPDATE stages only
    // the key and the columns it sets. The target's own constraints still check every row written to it.
    await db.query(
      `CREATE TEMP TABLE IF NOT EXISTS ${q(stageOf(t))} ON COMMIT PRESERVE ROWS AS SELECT * FROM ${q(t)} WITH NO DATA`,
    );
  }
}

/** Empties the staging tables used in this transaction (`stage`'s set), to run just before its COMMIT. */
export async function emptyStages(db: pg.Client, usedInTransaction: Set<string>): Promise<void> {
  if (usedInTransaction.size === 0) return;
  await db.query(`TRUNCATE ${[...usedInTransaction].map((t) => q(stageOf(t))).join(", ")}`);
  usedInTransaction.clear();
}

/** Streams `text` (UTF-8 COPY text lines for `columns`, as copyText makes them) into `relation` (a quoted name). */
export function copyInto(db: pg.Client, relation: string, columns: string[], text: Uint8Array): Promise<void> {
  const stream = db.query(copyFrom(`COPY ${relation} (${columns.map(q).join(", ")}) FROM STDIN`));
  return pipeline(Readable.from([Buffer.from(text.buffer, text.byteOffset, text.byteLength)]), stream);
}

/**
 * The COPY of `text` into the staging table of `table`, emptying it first when it was already used in this
 * transaction, as a statement to start later (`start`), and the staging table's quoted name for the INSERT … SELECT.
 */
export function stage(
  db: pg.Client,
  table: string,
  columns: string[],
  text: Uint8Array,
  usedInTransaction: Set<string>,
): { name: string; start: () => Promise<unknown> } {
  const name = q(stageOf(table));
  const used = usedInTransaction.has(table);
  usedInTransaction.add(table);
  const copy = () => copyInto(db, name, columns, text);
  return { name, start: used ? () => db.query(`DELETE FROM ${name}`).then(copy) : copy };
}
