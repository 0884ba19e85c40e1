// The GraphQL client against a small in-process server speaking the indexer API's conventions:
// connections with totalCount/pageInfo/nodes, errors in `errors`, and GraphQL over SSE.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { IndexerError } from "../errors/errors.ts";
import { freePort } from "../testing/localNode.ts";
import { type Connection, createIndexerClient, typedQuery } from "./client.ts";

type Job = { id: string; status: string };
const JOBS: Job[] = Array.from({ length: 5 }, (_, i) => ({ id: String(i + 1), status: i % 2 ? "ASSIGNED" : "OPEN" }));

let server: Server;
let url: string;
const requests: { body: { query: string; variables: Record<string, unknown> }; headers: IncomingMessage["headers"] }[] =
  [];

function handle(req: IncomingMessage, res: ServerResponse, raw: string) {
  const body = JSON.parse(raw) as { query: string; variables: Record<string, unknown> };
  requests.push({ body, headers: req.headers });
  if (req.headers.accept?.includes("text/event-stream")) {
    res.writeHead(200, { "content-type": "text/event-stream" });
    if (body.query.includes("forever")) {
      res.write(": keep-alive\n\n");
      return; // never completes: the client must be able to close it
    }
    res.write(": keep-alive\n\n");
    res.write(`event: next\ndata: ${JSON.stringify({ data: { jobCreated: JOBS[0] } })}\n\n`);
    // A frame split across two writes, with CRLF line ends.
    const frame = `event: next\r\ndata: ${JSON.stringify({ data: { jobCreated: JOBS[1] } })}\r\n\r\n`;
    res.write(frame.slice(0, 20));
    setTimeout(() => {
      res.write(frame.slice(20));
      res.write(`event: next\ndata: ${JSON.stringify({ errors: [{ message: "not allowed" }] })}\n\n`);
      res.end("event: complete\ndata:\n\n");
    }, 20);
    return;
  }
  const json = (status: number, payload: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(payload));
  };
  if (body.query.includes("broken"))
    return json(200, { data: null, errors: [{ message: "Cannot query field", path: ["broken"] }] });
  if (body.query.includes("overloaded")) return json(503, { message: "busy" });
  if (body.query.includes("jobs")) {
    const first = Number(body.variables.first ?? 10);
    const start = body.variables.after ? Number(body.variables.after) : 0;
    const nodes = JOBS.slice(start, start + first);
    const end = start + nodes.length;
    const connection = {
      totalCount: JOBS.length,
      pageInfo: { hasNextPage: end < JOBS.length, endCursor: nodes.length ? String(end) : null },
      nodes,
    };
    return json(200, {
      data: body.query.includes("provider") ? { provider: { jobs: connection } } : { jobs: connection },
    });
  }
  return json(200, { data: { _meta: { block: 42 } } });
}

before(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => handle(req, res, raw));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const JOBS_PAGE = `query Jobs($first: Int, $after: String) {
  jobs(where: { status: OPEN }, orderBy: { createdAt: desc }, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { id status }
  }
}`;

describe("createIndexerClient", () => {
  it("runs a typed query with the given headers and variables", async () => {
    const client = createIndexerClient(url, { headers: { authorization: "Bearer t" } });
    const Meta = typedQuery<{ _meta: { block: number } }, { chain: number }>(
      "query Meta($chain: Int) { _meta { block } }",
    );
    const data = await client.query(Meta, { chain: 1 });
    assert.equal(data._meta.block, 42);
    const last = requests.at(-1)!;
    assert.equal(last.headers.authorization, "Bearer t");
    assert.deepEqual(last.body.variables, { chain: 1 });
  });

  it("raises IndexerError with the GraphQL errors, and marks HTTP 5xx retryable", async () => {
    const client = createIndexerClient(url);
    await assert.rejects(client.query("{ broken }"), (err: unknown) => {
      assert.ok(err instanceof IndexerError);
      assert.equal(err.code, "INDEXER");
      assert.equal(err.shortMessage, "GraphQL error: Cannot query field");
      assert.deepEqual(err.graphqlErrors[0]?.path, ["broken"]);
      assert.equal(err.retryable, false);
      return true;
    });
    await assert.rejects(client.query("{ overloaded }"), (err: unknown) => {
      assert.ok(err instanceof IndexerError);
      assert.equal(err.status, 503);
      assert.equal(err.retryable, true);
      return true;
    });
    const closed = createIndexerClient(`http://127.0.0.1:${await freePort()}/graphql`);
    await assert.rejects(closed.query("{ _meta { block } }"), { name: "IndexerError", retryable: true });
    assert.throws(() => createIndexerClient("not a url"), { name: "IndexerError" });
  });

  it("paginates with first/after until hasNextPage is false", async () => {
    const client = createIndexerClient(url);
    const before = requests.length;
    const seen: Job[] = [];
    for await (const job of client.paginate<Job>(JOBS_PAGE, {}, { connection: "jobs", pageSize: 2 })) seen.push(job);
    assert.deepEqual(seen, JOBS);
    const pages = requests.slice(before).map((r) => r.body.variables);
    assert.deepEqual(pages, [
      { first: 2, after: null },
      { first: 2, after: "2" },
      { first: 2, after: "4" },
    ]);
    // `limit` stops early; a nested connection path works; `all` collects.
    const two = await client.all<Job>(
      JOBS_PAGE.replace("jobs(", "provider { jobs(").replace(/}\n}$/, "} }\n}"),
      {},
      {
        connection: ["provider", "jobs"],
        pageSize: 3,
        limit: 2,
      },
    );
    assert.deepEqual(two, JOBS.slice(0, 2));
    // The Connection type describes the page shape.
    const page = await client.query<{ jobs: Connection<Job> }>(JOBS_PAGE, { first: 5 });
    assert.equal(page.jobs.totalCount, 5);
    assert.equal(page.jobs.pageInfo.hasNextPage, false);
  });

  it("subscribes over SSE: data events in order, errors reported, completion", async () => {
    const client = createIndexerClient(url);
    const got: unknown[] = [];
    const errors: IndexerError[] = [];
    let completed = false;
    const sub = client.subscribe<{ jobCreated: Job }>("subscription { jobCreated { id status } }", undefined, {
      onNext: (d) => got.push(d.jobCreated),
      onError: (e) => errors.push(e),
      onComplete: () => (completed = true),
    });
    await sub.done;
    assert.deepEqual(got, [JOBS[0], JOBS[1]]);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.shortMessage, "GraphQL error: not allowed");
    assert.equal(completed, true);
    assert.equal(requests.at(-1)!.headers.accept, "text/event-stream");
  });

  it("close() ends a subscription that would run forever", async () => {
    const client = createIndexerClient(url);
    const errors: unknown[] = [];
    const sub = client.subscribe("subscription forever { jobCreated { id } }", undefined, {
      onNext: () => {},
      onError: (e) => errors.push(e),
    });
    await new Promise((r) => setTimeout(r, 50));
    sub.close();
    await sub.done;
    assert.deepEqual(errors, [], "closing is not an error");
  });
});
