import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { formatUnits, type Hex, keccak256, stringToHex, toHex } from "viem";
import { acceptBid } from "../../actions/acceptBid.ts";
import { award } from "../../actions/award.ts";
import { cancelJob } from "../../actions/cancelJob.ts";
import { createJob } from "../../actions/createJob.ts";
import { expire } from "../../actions/expire.ts";
import { getJob } from "../../actions/getJob.ts";
import { listJobs } from "../../actions/listJobs.ts";
import { ConfigError, InvalidInputError } from "../../errors/errors.ts";
import { type Bid, JOB_STATUSES, type JobStatusName } from "../../types.ts";
import { chainTime } from "../../utils/tx.ts";
import type { Context } from "../context.ts";
import {
  parseAddress,
  parseAmount,
  parseBytes32,
  parseDuration,
  parseInteger,
  parseList,
  parseSmallInt,
  parseTime,
} from "../parse.ts";
import { iso, readJsonInput, run } from "../run.ts";

const jobIdOf = (value: string) => parseInteger("jobId", value, { min: 1n });

export function registerJobCommands(program: Command): void {
  const job = program.command("job").description("create, inspect and move jobs (tenants and keepers)");

  job
    .command("create")
    .description("create and fund a job (approves the payment token, or signs a permit with --permit)")
    .requiredOption("--max-units <n>", "work units (GPU-seconds) paid for at most")
    .requiredOption("--max-price <amount>", "highest price per unit, in payment-token units (e.g. 0.001)")
    .option("--token <token>", "payment token: an address, or `payment` (the manifest's)", "payment")
    .option("--collateral <amount>", "JOULE the winning provider must lock", "0")
    .option("--bidding <time>", "when bidding ends: a duration from now (1h), a unix time or an ISO date", "1h")
    .option("--delivery-window <duration>", "time from assignment to deliver every milestone", "1d")
    .option("--milestones <n>", "milestones proven and settled in order (1..64)", "1")
    .option("--spec-hash <hex>", "content hash of the workload spec")
    .option("--spec-file <path>", "hash this file as the workload spec")
    .option("--spec <text>", "hash this text as the workload spec")
    .option("--min-gpu-class <n>", "minimum GPU class")
    .option("--min-gpu-count <n>", "minimum GPU count")
    .option("--min-vram <gb>", "minimum VRAM per GPU, GB")
    .option("--max-carbon <g>", "maximum declared carbon intensity, gCO2e/kWh")
    .option("--for <tenant>", "create the job for another tenant, paid by you (sponsor)")
    .option("--permit", "fund with an EIP-2612 permit instead of an approval")
    .action(async (opts, command: Command) =>
      run(command, async (ctx) => {
        const joule = await ctx.joule({ sign: true });
        const token = await ctx.resolveToken("--token", opts.token);
        const { decimals, symbol } = await ctx.token(token);
        const specHash = await specHashOf(opts);
        const now = await chainTime(joule);
        const requirements = {
          ...(opts.minGpuClass !== undefined && {
            minGpuClass: parseSmallInt("--min-gpu-class", opts.minGpuClass, { max: 65535 }),
          }),
          ...(opts.minGpuCount !== undefined && {
            minGpuCount: parseSmallInt("--min-gpu-count", opts.minGpuCount, { max: 65535 }),
          }),
          ...(opts.minVram !== undefined && {
            minVramGb: parseSmallInt("--min-vram", opts.minVram, { max: 2 ** 32 - 1 }),
          }),
          ...(opts.maxCarbon !== undefined && {
            maxCarbonIntensity: parseSmallInt("--max-carbon", opts.maxCarbon, { max: 2 ** 32 - 1 }),
          }),
        };
        const maxPricePerUnit = parseAmount("--max-price", opts.maxPrice, decimals);
        if (maxPricePerUnit === 0n) throw new InvalidInputError("--max-price", "must be positive");
        const maxUnits = parseInteger("--max-units", opts.maxUnits, { min: 1n });
        const result = await createJob(joule, {
          token,
          specHash,
          maxUnits,
          maxPricePerUnit,
          collateral: parseAmount("--collateral", opts.collateral, 18),
          biddingEnd: parseTime("--bidding", opts.bidding, now),
          deliveryWindow: parseDuration("--delivery-window", opts.deliveryWindow),
          milestones: parseSmallInt("--milestones", opts.milestones, { min: 1, max: 64 }),
          requirements,
          tenant: opts.for === undefined ? undefined : parseAddress("--for", opts.for),
          funding: opts.permit ? "permit" : "approve",
        });
        return {
          json: {
            jobId: result.jobId,
            funded: result.funded,
            hash: result.hash,
            approvalHash: result.approvalHash ?? null,
            params: result.params,
          },
          text: [
            `Created job ${result.jobId}: ${maxUnits} units at up to ${formatUnits(maxPricePerUnit, decimals)} ${symbol}/unit`,
            `  escrow     ${formatUnits(result.funded, decimals)} ${symbol}`,
            `  bidding    until ${iso(result.params.request.biddingEnd)}`,
            `  tx         ${result.hash}`,
          ],
        };
      }),
    );

  job
    .command("show")
    .description("show a job's terms, state and progress")
    .argument("<jobId>")
    .action(async (id: string, _opts, command: Command) =>
      run(command, async (ctx) => {
        const joule = await ctx.joule();
        const j = await getJob(joule, { jobId: jobIdOf(id), includeParams: true });
        const p = j.params!;
        const r = p.request;
        const money = (v: bigint) => ctx.formatToken(r.token, v);
        const lines = [
          `Job ${j.jobId} — ${j.status}`,
          `  tenant          ${p.tenant}${p.payer !== p.tenant ? ` (paid by ${p.payer})` : ""}`,
          `  spec            ${r.specHash}`,
          `  max units       ${r.maxUnits} at up to ${await money(r.maxPricePerUnit)}/unit`,
          `  escrow          ${await money(j.escrow ?? 0n)}`,
          `  collateral      ${formatUnits(r.collateral, 18)} JOULE`,
          `  milestones      ${j.progress.settledMilestones}/${r.milestones} settled, ${j.progress.unitsSettled} units`,
          `  bidding ends    ${iso(r.biddingEnd)}`,
          `  delivery window ${r.deliveryWindow}s${j.progress.deliveryDeadline ? `, deadline ${iso(j.progress.deliveryDeadline)}` : ""}`,
        ];
        if (j.provider) {
          const label = j.status === "Open" ? "best bid" : "provider";
          lines.push(`  ${label.padEnd(15)} ${j.provider} at ${await money(j.pricePerUnit)}/unit`);
        }
        if (j.progress.verifyDeadline) {
          lines.push(
            `  pending proof   ${j.progress.pendingUnits} units, ${j.progress.pendingEnergyWh} Wh; verify by ${iso(j.progress.verifyDeadline)}`,
          );
        }
        return { json: j, text: lines };
      }),
    );

  job
    .command("list")
    .description("list jobs from the chain, newest first")
    .option("--status <statuses>", `comma-separated: ${JOB_STATUSES.slice(1).join(", ")}`)
    .option("--tenant <address>", "only this tenant's jobs")
    .option("--limit <n>", "at most this many", "20")
    .action(async (opts, command: Command) =>
      run(command, async (ctx) => {
        const joule = await ctx.joule();
        const status = opts.status
          ? parseList(opts.status).map((s) => {
              const match = JOB_STATUSES.find((k) => k.toLowerCase() === s.toLowerCase());
              if (!match)
                throw new InvalidInputError(
                  "--status",
                  `unknown status "${s}" (one of ${JOB_STATUSES.slice(1).join(", ")})`,
                );
              return match as JobStatusName;
            })
          : undefined;
        const jobs = await listJobs(joule, {
          status,
          tenant: opts.tenant === undefined ? undefined : parseAddress("--tenant", opts.tenant),
          limit: parseSmallInt("--limit", opts.limit, { min: 1, max: 10_000 }),
        });
        const text = jobs.length
          ? await Promise.all(
              jobs.map(
                async (j) =>
                  `${String(j.jobId).padStart(6)}  ${j.status.padEnd(9)}  ${j.params.request.maxUnits} units  ≤ ${await ctx.formatToken(j.params.request.token, j.params.request.maxPricePerUnit)}/unit  tenant ${j.tenant}`,
              ),
            )
          : ["no jobs"];
        return { json: jobs, text };
      }),
    );

  for (const [name, description, fn] of [
    ["cancel", "cancel an open job (tenant) and refund its escrow", cancelJob],
    ["expire", "close a job past a missed deadline (anyone)", expire],
  ] as const) {
    job
      .command(name)
      .description(description)
      .argument("<jobId>")
      .action(async (id: string, _opts, command: Command) =>
        run(command, async (ctx) => {
          const joule = await ctx.joule({ sign: true });
          const { closed, hash } = await fn(joule, { jobId: jobIdOf(id) });
          const token = (await getJob(joule, { jobId: closed.jobId, includeParams: true })).params!.request.token;
          return {
            json: { ...closed, hash },
            text: [
              `Job ${closed.jobId} is ${closed.status} (${closed.reason})`,
              `  refunded   ${await ctx.formatToken(token, closed.refunded)} to the payer`,
              ...(closed.slashed
                ? [
                    `  slashed    ${formatUnits(closed.slashed, 18)} JOULE (payer compensated ${formatUnits(closed.compensation, 18)})`,
                  ]
                : []),
              `  tx         ${hash}`,
            ],
          };
        }),
      );
  }

  job
    .command("award")
    .description("assign a job to its best on-chain bid once bidding has ended (anyone)")
    .argument("<jobId>")
    .action(async (id: string, _opts, command: Command) =>
      run(command, async (ctx) => {
        const joule = await ctx.joule({ sign: true });
        const { assigned, hash } = await award(joule, { jobId: jobIdOf(id) });
        return assignedOutput(ctx, assigned, hash, joule);
      }),
    );

  job
    .command("accept")
    .description("accept a provider's signed bid (tenant); <file> is the output of `joule bid sign`, - for stdin")
    .argument("<file>")
    .action(async (file: string, _opts, command: Command) =>
      run(command, async (ctx) => {
        const joule = await ctx.joule({ sign: true });
        const { bid, signature } = parseSignedBid(await readJsonInput("<file>", file));
        const { assigned, hash } = await acceptBid(joule, { bid, signature });
        return assignedOutput(ctx, assigned, hash, joule);
      }),
    );
}

async function assignedOutput(
  ctx: Context,
  assigned: {
    jobId: bigint;
    provider: string;
    pricePerUnit: bigint;
    escrow: bigint;
    refunded: bigint;
    deliveryDeadline: number;
  },
  hash: Hex,
  joule: Awaited<ReturnType<Context["joule"]>>,
) {
  const token = (await getJob(joule, { jobId: assigned.jobId, includeParams: true })).params!.request.token;
  return {
    json: { ...assigned, hash },
    text: [
      `Job ${assigned.jobId} assigned to ${assigned.provider} at ${await ctx.formatToken(token, assigned.pricePerUnit)}/unit`,
      `  escrow     ${await ctx.formatToken(token, assigned.escrow)} (refunded ${await ctx.formatToken(token, assigned.refunded)} to the payer)`,
      `  deliver by ${iso(assigned.deliveryDeadline)}`,
      `  tx         ${hash}`,
    ],
  };
}

/** Accepts `{ bid, signature }` as written by `joule bid sign` (numbers as strings). */
export function parseSignedBid(value: unknown): { bid: Bid; signature: Hex } {
  const v = value as { bid?: Record<string, unknown>; signature?: unknown } | null;
  if (!v || typeof v !== "object" || !v.bid || typeof v.signature !== "string") {
    throw new InvalidInputError("<file>", "expected { bid: {...}, signature } as printed by `joule bid sign`");
  }
  const b = v.bid;
  const int = (k: string) => parseInteger(`bid.${k}`, String(b[k] ?? ""));
  return {
    bid: {
      jobId: int("jobId"),
      provider: parseAddress("bid.provider", String(b.provider ?? "")),
      pricePerUnit: int("pricePerUnit"),
      expiry: Number(int("expiry")),
      nonce: int("nonce"),
    },
    signature: v.signature as Hex,
  };
}

async function specHashOf(opts: { specHash?: string; specFile?: string; spec?: string }): Promise<Hex> {
  const given = [opts.specHash, opts.specFile, opts.spec].filter((x) => x !== undefined).length;
  if (given > 1) throw new InvalidInputError("--spec-hash", "give only one of --spec-hash, --spec-file and --spec");
  if (opts.specHash !== undefined) return parseBytes32("--spec-hash", opts.specHash);
  if (opts.specFile !== undefined) {
    try {
      return keccak256(toHex(await readFile(opts.specFile)));
    } catch (err) {
      throw new ConfigError("--spec-file", `cannot read ${opts.specFile}`, { cause: err });
    }
  }
  if (opts.spec !== undefined) return keccak256(stringToHex(opts.spec));
  throw new InvalidInputError("--spec-hash", "the workload spec is required: give --spec-hash, --spec-file or --spec");
}
