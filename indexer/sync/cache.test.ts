// The cache of committed entity rows: bounded (least recently used out first), hands out copies.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RowCache } from "./cache.ts";
import { BatchState } from "./state.ts";

function batch(ids: number[]): BatchState {
  const s = new BatchState();
  for (const id of ids) s.put("jobs", { id: String(id), status: "OPEN" });
  return s;
}

describe("RowCache", () => {
  it("keeps at most `limit` rows, dropping the least recently used", () => {
    const c = new RowCache(3);
    c.remember(batch([1, 2, 3]));
    assert.ok(c.get("jobs", "1")); // 1 is now the most recently used
    c.remember(batch([4]));
    assert.equal(c.size, 3);
    assert.equal(c.get("jobs", "2"), undefined, "2 was the least recently used");
    assert.deepEqual(
      ["1", "3", "4"].map((k) => c.get("jobs", k)?.id),
      ["1", "3", "4"],
    );
    assert.equal(c.get("providers", "1"), undefined, "keys are per table");
  });

  it("hands out the remembered row itself (a batch works on a copy: store.ts), until cleared", () => {
    const c = new RowCache(10);
    const b = batch([1]);
    c.remember(b);
    assert.equal(c.get("jobs", "1"), b.get("jobs", "1"));
    assert.equal(c.get("jobs", "1")!.status, "OPEN");
    c.clear();
    assert.equal(c.get("jobs", "1"), undefined);
  });

  it("keeps nothing with a limit of 0", () => {
    const c = new RowCache(0);
    c.remember(batch([1, 2]));
    assert.equal(c.size, 0);
    assert.equal(c.get("jobs", "1"), undefined);
  });
});
