// Test chain for the indexer's end-to-end tests: Hardhat's in-process EDR network, served over a tiny HTTP
// JSON-RPC server (the indexer only speaks HTTP), with helpers for snapshots, time and mining.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { network } from "hardhat";

export type Eip1193 = { request(args: { method: string; params?: unknown[] }): Promise<unknown> };

export type TestChain = {
  url: string;
  provider: Eip1193;
  /** Requests served over HTTP, by method. */
  served: Map<string, number>;
  snapshot(): Promise<string>;
  revert(id: string): Promise<void>;
  mine(blocks?: number): Promise<void>;
  increaseTime(seconds: number): Promise<void>;
  blockNumber(): Promise<bigint>;
  close(): Promise<void>;
};

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Answers one JSON-RPC request object from `provider`. */
export async function answer(
  provider: Eip1193,
  call: { id?: unknown; method: string; params?: unknown[] },
): Promise<object> {
  try {
    const result = await provider.request({ method: call.method, params: call.params ?? [] });
    return { jsonrpc: "2.0", id: call.id ?? null, result: result ?? null };
  } catch (error) {
    const e = error as { code?: number; message?: string; data?: unknown };
    return {
      jsonrpc: "2.0",
      id: call.id ?? null,
      error: { code: typeof e.code === "number" ? e.code : -32603, message: e.message ?? String(error), data: e.data },
    };
  }
}

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export async function startChain(): Promise<TestChain> {
  const conn = await network.connect();
  const provider = conn.provider as unknown as Eip1193;
  const served = new Map<string, number>();
  const server = createServer(async (req, res) => {
    const payload = JSON.parse(await body(req)) as { method: string } | { method: string }[];
    const calls = Array.isArray(payload) ? payload : [payload];
    for (const c of calls) served.set(c.method, (served.get(c.method) ?? 0) + 1);
    const answers = await Promise.all(calls.map((c) => answer(provider, c)));
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(Array.isArray(payload) ? answers : answers[0]));
  });
  const url = await listen(server);
  return {
    url,
    provider,
    served,
    snapshot: async () => (await provider.request({ method: "evm_snapshot" })) as string,
    revert: async (id) => {
      const ok = await provider.request({ method: "evm_revert", params: [id] });
      if (ok !== true) throw new Error(`evm_revert ${id} failed`);
    },
    mine: async (blocks = 1) => {
      for (let i = 0; i < blocks; i++) await provider.request({ method: "evm_mine" });
    },
    increaseTime: async (seconds) => {
      await provider.request({ method: "evm_increaseTime", params: [seconds] });
      await provider.request({ method: "evm_mine" });
    },
    blockNumber: async () => BigInt((await provider.request({ method: "eth_blockNumber" })) as string),
    close: async () => {
      await close(server);
      await conn.close();
    },
  };
}
