// PostgreSQL side of the sync engine: one connection (the single writer, holding an advisory lock), one
// transaction per batch (events + derived rows + checkpoint), the undo journal and reorg rollback.
//
// All bulk writes are set-based: each table's rows of a batch are streamed with COPY into a staging table
// (copy.ts) and written by one INSERT … SELECT, so PostgreSQL converts the values with the table's own types.
// Small key sets (state to load, journal keys) travel as JSON arrays (`json_populate_recordset`).
import pg from "pg";
import { copyInto, copyText, copyValue, createStages, stage } from "./copy.ts";
import { argsJson, type DecodedLog } from "./decode.ts";
import { IndexerError, StateError } from "./errors.ts";
import { applyEvents, firstKeys, secondKeys, type HandlerContext } from "./handlers.ts";
import { BatchState } from "./state.ts";
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

export type BatchResult = { inserted: number; skipped: number; warnings: string[] };

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

/** pg returns numeric and int8 as bigint, timestamps/dates as the strings PostgreSQL printed. */
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20 || oid === 1700) return (v: string) => BigInt(v);
    if (oid === 1184 || oid === 1114 || oid === 1082) return (v: string) => v;
    return pg.types.getTypeParser(oid, format as never);
  },
};

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

/**
 * The statements of one transaction, run one after another as they are added: the first starts at once, the next
 * when the previous has finished. Callers prepare the next statement's rows while PostgreSQL runs the previous one
 * (node-postgres must not be handed a query while another runs). After a failure the rest are skipped; `drain`
 * waits for the queue and throws the first failure.
 */
class Sent {
  private queue: (() => Promise<unknown>)[] = [];
  private running: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;

  add(start: () => Promise<unknown>): void {
    this.queue.push(start);
    this.running ??= this.pump();
  }

  private async pump(): Promise<void> {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      if (this.failure) continue;
      try {
        await next();
      } catch (error) {
        this.failure = { error };
      }
    }
    this.running = undefined;
  }

  async drain(): Promise<void> {
    while (this.running) await this.running;
    const failure = this.failure;
    this.failure = undefined;
    if (failure) throw failure.error;
  }
}

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
  /** Staging tables filled in the current transaction (copy.ts). */
  private staged = new Set<string>();

  constructor(url: string, chainId: number, hc: HandlerContext, log: (message: string) => void = () => {}) {
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
    const client = new pg.Client({ connectionString: this.url, types, application_name: "joule-indexer-sync" });
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
    await createStages(client, [
      "raw_events",
      ...[...Object.values(ENTITY_TABLES), ...Object.values(ACCUMULATOR_TABLES), ...Object.values(HISTORY_TABLES)].map(
        (spec: TableSpec) => spec.table,
      ),
    ]);
    return true;
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
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
    const { rows } = await this.db.query<{ number: bigint; hash: string }>(
      `SELECT number, hash FROM blocks WHERE "chainId" = $1 AND number <= $2 ORDER BY number DESC`,
      [this.chainId, upTo.toString()],
    );
    return rows;
  }

  async updateHead(head: bigint, safe: bigint): Promise<void> {
    await this.db.query(
      `UPDATE checkpoints SET "headBlockNumber" = $2, "safeBlockNumber" = $3, "headUpdatedAt" = now() WHERE "chainId" = $1`,
      [this.chainId, head.toString(), safe.toString()],
    );
  }

  // ───────────────────────────── Batch ─────────────────────────────

  /**
   * Writes one batch atomically: raw events, derived rows (journaled when above the safe block), block headers
   * and the checkpoint. `expected` is the checkpoint the batch continues from; anything else aborts.
   */
  async commitBatch(expected: Checkpoint, batch: Batch): Promise<BatchResult> {
    const db = this.db;
    await db.query("BEGIN");
    this.staged.clear();
    const sent = new Sent();
    try {
      // The checkpoint commits with the data, so a commit lost in a crash only means re-indexing that batch:
      // no need to wait for the WAL flush.
      await db.query("SET LOCAL synchronous_commit TO off");
      const { rows: cpRows } = await db.query<{ blockNumber: bigint; blockHash: string }>(
        `SELECT "blockNumber", "blockHash" FROM checkpoints WHERE "chainId" = $1 FOR UPDATE`,
        [this.chainId],
      );
      const cp = cpRows[0];
      if (!cp || cp.blockNumber !== expected.number || cp.blockHash !== expected.hash) {
        throw new StateError(
          `checkpoint moved under the indexer (expected ${expected.number} ${expected.hash}, found ${cp?.blockNumber} ${cp?.blockHash}): is another writer running?`,
        );
      }
      if (batch.from !== expected.number + 1n)
        throw new IndexerError(`batch ${batch.from}..${batch.to} does not follow checkpoint ${expected.number}`);

      const { fresh: inserted, clean, unique } = await this.findFresh(batch);
      // Idempotent on (chainId, txHash, logIndex): an event already stored is not applied twice.
      const fresh = batch.events.filter((e) => inserted.has(`${e.txHash}|${e.logIndex}`));
      const toApply = [...batch.discovered, ...fresh];

      const state = new BatchState();
      await this.loadState(state, toApply);
      // From here on statements are queued: the handlers run while PostgreSQL copies the raw events, and each
      // table's rows are prepared while the previous table is written.
      this.copyRawEvents(sent, unique, inserted, batch.timestamps);
      applyEvents(state, toApply, batch.timestamps, this.hc);
      if (batch.journal) this.journal(sent, state, batch.from, batch.to);
      this.writeState(sent, state, clean);

      if (batch.headers.length > 0) {
        sent.add(() =>
          db.query(
            `INSERT INTO blocks SELECT * FROM json_populate_recordset(NULL::blocks, $1::json)
           ON CONFLICT ("chainId", number) DO UPDATE SET hash = EXCLUDED.hash, "parentHash" = EXCLUDED."parentHash", timestamp = EXCLUDED.timestamp`,
            [
              json(
                batch.headers.map((h) => ({
                  chainId: this.chainId,
                  number: h.number,
                  hash: h.hash,
                  parentHash: h.parentHash,
                  timestamp: new Date(Number(h.timestamp) * 1000).toISOString(),
                })),
              ),
            ],
          ),
        );
      }
      sent.add(() =>
        db.query(
          `UPDATE checkpoints SET "blockNumber" = $2, "blockHash" = $3, "blockTimestamp" = $4, "safeBlockNumber" = $5, "headBlockNumber" = $6,
           "updatedAt" = now(), "headUpdatedAt" = now()
         WHERE "chainId" = $1`,
          [
            this.chainId,
            batch.to.toString(),
            batch.toHeader.hash,
            new Date(Number(batch.toHeader.timestamp) * 1000).toISOString(),
            batch.safe.toString(),
            batch.head.toString(),
          ],
        ),
      );
      // Delivered only if this transaction commits, so listeners never see an uncommitted batch.
      const reorg = this.afterReorg;
      sent.add(() => this.notify(batch.from, batch.to, reorg));
      await sent.drain();
      await db.query("COMMIT");
      this.afterReorg = false;
      return { inserted: fresh.length, skipped: batch.events.length - fresh.length, warnings: state.warnings };
    } catch (error) {
      await sent.drain().catch(() => {});
      await db.query("ROLLBACK").catch(() => {});
      throw error;
    }
  }

  /**
   * Finds the batch's raw events and returns the keys ("txHash|logIndex") of those not stored before, and whether
   * the batch is `clean`: none of its blocks had rows before (so its history rows cannot collide either). Normally none
   * is (a batch starts after the checkpoint it commits with), which one index probe over the events' blocks
   * confirms; otherwise (rows already in those blocks, or logs fetched for newly discovered contracts) the events
   * are checked key by key.
   */
  private async findFresh(batch: Batch): Promise<{ fresh: Set<string>; clean: boolean; unique: DecodedLog[] }> {
    const db = this.db;
    const fresh = new Set<string>();
    const unique: DecodedLog[] = [];
    for (const e of [...batch.discovered, ...batch.events]) {
      const key = `${e.txHash}|${e.logIndex}`;
      if (fresh.has(key)) continue; // a node listing a log twice
      fresh.add(key);
      unique.push(e);
    }
    if (unique.length === 0) return { fresh, clean: true, unique };
    let low = unique[0]!.blockNumber;
    let high = low;
    for (const e of unique) {
      if (e.blockNumber < low) low = e.blockNumber;
      if (e.blockNumber > high) high = e.blockNumber;
    }
    const { rows: any } = await db.query<{ found: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM raw_events WHERE "chainId" = $1 AND "blockNumber" BETWEEN $2 AND $3) AS found`,
      [this.chainId, low.toString(), high.toString()],
    );
    const suspects = any[0]!.found ? unique : batch.discovered;
    if (suspects.length > 0) {
      const { rows } = await db.query<{ txHash: string; logIndex: bigint }>(
        `SELECT k."txHash", k."logIndex" FROM json_populate_recordset(NULL::raw_events, $1::json) k
         JOIN raw_events r ON r."chainId" = $2 AND r."txHash" = k."txHash" AND r."logIndex" = k."logIndex"`,
        [JSON.stringify(suspects.map((e) => ({ txHash: e.txHash, logIndex: e.logIndex.toString() }))), this.chainId],
      );
      for (const r of rows) fresh.delete(`${r.txHash}|${r.logIndex}`);
    }
    return { fresh, clean: suspects.length === 0, unique };
  }

  /** Queues the COPY of the fresh raw events, in chunks so PostgreSQL starts on the first while the rest are built. */
  private copyRawEvents(sent: Sent, unique: DecodedLog[], fresh: Set<string>, timestamps: Map<bigint, bigint>): void {
    const CHUNK = 10_000;
    let lastTs: bigint | undefined;
    let iso = "";
    let text = "";
    let lines = 0;
    for (const e of unique) {
      if (!fresh.has(`${e.txHash}|${e.logIndex}`)) continue;
      const ts = e.blockTimestamp ?? timestamps.get(e.blockNumber);
      if (ts === undefined) throw new IndexerError(`no timestamp for block ${e.blockNumber}`);
      if (ts !== lastTs) {
        iso = new Date(Number(ts) * 1000).toISOString();
        lastTs = ts;
      }
      text += `${this.chainId}\t${copyValue(e.txHash)}\t${e.logIndex}\t${e.blockNumber}\t${copyValue(e.blockHash)}\t${e.txIndex ?? "\\N"}\t${copyValue(e.address)}\t${e.name}\t${copyValue(argsJson(e.args))}\t${iso}\n`;
      if (++lines === CHUNK) {
        // Duplicates and stored keys were filtered out under the checkpoint's row lock: a plain COPY suffices.
        const chunk = text;
        sent.add(() => copyInto(this.db, "raw_events", RAW_EVENT_COLUMNS, chunk));
        text = "";
        lines = 0;
      }
    }
    if (lines > 0) sent.add(() => copyInto(this.db, "raw_events", RAW_EVENT_COLUMNS, text));
  }

  private async select(spec: TableSpec, keys: Row[]): Promise<Row[]> {
    if (keys.length === 0) return [];
    const on = spec.pk.map((c) => `t.${q(c)} = k.${q(c)}`).join(" AND ");
    const { rows } = await this.db.query(
      `SELECT t.* FROM ${q(spec.table)} t JOIN json_populate_recordset(NULL::${q(spec.table)}, $1::json) k ON ${on}`,
      [json(keys)],
    );
    return rows;
  }

  private async loadState(state: BatchState, events: DecodedLog[]): Promise<void> {
    const first = firstKeys(events);
    state.load("protocol", await this.select(ENTITY_TABLES.protocol, [{ id: 1 }]));
    state.load(
      "jobs",
      await this.select(
        ENTITY_TABLES.jobs,
        [...first.jobs].map((id) => ({ id })),
      ),
    );
    state.load(
      "verifierSets",
      await this.select(
        ENTITY_TABLES.verifierSets,
        [...first.verifiers].map((address) => ({ address })),
      ),
    );
    state.load(
      "rewardEpochs",
      await this.select(
        ENTITY_TABLES.rewardEpochs,
        [...first.epochs].map((epoch) => ({ epoch })),
      ),
    );
    state.load("providerEpochs", await this.select(ENTITY_TABLES.providerEpochs, [...first.providerEpochs.values()]));
    const second = secondKeys(events, state);
    state.load(
      "providers",
      await this.select(
        ENTITY_TABLES.providers,
        [...second.providers].map((address) => ({ address })),
      ),
    );
    state.load("milestones", await this.select(ENTITY_TABLES.milestones, [...second.milestones.values()]));
  }

  /** Saves the pre-batch image of every state row the batch changes (NULL = row did not exist). */
  private journal(sent: Sent, state: BatchState, from: bigint, to: bigint): void {
    const capture = (spec: TableSpec, rows: Row[]) => {
      if (rows.length === 0) return;
      const keys = rows.map((r) => Object.fromEntries(spec.pk.map((c) => [c, r[c]])));
      const on = spec.pk.map((c) => `t.${q(c)} = k.${q(c)}`).join(" AND ");
      const pkJson = `jsonb_build_object(${spec.pk.map((c) => `'${c}', k.${q(c)}`).join(", ")})`;
      sent.add(() =>
        this.db.query(
          `INSERT INTO undo_log ("chainId", "batchFrom", "batchTo", "tableName", pk, before)
         SELECT $2, $3, $4, $5, ${pkJson}, CASE WHEN t.${q(spec.pk[0]!)} IS NULL THEN NULL ELSE to_jsonb(t) END
         FROM json_populate_recordset(NULL::${q(spec.table)}, $1::json) k LEFT JOIN ${q(spec.table)} t ON ${on}`,
          [json(keys), this.chainId, from.toString(), to.toString(), spec.table],
        ),
      );
    };
    for (const name of Object.keys(ENTITY_TABLES) as EntityName[]) capture(ENTITY_TABLES[name], state.dirtyRows(name));
    for (const name of Object.keys(ACCUMULATOR_TABLES) as AccumulatorName[])
      capture(ACCUMULATOR_TABLES[name], [...state.deltas[name].values()]);
  }

  /** Queues the COPY of `rows` into the staging table of `table`; returns the staging table's name. */
  private stageRows(sent: Sent, table: string, rows: Row[]): string {
    const columns = this.cols(table);
    const { name, start } = stage(this.db, table, columns, copyText(rows, columns), this.staged);
    sent.add(start);
    return name;
  }

  /**
   * `clean`: no row of the batch's blocks existed before, so history rows and the entity rows the batch created are
   * copied straight into their tables.
   */
  private writeState(sent: Sent, state: BatchState, clean: boolean): void {
    for (const name of Object.keys(ENTITY_TABLES) as EntityName[]) {
      const spec = ENTITY_TABLES[name];
      let rows = state.dirtyRows(name);
      if (clean) {
        // Rows the batch created did not exist (the batch loaded every row its events touch, under the
        // checkpoint's lock): they are copied straight in; only rows read from the database need the upsert.
        const { existing, created } = state.dirtyRowsByOrigin(name);
        if (created.length > 0) {
          const columns = this.cols(spec.table);
          const text = copyText(created, columns);
          sent.add(() => copyInto(this.db, q(spec.table), columns, text));
        }
        rows = existing;
      }
      if (rows.length === 0) continue;
      const set = this.cols(spec.table)
        .filter((c) => !spec.pk.includes(c))
        .map((c) => `${q(c)} = EXCLUDED.${q(c)}`)
        .join(", ");
      const staged = this.stageRows(sent, spec.table, rows);
      sent.add(() =>
        this.db.query(
          `INSERT INTO ${q(spec.table)} SELECT * FROM ${staged} ON CONFLICT (${spec.pk.map(q).join(", ")}) DO UPDATE SET ${set}`,
        ),
      );
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
      const staged = this.stageRows(sent, spec.table, rows);
      sent.add(() =>
        this.db.query(
          `INSERT INTO ${q(spec.table)} AS t SELECT * FROM ${staged} ON CONFLICT (${spec.pk.map(q).join(", ")}) DO UPDATE SET ${set}`,
        ),
      );
    }
    for (const [name, spec] of Object.entries(HISTORY_TABLES) as [HistoryName, TableSpec][]) {
      const rows = state.history[name];
      if (rows.length === 0) continue;
      if (clean) {
        // Like ON CONFLICT DO NOTHING within the batch: the first row with a key wins.
        const seen = new Set<string>();
        const unique = rows.filter((r) => {
          const key = keyOf(spec, r);
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        });
        const columns = this.cols(spec.table);
        const text = copyText(unique, columns);
        sent.add(() => copyInto(this.db, q(spec.table), columns, text));
      } else {
        const staged = this.stageRows(sent, spec.table, rows);
        sent.add(() => this.db.query(`INSERT INTO ${q(spec.table)} SELECT * FROM ${staged} ON CONFLICT DO NOTHING`));
      }
    }
  }

  // ───────────────────────────── Reorg ─────────────────────────────

  /**
   * Rolls the database back to a block ≤ `ancestor` that is a batch boundary, restoring journaled rows and deleting
   * everything recorded above it. Returns the new checkpoint.
   */
  async rollback(ancestor: bigint): Promise<Checkpoint> {
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
      await this.notify(target + 1n, previous, true);
      await db.query("COMMIT");
      this.afterReorg = true;
      return { number: target, hash: kept[0].hash };
    } catch (error) {
      await db.query("ROLLBACK").catch(() => {});
      throw error;
    }
  }

  private async notify(from: bigint, to: bigint, reorg: boolean): Promise<void> {
    const payload = JSON.stringify({
      v: 1,
      chainId: this.chainId,
      fromBlock: from.toString(),
      toBlock: to.toString(),
      reorg,
    });
    await this.db.query("SELECT pg_notify($1, $2)", [NOTIFY_CHANNEL, payload]);
  }

  /** Forgets journal entries and headers that can no longer be reorganised (at or below the safe block). */
  async prune(safe: bigint, checkpoint: bigint): Promise<void> {
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
