import { getBlockNumber } from "viem/actions";
import type { JouleClient } from "../client.ts";
import { toJouleError } from "../errors/decode.ts";

/**
 * Runs a log query over [fromBlock, toBlock] (default: deployment start to latest). If the node refuses the
 * whole range (providers cap `eth_getLogs`), retries in `logChunkSize` pieces.
 */
export async function getLogsInRange<T>(
  joule: JouleClient,
  query: (fromBlock: bigint, toBlock: bigint) => Promise<T[]>,
  range: { fromBlock?: bigint | undefined; toBlock?: bigint | undefined } = {},
): Promise<T[]> {
  const from = range.fromBlock ?? BigInt(joule.deployment.startBlock);
  let to: bigint;
  try {
    to = range.toBlock ?? (await getBlockNumber(joule.client, { cacheTime: 0 }));
  } catch (err) {
    throw toJouleError(err);
  }
  if (to < from) return [];
  try {
    return await query(from, to);
  } catch (err) {
    if (to - from < joule.logChunkSize) throw toJouleError(err);
  }
  const out: T[] = [];
  for (let start = from; start <= to; start += joule.logChunkSize) {
    const end = start + joule.logChunkSize - 1n < to ? start + joule.logChunkSize - 1n : to;
    try {
      out.push(...(await query(start, end)));
    } catch (err) {
      throw toJouleError(err);
    }
  }
  return out;
}
