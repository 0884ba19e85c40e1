// Bad, abusive and malformed requests get GraphQL errors with a clear extensions.code,
// and the server keeps answering afterwards.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { getIntrospectionQuery } from "graphql";
import { jobRow, startHarness, type Harness } from "./test-helpers.ts";

let h: Harness;

before(async () => {
  h = await startHarness({
    limits: {
      maxDepth: 8,
      maxCost: 5_000,
      maxPageSize: 500,
      defaultPageSize: 20,
    },
  });
  await h.prisma.job.createMany({ data: [jobRow(1), jobRow(2)] });
});

after(async () => {
  await h?.close();
});

const code = (r: { errors?: Array<{ extensions?: Record<string, unknown> }> }) => r.errors?.[0]?.extensions?.code;

async function stillAnswers() {
  const r = await h.gql(`{ jobs { totalCount } }`);
  assert.equal(r.status, 200);
  assert.equal(r.data.jobs.totalCount, 2);
}

describe("limits", () => {
  test("first above the page-size limit → PAGE_SIZE_TOO_LARGE, literal or variable", async () => {
    const literal = await h.gql(`{ jobs(first: 100000) { nodes { id } } }`);
    assert.equal(code(literal), "PAGE_SIZE_TOO_LARGE");
    assert.match(literal.errors![0]!.message, /first = 100000 is above the page-size limit of 500/);
    assert.equal(literal.data, undefined, "nothing was executed");
    const variable = await h.gql(`query($n: Int) { providers { nodes { jobs(first: $n) { nodes { id } } } } }`, {
      n: 501,
    });
    assert.equal(code(variable), "PAGE_SIZE_TOO_LARGE");
    await stillAnswers();
  });

  test("negative first → BAD_USER_INPUT", async () => {
    const r = await h.gql(`{ jobs(first: -1) { nodes { id } } }`);
    assert.equal(code(r), "BAD_USER_INPUT");
  });

  test("too deep → QUERY_TOO_DEEP, reported before execution", async () => {
    h.queries.length = 0;
    const r = await h.gql(`{ jobs { nodes { provider { jobs { nodes { provider { jobs { nodes { id } } } } } } } } }`);
    assert.equal(code(r), "QUERY_TOO_DEEP");
    assert.match(r.errors![0]!.message, /depth 9 is above the limit of 8/);
    assert.equal(h.queries.length, 0, "no SQL ran");
    // Fragments cannot hide depth.
    const viaFragments = await h.gql(`
      query { jobs { ...A } }
      fragment A on JobConnection { nodes { provider { ...B } } }
      fragment B on Provider { jobs { nodes { provider { jobs { nodes { id } } } } } }`);
    assert.equal(code(viaFragments), "QUERY_TOO_DEEP");
    await stillAnswers();
  });

  test("too costly → QUERY_TOO_COMPLEX, counting nested pages and aliases", async () => {
    // 1 + 100 × (1 + 1 + 100 × 1) = 10201 > 5000: each provider's page of jobs multiplies.
    const nested = await h.gql(`{ providers(first: 100) { nodes { jobs(first: 100) { nodes { id } } } } }`);
    assert.equal(code(nested), "QUERY_TOO_COMPLEX");
    assert.equal(nested.errors![0]!.extensions!.cost, 10201);
    // Many aliases of a cheap field add up too.
    const aliases = Array.from({ length: 12 }, (_, i) => `a${i}: jobs(first: 500) { nodes { id } }`).join("\n");
    const aliased = await h.gql(`{ ${aliases} }`);
    assert.equal(code(aliased), "QUERY_TOO_COMPLEX");
    // Just under the limit is fine.
    const fine = await h.gql(`{ jobs(first: 500) { nodes { id provider { address } } } }`);
    assert.equal(fine.errors, undefined);
    await stillAnswers();
  });

  test("a document's verdict is reused only when no variable can change its cost", async () => {
    const nested = `{ providers(first: 100) { nodes { jobs(first: 100) { nodes { id } } } } }`;
    for (let i = 0; i < 2; i++) assert.equal(code(await h.gql(nested)), "QUERY_TOO_COMPLEX", `attempt ${i + 1}`);
    // Variables that only filter leave the cost alone: the same document answers with any of them.
    const byId = `query($id: BigInt!) { jobs(first: 10, where: { id: { eq: $id } }) { nodes { id } } }`;
    for (const id of ["1", "2"]) assert.deepEqual((await h.gql(byId, { id })).data.jobs.nodes, [{ id }]);
    // A variable page size or @include is judged again for every request.
    const paged = `query($n: Int) { providers(first: 100) { nodes { jobs(first: $n) { nodes { id } } } } }`;
    assert.equal((await h.gql(paged, { n: 10 })).errors, undefined);
    assert.equal(code(await h.gql(paged, { n: 100 })), "QUERY_TOO_COMPLEX");
    const included = `query($deep: Boolean!) { providers(first: 100) { nodes { address jobs(first: 100) @include(if: $deep) { nodes { id } } } } }`;
    assert.equal((await h.gql(included, { deep: false })).errors, undefined);
    assert.equal(code(await h.gql(included, { deep: true })), "QUERY_TOO_COMPLEX");
    assert.equal((await h.gql(included, { deep: false })).errors, undefined);
    // Invalid variables first must not leave a verdict behind for valid ones.
    const bad = `query($id: BigInt!) { providers(first: 100) { nodes { jobs(first: 100, where: { id: { eq: $id } }) { nodes { id } } } } }`;
    assert.equal(code(await h.gql(bad, { id: "x" })), "BAD_USER_INPUT");
    assert.equal(code(await h.gql(bad, { id: "1" })), "QUERY_TOO_COMPLEX");
    await stillAnswers();
  });

  test("introspection (GraphiQL, codegen) is neither too deep nor too costly", async () => {
    const r = await h.gql(getIntrospectionQuery());
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    assert.ok(r.data.__schema.types.some((t: { name: string }) => t.name === "Job"));
  });

  test("overlong query text → QUERY_TOO_COMPLEX before parsing", async () => {
    const r = await h.gql(`{ jobs { totalCount } }${" ".repeat(25_000)}`);
    assert.equal(code(r), "QUERY_TOO_COMPLEX");
    assert.match(r.errors![0]!.message, /characters/);
  });
});

describe("malformed input", () => {
  test("syntax error → GRAPHQL_PARSE_FAILED", async () => {
    const r = await h.gql(`{ jobs { nodes { id }`);
    assert.equal(code(r), "GRAPHQL_PARSE_FAILED");
    await stillAnswers();
  });

  test("unknown field → GRAPHQL_VALIDATION_FAILED", async () => {
    const r = await h.gql(`{ jobs { nodes { doesNotExist } } }`);
    assert.equal(code(r), "GRAPHQL_VALIDATION_FAILED");
  });

  test("bad scalar literals and variables → BAD_USER_INPUT naming the scalar", async () => {
    const cases: Array<[string, Record<string, unknown> | undefined, RegExp]> = [
      [`{ job(id: "12abc") { id } }`, undefined, /BigInt/],
      [`query($id: BigInt!) { job(id: $id) { id } }`, { id: 1.5 }, /BigInt/],
      [`{ provider(address: "0x1234") { address } }`, undefined, /Address/],
      // Mixed case with a wrong EIP-55 checksum.
      [`{ provider(address: "0xAbCdef0000000000000000000000000000000000") { address } }`, undefined, /checksum/],
      [`query($d: Date!) { dailyStat(day: $d) { day } }`, { d: "2026-02-30" }, /does not exist/],
      [`query($n: Int) { jobs(first: $n) { totalCount } }`, { n: "many" }, /Int/],
    ];
    for (const [query, variables, message] of cases) {
      const r = await h.gql(query, variables);
      assert.equal(code(r), "BAD_USER_INPUT", `${query} ${JSON.stringify(variables)} → ${JSON.stringify(r.errors)}`);
      assert.match(r.errors![0]!.message, message);
    }
    await stillAnswers();
  });

  test("where too large or too deeply nested → BAD_USER_INPUT", async () => {
    const wide = await h.gql(`query($ids: [BigInt!]) { jobs(where: { id: { in: $ids } }) { totalCount } }`, {
      ids: Array.from({ length: 300 }, (_, i) => String(i)),
    });
    assert.equal(code(wide), "BAD_USER_INPUT");
    let where: Record<string, unknown> = { id: { eq: "1" } };
    for (let i = 0; i < 6; i++) where = { OR: [where] };
    const deep = await h.gql(`query($w: JobWhere) { jobs(where: $w) { totalCount } }`, { w: where });
    assert.equal(code(deep), "BAD_USER_INPUT");
    assert.match(deep.errors![0]!.message, /nested deeper/);
    // Absurd nesting (deeper than JSON.stringify or graphql-js' recursive input coercion can go)
    // is refused without crashing the process.
    for (const levels of [3_000, 50_000]) {
      const absurd = `${'{"NOT":'.repeat(levels)}{"id":{"eq":"1"}}${"}".repeat(levels)}`;
      const r = await fetch(`${h.api.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: `{"query":"query($w: JobWhere) { jobs(where: $w) { totalCount } }","variables":{"w":${absurd}}}`,
      });
      assert.ok(r.status < 500, `${levels} levels: status ${r.status}`);
      const body = (await r.json()) as {
        errors?: Array<{ extensions?: { code?: string } }>;
      };
      assert.equal(
        body.errors?.[0]?.extensions?.code,
        "BAD_USER_INPUT",
        `${levels} levels: ${JSON.stringify(body).slice(0, 300)}`,
      );
    }
    await stillAnswers();
  });

  test("invalid JSON body and oversized body", async () => {
    const bad = await fetch(`${h.api.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    assert.equal(bad.status, 400);
    const big = await fetch(`${h.api.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: "{ jobs { totalCount } }",
        variables: { pad: "x".repeat(2 * 1024 * 1024) },
      }),
    });
    assert.equal(big.status, 413);
    // The same body streamed without a Content-Length (chunked) is counted as it arrives.
    const text = JSON.stringify({ query: "{ jobs { totalCount } }", variables: { pad: "x".repeat(2 * 1024 * 1024) } });
    const chunked = await fetch(`${h.api.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new Blob([text]).stream(),
      duplex: "half",
    } as RequestInit);
    assert.equal(chunked.status, 413);
    const small = await fetch(`${h.api.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new Blob([JSON.stringify({ query: "{ jobs { totalCount } }" })]).stream(),
      duplex: "half",
    } as RequestInit);
    assert.equal(small.status, 200, "a small chunked body is answered");
    await stillAnswers();
  });

  test("internal errors are masked", async () => {
    // A cursor that decodes but carries a value PostgreSQL cannot cast: the SQL fails, the client sees no details.
    const cursor = Buffer.from(JSON.stringify({ o: "id:ASC", k: ["not-a-number"] })).toString("base64url");
    const r = await h.gql(`query($c: String) { jobs(after: $c) { nodes { id } } }`, { c: cursor });
    assert.equal(code(r), "INTERNAL_SERVER_ERROR");
    assert.equal(r.errors![0]!.message, "Unexpected error.");
    await stillAnswers();
  });
});
