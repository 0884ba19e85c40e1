// Replays a recorded chain over JSON-RPC (run as a child process by replay.ts, so its JSON work does not count
// against the indexer): the logs and block headers the Hardhat node served, answered from memory, filtered by
// block range, address and topic0 as a node filters them. Sends `{ port }` to the parent once it listens.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Recording, RecordedLog } from "./replay.ts";

const file = process.argv[2];
if (!file || !process.send) {
  console.error("usage: forked by bench/indexer/replay.ts with the recording's path");
  process.exit(2);
}
const recording = JSON.parse(readFileSync(file, "utf8")) as Recording;
const head = recording.headers.length - 1;
// Each log's JSON is made once here, and answers are put together from it: like a node answering from its own
// storage, the replay's per-request work stays small next to the indexer's. A block's logs are also kept as one
// encoded piece, sent as it is when the filter takes all of them (the sync asks for every watched contract and
// event): putting the answers together log by log took this process ~1.4 s of CPU per 187k-event backfill, on
// the cores the indexer and PostgreSQL share.
type Served = { log: RecordedLog; json: string };
type Block = { logs: Served[]; whole: Buffer; addresses: Set<string>; topics: Set<string> };
const blocks: Block[] = Array.from({ length: head + 1 }, () => ({
  logs: [],
  whole: Buffer.alloc(0),
  addresses: new Set(),
  topics: new Set(),
}));
for (const l of recording.logs) {
  const b = blocks[Number(BigInt(l.blockNumber))]!;
  b.logs.push({ log: l, json: JSON.stringify(l) });
  b.addresses.add(l.address.toLowerCase());
  b.topics.add(l.topics[0]!.toLowerCase());
}
for (const b of blocks) b.whole = Buffer.from(b.logs.map((s) => s.json).join(","));
const toHex = (n: number) => `0x${n.toString(16)}`;

type Call = { id: number; method: string; params: any[] };

function blockNumberOf(tag: unknown): number {
  if (tag === "latest" || tag === "finalized" || tag === "safe" || tag === "pending") return head;
  if (tag === "earliest") return 0;
  return Number(BigInt(tag as string));
}

const covers = (filter: Set<string> | undefined, present: Set<string>) =>
  filter === undefined || [...present].every((x) => filter.has(x));

/** The JSON array of the logs matching `filter`, as encoded pieces. */
function getLogs(filter: {
  fromBlock?: string;
  toBlock?: string;
  address?: string | string[];
  topics?: unknown[];
}): Buffer[] {
  const from = blockNumberOf(filter.fromBlock ?? "latest");
  const to = Math.min(blockNumberOf(filter.toBlock ?? "latest"), head);
  const addresses =
    filter.address === undefined
      ? undefined
      : new Set((Array.isArray(filter.address) ? filter.address : [filter.address]).map((a) => a.toLowerCase()));
  const t0 = filter.topics?.[0];
  const topics =
    t0 === undefined || t0 === null ? undefined : new Set((Array.isArray(t0) ? t0 : [t0]).map((t) => t.toLowerCase()));
  const out: Buffer[] = [Buffer.from("[")];
  let first = true;
  const add = (piece: Buffer) => {
    if (piece.length === 0) return;
    if (!first) out.push(COMMA);
    out.push(piece);
    first = false;
  };
  for (let b = from; b <= to; b++) {
    const block = blocks[b]!;
    if (covers(addresses, block.addresses) && covers(topics, block.topics)) {
      add(block.whole);
      continue;
    }
    const some = block.logs.filter(
      ({ log: l }) =>
        (!addresses || addresses.has(l.address.toLowerCase())) && (!topics || topics.has(l.topics[0]!.toLowerCase())),
    );
    add(Buffer.from(some.map((s) => s.json).join(",")));
  }
  out.push(Buffer.from("]"));
  return out;
}
const COMMA = Buffer.from(",");

/** The encoded JSON of the answer to one call. */
function answer(call: Call): Buffer[] {
  const ok = (result: unknown) => [Buffer.from(JSON.stringify({ jsonrpc: "2.0", id: call.id, result }))];
  switch (call.method) {
    case "eth_chainId":
      return ok(toHex(recording.chainId));
    case "eth_blockNumber":
      return ok(toHex(head));
    case "eth_getBlockByNumber": {
      const n = blockNumberOf(call.params[0]);
      return ok(recording.headers[n] ?? null);
    }
    case "eth_getLogs":
      return [
        Buffer.from(`{"jsonrpc":"2.0","id":${JSON.stringify(call.id)},"result":`),
        ...getLogs(call.params[0]),
        Buffer.from("}"),
      ];
    default:
      return [
        Buffer.from(
          JSON.stringify({
            jsonrpc: "2.0",
            id: call.id,
            error: { code: -32601, message: `the replay does not serve ${call.method}` },
          }),
        ),
      ];
  }
}

const server = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const payload = JSON.parse(Buffer.concat(chunks).toString()) as Call | Call[];
  let parts: Buffer[];
  if (Array.isArray(payload)) {
    parts = [Buffer.from("[")];
    payload.forEach((call, i) => {
      if (i > 0) parts.push(COMMA);
      parts.push(...answer(call));
    });
    parts.push(Buffer.from("]"));
  } else parts = answer(payload);
  // The pieces go out as they are (one writev), not copied into one buffer first.
  res.setHeader("content-type", "application/json");
  res.setHeader(
    "content-length",
    parts.reduce((n, p) => n + p.length, 0),
  );
  res.cork();
  for (const p of parts) res.write(p);
  res.end();
});
server.listen(0, "127.0.0.1", () => process.send!({ port: (server.address() as AddressInfo).port }));
process.on("disconnect", () => process.exit(0));
