// The query compiler without a database: the SQL it emits, its parameters, cursors and limits.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { GraphQLError } from "graphql";
import { Job } from "./entities.ts";
import { Params, compileWhere, decodeCursor, encodeCursor, findPage, resolveOrder, type Db } from "./sql.ts";

const badInput = (message: RegExp) => (error: unknown) =>
  error instanceof GraphQLError && error.extensions.code === "BAD_USER_INPUT" && message.test(error.message);

/** A Db that records statements and returns no rows. */
function recordingDb(): Db & {
  calls: Array<{ sql: string; params: readonly unknown[] }>;
} {
  const calls: Array<{ sql: string; params: readonly unknown[] }> = [];
  return {
    calls,
    query: async (sql, params) => (calls.push({ sql, params }), []),
  };
}

describe("compileWhere", () => {
  test("binds every value as a parameter cast to the column type", () => {
    const params = new Params();
    const sql = compileWhere(
      Job,
      {
        status: { eq: "OPEN" },
        maxPricePerUnit: { gte: "10", lt: "20" },
        tenant: { in: ["0xaa", "0xbb"] },
      },
      params,
    );
    assert.equal(
      sql,
      `(t."status" = $1::"JobStatus" AND t."maxPricePerUnit" >= $2::numeric AND t."maxPricePerUnit" < $3::numeric AND t."tenant" IN ($4::text, $5::text))`,
    );
    assert.deepEqual(params.values, ["OPEN", "10", "20", "0xaa", "0xbb"]);
  });

  test("null, isNull, empty lists and AND/OR/NOT", () => {
    const params = new Params();
    const sql = compileWhere(
      Job,
      {
        provider: { eq: null },
        closeReason: { isNull: false },
        id: { in: [] },
        OR: [{ fees: { not: "0" } }, { NOT: { status: { notIn: [] } } }],
      },
      params,
    );
    assert.equal(
      sql,
      `(t."provider" IS NULL AND t."closeReason" IS NOT NULL AND FALSE AND (t."fees" <> $1::numeric OR NOT coalesce(TRUE, FALSE)))`,
    );
    assert.deepEqual(params.values, ["0"]);
  });

  test("not and notIn keep rows where a nullable field is null", () => {
    const params = new Params();
    const sql = compileWhere(
      Job,
      {
        provider: { not: "0xaa" },
        pricePerUnit: { notIn: ["1"] },
        NOT: { bestBidPrice: { eq: "5" } },
      },
      params,
    );
    assert.equal(
      sql,
      `(t."provider" IS DISTINCT FROM $1::text AND (t."pricePerUnit" NOT IN ($2::numeric) OR t."pricePerUnit" IS NULL) AND NOT coalesce(t."bestBidPrice" = $3::numeric, FALSE))`,
    );
  });

  test("no condition compiles to null", () => {
    assert.equal(compileWhere(Job, {}, new Params()), null);
    assert.equal(compileWhere(Job, null, new Params()), null);
    assert.equal(compileWhere(Job, { status: null }, new Params()), null);
  });

  test("limits: conditions, nesting, list length, unknown fields", () => {
    const limits = { maxConditions: 3, maxNesting: 2, maxInList: 2 };
    assert.throws(
      () => compileWhere(Job, { id: { gt: "1", lt: "9", not: "5", eq: "4" } }, new Params(), "t", limits),
      badInput(/more than 3 conditions/),
    );
    assert.throws(
      () => compileWhere(Job, { OR: [{ OR: [{ OR: [{ id: { eq: "1" } }] }] }] }, new Params(), "t", limits),
      badInput(/nested deeper than 2/),
    );
    assert.throws(
      () => compileWhere(Job, { id: { in: ["1", "2", "3"] } }, new Params(), "t", limits),
      badInput(/at most 2 values/),
    );
    assert.throws(() => compileWhere(Job, { nope: { eq: "1" } }, new Params()), badInput(/cannot be filtered by nope/));
    assert.throws(() => compileWhere(Job, { id: { gt: null } }, new Params()), badInput(/cannot be null/));
  });
});

describe("ordering and cursors", () => {
  test("the key is appended as tie-breaker in the last direction", () => {
    assert.deepEqual(resolveOrder(Job, [{ field: "pricePerUnit", direction: "DESC" }]), [
      { field: "pricePerUnit", direction: "DESC" },
      { field: "id", direction: "DESC" },
    ]);
    assert.deepEqual(resolveOrder(Job, null), [{ field: "id", direction: "ASC" }]);
    assert.throws(
      () => resolveOrder(Job, [{ field: "specHash", direction: "ASC" }]),
      badInput(/cannot be ordered by specHash/),
    );
    assert.throws(
      () =>
        resolveOrder(Job, [
          { field: "fees", direction: "ASC" },
          { field: "fees", direction: "DESC" },
        ]),
      badInput(/appears twice/),
    );
  });

  test("cursors round-trip and are bound to their ordering", () => {
    const order = resolveOrder(Job, [{ field: "pricePerUnit", direction: "ASC" }]);
    const cursor = encodeCursor(order, { __k0: null, __k1: "42" });
    assert.deepEqual(decodeCursor(order, cursor), [null, "42"]);
    assert.throws(() => decodeCursor(resolveOrder(Job, null), cursor), badInput(/different orderBy/));
    assert.throws(() => decodeCursor(order, "%%%"), badInput(/not a cursor/));
    assert.throws(
      () => decodeCursor(order, Buffer.from('{"o":"pricePerUnit:ASC,id:ASC","k":[1,2]}').toString("base64url")),
      badInput(/not a cursor/),
    );
  });

  test("a one-direction keyset over non-null columns is a row comparison (index-friendly)", async () => {
    const db = recordingDb();
    const order = resolveOrder(Job, [{ field: "createdBlock", direction: "DESC" }]);
    const after = encodeCursor(order, { __k0: "120", __k1: "7" });
    await findPage(db, Job, { orderBy: order.slice(0, 1), first: 10, after });
    const { sql, params } = db.calls[0]!;
    assert.match(
      sql,
      /WHERE \(t\."createdBlock", t\."id"\) < \(\$1::int8, \$2::numeric\) ORDER BY t\."createdBlock" DESC NULLS FIRST, t\."id" DESC NULLS FIRST LIMIT \$3::int8$/,
    );
    assert.deepEqual(params, ["120", "7", "11"]);
  });

  test("a keyset over a nullable column handles NULLs on both sides", async () => {
    const db = recordingDb();
    const order = resolveOrder(Job, [{ field: "pricePerUnit", direction: "ASC" }]);
    await findPage(db, Job, {
      orderBy: order.slice(0, 1),
      first: 5,
      after: encodeCursor(order, { __k0: "100", __k1: "3" }),
    });
    assert.match(
      db.calls[0]!.sql,
      /\(\(t\."pricePerUnit" > \$1::numeric OR t\."pricePerUnit" IS NULL\)\) OR \(t\."pricePerUnit" = \$2::numeric AND t\."id" > \$3::numeric\)/,
    );
    await findPage(db, Job, {
      orderBy: order.slice(0, 1),
      first: 5,
      after: encodeCursor(order, { __k0: null, __k1: "3" }),
    });
    // After a NULL in ascending order (nulls last) only later NULLs remain.
    assert.match(db.calls[1]!.sql, /\(\(FALSE\) OR \(t\."pricePerUnit" IS NULL AND t\."id" > \$1::numeric\)\)/);
  });
});
