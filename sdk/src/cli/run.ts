import { readFile, writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { ConfigError, InvalidInputError } from "../errors/errors.ts";
import { createContext, type Context, type Output } from "./context.ts";

/** Runs a command body with its context and prints what it returns. */
export async function run(command: Command, body: (ctx: Context) => Promise<Output>): Promise<void> {
  const ctx = createContext(command.optsWithGlobals());
  try {
    const output = await body(ctx);
    ctx.print(output);
  } catch (err) {
    ctx.progress.fail();
    throw err;
  }
}

/** Reads JSON from a file, or from stdin when `path` is `-`. */
export async function readJsonInput(flag: string, path: string): Promise<unknown> {
  let text: string;
  try {
    text = path === "-" ? await readStdin() : await readFile(path, "utf8");
  } catch (err) {
    throw new ConfigError(flag, `cannot read ${path}`, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidInputError(flag, `${path === "-" ? "stdin" : path} is not valid JSON`);
  }
}

export async function writeJsonOutput(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text.endsWith("\n") ? text : `${text}\n`);
  } catch (err) {
    throw new ConfigError("--out", `cannot write ${path}`, { cause: err });
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export const iso = (ts: number | bigint) => (Number(ts) > 0 ? new Date(Number(ts) * 1000).toISOString() : "—");
