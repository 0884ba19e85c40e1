import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { argsKey, SnapshotCache } from "./snapshot-cache.ts";

describe("SnapshotCache", () => {
  const at = (number: bigint, hash = `0x${number}`) => ({ number, hash });

  test("computes a key once per checkpoint, again when the checkpoint moves or is reorganised", async () => {
    const cache = new SnapshotCache();
    let calls = 0;
    const compute = async () => ++calls;
    assert.equal(await cache.get(at(10n), "k", compute), 1);
    assert.equal(await cache.get(at(10n), "k", compute), 1);
    assert.equal(await cache.get(at(10n), "other", compute), 2);
    assert.equal(await cache.get(at(11n), "k", compute), 3, "a new batch");
    assert.equal(await cache.get(at(11n, "0xfork"), "k", compute), 4, "same height, another block (rollback)");
    assert.equal(cache.size, 1, "entries of older checkpoints are dropped");
  });

  test("does not cache while nothing is indexed, nor remember failures", async () => {
    const cache = new SnapshotCache();
    let calls = 0;
    await cache.get(null, "k", async () => ++calls);
    await cache.get(null, "k", async () => ++calls);
    assert.equal(calls, 2);
    await assert.rejects(
      cache.get(at(1n), "k", async () => {
        throw new Error("database down");
      }),
      /database down/,
    );
    assert.equal(await cache.get(at(1n), "k", async () => "recovered"), "recovered");
  });

  test("stays bounded", async () => {
    const cache = new SnapshotCache(3);
    for (let i = 0; i < 10; i++) await cache.get(at(1n), `k${i}`, async () => i);
    assert.ok(cache.size <= 3);
  });

  test("keys filter arguments holding bigints", () => {
    assert.equal(argsKey({ id: { gte: 2n ** 255n } }), `{"id":{"gte":"${2n ** 255n}n"}}`);
    assert.notEqual(argsKey({ a: 1n }), argsKey({ a: "1" }));
  });
});
