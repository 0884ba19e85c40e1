import type { Address } from "viem";
import { providerRegistryAbi } from "../abi/index.ts";
import { accountAddress, type JouleClient } from "../client.ts";
import { eventsOf } from "../utils/events.ts";
import { sendContractTx, type WriteResult } from "../utils/tx.ts";
import { toAddress } from "../utils/validate.ts";

export type WithdrawUnbondedParameters = {
  /** Recipient; default the caller. */
  to?: Address | undefined;
};

export type WithdrawUnbondedReturnType = WriteResult & {
  amount: bigint;
  /** Stake left afterwards. */
  stake: bigint;
};

/**
 * Withdraws the whole unbonded stake once its delay has passed.
 *
 * @example
 * const { amount } = await withdrawUnbonded(joule);
 */
export async function withdrawUnbonded(
  joule: JouleClient,
  parameters: WithdrawUnbondedParameters = {},
): Promise<WithdrawUnbondedReturnType> {
  const to = toAddress("to", parameters.to ?? accountAddress(joule));
  const registry = joule.deployment.addresses.providerRegistry;
  const result = await sendContractTx(joule, "withdrawUnbonded", {
    address: registry,
    abi: providerRegistryAbi,
    functionName: "withdrawUnbonded",
    args: [to],
  });
  const e = eventsOf(result.receipt.logs, providerRegistryAbi, registry, "Unbonded")[0];
  return { ...result, amount: e?.args.amount ?? 0n, stake: e?.args.stake ?? 0n };
}
