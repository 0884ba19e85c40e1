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
 * joule-indexer-sync) and the connection it reads and holds its lock on (joule-indexer-sync-main).
 */
export async function syncBackendCpuSeconds(databaseUrl: string): Promise<number | undefined> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const { rows } = await c.query(
      `SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'joule-indexer-sync%'`,
    );
    if (rows.length === 0) return undefined;
    return rows.reduce((sum, r) => sum + (processCpuSeconds(r.pid) ?? 0), 0);
  } finally {
    await c.end();
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

export const loadAverage = () => loadavg().map((x) => Number(x.toFixed(2)));

/** CPU use of this process since `since` (process.cpuUsage), seconds. */
export function ownCpuSeconds(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return Number(((u.user + u.system) / 1e6).toFixed(2));
}
