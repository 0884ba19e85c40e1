import { type Address, erc20Abi, type Hex } from "viem";
import { readContract } from "viem/actions";
import { providerRegistryAbi } from "../abi/index.ts";
import { accountAddress, type JouleClient } from "../client.ts";
import { InvalidInputError } from "../errors/errors.ts";
import { eventsOf } from "../utils/events.ts";
import { read, sendContractTx, type WriteResult } from "../utils/tx.ts";
import { type IntegerInput, toAddress, toUint } from "../utils/validate.ts";

export type StakeParameters = {
  /** JOULE (wei) to add. */
  amount: IntegerInput;
  /** Provider credited with the stake; default the caller (anyone may top up a provider). */
  provider?: Address | undefined;
};

export type StakeReturnType = WriteResult & {
  /** The provider's total stake afterwards. */
  stake: bigint;
  approvalHash: Hex | undefined;
};

/**
 * Stakes JOULE for a registered provider (approving the registry first when the allowance is short).
 * Free stake backs bids' collateral.
 *
 * @example
 * await stake(joule, { amount: parseEther("10000") });
 */
export async function stake(joule: JouleClient, parameters: StakeParameters): Promise<StakeReturnType> {
  const account = accountAddress(joule);
  const amount = toUint("amount", parameters.amount);
  const provider = toAddress("provider", parameters.provider ?? account);
  const { jouleToken, providerRegistry } = joule.deployment.addresses;
  const [balance, allowance] = await read(() =>
    Promise.all([
      readContract(joule.client, { address: jouleToken, abi: erc20Abi, functionName: "balanceOf", args: [account] }),
      readContract(joule.client, {
        address: jouleToken,
        abi: erc20Abi,
        functionName: "allowance",
        args: [account, providerRegistry],
      }),
    ]),
  );
  if (balance < amount)
    throw new InvalidInputError("amount", `${account} holds ${balance} JOULE wei, less than ${amount}`);
  let approvalHash: Hex | undefined;
  if (allowance < amount) {
    approvalHash = (
      await sendContractTx(joule, "stake", {
        address: jouleToken,
        abi: erc20Abi,
        functionName: "approve",
        args: [providerRegistry, amount],
      })
    ).hash;
  }
  const result = await sendContractTx(joule, "stake", {
    address: providerRegistry,
    abi: providerRegistryAbi,
    functionName: "stake",
    args: [provider, amount],
  });
  const event = eventsOf(result.receipt.logs, providerRegistryAbi, providerRegistry, "Staked")[0];
  return { ...result, stake: event?.args.stake ?? 0n, approvalHash };
}
