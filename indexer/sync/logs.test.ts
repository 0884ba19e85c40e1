import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TimeoutError } from "viem";
import { IndexerError, RpcError } from "./errors.ts";
import { LogFetcher } from "./logs.ts";
import type { RawLog, Rpc } from "./rpc.ts";

/** A fake node with `perBlock` logs in every block that refuses ranges wider than `maxRange`. */
function node(opts: { maxRange?: bigint; perBlock?: number; hint?: boolean; timeoutAbove?: bigint }) {
  const asked: [bigint, bigint][] = [];
  const rpc = {
    async getLogs(_a: string[], _t: string[], from: bigint, to: bigint): Promise<RawLog[]> {
      asked.push([from, to]);
      const span = to - from + 1n;
      if (opts.timeoutAbove !== undefined && span > opts.timeoutAbove) {
        throw new RpcError("range", "eth_getLogs", "took too long", {
          cause: new TimeoutError({ body: {}, url: "x" }),
        });
      }
      if (opts.maxRange !== undefined && span > opts.maxRange) {
        const msg = opts.hint
          ? `Log response size exceeded. this block range should work: [0x${from.toString(16)}, 0x${(from + opts.maxRange - 1n).toString(16)}]`
          : "block range is too wide";
        throw new RpcError("range", "eth_getLogs", msg);
      }
      const logs: RawLog[] = [];
      for (let b = from; b <= to; b++) {
        for (let i = 0; i < (opts.perBlock ?? 0); i++)
          logs.push({ blockNumber: `0x${b.toString(16)}`, logIndex: `0x${i.toString(16)}` } as RawLog);
      }
      return logs;
    },
  };
  return { rpc: rpc as unknown as Rpc, asked };
}

/** Fetches from..to completely, as the sync loop does. */
async function all(f: LogFetcher, from: bigint, to: bigint): Promise<{ count: number; covered: bigint[] }> {
  let count = 0;
  const covered: bigint[] = [];
  for (let b = from; b <= to;) {
    const r = await f.fetch([], [], b, to);
    count += r.logs.length;
    covered.push(r.to);
    b = r.to + 1n;
  }
  return { count, covered };
}

describe("LogFetcher", () => {
  it("halves on range errors and covers every block exactly once", async () => {
    const { rpc, asked } = node({ maxRange: 7n, perBlock: 1 });
    const f = new LogFetcher(rpc, { initialRange: 100n, maxRange: 1_000n, targetLogs: 1_000 });
    const { count } = await all(f, 1n, 100n);
    assert.equal(count, 100);
    assert.ok(f.range <= 7n || f.range <= 14n);
    // Successful calls tile 1..100 without gaps or overlaps.
    const ok = asked.filter(([a, b]) => b - a + 1n <= 7n).sort((x, y) => (x[0] < y[0] ? -1 : 1));
    let next = 1n;
    for (const [a, b] of ok) {
      assert.equal(a, next);
      next = b + 1n;
    }
    assert.equal(next, 101n);
  });

  it("takes the provider's suggested range", async () => {
    const { rpc, asked } = node({ maxRange: 10n, hint: true });
    const f = new LogFetcher(rpc, { initialRange: 1_000n, maxRange: 1_000n, targetLogs: 100 });
    const r = await f.fetch([], [], 1n, 5_000n);
    assert.equal(r.to, 10n);
    assert.equal(asked.length, 2, "one refusal, then the suggested range");
  });

  it("grows the range after successes, up to the maximum", async () => {
    const { rpc } = node({ perBlock: 0 });
    const f = new LogFetcher(rpc, { initialRange: 10n, maxRange: 35n, targetLogs: 100 });
    await f.fetch([], [], 1n, 1_000n);
    assert.equal(f.range, 20n);
    await f.fetch([], [], 11n, 1_000n);
    assert.equal(f.range, 35n);
  });

  it("shrinks in proportion when a range returns too many logs", async () => {
    const { rpc } = node({ perBlock: 50 });
    const f = new LogFetcher(rpc, { initialRange: 100n, maxRange: 1_000n, targetLogs: 500 });
    const r = await f.fetch([], [], 1n, 1_000n);
    assert.equal(r.logs.length, 5_000, "the answer is kept whole");
    assert.equal(f.range, 10n);
  });

  it("hands a big answer out in parts at block boundaries when asked to split, asking the node once", async () => {
    const { rpc, asked } = node({ perBlock: 30 });
    const f = new LogFetcher(rpc, { initialRange: 100n, maxRange: 1_000n, targetLogs: 100 });
    const parts: { to: bigint; n: number }[] = [];
    for (let from = 1n; from <= 100n;) {
      const r = await f.fetch(["0xa"], ["0xt"], from, 100n, { split: true });
      assert.ok(r.logs.every((l) => BigInt(l.blockNumber) >= from && BigInt(l.blockNumber) <= r.to));
      parts.push({ to: r.to, n: r.logs.length });
      from = r.to + 1n;
    }
    assert.equal(asked.length, 1, "the rest came from the first answer");
    assert.equal(
      parts.reduce((a, p) => a + p.n, 0),
      3_000,
    );
    // 100 logs end inside block 4, so each part takes whole blocks up to it: 4 blocks, 120 logs.
    assert.deepEqual(parts[0], { to: 4n, n: 120 });
    assert.equal(parts.at(-1)!.to, 100n);

    // Another address set (a verifier discovered) or another start drops the rest: the node is asked again.
    const g = new LogFetcher(rpc, { initialRange: 100n, maxRange: 1_000n, targetLogs: 100 });
    const first = await g.fetch(["0xa"], ["0xt"], 1n, 100n, { split: true });
    await g.fetch(["0xa", "0xb"], ["0xt"], first.to + 1n, 100n, { split: true });
    assert.equal(asked.length, 3);
    // Without `split` (following the head) an answer is always whole.
    const whole = await new LogFetcher(rpc, { initialRange: 100n, maxRange: 1_000n, targetLogs: 100 }).fetch(
      ["0xa"],
      ["0xt"],
      1n,
      100n,
    );
    assert.deepEqual([whole.to, whole.logs.length], [100n, 3_000]);
  });

  it("shrinks when the node times out on big ranges", async () => {
    const { rpc } = node({ timeoutAbove: 3n, perBlock: 1 });
    const f = new LogFetcher(rpc, { initialRange: 64n, maxRange: 64n, targetLogs: 100 });
    const r = await f.fetch([], [], 1n, 100n);
    assert.equal(r.to, 2n);
  });

  it("stops clearly when even one block is refused, and retries later when one block times out", async () => {
    const refused = node({ maxRange: 0n });
    await assert.rejects(
      new LogFetcher(refused.rpc, { initialRange: 4n, maxRange: 4n, targetLogs: 10 }).fetch([], [], 1n, 10n),
      (e) => e instanceof IndexerError && /single block 1/.test(e.message),
    );
    const slow = node({ timeoutAbove: 0n });
    await assert.rejects(
      new LogFetcher(slow.rpc, { initialRange: 4n, maxRange: 4n, targetLogs: 10 }).fetch([], [], 1n, 10n),
      (e) => e instanceof RpcError && e.kind === "retryable",
    );
  });
});
