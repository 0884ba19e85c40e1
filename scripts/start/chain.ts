// The local chain: `hardhat node` as a child process, ready once it answers eth_chainId.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { supervise } from "./child.ts";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

export class PortBusyError extends Error {
  override name = "PortBusyError";
}

export type LocalChain = {
  url: string;
  chainId: number;
  pid: number | undefined;
  /** Last lines the node printed (for error messages). */
  tail: () => string;
  /** SIGTERM, then SIGKILL after 5 s. Idempotent. */
  stop: () => Promise<void>;
  /** Resolves if the node exits by itself (crash), with its exit code. */
  exited: Promise<number | null>;
};

/** Resolves true when nothing listens on 127.0.0.1:port. */
export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A free TCP port on 127.0.0.1 chosen by the OS. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** eth_chainId at `url`, or undefined when nothing answers JSON-RPC there. */
export async function rpcChainId(url: string, timeoutMs = 1_000): Promise<number | undefined> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await response.json()) as { result?: string };
    return typeof body.result === "string" ? Number(BigInt(body.result)) : undefined;
  } catch {
    return undefined;
  }
}

/** Throws `PortBusyError` saying what listens on 127.0.0.1:port, if anything does. */
export async function assertRpcPortFree(port: number): Promise<void> {
  if (await portIsFree(port)) return;
  const chainId = await rpcChainId(`http://127.0.0.1:${port}`);
  throw new PortBusyError(
    `port ${port} on 127.0.0.1 is busy` +
      (chainId === undefined
        ? " (something that is not a JSON-RPC node listens there)"
        : ` (a JSON-RPC node of chain ${chainId} already runs there)`) +
      `: stop it, or pick another port with --rpc-port <n> or RPC_PORT=<n>`,
  );
}

/**
 * Starts `hardhat node --hostname 127.0.0.1 --port <port>` and waits until it answers eth_chainId.
 * Refuses a busy port with a message saying what listens there.
 */
export async function startLocalChain(
  port: number,
  options: { timeoutMs?: number; onLine?: (line: string) => void } = {},
): Promise<LocalChain> {
  const url = `http://127.0.0.1:${port}`;
  await assertRpcPortFree(port);
  const hardhatCli = fileURLToPath(new URL("node_modules/hardhat/dist/src/cli.js", `file://${repoRoot}`));
  // The running Node (24) starts Hardhat directly: one child to stop, no npx wrapper in between.
  const child: ChildProcess = spawn(
    process.execPath,
    [hardhatCli, "node", "--hostname", "127.0.0.1", "--port", String(port)],
    {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, FORCE_COLOR: "0" },
    },
  );
  const { tail, stop, exited } = supervise(child, { keepLines: 40, killAfterMs: 5_000, onLine: options.onLine });

  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let earlyExit: number | null | undefined;
  void exited.then((code) => (earlyExit = code));
  for (;;) {
    if (earlyExit !== undefined) {
      throw new Error(`hardhat node exited with code ${earlyExit} before it served JSON-RPC:\n${tail()}`);
    }
    const chainId = await rpcChainId(url, 500);
    if (chainId !== undefined) return { url, chainId, pid: child.pid, tail, stop, exited };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `hardhat node did not answer eth_chainId on ${url} within ${(options.timeoutMs ?? 120_000) / 1000} s:\n${tail()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
