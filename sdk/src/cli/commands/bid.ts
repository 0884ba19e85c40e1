import type { Command } from "commander";
import { getJobParams } from "../../actions/getJobParams.ts";
import { placeBid } from "../../actions/placeBid.ts";
import { signBid } from "../../actions/signBid.ts";
import { InvalidInputError } from "../../errors/errors.ts";
import { toJson } from "../../utils/json.ts";
import { chainTime } from "../../utils/tx.ts";
import { parseAmount, parseInteger, parseTime } from "../parse.ts";
import { iso, run, writeJsonOutput } from "../run.ts";

const jobIdOf = (value: string) => parseInteger("jobId", value, { min: 1n });

export function registerBidCommands(program: Command): void {
  const bid = program.command("bid").description("bid on jobs (providers)");

  bid
    .command("place")
    .description("place an on-chain bid; it must beat the best one (your collateral is locked while you lead)")
    .argument("<jobId>")
    .requiredOption("--price <amount>", "price per unit, in the job's payment-token units (e.g. 0.0008)")
    .action(async (id: string, opts, command: Command) =>
      run(command, async (ctx) => {
        const joule = await ctx.joule({ sign: true });
        const jobId = jobIdOf(id);
        const { params } = await getJobParams(joule, { jobId });
        const { decimals } = await ctx.token(params.request.token);
        const pricePerUnit = parseAmount("--price", opts.price, decimals);
        if (pricePerUnit === 0n) throw new InvalidInputError("--price", "must be positive");
        const result = await placeBid(joule, { jobId, pricePerUnit, params });
        const price = await ctx.formatToken(params.request.token, pricePerUnit);
        return {
          json: { jobId, pricePerUnit, replaced: result.replaced ?? null, hash: result.hash },
          text: [
            `Best bid on job ${jobId}: ${price}/unit${result.replaced ? ` (outbid ${result.replaced})` : ""}`,
            `  bidding ends ${iso(params.request.biddingEnd)}; then anyone can run \`joule job award ${jobId}\``,
            `  tx           ${result.hash}`,
          ],
        };
      }),
    );

  bid
    .command("sign")
    .description("sign an off-chain bid for the tenant to accept (prints or writes the signed bid as JSON)")
    .argument("<jobId>")
    .requiredOption("--price <amount>", "price per unit, in the job's payment-token units")
    .option("--expiry <time>", "until when the offer stands: a duration (15m), unix time or ISO date", "15m")
    .option("--nonce <n>", "bid nonce (default: random)")
    .option("--out <file>", "write the signed bid to this file")
    .action(async (id: string, opts, command: Command) =>
      run(command, async (ctx) => {
        const joule = await ctx.joule({ sign: true });
        const jobId = jobIdOf(id);
        const { params } = await getJobParams(joule, { jobId });
        const { decimals } = await ctx.token(params.request.token);
        const pricePerUnit = parseAmount("--price", opts.price, decimals);
        const expiry = parseTime("--expiry", opts.expiry, await chainTime(joule));
        const signed = await signBid(joule, {
          jobId,
          pricePerUnit,
          expiry,
          nonce: opts.nonce === undefined ? undefined : parseInteger("--nonce", opts.nonce),
          params,
        });
        if (opts.out) await writeJsonOutput(opts.out, toJson(signed, 2));
        return {
          json: signed,
          text: opts.out
            ? `Signed bid on job ${jobId} at ${await ctx.formatToken(params.request.token, pricePerUnit)}/unit, valid until ${iso(expiry)}: written to ${opts.out}`
            : toJson(signed, 2),
        };
      }),
    );
}
