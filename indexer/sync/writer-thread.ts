// Worker side of writer.ts: one connection, one transaction per message, run step by step, answered with its
// outcome. Nothing here but driving PostgreSQL, so the next statement goes out as soon as the previous is done.
import { parentPort, workerData } from "node:worker_threads";
import pg from "pg";
import { copyInto, createStages, emptyStages, stage } from "./copy.ts";
import { StateError } from "./errors.ts";
import { pgTypes } from "./pgtypes.ts";
import type { Step, Transaction } from "./writer.ts";

const { databaseUrl, stages } = workerData as { databaseUrl: string; stages: string[] };
let client: pg.Client | undefined;

async function connection(): Promise<pg.Client> {
  if (client) return client;
  const c = new pg.Client({ connectionString: databaseUrl, types: pgTypes, application_name: "joule-indexer-sync" });
  // A dropped connection fails the transaction in progress (or the next one); without a listener it would crash.
  c.on("error", () => {
    if (client === c) client = undefined;
  });
  try {
    await c.connect();
    await c.query("SET TIME ZONE 'UTC'");
    await createStages(c, stages);
  } catch (error) {
    await c.end().catch(() => {}); // not left open behind a failed start
    throw error;
  }
  client = c;
  return c;
}

async function step(db: pg.Client, s: Step, staged: Set<string>): Promise<unknown> {
  if ("copy" in s) return copyInto(db, s.copy, s.columns, s.text);
  if ("stage" in s) return stage(db, s.stage, s.columns, s.text, staged).start();
  return db.query(s.sql, s.params as unknown[] | undefined);
}

async function transact(tx: Transaction): Promise<void> {
  const db = await connection();
  await db.query("BEGIN");
  try {
    // The checkpoint commits with the data, so a commit lost in a crash only means re-indexing that batch:
    // no need to wait for the WAL flush.
    await db.query("SET LOCAL synchronous_commit TO off");
    const { rows } = await db.query<{ blockNumber: bigint; blockHash: string }>(
      `SELECT "blockNumber", "blockHash" FROM checkpoints WHERE "chainId" = $1 FOR UPDATE`,
      [tx.chainId],
    );
    const cp = rows[0];
    if (!cp || cp.blockNumber.toString() !== tx.expected.number || cp.blockHash !== tx.expected.hash) {
      throw new StateError(
        `checkpoint moved under the indexer (expected ${tx.expected.number} ${tx.expected.hash}, found ${cp?.blockNumber} ${cp?.blockHash}): is another writer running?`,
      );
    }
    const staged = new Set<string>();
    for (const s of tx.steps) await step(db, s, staged);
    await emptyStages(db, staged);
    await db.query("COMMIT");
  } catch (error) {
    await db.query("ROLLBACK").catch(() => {});
    throw error;
  }
}

// One transaction at a time, in the order sent (the main thread sends the next after the previous committed).
let queue = Promise.resolve();
parentPort!.on("message", (m: { id: number; tx: Transaction } | { close: true } | { connect: true }) => {
  if ("connect" in m) {
    // Ahead of the first transaction; a failure here is met again (and reported) by that transaction.
    queue = queue.then(() =>
      connection().then(
        () => {},
        () => {},
      ),
    );
    return;
  }
  if ("close" in m) {
    // After the transactions sent before: end the connection, then let the thread finish.
    queue = queue.then(async () => {
      await client?.end().catch(() => {});
      client = undefined;
      parentPort!.close();
    });
    return;
  }
  queue = queue.then(() => handle(m));
});

async function handle({ id, tx }: { id: number; tx: Transaction }): Promise<void> {
  try {
    await transact(tx);
    // Every COPY of the transaction is done with its memory. (After a failure it is not handed back: a write to
    // the abandoned connection may still hold it.)
    const buffers = [...new Set(tx.steps.flatMap((s) => ("sql" in s ? [] : [s.text.buffer as ArrayBuffer])))];
    parentPort!.postMessage({ id, buffers }, buffers);
  } catch (error) {
    const e = error as { name?: string; message?: string; code?: string };
    if (client && !(error instanceof StateError)) {
      // Whatever failed, the next transaction starts on a fresh connection.
      const c = client;
      client = undefined;
      void c.end().catch(() => {});
    }
    parentPort!.postMessage({
      id,
      error: { name: e.name ?? "Error", message: e.message ?? String(error), code: e.code },
    });
  }
}
