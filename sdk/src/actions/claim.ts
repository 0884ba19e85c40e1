import type { Address } from "viem";
import { readContract } from "viem/actions";
import { jobMarketAbi, rewardEmitterAbi } from "../abi/index.ts";
import { accountAddress, type JouleClient } from "../client.ts";
import { InvalidInputError } from "../errors/errors.ts";
import { eventsOf } from "../utils/events.ts";
import { read, sendContractTx, type WriteResult } from "../utils/tx.ts";
import { toAddress, toSmallUint } from "../utils/validate.ts";
import { getPendingRewards } from "./getPendingRewards.ts";

export type ClaimParameters = {
  /** Tokens whose whole market balance to withdraw; default the payment token and JOULE, where non-zero. */
  tokens?: readonly Address[] | undefined;
  /** Reward epochs to claim; default every epoch with a pending reward. Pass [] to skip rewards. */
  epochs?: readonly number[] | undefined;
  /** Recipient; default the caller. */
  to?: Address | undefined;
};

export type ClaimReturnType = WriteResult & {
  withdrawn: { token: Address; amount: bigint }[];
  /** JOULE minted for `epochs`. */
  rewards: bigint;
  epochs: number[];
};

/**
 * Collects everything in one transaction: the caller's whole market balances of `tokens` (earnings, refunds,
 * compensation) and JOULE rewards for `epochs`.
 *
 * @example
 * const { withdrawn, rewards } = await claim(joule); // all balances and all claimable rewards
 */
export async function claim(joule: JouleClient, parameters: ClaimParameters = {}): Promise<ClaimReturnType> {
  const account = accountAddress(joule);
  const to = toAddress("to", parameters.to ?? account);
  const market = joule.deployment.addresses.jobMarket;
  const { paymentToken, jouleToken, rewardEmitter } = joule.deployment.addresses;

  let tokens: Address[];
  if (parameters.tokens) {
    tokens = parameters.tokens.map((t, i) => toAddress(`tokens[${i}]`, t));
  } else {
    const candidates = [...(paymentToken ? [paymentToken] : []), jouleToken];
    const balances = await read(() =>
      Promise.all(
        candidates.map((t) =>
          readContract(joule.client, {
            address: market,
            abi: jobMarketAbi,
            functionName: "balanceOf",
            args: [account, t],
          }),
        ),
      ),
    );
    tokens = candidates.filter((_, i) => balances[i]! > 0n);
  }
  const epochs = parameters.epochs
    ? parameters.epochs.map((e, i) => toSmallUint(`epochs[${i}]`, e, { max: 2 ** 32 - 1 }))
    : (await getPendingRewards(joule, { provider: account })).epochs.map((e) => e.epoch);
  if (!tokens.length && !epochs.length) {
    throw new InvalidInputError(
      "tokens",
      `nothing to claim: ${account} has no market balance and no claimable rewards`,
    );
  }
  const result = await sendContractTx(joule, "claim", {
    address: market,
    abi: jobMarketAbi,
    functionName: "claim",
    args: [tokens, epochs, to],
  });
  return {
    ...result,
    withdrawn: eventsOf(result.receipt.logs, jobMarketAbi, market, "Withdrawn").map((e) => ({
      token: e.args.token,
      amount: e.args.amount,
    })),
    rewards: eventsOf(result.receipt.logs, rewardEmitterAbi, rewardEmitter, "RewardClaimed").reduce(
      (s, e) => s + e.args.amount,
      0n,
    ),
    epochs,
  };
}
