#!/usr/bin/env node
// `joule` — command-line interface to the Joule protocol for tenants, providers, verifiers and keepers.
// Output goes to stdout (`--json` for scripts), progress to stderr; a failure prints one line and exits non-zero
// (2 for bad input or configuration, 1 for everything else).
import { Command, CommanderError, Option } from "commander";
import { createRequire } from "node:module";
import { registerCommands } from "./commands.ts";
import { fail } from "./errors.ts";

const require = createRequire(import.meta.url);
const { version } = require("../../package.json") as { version: string };

export function buildProgram(): Command {
  const program = new Command("joule")
    .description("Joule: escrowed GPU jobs, bids, work proofs and rewards — from the command line")
    .version(version)
    .addOption(new Option("--rpc-url <url>", "JSON-RPC endpoint (env JOULE_RPC_URL, default http://127.0.0.1:8545)"))
    .addOption(
      new Option("--manifest <file>", "deployment manifest (env JOULE_MANIFEST, default ./joule.manifest.json)"),
    )
    .addOption(
      new Option(
        "--keystore <file>",
        "encrypted JSON keystore to sign with (password from env JOULE_KEYSTORE_PASSWORD)",
      ),
    )
    .option("--json", "print machine-readable JSON on stdout")
    .option("-q, --quiet", "no progress output on stderr")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (message, write) => write(message.trim().split("\n")[0] + "\n") });
  registerCommands(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed its one-line message (or the help / version).
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    fail(err);
  }
}

// Run only as the entry point (`joule ...`), not when imported (e.g. to reuse `buildProgram`).
if (import.meta.main) {
  process.on("unhandledRejection", (err) => fail(err, true));
  process.on("uncaughtException", (err) => fail(err, true));
  await main(process.argv);
}
