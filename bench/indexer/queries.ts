// The GraphQL mix of the load test: what a dApp's pages ask for — a filtered, ordered page of jobs (with its total),
// a tenant's jobs, one job with its bids, milestones and provider, a provider's profile with recent jobs, indexing
// progress, network totals and a leaderboard — each with variables drawn at random from the indexed data.
import type { Address } from "viem";

export type QueryKind = "jobsPage" | "tenantJobs" | "job" | "provider" | "meta" | "networkStats" | "leaderboard";

export type Sample = {
  /** Jobs taken through the lifecycle (they have bids, milestones and a provider). */
  lifecycleJobIds: bigint[];
  lastJobId: bigint;
  providers: Address[];
  tenants: Address[];
};

type Query = { kind: QueryKind; weight: number; text: string; variables: (s: Sample, r: () => number) => object };

const STATUSES = ["OPEN", "OPEN", "OPEN", "ASSIGNED", "COMPLETED", "CANCELLED", "EXPIRED", "FAILED"];
const pick = <T>(items: readonly T[], r: () => number): T => items[Math.floor(r() * items.length)]!;

export const QUERIES: readonly Query[] = [
  {
    kind: "jobsPage",
    weight: 25,
    text: `query JobsPage($status: JobStatus!, $minPrice: BigInt!) {
  jobs(where: { status: { eq: $status }, maxPricePerUnit: { gte: $minPrice } },
       orderBy: [{ field: createdBlock, direction: DESC }], first: 20) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id tenant status maxUnits maxPricePerUnit funded collateral biddingEnd bidCount createdAt }
  }
}`,
    variables: (_s, r) => ({ status: pick(STATUSES, r), minPrice: String(100 + Math.floor(r() * 1500)) }),
  },
  {
    kind: "tenantJobs",
    weight: 10,
    text: `query TenantJobs($tenant: Address!) {
  jobs(where: { tenant: { eq: $tenant } }, orderBy: [{ field: createdAt, direction: DESC }], first: 20) {
    pageInfo { hasNextPage endCursor }
    nodes { id status funded paid refunded closeReason providerAddress }
  }
}`,
    variables: (s, r) => ({ tenant: pick(s.tenants, r) }),
  },
  {
    kind: "job",
    weight: 30,
    text: `query Job($id: BigInt!) {
  job(id: $id) {
    id status closeReason tenant payer maxUnits maxPricePerUnit funded escrow paid fees refunded
    units energyWh pricePerUnit signedBid collateral slashed createdAt assignedAt closedAt
    provider { address gpuClass gpuCount jobsCompleted stake }
    bids(first: 10) { nodes { providerAddress pricePerUnit kind replaced timestamp } }
    milestones { index status units energyWh payment fee settledAt }
    energy { gpuHours kWh gCO2e }
  }
}`,
    // Two in three ask for a job with a history; the rest for any job.
    variables: (s, r) => ({
      id:
        r() < 2 / 3
          ? pick(s.lifecycleJobIds, r).toString()
          : (1n + BigInt(Math.floor(r() * Number(s.lastJobId)))).toString(),
    }),
  },
  {
    kind: "provider",
    weight: 10,
    text: `query Provider($address: Address!) {
  provider(address: $address) {
    address gpuClass gpuCount vramGb carbonIntensity stake locked slashedTotal slashCount
    bidsPlaced jobsAssigned jobsCompleted jobsFailed milestonesSettled units energyWh rewardsClaimed
    jobs(first: 5, orderBy: [{ field: assignedBlock, direction: DESC }]) { nodes { id status pricePerUnit } }
  }
}`,
    variables: (s, r) => ({ address: pick(s.providers, r) }),
  },
  {
    kind: "meta",
    weight: 10,
    text: `query Meta { _meta { chainId block { number hash timestamp } headBlock lagBlocks isSynced } }`,
    variables: () => ({}),
  },
  {
    kind: "networkStats",
    weight: 5,
    text: `query NetworkStats {
  networkStats {
    jobs { total open assigned completed cancelled expired failed }
    providers { total registered withVerifiedWork }
    energy { gpuHours kWh gCO2e unitsPerKWh }
    stake locked slashed rewardsClaimed
  }
}`,
    variables: () => ({}),
  },
  {
    kind: "leaderboard",
    weight: 10,
    text: `query Leaderboard($metric: LeaderboardMetric!) {
  leaderboard(metric: $metric, first: 10) { rank value exactValue provider { address gpuClass } }
}`,
    variables: (_s, r) => ({ metric: pick(["UNITS", "COMPLETED_JOBS", "ENERGY_EFFICIENCY"], r) }),
  },
];

/** Picks a query by weight. */
export function pickQuery(r: () => number, only?: QueryKind): Query {
  if (only) return QUERIES.find((q) => q.kind === only)!;
  const total = QUERIES.reduce((s, q) => s + q.weight, 0);
  let x = r() * total;
  for (const q of QUERIES) {
    x -= q.weight;
    if (x < 0) return q;
  }
  return QUERIES[QUERIES.length - 1]!;
}

/** What a correct answer must hold, per kind: a verification pass checks each before the load starts. */
export function checkAnswer(kind: QueryKind, data: any, s: Sample): string | undefined {
  switch (kind) {
    case "jobsPage":
      return Array.isArray(data?.jobs?.nodes) && typeof data.jobs.totalCount === "number" ? undefined : "no jobs page";
    case "tenantJobs":
      return data?.jobs?.nodes?.length > 0 ? undefined : "the tenant has no jobs";
    case "job":
      return data?.job?.bids?.nodes?.length > 0 && data.job.milestones.length > 0 && data.job.provider
        ? undefined
        : "a lifecycle job lacks bids, milestones or its provider";
    case "provider":
      return data?.provider?.jobs?.nodes?.length > 0 ? undefined : "the provider has no jobs";
    case "meta":
      return typeof data?._meta?.block?.number === "number" ? undefined : "no indexed block";
    case "networkStats":
      return data?.networkStats?.jobs?.total >= Number(s.lastJobId) ? undefined : "fewer jobs than created";
    case "leaderboard":
      return data?.leaderboard?.length > 0 ? undefined : "empty leaderboard";
  }
}
