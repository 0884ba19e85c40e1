import { type Address, type Hex, hexToString } from "viem";
import { getContractEvents, readContract } from "viem/actions";
import { providerRegistryAbi } from "../abi/index.ts";
import type { JouleClient } from "../client.ts";
import { getLogsInRange } from "../utils/logs.ts";
import { read } from "../utils/tx.ts";
import { toAddress } from "../utils/validate.ts";

export type GetProviderParameters = {
  /** Default: the wallet's account. */
  provider?: Address | undefined;
  /** Also read region and metadata URI from the latest profile event (a log scan). Default false. */
  includeProfile?: boolean | undefined;
};

export type GetProviderReturnType = {
  provider: Address;
  registered: boolean;
  /** Total JOULE staked (includes locked and unbonding). */
  stake: bigint;
  /** Collateral locked for jobs and best bids. */
  locked: bigint;
  unbonding: bigint;
  /** When `unbonding` can be withdrawn; 0 if nothing unbonds. */
  unlockAt: number;
  /** stake − locked − unbonding: what can back new bids. */
  freeStake: bigint;
  hardware: { gpuClass: number; gpuCount: number; vramGb: number; carbonIntensity: number };
  /** With `includeProfile`. */
  profile?: { region: string; regionHex: Hex; metadataURI: string } | undefined;
};

/**
 * Reads a provider's registration, stake accounting and hardware.
 *
 * @example
 * const p = await getProvider(joule, { provider: "0x…" });
 * console.log(`free stake ${formatEther(p.freeStake)} JOULE`);
 */
export async function getProvider(
  joule: JouleClient,
  parameters: GetProviderParameters = {},
): Promise<GetProviderReturnType> {
  const provider = toAddress("provider", parameters.provider ?? joule.wallet?.account.address);
  const registry = joule.deployment.addresses.providerRegistry;
  const [registered, [stake, locked, unbonding, unlockAt], freeStake, [gpuClass, gpuCount, vramGb, carbonIntensity]] =
    await read(() =>
      Promise.all([
        readContract(joule.client, {
          address: registry,
          abi: providerRegistryAbi,
          functionName: "isRegistered",
          args: [provider],
        }),
        readContract(joule.client, {
          address: registry,
          abi: providerRegistryAbi,
          functionName: "stakeOf",
          args: [provider],
        }),
        readContract(joule.client, {
          address: registry,
          abi: providerRegistryAbi,
          functionName: "freeStake",
          args: [provider],
        }),
        readContract(joule.client, {
          address: registry,
          abi: providerRegistryAbi,
          functionName: "hardwareOf",
          args: [provider],
        }),
      ]),
    );
  const result: GetProviderReturnType = {
    provider,
    registered,
    stake,
    locked,
    unbonding,
    unlockAt,
    freeStake,
    hardware: { gpuClass, gpuCount, vramGb, carbonIntensity },
  };
  if (parameters.includeProfile && registered) {
    const query = (eventName: "ProviderRegistered" | "ProfileUpdated") =>
      getLogsInRange(joule, (fromBlock, toBlock) =>
        getContractEvents(joule.client, {
          address: registry,
          abi: providerRegistryAbi,
          eventName,
          args: { provider },
          fromBlock,
          toBlock,
          strict: true,
        }),
      );
    const logs = [...(await query("ProviderRegistered")), ...(await query("ProfileUpdated"))].sort((a, b) =>
      a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
    );
    const last = logs.at(-1);
    if (last) {
      result.profile = {
        region: hexToString(last.args.region, { size: 32 }).replace(/\0+$/, ""),
        regionHex: last.args.region,
        metadataURI: last.args.metadataURI,
      };
    }
  }
  return result;
}
