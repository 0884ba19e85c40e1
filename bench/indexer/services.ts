// The indexer as an operator runs it: the sync process (`npm run indexer:sync` → indexer/sync/main.ts) and the
// GraphQL API (`npm run api` → indexer/api/main.ts), each its own child process and event loop. They are started
// with the running Node directly (the module the npm script runs, without the npm wrapper in between).
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { repoRoot } from "../../scripts/start/chain.ts";
import { supervise, type Supervised } from "../../scripts/start/child.ts";

/** SIGTERM, then SIGKILL after 10 s. */
export type Service = Supervised & { name: string };

export function startService(name: string, script: string, env: Record<string, string>): Service {
  const child: ChildProcess = spawn(process.execPath, [fileURLToPath(new URL(script, `file://${repoRoot}`))], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return { name, ...supervise(child, { keepLines: 30, killAfterMs: 10_000 }) };
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
