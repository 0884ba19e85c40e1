import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MetaCache } from "./meta-cache.ts";
import type { MetaSnapshot } from "./meta.ts";
import type { NotifyMessage } from "./notify.ts";
import { setCheckpoint, startHarness } from "./test-helpers.ts";

/** A stand-in for the LISTEN connection: its state and the notifications it would deliver. */
function fakeNotify(connected = true) {
  const subscribers: ((m: NotifyMessage) => void)[] = [];
  return {
    connected,
    subscribe(fn: (m: NotifyMessage) => void) {
      subscribers.push(fn);
      return () => {};
    },
    batch() {
      for (const fn of subscribers)
        fn({ type: "batch", batch: { chainId: 1, fromBlock: 1n, toBlock: 1n, reorg: false } });
    },
  };
}

function counter() {
  let reads = 0;
  const read = async () => ({ block: { number: BigInt(++reads) } }) as unknown as MetaSnapshot;
  return { read, reads: () => reads };
}

describe("MetaCache", () => {
  test("requests within maxAgeMs share one read; a notification or the age ends the sharing", async () => {
    let now = 0;
    const c = counter();
    const notify = fakeNotify();
    const cache = new MetaCache(c.read, { maxAgeMs: 250, notify, now: () => now });
    const a = await cache.get();
    now = 200;
    assert.equal(await cache.get(), a, "shared within 250 ms");
    assert.equal(c.reads(), 1);
    notify.batch();
    assert.equal((await cache.get()).block!.number, 2n, "a committed batch is read at once");
    now = 460;
    assert.equal((await cache.get()).block!.number, 3n, "older than 250 ms: read again");
  });

  test("shares nothing without a LISTEN connection, with maxAgeMs 0, or after a failed read", async () => {
    const c = counter();
    const offline = new MetaCache(c.read, { maxAgeMs: 250, notify: fakeNotify(false) });
    await offline.get();
    await offline.get();
    assert.equal(c.reads(), 2);
    const off = new MetaCache(c.read, { maxAgeMs: 0, notify: fakeNotify() });
    await off.get();
    await off.get();
    assert.equal(c.reads(), 4);
    let fail = true;
    const flaky = new MetaCache(
      async () => {
        if (fail) throw new Error("database down");
        return { block: null } as unknown as MetaSnapshot;
      },
      { maxAgeMs: 60_000, notify: fakeNotify() },
    );
    await assert.rejects(flaky.get(), /database down/);
    fail = false;
    assert.equal((await flaky.get()).block, null, "the failure was not kept");
  });

  test("through the API: the sync's NOTIFY makes a new checkpoint visible within the sharing window", async () => {
    const h = await startHarness({ metaMaxAgeMs: 60_000 });
    try {
      await setCheckpoint(h.prisma, 10, 12);
      const first = await h.gql(`{ _meta { block { number } } }`);
      assert.equal(first.data._meta.block.number, 10);
      await setCheckpoint(h.prisma, 11, 12);
      const shared = await h.gql(`{ _meta { block { number } } }`);
      assert.equal(shared.data._meta.block.number, 10, "no notification yet: the shared read");
      await h.prisma.$executeRawUnsafe(
        `SELECT pg_notify('joule_events', '{"v":1,"chainId":31337,"fromBlock":"11","toBlock":"11","reorg":false}')`,
      );
      const deadline = Date.now() + 5_000;
      let seen = 10;
      while (seen !== 11 && Date.now() < deadline) {
        seen = (await h.gql(`{ _meta { block { number } } }`)).data._meta.block.number;
      }
      assert.equal(seen, 11);
    } finally {
      await h.close();
    }
  });
});
