/**
 * PostgreSQL LISTEN on one dedicated connection, reconnecting with backoff when it is
 * lost. The sync process runs `SELECT pg_notify('joule_events', json)` inside each batch
 * transaction, so every API process sees each committed batch, however many run.
 *
 * Payload (version 1):
 *   {"v":1,"chainId":31337,"fromBlock":"120","toBlock":"135","reorg":false}
 * `fromBlock..toBlock` (inclusive, decimal strings) are the blocks whose rows the batch
 * wrote; after a reorg `fromBlock` is the first re-indexed block. Payloads are hints: the
 * API re-reads rows, so a malformed one is ignored and a lost one is repaired by the
 * `resync` message sent after every reconnection.
 */
import pg from "pg";

export const DEFAULT_CHANNEL = "joule_events";

export interface BatchNotice {
  chainId: number;
  fromBlock: bigint;
  toBlock: bigint;
  reorg: boolean;
}

export type NotifyMessage =
  | { type: "batch"; batch: BatchNotice }
  /** The connection was re-established: notifications may have been missed meanwhile. */
  | { type: "resync" };

export interface NotifyListenerOptions {
  connectionString: string;
  channel?: string;
  /** First reconnection delay; doubles up to `maxBackoffMs`. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** A `SELECT 1` on this period detects half-open connections that never report an error. */
  healthCheckMs?: number;
  onError?: (error: unknown) => void;
  onConnectionChange?: (connected: boolean) => void;
}

/** Parses a version-1 payload; null if it is not one. */
export function parseNotice(payload: string | undefined): BatchNotice | null {
  if (payload === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return null;
  }
  if (value === null || typeof value !== "object") return null;
  const v = value as Record<string, unknown>;
  const block = (x: unknown) =>
    typeof x === "string" && /^\d+$/.test(x)
      ? BigInt(x)
      : typeof x === "number" && Number.isSafeInteger(x) && x >= 0
        ? BigInt(x)
        : null;
  const fromBlock = block(v.fromBlock);
  const toBlock = block(v.toBlock);
  if (v.v !== 1 || typeof v.chainId !== "number" || fromBlock === null || toBlock === null || fromBlock > toBlock)
    return null;
  return { chainId: v.chainId, fromBlock, toBlock, reorg: v.reorg === true };
}

export class NotifyListener {
  readonly #options: Required<Omit<NotifyListenerOptions, "onError" | "onConnectionChange">> &
    Pick<NotifyListenerOptions, "onError" | "onConnectionChange">;
  readonly #subscribers = new Set<(message: NotifyMessage) => void>();
  #client: pg.Client | null = null;
  #connected = false;
  #closed = false;
  #everConnected = false;
  #backoff: number;
  #retryTimer: NodeJS.Timeout | null = null;
  #healthTimer: NodeJS.Timeout | null = null;

  constructor(options: NotifyListenerOptions) {
    this.#options = {
      channel: DEFAULT_CHANNEL,
      minBackoffMs: 250,
      maxBackoffMs: 10_000,
      healthCheckMs: 30_000,
      ...options,
    };
    if (!/^[a-z_][a-z0-9_]*$/.test(this.#options.channel))
      throw new Error(`invalid channel name ${this.#options.channel}`);
    this.#backoff = this.#options.minBackoffMs;
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Connects once; on failure keeps retrying in the background. Never rejects. */
  async start(): Promise<void> {
    await this.#connect();
  }

  subscribe(fn: (message: NotifyMessage) => void): () => void {
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    if (this.#healthTimer) clearInterval(this.#healthTimer);
    const client = this.#client;
    this.#client = null;
    this.#setConnected(false);
    if (client) await client.end().catch(() => {});
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({
      connectionString: this.#options.connectionString,
      application_name: "joule-api-listen",
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
    });
    // Registered before connect so a failure during it cannot become an unhandled 'error'.
    client.on("error", (error) => this.#lost(client, error));
    client.on("end", () => this.#lost(client, null));
    client.on("notification", (msg) => {
      if (msg.channel !== this.#options.channel) return;
      const batch = parseNotice(msg.payload);
      if (batch === null) {
        this.#options.onError?.(
          new Error(`ignored malformed ${msg.channel} payload: ${String(msg.payload).slice(0, 200)}`),
        );
        return;
      }
      this.#emit({ type: "batch", batch });
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.#options.channel}`);
    } catch (error) {
      this.#options.onError?.(error);
      await client.end().catch(() => {});
      this.#scheduleRetry();
      return;
    }
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    this.#client = client;
    this.#backoff = this.#options.minBackoffMs;
    this.#setConnected(true);
    this.#startHealthCheck(client);
    if (this.#everConnected) this.#emit({ type: "resync" });
    this.#everConnected = true;
  }

  #lost(client: pg.Client, error: unknown): void {
    if (this.#client !== client) return; // a failed attempt, already handled, or an old client
    this.#client = null;
    if (this.#healthTimer) clearInterval(this.#healthTimer);
    this.#setConnected(false);
    if (error) this.#options.onError?.(error);
    void client.end().catch(() => {});
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#retryTimer) return;
    const delay = this.#backoff * (0.5 + Math.random() / 2);
    this.#backoff = Math.min(this.#backoff * 2, this.#options.maxBackoffMs);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      void this.#connect();
    }, delay);
    this.#retryTimer.unref();
  }

  #startHealthCheck(client: pg.Client): void {
    if (this.#healthTimer) clearInterval(this.#healthTimer);
    this.#healthTimer = setInterval(() => {
      const timeout = setTimeout(
        () => this.#lost(client, new Error("LISTEN connection health check timed out")),
        10_000,
      );
      timeout.unref();
      client.query("SELECT 1").then(
        () => clearTimeout(timeout),
        (error) => {
          clearTimeout(timeout);
          this.#lost(client, error);
        },
      );
    }, this.#options.healthCheckMs);
    this.#healthTimer.unref();
  }

  #setConnected(connected: boolean): void {
    if (this.#connected === connected) return;
    this.#connected = connected;
    this.#options.onConnectionChange?.(connected);
  }

  #emit(message: NotifyMessage): void {
    for (const fn of this.#subscribers) {
      try {
        fn(message);
      } catch (error) {
        this.#options.onError?.(error);
      }
    }
  }
}
