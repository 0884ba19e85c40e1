// `npm start`: the whole system on one machine — a local Hardhat chain, the protocol deployed through the SDK,
// the indexer (sync + GraphQL API) on PostgreSQL, and a simulated market of tenants, providers, verifiers and
// keepers driving it. `npm start -- --once` runs a fixed scenario instead, checks that the indexer reflects it
// exactly, prints a summary and exits (0 when everything matches). `--help` lists the options.
//
// Exit codes: 0 done (or stopped with Ctrl-C/SIGTERM), 1 a check failed or something broke, 2 bad configuration
// (unknown option, busy port, unusable DATABASE_URL).
import { resolve } from "node:path";
import { PROVIDER_HARDWARE, createCast } from "./start/actors.ts";
import {
  assertRpcPortFree,
  PortBusyError,
  portIsFree,
  repoRoot,
  startLocalChain,
  type LocalChain,
} from "./start/chain.ts";
import { DatabaseError, openDatabase, redactUrl, type Database } from "./start/database.ts";
import { startIndexer, type RunningIndexer } from "./start/indexer.ts";
import { Market } from "./start/market.ts";
import { parseOptions, USAGE, UsageError, type StartOptions } from "./start/options.ts";
import { runScenario } from "./start/scenario.ts";
import { Interrupted, JOULE, Sim } from "./start/sim.ts";
import { indexerClient, readSummary, summaryBlock, summaryLine, waitForIndexer } from "./start/summary.ts";
import { checkChain, checkIndexer } from "./start/verify.ts";

const print = (line: string) => process.stdout.write(`${line}\n`);
const printErr = (line: string) => process.stderr.write(`${line}\n`);

let options: StartOptions | undefined;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    printErr(`npm start: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
if (!options) {
  print(USAGE);
  process.exit(0);
}
const opts: StartOptions = options;

// ───────────────────────────── Stopping ─────────────────────────────
let chain: LocalChain | undefined;
let database: Database | undefined;
let indexer: RunningIndexer | undefined;
let stopping = false;
let signals = 0;
let sim: Sim | undefined;
const stopWaiters: (() => void)[] = [];
/** Resolves when a stop is requested. */
const stopped = new Promise<void>((r) => stopWaiters.push(r));
const onSignal = (signal: NodeJS.Signals) => {
  signals++;
  if (signals === 1) {
    print(
      `\n${signal}: stopping (the simulation, the indexer, then the chain${database?.embedded ? " and the embedded PostgreSQL" : ""})…`,
    );
    stopping = true;
    if (sim) sim.stopRequested = true;
    for (const w of stopWaiters) w();
  } else if (signals === 2) {
    print(`${signal} again: still stopping; a third one exits at once`);
  } else {
    process.exit(1);
  }
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

/** Stops everything that was started, newest first; each part gets 15 s. Returns false if one hung. */
async function shutdown(): Promise<boolean> {
  stopping = true;
  const stage = async (label: string, stop: (() => Promise<void>) | undefined) => {
    if (!stop) return true;
    let timer: NodeJS.Timeout | undefined;
    const ok = await Promise.race([
      stop().then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 15_000))),
    ]);
    clearTimeout(timer);
    if (!ok) printErr(`${label} did not stop within 15 s; exiting anyway`);
    return ok;
  };
  const results = [
    await stage("the indexer", indexer?.stop),
    await stage("the hardhat node", chain?.stop),
    await stage("the embedded PostgreSQL", database?.stop),
  ];
  return results.every(Boolean);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Sleeps, but wakes up at once when a stop is requested. */
const pause = (ms: number) => Promise.race([sleep(ms), stopped]);
const elapsed = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

async function main(): Promise<number> {
  const t0 = Date.now();
  print(
    opts.once
      ? "Joule — fixed scenario (--once): local chain, deployment, indexer, scenario, checks"
      : "Joule — local network with a simulated market (Ctrl-C to stop)",
  );

  // Busy ports and a bad database fail fast, before the slow start of the chain.
  await assertRpcPortFree(opts.rpcPort);
  if (!(await portIsFree(opts.apiPort))) {
    throw new PortBusyError(
      `port ${opts.apiPort} on 127.0.0.1 is busy: stop what listens there, or pick another API port with --api-port <n> or API_PORT=<n>`,
    );
  }

  // 1. The database.
  database = await openDatabase({ url: process.env.DATABASE_URL, reset: opts.resetDb, log: print });
  print(`Database: ${redactUrl(database.url)}${database.embedded ? " (embedded)" : ""}`);
  if (stopping) return 0;

  // 2. The chain.
  print(`starting hardhat node on 127.0.0.1:${opts.rpcPort}…`);
  chain = await startLocalChain(opts.rpcPort);
  print(`RPC:      ${chain.url}  (chain id ${chain.chainId}, hardhat node pid ${chain.pid}, up in ${elapsed(t0)})`);
  void chain.exited.then((code) => {
    if (!stopping) printErr(`hardhat node exited unexpectedly (code ${code}):\n${chain?.tail() ?? ""}`);
  });
  if (stopping) return 0;

  // 3. The protocol, deployed through the SDK.
  const cast = createCast(chain.url, chain.chainId);
  sim = new Sim(cast, (e) => print(`  · ${e.text}`));
  sim.stopRequested = stopping;
  const manifestPath = resolve(repoRoot, opts.manifest);
  const deployment = await sim.deploy(manifestPath);
  const a = deployment.addresses;
  print(`Deployed: JobMarket ${a.jobMarket}, ProviderRegistry ${a.providerRegistry}, RewardEmitter ${a.rewardEmitter}`);
  print(
    `          JouleToken ${a.jouleToken}, QuorumVerifier ${a.quorumVerifier} (2 of 3), mock USD ${a.paymentToken}`,
  );
  print(`Manifest: ${manifestPath}`);

  // 4. The indexer: sync engine and GraphQL API, in this process.
  indexer = await startIndexer({
    rpcUrl: chain.url,
    databaseUrl: database.url,
    manifestPath,
    apiPort: opts.apiPort,
    verbose: opts.verbose,
    print: (line) => {
      if (!stopping) print(line);
    },
  });
  print(`API:      ${indexer.graphqlUrl}  (also /health, /ready, /metrics on ${indexer.api.url})`);
  const gql = indexerClient(indexer.graphqlUrl);

  // 5. The actors.
  await sim.onboard(PROVIDER_HARDWARE, 10_000n * JOULE, 20_000n * JOULE);
  print(
    `ready in ${elapsed(t0)}: ${cast.tenants.length} tenants + a sponsor, ${cast.providers.length} providers, ${cast.verifiers.length} verifiers, a keeper`,
  );

  if (opts.once) return runOnce(sim, gql, t0);
  return runMarket(sim, gql, deployment.addresses.paymentToken!, t0);
}

async function runOnce(s: Sim, gql: ReturnType<typeof indexerClient>, t0: number): Promise<number> {
  await runScenario(s, print);
  return checkAndReport(s, gql, t0, "scenario", "== Joule --once summary ==");
}

/** Waits for the indexer to catch up, compares book, chain and indexer, prints the summary. 0 when all match. */
async function checkAndReport(s: Sim, gql: ReturnType<typeof indexerClient>, t0: number, what: string, title: string) {
  const head = await s.cast.publicClient.getBlockNumber();
  print(`${what} done: ${s.transactions} transactions, chain at block ${head}; waiting for the indexer…`);
  await waitForIndexer(gql, head, { timeoutMs: 90_000, failure: () => indexer?.failure() });
  const onChain = await checkChain(s);
  const inIndexer = await checkIndexer(s, gql);
  const summary = await readSummary(gql, s.usd);

  print("");
  print(title);
  for (const line of summaryBlock(summary)) print(line);
  const problems = [
    ...s.problems.map((p) => `transaction vs rules — ${p}`),
    ...onChain.mismatches.map((m) => `chain — ${m}`),
    ...inIndexer.mismatches.map((m) => `indexer — ${m}`),
  ];
  print(
    `checks:    ${onChain.passed} passed against the chain, ${inIndexer.passed} against the indexer (block ${summary.block})`,
  );
  print(`time:      ${elapsed(t0)}`);
  if (problems.length) {
    for (const p of problems) print(`MISMATCH ${p}`);
    print(`result:    FAILED — ${problems.length} mismatch(es)`);
    return 1;
  }
  print("result:    OK — the indexer matches the chain exactly");
  return 0;
}

async function runMarket(
  s: Sim,
  gql: ReturnType<typeof indexerClient>,
  paymentToken: string,
  t0: number,
): Promise<number> {
  const market = new Market(s, opts.seed, print);
  const summaries = (async () => {
    let reported = 0;
    while (!stopping) {
      await pause(opts.summaryEvery * 1000);
      if (stopping) break;
      try {
        print(summaryLine(await readSummary(gql, paymentToken)));
      } catch (error) {
        print(`[summary] the API did not answer: ${(error as Error).message.split("\n")[0]}`);
      }
      if (s.problems.length > reported) {
        for (const p of s.problems.slice(reported)) print(`  ! transaction vs rules — ${p}`);
        reported = s.problems.length;
      }
    }
  })();
  print(
    `market running (seed ${opts.seed}, a step every ${opts.stepMs} ms, 4–8 min of chain time per step); summary every ${opts.summaryEvery} s`,
  );
  while (!stopping && (opts.maxSteps === 0 || market.steps < opts.maxSteps)) {
    try {
      await market.step(() => stopping);
    } catch (error) {
      if (stopping || error instanceof Interrupted) break;
      throw error;
    }
    await pause(opts.stepMs);
  }
  const finished = !stopping;
  stopping = true;
  for (const w of stopWaiters) w();
  await summaries;
  print(
    `market stopped after ${market.steps} steps, ${s.transactions} transactions${market.failures ? `, ${market.failures} failed action(s)` : ""}`,
  );
  // --max-steps reached (not interrupted): check the indexer against this random run as --once does.
  if (finished)
    return checkAndReport(
      s,
      gql,
      t0,
      "market",
      `== Joule market summary (seed ${opts.seed}, ${market.steps} steps) ==`,
    );
  return 0;
}

let code: number;
try {
  code = await main();
} catch (error) {
  if (stopping) {
    code = 0;
  } else if (error instanceof PortBusyError || error instanceof DatabaseError) {
    printErr(`npm start: ${error.message}`);
    code = 2;
  } else {
    const e = error as Error & { shortMessage?: string };
    printErr(`npm start failed: ${e?.stack ?? String(error)}`);
    code = 1;
  }
}
const shutdownStart = Date.now();
const clean = await shutdown();
if (signals > 0 && clean) print(`stopped cleanly (${elapsed(shutdownStart)})`);
process.exit(code);
