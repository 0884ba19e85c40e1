/**
 * Network, energy and leaderboard statistics. Energy follows the schema's conventions:
 * units are GPU-seconds (GPU-hours = units / 3600), kWh = energyWh / 1000 and
 * gCO2e = co2eMg / 1000, where co2eMg was fixed at settlement from the provider's
 * declared carbon intensity. Only verified (accepted) milestones count.
 */
import { badInput } from "./errors.ts";
import type { Db } from "./sql.ts";

export interface EnergyStats {
  units: string;
  gpuHours: number;
  energyWh: string;
  kWh: number;
  co2eMg: string;
  gCO2e: number;
  unitsPerKWh: number | null;
  gpuHoursPerKWh: number | null;
  gCO2ePerGpuHour: number | null;
  carbonIntensity: number | null;
}

/** Energy figures from canonical integer texts (NULL counts as 0). */
export function energyStats(units: string | null, energyWh: string | null, co2eMg: string | null): EnergyStats {
  const u = BigInt(units ?? "0");
  const e = BigInt(energyWh ?? "0");
  const c = BigInt(co2eMg ?? "0");
  const gpuHours = Number(u) / 3600;
  const kWh = Number(e) / 1000;
  return {
    units: u.toString(),
    gpuHours,
    energyWh: e.toString(),
    kWh,
    co2eMg: c.toString(),
    gCO2e: Number(c) / 1000,
    unitsPerKWh: e === 0n ? null : Number(u) / kWh,
    gpuHoursPerKWh: e === 0n ? null : gpuHours / kWh,
    gCO2ePerGpuHour: u === 0n ? null : Number(c) / 1000 / gpuHours,
    // mg per Wh is g per kWh.
    carbonIntensity: e === 0n ? null : Number(c) / Number(e),
  };
}

export interface JobCounts {
  total: number;
  open: number;
  assigned: number;
  completed: number;
  cancelled: number;
  expired: number;
  failed: number;
}

export async function jobCounts(db: Db): Promise<JobCounts> {
  const rows = await db.query<{ status: string; n: string }>(
    `SELECT "status"::text AS status, count(*)::text AS n FROM "jobs" GROUP BY 1`,
    [],
  );
  const by = new Map(rows.map((r) => [r.status, Number(r.n)]));
  const get = (s: string) => by.get(s) ?? 0;
  return {
    total: rows.reduce((sum, r) => sum + Number(r.n), 0),
    open: get("OPEN"),
    assigned: get("ASSIGNED"),
    completed: get("COMPLETED"),
    cancelled: get("CANCELLED"),
    expired: get("EXPIRED"),
    failed: get("FAILED"),
  };
}

export interface ProviderTotals {
  total: number;
  registered: number;
  withVerifiedWork: number;
  stake: string;
  locked: string;
  slashed: string;
  rewardsClaimed: string;
  energy: EnergyStats;
}

export async function providerTotals(db: Db): Promise<ProviderTotals> {
  const rows = await db.query<Record<string, string | null>>(
    `SELECT count(*)::text AS total,
            count(*) FILTER (WHERE "registered")::text AS registered,
            count(*) FILTER (WHERE "units" > 0)::text AS "withVerifiedWork",
            coalesce(sum("stake"), 0)::text AS stake,
            coalesce(sum("locked"), 0)::text AS locked,
            coalesce(sum("slashedTotal"), 0)::text AS slashed,
            coalesce(sum("rewardsClaimed"), 0)::text AS "rewardsClaimed",
            coalesce(sum("units"), 0)::text AS units,
            coalesce(sum("energyWh"), 0)::text AS "energyWh",
            coalesce(sum("co2eMg"), 0)::text AS "co2eMg"
       FROM "providers"`,
    [],
  );
  const r = rows[0]!;
  return {
    total: Number(r.total),
    registered: Number(r.registered),
    withVerifiedWork: Number(r.withVerifiedWork),
    stake: r.stake!,
    locked: r.locked!,
    slashed: r.slashed!,
    rewardsClaimed: r.rewardsClaimed!,
    energy: energyStats(r.units!, r.energyWh!, r.co2eMg!),
  };
}

export interface RewardTotals {
  epochs: number;
  units: string;
  emission: string;
  minted: string;
}

export async function rewardTotals(db: Db): Promise<RewardTotals> {
  const rows = await db.query<Record<string, string>>(
    `SELECT count(*)::text AS epochs, coalesce(sum("units"), 0)::text AS units,
            coalesce(sum("emission"), 0)::text AS emission, coalesce(sum("minted"), 0)::text AS minted
       FROM "reward_epochs"`,
    [],
  );
  const r = rows[0]!;
  return {
    epochs: Number(r.epochs),
    units: r.units!,
    emission: r.emission!,
    minted: r.minted!,
  };
}

// ───────────────────────────── Leaderboards ─────────────────────────────

export type LeaderboardMetric = "EARNINGS" | "UNITS" | "COMPLETED_JOBS" | "ENERGY_EFFICIENCY";

export interface LeaderboardRow {
  rank: number;
  address: string;
  value: number;
  /** Exact integer value (null for ratios). */
  exactValue: string | null;
}

export interface LeaderboardArgs {
  metric: LeaderboardMetric;
  first: number;
  /** Payment token, required for EARNINGS (amounts in different tokens do not add up). */
  token?: string | null;
  /** ENERGY_EFFICIENCY only ranks providers with at least this much verified energy, so one tiny proof cannot top the board. */
  minEnergyWh?: string | null;
}

/**
 * Top providers by a metric; ties broken by address so the order is stable. Only
 * providers with a non-zero value appear.
 */
export async function leaderboard(db: Db, args: LeaderboardArgs): Promise<LeaderboardRow[]> {
  let sql: string;
  const params: string[] = [];
  switch (args.metric) {
    case "EARNINGS":
      if (args.token == null)
        throw badInput("leaderboard: EARNINGS needs `token` (amounts in different tokens do not add up)");
      params.push(args.token);
      sql = `SELECT "provider" AS address, "earned"::text AS exact, "earned"::float8 AS value FROM "provider_earnings"
              WHERE "token" = $1::text AND "earned" > 0 ORDER BY "earned" DESC, "provider" ASC`;
      break;
    case "UNITS":
      sql = `SELECT "address", "units"::text AS exact, "units"::float8 AS value FROM "providers"
              WHERE "units" > 0 ORDER BY "units" DESC, "address" ASC`;
      break;
    case "COMPLETED_JOBS":
      sql = `SELECT "address", "jobsCompleted"::text AS exact, "jobsCompleted"::float8 AS value FROM "providers"
              WHERE "jobsCompleted" > 0 ORDER BY "jobsCompleted" DESC, "address" ASC`;
      break;
    case "ENERGY_EFFICIENCY": {
      const min = BigInt(args.minEnergyWh ?? "1");
      params.push((min < 1n ? 1n : min).toString());
      // Work per kWh = units / (energyWh / 1000).
      sql = `SELECT "address", NULL AS exact, ("units" * 1000 / "energyWh")::float8 AS value FROM "providers"
              WHERE "energyWh" >= $1::numeric AND "units" > 0 ORDER BY "units" / "energyWh" DESC, "address" ASC`;
      break;
    }
  }
  params.push(String(args.first));
  const rows = await db.query<{
    address: string;
    exact: string | null;
    value: number | string;
  }>(`${sql} LIMIT $${params.length}::int8`, params);
  return rows.map((r, i) => ({
    rank: i + 1,
    address: r.address,
    value: Number(r.value),
    exactValue: r.exact,
  }));
}
