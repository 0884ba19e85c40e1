// `npm start` options: command-line flags first, then environment variables, then defaults that work locally.
// Every bad value stops the program before anything starts, with a message naming the flag or variable.

export type StartOptions = {
  /** Run the fixed scenario, check the indexer against it, exit. */
  once: boolean;
  rpcPort: number;
  apiPort: number;
  /** Seconds between running summaries (continuous mode). */
  summaryEvery: number;
  /** Milliseconds between market steps (continuous mode). */
  stepMs: number;
  /** Seed of the continuous market's random choices. */
  seed: number;
  /** Empty the DATABASE_URL database first when it holds data from an earlier run. */
  resetDb: boolean;
  /** Where the deployment manifest is written. */
  manifest: string;
  /** Print the sync engine's and the API's info logs too. */
  verbose: boolean;
  /** Stop the continuous market after this many steps and run the --once checks (0 = run until Ctrl-C). */
  maxSteps: number;
};

export class UsageError extends Error {
  override name = "UsageError";
}

export const USAGE = `Usage: npm start [-- options]

Starts a local Hardhat chain, deploys Joule, runs the indexer (sync + GraphQL API) and a simulated market.

Options (environment variable in brackets):
  --once               run the fixed scenario to the end, check the indexer against it, exit
  --rpc-port <n>       JSON-RPC port of the local chain [RPC_PORT] (default 8545)
  --api-port <n>       GraphQL API port [API_PORT] (default 4000)
  --summary-every <s>  seconds between running summaries [SUMMARY_EVERY] (default 5)
  --step-ms <ms>       pause between market steps [STEP_MS] (default 400)
  --seed <n>           seed of the simulated market [SEED] (default 1)
  --max-steps <n>      stop the market after n steps and check the indexer against it as --once does;
                       0 = run until Ctrl-C [MAX_STEPS] (default 0)
  --manifest <path>    deployment manifest to write [DEPLOYMENT] (default deployments/localhost.json)
  --reset-db           empty the DATABASE_URL database if it holds an earlier run's data
  --verbose            also print the indexer's info logs
  -h, --help           this text

DATABASE_URL: PostgreSQL to index into (migrated on start). Unset: an embedded PostgreSQL is started in a
temporary directory and removed on exit.`;

type Env = Record<string, string | undefined>;

function integer(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim()))
    throw new UsageError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  const n = Number(raw.trim());
  if (n < min || n > max) throw new UsageError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** Parses argv (without node and the script) and the environment. Returns undefined for --help. */
export function parseOptions(argv: readonly string[], env: Env = process.env): StartOptions | undefined {
  const flags = new Map<string, string | true>();
  const valued = new Set([
    "--rpc-port",
    "--api-port",
    "--summary-every",
    "--step-ms",
    "--seed",
    "--max-steps",
    "--manifest",
  ]);
  const booleans = new Set(["--once", "--reset-db", "--verbose"]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h" || arg === "--help") return undefined;
    const [name, inline] = arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    if (booleans.has(name)) {
      if (inline !== undefined) throw new UsageError(`${name} takes no value`);
      flags.set(name, true);
    } else if (valued.has(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`${name} needs a value`);
      flags.set(name, value);
    } else {
      throw new UsageError(`unknown option ${arg} (see --help)`);
    }
  }
  const pick = (flag: string, variable: string): [string, string] | undefined => {
    const f = flags.get(flag);
    if (typeof f === "string") return [flag, f];
    const e = env[variable];
    if (e !== undefined && e.trim() !== "") return [variable, e];
    return undefined;
  };
  const num = (flag: string, variable: string, fallback: number, min: number, max: number) => {
    const v = pick(flag, variable);
    return v ? integer(v[0], v[1], min, max) : fallback;
  };
  const options: StartOptions = {
    once: flags.has("--once"),
    rpcPort: num("--rpc-port", "RPC_PORT", 8545, 1, 65_535),
    apiPort: num("--api-port", "API_PORT", 4000, 1, 65_535),
    summaryEvery: num("--summary-every", "SUMMARY_EVERY", 5, 1, 3600),
    stepMs: num("--step-ms", "STEP_MS", 400, 0, 60_000),
    seed: num("--seed", "SEED", 1, 0, 2 ** 31 - 1),
    maxSteps: num("--max-steps", "MAX_STEPS", 0, 0, 10_000_000),
    manifest: pick("--manifest", "DEPLOYMENT")?.[1] ?? "deployments/localhost.json",
    resetDb: flags.has("--reset-db"),
    verbose: flags.has("--verbose"),
  };
  if (options.rpcPort === options.apiPort) {
    throw new UsageError(`the RPC port and the API port must differ (both ${options.rpcPort})`);
  }
  return options;
}
