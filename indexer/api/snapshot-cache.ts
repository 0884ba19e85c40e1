// Whole-index aggregates (job counts by status, the totalCount of a filter) change only when the sync engine commits
// a batch or rolls one back, and both move the checkpoint. They are cached per checkpoint (number + hash): once the
// checkpoint moves, the next request computes afresh, so an answer is never older than the block the same request
// would report in `_meta`. Counting 100k rows on every page view was most of the database's work under load.

export type CheckpointKey = { number: bigint; hash: string } | null;

export class SnapshotCache {
  private checkpoint: string | undefined;
  private readonly entries = new Map<string, Promise<unknown>>();
  private readonly maxEntries: number;

  constructor(maxEntries = 10_000) {
    this.maxEntries = maxEntries;
  }

  /** The value of `key` at `checkpoint`, computed once per checkpoint (not cached while nothing is indexed). */
  get<T>(checkpoint: CheckpointKey, key: string, compute: () => Promise<T>): Promise<T> {
    if (!checkpoint) return compute();
    const at = `${checkpoint.number}:${checkpoint.hash}`;
    if (at !== this.checkpoint) {
      this.checkpoint = at;
      this.entries.clear();
    }
    const hit = this.entries.get(key) as Promise<T> | undefined;
    if (hit) return hit;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const value = compute();
    this.entries.set(key, value);
    // A failure is not remembered: the next request tries again.
    value.catch(() => {
      if (this.entries.get(key) === value) this.entries.delete(key);
    });
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** A cache key for filter arguments (which may hold bigints). */
export function argsKey(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? `${v}n` : v)) ?? "";
}
