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

import { argsCopyJson, compileArgsCopyJson, type ArgShape, type Args } from "./args-json.ts";

export { argsJson, type Args } from "./args-json.ts";

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

/** Reads one static value whose ABI encoding starts at byte `at` of the log's data (as bytes). */
type Reader = (data: Buffer, at: number) => unknown;
type StaticReader = { words: number; read: Reader };

type Decoder = {
  event: AbiEvent;
  indexed: AbiParameter[];
  /** Reader of each indexed parameter's topic, in order. */
  topics: ((topic: string) => unknown)[];
  data: AbiParameter[];
  /** Fast path for data made of static values only (every event but the ones with strings or arrays). */
  fast: { words: number; fields: { name: string; at: number; read: Reader }[] } | undefined;
};

const ZERO_CHAR = 48;

/** bytes1 … bytes32 (the size in group 1). */
const BYTES_N = /^bytes([1-9]|[12]\d|3[012])$/;

/** Whether hex[from..to) is all "0": a character loop, several times cheaper here than startsWith or a slice. */
function zeros(hex: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (hex.charCodeAt(i) !== ZERO_CHAR) return false;
  return true;
}

/** Whether data[from..to) is all zero bytes. */
function zeroBytes(data: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (data[i] !== 0) return false;
  return true;
}

/** The 32-byte word at `at` as a bigint. */
const wordAt = (data: Buffer, at: number) => BigInt(`0x${data.toString("hex", at, at + 32)}`);

/**
 * A reader for a static parameter, compiled once per event, or undefined if it is dynamic (or a type the fast
 * path skips). Same results as viem's decoder: numbers for uints of 48 bits or less, bigints above, lowercase hex.
 * The type is looked at here, once, not for every word of every log.
 */
function staticReader(p: AbiParameter): StaticReader | undefined {
  if (p.type === "tuple" && "components" in p) {
    const parts: { name: string; at: number; read: Reader }[] = [];
    let words = 0;
    for (const c of p.components) {
      const r = staticReader(c);
      if (r === undefined) return undefined;
      parts.push({ name: c.name!, at: words * 32, read: r.read });
      words += r.words;
    }
    return {
      words,
      read: (data, at) => {
        const out: Args = {};
        for (const part of parts) out[part.name] = part.read(data, at + part.at);
        return out;
      },
    };
  }
  if (p.type === "address") return { words: 1, read: (data, at) => `0x${data.toString("hex", at + 12, at + 32)}` };
  // Any non-zero word is true, as viem reads it.
  if (p.type === "bool") return { words: 1, read: (data, at) => !zeroBytes(data, at, at + 32) };
  const bytes = BYTES_N.exec(p.type);
  if (bytes) {
    const n = Number(bytes[1]);
    return { words: 1, read: (data, at) => `0x${data.toString("hex", at, at + n)}` };
  }
  const uint = /^uint(\d+)$/.exec(p.type);
  if (!uint) return undefined;
  // Like viem: the word's value as is (solc never emits dirty high bits), a number when it fits 48 bits. Values
  // below 2^48 (most amounts, all ids and counts) are read from their low 6 bytes, without a BigInt of the word.
  if (Number(uint[1]) <= 48)
    return {
      words: 1,
      read: (data, at) => (zeroBytes(data, at, at + 26) ? data.readUIntBE(at + 26, 6) : wordAt(data, at)),
    };
  return {
    words: 1,
    read: (data, at) => (zeroBytes(data, at, at + 26) ? BigInt(data.readUIntBE(at + 26, 6)) : wordAt(data, at)),
  };
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
      let fast: Decoder["fast"] = { words: 0, fields: [] };
      for (const p of data) {
        const r = staticReader(p);
        if (r === undefined) {
          fast = undefined;
          break;
        }
        fast.fields.push({ name: p.name!, at: fast.words * 32, read: r.read });
        fast.words += r.words;
      }
      const indexed = event.inputs.filter((i) => i.indexed);
      map.set(selector, { event, indexed, topics: indexed.map(topicReader), data, fast });
    }
  }
  return map;
}

const DECODERS = buildDecoders();

/**
 * An argument's shape for compileArgsCopyJson. Hex text only from the data, which was checked to be hex (the fast
 * path writes it itself; viem's decoder checks it): topics are the node's text as it sent it, and go through
 * valueJson, which escapes whatever they hold.
 */
function argShape(p: AbiParameter, indexed: boolean): ArgShape {
  const name = p.name!;
  if (p.type === "tuple" && "components" in p && !indexed)
    return { name, kind: "tuple", fields: p.components.map((c) => argShape(c, false)) };
  if (!indexed && (p.type === "address" || BYTES_N.test(p.type))) return { name, kind: "hex" };
  if (p.type === "bool") return { name, kind: "bool" };
  if (/^uint\d+$/.test(p.type)) return { name, kind: "uint" };
  return { name, kind: "any" };
}

/** raw_events.args writers by event name (names two events share with other arguments keep argsCopyJson). */
const ARGS_COPY_JSON = (() => {
  const byName = new Map<string, { signature: string; write: (args: Args) => string }>();
  const ambiguous = new Set<string>();
  for (const d of DECODERS.values()) {
    const shapes = [...d.indexed.map((p) => argShape(p, true)), ...d.data.map((p) => argShape(p, false))];
    const signature = JSON.stringify(shapes);
    const seen = byName.get(d.event.name);
    if (seen && seen.signature !== signature) ambiguous.add(d.event.name);
    else if (!seen) byName.set(d.event.name, { signature, write: compileArgsCopyJson(shapes) });
  }
  return new Map([...byName].filter(([name]) => !ambiguous.has(name)).map(([name, { write }]) => [name, write]));
})();

/** raw_events.args of a decoded event as COPY text: argsCopyJson's text, written by the event's own writer. */
export function eventArgsCopyJson(e: DecodedLog): string {
  return (ARGS_COPY_JSON.get(e.name) ?? argsCopyJson)(e.args);
}

/**
 * The data of the log being decoded, as bytes: Buffer's native hex decoding checks it is hex (it stops at the
 * first character that is not) and reads it in one pass, where a regular expression checked it and each value was
 * read from the text a character at a time. decodeLog is synchronous: one buffer serves every call.
 */
const DATA = Buffer.allocUnsafeSlow(32 * Math.max(1, ...[...DECODERS.values()].map((d) => d.fast?.words ?? 0)));

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

/** Value of the hex digits hex[from..to) (at most 13), or -1 if one is not a hex digit. */
function checkedHexNumber(hex: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = hex.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/**
 * The reader of an indexed parameter's topic, chosen once per event. A uint topic below 2^52 (ids, counts: most of
 * them) is read without parsing the whole word as a BigInt; anything else goes through decodeTopic. Same results.
 */
function topicReader(param: AbiParameter): (topic: string) => unknown {
  const uint = /^uint(\d+)$/.exec(param.type);
  if (!uint) return (topic) => decodeTopic(param, topic);
  const small = Number(uint[1]) <= 48;
  return (topic) => {
    if (topic.length === 66 && zeros(topic, 2, 53)) {
      const v = checkedHexNumber(topic, 53, 66);
      if (v >= 0) return small ? (v <= 0xffffffffffff ? v : BigInt(v)) : BigInt(v);
    }
    return decodeTopic(param, topic);
  };
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
  for (let i = 0; i < d.topics.length; i++) args[d.indexed[i]!.name!] = d.topics[i]!(log.topics[i + 1]!);
  const fast = d.fast;
  if (
    fast !== undefined &&
    log.data.length === 2 + 64 * fast.words &&
    log.data.startsWith("0x") &&
    DATA.write(log.data.slice(2), 0, "hex") === 32 * fast.words
  ) {
    for (const f of fast.fields) args[f.name] = f.read(DATA, f.at);
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
