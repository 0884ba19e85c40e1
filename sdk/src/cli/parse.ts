// Parsing of CLI flag values. Every failure names the flag it came from.
import { type Address, getAddress, type Hex, isAddress, isHex, parseUnits } from "viem";
import { InvalidInputError } from "../errors/errors.ts";

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** `90`, `90s`, `10m`, `2h`, `1d`, `1w` (and combinations like `1h30m`) → seconds. */
export function parseDuration(flag: string, value: string): number {
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const re = /(\d+)\s*([smhdw])/gy;
  let total = 0;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = re.exec(v))) {
    total += Number(match[1]) * UNITS[match[2]!]!;
    consumed = re.lastIndex;
  }
  if (!v || consumed !== v.length)
    throw new InvalidInputError(flag, `not a duration: "${value}" (e.g. 90s, 10m, 2h, 1d)`);
  return total;
}

/**
 * A point in time: a duration from `now` (`1h`, `+30m`), a unix timestamp (seconds) or an ISO date.
 * `now` is chain time, so local-clock skew and time-warped test chains do not matter.
 */
export function parseTime(flag: string, value: string, now: number): number {
  const v = value.trim();
  if (/^\d{9,}$/.test(v)) return Number(v);
  if (/^\d{4}-\d{2}-\d{2}/.test(v)) {
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) throw new InvalidInputError(flag, `not a date: "${value}"`);
    return Math.floor(ms / 1000);
  }
  return now + parseDuration(flag, v.replace(/^\+/, ""));
}

/** A decimal amount of a token with `decimals` (`1.5` JOULE → 1.5e18 wei). */
export function parseAmount(flag: string, value: string, decimals: number): bigint {
  const v = value.trim().replace(/_/g, "");
  if (!/^\d+(\.\d+)?$/.test(v))
    throw new InvalidInputError(flag, `not an amount: "${value}" (a decimal number like 12.5)`);
  const fraction = v.split(".")[1] ?? "";
  if (fraction.length > decimals) throw new InvalidInputError(flag, `"${value}" has more than ${decimals} decimals`);
  return parseUnits(v, decimals);
}

/** A non-negative whole number (accepts `_` separators). */
export function parseInteger(flag: string, value: string, options: { min?: bigint; max?: bigint } = {}): bigint {
  const v = value.trim().replace(/_/g, "");
  if (!/^\d+$/.test(v)) throw new InvalidInputError(flag, `not a whole number: "${value}"`);
  const n = BigInt(v);
  if (options.min !== undefined && n < options.min)
    throw new InvalidInputError(flag, `must be at least ${options.min} (got ${n})`);
  if (options.max !== undefined && n > options.max)
    throw new InvalidInputError(flag, `must be at most ${options.max} (got ${n})`);
  return n;
}

export function parseSmallInt(flag: string, value: string, options: { min?: number; max: number }): number {
  return Number(parseInteger(flag, value, { min: BigInt(options.min ?? 0), max: BigInt(options.max) }));
}

export function parseAddress(flag: string, value: string): Address {
  const v = value.trim();
  if (!isAddress(v, { strict: false })) throw new InvalidInputError(flag, `not an address: "${value}"`);
  return getAddress(v);
}

export function parseBytes32(flag: string, value: string): Hex {
  const v = value.trim();
  if (!isHex(v, { strict: true }) || v.length !== 66)
    throw new InvalidInputError(flag, `must be 0x followed by 64 hex digits, got "${value}"`);
  return v.toLowerCase() as Hex;
}

/** `a,b , c` → ["a", "b", "c"]. */
export function parseList(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}
