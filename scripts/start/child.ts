// A child process this one supervises: its last lines kept for error messages, both pipes drained for its whole
// life (so it never blocks on a full pipe), killed if this process exits without stopping it, and stopped with
// SIGTERM, then SIGKILL after a grace period.
import type { ChildProcess } from "node:child_process";

export type Supervised = {
  pid: number | undefined;
  /** Last lines it printed (for error messages). */
  tail: () => string;
  /** SIGTERM, then SIGKILL after `killAfterMs`. Idempotent. */
  stop: () => Promise<void>;
  /** Resolves when it exits, with its exit code. */
  exited: Promise<number | null>;
};

export function supervise(
  child: ChildProcess,
  options: { keepLines: number; killAfterMs: number; onLine?: ((line: string) => void) | undefined },
): Supervised {
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    // Colour escape codes stripped: Hardhat colours its log even without a TTY.
    for (const line of chunk
      .toString()
      .replace(/\x1b\[[0-9;]*m/g, "")
      .split("\n")) {
      if (!line.trim()) continue;
      lines.push(line);
      if (lines.length > options.keepLines) lines.shift();
      options.onLine?.(line);
    }
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  // Last resort if this process dies without stopping the child (an uncaught error): never leave it running.
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  void exited.then(() => process.removeListener("exit", killOnExit));

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), options.killAfterMs);
      await exited;
      clearTimeout(timer);
    })());
  return { pid: child.pid, tail: () => lines.join("\n"), stop, exited };
}
