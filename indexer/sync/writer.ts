// The batch writer: a worker thread that owns the connection batches are written on. The sync's main thread
// prepares the next batch (its reads, the handlers, the rows as COPY text: CPU work in long synchronous spans)
// while the worker drives PostgreSQL through the previous batch's statements. On one thread, each statement waited
// for a gap in that CPU work to be sent, and PostgreSQL sat idle in between.
import { Worker } from "node:worker_threads";
import { copyBuffers } from "./copy.ts";
import { StateError } from "./errors.ts";

/** One statement of a batch's transaction, as data (a worker cannot be handed closures). */
export type Step =
  /** COPY `text` (COPY text lines of `columns`) straight into `relation` (a quoted table name). */
  | { copy: string; columns: string[]; text: Uint8Array }
  /** COPY `text` into the staging table of `table` (copy.ts), emptied first if already used in the transaction. */
  | { stage: string; columns: string[]; text: Uint8Array }
  | { sql: string; params?: unknown[] };

export type Transaction = {
  chainId: number;
  /** The checkpoint this batch continues: anything else in the database aborts it. */
  expected: { number: string; hash: string };
  steps: Step[];
};

type Reply = {
  id: number;
  error?: { name: string; message: string; code?: string };
  /** The memory of the transaction's COPY texts, handed back after a commit to be written into again (copy.ts). */
  buffers?: ArrayBuffer[];
};

/** Rebuilds an error from the worker, keeping what the sync's error handling looks at (name, message, code). */
function revive(e: NonNullable<Reply["error"]>): Error {
  if (e.name === "StateError") return new StateError(e.message);
  return Object.assign(new Error(e.message), { code: e.code });
}

export class BatchWriter {
  private readonly worker: Worker;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private failure: Error | undefined;

  /** `stages`: tables whose staging tables the writer's connection needs (copy.ts). */
  constructor(databaseUrl: string, stages: string[]) {
    this.worker = new Worker(new URL("./writer-thread.ts", import.meta.url), { workerData: { databaseUrl, stages } });
    this.worker.on("message", (reply: Reply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.buffers) copyBuffers.give(reply.buffers);
      if (reply.error) p.reject(revive(reply.error));
      else p.resolve();
    });
    const fail = (error: Error) => {
      this.failure = error;
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) =>
      fail(Object.assign(new Error(`the batch writer thread exited (${code})`), { code: "ECONNRESET" })),
    );
    // Connected (and its staging tables made, ~0.1 s) while the sync starts up, not in the first batch's time.
    this.worker.postMessage({ connect: true });
  }

  /** Runs one transaction on the worker's connection (connected again if it was lost); resolves once committed. */
  run(tx: Transaction): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    // COPY texts go over as bytes whose memory is handed to the worker, not copied (a string would be copied into
    // the message, again out of it, and encoded once more for the socket).
    const transfer = new Set<ArrayBuffer>();
    for (const s of tx.steps) if (!("sql" in s)) transfer.add(s.text.buffer as ArrayBuffer);
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, tx }, [...transfer]);
    });
  }

  /** Ends the worker's connection cleanly (PostgreSQL logs no broken connection), then the worker. */
  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.worker.once("exit", () => resolve()));
    this.worker.postMessage({ close: true });
    const timer = setTimeout(() => void this.worker.terminate(), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
