import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { RpcError } from "./errors.ts";
import { backoffDelay, Rpc } from "./rpc.ts";

type Reply = {
  status?: number;
  error?: { code: number; message: string };
  result?: unknown;
  hang?: boolean;
  /** Sent in 1,000-byte writes without a Content-Length. */
  chunked?: boolean;
  /** Sent as it is, with `status` (200 by default). */
  raw?: string;
};

/** A JSON-RPC server whose answers are scripted per call. */
async function scripted(
  replies: (method: string, params: unknown[]) => Reply,
): Promise<{ url: string; calls: string[]; server: Server }> {
  const calls: string[] = [];
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const c of req) body += c;
    const payload = JSON.parse(body);
    const one = Array.isArray(payload) ? payload[0] : payload;
    calls.push(one.method);
    const r = replies(one.method, one.params);
    if (r.hang) return;
    if (r.raw !== undefined) {
      res.writeHead(r.status ?? 200, { "content-type": "application/json" }).end(r.raw);
      return;
    }
    if (r.status) {
      res.writeHead(r.status).end("nope");
      return;
    }
    const answer = r.error
      ? { jsonrpc: "2.0", id: one.id, error: r.error }
      : { jsonrpc: "2.0", id: one.id, result: r.result };
    res.setHeader("content-type", "application/json");
    const text = JSON.stringify(Array.isArray(payload) ? [answer] : answer);
    if (!r.chunked) return void res.end(text);
    const bytes = Buffer.from(text);
    for (let i = 0; i < bytes.length; i += 1_000) res.write(bytes.subarray(i, i + 1_000));
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, server };
}

const servers: Server[] = [];
after(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

const fast = { timeoutMs: 300, maxRetries: 4, backoffBaseMs: 1, backoffMaxMs: 5 };

describe("backoffDelay", () => {
  it("doubles up to the cap, with jitter between half and all of it", () => {
    assert.equal(
      backoffDelay(0, 100, 10_000, () => 0),
      50,
    );
    assert.equal(
      backoffDelay(0, 100, 10_000, () => 1),
      100,
    );
    assert.equal(
      backoffDelay(3, 100, 10_000, () => 1),
      800,
    );
    assert.equal(
      backoffDelay(30, 100, 10_000, () => 1),
      10_000,
    );
    assert.equal(
      backoffDelay(30, 100, 10_000, () => 0),
      5_000,
    );
  });
});

describe("Rpc", () => {
  const A = "0x00000000000000000000000000000000000000aa";
  /** A log of contract A, without its block number (each test puts it in or out of the range asked). */
  const LOG = {
    address: A,
    topics: ["0x01"],
    data: "0x",
    blockHash: "0x02",
    transactionHash: "0x03",
    transactionIndex: "0x0",
    logIndex: "0x0",
  };

  it("retries HTTP 502 and 429, then returns the answer", async () => {
    let n = 0;
    const s = await scripted(() => (++n === 1 ? { status: 502 } : n === 2 ? { status: 429 } : { result: "0x2a" }));
    servers.push(s.server);
    const rpc = new Rpc([s.url], fast);
    assert.equal(await rpc.blockNumber(), 42n);
    assert.equal(s.calls.length, 3);
  });

  it("falls back to the next URL when the first refuses connections or hangs", async () => {
    const hanging = await scripted(() => ({ hang: true }));
    const good = await scripted(() => ({ result: "0x7a69" }));
    servers.push(hanging.server, good.server);
    assert.equal(await new Rpc(["http://127.0.0.1:9", good.url], fast).chainId(), 31337);
    const t0 = Date.now();
    assert.equal(await new Rpc([hanging.url, good.url], fast).chainId(), 31337);
    assert.ok(Date.now() - t0 >= 250, "waited for the timeout");
    assert.equal(hanging.calls.length, 1);
  });

  it("gives up after maxRetries with a retryable error", async () => {
    const s = await scripted(() => ({ error: { code: -32000, message: "header not found" } }));
    servers.push(s.server);
    await assert.rejects(
      new Rpc([s.url], fast).blockNumber(),
      (e) => e instanceof RpcError && e.kind === "retryable" && /gave up after 5 attempts/.test(e.message),
    );
    assert.equal(s.calls.length, 5);
  });

  it("does not retry fatal errors or range errors", async () => {
    const s = await scripted((method) =>
      method === "eth_getLogs"
        ? { error: { code: -32005, message: "query returned more than 10000 results" } }
        : { error: { code: -32601, message: "method not found" } },
    );
    servers.push(s.server);
    const rpc = new Rpc([s.url], fast);
    await assert.rejects(rpc.blockNumber(), (e) => e instanceof RpcError && e.kind === "fatal");
    await assert.rejects(
      rpc.getLogs(["0x00000000000000000000000000000000000000aa"], ["0x01"], 1n, 5n),
      (e) => e instanceof RpcError && e.kind === "range",
    );
    assert.deepEqual(s.calls, ["eth_blockNumber", "eth_getLogs"]);
  });

  it("never takes a broken eth_getLogs answer for 'no logs'", async () => {
    const log = LOG;
    let n = 0;
    const s = await scripted(() => {
      n++;
      if (n === 1) return { result: null };
      if (n === 2) return { result: [{ ...log, blockNumber: "0x99" }] }; // outside the range asked
      if (n === 3)
        return { result: [{ ...log, blockNumber: "0x2", address: "0x00000000000000000000000000000000000000bb" }] };
      return { result: [{ ...log, blockNumber: "0x2" }] };
    });
    servers.push(s.server);
    const logs = await new Rpc([s.url], fast).getLogs([A], ["0x01"], 1n, 5n);
    assert.equal(logs.length, 1);
    assert.equal(n, 4);
  });

  it("refuses an answer over maxResponseBytes as a range error, with or without Content-Length", async () => {
    // Multi-byte UTF-8 split across writes must come back whole.
    const logs = Array.from({ length: 40 }, (_, i) => ({
      address: A,
      topics: ["0x01"],
      data: `0x${"ab".repeat(20)}`,
      blockNumber: "0x2",
      blockHash: "0x02",
      transactionHash: `0x${i.toString(16).padStart(64, "0")}`,
      transactionIndex: "0x0",
      logIndex: `0x${i.toString(16)}`,
      note: "é😀".repeat(i),
    }));
    const size = Buffer.byteLength(JSON.stringify({ jsonrpc: "2.0", id: 0, result: logs }));
    for (const chunked of [false, true]) {
      const s = await scripted(() => ({ result: logs, chunked }));
      servers.push(s.server);
      const small = new Rpc([s.url], { ...fast, maxResponseBytes: Math.floor(size / 2) });
      await assert.rejects(
        small.getLogs([A], ["0x01"], 1n, 5n),
        (e) => e instanceof RpcError && e.kind === "range",
        `chunked: ${chunked}`,
      );
      const got = await new Rpc([s.url], { ...fast, maxResponseBytes: size + 100 }).getLogs([A], ["0x01"], 1n, 5n);
      assert.deepEqual(got, logs);
      assert.equal(s.calls.length, 2, "a range error is not retried");
    }
  });

  it("reads eth_getLogs over its own HTTP path with the same policy: retries, timeout, fallback, error kinds", async () => {
    const log = { ...LOG, blockNumber: "0x2" };
    const faults: Reply[] = [{ status: 502 }, { status: 429 }, { raw: "<html>bad gateway</html>" }];
    let n = 0;
    const s = await scripted(() => faults[n++] ?? { result: [log] });
    servers.push(s.server);
    assert.deepEqual(await new Rpc([s.url], fast).getLogs([A], ["0x01"], 1n, 5n), [log]);
    assert.equal(s.calls.length, 4);
    // No answer in time: a range error (LogFetcher asks for a smaller range), after the timeout.
    const hanging = await scripted(() => ({ hang: true }));
    servers.push(hanging.server);
    const t0 = Date.now();
    await assert.rejects(
      new Rpc([hanging.url], fast).getLogs([A], ["0x01"], 1n, 5n),
      (e) => e instanceof RpcError && e.kind === "range" && /took too long/.test(e.message),
    );
    assert.ok(Date.now() - t0 >= 250, "waited for the timeout");
    // An answer cut off half-way (the connection closes before its end) is retried, never taken as it is.
    let cut = 0;
    const cutting = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        if (cut++ === 0) {
          res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
          res.write('{"jsonrpc":"2.0","id":1,"result":[');
          setTimeout(() => res.destroy(), 20);
        } else res.end(JSON.stringify({ jsonrpc: "2.0", id: 1, result: [log] }));
      });
    });
    await new Promise<void>((r) => cutting.listen(0, "127.0.0.1", r));
    servers.push(cutting);
    const cutUrl = `http://127.0.0.1:${(cutting.address() as AddressInfo).port}`;
    assert.deepEqual(await new Rpc([cutUrl], fast).getLogs([A], ["0x01"], 1n, 5n), [log]);
    assert.equal(cut, 2);
    // A refused connection moves on to the next URL.
    assert.equal((await new Rpc(["http://127.0.0.1:9", s.url], fast).getLogs([A], ["0x01"], 1n, 5n)).length, 1);
    // A JSON-RPC error in a non-2xx answer (as some providers send range refusals) is read as that error.
    const refusing = await scripted(() => ({
      status: 400,
      raw: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        error: { code: -32602, message: "Log response size exceeded. Use up to a 2K block range" },
      }),
    }));
    servers.push(refusing.server);
    await assert.rejects(
      new Rpc([refusing.url], fast).getLogs([A], ["0x01"], 1n, 5n),
      (e) => e instanceof RpcError && e.kind === "range" && /Log response size exceeded/.test(e.message),
    );
    assert.equal(refusing.calls.length, 1, "a range error is not retried");
    // Not found and unauthorised are fatal: retrying cannot help.
    const gone = await scripted(() => ({ status: 401 }));
    servers.push(gone.server);
    await assert.rejects(
      new Rpc([gone.url], fast).getLogs([A], ["0x01"], 1n, 5n),
      (e) => e instanceof RpcError && e.kind === "fatal",
    );
  });

  it("treats a missing block as retryable, not as the end of the chain", async () => {
    let n = 0;
    const s = await scripted(() =>
      ++n < 3 ? { result: null } : { result: { number: "0x5", hash: "0xAB", parentHash: "0xCD", timestamp: "0x10" } },
    );
    servers.push(s.server);
    const b = await new Rpc([s.url], fast).getBlock(5n);
    assert.deepEqual(b, { number: 5n, hash: "0xab", parentHash: "0xcd", timestamp: 16n });
  });
});
