import type { Address } from "viem";
import { readContract } from "viem/actions";
import { jobMarketAbi } from "../abi/index.ts";
import { accountAddress, type JouleClient } from "../client.ts";
import { InvalidInputError } from "../errors/errors.ts";
import { read, sendContractTx, type WriteResult } from "../utils/tx.ts";
import { type IntegerInput, toAddress, toUint } from "../utils/validate.ts";

export type WithdrawParameters = {
  /** Token to withdraw; default the deployment's payment token. */
  token?: Address | undefined;
  /** Amount in base units; default the whole balance. */
  amount?: IntegerInput | undefined;
  /** Recipient; default the caller. */
  to?: Address | undefined;
};

export type WithdrawReturnType = WriteResult & {
  token: Address;
  amount: bigint;
  /** Balance left in the market right after the withdrawal. */
  remaining: bigint;
};

/**
 * Withdraws from the caller's pull-payment balance in the market (earnings, refunds, slash compensation).
 *
 * @example
 * const { amount } = await withdraw(joule, {}); // the whole payment-token balance, to yourself
 * await withdraw(joule, { token: deployment.addresses.jouleToken, amount: 5n * 10n ** 18n, to: cold });
 */
export async function withdraw(joule: JouleClient, parameters: WithdrawParameters = {}): Promise<WithdrawReturnType> {
  const account = accountAddress(joule);
  const tokenInput = parameters.token ?? joule.deployment.addresses.paymentToken;
  if (!tokenInput) throw new InvalidInputError("token", "no token given and the deployment has no payment token");
  const token = toAddress("token", tokenInput);
  const to = toAddress("to", parameters.to ?? account);
  const market = joule.deployment.addresses.jobMarket;
  let amount: bigint;
  if (parameters.amount === undefined) {
    amount = await read(() =>
      readContract(joule.client, {
        address: market,
        abi: jobMarketAbi,
        functionName: "balanceOf",
        args: [account, token],
      }),
    );
    if (amount === 0n)
      throw new InvalidInputError("amount", `nothing to withdraw: ${account} has no balance of ${token} in the market`);
  } else {
    amount = toUint("amount", parameters.amount);
  }
  const result = await sendContractTx(joule, "withdraw", {
    address: market,
    abi: jobMarketAbi,
    functionName: "withdraw",
    args: [token, amount, to],
  });
  const remaining = await read(() =>
    readContract(joule.client, {
      address: market,
      abi: jobMarketAbi,
      functionName: "balanceOf",
      args: [account, token],
      blockNumber: result.receipt.blockNumber,
    }),
  );
  return { ...result, token, amount, remaining };
}
