import { type Address, erc20Abi } from "viem";
import { readContract } from "viem/actions";
import { jobMarketAbi } from "../abi/index.ts";
import type { JouleClient } from "../client.ts";
import { read } from "../utils/tx.ts";
import { toAddress } from "../utils/validate.ts";

export type GetBalancesParameters = {
  /** Default: the wallet's account. */
  account?: Address | undefined;
  /** Default: the deployment's payment token and JOULE. */
  tokens?: readonly Address[] | undefined;
};

export type TokenBalance = {
  token: Address;
  symbol: string;
  decimals: number;
  /** Withdrawable from the market (pull payments: earnings, refunds, compensation). */
  market: bigint;
  /** Held in the wallet. */
  wallet: bigint;
};

export type GetBalancesReturnType = { account: Address; balances: TokenBalance[] };

/**
 * Reads an account's market balances (withdrawable) and wallet balances, per token.
 *
 * @example
 * const { balances } = await getBalances(joule, {});
 * for (const b of balances) console.log(b.symbol, formatUnits(b.market, b.decimals));
 */
export async function getBalances(
  joule: JouleClient,
  parameters: GetBalancesParameters = {},
): Promise<GetBalancesReturnType> {
  const account = toAddress("account", parameters.account ?? joule.wallet?.account.address);
  const { paymentToken, jouleToken, jobMarket } = joule.deployment.addresses;
  const tokens = parameters.tokens
    ? parameters.tokens.map((t, i) => toAddress(`tokens[${i}]`, t))
    : [...(paymentToken ? [paymentToken] : []), jouleToken];
  const balances = await read(() =>
    Promise.all(
      tokens.map(async (token) => {
        const [symbol, decimals, market, wallet] = await Promise.all([
          readContract(joule.client, { address: token, abi: erc20Abi, functionName: "symbol" }).catch(() => "?"),
          readContract(joule.client, { address: token, abi: erc20Abi, functionName: "decimals" }).catch(() => 18),
          readContract(joule.client, {
            address: jobMarket,
            abi: jobMarketAbi,
            functionName: "balanceOf",
            args: [account, token],
          }),
          readContract(joule.client, { address: token, abi: erc20Abi, functionName: "balanceOf", args: [account] }),
        ]);
        return { token, symbol, decimals, market, wallet };
      }),
    ),
  );
  return { account, balances };
}
