import { access } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { createWalletClient, defineChain } from "viem";
import { getChainId } from "viem/actions";
import { deployProtocol } from "../../actions/deployProtocol.ts";
import { toJouleError } from "../../errors/decode.ts";
import { InvalidInputError } from "../../errors/errors.ts";
import { writeDeployment } from "../../deployment.ts";
import { parseAddress, parseDuration, parseList, parseSmallInt } from "../parse.ts";
import { collect, run } from "../run.ts";

export function registerDeployCommand(program: Command): void {
  program
    .command("deploy")
    .description("deploy the protocol (token, registry, emitter, market, verifier), wire it and write the manifest")
    .option("--verifiers <addresses>", "comma-separated quorum members (default: the deployer alone, for local use)")
    .option("--threshold <m>", "signatures needed (default: a majority)")
    .option("--mock-token", "also deploy a mintable MockERC20 (mUSD, 6 decimals) as payment token")
    .option("--payment-token <address>", "allowlist an existing payment token (repeatable)", collect, [] as string[])
    .option("--treasury <address>", "fee and slash recipient (default: the deployer)")
    .option("--owner <address>", "start a two-step ownership transfer to this governance address")
    .option("--fee-bps <bps>", "protocol fee in basis points (default 250)")
    .option("--verification-window <duration>", "time verifiers have per proof (default 1d)")
    .option("--unbonding-delay <duration>", "stake unbonding delay (default 7d)")
    .option("--epoch-length <duration>", "reward epoch length (default 1d)")
    .option("--out <file>", "where to write the manifest (default: --manifest)")
    .option("--force", "overwrite an existing manifest")
    .action(async (opts, command: Command) =>
      run(command, async (ctx) => {
        const out = resolve(opts.out ?? ctx.manifestPath);
        if (
          !opts.force &&
          (await access(out).then(
            () => true,
            () => false,
          ))
        ) {
          throw new InvalidInputError("--out", `${out} exists; pass --force to overwrite it`);
        }
        const account = await ctx.account();
        const chainId = await getChainId(ctx.publicClient()).catch((err: unknown) => {
          throw toJouleError(err);
        });
        const chain = defineChain({
          id: chainId,
          name: `chain ${chainId}`,
          nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
          rpcUrls: { default: { http: [ctx.rpcUrl] } },
        });
        const walletClient = createWalletClient({ account, chain, transport: ctx.transport() });
        const verifiers = opts.verifiers
          ? parseList(opts.verifiers).map((v) => parseAddress("--verifiers", v))
          : [account.address];
        const result = await deployProtocol(walletClient, {
          verifiers,
          threshold:
            opts.threshold === undefined
              ? undefined
              : parseSmallInt("--threshold", opts.threshold, { min: 1, max: verifiers.length }),
          treasury: opts.treasury === undefined ? undefined : parseAddress("--treasury", opts.treasury),
          owner: opts.owner === undefined ? undefined : parseAddress("--owner", opts.owner),
          feeBps: opts.feeBps === undefined ? undefined : parseSmallInt("--fee-bps", opts.feeBps, { max: 1000 }),
          verificationWindow:
            opts.verificationWindow === undefined
              ? undefined
              : parseDuration("--verification-window", opts.verificationWindow),
          unbondingDelay:
            opts.unbondingDelay === undefined ? undefined : parseDuration("--unbonding-delay", opts.unbondingDelay),
          rewards:
            opts.epochLength === undefined
              ? undefined
              : { epochLength: parseDuration("--epoch-length", opts.epochLength) },
          paymentTokens: (opts.paymentToken as string[]).map((t) => parseAddress("--payment-token", t)),
          mockPaymentToken: opts.mockToken === true,
          publicClient: ctx.publicClient(chain),
          onProgress: (e) => ctx.progress.update(e.message),
        });
        await writeDeployment(out, result.deployment);
        const a = result.deployment.addresses;
        return {
          json: {
            ...result.deployment,
            manifest: out,
            transactions: result.transactions,
            pendingOwner: result.pendingOwner ?? null,
          },
          text: [
            `Deployed Joule on chain ${result.deployment.chainId} (from block ${result.deployment.startBlock})`,
            `  JouleToken        ${a.jouleToken}`,
            `  ProviderRegistry  ${a.providerRegistry}`,
            `  RewardEmitter     ${a.rewardEmitter}`,
            `  JobMarket         ${a.jobMarket}`,
            `  QuorumVerifier    ${a.quorumVerifier} (${verifiers.length} member${verifiers.length === 1 ? "" : "s"})`,
            ...(a.paymentToken ? [`  Payment token     ${a.paymentToken}`] : []),
            ...(result.pendingOwner
              ? [`Ownership transfer started: ${result.pendingOwner} must call acceptOwnership()`]
              : []),
            `Manifest written to ${out}`,
          ],
        };
      }),
    );
}
