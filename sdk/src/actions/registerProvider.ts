import { type Hex, isHex, stringToHex } from "viem";
import { readContract } from "viem/actions";
import { providerRegistryAbi } from "../abi/index.ts";
import { accountAddress, type JouleClient } from "../client.ts";
import { InvalidInputError } from "../errors/errors.ts";
import { read, sendContractTx, type WriteResult } from "../utils/tx.ts";
import { toSmallUint } from "../utils/validate.ts";

export type RegisterProviderParameters = {
  /** GPU class code (higher = more capable); jobs may require a minimum. */
  gpuClass: number;
  /** Number of GPUs (≥ 1). */
  gpuCount: number;
  /** VRAM per GPU, GB (≥ 1). */
  vramGb: number;
  /** Declared grid carbon intensity, gCO2e/kWh. */
  carbonIntensity: number;
  /** Region label (≤ 31 ASCII chars, e.g. `eu-west`) or a raw bytes32. */
  region: string;
  /** Where the provider's profile document lives (IPFS, HTTPS). */
  metadataURI: string;
  /** Update an existing profile instead of registering (`updateProfile`). Default: decided from the registry. */
  update?: boolean | undefined;
};

export type RegisterProviderReturnType = WriteResult & { updated: boolean };

/**
 * Registers the caller as a provider with its hardware and carbon profile (or updates the profile).
 *
 * @example
 * await registerProvider(joule, {
 *   gpuClass: 3, gpuCount: 8, vramGb: 80, carbonIntensity: 120, region: "eu-north", metadataURI: "ipfs://…",
 * });
 */
export async function registerProvider(
  joule: JouleClient,
  parameters: RegisterProviderParameters,
): Promise<RegisterProviderReturnType> {
  const account = accountAddress(joule);
  if (typeof parameters.metadataURI !== "string") throw new InvalidInputError("metadataURI", "must be a string");
  const profile = {
    gpuClass: toSmallUint("gpuClass", parameters.gpuClass, { max: 2 ** 16 - 1 }),
    gpuCount: toSmallUint("gpuCount", parameters.gpuCount, { min: 1, max: 2 ** 16 - 1 }),
    vramGb: toSmallUint("vramGb", parameters.vramGb, { min: 1, max: 2 ** 32 - 1 }),
    carbonIntensity: toSmallUint("carbonIntensity", parameters.carbonIntensity, { max: 2 ** 32 - 1 }),
    region: toRegion(parameters.region),
    metadataURI: parameters.metadataURI,
  };
  const registry = joule.deployment.addresses.providerRegistry;
  const update =
    parameters.update ??
    (await read(() =>
      readContract(joule.client, {
        address: registry,
        abi: providerRegistryAbi,
        functionName: "isRegistered",
        args: [account],
      }),
    ));
  const result = await sendContractTx(joule, "registerProvider", {
    address: registry,
    abi: providerRegistryAbi,
    functionName: update ? "updateProfile" : "register",
    args: [profile],
  });
  return { ...result, updated: update };
}

/** `eu-west` → right-padded bytes32; a 0x-prefixed 32-byte hex passes through. */
export function toRegion(region: unknown): Hex {
  if (typeof region !== "string") throw new InvalidInputError("region", "must be a string");
  if (isHex(region) && region.length === 66) return region;
  if (new TextEncoder().encode(region).length > 31) throw new InvalidInputError("region", "must be at most 31 bytes");
  return stringToHex(region, { size: 32 });
}
