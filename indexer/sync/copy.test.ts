// COPY text encoding, checked by a round trip through a real PostgreSQL: what goes in must come back unchanged.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "../db/testdb.ts";
import { BufferPool, CopyBuffer, copyInto, copyText, createStages, emptyStages, stage } from "./copy.ts";

let db: TestDatabase;
let client: pg.Client;

before(async () => {
  db = await createTestDatabase({ prefix: "joule_copy" });
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(
    `CREATE TABLE awkward (id int PRIMARY KEY, s text, n numeric(78,0), b boolean, a text[], j json, t timestamptz)`,
  );
});

after(async () => {
  await client?.end();
  await db?.drop();
});

const COLUMNS = ["id", "s", "n", "b", "a", "j", "t"];

describe("COPY text encoding", () => {
  it("round-trips backslashes, tabs, newlines, quotes, unicode, NULLs, uint256, arrays and JSON", async () => {
    const rows = [
      {
        id: 1,
        s: 'tab\there\nnew\\line\r"quoted" é😀',
        n: 2n ** 256n - 1n,
        b: true,
        a: ['a"b', "c\\d", "e,f", "{g}", "h i"],
        j: { big: 2n ** 255n, s: "x\ty\\z\n", nested: [1, null, { k: "v", 'k"ey\\': true }] },
        t: "2026-11-27T21:00:00.123Z",
      },
      { id: 2, s: null, n: 0n, b: false, a: [], j: {}, t: undefined },
      { id: 3, s: "", b: null, a: ["only"] },
    ];
    await copyInto(client, "awkward", COLUMNS, copyText(rows, COLUMNS));
    const { rows: back } = await client.query(
      `SELECT id, s, n::text AS n, b, a, j::text AS j, to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS t
       FROM awkward ORDER BY id`,
    );
    assert.deepEqual(back[0], {
      id: 1,
      s: rows[0]!.s,
      n: (2n ** 256n - 1n).toString(),
      b: true,
      a: rows[0]!.a,
      j: JSON.stringify({
        big: (2n ** 255n).toString(),
        s: "x\ty\\z\n",
        nested: [1, null, { k: "v", 'k"ey\\': true }],
      }),
      t: "2026-11-27T21:00:00.123Z",
    });
    assert.deepEqual(back[1], { id: 2, s: null, n: "0", b: false, a: [], j: "{}", t: null });
    assert.deepEqual(back[2], { id: 3, s: "", n: null, b: null, a: ["only"], j: null, t: null });
  });

  it("replaces NUL, which PostgreSQL text cannot hold, with U+FFFD", async () => {
    await copyInto(
      client,
      "awkward",
      ["id", "s", "j"],
      copyText([{ id: 4, s: "a\u0000b", j: { s: "c\u0000d" } }], ["id", "s", "j"]),
    );
    const { rows } = await client.query(`SELECT s, j->>'s' AS js FROM awkward WHERE id = 4`);
    assert.deepEqual(rows[0], { s: "a\ufffdb", js: "c\ufffdd" });
  });

  it("stages into a per-connection table shaped like the target, emptied when reused and before commit", async () => {
    await createStages(client, ["awkward"]);
    const used = new Set<string>();
    await client.query("BEGIN");
    try {
      const first = stage(client, "awkward", ["id", "s"], copyText([{ id: 10, s: "x" }], ["id", "s"]), used);
      await first.start();
      const second = stage(client, "awkward", ["id", "s"], copyText([{ id: 11, s: "y" }], ["id", "s"]), used);
      await second.start();
      const { rows } = await client.query(`SELECT id, s FROM ${second.name}`);
      assert.deepEqual(rows, [{ id: 11, s: "y" }]);
      await emptyStages(client, used);
      assert.equal(used.size, 0);
    } finally {
      await client.query("COMMIT");
    }
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM stage_awkward`);
    assert.equal(rows[0].n, 0, "emptied before commit");
  });

  it("leaves nothing staged after a rolled-back transaction", async () => {
    await createStages(client, ["awkward"]);
    await client.query("BEGIN");
    await stage(client, "awkward", ["id", "s"], copyText([{ id: 12, s: "z" }], ["id", "s"]), new Set()).start();
    await client.query("ROLLBACK");
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM stage_awkward`);
    assert.equal(rows[0].n, 0);
  });
});

describe("CopyBuffer", () => {
  it("holds exactly the UTF-8 of what was pushed, growing past its first size", () => {
    const b = new CopyBuffer(16);
    const lines: string[] = [];
    for (let i = 0; i < 2_000; i++) lines.push(`${i}\tcafé ☕ 🚀 ${"x".repeat(i % 50)}\n`);
    for (const l of lines) b.push(l);
    const bytes = b.bytes();
    assert.equal(b.length, Buffer.byteLength(lines.join("")));
    assert.equal(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"), lines.join(""));
  });
});

describe("BufferPool", () => {
  it("hands back the smallest free buffer that is big enough, else new memory; keeps at most its limit", () => {
    const pool = new BufferPool(3_000);
    const [a, b, c] = [new ArrayBuffer(1_000), new ArrayBuffer(2_000), new ArrayBuffer(500)];
    pool.give([a, b, c]); // c does not fit under the limit
    assert.equal(pool.take(900), a);
    assert.equal(pool.take(900), b);
    const fresh = pool.take(900);
    assert.ok(fresh !== a && fresh !== b && fresh !== c && fresh.byteLength >= 900);
    pool.give([new ArrayBuffer(0)]); // a detached buffer (sent away) is not kept
    assert.equal(pool.take(1).byteLength >= 1, true);
  });

  it("lets a CopyBuffer write into memory given back, with none of the old bytes showing", () => {
    const pool = new BufferPool(1 << 20);
    const first = new CopyBuffer(64, pool);
    first.push("x".repeat(5_000));
    const used = first.bytes();
    pool.give([used.buffer as ArrayBuffer]);
    const second = new CopyBuffer(10_000, pool); // the 64 bytes it outgrew are free too, but too small
    second.push("abc\n");
    const bytes = second.bytes();
    assert.equal(bytes.buffer, used.buffer, "the same memory again");
    assert.equal(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(), "abc\n");
  });
});
