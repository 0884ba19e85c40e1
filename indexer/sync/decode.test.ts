import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  decodeEventLog,
  encodeAbiParameters,
  encodeEventTopics,
  type AbiEvent,
  type AbiParameter,
  type Hex,
} from "viem";
import {
  jobMarketAbi,
  jouleTokenAbi,
  providerRegistryAbi,
  quorumVerifierAbi,
  rewardEmitterAbi,
} from "../../sdk/src/abi/index.ts";
import { argsCopyJson } from "./args-json.ts";
import { argsJson, decodeLog, eventArgsCopyJson, TOPIC0S } from "./decode.ts";
import type { RawLog } from "./rpc.ts";

const EVENTS = [jobMarketAbi, providerRegistryAbi, rewardEmitterAbi, quorumVerifierAbi, jouleTokenAbi].flatMap((abi) =>
  (abi as readonly { type: string }[]).filter((x) => x.type === "event"),
) as AbiEvent[];

/** Deterministic pseudo-random values for an ABI type, extremes included. */
function valueFor(p: AbiParameter, r: () => number): unknown {
  if (p.type === "tuple" && "components" in p)
    return Object.fromEntries(p.components.map((c) => [c.name!, valueFor(c, r)]));
  if (p.type.endsWith("[]"))
    return Array.from({ length: Math.floor(r() * 4) }, () =>
      valueFor({ ...p, type: p.type.slice(0, -2) } as AbiParameter, r),
    );
  if (p.type === "address")
    return `0x${Array.from({ length: 40 }, () => "0123456789abcdef"[Math.floor(r() * 16)]).join("")}`;
  if (p.type === "bool") return r() < 0.5;
  if (p.type === "string") return ["", "ipfs://x", "naïve ☃ \u{1F525}", "a".repeat(200)][Math.floor(r() * 4)];
  if (p.type.startsWith("bytes"))
    return `0x${Array.from({ length: Number(p.type.slice(5)) * 2 }, () => "0123456789abcdef"[Math.floor(r() * 16)]).join("")}`;
  const bits = Number(p.type.slice(4));
  const max = 2n ** BigInt(bits) - 1n;
  const pick = r();
  const v = pick < 0.25 ? max : pick < 0.5 ? 0n : (max * BigInt(Math.floor(r() * 1e9))) / 1_000_000_000n;
  return bits <= 48 ? Number(v) : v;
}

function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function rawLog(event: AbiEvent, args: Record<string, unknown>, logIndex = 5n): RawLog {
  const topics = encodeEventTopics({ abi: [event], eventName: event.name, args } as never) as string[];
  const inputs = event.inputs.filter((i) => !i.indexed);
  const data = encodeAbiParameters(
    inputs,
    inputs.map((i) => args[i.name!]),
  );
  return {
    address: "0x00000000000000000000000000000000000000AA",
    topics,
    data,
    blockNumber: "0x10",
    blockHash: `0x${"1".repeat(64)}`,
    transactionHash: `0x${"2".repeat(64)}`,
    transactionIndex: "0x0",
    logIndex: `0x${logIndex.toString(16)}`,
  };
}

/** viem's view of the same log, normalised like the indexer's (lowercase hex). */
function lowercase(v: unknown): unknown {
  if (typeof v === "string") return v.toLowerCase();
  if (Array.isArray(v)) return v.map(lowercase);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, lowercase(x)]));
  return v;
}

describe("decodeLog", () => {
  it("asks eth_getLogs for every protocol event except ERC-20 Transfer/Approval", () => {
    const names = new Set(
      EVENTS.filter((e) =>
        TOPIC0S.includes(encodeEventTopics({ abi: [e], eventName: e.name } as never)[0] as string),
      ).map((e) => e.name),
    );
    for (const n of [
      "JobCreated",
      "BidPlaced",
      "JobAssigned",
      "ProofSubmitted",
      "MilestoneSettled",
      "JobClosed",
      "Withdrawn",
      "ProviderRegistered",
      "Slashed",
      "RewardClaimed",
      "QuorumConfigured",
      "ScheduleSet",
      "MinterSet",
    ]) {
      assert.ok(names.has(n), n);
    }
    assert.ok(!names.has("Transfer") && !names.has("Approval"));
  });

  it("matches viem's decoder on random and extreme values of every event (fast static path included)", () => {
    const r = prng(42);
    for (const event of EVENTS.filter((e) => e.name !== "Transfer" && e.name !== "Approval")) {
      for (let i = 0; i < 30; i++) {
        const args = Object.fromEntries(event.inputs.map((p) => [p.name!, valueFor(p, r)]));
        const log = rawLog(event, args);
        const ours = decodeLog(log)!;
        const viem = decodeEventLog({ abi: [event], data: log.data as Hex, topics: log.topics as [Hex, ...Hex[]] });
        assert.equal(ours.name, event.name);
        assert.deepEqual(ours.args, lowercase(viem.args ?? {}), `${event.name} #${i}`);
      }
    }
  });

  it("reads every uint exactly at the fast path's limits (from the low 6 bytes, without a BigInt, below 2^48)", () => {
    const r = prng(7);
    const edges = [1n, 2n ** 48n - 1n, 2n ** 48n, 2n ** 52n - 1n, 2n ** 52n, 2n ** 53n + 1n, 2n ** 64n - 1n];
    let checked = 0;
    for (const event of EVENTS.filter((e) => e.name !== "Transfer" && e.name !== "Approval")) {
      for (const edge of edges) {
        const args = Object.fromEntries(
          event.inputs.map((p) => {
            const bits = /^uint(\d+)$/.exec(p.type)?.[1];
            if (bits === undefined || edge >= 2n ** BigInt(bits)) return [p.name!, valueFor(p, r)];
            checked++;
            return [p.name!, Number(bits) <= 48 ? Number(edge) : edge];
          }),
        );
        const log = rawLog(event, args);
        const viem = decodeEventLog({ abi: [event], data: log.data as Hex, topics: log.topics as [Hex, ...Hex[]] });
        assert.deepEqual(decodeLog(log)!.args, lowercase(viem.args ?? {}), `${event.name} at ${edge}`);
      }
    }
    assert.ok(checked > 100, `${checked} uint values at the limits`);
  });

  it("reads topics written in upper-case hex as in lower case, and rejects a topic that is not hex", () => {
    const event = EVENTS.find((e) => e.name === "JobCreated")!;
    const r = prng(11);
    const log = rawLog(event, Object.fromEntries(event.inputs.map((p) => [p.name!, valueFor(p, r)])));
    const upper = { ...log, topics: log.topics.map((t, i) => (i === 0 ? t : `0x${t.slice(2).toUpperCase()}`)) };
    assert.deepEqual(decodeLog(upper)!.args, decodeLog(log)!.args);
    const bad = { ...log, topics: [log.topics[0]!, `0x${"0".repeat(62)}z1`, ...log.topics.slice(2)] };
    assert.throws(() => decodeLog(bad));
  });

  it("keeps log positions exactly, even near 2^32 and beyond", () => {
    const event = EVENTS.find((e) => e.name === "TokenAllowed")!;
    const log = rawLog(event, { token: `0x${"ab".repeat(20)}`, allowed: true }, 2n ** 32n - 1n);
    const d = decodeLog(log)!;
    assert.equal(d.logIndex, 4_294_967_295n);
    assert.equal(d.blockNumber, 16n);
    assert.equal(d.address, "0x00000000000000000000000000000000000000aa");
    assert.equal(decodeLog({ ...log, logIndex: "0xffffffffffff" })!.logIndex, 2n ** 48n - 1n);
  });

  it("ignores unknown events and rejects malformed data", () => {
    const event = EVENTS.find((e) => e.name === "Staked")!;
    const log = rawLog(event, {
      provider: `0x${"01".repeat(20)}`,
      from: `0x${"02".repeat(20)}`,
      amount: 1n,
      stake: 2n,
    });
    assert.equal(decodeLog({ ...log, topics: [`0x${"9".repeat(64)}`] }), undefined);
    assert.throws(() => decodeLog({ ...log, topics: log.topics.slice(0, 2) }), /indexed topics/);
    const dynamic = EVENTS.find((e) => e.name === "ProviderRegistered")!;
    const p = rawLog(dynamic, {
      provider: `0x${"01".repeat(20)}`,
      gpuClass: 1,
      gpuCount: 1,
      vramGb: 1,
      carbonIntensity: 1,
      region: `0x${"0".repeat(64)}`,
      metadataURI: "x",
    });
    assert.throws(() => decodeLog({ ...p, data: p.data.slice(0, 100) }), /cannot decode/);
  });

  it("writes each event's raw_events.args with its compiled writer exactly as argsCopyJson does", () => {
    const r = prng(99);
    let compared = 0;
    for (const event of EVENTS.filter((e) => e.name !== "Transfer" && e.name !== "Approval")) {
      for (let i = 0; i < 30; i++) {
        const args = Object.fromEntries(event.inputs.map((p) => [p.name!, valueFor(p, r)]));
        const decoded = decodeLog(rawLog(event, args))!;
        assert.equal(eventArgsCopyJson(decoded), argsCopyJson(decoded.args), `${event.name} #${i}`);
        compared++;
      }
    }
    assert.ok(compared > 500);
    // Text that needs escaping (doubled backslashes for COPY), an argument missing, a struct that is not one.
    const registered = EVENTS.find((e) => e.name === "ProviderRegistered")!;
    const d = decodeLog(
      rawLog(registered, {
        provider: `0x${"01".repeat(20)}`,
        gpuClass: 1,
        gpuCount: 2,
        vramGb: 3,
        carbonIntensity: 4,
        region: `0x${"0".repeat(64)}`,
        metadataURI: 'ipfs://a"b\\c\u0000',
      }),
    )!;
    assert.equal(eventArgsCopyJson(d), argsCopyJson(d.args));
    assert.ok(eventArgsCopyJson(d).includes('a\\\\"b\\\\\\\\c'), eventArgsCopyJson(d));
    const { vramGb: _dropped, ...partial } = d.args;
    assert.equal(eventArgsCopyJson({ ...d, args: partial }), argsCopyJson(partial));
    const created = EVENTS.find((e) => e.name === "JobCreated")!;
    const log = rawLog(created, Object.fromEntries(created.inputs.map((p) => [p.name!, valueFor(p, r)])));
    const job = decodeLog(log)!;
    // A node's topic is its text as sent: a quote or a tab in an indexed address is escaped, not copied through.
    const hostile = `0x${"0".repeat(24)}${'ab"\tc\\'.padEnd(40, "d")}`;
    const strange = decodeLog({ ...log, topics: [log.topics[0]!, log.topics[1]!, hostile, log.topics[3]!] })!;
    assert.equal(eventArgsCopyJson(strange), argsCopyJson(strange.args));
    assert.ok(
      !eventArgsCopyJson(strange).includes("\t") && eventArgsCopyJson(strange).includes('ab\\\\"\\\\tc\\\\\\\\d'),
    );
    const odd = { ...job.args, params: null };
    assert.equal(eventArgsCopyJson({ ...job, args: odd }), argsCopyJson(odd));
  });

  it("serialises args as JSON PostgreSQL accepts: bigints as strings, NUL replaced", () => {
    assert.equal(
      argsJson({ a: 2n ** 256n - 1n, s: "x\u0000y", n: 5 }),
      `{"a":"${2n ** 256n - 1n}","s":"x\ufffdy","n":5}`,
    );
    // The hand-written serialiser matches JSON.stringify (bigints as strings) on nested and awkward values.
    const reference = (v: unknown) =>
      JSON.stringify(v, (_k, x) =>
        typeof x === "bigint" ? x.toString() : typeof x === "string" ? x.replace(/\u0000/g, "\ufffd") : x,
      );
    const awkward = {
      quote: 'a"b\\c\n\t',
      unicode: "é😀\u2028",
      nested: { p: { q: 1n, r: [true, null, "0xab", { x: -1 }] } },
      skipped: undefined,
      empty: {},
      list: [],
    };
    assert.equal(argsJson(awkward), reference(awkward));
  });
});
