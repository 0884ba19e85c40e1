// Configuration from the environment, and the executable entry point end to end.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { ConfigError, DEFAULT_DATABASE_URL, configFromEnv, describeConfig } from "./config.ts";
import { createTestDatabase } from "../db/testdb.ts";

describe("configFromEnv", () => {
  test("defaults work locally", () => {
    const c = configFromEnv({});
    assert.equal(c.databaseUrl, DEFAULT_DATABASE_URL);
    assert.equal(c.port, 4000);
    assert.equal(c.host, "0.0.0.0");
    assert.equal(c.readyMaxLag, 5);
    assert.equal(c.readyMaxHeadAgeSeconds, 120);
    assert.equal(c.graphiql, false);
    assert.equal(c.chainId, undefined);
    assert.deepEqual(c.limits, {
      maxPageSize: 1000,
      defaultPageSize: 100,
      maxDepth: 10,
      maxCost: 10_000,
    });
  });

  test("values are read and GraphiQL follows NODE_ENV unless set", () => {
    const c = configFromEnv({
      PORT: "8080",
      DATABASE_URL: "postgres://u:secret@db:5432/x",
      READY_MAX_LAG: "12",
      CHAIN_ID: "8453",
      NODE_ENV: "development",
      MAX_PAGE_SIZE: "50",
    });
    assert.deepEqual(
      [c.port, c.databaseUrl, c.readyMaxLag, c.chainId, c.graphiql, c.limits?.maxPageSize, c.limits?.defaultPageSize],
      [8080, "postgres://u:secret@db:5432/x", 12, 8453, true, 50, 50],
    );
    assert.equal(configFromEnv({ NODE_ENV: "development", GRAPHIQL: "false" }).graphiql, false);
    assert.match(String(describeConfig(c).databaseUrl), /u:\*\*\*@db/);
  });

  test("bad values name the variable", () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ PORT: "http" }, /^PORT must be an integer/],
      [{ PORT: "70000" }, /^PORT must be between 0 and 65535/],
      [{ READY_MAX_LAG: "-1" }, /^READY_MAX_LAG/],
      [{ DATABASE_URL: "not a url" }, /^DATABASE_URL is not a URL/],
      [{ DATABASE_URL: "mysql://localhost/x" }, /^DATABASE_URL must start with postgresql/],
      [{ GRAPHIQL: "maybe" }, /^GRAPHIQL must be true or false/],
      [{ MAX_PAGE_SIZE: "10", DEFAULT_PAGE_SIZE: "20" }, /^DEFAULT_PAGE_SIZE must be between 1 and 10/],
      [{ NOTIFY_CHANNEL: "Bad-Channel" }, /^NOTIFY_CHANNEL/],
      [{ CHAIN_ID: "0" }, /^CHAIN_ID/],
    ];
    for (const [env, message] of cases)
      assert.throws(
        () => configFromEnv(env),
        (e) => e instanceof ConfigError && message.test(e.message),
        JSON.stringify(env),
      );
  });
});

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));

function run(env: Record<string, string>): {
  child: ReturnType<typeof spawn>;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

describe("main.ts", () => {
  test("exits with code 2 and names the bad variable", async () => {
    const p = run({ PORT: "abc" });
    assert.equal(await p.exited, 2);
    assert.match(p.output(), /invalid configuration: PORT must be an integer/);
  });

  test("serves from the environment and stops cleanly on SIGTERM", async () => {
    const db = await createTestDatabase({ prefix: "joule_api_main" });
    const p = run({
      DATABASE_URL: db.url,
      PORT: "0",
      HOST: "127.0.0.1",
      READY_MAX_LAG: "2",
    });
    try {
      const deadline = Date.now() + 20_000;
      let url: string | undefined;
      while (!url && Date.now() < deadline) {
        url = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(p.output())?.[1];
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(url, `server started: ${p.output()}`);
      assert.equal((await fetch(`${url}/health`)).status, 200);
      const ready = (await (await fetch(`${url}/ready`)).json()) as {
        maxLagBlocks: number;
      };
      assert.equal(ready.maxLagBlocks, 2);
      const r = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ jobs { totalCount } }" }),
      });
      assert.deepEqual(await r.json(), { data: { jobs: { totalCount: 0 } } });
      p.child.kill("SIGTERM");
      assert.equal(await p.exited, 0);
      assert.match(p.output(), /"message":"shutting down","signal":"SIGTERM"/);
    } finally {
      p.child.kill("SIGKILL");
      await db.drop();
    }
  });
});
