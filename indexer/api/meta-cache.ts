/**
 * One checkpoint read shared by the requests of a short moment. `_meta`, `networkStats` and every `totalCount`
 * (keyed by the indexed block) read the checkpoint; under load that was one statement in six. The shared read is
 * dropped as soon as the sync announces a batch or a rollback (NOTIFY, notify.ts), so the indexed block is never
 * older than the notification's delivery; the head the sync last saw (written without a notification) is at most
 * `maxAgeMs` old. Without a working LISTEN connection nothing is shared.
 */
import type { MetaSnapshot } from "./meta.ts";
import type { NotifyListener } from "./notify.ts";

export class MetaCache {
  readonly #read: () => Promise<MetaSnapshot>;
  readonly #maxAgeMs: number;
  readonly #notify: Pick<NotifyListener, "connected"> | null;
  readonly #now: () => number;
  #shared: { at: number; snapshot: Promise<MetaSnapshot> } | undefined;

  constructor(
    read: () => Promise<MetaSnapshot>,
    options: {
      maxAgeMs: number;
      notify: (Pick<NotifyListener, "connected"> & Pick<NotifyListener, "subscribe">) | null;
      now?: () => number;
    },
  ) {
    this.#read = read;
    this.#maxAgeMs = options.maxAgeMs;
    this.#notify = options.notify;
    this.#now = options.now ?? (() => performance.now());
    // A batch, a rollback, or a reconnection (notifications may have been missed): read again.
    options.notify?.subscribe(() => this.forget());
  }

  /** The checkpoint, shared with the other requests of the last `maxAgeMs` when nothing changed since. */
  get(): Promise<MetaSnapshot> {
    if (this.#maxAgeMs <= 0 || !this.#notify?.connected) return this.#read();
    const now = this.#now();
    const shared = this.#shared;
    if (shared && now - shared.at < this.#maxAgeMs) return shared.snapshot;
    const snapshot = this.#read();
    const entry = { at: now, snapshot };
    this.#shared = entry;
    // A failed read is not shared.
    snapshot.catch(() => {
      if (this.#shared === entry) this.#shared = undefined;
    });
    return snapshot;
  }

  forget(): void {
    this.#shared = undefined;
  }
}
