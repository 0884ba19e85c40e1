/**
 * Custom scalars.
 * - BigInt: an unsigned or signed integer of any size (uint256 included) as a decimal
 *   string, e.g. "115792089237316195423570985008687907853269984665640564039457584007913129639935".
 *   Inputs accept a string of digits or an integer literal.
 * - Long: an integer that fits a JSON number exactly (|n| ≤ 2^53−1): block numbers,
 *   timestamps (unix seconds), uint32/uint40 values. Output as a JSON number.
 * - Address: a 20-byte hex address. Output EIP-55 checksummed; input in any case, but a
 *   mixed-case input must carry a valid checksum.
 * - Bytes32: 0x + 64 hex digits, output lowercase.
 * Bad inputs fail with BAD_USER_INPUT naming the scalar.
 */
import { GraphQLScalarType, Kind, type ValueNode } from "graphql";
import { getAddress, isAddress } from "viem";
import { badInput } from "./errors.ts";

const MAX_BIGINT_DIGITS = 80;
const INTEGER = /^-?\d+$/;

/** Normalizes any integer-ish value to a canonical decimal string, or throws BAD_USER_INPUT. */
export function parseBigIntString(value: unknown, scalar = "BigInt"): string {
  let text: string;
  if (typeof value === "bigint") text = value.toString();
  else if (typeof value === "number" && Number.isSafeInteger(value)) text = String(value);
  else if (typeof value === "string") text = value.trim();
  else throw badInput(`${scalar} must be an integer as a decimal string, got ${describe(value)}`);
  if (!INTEGER.test(text) || text.replace("-", "").length > MAX_BIGINT_DIGITS) {
    throw badInput(`${scalar} must be an integer as a decimal string, got ${describe(value)}`);
  }
  return BigInt(text).toString();
}

/** Serializes DB values (bigint, string, Prisma Decimal, number) as a decimal string. */
function serializeBigInt(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  if (typeof value === "string" && INTEGER.test(value)) return value;
  if (value !== null && typeof value === "object" && "toFixed" in value && typeof value.toFixed === "function") {
    // Prisma.Decimal: toFixed() prints every digit without exponent notation.
    const text = String(value.toFixed());
    if (INTEGER.test(text)) return text;
  }
  throw new TypeError(`BigInt cannot serialize ${describe(value)}`);
}

export const BigIntScalar = new GraphQLScalarType({
  name: "BigInt",
  description: "An integer of any size (uint256 included) as a decimal string.",
  serialize: serializeBigInt,
  parseValue: (value) => parseBigIntString(value),
  parseLiteral(ast: ValueNode) {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT) return parseBigIntString(ast.value);
    throw badInput(`BigInt must be a string of digits or an integer literal, got ${ast.kind}`);
  },
});

export function parseLong(value: unknown): number {
  let n: number | undefined;
  if (typeof value === "number") n = value;
  else if (typeof value === "bigint") n = Number(value);
  else if (typeof value === "string" && INTEGER.test(value.trim())) n = Number(value.trim());
  if (n === undefined || !Number.isSafeInteger(n))
    throw badInput(`Long must be an integer with |n| ≤ 2^53−1, got ${describe(value)}`);
  return n;
}

export const LongScalar = new GraphQLScalarType({
  name: "Long",
  description:
    "An integer that a JSON number holds exactly (|n| ≤ 2^53−1): block numbers, unix timestamps, uint32/uint40 values.",
  serialize(value) {
    const n = typeof value === "string" || typeof value === "bigint" ? Number(value) : value;
    if (typeof n !== "number" || !Number.isSafeInteger(n))
      throw new TypeError(`Long cannot serialize ${describe(value)}`);
    return n;
  },
  parseValue: parseLong,
  parseLiteral(ast) {
    if (ast.kind === Kind.INT || ast.kind === Kind.STRING) return parseLong(ast.value);
    throw badInput(`Long must be an integer literal, got ${ast.kind}`);
  },
});

/** Lowercase 0x-address, or BAD_USER_INPUT. */
export function parseAddress(value: unknown): string {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
    throw badInput(`Address must be 0x followed by 40 hex digits, got ${describe(value)}`);
  }
  const mixed = value.slice(2) !== value.slice(2).toLowerCase() && value.slice(2) !== value.slice(2).toUpperCase();
  if (mixed && !isAddress(value, { strict: true })) throw badInput(`Address ${value} has an invalid EIP-55 checksum`);
  return value.toLowerCase();
}

export const AddressScalar = new GraphQLScalarType({
  name: "Address",
  description:
    "A 20-byte account address; returned EIP-55 checksummed, accepted in any case (mixed case must be a valid checksum).",
  serialize(value) {
    if (typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value)) return getAddress(value.toLowerCase());
    if (value instanceof Uint8Array && value.length === 20)
      return getAddress(`0x${Buffer.from(value).toString("hex")}`);
    throw new TypeError(`Address cannot serialize ${describe(value)}`);
  },
  parseValue: parseAddress,
  parseLiteral(ast) {
    if (ast.kind === Kind.STRING) return parseAddress(ast.value);
    throw badInput(`Address must be a string, got ${ast.kind}`);
  },
});

export function parseBytes32(value: unknown): string {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(value)) {
    throw badInput(`Bytes32 must be 0x followed by 64 hex digits, got ${describe(value)}`);
  }
  return value.toLowerCase();
}

export const Bytes32Scalar = new GraphQLScalarType({
  name: "Bytes32",
  description: "32 bytes as 0x followed by 64 lowercase hex digits (hashes, Merkle roots).",
  serialize(value) {
    if (typeof value === "string" && /^0x[0-9a-fA-F]{64}$/.test(value)) return value.toLowerCase();
    if (value instanceof Uint8Array && value.length === 32) return `0x${Buffer.from(value).toString("hex")}`;
    throw new TypeError(`Bytes32 cannot serialize ${describe(value)}`);
  },
  parseValue: parseBytes32,
  parseLiteral(ast) {
    if (ast.kind === Kind.STRING) return parseBytes32(ast.value);
    throw badInput(`Bytes32 must be a string, got ${ast.kind}`);
  },
});

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === "bigint") return `${value}n`;
  if (value === null) return "null";
  if (typeof value === "object") return Array.isArray(value) ? "a list" : "an object";
  return String(value);
}

export function parseDate(value: unknown): string {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value))
    throw badInput(`Date must be YYYY-MM-DD, got ${describe(value)}`);
  const parsed = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== value)
    throw badInput(`Date ${value} does not exist`);
  return value;
}

export const DateScalar = new GraphQLScalarType({
  name: "Date",
  description: "A UTC calendar day, YYYY-MM-DD.",
  serialize(value) {
    if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
    if (value instanceof Date) return value.toISOString().slice(0, 10);
    throw new TypeError(`Date cannot serialize ${describe(value)}`);
  },
  parseValue: parseDate,
  parseLiteral(ast) {
    if (ast.kind === Kind.STRING) return parseDate(ast.value);
    throw badInput(`Date must be a string, got ${ast.kind}`);
  },
});
