import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HttpRequestError, ResponseBodyTooLargeError, RpcRequestError, TimeoutError } from "viem";
import { classifyRpcError, suggestedRange } from "./errors.ts";

const rpcError = (code: number, message: string) =>
  new RpcRequestError({ body: {}, error: { code, message }, url: "http://x" });
const httpError = (status: number, details = "") =>
  new HttpRequestError({ body: {}, status, details, url: "http://x" });

describe("classifyRpcError", () => {
  it("recognises the common providers' range and result-size errors on eth_getLogs", () => {
    const messages = [
      "query returned more than 10000 results", // geth, Infura
      "block range is too wide", // Ankr
      "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range and no limit on the response size, or you can request any block range with a cap of 10K logs in the response. Based on your parameters, this block range should work: [0x10, 0x7f]", // Alchemy
      "exceed maximum block range: 800", // Cloudflare
      "range too large, max range: 1000",
      "eth_getLogs is limited to a 10,000 range", // QuickNode
      "Requested range exceeds maximum range limit", // Besu
      "query exceeds max results 20000", // Erigon
      "Block range limit exceeded. Maximum allowed number of requested blocks is 500",
    ];
    for (const m of messages) assert.equal(classifyRpcError(rpcError(-32000, m), "eth_getLogs"), "range", m);
    assert.equal(classifyRpcError(httpError(413), "eth_getLogs"), "range");
    assert.equal(classifyRpcError(rpcError(-32005, "limit exceeded"), "eth_getLogs"), "range");
    // A node that times out on a big range is answered with a smaller one.
    assert.equal(classifyRpcError(new TimeoutError({ body: {}, url: "http://x" }), "eth_getLogs"), "range");
    assert.equal(classifyRpcError(httpError(504), "eth_getLogs"), "range");
    assert.equal(classifyRpcError(new ResponseBodyTooLargeError({ maxSize: 10, size: 11 }), "eth_getLogs"), "range");
  });

  it("treats the same messages on other methods, rate limits and server errors as retryable", () => {
    assert.equal(classifyRpcError(rpcError(-32000, "block range is too wide"), "eth_getBlockByNumber"), "retryable");
    assert.equal(
      classifyRpcError(rpcError(-32005, "rate limit: too many requests per second"), "eth_getLogs"),
      "retryable",
    );
    assert.equal(classifyRpcError(httpError(429), "eth_getLogs"), "retryable");
    assert.equal(classifyRpcError(httpError(502), "eth_blockNumber"), "retryable");
    assert.equal(classifyRpcError(httpError(503), "eth_getLogs"), "retryable");
    assert.equal(classifyRpcError(new TimeoutError({ body: {}, url: "http://x" }), "eth_blockNumber"), "retryable");
    assert.equal(
      classifyRpcError(Object.assign(new Error("fetch failed"), { cause: { code: "ECONNREFUSED" } }), "eth_chainId"),
      "retryable",
    );
    // Unknown errors are retried, never taken as "no logs".
    assert.equal(classifyRpcError(rpcError(-32000, "something odd"), "eth_getLogs"), "retryable");
  });

  it("treats unknown methods and auth failures as fatal", () => {
    assert.equal(classifyRpcError(rpcError(-32601, "the method eth_getLogs does not exist"), "eth_getLogs"), "fatal");
    assert.equal(classifyRpcError(httpError(401), "eth_getLogs"), "fatal");
    assert.equal(classifyRpcError(httpError(403), "eth_blockNumber"), "fatal");
  });
});

describe("suggestedRange", () => {
  it("reads a provider's suggested range or maximum", () => {
    assert.equal(suggestedRange(rpcError(-32602, "this block range should work: [0x10, 0x7f]")), 0x70n);
    assert.equal(suggestedRange(rpcError(-32000, "exceed maximum block range: 800")), 800n);
    assert.equal(suggestedRange(rpcError(-32000, "Maximum allowed number of requested blocks is 500")), 500n);
    assert.equal(suggestedRange(rpcError(-32000, "query returned more than 10000 results")), undefined);
  });
});
