// Test support for programs run as a user runs them: a Node script as a child process with its output captured,
// polling that fails early (with the program's stderr) when it exits, and a kill of whatever is left at teardown.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";

export type Running = {
  /** How failures name it, e.g. "joule indexer". */
  name: string;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Its exit code, once it has exited and its output is read. */
  exited: Promise<number | null>;
};

/** Starts and remembers child processes; `killAll` in `after` leaves none running. */
export class Processes {
  private readonly children: ChildProcess[] = [];

  /** `node <script> <args>` with exactly `env` (nothing inherited but what it lists). */
  start(name: string, script: string, args: string[], options: { env: Record<string, string>; cwd?: string }): Running {
    const child = spawn(process.execPath, [script, ...args], {
      env: options.env,
      ...(options.cwd ? { cwd: options.cwd } : {}),
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.children.push(child);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c: Buffer) => (stdout += c));
    child.stderr!.on("data", (c: Buffer) => (stderr += c));
    // "close", not "exit": its output is complete when the code is known.
    const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
    return { name, child, stdout: () => stdout, stderr: () => stderr, exited };
  }

  killAll(): void {
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  }
}

/** Polls `probe` until it returns a value; fails early (with the program's stderr) if the process exits. */
export async function until<T>(
  what: string,
  run: Running,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (run.child.exitCode !== null)
      assert.fail(`${run.name} exited (${run.child.exitCode}) while waiting for ${what}:\n${run.stderr()}`);
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}:\n${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
