import type { Address, Hex } from "viem";
import { getContractEvents, readContract } from "viem/actions";
import { jobMarketAbi } from "../abi/index.ts";
import type { JouleClient } from "../client.ts";
import { getLogsInRange } from "../utils/logs.ts";
import { read } from "../utils/tx.ts";
import { type IntegerInput, toUint } from "../utils/validate.ts";

export type GetPendingProofParameters = { jobId: IntegerInput };

export type GetPendingProofReturnType =
  | {
      jobId: bigint;
      milestone: number;
      provider: Address;
      resultRoot: Hex;
      units: bigint;
      energyWh: bigint;
      /** Verifiers must settle by then, else anyone can `expire` the job. */
      verifyDeadline: number;
    }
  | undefined;

/**
 * The proof waiting for verification on a job (what verifiers judge), or undefined when none is pending.
 *
 * @example
 * const pending = await getPendingProof(joule, { jobId: 12n });
 * if (pending) console.log(`milestone ${pending.milestone}: ${pending.units} units, root ${pending.resultRoot}`);
 */
export async function getPendingProof(
  joule: JouleClient,
  parameters: GetPendingProofParameters,
): Promise<GetPendingProofReturnType> {
  const jobId = toUint("jobId", parameters.jobId);
  const market = joule.deployment.addresses.jobMarket;
  const [settled, , verifyDeadline] = await read(() =>
    readContract(joule.client, { address: market, abi: jobMarketAbi, functionName: "jobProgress", args: [jobId] }),
  );
  if (verifyDeadline === 0) return undefined;
  const logs = await getLogsInRange(joule, (fromBlock, toBlock) =>
    getContractEvents(joule.client, {
      address: market,
      abi: jobMarketAbi,
      eventName: "ProofSubmitted",
      args: { jobId, milestone: settled },
      fromBlock,
      toBlock,
      strict: true,
    }),
  );
  // A milestone is proven once per attempt; the latest log is the pending one.
  const log = logs.at(-1);
  if (!log) return undefined;
  const a = log.args;
  return {
    jobId,
    milestone: a.milestone,
    provider: a.provider,
    resultRoot: a.resultRoot,
    units: a.units,
    energyWh: a.energyWh,
    verifyDeadline: a.verifyDeadline,
  };
}
