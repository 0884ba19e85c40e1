import { JouleError } from "../errors/base.ts";
import { toJouleError } from "../errors/decode.ts";

/** Prints one line on stderr (never a stack trace, unless JOULE_DEBUG=1) and sets the exit code. */
export function fail(err: unknown, exit = false): void {
  const e = err instanceof JouleError ? err : toJouleError(err);
  const line = e.shortMessage.replace(/\s*\n\s*/g, " ").trim();
  process.stderr.write(`${process.stderr.isTTY ? "\r\x1b[2K" : ""}error: ${line}\n`);
  if (process.env.JOULE_DEBUG === "1") process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = e.code === "INVALID_INPUT" || e.code === "CONFIG" ? 2 : 1;
  if (exit) process.exit();
}
