// List and single queries against a real PostgreSQL: filters, ordering, cursor pagination
// with exact totals, relations and DataLoader batching (counted in SQL statements).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { getAddress } from "viem";
import { TOKEN, addr, hash, jobRow, position, providerRow, startHarness, type Harness } from "./test-helpers.ts";

const UINT256_MAX = (2n ** 256n - 1n).toString();
const STATUSES = ["OPEN", "ASSIGNED", "COMPLETED", "FAILED", "CANCELLED"] as const;

/** The seeded jobs, as the tests expect to read them back. */
interface SeedJob {
  id: number;
  status: (typeof STATUSES)[number];
  provider: string | null;
  maxPricePerUnit: bigint;
  pricePerUnit: bigint | null;
}
const jobs: SeedJob[] = [];
for (let id = 1; id <= 25; id++) {
  const status = STATUSES[id % STATUSES.length]!;
  const provider = status === "OPEN" || status === "CANCELLED" ? null : addr(1 + (id % 3));
  jobs.push({
    id,
    status,
    provider,
    // Id 13 carries the largest uint256 to prove values are never squeezed through a double.
    maxPricePerUnit: id === 13 ? 2n ** 256n - 1n : 1000n + BigInt((id * 37) % 11) * 10n,
    pricePerUnit: provider ? 100n + BigInt((id * 7) % 5) : null,
  });
}

let h: Harness;

before(async () => {
  h = await startHarness();
  await h.prisma.provider.createMany({
    data: [1, 2, 3].map((n) => providerRow(n, { jobsCompleted: n })),
  });
  await h.prisma.job.createMany({
    data: jobs.map((j) =>
      jobRow(j.id, {
        status: j.status,
        provider: j.provider,
        maxPricePerUnit: j.maxPricePerUnit.toString(),
        pricePerUnit: j.pricePerUnit?.toString() ?? null,
      }),
    ),
  });
  // Two milestones for every assigned-or-later job, one bid per job.
  const milestones = jobs
    .filter((j) => j.provider)
    .flatMap((j) =>
      [0, 1].map((index) => ({
        jobId: String(j.id),
        index,
        provider: j.provider!,
        status: "ACCEPTED" as const,
        resultRoot: hash(j.id * 10 + index),
        units: "1800",
        energyWh: "500",
        verifyDeadline: 2_000_000_000n,
        submittedAt: new Date(),
        submittedBlock: BigInt(100 + j.id),
        submittedTx: hash(0x9000 + j.id),
      })),
    );
  await h.prisma.milestone.createMany({ data: milestones });
  await h.prisma.bid.createMany({
    data: jobs
      .filter((j) => j.provider)
      .map((j) => ({
        ...position(50 + j.id),
        jobId: String(j.id),
        provider: j.provider!,
        pricePerUnit: j.pricePerUnit!.toString(),
        kind: "ONCHAIN" as const,
      })),
  });
});

after(async () => {
  await h?.close();
});

const ids = (nodes: Array<{ id: string }>) => nodes.map((n) => Number(n.id));
const sortedIds = (list: SeedJob[]) => list.map((j) => j.id).sort((a, b) => a - b);

describe("filters", () => {
  test("equality on an enum", async () => {
    const r = await h.gql(`{ jobs(where: { status: { eq: ASSIGNED } }) { totalCount nodes { id status } } }`);
    assert.equal(r.errors, undefined);
    const expected = sortedIds(jobs.filter((j) => j.status === "ASSIGNED"));
    assert.deepEqual(ids(r.data.jobs.nodes), expected);
    assert.equal(r.data.jobs.totalCount, expected.length);
    assert.ok(r.data.jobs.nodes.every((n: { status: string }) => n.status === "ASSIGNED"));
  });

  test("ranges on uint256 columns compare as integers, not strings", async () => {
    // "1090" > "10000" as strings but not as numbers: a text comparison would get this wrong.
    const r = await h.gql(
      `{ jobs(where: { maxPricePerUnit: { gte: "1050", lt: "1090" } }, first: 100) { nodes { id maxPricePerUnit } } }`,
    );
    const expected = sortedIds(jobs.filter((j) => j.maxPricePerUnit >= 1050n && j.maxPricePerUnit < 1090n));
    assert.ok(expected.length > 0);
    assert.deepEqual(ids(r.data.jobs.nodes), expected);
  });

  test("uint256 max round-trips exactly and can be filtered on", async () => {
    const r = await h.gql(
      `query($v: BigInt!) { jobs(where: { maxPricePerUnit: { eq: $v } }) { nodes { id maxPricePerUnit } } }`,
      { v: UINT256_MAX },
    );
    assert.deepEqual(r.data.jobs.nodes, [{ id: "13", maxPricePerUnit: UINT256_MAX }]);
  });

  test("in, notIn and isNull", async () => {
    const r = await h.gql(`{
      a: jobs(where: { id: { in: ["3", "5", "999"] } }) { nodes { id } }
      b: jobs(where: { status: { notIn: [OPEN, CANCELLED] }, provider: { isNull: true } }) { totalCount }
      c: jobs(where: { pricePerUnit: { isNull: true } }) { totalCount }
      d: jobs(where: { provider: { eq: null } }) { totalCount }
      e: jobs(where: { provider: { not: "${addr(2)}" } }) { totalCount }
      f: jobs(where: { NOT: { provider: { eq: "${addr(2)}" } } }) { totalCount }
      g: jobs(where: { provider: { notIn: ["${addr(2)}", "${addr(3)}"] } }) { totalCount }
    }`);
    assert.equal(r.errors, undefined);
    assert.deepEqual(ids(r.data.a.nodes), [3, 5]);
    assert.equal(r.data.b.totalCount, 0);
    const unassigned = jobs.filter((j) => j.provider === null).length;
    assert.equal(r.data.c.totalCount, unassigned);
    assert.equal(r.data.d.totalCount, unassigned);
    // "Not addr(2)" includes jobs without a provider.
    const notTwo = jobs.filter((j) => j.provider !== addr(2)).length;
    assert.ok(notTwo > jobs.filter((j) => j.provider !== null && j.provider !== addr(2)).length);
    assert.equal(r.data.e.totalCount, notTwo);
    assert.equal(r.data.f.totalCount, notTwo);
    assert.equal(r.data.g.totalCount, jobs.filter((j) => j.provider !== addr(2) && j.provider !== addr(3)).length);
  });

  test("AND, OR and NOT combine", async () => {
    const r = await h.gql(`{ jobs(first: 100, where: {
      OR: [{ status: { eq: FAILED } }, { AND: [{ status: { eq: COMPLETED } }, { id: { gt: "10" } }] }]
      NOT: { id: { eq: "24" } }
    }) { totalCount nodes { id } } }`);
    const expected = sortedIds(
      jobs.filter((j) => (j.status === "FAILED" || (j.status === "COMPLETED" && j.id > 10)) && j.id !== 24),
    );
    assert.deepEqual(ids(r.data.jobs.nodes), expected);
    assert.equal(r.data.jobs.totalCount, expected.length);
  });

  test("addresses match in any case, and a valid checksum is accepted", async () => {
    const lower = addr(2);
    const checksummed = getAddress(`0x${"ab".repeat(20)}`);
    await h.prisma.provider.create({
      data: providerRow(0, { address: checksummed.toLowerCase() }),
    });
    const r = await h.gql(
      `query($a: Address!, $b: Address!) {
      upper: jobs(where: { provider: { eq: $a } }) { totalCount }
      p: provider(address: $b) { address }
    }`,
      { a: lower.toUpperCase().replace("0X", "0x"), b: checksummed },
    );
    assert.equal(r.errors, undefined);
    assert.equal(r.data.upper.totalCount, jobs.filter((j) => j.provider === lower).length);
    assert.equal(r.data.p.address, checksummed, "addresses are returned EIP-55 checksummed");
  });
});

describe("ordering and pagination", () => {
  test("orderBy several fields, descending, with the key as tie-breaker", async () => {
    const r = await h.gql(
      `{ jobs(first: 100, orderBy: [{ field: status, direction: ASC }, { field: maxPricePerUnit, direction: DESC }]) { nodes { id } } }`,
    );
    // PostgreSQL orders enums by declaration order.
    const rank = (s: string) => ["OPEN", "ASSIGNED", "COMPLETED", "CANCELLED", "EXPIRED", "FAILED"].indexOf(s);
    const expected = [...jobs]
      .sort(
        (a, b) =>
          rank(a.status) - rank(b.status) ||
          (a.maxPricePerUnit < b.maxPricePerUnit ? 1 : a.maxPricePerUnit > b.maxPricePerUnit ? -1 : 0) ||
          b.id - a.id,
      )
      .map((j) => j.id);
    assert.deepEqual(ids(r.data.jobs.nodes), expected);
  });

  test("every page of a filtered list, exact totals, no row twice or missed", async () => {
    const query = `query($after: String) { jobs(first: 4, after: $after, where: { status: { in: [ASSIGNED, COMPLETED, FAILED] } }, orderBy: [{ field: maxPricePerUnit, direction: DESC }]) {
      totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { id } } } }`;
    const matching = jobs.filter((j) => ["ASSIGNED", "COMPLETED", "FAILED"].includes(j.status));
    const expected = [...matching]
      .sort((a, b) =>
        a.maxPricePerUnit < b.maxPricePerUnit ? 1 : a.maxPricePerUnit > b.maxPricePerUnit ? -1 : b.id - a.id,
      )
      .map((j) => j.id);
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    for (;;) {
      const r: any = await h.gql(query, { after: cursor });
      assert.equal(r.errors, undefined);
      const conn = r.data.jobs;
      assert.equal(conn.totalCount, matching.length);
      assert.equal(conn.pageInfo.hasPreviousPage, cursor !== null);
      seen.push(...conn.edges.map((e: { node: { id: string } }) => Number(e.node.id)));
      pages++;
      if (conn.edges.length > 0) assert.equal(conn.pageInfo.endCursor, conn.edges[conn.edges.length - 1].cursor);
      if (!conn.pageInfo.hasNextPage) break;
      cursor = conn.pageInfo.endCursor;
    }
    assert.deepEqual(seen, expected);
    assert.equal(pages, Math.ceil(matching.length / 4));
  });

  test("pages over a nullable column: nulls last ascending, first descending", async () => {
    for (const direction of ["ASC", "DESC"] as const) {
      const seen: number[] = [];
      let cursor: string | null = null;
      for (;;) {
        const r: any = await h.gql(
          `query($after: String) { jobs(first: 6, after: $after, orderBy: [{ field: pricePerUnit, direction: ${direction} }]) { pageInfo { hasNextPage endCursor } nodes { id } } }`,
          { after: cursor },
        );
        assert.equal(r.errors, undefined);
        seen.push(...ids(r.data.jobs.nodes));
        if (!r.data.jobs.pageInfo.hasNextPage) break;
        cursor = r.data.jobs.pageInfo.endCursor;
      }
      const key = (j: SeedJob) => j.pricePerUnit;
      const expected = [...jobs]
        .sort((a, b) => {
          const x = key(a);
          const y = key(b);
          if (x === null && y === null) return direction === "ASC" ? a.id - b.id : b.id - a.id;
          if (x === null) return direction === "ASC" ? 1 : -1;
          if (y === null) return direction === "ASC" ? -1 : 1;
          if (x !== y) return direction === "ASC" ? (x < y ? -1 : 1) : x < y ? 1 : -1;
          return direction === "ASC" ? a.id - b.id : b.id - a.id;
        })
        .map((j) => j.id);
      assert.deepEqual(seen, expected, `order ${direction}`);
    }
  });

  test("first: 0 returns no rows but the total", async () => {
    const r = await h.gql(`{ jobs(first: 0) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } }`);
    assert.deepEqual(r.data.jobs, {
      totalCount: 25,
      nodes: [],
      pageInfo: { hasNextPage: true, endCursor: null },
    });
  });

  test("a cursor only works with the ordering it came from", async () => {
    const first = await h.gql(`{ jobs(first: 2) { pageInfo { endCursor } } }`);
    const cursor = first.data.jobs.pageInfo.endCursor;
    const wrongOrder = await h.gql(
      `query($c: String) { jobs(first: 2, after: $c, orderBy: [{ field: createdBlock }]) { nodes { id } } }`,
      { c: cursor },
    );
    assert.equal(wrongOrder.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
    assert.match(wrongOrder.errors![0]!.message, /different orderBy/);
    const garbage = await h.gql(`{ jobs(after: "not-a-cursor") { nodes { id } } }`);
    assert.equal(garbage.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
  });
});

describe("single-row queries", () => {
  test("by key, composite key, and null when absent", async () => {
    const r = await h.gql(`{
      job(id: "7") { id status maxPricePerUnit }
      missing: job(id: "777") { id }
      milestone(jobId: "7", index: 1) { jobId index units providerAddress }
      provider(address: "${addr(3)}") { address jobsCompleted }
    }`);
    assert.equal(r.errors, undefined);
    const j7 = jobs.find((j) => j.id === 7)!;
    assert.deepEqual(r.data.job, {
      id: "7",
      status: j7.status,
      maxPricePerUnit: j7.maxPricePerUnit.toString(),
    });
    assert.equal(r.data.missing, null);
    assert.deepEqual(r.data.milestone, {
      jobId: "7",
      index: 1,
      units: "1800",
      providerAddress: j7.provider,
    });
    assert.deepEqual(r.data.provider, { address: addr(3), jobsCompleted: 3 });
  });

  test("verifier sets: members as a list, empty when unset", async () => {
    await h.prisma.verifierSet.createMany({
      data: [
        {
          address: addr(0x7e),
          members: [addr(0x11), addr(0x12), addr(0x13)],
          threshold: "2",
          allowed: true,
          updatedBlock: 1n,
        },
        { address: addr(0x7f), allowed: false, updatedBlock: 1n },
      ],
    });
    const r = await h.gql(
      `{ verifierSets { nodes { address members threshold allowed jobs(first: 1) { totalCount } } } }`,
    );
    // Addresses come back EIP-55 checksummed.
    assert.deepEqual(r.data.verifierSets.nodes, [
      {
        address: getAddress(addr(0x7e)),
        members: [addr(0x11), addr(0x12), addr(0x13)].map((a) => getAddress(a)),
        threshold: "2",
        allowed: true,
        jobs: { totalCount: 25 },
      },
      {
        address: getAddress(addr(0x7f)),
        members: [],
        threshold: null,
        allowed: false,
        jobs: { totalCount: 0 },
      },
    ]);
  });

  test("aliases of the same single query are batched into one statement", async () => {
    h.queries.length = 0;
    const r = await h.gql(`{ a: job(id: "1") { id } b: job(id: "2") { id } c: job(id: "3") { id } }`);
    assert.deepEqual([r.data.a.id, r.data.b.id, r.data.c.id], ["1", "2", "3"]);
    assert.equal(h.queries.length, 1);
  });
});

describe("relations", () => {
  test("job.provider, job.milestones and job.bids for a page of jobs: one statement each", async () => {
    h.queries.length = 0;
    const r = await h.gql(
      `{ jobs(first: 25) { nodes { id providerAddress provider { address } milestones { index units } bids { nodes { pricePerUnit } } } } }`,
    );
    assert.equal(r.errors, undefined);
    for (const node of r.data.jobs.nodes) {
      const seed = jobs.find((j) => j.id === Number(node.id))!;
      assert.equal(node.provider?.address ?? null, seed.provider);
      assert.deepEqual(
        node.milestones.map((m: { index: number }) => m.index),
        seed.provider ? [0, 1] : [],
      );
      assert.deepEqual(
        node.bids.nodes.map((b: { pricePerUnit: string }) => b.pricePerUnit),
        seed.provider ? [seed.pricePerUnit!.toString()] : [],
      );
    }
    // Page + providers + milestones + bids (LATERAL, one for all 25 parents). No N+1.
    assert.equal(h.queries.length, 4, h.queries.join("\n---\n"));
  });

  test("provider.jobs is a paginated connection per provider, batched across providers", async () => {
    h.queries.length = 0;
    const r = await h.gql(
      `{ providers(where: { address: { in: ["${addr(1)}", "${addr(2)}", "${addr(3)}"] } }) { nodes { address jobs(first: 2, orderBy: [{ field: id, direction: DESC }]) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } } } }`,
    );
    assert.equal(r.errors, undefined);
    assert.equal(h.queries.length, 3, "providers + one LATERAL page query + one grouped count");
    for (const p of r.data.providers.nodes) {
      const own = jobs
        .filter((j) => j.provider === p.address)
        .map((j) => j.id)
        .sort((a, b) => b - a);
      assert.equal(p.jobs.totalCount, own.length);
      assert.deepEqual(ids(p.jobs.nodes), own.slice(0, 2));
      assert.equal(p.jobs.pageInfo.hasNextPage, own.length > 2);
    }
    // The next page of one provider's jobs.
    const p1 = r.data.providers.nodes[0];
    const next = await h.gql(
      `query($c: String) { provider(address: "${p1.address}") { jobs(first: 100, after: $c, orderBy: [{ field: id, direction: DESC }]) { nodes { id } } } }`,
      {
        c: p1.jobs.pageInfo.endCursor,
      },
    );
    const own = jobs
      .filter((j) => j.provider === p1.address)
      .map((j) => j.id)
      .sort((a, b) => b - a);
    assert.deepEqual(ids(next.data.provider.jobs.nodes), own.slice(2));
  });

  test("history lists: payouts by kind, and their job", async () => {
    await h.prisma.payout.createMany({
      data: [
        {
          ...position(300, { logIndex: 0 }),
          kind: "PROVIDER_PAYMENT",
          account: addr(2),
          token: TOKEN,
          amount: "990",
          jobId: "1",
          milestone: 0,
        },
        {
          ...position(300, { logIndex: 1 }),
          kind: "PROTOCOL_FEE",
          account: addr(0x99),
          token: TOKEN,
          amount: "10",
          jobId: "1",
          milestone: 0,
        },
        {
          ...position(301, { logIndex: 0 }),
          kind: "PROVIDER_PAYMENT",
          account: addr(2),
          token: TOKEN,
          amount: "1980",
          jobId: "1",
          milestone: 1,
        },
      ],
    });
    const r =
      await h.gql(`{ payouts(where: { kind: { eq: PROVIDER_PAYMENT }, account: { eq: "${addr(2)}" } }, orderBy: [{ field: blockNumber, direction: DESC }]) {
      totalCount nodes { amount blockNumber logIndex milestone job { id } } } }`);
    assert.equal(r.errors, undefined);
    assert.equal(r.data.payouts.totalCount, 2);
    assert.deepEqual(
      r.data.payouts.nodes.map((p: any) => [p.amount, p.blockNumber, p.milestone, p.job.id]),
      [
        ["1980", 301, 1, "1"],
        ["990", 300, 0, "1"],
      ],
    );
  });
});

describe("column projection", () => {
  /** The SQL statement that read table `table` (the only one expected). */
  const readOf = (table: string) => {
    const found = h.queries.filter((sql) => sql.includes(`FROM "${table}" t`));
    assert.equal(found.length, 1, h.queries.join("\n---\n"));
    return found[0]!;
  };

  test("a page reads the columns of the fields asked for, its keys and its ordering, not the others", async () => {
    h.queries.length = 0;
    const r = await h.gql(
      `{ jobs(first: 3, orderBy: [{ field: maxPricePerUnit, direction: DESC }]) { nodes { id status } } }`,
    );
    assert.equal(r.errors, undefined);
    const sql = readOf("jobs");
    assert.match(sql, /t\."status"/);
    assert.doesNotMatch(sql, /t\."tenant"|t\."payer"|t\."funded"/);
    const byPrice = [...jobs].sort((a, b) =>
      a.maxPricePerUnit === b.maxPricePerUnit ? b.id - a.id : a.maxPricePerUnit > b.maxPricePerUnit ? -1 : 1,
    );
    assert.deepEqual(
      r.data.jobs.nodes,
      byPrice.slice(0, 3).map((j) => ({ id: String(j.id), status: j.status })),
    );
  });

  test("fragments, inline fragments and edges give the answers of the full rows", async () => {
    const fields = `id status maxPricePerUnit pricePerUnit providerAddress energy { gpuHours kWh }`;
    const full = await h.gql(`{ jobs(first: 25) { nodes { ${fields} tenant } } }`);
    h.queries.length = 0;
    const r = await h.gql(
      `fragment F on Job { id status ... on Job { maxPricePerUnit pricePerUnit } }
       fragment C on JobConnection { edges { cursor node { ...F providerAddress energy { gpuHours kWh } } } }
       { jobs(first: 25) { totalCount ...C } }`,
    );
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    assert.doesNotMatch(readOf("jobs"), /t\."tenant"/);
    assert.match(readOf("jobs"), /t\."energyWh"/, "energy is computed from units, energyWh and co2eMg");
    assert.deepEqual(
      r.data.jobs.edges.map((e: { node: unknown }) => e.node),
      full.data.jobs.nodes.map(({ tenant: _, ...rest }: Record<string, unknown>) => rest),
    );
  });

  test("a relation's key column is read for it, and related rows read only their own fields", async () => {
    h.queries.length = 0;
    const r = await h.gql(`{ job(id: "2") { id provider { address jobsCompleted } } }`);
    assert.equal(r.errors, undefined);
    const seed = jobs.find((j) => j.id === 2)!;
    assert.equal(r.data.job.provider.address, seed.provider);
    assert.match(readOf("jobs"), /t\."provider"/);
    assert.doesNotMatch(readOf("jobs"), /t\."tenant"/);
    assert.doesNotMatch(readOf("providers"), /t\."gpuClass"/);
  });

  test("one request asking for a row twice with different fields answers both", async () => {
    const r = await h.gql(`{ a: job(id: "2") { id status } b: job(id: "2") { id providerAddress } }`);
    assert.equal(r.errors, undefined);
    const seed = jobs.find((j) => j.id === 2)!;
    assert.deepEqual(r.data.a, { id: "2", status: seed.status });
    assert.deepEqual(r.data.b, { id: "2", providerAddress: seed.provider });
  });
});

describe("totalCount from the price-level rollup", () => {
  const counted = (where: string) =>
    h.gql(`{ jobs(first: 1, where: ${where}) { totalCount } }`).then((r) => {
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      return r.data.jobs.totalCount as number;
    });
  const fromRollup = () => h.queries.some((s) => s.includes(`"job_price_levels"`));

  test("filters on status and maxPricePerUnit alone sum price levels, with the same answers as counting jobs", async () => {
    const cases: [string, (j: SeedJob) => boolean][] = [
      [`{ status: { eq: COMPLETED } }`, (j) => j.status === "COMPLETED"],
      [
        `{ status: { in: [OPEN, FAILED] }, maxPricePerUnit: { gte: "1050" } }`,
        (j) => (j.status === "OPEN" || j.status === "FAILED") && j.maxPricePerUnit >= 1050n,
      ],
      [`{ maxPricePerUnit: { eq: "${UINT256_MAX}" } }`, (j) => j.maxPricePerUnit === 2n ** 256n - 1n],
      [
        `{ OR: [{ status: { eq: ASSIGNED } }, { maxPricePerUnit: { lt: "1030" } }], NOT: { status: { eq: OPEN } } }`,
        (j) => (j.status === "ASSIGNED" || j.maxPricePerUnit < 1030n) && j.status !== "OPEN",
      ],
      [`{}`, () => true],
    ];
    for (const [where, keep] of cases) {
      h.queries.length = 0;
      assert.equal(await counted(where), jobs.filter(keep).length, where);
      assert.ok(fromRollup(), `${where} is answered from the rollup`);
    }
    // Any other field needs the rows themselves.
    h.queries.length = 0;
    assert.equal(
      await counted(`{ status: { eq: COMPLETED }, provider: { eq: "${addr(2)}" } }`),
      jobs.filter((j) => j.status === "COMPLETED" && j.provider === addr(2)).length,
    );
    assert.ok(!fromRollup(), "a filter on provider counts jobs");
  });

  test("inserts, status changes and deletes of jobs keep the levels exact", async () => {
    const levels = async () =>
      (
        await h.prisma.$queryRawUnsafe<{ k: string }[]>(
          `SELECT status::text || ':' || "maxPricePerUnit" || '=' || jobs AS k FROM job_price_levels WHERE jobs <> 0 ORDER BY 1`,
        )
      ).map((r) => r.k);
    const grouped = async () =>
      (
        await h.prisma.$queryRawUnsafe<{ k: string }[]>(
          `SELECT status::text || ':' || "maxPricePerUnit" || '=' || count(*) AS k FROM jobs GROUP BY status, "maxPricePerUnit" ORDER BY 1`,
        )
      ).map((r) => r.k);
    const extra = [101, 102, 103, 104];
    await h.prisma.job.createMany({
      data: extra.map((id) => jobRow(id, { maxPricePerUnit: String(5000 + (id % 2)) })),
    });
    assert.deepEqual(await levels(), await grouped());
    assert.equal(await counted(`{ status: { eq: OPEN }, maxPricePerUnit: { gte: "5000" } }`), 4);

    // One statement moving rows between levels, one touching rows without moving them, one delete.
    await h.prisma.job.updateMany({ where: { id: { in: ["101", "102"] } }, data: { status: "ASSIGNED" } });
    await h.prisma.job.updateMany({ where: { id: { in: ["103", "104"] } }, data: { bidCount: 3 } });
    await h.prisma.job.deleteMany({ where: { id: "104" } });
    assert.deepEqual(await levels(), await grouped());
    assert.equal(await counted(`{ status: { eq: OPEN }, maxPricePerUnit: { gte: "5000" } }`), 1);
    assert.equal(await counted(`{ status: { eq: ASSIGNED }, maxPricePerUnit: { gte: "5000" } }`), 2);

    await h.prisma.job.deleteMany({ where: { id: { in: extra.map(String) } } });
    assert.deepEqual(await levels(), await grouped());
  });
});

describe("prepared statements", () => {
  test("past the cap of distinct statements, queries run unprepared with the same answers", async () => {
    const small = await startHarness({ maxPreparedStatements: 1 });
    try {
      await small.prisma.job.createMany({
        data: [1, 2, 3].map((id) => jobRow(id, { status: id === 2 ? "CANCELLED" : "OPEN" })),
      });
      // Four shapes, each twice with other values: the first is prepared, the rest are not.
      for (const round of [0, 1]) {
        const status = round === 0 ? "OPEN" : "CANCELLED";
        const r = await small.gql(
          `query($s: JobStatus!, $id: BigInt!) {
            a: jobs(where: { status: { eq: $s } }) { nodes { id } }
            b: job(id: $id) { id status }
            c: jobs(where: { id: { gte: $id } }, orderBy: [{ field: id, direction: DESC }]) { nodes { id } }
            d: jobs(where: { status: { eq: $s } }) { totalCount }
          }`,
          { s: status, id: String(round + 1) },
        );
        assert.equal(r.errors, undefined, JSON.stringify(r.errors));
        const expected = status === "OPEN" ? ["1", "3"] : ["2"];
        assert.deepEqual(
          r.data.a.nodes.map((n: { id: string }) => n.id),
          expected,
        );
        assert.equal(r.data.b.id, String(round + 1));
        assert.deepEqual(
          r.data.c.nodes.map((n: { id: string }) => n.id),
          ["3", "2", "1"].slice(0, 3 - round),
        );
        assert.equal(r.data.d.totalCount, expected.length);
      }
    } finally {
      await small.close();
    }
  });
});
