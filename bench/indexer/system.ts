// How busy the machine is and who used the CPU: the benchmark shares two cores with other work, so wall-clock
// figures come with CPU seconds per process, the load average and a PostgreSQL reference insert.
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import pg from "pg";

/** utime + stime of a process on this machine, seconds (Linux /proc; USER_HZ = 100). */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of the PostgreSQL backends serving the sync engine: its batch writer (application_name
 * joule-indexer-sync), the connection it reads and holds its lock on (joule-indexer-sync-main), the one it opens to
 * build deferred indexes (joule-indexer-sync-indexes) and the parallel workers of index builds. Some close before
 * the end: `sample` while they run keeps the most each one used; `total` adds up every backend seen.
 */
export class SyncBackendCpu {
  private readonly seen = new Map<number, number>();

  /** Reads the CPU of the sync's backends now, through `db` (a connection to the sync's database). */
  async sample(db: pg.Client): Promise<void> {
    const { rows } = await db.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database()
         AND (application_name LIKE 'joule-indexer-sync%' OR backend_type = 'parallel worker')`,
    );
    for (const { pid } of rows) {
      const s = processCpuSeconds(pid);
      if (s !== undefined && s > (this.seen.get(pid) ?? 0)) this.seen.set(pid, s);
    }
  }

  /** Total over every backend sampled; undefined if none was seen. */
  get total(): number | undefined {
    if (this.seen.size === 0) return undefined;
    let sum = 0;
    for (const s of this.seen.values()) sum += s;
    return sum;
  }
}

/**
 * Reference for how busy this machine is: PostgreSQL inserting 32,000 raw_events rows by itself (no client).
 * On a quiet 2-core machine it takes a few hundred milliseconds; when other work shares the cores every figure
 * slows down with it.
 */
export async function referenceInsertMs(databaseUrl: string): Promise<number> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query("BEGIN");
    const t = performance.now();
    await c.query(`INSERT INTO raw_events SELECT 0, md5(i::text) || md5(i::text), i, i / 64, md5('b'), 0, '0xaa', 'JobCreated',
      jsonb_build_object('jobId', i::text, 'funded', '3600000'), now() FROM generate_series(1, 32000) i`);
    const ms = performance.now() - t;
    await c.query("ROLLBACK");
    return Math.round(ms);
  } finally {
    await c.end();
  }
}

/**
 * Busy CPU seconds of the whole machine so far: every process, the kernel, and time the hypervisor gave to others
 * (steal). /proc/stat, all but idle and iowait.
 */
export function machineBusySeconds(): number {
  const fields = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / 100;
}

export const loadAverage = () => loadavg().map((x) => Number(x.toFixed(2)));

/** CPU use of this process since `since` (process.cpuUsage), seconds. */
export function ownCpuSeconds(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return Number(((u.user + u.system) / 1e6).toFixed(2));
}
