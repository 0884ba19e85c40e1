import type { Abi, Address, Hex, TransactionReceipt } from "viem";
import { getBlock, simulateContract, waitForTransactionReceipt, writeContract } from "viem/actions";
import { assertDeploymentChain, type JouleClient, progress, requireWallet } from "../client.ts";
import { toJouleError } from "../errors/decode.ts";
import { TransactionRevertedError } from "../errors/errors.ts";

/** What every write action returns besides its own fields. */
export type WriteResult = { hash: Hex; receipt: TransactionReceipt };

export type ContractCall = {
  address: Address;
  abi: Abi | readonly unknown[];
  functionName: string;
  args: readonly unknown[];
};

/**
 * Simulates (so a revert is decoded before anything is signed), sends and waits for one contract call.
 * Every failure comes out as a `JouleError`.
 */
export async function sendContractTx(joule: JouleClient, action: string, call: ContractCall): Promise<WriteResult> {
  const wallet = requireWallet(joule);
  await assertDeploymentChain(joule);
  progress(joule, { action, stage: "simulate", message: `${action}: checking ${call.functionName}` });
  let request: unknown;
  try {
    ({ request } = await simulateContract(joule.client, { ...call, account: wallet.account } as never));
  } catch (err) {
    throw toJouleError(err);
  }
  let hash: Hex;
  try {
    hash = await writeContract(wallet, { ...(request as object), chain: wallet.chain ?? null } as never);
  } catch (err) {
    throw toJouleError(err);
  }
  progress(joule, { action, stage: "send", message: `${action}: sent ${call.functionName} ${hash}`, hash });
  const receipt = await waitForReceipt(joule, hash);
  progress(joule, {
    action,
    stage: "confirmed",
    message: `${action}: ${call.functionName} confirmed in block ${receipt.blockNumber}`,
    hash,
  });
  return { hash, receipt };
}

export async function waitForReceipt(joule: Pick<JouleClient, "client">, hash: Hex): Promise<TransactionReceipt> {
  let receipt: TransactionReceipt;
  try {
    receipt = await waitForTransactionReceipt(joule.client, { hash });
  } catch (err) {
    throw toJouleError(err, { hash });
  }
  if (receipt.status !== "success") throw new TransactionRevertedError(hash);
  return receipt;
}

/** Timestamp of the latest block: deadlines are checked against chain time, not the local clock. */
export async function chainTime(joule: Pick<JouleClient, "client">): Promise<number> {
  try {
    const block = await getBlock(joule.client, { blockTag: "latest" });
    return Number(block.timestamp);
  } catch (err) {
    throw toJouleError(err);
  }
}

/** Runs a read and converts failures to `JouleError`. */
export async function read<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toJouleError(err);
  }
}
