// Sends transactions to the local node in bulk: the node's unlocked accounts sign (eth_sendTransaction), automine
// is off, each JSON-RPC batch carries hundreds of transactions with an explicit gas limit, then `evm_mine` packs
// them into as few blocks as the block gas limit allows. Failures are never silent: the caller checks that every
// transaction emitted its event, and `statusOfSample` reads receipts.
import type { Address, Hex } from "viem";
import { JsonRpc, type RpcCall } from "./rpc.ts";

export type Tx = { from: Address; to: Address; data: Hex; gas: bigint };

export type MinedBatch = { hashes: Hex[]; fromBlock: number; toBlock: number };

export class MiningError extends Error {
  override name = "MiningError";
}

/** Base fee forced before each block: full blocks would otherwise raise it 12.5% a block, without end. */
const BASE_FEE = 1_000_000_000n;
const hex = (n: bigint | number) => `0x${n.toString(16)}`;

export class BulkSender {
  readonly rpc: JsonRpc;
  /** Transactions per JSON-RPC batch (and per `evm_mine` round). */
  readonly batchSize: number;
  transactions = 0;
  blocks = 0;
  /** Wall time spent sending and mining, ms. */
  busyMs = 0;
  /** Of which answering the eth_sendTransaction batches (the node signs and pools them), ms. */
  sendMs = 0;

  constructor(rpc: JsonRpc, batchSize = 500) {
    this.rpc = rpc;
    this.batchSize = batchSize;
  }

  async automine(on: boolean): Promise<void> {
    await this.rpc.call("evm_setAutomine", [on]);
  }

  /** Sends `txs` in batches, mining after each, and returns every hash with the block range they landed in. */
  async sendAll(txs: readonly Tx[]): Promise<MinedBatch> {
    const hashes: Hex[] = [];
    let fromBlock = -1;
    let toBlock = -1;
    for (let i = 0; i < txs.length; i += this.batchSize) {
      const mined = await this.sendBatch(txs.slice(i, i + this.batchSize));
      hashes.push(...mined.hashes);
      if (fromBlock < 0) fromBlock = mined.fromBlock;
      toBlock = mined.toBlock;
    }
    return { hashes, fromBlock, toBlock };
  }

  private async sendBatch(txs: readonly Tx[]): Promise<MinedBatch> {
    const started = performance.now();
    const calls: RpcCall[] = txs.map((t) => ({
      method: "eth_sendTransaction",
      params: [
        {
          from: t.from,
          to: t.to,
          data: t.data,
          gas: hex(t.gas),
          maxFeePerGas: hex(BASE_FEE * 2n),
          maxPriorityFeePerGas: "0x0",
        },
      ],
    }));
    const hashes = await this.rpc.batch<Hex>(calls);
    this.sendMs += performance.now() - started;
    let mined = 0;
    let fromBlock = -1;
    let toBlock = -1;
    while (mined < txs.length) {
      await this.rpc.call("hardhat_setNextBlockBaseFeePerGas", [hex(BASE_FEE)]);
      await this.rpc.call("evm_mine", []);
      const block = await this.rpc.call<{ number: Hex; transactions: Hex[] }>("eth_getBlockByNumber", [
        "latest",
        false,
      ]);
      const n = Number(BigInt(block.number));
      if (block.transactions.length === 0) {
        throw new MiningError(
          `block ${n} was mined empty with ${txs.length - mined} of ${txs.length} transactions still pending (nonce gap or fee too low?)`,
        );
      }
      if (fromBlock < 0) fromBlock = n;
      toBlock = n;
      mined += block.transactions.length;
      this.blocks++;
    }
    if (mined !== txs.length) throw new MiningError(`mined ${mined} transactions, sent ${txs.length}`);
    this.transactions += txs.length;
    this.busyMs += performance.now() - started;
    return { hashes, fromBlock, toBlock };
  }

  /** Receipt status of up to `count` of `hashes` (spread over the list): the hashes whose transaction reverted. */
  async revertedAmong(hashes: readonly Hex[], count: number): Promise<Hex[]> {
    const step = Math.max(1, Math.floor(hashes.length / count));
    const sample = hashes.filter((_, i) => i % step === 0).slice(0, count);
    const receipts = await this.rpc.batch<{ status: Hex } | null>(
      sample.map((h) => ({ method: "eth_getTransactionReceipt", params: [h] })),
    );
    return sample.filter((_, i) => receipts[i]?.status !== "0x1");
  }
}
