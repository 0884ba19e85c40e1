import { getAddress, isAddress } from "viem";
import { ConfigError, InvalidInputError } from "./errors/errors.ts";
import type { Deployment } from "./types.ts";

const REQUIRED = ["jouleToken", "providerRegistry", "rewardEmitter", "jobMarket", "quorumVerifier"] as const;

/** Checks a deployment manifest's shape and normalizes its addresses (checksummed). */
export function validateDeployment(value: unknown, source = "deployment"): Deployment {
  const d = value as Partial<Deployment> | null;
  if (!d || typeof d !== "object") throw new InvalidInputError(source, "is not an object");
  if (!Number.isSafeInteger(d.chainId) || (d.chainId as number) <= 0) {
    throw new InvalidInputError(`${source}.chainId`, "must be a positive integer");
  }
  if (!Number.isSafeInteger(d.startBlock) || (d.startBlock as number) < 0) {
    throw new InvalidInputError(`${source}.startBlock`, "must be a non-negative integer");
  }
  const a = (d.addresses ?? {}) as Record<string, unknown>;
  const addresses = {} as Deployment["addresses"];
  for (const key of REQUIRED) {
    const v = a[key];
    if (typeof v !== "string" || !isAddress(v, { strict: false })) {
      throw new InvalidInputError(`${source}.addresses.${key}`, `is not an address (${String(v)})`);
    }
    addresses[key] = getAddress(v);
  }
  if (a.paymentToken !== undefined) {
    const v = a.paymentToken;
    if (typeof v !== "string" || !isAddress(v, { strict: false })) {
      throw new InvalidInputError(`${source}.addresses.paymentToken`, `is not an address (${String(v)})`);
    }
    addresses.paymentToken = getAddress(v);
  }
  return { chainId: d.chainId as number, addresses, startBlock: d.startBlock as number };
}

/** Reads and validates a deployment manifest written by `deployProtocol` (Node only). */
export async function readDeployment(path: string): Promise<Deployment> {
  const { readFile } = await import("node:fs/promises");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new ConfigError(
      "manifest",
      code === "ENOENT" ? `${path} does not exist (run \`joule deploy\` or pass --manifest)` : `cannot read ${path}`,
      { cause: err },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError("manifest", `${path} is not valid JSON`, { cause: err });
  }
  return validateDeployment(json, `manifest ${path}`);
}

/** Writes a deployment manifest as pretty JSON (Node only). */
export async function writeDeployment(path: string, deployment: Deployment): Promise<void> {
  const { mkdir, writeFile } = await import("node:fs/promises");
  const { dirname } = await import("node:path");
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(deployment, null, 2)}\n`);
}
