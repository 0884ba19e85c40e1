import type { Command } from "commander";
import type { Hex } from "viem";
import { getJobParams } from "../../actions/getJobParams.ts";
import { settle } from "../../actions/settle.ts";
import { signAttestation } from "../../actions/signAttestation.ts";
import { submitProof } from "../../actions/submitProof.ts";
import { InvalidInputError } from "../../errors/errors.ts";
import type { WorkAttestation } from "../../types.ts";
import { toJson } from "../../utils/json.ts";
import type { VerifierSignature } from "../../utils/signatures.ts";
import { parseAddress, parseBytes32, parseInteger, parseSmallInt } from "../parse.ts";
import { iso, readJsonInput, run, writeJsonOutput } from "../run.ts";

const jobIdOf = (value: string) => parseInteger("jobId", value, { min: 1n });

export function registerVerifyCommands(program: Command): void {
  program
    .command("prove")
    .description("submit the work proof of the next milestone (assigned provider)")
    .argument("<jobId>")
    .requiredOption("--result-root <hex>", "Merkle root of the milestone's checkpoint/output hashes")
    .requiredOption("--units <n>", "work units (GPU-seconds) done in this milestone")
    .requiredOption("--energy-wh <n>", "energy used, watt-hours")
    .option("--milestone <n>", "milestone index (default: the next one due)")
    .action(async (id: string, opts, command: Command) =>
      run(command, async (ctx) => {
        const joule = await ctx.joule({ sign: true });
        const jobId = jobIdOf(id);
        const result = await submitProof(joule, {
          jobId,
          resultRoot: parseBytes32("--result-root", opts.resultRoot),
          units: parseInteger("--units", opts.units, { min: 1n }),
          energyWh: parseInteger("--energy-wh", opts.energyWh),
          milestone:
            opts.milestone === undefined ? undefined : parseSmallInt("--milestone", opts.milestone, { max: 63 }),
        });
        return {
          json: { jobId, milestone: result.milestone, verifyDeadline: result.verifyDeadline, hash: result.hash },
          text: [
            `Proof of job ${jobId} milestone ${result.milestone} submitted; verifiers have until ${iso(result.verifyDeadline)}`,
            `  tx ${result.hash}`,
          ],
        };
      }),
    );

  program
    .command("attest")
    .description("sign a verifier attestation for a job's pending proof (prints or writes it as JSON)")
    .argument("<jobId>")
    .option("--accept", "the work is valid")
    .option("--reject", "the work is invalid (the provider will be slashed)")
    .option("--milestone <n>", "default: the pending proof's")
    .option("--result-root <hex>", "default: the pending proof's")
    .option("--units <n>", "default: the pending proof's")
    .option("--energy-wh <n>", "default: the pending proof's")
    .option("--out <file>", "write the signature to this file")
    .action(async (id: string, opts, command: Command) =>
      run(command, async (ctx) => {
        if (Boolean(opts.accept) === Boolean(opts.reject))
          throw new InvalidInputError("--accept", "give exactly one of --accept and --reject");
        const joule = await ctx.joule({ sign: true });
        const jobId = jobIdOf(id);
        const sig = await signAttestation(joule, {
          jobId,
          accepted: opts.accept === true,
          milestone:
            opts.milestone === undefined ? undefined : parseSmallInt("--milestone", opts.milestone, { max: 63 }),
          resultRoot: opts.resultRoot === undefined ? undefined : parseBytes32("--result-root", opts.resultRoot),
          units: opts.units === undefined ? undefined : parseInteger("--units", opts.units, { min: 1n }),
          energyWh: opts.energyWh === undefined ? undefined : parseInteger("--energy-wh", opts.energyWh),
        });
        if (opts.out) await writeJsonOutput(opts.out, toJson(sig, 2));
        const a = sig.attestation;
        return {
          json: sig,
          text: opts.out
            ? `${a.accepted ? "Accepted" : "Rejected"} job ${jobId} milestone ${a.milestone} (${a.units} units) as ${sig.signer}: written to ${opts.out}`
            : toJson(sig, 2),
        };
      }),
    );

  program
    .command("settle")
    .description("settle a pending milestone with a quorum of attestation signatures (files from `joule attest`)")
    .argument("<signatureFiles...>")
    .action(async (files: string[], _opts, command: Command) =>
      run(command, async (ctx) => {
        const joule = await ctx.joule({ sign: true });
        const signatures = await Promise.all(files.map(async (f) => parseSignature(f, await readJsonInput(f, f))));
        const attestation = signatures[0]!.attestation!;
        const result = await settle(joule, { attestation, signatures });
        const { params } = await getJobParams(joule, { jobId: attestation.jobId });
        const lines: string[] = [];
        if (result.settled) {
          const s = result.settled;
          lines.push(
            `Settled job ${s.jobId} milestone ${s.milestone}: paid ${await ctx.formatToken(params.request.token, s.payment)} (fee ${await ctx.formatToken(params.request.token, s.fee)}) for ${s.units} units`,
          );
        }
        if (result.closed) {
          const c = result.closed;
          lines.push(
            `Job ${c.jobId} is ${c.status} (${c.reason}); refunded ${await ctx.formatToken(params.request.token, c.refunded)}`,
          );
          if (c.slashed) lines.push(`  provider slashed ${c.slashed} JOULE wei`);
        }
        lines.push(`  tx ${result.hash}`);
        return {
          json: { settled: result.settled ?? null, closed: result.closed ?? null, hash: result.hash },
          text: lines,
        };
      }),
    );
}

function parseSignature(file: string, value: unknown): VerifierSignature {
  const v = value as { attestation?: Record<string, unknown>; signer?: unknown; signature?: unknown } | null;
  if (
    !v ||
    typeof v !== "object" ||
    !v.attestation ||
    typeof v.signer !== "string" ||
    typeof v.signature !== "string"
  ) {
    throw new InvalidInputError(file, "expected { attestation, signer, signature } as written by `joule attest`");
  }
  const a = v.attestation;
  const int = (k: string) => parseInteger(`${file}: attestation.${k}`, String(a[k] ?? ""));
  if (typeof a.accepted !== "boolean")
    throw new InvalidInputError(`${file}: attestation.accepted`, "must be true or false");
  const attestation: WorkAttestation = {
    jobId: int("jobId"),
    milestone: Number(int("milestone")),
    resultRoot: parseBytes32(`${file}: attestation.resultRoot`, String(a.resultRoot ?? "")),
    units: int("units"),
    energyWh: int("energyWh"),
    accepted: a.accepted,
  };
  return { attestation, signer: parseAddress(`${file}: signer`, v.signer), signature: v.signature as Hex };
}
