// A JSON-RPC proxy that injects faults between the indexer and a node: JSON-RPC errors, HTTP 429/502,
// hangs, provider-style range-limit errors on eth_getLogs, and answer rewriting.
import { createServer, type IncomingMessage } from "node:http";
import type { Server } from "node:http";
import { close, listen } from "./chain.ts";

export type Call = { id?: unknown; jsonrpc?: string; method: string; params?: unknown[] };

export type FaultPlan = {
  /** Probability per HTTP request of: HTTP 429, HTTP 502, a hang (never answered), a JSON-RPC error. */
  http429?: number;
  http502?: number;
  hang?: number;
  rpcError?: number;
  /** eth_getLogs: refuse ranges wider than this with one of the providers' messages. */
  maxLogRange?: bigint;
  /** eth_getLogs: refuse answers with more logs than this ("query returned more than N results"). */
  maxLogs?: number;
  /** eth_getLogs: answer `null` instead of the logs (a broken node) with this probability. */
  nullLogs?: number;
  /** Delay before answering each HTTP request (keeps the indexer busy for kill tests). */
  delayMs?: number;
  /** Rewrites each successful answer. */
  rewrite?: (call: Call, result: unknown) => unknown;
  seed?: number;
};

export type FaultProxy = {
  url: string;
  injected: Map<string, number>;
  plan: FaultPlan;
  close(): Promise<void>;
};

const RANGE_MESSAGES = [
  "block range is too wide",
  "exceed maximum block range: 5",
  "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range and no limit on the response size",
  "eth_getLogs is limited to a 10,000 range",
  "query exceeds max results 20000",
];

/** Small deterministic PRNG (mulberry32) so a failing run can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startFaultProxy(upstream: string, plan: FaultPlan): Promise<FaultProxy> {
  const random = prng(plan.seed ?? 1);
  const injected = new Map<string, number>();
  const count = (k: string) => injected.set(k, (injected.get(k) ?? 0) + 1);
  let rangeMessage = 0;

  async function forward(call: Call): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
    const res = await fetch(upstream, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, ...call }),
    });
    return (await res.json()) as { result?: unknown; error?: { code: number; message: string } };
  }

  async function handle(call: Call): Promise<object> {
    const reply = (x: object) => ({ jsonrpc: "2.0", id: call.id ?? null, ...x });
    if (random() < (plan.rpcError ?? 0)) {
      count("rpcError");
      return reply({ error: { code: -32000, message: "internal error: upstream unavailable" } });
    }
    if (call.method === "eth_getLogs") {
      const f = (call.params?.[0] ?? {}) as { fromBlock?: string; toBlock?: string };
      if (
        plan.maxLogRange !== undefined &&
        f.fromBlock &&
        f.toBlock &&
        BigInt(f.toBlock) - BigInt(f.fromBlock) + 1n > plan.maxLogRange
      ) {
        count("range");
        return reply({ error: { code: -32000, message: RANGE_MESSAGES[rangeMessage++ % RANGE_MESSAGES.length]! } });
      }
      if (random() < (plan.nullLogs ?? 0)) {
        count("nullLogs");
        return reply({ result: null });
      }
    }
    const answer = await forward(call);
    if (answer.error) return reply({ error: answer.error });
    if (
      call.method === "eth_getLogs" &&
      plan.maxLogs !== undefined &&
      Array.isArray(answer.result) &&
      answer.result.length > plan.maxLogs
    ) {
      count("tooMany");
      return reply({ error: { code: -32005, message: `query returned more than ${plan.maxLogs} results` } });
    }
    return reply({ result: plan.rewrite ? plan.rewrite(call, answer.result) : answer.result });
  }

  const server: Server = createServer(async (req, res) => {
    const text = await body(req);
    const r = random();
    let edge = 0;
    if (r < (edge += plan.http429 ?? 0)) {
      count("http429");
      res.writeHead(429, { "retry-after": "0" }).end("Too Many Requests");
      return;
    }
    if (r < (edge += plan.http502 ?? 0)) {
      count("http502");
      res.writeHead(502).end("<html>Bad Gateway</html>");
      return;
    }
    if (r < (edge += plan.hang ?? 0)) {
      count("hang");
      return; // never answered: the client must time out
    }
    if (plan.delayMs) await new Promise((res) => setTimeout(res, plan.delayMs));
    const payload = JSON.parse(text) as Call | Call[];
    const answers = Array.isArray(payload) ? await Promise.all(payload.map(handle)) : await handle(payload);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(answers));
  });
  const url = await listen(server);
  return { url, injected, plan, close: () => close(server) };
}
