// The indexer as an operator runs it: the sync process (`npm run indexer:sync` → indexer/sync/main.ts) and the
// GraphQL API (`npm run api` → indexer/api/main.ts), each its own child process and event loop. They are started
// with the running Node directly (the module the npm script runs, without the npm wrapper in between).
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { repoRoot } from "../../scripts/start/chain.ts";

export type Service = {
  name: string;
  pid: number | undefined;
  /** Last lines it printed (for error messages). */
  tail: () => string;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop: () => Promise<void>;
  exited: Promise<number | null>;
};

export function startService(name: string, script: string, env: Record<string, string>): Service {
  const child: ChildProcess = spawn(process.execPath, [fileURLToPath(new URL(script, `file://${repoRoot}`))], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      if (!line.trim()) continue;
      lines.push(line);
      if (lines.length > 30) lines.shift();
    }
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  return {
    name,
    pid: child.pid,
    tail: () => lines.join("\n"),
    exited,
    stop: async () => {
      process.removeListener("exit", killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export type GraphqlAnswer<T> = { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };

/** One GraphQL query over HTTP (keep-alive fetch). */
export async function graphql<T>(url: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphqlAnswer<T>;
  return { status: response.status, body };
}

/** Waits until `check` resolves true, polling every `everyMs`; throws after `timeoutMs` with `what`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; everyMs: number; failure?: () => string | undefined },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const reason = options.failure?.();
    if (reason) throw new Error(`${what}: ${reason}`);
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, options.everyMs));
  }
}
