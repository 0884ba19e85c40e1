import type { Address } from "viem";
import { rewardEmitterAbi } from "../abi/index.ts";
import { accountAddress, type JouleClient } from "../client.ts";
import { InvalidInputError } from "../errors/errors.ts";
import { eventsOf } from "../utils/events.ts";
import { sendContractTx, type WriteResult } from "../utils/tx.ts";
import { toAddress, toSmallUint } from "../utils/validate.ts";
import { getPendingRewards } from "./getPendingRewards.ts";

export type ClaimRewardsParameters = {
  /** Ended epochs to claim; default every epoch with a pending reward. */
  epochs?: readonly number[] | undefined;
  /** Recipient of the minted JOULE; default the caller. */
  to?: Address | undefined;
};

export type ClaimRewardsReturnType = WriteResult & { amount: bigint; epochs: number[] };

/**
 * Claims the caller's JOULE rewards for ended epochs; they are minted to `to`.
 *
 * @example
 * const { amount, epochs } = await claimRewards(joule); // everything claimable
 */
export async function claimRewards(
  joule: JouleClient,
  parameters: ClaimRewardsParameters = {},
): Promise<ClaimRewardsReturnType> {
  const account = accountAddress(joule);
  const to = toAddress("to", parameters.to ?? account);
  let epochs: number[];
  if (parameters.epochs) {
    if (!parameters.epochs.length) throw new InvalidInputError("epochs", "is empty");
    epochs = parameters.epochs.map((e, i) => toSmallUint(`epochs[${i}]`, e, { max: 2 ** 32 - 1 }));
  } else {
    epochs = (await getPendingRewards(joule, { provider: account })).epochs.map((e) => e.epoch);
    if (!epochs.length) throw new InvalidInputError("epochs", `${account} has no ended epoch with unclaimed rewards`);
  }
  const emitter = joule.deployment.addresses.rewardEmitter;
  const result = await sendContractTx(joule, "claimRewards", {
    address: emitter,
    abi: rewardEmitterAbi,
    functionName: "claimRewards",
    args: [epochs, to],
  });
  const amount = eventsOf(result.receipt.logs, rewardEmitterAbi, emitter, "RewardClaimed").reduce(
    (s, e) => s + e.args.amount,
    0n,
  );
  return { ...result, amount, epochs };
}
