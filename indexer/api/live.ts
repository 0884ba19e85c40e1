/**
 * Live updates for GraphQL subscriptions. One NotifyListener per process feeds this hub;
 * for each committed batch it runs at most one statement per kind of subscription
 * (watched jobs, new jobs, watched accounts' payouts), whatever the number of
 * subscribers, and pushes the rows that changed to each subscriber's stream.
 *
 * Streams are bounded: a subscriber that falls 1,000 messages behind is ended with an
 * error rather than letting memory grow.
 */
import { FixedBuffer, Repeater } from "graphql-yoga";
import { Job, Payout } from "./entities.ts";
import type { NotifyListener, NotifyMessage } from "./notify.ts";
import { findByKeys, findPage, keyOf, type CompileLimits, type Db, type Row, type Where } from "./sql.ts";

const BUFFER = 1_000;
const PAGE = 500;
/** Ids remembered per subscriber to drop duplicates (e.g. a batch seen again after a reconnection). */
const SEEN_LIMIT = 10_000;
/** Internal queries may list every watched id. */
const INTERNAL_LIMITS: CompileLimits = {
  maxConditions: 1_000,
  maxNesting: 4,
  maxInList: 5_000,
};

interface JobWatcher {
  jobId: string;
  last: string | null;
  push: (row: Row) => void;
  fail: (error: Error) => void;
}
interface NewJobWatcher {
  seen: Set<string>;
  push: (row: Row) => void;
  fail: (error: Error) => void;
}
interface PayoutWatcher {
  account: string;
  kinds: ReadonlySet<string> | null;
  seen: Set<string>;
  push: (row: Row) => void;
  fail: (error: Error) => void;
}

export interface LiveUpdatesOptions {
  db: Db;
  /** Last fully indexed block, for the range to re-read after a reconnection. */
  indexedBlock: () => Promise<bigint | null>;
  onError?: (error: unknown) => void;
  onSubscriptionsChange?: (count: number) => void;
}

export class LiveUpdates {
  readonly #db: Db;
  readonly #options: LiveUpdatesOptions;
  readonly #jobs = new Set<JobWatcher>();
  readonly #newJobs = new Set<NewJobWatcher>();
  readonly #payouts = new Set<PayoutWatcher>();
  /** Highest block whose notification was processed (start of the next resync range). */
  #cursor: bigint | null = null;
  #queue: Promise<void> = Promise.resolve();
  #unsubscribe: (() => void) | null = null;

  constructor(listener: NotifyListener | null, options: LiveUpdatesOptions) {
    this.#db = options.db;
    this.#options = options;
    if (listener) this.#unsubscribe = listener.subscribe((message) => this.#enqueue(message));
  }

  /** Resolves once every notification received so far has been processed (for tests and shutdown). */
  idle(): Promise<void> {
    return this.#queue;
  }

  close(): void {
    this.#unsubscribe?.();
    const all = [...this.#jobs, ...this.#newJobs, ...this.#payouts];
    for (const w of all) w.fail(new Error("server shutting down"));
  }

  get subscriptionCount(): number {
    return this.#jobs.size + this.#newJobs.size + this.#payouts.size;
  }

  /** The job now (if it exists), then the job each time its row changes. */
  jobUpdates(jobId: string): AsyncIterableIterator<Row> {
    return this.#stream<JobWatcher>(
      this.#jobs,
      (push, fail) => ({ jobId, last: null, push, fail }),
      async (w) => {
        const row = (await findByKeys(this.#db, Job, [[jobId]])).get(jobId);
        if (row) this.#pushJobIfChanged(w, row);
      },
    );
  }

  /** Each job created from now on. */
  newJobs(): AsyncIterableIterator<Row> {
    return this.#stream<NewJobWatcher>(this.#newJobs, (push, fail) => ({
      seen: new Set(),
      push,
      fail,
    }));
  }

  /** Each credit to `account`'s market balance from now on, optionally only some kinds. */
  payouts(account: string, kinds: readonly string[] | null): AsyncIterableIterator<Row> {
    return this.#stream<PayoutWatcher>(this.#payouts, (push, fail) => ({
      account,
      kinds: kinds && kinds.length > 0 ? new Set(kinds) : null,
      seen: new Set(),
      push,
      fail,
    }));
  }

  #stream<W>(
    set: Set<W>,
    make: (push: (row: Row) => void, fail: (error: Error) => void) => W,
    init?: (w: W) => Promise<void>,
  ): AsyncIterableIterator<Row> {
    const repeater = new Repeater<Row>(async (push, stop) => {
      const watcher = make(
        (row) => {
          push(row).catch(() => {});
        },
        (error) => stop(error),
      );
      await this.#ensureCursor();
      set.add(watcher);
      this.#options.onSubscriptionsChange?.(this.subscriptionCount);
      // The first read goes through the same queue as notifications, so it can never
      // overtake (and push an older state after) a concurrent batch.
      if (init) {
        const done = this.#queue.then(() => init(watcher));
        this.#queue = done.catch(() => {});
        try {
          await done;
        } catch (error) {
          stop(error instanceof Error ? error : new Error(String(error)));
        }
      }
      await stop;
      set.delete(watcher);
      this.#options.onSubscriptionsChange?.(this.subscriptionCount);
    }, new FixedBuffer(BUFFER));
    return repeater as unknown as AsyncIterableIterator<Row>;
  }

  async #ensureCursor(): Promise<void> {
    if (this.#cursor !== null) return;
    try {
      this.#cursor = (await this.#options.indexedBlock()) ?? 0n;
    } catch (error) {
      this.#options.onError?.(error);
    }
  }

  #enqueue(message: NotifyMessage): void {
    this.#queue = this.#queue.then(() => this.#process(message)).catch((error) => this.#options.onError?.(error));
  }

  async #process(message: NotifyMessage): Promise<void> {
    let from: bigint;
    let to: bigint;
    if (message.type === "batch") {
      ({ fromBlock: from, toBlock: to } = message.batch);
      // After a reorg the blocks from `from` on were (or are being) rewritten: a later
      // resync must re-read them. Otherwise the cursor only moves forward.
      if (message.batch.reorg) this.#cursor = from - 1n;
      else if (this.#cursor === null || to > this.#cursor) this.#cursor = to;
    } else {
      const indexed = await this.#options.indexedBlock();
      if (indexed === null) return;
      from = (this.#cursor ?? indexed) + 1n;
      to = indexed;
      this.#cursor = indexed;
    }
    if (this.subscriptionCount === 0) return;
    // A reorg or a resync may have changed any watched job, not only those in the range: re-read them all.
    await Promise.all([
      this.#refreshJobs(),
      from <= to ? this.#deliverNewJobs(from, to) : null,
      from <= to ? this.#deliverPayouts(from, to) : null,
    ]);
  }

  #pushJobIfChanged(w: JobWatcher, row: Row): void {
    const fingerprint = JSON.stringify(row);
    if (fingerprint === w.last) return;
    w.last = fingerprint;
    w.push(row);
  }

  async #refreshJobs(): Promise<void> {
    if (this.#jobs.size === 0) return;
    const ids = [...new Set([...this.#jobs].map((w) => w.jobId))];
    const rows = await findByKeys(
      this.#db,
      Job,
      ids.map((id) => [id]),
    );
    for (const w of this.#jobs) {
      const row = rows.get(w.jobId);
      if (row) this.#pushJobIfChanged(w, row);
    }
  }

  async #deliverNewJobs(from: bigint, to: bigint): Promise<void> {
    if (this.#newJobs.size === 0) return;
    const where: Where = {
      createdBlock: { gte: Number(from), lte: Number(to) },
    };
    for await (const row of this.#scan(Job, where, [{ field: "id", direction: "ASC" }])) {
      for (const w of this.#newJobs) deliverOnce(w, keyOf(Job, row), row);
    }
  }

  async #deliverPayouts(from: bigint, to: bigint): Promise<void> {
    if (this.#payouts.size === 0) return;
    const accounts = [...new Set([...this.#payouts].map((w) => w.account))];
    const where: Where = {
      account: { in: accounts },
      blockNumber: { gte: Number(from), lte: Number(to) },
    };
    const order = [
      { field: "blockNumber", direction: "ASC" as const },
      { field: "logIndex", direction: "ASC" as const },
    ];
    for await (const row of this.#scan(Payout, where, order)) {
      for (const w of this.#payouts) {
        if (w.account !== row.account) continue;
        if (w.kinds && !w.kinds.has(row.kind!)) continue;
        deliverOnce(w, keyOf(Payout, row), row);
      }
    }
  }

  async *#scan(
    spec: typeof Job,
    where: Where,
    orderBy: Array<{ field: string; direction: "ASC" | "DESC" }>,
  ): AsyncGenerator<Row> {
    let after: string | null = null;
    for (;;) {
      const page = await findPage(this.#db, spec, { where, orderBy, first: PAGE, after }, undefined, INTERNAL_LIMITS);
      yield* page.rows;
      if (!page.hasNextPage) return;
      after = page.cursors[page.cursors.length - 1]!;
    }
  }
}

function deliverOnce(w: { seen: Set<string>; push: (row: Row) => void }, id: string, row: Row): void {
  if (w.seen.has(id)) return;
  w.seen.add(id);
  if (w.seen.size > SEEN_LIMIT) w.seen.delete(w.seen.values().next().value!);
  w.push(row);
}
