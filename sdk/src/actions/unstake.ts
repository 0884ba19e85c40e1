import { providerRegistryAbi } from "../abi/index.ts";
import type { JouleClient } from "../client.ts";
import { eventsOf } from "../utils/events.ts";
import { sendContractTx, type WriteResult } from "../utils/tx.ts";
import { type IntegerInput, toUint } from "../utils/validate.ts";

export type UnstakeParameters = {
  /** JOULE (wei) of free stake to start unbonding. */
  amount: IntegerInput;
};

export type UnstakeReturnType = WriteResult & {
  /** Total now unbonding (a new request adds to it and restarts the delay). */
  unbonding: bigint;
  /** When `withdrawUnbonded` becomes possible (unix time). */
  unlockAt: number;
};

/**
 * Starts unbonding free stake (`requestUnbond`). After the registry's unbonding delay, take it out with
 * `withdrawUnbonded`. Unbonding stake no longer backs bids but stays slashable until withdrawn.
 *
 * @example
 * const { unlockAt } = await unstake(joule, { amount: parseEther("500") });
 */
export async function unstake(joule: JouleClient, parameters: UnstakeParameters): Promise<UnstakeReturnType> {
  const amount = toUint("amount", parameters.amount);
  const registry = joule.deployment.addresses.providerRegistry;
  const result = await sendContractTx(joule, "unstake", {
    address: registry,
    abi: providerRegistryAbi,
    functionName: "requestUnbond",
    args: [amount],
  });
  const e = eventsOf(result.receipt.logs, providerRegistryAbi, registry, "UnbondRequested")[0];
  return { ...result, unbonding: e?.args.unbonding ?? 0n, unlockAt: e?.args.unlockAt ?? 0 };
}
