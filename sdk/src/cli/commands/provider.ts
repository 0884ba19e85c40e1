import type { Command } from "commander";
import { formatUnits } from "viem";
import { getPendingRewards } from "../../actions/getPendingRewards.ts";
import { getProvider } from "../../actions/getProvider.ts";
import { registerProvider } from "../../actions/registerProvider.ts";
import { stake } from "../../actions/stake.ts";
import { unstake } from "../../actions/unstake.ts";
import { withdrawUnbonded } from "../../actions/withdrawUnbonded.ts";
import { parseAddress, parseAmount, parseSmallInt } from "../parse.ts";
import { iso, run } from "../run.ts";

const joule18 = (v: bigint) => `${formatUnits(v, 18)} JOULE`;

export function registerProviderCommands(program: Command): void {
  const provider = program.command("provider").description("register, stake and inspect providers");

  provider
    .command("register")
    .description("register as a provider (or update your profile)")
    .requiredOption("--gpu-class <n>", "GPU class code (higher = more capable)")
    .requiredOption("--gpu-count <n>", "number of GPUs")
    .requiredOption("--vram <gb>", "VRAM per GPU, GB")
    .option("--carbon <g>", "declared grid carbon intensity, gCO2e/kWh", "0")
    .option("--region <name>", "region label (≤ 31 chars)", "")
    .option("--metadata-uri <uri>", "profile document URI", "")
    .action(async (opts, command: Command) =>
      run(command, async (ctx) => {
        const joule = await ctx.joule({ sign: true });
        const result = await registerProvider(joule, {
          gpuClass: parseSmallInt("--gpu-class", opts.gpuClass, { max: 65535 }),
          gpuCount: parseSmallInt("--gpu-count", opts.gpuCount, { min: 1, max: 65535 }),
          vramGb: parseSmallInt("--vram", opts.vram, { min: 1, max: 2 ** 32 - 1 }),
          carbonIntensity: parseSmallInt("--carbon", opts.carbon, { max: 2 ** 32 - 1 }),
          region: opts.region,
          metadataURI: opts.metadataUri,
        });
        const who = joule.wallet!.account.address;
        return {
          json: { provider: who, updated: result.updated, hash: result.hash },
          text: [`${result.updated ? "Updated the profile of" : "Registered"} provider ${who}`, `  tx ${result.hash}`],
        };
      }),
    );

  provider
    .command("stake")
    .description("stake JOULE (approves the registry when needed)")
    .argument("<amount>", "JOULE, e.g. 10000")
    .option("--for <provider>", "stake for another provider")
    .action(async (amount: string, opts, command: Command) =>
      run(command, async (ctx) => {
        const joule = await ctx.joule({ sign: true });
        const result = await stake(joule, {
          amount: parseAmount("<amount>", amount, 18),
          provider: opts.for === undefined ? undefined : parseAddress("--for", opts.for),
        });
        return {
          json: { stake: result.stake, hash: result.hash, approvalHash: result.approvalHash ?? null },
          text: [`Staked ${amount} JOULE; total stake ${joule18(result.stake)}`, `  tx ${result.hash}`],
        };
      }),
    );

  provider
    .command("unstake")
    .description("start unbonding free stake (withdraw it with `provider withdraw-unbonded` after the delay)")
    .argument("<amount>", "JOULE")
    .action(async (amount: string, _opts, command: Command) =>
      run(command, async (ctx) => {
        const joule = await ctx.joule({ sign: true });
        const result = await unstake(joule, { amount: parseAmount("<amount>", amount, 18) });
        return {
          json: { unbonding: result.unbonding, unlockAt: result.unlockAt, hash: result.hash },
          text: [
            `Unbonding ${joule18(result.unbonding)}, withdrawable from ${iso(result.unlockAt)}`,
            `  tx ${result.hash}`,
          ],
        };
      }),
    );

  provider
    .command("withdraw-unbonded")
    .description("withdraw stake whose unbonding delay has passed")
    .option("--to <address>", "recipient (default: you)")
    .action(async (opts, command: Command) =>
      run(command, async (ctx) => {
        const joule = await ctx.joule({ sign: true });
        const result = await withdrawUnbonded(joule, {
          to: opts.to === undefined ? undefined : parseAddress("--to", opts.to),
        });
        return {
          json: { amount: result.amount, stake: result.stake, hash: result.hash },
          text: [`Withdrew ${joule18(result.amount)}; stake left ${joule18(result.stake)}`, `  tx ${result.hash}`],
        };
      }),
    );

  provider
    .command("status")
    .description("show a provider's registration, stake and claimable rewards")
    .argument("[address]", "default: your address")
    .action(async (address: string | undefined, _opts, command: Command) =>
      run(command, async (ctx) => {
        const joule = await ctx.joule({ sign: address === undefined });
        const who = address === undefined ? undefined : parseAddress("[address]", address);
        const p = await getProvider(joule, { provider: who, includeProfile: true });
        const rewards = await getPendingRewards(joule, { provider: p.provider });
        const lines = [`Provider ${p.provider} — ${p.registered ? "registered" : "not registered"}`];
        if (p.registered) {
          const h = p.hardware;
          lines.push(
            `  hardware   ${h.gpuCount} × class ${h.gpuClass}, ${h.vramGb} GB; ${h.carbonIntensity} gCO2e/kWh${p.profile ? `; ${p.profile.region || "no region"}` : ""}`,
            `  stake      ${joule18(p.stake)} (free ${joule18(p.freeStake)}, locked ${joule18(p.locked)})`,
          );
          if (p.unbonding) lines.push(`  unbonding  ${joule18(p.unbonding)}, unlocks ${iso(p.unlockAt)}`);
          lines.push(
            `  rewards    ${joule18(rewards.total)} claimable${rewards.epochs.length ? ` (epochs ${rewards.epochs.map((e) => e.epoch).join(", ")})` : ""}`,
          );
        }
        return { json: { ...p, rewards }, text: lines };
      }),
    );
}
