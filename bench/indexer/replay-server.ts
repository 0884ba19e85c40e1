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
// storage, the replay's per-request work stays small next to the indexer's.
type Served = { log: RecordedLog; json: string };
const logsByBlock: Served[][] = Array.from({ length: head + 1 }, () => []);
for (const l of recording.logs) logsByBlock[Number(BigInt(l.blockNumber))]!.push({ log: l, json: JSON.stringify(l) });
const toHex = (n: number) => `0x${n.toString(16)}`;

type Call = { id: number; method: string; params: any[] };

function blockNumberOf(tag: unknown): number {
  if (tag === "latest" || tag === "finalized" || tag === "safe" || tag === "pending") return head;
  if (tag === "earliest") return 0;
  return Number(BigInt(tag as string));
}

function getLogs(filter: { fromBlock?: string; toBlock?: string; address?: string | string[]; topics?: unknown[] }) {
  const from = blockNumberOf(filter.fromBlock ?? "latest");
  const to = Math.min(blockNumberOf(filter.toBlock ?? "latest"), head);
  const addresses =
    filter.address === undefined
      ? undefined
      : new Set((Array.isArray(filter.address) ? filter.address : [filter.address]).map((a) => a.toLowerCase()));
  const t0 = filter.topics?.[0];
  const topics =
    t0 === undefined || t0 === null ? undefined : new Set((Array.isArray(t0) ? t0 : [t0]).map((t) => t.toLowerCase()));
  const out: string[] = [];
  for (let b = from; b <= to; b++) {
    for (const { log: l, json } of logsByBlock[b]!) {
      if (addresses && !addresses.has(l.address.toLowerCase())) continue;
      if (topics && !topics.has(l.topics[0]!.toLowerCase())) continue;
      out.push(json);
    }
  }
  return `[${out.join(",")}]`;
}

/** The JSON text of the answer to one call. */
function answer(call: Call): string {
  const ok = (result: unknown) => JSON.stringify({ jsonrpc: "2.0", id: call.id, result });
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
      return `{"jsonrpc":"2.0","id":${JSON.stringify(call.id)},"result":${getLogs(call.params[0])}}`;
    default:
      return JSON.stringify({
        jsonrpc: "2.0",
        id: call.id,
        error: { code: -32601, message: `the replay does not serve ${call.method}` },
      });
  }
}

const server = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const payload = JSON.parse(Buffer.concat(chunks).toString()) as Call | Call[];
  res.setHeader("content-type", "application/json");
  res.end(Array.isArray(payload) ? `[${payload.map(answer).join(",")}]` : answer(payload));
});
server.listen(0, "127.0.0.1", () => process.send!({ port: (server.address() as AddressInfo).port }));
process.on("disconnect", () => process.exit(0));
