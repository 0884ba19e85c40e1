// PostgreSQL side of the sync engine: the single writer (an advisory lock, held by this module's connection, which
// also does a batch's reads), one transaction per batch (events + derived rows + checkpoint) run by the writer
// thread on its own connection (writer.ts), the undo journal and reorg rollback.
//
// All bulk writes are set-based: each table's rows of a batch are streamed with COPY into a staging table
// (copy.ts) and written by one INSERT … SELECT, so PostgreSQL converts the values with the table's own types.
// Small key sets (state to load, journal keys) and row sets of at most JSON_ROWS travel as JSON arrays
// (`json_populate_recordset`).
import pg from "pg";
import { DEFAULT_CACHE_ROWS, RowCache } from "./cache.ts";
import { CopyBuffer, copyText, copyValue, stageOf } from "./copy.ts";
import { eventArgsCopyJson, type DecodedLog } from "./decode.ts";
import { IndexerError, StateError } from "./errors.ts";
import { applyEvents, firstKeys, secondKeys, type HandlerContext } from "./handlers.ts";
import { deferIndexes, deferredIndexes, rebuildIndexes, type DeferredIndex } from "./indexes.ts";
import { pgTypes } from "./pgtypes.ts";
import { BatchState } from "./state.ts";
import { BatchWriter, type Step } from "./writer.ts";
import {
  ACCUMULATOR_TABLES,
  ENTITY_TABLES,
  HISTORY_SPECS,
  HISTORY_TABLES,
  keyOf,
  q,
  STATE_SPECS,
  type AccumulatorName,
  type EntityName,
  type HistoryName,
  type Row,
  type TableSpec,
} from "./tables.ts";
import type { BlockHeader } from "./rpc.ts";

/** Advisory lock key of the single writer: (class, chainId). "JOUL" as a 32-bit integer. */
export const WRITER_LOCK_CLASS = 0x4a4f554c;

export type Checkpoint = { number: bigint; hash: string };

export type Batch = {
  from: bigint;
  to: bigint;
  /** Header of `to` (its hash becomes the checkpoint). */
  toHeader: BlockHeader;
  /** Headers to keep for reorg detection (follow mode: every block of the batch; backfill: `to`). */
  headers: BlockHeader[];
  events: DecodedLog[];
  /** Logs fetched for newly discovered contracts from older blocks: always applied (idempotent setters). */
  discovered: DecodedLog[];
  timestamps: Map<bigint, bigint>;
  /** Journal state changes (blocks above the safe block). */
  journal: boolean;
  safe: bigint;
  head: bigint;
};

export type BatchResult = {
  inserted: number;
  skipped: number;
  warnings: string[];
};

/** Channel the API listens on (LISTEN joule_events): one notification per committed batch or rollback. */
export const NOTIFY_CHANNEL = "joule_events";

/**
 * JSON of flat rows for json_populate_recordset. Bigints become decimal strings *in place* (rows are written
 * once, then dropped), so the native JSON.stringify runs without a replacer: the hottest spot of a backfill.
 */
function json(rows: Record<string, unknown>[]): string {
  for (const r of rows) {
    for (const k in r) {
      const v = r[k];
      if (typeof v === "bigint") r[k] = v.toString();
    }
  }
  return JSON.stringify(rows);
}

/**
 * Whether a column kept its value: primitives (bigints included) by value, dates by time. Anything else (arrays,
 * JSON objects) counts as changed, so it is written.
 */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
}

type ChangeSignature = (stored: Row, row: Row) => string;
const CHANGE_SIGNATURES = new Map<string, ChangeSignature>();

/**
 * The positions in `columns` of the values that differ between two rows of `table`, as "i,j,…" ("" if none): a
 * function made once per table that compares each column by its literal name, as copy.ts's line writers read them
 * (a loop over the names was ~150 ms of keyed lookups over a backfill's 53k job updates). Names are embedded as
 * JSON string literals.
 */
function changedColumns(table: string, columns: string[]): ChangeSignature {
  const key = `${table}|${columns.join(",")}`;
  let f = CHANGE_SIGNATURES.get(key);
  if (f === undefined) {
    const tests = columns.map((c, i) => {
      const name = JSON.stringify(c);
      return `if (!same(s[${name}], r[${name}])) sig += "${i},";`;
    });
    f = new Function("same", `return (s, r) => { let sig = ""; ${tests.join(" ")} return sig; };`)(
      sameValue,
    ) as ChangeSignature;
    CHANGE_SIGNATURES.set(key, f);
  }
  return f;
}

/** JSON.stringify replacer of rowsSource: bigints as decimal strings, NUL as U+FFFD. */
function jsonValue(_key: string, v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "string" && v.includes("\u0000")) return v.replaceAll("\u0000", "\ufffd");
  return v;
}

/** Up to this many rows, a statement takes them as a JSON parameter rather than through a staging table. */
const JSON_ROWS = 50;

/** Connection-level and transient database failures: reconnect and resume. Anything else is a bug or bad data. */
export function isTransientDbError(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  const code = e?.code ?? "";
  if (/^08/.test(code) || /^57P0[123]$/.test(code) || code === "40001" || code === "40P01" || /^53/.test(code))
    return true;
  if (["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH"].includes(code))
    return true;
  return /Connection terminated|connection (is )?closed|not queryable|Client has encountered a connection error|terminating connection/i.test(
    e?.message ?? "",
  );
}

/** A raw event's key within a chain, as findFresh compares logs with stored rows. */
const eventKey = (txHash: string, logIndex: bigint) => `${txHash}|${logIndex}`;

/** raw_events columns in the order copyRawEvents writes them. */
const RAW_EVENT_COLUMNS = [
  "chainId",
  "txHash",
  "logIndex",
  "blockNumber",
  "blockHash",
  "txIndex",
  "address",
  "name",
  "args",
  "timestamp",
];

export class Store {
  private client: pg.Client | undefined;
  private columns = new Map<string, string[]>();
  readonly chainId: number;
  private readonly url: string;
  private readonly log: (message: string) => void;
  private readonly hc: HandlerContext;
  /** Set by a rollback: the next batch's notification says reorg = true. */
  private afterReorg = false;
  /** The batch being written, with its final in-memory state (see submitBatch). */
  private inFlight: { state: BatchState; committed: Promise<BatchResult> } | undefined;
  /** Entity rows as committed (cache.ts). */
  private readonly cache: RowCache;
  /** Secondary indexes dropped for the first backfill, to build at its end (indexes.ts). */
  private deferred: DeferredIndex[] = [];
  /** The thread that writes batches, on its own connection (writer.ts). */
  private writer: BatchWriter | undefined;

  /** `cacheRows`: most entity rows kept between batches (cache.ts). */
  constructor(
    url: string,
    chainId: number,
    hc: HandlerContext,
    log: (message: string) => void = () => {},
    options: { cacheRows?: number } = {},
  ) {
    this.cache = new RowCache(options.cacheRows ?? DEFAULT_CACHE_ROWS);
    this.url = url;
    this.chainId = chainId;
    this.hc = hc;
    this.log = log;
  }

  private get db(): pg.Client {
    if (!this.client) throw new IndexerError("database not connected");
    return this.client;
  }

  /** Connects and takes the writer lock, waiting (as a standby) while another indexer holds it. */
  async connect(options: { lockWaitMs?: number; shouldStop?: () => boolean } = {}): Promise<boolean> {
    await this.close();
    const client = new pg.Client({
      connectionString: this.url,
      types: pgTypes,
      application_name: "joule-indexer-sync-main",
    });
    // A dropped connection surfaces as an 'error' event; without a listener it would crash the process.
    client.on("error", (error) => this.log(`database connection error: ${error.message}`));
    await client.connect();
    this.client = client;
    await client.query("SET TIME ZONE 'UTC'");
    let waited = false;
    for (;;) {
      const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS ok", [
        WRITER_LOCK_CLASS,
        this.chainId,
      ]);
      if (rows[0]!.ok) break;
      if (!waited) this.log(`another indexer holds the writer lock for chain ${this.chainId}; waiting`);
      waited = true;
      if (options.shouldStop?.()) return false;
      await new Promise((r) => setTimeout(r, options.lockWaitMs ?? 1_000));
    }
    await this.loadColumns();
    this.deferred = await deferredIndexes(client);
    this.writer = new BatchWriter(this.url, [
      "raw_events",
      ...[...Object.values(ENTITY_TABLES), ...Object.values(ACCUMULATOR_TABLES), ...Object.values(HISTORY_TABLES)].map(
        (spec: TableSpec) => spec.table,
      ),
    ]);
    return true;
  }

  /** Closes the connections, after the batch in flight (whose failure is left to `flush` callers). */
  async close(): Promise<void> {
    await this.inFlight?.committed.catch(() => {});
    const c = this.client;
    const w = this.writer;
    this.client = undefined;
    this.writer = undefined;
    if (w) await w.close();
    if (c) await c.end().catch(() => {});
  }

  private async loadColumns(): Promise<void> {
    const { rows } = await this.db.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
    );
    this.columns.clear();
    for (const r of rows) {
      const list = this.columns.get(r.table_name) ?? [];
      list.push(r.column_name);
      this.columns.set(r.table_name, list);
    }
    if (!this.columns.has("checkpoints")) {
      throw new StateError("the database has no indexer tables: run `npm run db:migrate` first");
    }
    if (!this.columns.has("deferred_indexes")) {
      throw new StateError("the database misses recent migrations: run `npm run db:migrate`");
    }
  }

  private cols(table: string): string[] {
    const c = this.columns.get(table);
    if (!c) throw new StateError(`table ${table} is missing: run \`npm run db:migrate\``);
    return c;
  }

  // ───────────────────────────── Checkpoint ─────────────────────────────

  async readCheckpoint(): Promise<Checkpoint | undefined> {
    const { rows } = await this.db.query<{ blockNumber: bigint; blockHash: string }>(
      `SELECT "blockNumber", "blockHash" FROM checkpoints WHERE "chainId" = $1`,
      [this.chainId],
    );
    if (rows[0]) return { number: rows[0].blockNumber, hash: rows[0].blockHash };
    const other = await this.db.query<{ chainId: number }>(`SELECT "chainId" FROM checkpoints LIMIT 1`);
    if (other.rows[0]) {
      throw new StateError(
        `this database indexes chain ${other.rows[0].chainId}, not chain ${this.chainId}: use another DATABASE_URL`,
      );
    }
    return undefined;
  }

  /** Creates the checkpoint row (first run) and records the configured contract addresses. */
  async initialise(
    cp: Checkpoint,
    addresses: {
      jobMarket: string;
      providerRegistry: string;
      rewardEmitter: string;
      jouleToken: string;
      treasury?: string | undefined;
    },
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO checkpoints ("chainId", "blockNumber", "blockHash", "updatedAt") VALUES ($1, $2, $3, now())
       ON CONFLICT ("chainId") DO NOTHING`,
      [this.chainId, cp.number.toString(), cp.hash],
    );
    await this.db.query(
      `INSERT INTO protocol (id, "marketAddress", "registryAddress", "emitterAddress", "jouleTokenAddress", treasury) VALUES (1, $1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET "marketAddress" = $1, "registryAddress" = $2, "emitterAddress" = $3, "jouleTokenAddress" = $4,
         treasury = COALESCE(protocol.treasury, $5)`,
      [
        addresses.jobMarket,
        addresses.providerRegistry,
        addresses.rewardEmitter,
        addresses.jouleToken,
        addresses.treasury ?? null,
      ],
    );
  }

  /** Verifier addresses whose configuration is already indexed. */
  async configuredVerifiers(): Promise<string[]> {
    const { rows } = await this.db.query<{ address: string }>(
      `SELECT address FROM verifier_sets WHERE "configuredBlock" IS NOT NULL`,
    );
    return rows.map((r) => r.address);
  }

  /** Stored hashes of kept blocks at or below `number`, newest first. */
  async keptBlocks(upTo: bigint): Promise<{ number: bigint; hash: string }[]> {
    await this.flush();
    const { rows } = await this.db.query<{ number: bigint; hash: string }>(
      `SELECT number, hash FROM blocks WHERE "chainId" = $1 AND number <= $2 ORDER BY number DESC`,
      [this.chainId, upTo.toString()],
    );
    return rows;
  }

  async updateHead(head: bigint, safe: bigint): Promise<void> {
    await this.flush();
    await this.db.query(
      `UPDATE checkpoints SET "headBlockNumber" = $2, "safeBlockNumber" = $3, "headUpdatedAt" = now() WHERE "chainId" = $1`,
      [this.chainId, head.toString(), safe.toString()],
    );
  }

  // ───────────────────────────── Batch ─────────────────────────────

  /** Writes one batch atomically (after any batch still in flight) and waits for its commit. */
  async commitBatch(expected: Checkpoint, batch: Batch): Promise<BatchResult> {
    await this.flush();
    return this.settle(await this.submitBatch(expected, batch));
  }

  /**
   * Prepares one batch and hands its transaction to the writer thread behind the batch in flight, if any; resolves
   * once handed over, with `committed` for its outcome. One batch is in flight at a time: the next one's reads,
   * handlers and row texts are done while the writer writes this one, so a backfill is bound by the slower of the
   * two, not their sum. Its reads see the committed database, without the batch in flight: the rows that batch
   * changes are taken from its in-memory state instead; every other row, unchanged by it, comes from the cache of
   * committed rows (cache.ts) or the database.
   * A failure of the batch in flight is thrown here (this batch is then not written) or by `flush`.
   */
  async submitBatch(expected: Checkpoint, batch: Batch): Promise<{ committed: Promise<BatchResult> }> {
    if (batch.from !== expected.number + 1n)
      throw new IndexerError(`batch ${batch.from}..${batch.to} does not follow checkpoint ${expected.number}`);
    const previous = this.inFlight;
    // Idempotent on (chainId, txHash, logIndex): an event already stored, or listed twice, is applied once.
    const { fresh, discovered, rows: rawRows, clean } = await this.findFresh(batch);
    const toApply = [...discovered, ...fresh];
    const state = new BatchState();
    await this.loadState(state, toApply, previous?.state);
    applyEvents(state, toApply, batch.timestamps, this.hc);
    const steps: Step[] = [];
    this.copyRawEvents(steps, rawRows, batch.timestamps);
    if (batch.journal) this.journal(steps, state, batch.from, batch.to);
    this.writeState(steps, state, clean);
    this.writeBlocks(steps, batch);
    steps.push({
      sql: `UPDATE checkpoints SET "blockNumber" = $2, "blockHash" = $3, "blockTimestamp" = $4, "safeBlockNumber" = $5, "headBlockNumber" = $6,
           "updatedAt" = now(), "headUpdatedAt" = now()
         WHERE "chainId" = $1`,
      params: [
        this.chainId,
        batch.to.toString(),
        batch.toHeader.hash,
        new Date(Number(batch.toHeader.timestamp) * 1000).toISOString(),
        batch.safe.toString(),
        batch.head.toString(),
      ],
    });
    // Delivered only if the transaction commits, so listeners never see an uncommitted batch.
    const reorg = this.afterReorg;
    steps.push(this.notification(batch.from, batch.to, reorg));
    const result = {
      inserted: fresh.length,
      skipped: batch.events.length - fresh.length,
      warnings: state.warnings,
    };
    if (previous) {
      // This batch must not follow a batch that failed: that failure is thrown here instead.
      await this.settle(previous);
    }
    this.afterReorg = false;
    const committed = this.writer!.run({
      chainId: this.chainId,
      expected: { number: expected.number.toString(), hash: expected.hash },
      steps,
    }).then(
      () => {
        this.cache.remember(state);
        return result;
      },
      (error: unknown) => {
        if (reorg) this.afterReorg = true;
        throw error;
      },
    );
    const entry = { state, committed };
    this.inFlight = entry;
    // A failed batch stays in flight until its failure is reported (by the next submitBatch or flush), however
    // long before that it failed: the caller does not wait for `committed`.
    committed.then(
      () => {
        if (this.inFlight === entry) this.inFlight = undefined;
      },
      () => {},
    );
    return { committed };
  }

  /** Waits for the batch in flight; throws its failure (once). */
  async flush(): Promise<void> {
    if (this.inFlight) await this.settle(this.inFlight);
  }

  /** Waits for a submitted batch; a failure is thrown to this caller only: the batch is then no longer in flight. */
  private async settle(entry: { committed: Promise<BatchResult> }): Promise<BatchResult> {
    try {
      return await entry.committed;
    } catch (error) {
      if (this.inFlight?.committed === entry.committed) this.inFlight = undefined;
      throw error;
    }
  }

  /** Number of indexes and keys deferred for the first backfill. */
  get deferredIndexes(): number {
    return this.deferred.length;
  }

  /** Defers indexes and keys for a first backfill (indexes.ts); returns how many. */
  async deferIndexes(): Promise<number> {
    await this.flush();
    this.deferred = [...this.deferred, ...(await deferIndexes(this.db))];
    return this.deferred.length;
  }

  /** Builds the deferred indexes now, several at a time (indexes.ts); returns how many. */
  async buildIndexes(): Promise<number> {
    await this.flush();
    if (this.deferred.length === 0) return 0;
    try {
      return await rebuildIndexes(this.db, { connect: () => this.connectBuilder() });
    } finally {
      this.deferred = await deferredIndexes(this.db).catch(() => this.deferred);
    }
  }

  /** One more connection for building indexes (closed by rebuildIndexes). */
  private async connectBuilder(): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: this.url, application_name: "joule-indexer-sync-indexes" });
    c.on("error", (error) => this.log(`database connection error (index build): ${error.message}`));
    await c.connect();
    return c;
  }

  /** Whether a batch is being written. */
  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  private writeBlocks(steps: Step[], batch: Batch): void {
    if (batch.headers.length === 0) return;
    const rows = json(
      batch.headers.map((h) => ({
        chainId: this.chainId,
        number: h.number,
        hash: h.hash,
        parentHash: h.parentHash,
        timestamp: new Date(Number(h.timestamp) * 1000).toISOString(),
      })),
    );
    steps.push({
      sql: `INSERT INTO blocks SELECT * FROM json_populate_recordset(NULL::blocks, $1::json)
         ON CONFLICT ("chainId", number) DO UPDATE SET hash = EXCLUDED.hash, "parentHash" = EXCLUDED."parentHash", timestamp = EXCLUDED.timestamp`,
      params: [rows],
    });
  }

  /**
   * Sorts the batch's logs into those to store and apply. `rows`: the raw events not stored before, each once;
   * `fresh`: the batch's events among them, in order (a log listed twice by the node is applied once);
   * `discovered`: the newly discovered contracts' logs, each once, applied even if stored (idempotent setters).
   * `clean`: none of the batch's blocks had rows before (so its history rows cannot collide either). Normally none
   * does (a batch starts after the checkpoint it commits with), which one index probe over the events' blocks
   * confirms; otherwise (rows already in those blocks, or logs fetched for newly discovered contracts) the events
   * are checked key by key. Each log's key is made once: a 187k-event backfill built 560k of them.
   */
  private async findFresh(
    batch: Batch,
  ): Promise<{ fresh: DecodedLog[]; discovered: DecodedLog[]; rows: DecodedLog[]; clean: boolean }> {
    const seen = new Set<string>();
    const unique: DecodedLog[] = [];
    const keys: string[] = [];
    const once = (list: DecodedLog[]) => {
      for (const e of list) {
        const key = eventKey(e.txHash, e.logIndex);
        if (seen.has(key)) continue;
        seen.add(key);
        unique.push(e);
        keys.push(key);
      }
    };
    once(batch.discovered);
    const discoveredCount = unique.length;
    once(batch.events);
    const split = (stored: Set<string> | undefined) => {
      const events = unique.slice(discoveredCount);
      return {
        fresh: stored ? events.filter((_, i) => !stored.has(keys[discoveredCount + i]!)) : events,
        discovered: unique.slice(0, discoveredCount),
        rows: stored ? unique.filter((_, i) => !stored.has(keys[i]!)) : unique,
      };
    };
    if (unique.length === 0) return { ...split(undefined), clean: true };
    let low = unique[0]!.blockNumber;
    let high = low;
    for (const e of unique) {
      if (e.blockNumber < low) low = e.blockNumber;
      if (e.blockNumber > high) high = e.blockNumber;
    }
    const { rows: any } = await this.db.query<{ found: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM raw_events WHERE "chainId" = $1 AND "blockNumber" BETWEEN $2 AND $3) AS found`,
      [this.chainId, low.toString(), high.toString()],
    );
    const suspects = any[0]!.found ? unique : unique.slice(0, discoveredCount);
    if (suspects.length === 0) return { ...split(undefined), clean: true };
    const { rows } = await this.db.query<{ txHash: string; logIndex: bigint }>(
      `SELECT k."txHash", k."logIndex" FROM json_populate_recordset(NULL::raw_events, $1::json) k
       JOIN raw_events r ON r."chainId" = $2 AND r."txHash" = k."txHash" AND r."logIndex" = k."logIndex"`,
      [JSON.stringify(suspects.map((e) => ({ txHash: e.txHash, logIndex: e.logIndex.toString() }))), this.chainId],
    );
    return { ...split(new Set(rows.map((r) => eventKey(r.txHash, r.logIndex)))), clean: false };
  }

  /** The COPY of the raw events to store (`findFresh`'s rows). */
  private copyRawEvents(steps: Step[], rows: DecodedLog[], timestamps: Map<bigint, bigint>): void {
    let lastTs: bigint | undefined;
    let iso = "";
    const text = new CopyBuffer();
    for (const e of rows) {
      const ts = e.blockTimestamp ?? timestamps.get(e.blockNumber);
      if (ts === undefined) throw new IndexerError(`no timestamp for block ${e.blockNumber}`);
      if (ts !== lastTs) {
        iso = new Date(Number(ts) * 1000).toISOString();
        lastTs = ts;
      }
      text.push(
        `${this.chainId}\t${copyValue(e.txHash)}\t${e.logIndex}\t${e.blockNumber}\t${copyValue(e.blockHash)}\t${e.txIndex ?? "\\N"}\t${copyValue(e.address)}\t${e.name}\t${eventArgsCopyJson(e)}\t${iso}\n`,
      );
    }
    // Duplicates and stored keys were filtered out (this is the only writer): a plain COPY suffices.
    if (text.length > 0) steps.push({ copy: "raw_events", columns: RAW_EVENT_COLUMNS, text: text.bytes() });
  }

  /**
   * Rows of `name` with the given keys: from `carried` (the state of the batch in flight, the newest) where it has
   * them, else from the cache of committed rows, else from the database. Each as `stored` (left as it is: what the
   * database holds once the batch in flight commits) and `row`, a copy for the handlers.
   */
  private async select(
    name: EntityName,
    keys: Row[],
    carried: BatchState | undefined,
  ): Promise<{ stored: Row; row: Row }[]> {
    const spec: TableSpec = ENTITY_TABLES[name];
    const out: { stored: Row; row: Row }[] = [];
    const rest: Row[] = [];
    for (const k of keys) {
      const key = keyOf(spec, k);
      const stored = carried?.get(name, key) ?? this.cache.get(name, key);
      if (stored) out.push({ stored, row: { ...stored } });
      else rest.push(k);
    }
    keys = rest;
    if (keys.length === 0) return out;
    const on = spec.pk.map((c) => `t.${q(c)} = k.${q(c)}`).join(" AND ");
    const { rows } = await this.db.query(
      `SELECT t.* FROM ${q(spec.table)} t JOIN json_populate_recordset(NULL::${q(spec.table)}, $1::json) k ON ${on}`,
      [json(keys)],
    );
    for (const r of rows) out.push({ stored: r, row: { ...r } });
    return out;
  }

  /** Loads every row `events` touch; `carried`: the state of the batch in flight, newer than the database. */
  private async loadState(state: BatchState, events: DecodedLog[], carried: BatchState | undefined): Promise<void> {
    const load = async (name: EntityName, keys: Row[]) => state.load(name, await this.select(name, keys, carried));
    const first = firstKeys(events);
    await load("protocol", [{ id: 1 }]);
    await load(
      "jobs",
      [...first.jobs].map((id) => ({ id })),
    );
    await load(
      "verifierSets",
      [...first.verifiers].map((address) => ({ address })),
    );
    await load(
      "rewardEpochs",
      [...first.epochs].map((epoch) => ({ epoch })),
    );
    await load("providerEpochs", [...first.providerEpochs.values()]);
    const second = secondKeys(events, state);
    await load(
      "providers",
      [...second.providers].map((address) => ({ address })),
    );
    await load("milestones", [...second.milestones.values()]);
  }

  /** Saves the pre-batch image of every state row the batch changes (NULL = row did not exist). */
  private journal(steps: Step[], state: BatchState, from: bigint, to: bigint): void {
    const capture = (spec: TableSpec, rows: Row[]) => {
      if (rows.length === 0) return;
      const keys = rows.map((r) => Object.fromEntries(spec.pk.map((c) => [c, r[c]])));
      const on = spec.pk.map((c) => `t.${q(c)} = k.${q(c)}`).join(" AND ");
      const pkJson = `jsonb_build_object(${spec.pk.map((c) => `'${c}', k.${q(c)}`).join(", ")})`;
      const params = [json(keys), this.chainId, from.toString(), to.toString(), spec.table];
      steps.push({
        sql: `INSERT INTO undo_log ("chainId", "batchFrom", "batchTo", "tableName", pk, before)
         SELECT $2, $3, $4, $5, ${pkJson}, CASE WHEN t.${q(spec.pk[0]!)} IS NULL THEN NULL ELSE to_jsonb(t) END
         FROM json_populate_recordset(NULL::${q(spec.table)}, $1::json) k LEFT JOIN ${q(spec.table)} t ON ${on}`,
        params,
      });
    };
    for (const name of Object.keys(ENTITY_TABLES) as EntityName[]) capture(ENTITY_TABLES[name], state.dirtyRows(name));
    for (const name of Object.keys(ACCUMULATOR_TABLES) as AccumulatorName[])
      capture(ACCUMULATOR_TABLES[name], [...state.deltas[name].values()]);
  }

  /**
   * Where a statement reads `rows` of `table` from (their `columns`, the others NULL): a few rows as a JSON
   * parameter, more through the COPY into the staging table, queued here. A staging table used in a transaction is
   * emptied before its commit, and TRUNCATE makes a temporary table's files anew (~0.5 ms a table): most of a
   * backfill's batches staged a handful of accumulator rows in each of ten tables, which took 5–14 ms a batch.
   */
  private rowsSource(
    steps: Step[],
    table: string,
    rows: Row[],
    columns = this.cols(table),
  ): { from: string; params: unknown[] } {
    if (rows.length <= JSON_ROWS) {
      const picked = rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c]])));
      return {
        from: `json_populate_recordset(NULL::${q(table)}, $1::json)`,
        // Bigints as decimal strings; NUL, which text cannot hold, as U+FFFD (as the COPY path writes it).
        params: [JSON.stringify(picked, jsonValue)],
      };
    }
    steps.push({ stage: table, columns, text: copyText(rows, columns) });
    return { from: q(stageOf(table)), params: [] };
  }

  /**
   * UPDATEs of the rows read from the database that set only the columns the batch changed, one per set of changed
   * columns (a batch has a few: a bid changes a job's best bid and count, an award its provider and status…).
   * A bid's UPDATE of 5,000 jobs took PostgreSQL 83–99 ms that way, 160–210 ms with every column staged and set;
   * the rows' COPY text shrinks with it. A row whose columns all stayed the same is not written.
   */
  private updateChanged(steps: Step[], spec: TableSpec, others: string[], rows: { stored: Row; row: Row }[]): void {
    const groups = new Map<string, { columns: string[]; rows: Row[] }>();
    const changes = changedColumns(spec.table, others);
    for (const { stored, row } of rows) {
      const signature = changes(stored, row);
      if (signature === "") continue;
      let group = groups.get(signature);
      if (!group) {
        const changed = signature
          .slice(0, -1)
          .split(",")
          .map((i) => others[Number(i)]!);
        group = { columns: changed, rows: [] };
        groups.set(signature, group);
      }
      group.rows.push(row);
    }
    for (const { columns, rows: changed } of groups.values()) {
      const { from, params } = this.rowsSource(steps, spec.table, changed, [...spec.pk, ...columns]);
      steps.push({
        sql: `UPDATE ${q(spec.table)} t SET ${columns.map((c) => `${q(c)} = s.${q(c)}`).join(", ")}
          FROM ${from} s WHERE ${spec.pk.map((c) => `t.${q(c)} = s.${q(c)}`).join(" AND ")}`,
        params,
      });
    }
  }

  /**
   * `clean`: no row of the batch's blocks existed before, so history rows and the entity rows the batch created are
   * copied straight into their tables.
   */
  private writeState(steps: Step[], state: BatchState, clean: boolean): void {
    for (const name of Object.keys(ENTITY_TABLES) as EntityName[]) {
      const spec = ENTITY_TABLES[name];
      const others = this.cols(spec.table).filter((c) => !spec.pk.includes(c));
      if (clean) {
        // Rows the batch created did not exist (the batch loaded every row its events touch, and this is the
        // only writer): they are copied straight in. Rows that existed (read, cached or carried) are updated:
        // a plain UPDATE, cheaper than an upsert (jobs in a 187k-event backfill: 11.9 → 10.6 ms per 1,000 rows), of
        // the columns the batch changed.
        const { existing, created } = state.dirtyRowsByOrigin(name);
        if (created.length > 0) {
          const columns = this.cols(spec.table);
          steps.push({ copy: q(spec.table), columns, text: copyText(created, columns) });
        }
        if (existing.length === 0) continue;
        this.updateChanged(steps, spec, others, existing);
        continue;
      }
      const rows = state.dirtyRows(name);
      if (rows.length === 0) continue;
      const set = others.map((c) => `${q(c)} = EXCLUDED.${q(c)}`).join(", ");
      const { from, params } = this.rowsSource(steps, spec.table, rows);
      steps.push({
        sql: `INSERT INTO ${q(spec.table)} SELECT * FROM ${from} ON CONFLICT (${spec.pk.map(q).join(", ")}) DO UPDATE SET ${set}`,
        params,
      });
    }
    for (const name of Object.keys(ACCUMULATOR_TABLES) as AccumulatorName[]) {
      const spec: TableSpec = ACCUMULATOR_TABLES[name];
      const rows = [...state.deltas[name].values()];
      if (rows.length === 0) continue;
      const set = this.cols(spec.table)
        .filter((c) => !spec.pk.includes(c))
        .map((c) =>
          spec.add?.includes(c)
            ? `${q(c)} = t.${q(c)} + EXCLUDED.${q(c)}`
            : spec.coalesce?.includes(c)
              ? `${q(c)} = COALESCE(EXCLUDED.${q(c)}, t.${q(c)})`
              : `${q(c)} = EXCLUDED.${q(c)}`,
        )
        .join(", ");
      const { from, params } = this.rowsSource(steps, spec.table, rows);
      steps.push({
        sql: `INSERT INTO ${q(spec.table)} AS t SELECT * FROM ${from} ON CONFLICT (${spec.pk.map(q).join(", ")}) DO UPDATE SET ${set}`,
        params,
      });
    }
    for (const [name, spec] of Object.entries(HISTORY_TABLES) as [HistoryName, TableSpec][]) {
      if (state.history[name].length === 0) continue;
      // Only events not stored before are applied, so two rows with one key are two records given the same id:
      // a handler's mistake, which a warning shows. The first is kept (the key may be deferred, indexes.ts).
      const seen = new Set<string>();
      const rows = state.history[name].filter((r) => {
        const key = keyOf(spec, r);
        if (!seen.has(key)) return seen.add(key);
        state.warnings.push(`${spec.table}: two rows with id ${key} in one batch; the second was dropped`);
        return false;
      });
      if (clean) {
        const columns = this.cols(spec.table);
        steps.push({ copy: q(spec.table), columns, text: copyText(rows, columns) });
      } else {
        // Rows of events stored before were not made again; ON CONFLICT still guards against any that were.
        const { from, params } = this.rowsSource(steps, spec.table, rows);
        steps.push({ sql: `INSERT INTO ${q(spec.table)} SELECT * FROM ${from} ON CONFLICT DO NOTHING`, params });
      }
    }
  }

  // ───────────────────────────── Reorg ─────────────────────────────

  /**
   * Rolls the database back to a block ≤ `ancestor` that is a batch boundary, restoring journaled rows and deleting
   * everything recorded above it. Returns the new checkpoint.
   */
  async rollback(ancestor: bigint): Promise<Checkpoint> {
    await this.flush();
    this.cache.clear(); // rows are restored to older images
    const db = this.db;
    await db.query("BEGIN");
    try {
      const { rows: cpRows } = await db.query<{ blockNumber: bigint }>(
        `SELECT "blockNumber" FROM checkpoints WHERE "chainId" = $1 FOR UPDATE`,
        [this.chainId],
      );
      const previous = cpRows[0]?.blockNumber ?? ancestor;
      const { rows } = await db.query<{ from: bigint | null }>(
        `SELECT min("batchFrom") AS from FROM undo_log WHERE "chainId" = $1 AND "batchTo" > $2`,
        [this.chainId, ancestor.toString()],
      );
      // A batch that straddles the ancestor is undone whole: go back to its start and re-index from there.
      const first = rows[0]?.from;
      const target = first != null && first - 1n < ancestor ? first - 1n : ancestor;
      for (const spec of STATE_SPECS) {
        const table = q(spec.table);
        const entries = `WITH e AS (
            SELECT DISTINCT ON (pk) pk, before FROM undo_log
            WHERE "chainId" = $1 AND "tableName" = $2 AND "batchTo" > $3 ORDER BY pk, id)`;
        const on = spec.pk.map((c) => `t.${q(c)} = k.${q(c)}`).join(" AND ");
        await db.query(
          `${entries} DELETE FROM ${table} t USING e, LATERAL jsonb_populate_record(NULL::${table}, e.pk) k WHERE ${on}`,
          [this.chainId, spec.table, ancestor.toString()],
        );
        await db.query(
          `${entries} INSERT INTO ${table} SELECT r.* FROM e, LATERAL jsonb_populate_record(NULL::${table}, e.before) r WHERE e.before IS NOT NULL`,
          [this.chainId, spec.table, ancestor.toString()],
        );
      }
      await db.query(`DELETE FROM undo_log WHERE "chainId" = $1 AND "batchTo" > $2`, [
        this.chainId,
        ancestor.toString(),
      ]);
      await db.query(`DELETE FROM raw_events WHERE "chainId" = $1 AND "blockNumber" > $2`, [
        this.chainId,
        target.toString(),
      ]);
      for (const spec of HISTORY_SPECS) {
        await db.query(`DELETE FROM ${q(spec.table)} WHERE ${q(spec.blockColumn!)} > $1`, [target.toString()]);
      }
      await db.query(`DELETE FROM blocks WHERE "chainId" = $1 AND number > $2`, [this.chainId, target.toString()]);
      const { rows: kept } = await db.query<{ hash: string; timestamp: string }>(
        `SELECT hash, timestamp FROM blocks WHERE "chainId" = $1 AND number = $2`,
        [this.chainId, target.toString()],
      );
      if (!kept[0]) throw new StateError(`cannot roll back to block ${target}: its header is not kept`);
      await db.query(
        `UPDATE checkpoints SET "blockNumber" = $2, "blockHash" = $3, "blockTimestamp" = $4, "updatedAt" = now() WHERE "chainId" = $1`,
        [this.chainId, target.toString(), kept[0].hash, kept[0].timestamp],
      );
      const note = this.notification(target + 1n, previous, true);
      await db.query(note.sql, note.params);
      await db.query("COMMIT");
      this.afterReorg = true;
      return { number: target, hash: kept[0].hash };
    } catch (error) {
      await db.query("ROLLBACK").catch(() => {});
      throw error;
    }
  }

  /** The statement announcing blocks `from..to` on NOTIFY_CHANNEL (delivered when its transaction commits). */
  private notification(from: bigint, to: bigint, reorg: boolean): { sql: string; params: unknown[] } {
    const payload = JSON.stringify({
      v: 1,
      chainId: this.chainId,
      fromBlock: from.toString(),
      toBlock: to.toString(),
      reorg,
    });
    return { sql: "SELECT pg_notify($1, $2)", params: [NOTIFY_CHANNEL, payload] };
  }

  /** Forgets journal entries and headers that can no longer be reorganised (at or below the safe block). */
  async prune(safe: bigint, checkpoint: bigint): Promise<void> {
    await this.flush();
    await this.db.query(`DELETE FROM undo_log WHERE "chainId" = $1 AND "batchTo" <= $2`, [
      this.chainId,
      safe.toString(),
    ]);
    await this.db.query(
      `DELETE FROM blocks WHERE "chainId" = $1 AND number < LEAST($2::bigint, $3::bigint,
         COALESCE((SELECT min("batchFrom") - 1 FROM undo_log WHERE "chainId" = $1), $2::bigint))`,
      [this.chainId, safe.toString(), checkpoint.toString()],
    );
  }
}
