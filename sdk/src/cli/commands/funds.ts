import type { Command } from "commander";
import { formatUnits } from "viem";
import { claim } from "../../actions/claim.ts";
import { getBalances } from "../../actions/getBalances.ts";
import { withdraw } from "../../actions/withdraw.ts";
import { parseAddress, parseAmount, parseList, parseSmallInt } from "../parse.ts";
import { run } from "../run.ts";

export function registerFundsCommands(program: Command): void {
  program
    .command("withdraw")
    .description("withdraw from your market balance (earnings, refunds, slash compensation)")
    .option("--token <token>", "`payment`, `joule` or an address", "payment")
    .option("--amount <amount>", "in token units (default: everything)")
    .option("--to <address>", "recipient (default: you)")
    .action(async (opts, command: Command) =>
      run(command, async (ctx) => {
        const joule = await ctx.joule({ sign: true });
        const token = await ctx.resolveToken("--token", opts.token);
        const { decimals } = await ctx.token(token);
        const result = await withdraw(joule, {
          token,
          amount: opts.amount === undefined ? undefined : parseAmount("--amount", opts.amount, decimals),
          to: opts.to === undefined ? undefined : parseAddress("--to", opts.to),
        });
        return {
          json: { token, amount: result.amount, remaining: result.remaining, hash: result.hash },
          text: [
            `Withdrew ${await ctx.formatToken(token, result.amount)} (left in the market: ${await ctx.formatToken(token, result.remaining)})`,
            `  tx ${result.hash}`,
          ],
        };
      }),
    );

  program
    .command("claim")
    .description("collect all market balances and claimable JOULE rewards in one transaction")
    .option("--tokens <tokens>", "comma-separated tokens (`payment`, `joule`, addresses); default both where non-zero")
    .option("--epochs <epochs>", "comma-separated reward epochs (default: every claimable one)")
    .option("--no-rewards", "do not claim rewards")
    .option("--to <address>", "recipient (default: you)")
    .action(async (opts, command: Command) =>
      run(command, async (ctx) => {
        const joule = await ctx.joule({ sign: true });
        const tokens = opts.tokens
          ? await Promise.all(parseList(opts.tokens).map((t) => ctx.resolveToken("--tokens", t)))
          : undefined;
        const epochs =
          opts.rewards === false
            ? []
            : opts.epochs
              ? parseList(opts.epochs).map((e) => parseSmallInt("--epochs", e, { max: 2 ** 32 - 1 }))
              : undefined;
        const result = await claim(joule, {
          tokens,
          epochs,
          to: opts.to === undefined ? undefined : parseAddress("--to", opts.to),
        });
        const lines = await Promise.all(
          result.withdrawn.map(async (w) => `Withdrew ${await ctx.formatToken(w.token, w.amount)}`),
        );
        if (result.epochs.length)
          lines.push(`Claimed ${formatUnits(result.rewards, 18)} JOULE for epoch(s) ${result.epochs.join(", ")}`);
        if (!lines.length) lines.push("Nothing was due");
        lines.push(`  tx ${result.hash}`);
        return {
          json: { withdrawn: result.withdrawn, rewards: result.rewards, epochs: result.epochs, hash: result.hash },
          text: lines,
        };
      }),
    );

  program
    .command("balances")
    .description("show market (withdrawable) and wallet balances")
    .argument("[account]", "default: your address")
    .action(async (account: string | undefined, _opts, command: Command) =>
      run(command, async (ctx) => {
        const joule = await ctx.joule({ sign: account === undefined });
        const result = await getBalances(joule, {
          account: account === undefined ? undefined : parseAddress("[account]", account),
        });
        return {
          json: result,
          text: [
            `Balances of ${result.account}`,
            ...result.balances.map(
              (b) =>
                `  ${b.symbol.padEnd(8)} market ${formatUnits(b.market, b.decimals).padEnd(24)} wallet ${formatUnits(b.wallet, b.decimals)}`,
            ),
          ],
        };
      }),
    );
}
