import { type Address, getAddress, type Hex, isAddress, isHex, zeroAddress } from "viem";
import { InvalidInputError } from "../errors/errors.ts";

/** Integer inputs accept bigint, safe-integer numbers and decimal/hex strings. */
export type IntegerInput = bigint | number | string;

export function toAddress(field: string, value: unknown, options: { allowZero?: boolean } = {}): Address {
  if (typeof value !== "string" || !isAddress(value, { strict: false })) {
    throw new InvalidInputError(field, `not an address: ${describe(value)}`);
  }
  const address = getAddress(value);
  if (!options.allowZero && address === zeroAddress) throw new InvalidInputError(field, "must not be the zero address");
  return address;
}

export function toBigInt(field: string, value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new InvalidInputError(field, `not a whole number: ${value}`);
    return BigInt(value);
  }
  if (typeof value === "string" && /^(0x[0-9a-fA-F]+|\d+)$/.test(value.trim())) return BigInt(value.trim());
  throw new InvalidInputError(field, `not a whole number: ${describe(value)}`);
}

/** An unsigned integer in [min, max] (min defaults to 1: amounts must be positive). */
export function toUint(field: string, value: unknown, options: { min?: bigint; max?: bigint } = {}): bigint {
  const n = toBigInt(field, value);
  const min = options.min ?? 1n;
  if (n < min)
    throw new InvalidInputError(
      field,
      min === 1n ? `must be positive (got ${n})` : `must be at least ${min} (got ${n})`,
    );
  if (options.max !== undefined && n > options.max)
    throw new InvalidInputError(field, `must be at most ${options.max} (got ${n})`);
  return n;
}

/** Like `toUint`, for fields viem types as `number` (≤ 48 bits). */
export function toSmallUint(field: string, value: unknown, options: { min?: number; max: number }): number {
  return Number(toUint(field, value, { min: BigInt(options.min ?? 0), max: BigInt(options.max) }));
}

export function toBytes32(field: string, value: unknown): Hex {
  if (typeof value !== "string" || !isHex(value, { strict: true }) || value.length !== 66) {
    throw new InvalidInputError(field, `must be 32 bytes of hex (0x + 64 digits), got ${describe(value)}`);
  }
  return value.toLowerCase() as Hex;
}

export function toHexBytes(field: string, value: unknown): Hex {
  if (typeof value !== "string" || !isHex(value, { strict: true }) || value.length % 2 !== 0) {
    throw new InvalidInputError(field, `must be hex bytes, got ${describe(value)}`);
  }
  return value as Hex;
}

/** A unix timestamp strictly after `now` (chain time). */
export function toFutureTimestamp(
  field: string,
  value: unknown,
  now: number,
  options: { maxAhead?: number } = {},
): number {
  const ts = Number(toUint(field, value, { min: 0n, max: (1n << 40n) - 1n }));
  if (ts <= now) {
    throw new InvalidInputError(field, `must be in the future: ${iso(ts)} is not after chain time ${iso(now)}`);
  }
  if (options.maxAhead !== undefined && ts > now + options.maxAhead) {
    throw new InvalidInputError(
      field,
      `must be at most ${options.maxAhead}s ahead of chain time (${iso(now + options.maxAhead)})`,
    );
  }
  return ts;
}

export function iso(ts: number): string {
  return new Date(ts * 1000).toISOString();
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === "bigint") return `${value}`;
  return String(value);
}
