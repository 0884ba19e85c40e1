// Head latency: a job is created, its block mined (`evm_mine`, automine off), and the time from the mined block to
// the job being visible through the GraphQL API is measured by polling `job(id)` every ~10 ms. The sync process
// and the API run as child processes, following the node as in production.
import { encodeFunctionData, type Hex, keccak256, stringToHex } from "viem";
import { jobMarketAbi } from "@joule/sdk/abi";
import type { Network } from "./network.ts";
import { graphql } from "./services.ts";
import { summarize } from "./stats.ts";

export type HeadFigure = {
  samples: number;
  medianMs: number;
  p90Ms: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
  meanMs: number;
  /** Samples not visible within the timeout (counted out of the percentiles, reported here). */
  timeouts: number;
  /** Wall time of the evm_mine call itself, median ms (not part of the latency: the clock starts at its answer). */
  mineCallMedianMs: number;
  pollEveryMs: number;
};

const POLL_EVERY_MS = 10;
const TIMEOUT_MS = 15_000;

export async function measureHeadLatency(
  net: Network,
  graphqlUrl: string,
  options: { samples: number; firstJobId: bigint },
  log: (line: string) => void,
): Promise<HeadFigure> {
  const { rpc, cast, deployment } = net;
  await rpc.call("evm_setAutomine", [false]);
  const tenant = cast.tenants[0]!;
  const latencies: number[] = [];
  const mineCalls: number[] = [];
  let timeouts = 0;
  for (let k = 0; k < options.samples; k++) {
    const jobId = options.firstJobId + BigInt(k);
    // A random pause, so blocks arrive at random points of the sync process's poll cycle.
    await new Promise((r) => setTimeout(r, Math.random() * 200));
    const latest = await rpc.call<{ timestamp: Hex }>("eth_getBlockByNumber", ["latest", false]);
    const request = {
      token: deployment.addresses.paymentToken!,
      verifier: deployment.addresses.quorumVerifier,
      specHash: keccak256(stringToHex(`joule-bench:head-${k}`)),
      maxUnits: 3_600n,
      maxPricePerUnit: 500n,
      collateral: 0n,
      biddingEnd: Number(BigInt(latest.timestamp)) + 7 * 86_400,
      deliveryWindow: 86_400,
      milestones: 1,
      requirements: { minGpuClass: 0, minGpuCount: 0, minVramGb: 0, maxCarbonIntensity: 0 },
    };
    await rpc.call("eth_sendTransaction", [
      {
        from: tenant.address,
        to: deployment.addresses.jobMarket,
        data: encodeFunctionData({ abi: jobMarketAbi, functionName: "createJob", args: [request] }),
        gas: "0x61a80",
      },
    ]);
    const mineStarted = performance.now();
    await rpc.call("evm_mine", []);
    const mined = performance.now();
    mineCalls.push(mined - mineStarted);
    let seen: number | undefined;
    while (performance.now() - mined < TIMEOUT_MS) {
      const asked = performance.now();
      const { body } = await graphql<{ job: { id: string } | null }>(
        graphqlUrl,
        `
          query ($id: BigInt!) {
            job(id: $id) {
              id
            }
          }
        `,
        {
          id: jobId.toString(),
        },
      );
      if (body.errors?.length) throw new Error(`head-latency poll failed: ${body.errors[0]!.message}`);
      if (body.data?.job) {
        seen = performance.now();
        break;
      }
      const wait = POLL_EVERY_MS - (performance.now() - asked);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    if (seen === undefined) {
      timeouts++;
      log(`  job ${jobId} not visible after ${TIMEOUT_MS / 1000} s`);
      if (timeouts >= 3)
        throw new Error(
          `head latency: ${timeouts} jobs never became visible (wrong job id, or the sync process stopped?)`,
        );
      continue;
    }
    latencies.push(seen - mined);
    if ((k + 1) % 50 === 0) log(`  ${k + 1}/${options.samples} blocks: median so far ${summarize(latencies).p50} ms`);
  }
  const s = summarize(latencies);
  return {
    medianMs: s.p50,
    p99Ms: s.p99,
    samples: s.count,
    p90Ms: s.p90,
    minMs: s.min,
    maxMs: s.max,
    meanMs: s.mean,
    timeouts,
    mineCallMedianMs: summarize(mineCalls).p50,
    pollEveryMs: POLL_EVERY_MS,
  };
}
