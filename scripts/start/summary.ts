// What the indexer says about the market, read over GraphQL: the running summary and the wait for catch-up.
import { createIndexerClient, type IndexerClient } from "@joule/sdk";
import { fmtJoule, fmtUsd } from "./sim.ts";

export type NetworkSummary = {
  block: number | null;
  lag: number | null;
  jobs: {
    total: number;
    open: number;
    assigned: number;
    completed: number;
    cancelled: number;
    expired: number;
    failed: number;
  };
  /** Payment token totals (the simulation's one token). */
  paidGross: bigint;
  fees: bigint;
  refunded: bigint;
  funded: bigint;
  withdrawn: bigint;
  slashed: bigint;
  rewardsClaimed: bigint;
  kWh: number;
  gpuHours: number;
  gCO2e: number;
  providers: number;
};

const SUMMARY_QUERY = /* GraphQL */ `
  query Summary {
    _meta {
      block {
        number
      }
      lagBlocks
    }
    networkStats {
      jobs {
        total
        open
        assigned
        completed
        cancelled
        expired
        failed
      }
      providers {
        registered
      }
      energy {
        kWh
        gpuHours
        gCO2e
      }
      slashed
      rewardsClaimed
      tokens {
        address
        funded
        paid
        fees
        refunded
        withdrawn
      }
    }
  }
`;

type SummaryResult = {
  _meta: { block: { number: number } | null; lagBlocks: number | null };
  networkStats: {
    jobs: NetworkSummary["jobs"];
    providers: { registered: number };
    energy: { kWh: number; gpuHours: number; gCO2e: number };
    slashed: string;
    rewardsClaimed: string;
    tokens: { address: string; funded: string; paid: string; fees: string; refunded: string; withdrawn: string }[];
  };
};

export function indexerClient(graphqlUrl: string): IndexerClient {
  return createIndexerClient(graphqlUrl, { timeoutMs: 15_000 });
}

export async function readSummary(indexer: IndexerClient, paymentToken: string): Promise<NetworkSummary> {
  const r = await indexer.query<SummaryResult>(SUMMARY_QUERY);
  const s = r.networkStats;
  const token = s.tokens.find((t) => t.address.toLowerCase() === paymentToken.toLowerCase());
  const big = (v: string | undefined) => BigInt(v ?? "0");
  return {
    block: r._meta.block?.number ?? null,
    lag: r._meta.lagBlocks,
    jobs: s.jobs,
    paidGross: big(token?.paid),
    fees: big(token?.fees),
    refunded: big(token?.refunded),
    funded: big(token?.funded),
    withdrawn: big(token?.withdrawn),
    slashed: big(s.slashed),
    rewardsClaimed: big(s.rewardsClaimed),
    kWh: s.energy.kWh,
    gpuHours: s.energy.gpuHours,
    gCO2e: s.energy.gCO2e,
    providers: s.providers.registered,
  };
}

/** One line for the running summary. */
export function summaryLine(s: NetworkSummary): string {
  const j = s.jobs;
  return (
    `[indexer @ block ${s.block ?? "-"}${s.lag ? `, ${s.lag} behind` : ""}] ` +
    `jobs ${j.total}: ${j.open} open, ${j.assigned} assigned, ${j.completed} completed, ${j.failed} failed, ${j.expired} expired, ${j.cancelled} cancelled | ` +
    `paid ${fmtUsd(s.paidGross - s.fees)} (+${fmtUsd(s.fees)} fees) | refunded ${fmtUsd(s.refunded)} | slashed ${fmtJoule(s.slashed)} | ` +
    `energy ${s.kWh.toFixed(3)} kWh | rewards claimed ${fmtJoule(s.rewardsClaimed)}`
  );
}

/** The final summary block of `--once` (one fact per line; the smoke test reads these lines). */
export function summaryBlock(s: NetworkSummary): string[] {
  const j = s.jobs;
  return [
    `jobs:      ${j.total} total — ${j.completed} completed, ${j.failed} failed, ${j.expired} expired, ${j.cancelled} cancelled, ${j.open} open, ${j.assigned} assigned`,
    `funded:    ${fmtUsd(s.funded)} escrowed by tenants and sponsors`,
    `paid:      ${fmtUsd(s.paidGross - s.fees)} to providers, ${fmtUsd(s.fees)} in fees`,
    `refunded:  ${fmtUsd(s.refunded)}`,
    `withdrawn: ${fmtUsd(s.withdrawn)}`,
    `slashed:   ${fmtJoule(s.slashed)}`,
    `energy:    ${s.kWh.toFixed(3)} kWh verified, ${s.gpuHours.toFixed(3)} GPU-hours, ${s.gCO2e.toFixed(1)} gCO2e`,
    `rewards:   ${fmtJoule(s.rewardsClaimed)} claimed`,
  ];
}

/** Waits until the indexer has indexed `block` (as the API reports it). */
export async function waitForIndexer(
  indexer: IndexerClient,
  block: bigint,
  options: { timeoutMs: number; failure: () => unknown },
): Promise<number> {
  const deadline = Date.now() + options.timeoutMs;
  let last: number | null = null;
  for (;;) {
    const failure = options.failure();
    if (failure)
      throw new Error(`the indexer stopped: ${failure instanceof Error ? failure.message : String(failure)}`);
    try {
      const r = await indexer.query<{ _meta: { block: { number: number } | null } }>(`{ _meta { block { number } } }`);
      last = r._meta.block?.number ?? null;
      if (last !== null && BigInt(last) >= block) return last;
    } catch {
      // The API may still be starting; keep asking until the deadline.
    }
    if (Date.now() > deadline)
      throw new Error(
        `the indexer did not reach block ${block} within ${options.timeoutMs / 1000} s (it is at ${last ?? "nothing yet"})`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}
