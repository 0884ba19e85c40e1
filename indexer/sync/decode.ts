// Decodes the indexed contracts' logs with the typed ABIs from sdk/src/abi (read-only import: no SDK write paths).
// A topic0 → decoder table is built once, so each log costs one map lookup and one ABI decode of its data.
import { decodeAbiParameters, toEventSelector, type AbiEvent, type AbiParameter } from "viem";
import {
  jobMarketAbi,
  jouleTokenAbi,
  providerRegistryAbi,
  quorumVerifierAbi,
  rewardEmitterAbi,
} from "../../sdk/src/abi/index.ts";
import type { RawLog } from "./rpc.ts";

export type Args = Record<string, unknown>;

export type DecodedLog = {
  name: string;
  address: string;
  args: Args;
  blockNumber: bigint;
  blockHash: string;
  txHash: string;
  txIndex: bigint | null;
  logIndex: bigint;
  /** Unix seconds, when the node includes it in the log (else filled from the block header). */
  blockTimestamp: bigint | undefined;
};

/** ERC-20 noise from the JOULE token that the indexer does not need (it would dwarf everything else). */
const SKIPPED = new Set(["Transfer", "Approval"]);

type Decoder = { event: AbiEvent; indexed: AbiParameter[]; data: AbiParameter[]; staticWords: number | undefined };

/** Words a static parameter takes in ABI encoding, or undefined if it is dynamic (or a type the fast path skips). */
function wordsOf(p: AbiParameter): number | undefined {
  if (p.type === "tuple" && "components" in p) {
    let n = 0;
    for (const c of p.components) {
      const w = wordsOf(c);
      if (w === undefined) return undefined;
      n += w;
    }
    return n;
  }
  if (
    /^uint\d+$/.test(p.type) ||
    p.type === "address" ||
    p.type === "bool" ||
    /^bytes([1-9]|[12]\d|3[012])$/.test(p.type)
  )
    return 1;
  return undefined;
}

/**
 * Fast path for static data (every event but the ones with strings or arrays): slices the hex words directly,
 * with the same results as viem's decoder (numbers for uints of 48 bits or less, bigints above).
 */
function decodeStatic(p: AbiParameter, hex: string, word: { i: number }): unknown {
  if (p.type === "tuple" && "components" in p) {
    const out: Args = {};
    for (const c of p.components) out[c.name!] = decodeStatic(c, hex, word);
    return out;
  }
  const w = hex.slice(2 + word.i * 64, 2 + (word.i + 1) * 64);
  word.i++;
  if (p.type === "address") return `0x${w.slice(24)}`.toLowerCase();
  if (p.type === "bool") return BigInt(`0x${w}`) !== 0n;
  if (p.type.startsWith("bytes")) return `0x${w.slice(0, Number(p.type.slice(5)) * 2)}`.toLowerCase();
  // Like viem: the word's value as is (solc never emits dirty high bits), a number when it fits 48 bits.
  const bits = Number(p.type.slice(4));
  const v = BigInt(`0x${w}`);
  return bits <= 48 && v <= 0xffffffffffffn ? Number(v) : v;
}

function buildDecoders(): Map<string, Decoder> {
  const map = new Map<string, Decoder>();
  for (const abi of [jobMarketAbi, providerRegistryAbi, rewardEmitterAbi, quorumVerifierAbi, jouleTokenAbi]) {
    for (const item of abi as readonly { type: string }[]) {
      if (item.type !== "event") continue;
      const event = item as AbiEvent;
      if (SKIPPED.has(event.name)) continue;
      const selector = toEventSelector(event);
      if (map.has(selector)) continue; // same signature in several contracts (OwnershipTransferred, MarketSet)
      const data = event.inputs.filter((i) => !i.indexed);
      let staticWords: number | undefined = 0;
      for (const p of data) {
        const w = wordsOf(p);
        staticWords = w === undefined || staticWords === undefined ? undefined : staticWords + w;
      }
      map.set(selector, { event, indexed: event.inputs.filter((i) => i.indexed), data, staticWords });
    }
  }
  return map;
}

const DECODERS = buildDecoders();

/** topic0 of every event the indexer asks eth_getLogs for. */
export const TOPIC0S: string[] = [...DECODERS.keys()];

export const QUORUM_CONFIGURED_TOPIC = toEventSelector(
  (quorumVerifierAbi as readonly { type: string; name?: string }[]).find(
    (x) => x.type === "event" && x.name === "QuorumConfigured",
  ) as AbiEvent,
);

/** Lowercases addresses and turns tuples/arrays into plain objects/arrays, keeping bigints. */
function normalize(param: AbiParameter, value: unknown): unknown {
  if (param.type === "address") return (value as string).toLowerCase();
  if (param.type.endsWith("]")) {
    const inner = { ...param, type: param.type.slice(0, param.type.lastIndexOf("[")) } as AbiParameter;
    return (value as unknown[]).map((v) => normalize(inner, v));
  }
  if (param.type === "tuple" && "components" in param) {
    const out: Args = {};
    const v = value as Record<string, unknown>;
    for (const c of param.components) out[c.name!] = normalize(c, v[c.name!]);
    return out;
  }
  if (typeof value === "string") return value.toLowerCase();
  return value;
}

function decodeTopic(param: AbiParameter, topic: string): unknown {
  const t = param.type;
  if (t === "address") return `0x${topic.slice(26)}`.toLowerCase();
  if (t.startsWith("uint")) {
    const v = BigInt(topic);
    return Number(t.slice(4)) <= 48 && v <= 0xffffffffffffn ? Number(v) : v;
  }
  if (t === "bool") return BigInt(topic) !== 0n;
  if (t === "bytes32") return topic.toLowerCase();
  // Dynamic indexed values are only their hash; int and other static types go through the ABI decoder.
  if (t === "string" || t === "bytes" || t.endsWith("]") || t === "tuple") return topic.toLowerCase();
  return decodeAbiParameters([param], topic as `0x${string}`)[0];
}

export class DecodeError extends Error {
  override name = "DecodeError";
}

/** Decodes one log. Returns undefined for events the indexer does not track. Throws on malformed data. */
export function decodeLog(log: RawLog): DecodedLog | undefined {
  const topic0 = log.topics[0]?.toLowerCase();
  if (!topic0) return undefined;
  const d = DECODERS.get(topic0);
  if (!d) return undefined;
  if (log.topics.length !== d.indexed.length + 1) {
    throw new DecodeError(
      `${d.event.name} log ${log.transactionHash}:${log.logIndex} has ${log.topics.length - 1} indexed topics, expected ${d.indexed.length}`,
    );
  }
  const args: Args = {};
  d.indexed.forEach((p, i) => {
    args[p.name!] = decodeTopic(p, log.topics[i + 1]!);
  });
  if (d.staticWords !== undefined && log.data.length === 2 + 64 * d.staticWords && /^0x[0-9a-fA-F]*$/.test(log.data)) {
    const word = { i: 0 };
    try {
      for (const p of d.data) args[p.name!] = decodeStatic(p, log.data, word);
    } catch (error) {
      throw new DecodeError(`${d.event.name} log ${log.transactionHash}:${log.logIndex}: ${(error as Error).message}`);
    }
  } else if (d.data.length > 0) {
    let values: readonly unknown[];
    try {
      values = decodeAbiParameters(d.data, log.data as `0x${string}`);
    } catch (error) {
      throw new DecodeError(
        `${d.event.name} log ${log.transactionHash}:${log.logIndex}: cannot decode data: ${(error as Error).message.split("\n")[0]}`,
      );
    }
    d.data.forEach((p, i) => {
      args[p.name!] = normalize(p, values[i]);
    });
  }
  return {
    name: d.event.name,
    address: log.address.toLowerCase(),
    args,
    blockNumber: BigInt(log.blockNumber),
    blockHash: log.blockHash.toLowerCase(),
    txHash: log.transactionHash.toLowerCase(),
    txIndex: log.transactionIndex == null ? null : BigInt(log.transactionIndex),
    logIndex: BigInt(log.logIndex),
    blockTimestamp: log.blockTimestamp ? BigInt(log.blockTimestamp) : undefined,
  };
}

/** JSON of one decoded value: bigints as decimal strings, NUL (which PostgreSQL text cannot hold) as U+FFFD. */
function valueJson(v: unknown): string {
  switch (typeof v) {
    case "bigint":
      return `"${v}"`;
    case "number":
    case "boolean":
      return String(v);
    case "string":
      return JSON.stringify(v.includes("\u0000") ? v.replace(/\u0000/g, "\ufffd") : v);
    default:
      if (v === null || v === undefined) return "null";
      if (Array.isArray(v)) return `[${v.map(valueJson).join(",")}]`;
      return argsJson(v as Args);
  }
}

/**
 * JSON for raw_events.args, written by hand (a JSON.stringify replacer costs a call per key, and this runs for
 * every event of a backfill). Same output as JSON.stringify with bigints as strings.
 */
export function argsJson(args: Args): string {
  let out = "{";
  for (const k in args) {
    if (args[k] === undefined) continue;
    out += `${out.length > 1 ? "," : ""}${JSON.stringify(k)}:${valueJson(args[k])}`;
  }
  return `${out}}`;
}
