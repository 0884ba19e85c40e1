import { type Abi, type Address, type Client, getAddress, type Hex, type WalletClient } from "viem";
import { deployContract, getChainId, readContract, simulateContract, writeContract } from "viem/actions";
import { jobMarketAbi, jouleTokenAbi, providerRegistryAbi, quorumVerifierAbi } from "../abi/index.ts";
import {
  jobMarketBytecode,
  jouleTokenBytecode,
  mockErc20Abi,
  mockErc20Bytecode,
  quorumVerifierBytecode,
} from "../abi/bytecode.ts";
import type { ProgressEvent, SigningWalletClient } from "../client.ts";
import { writeDeployment } from "../deployment.ts";
import { toJouleError } from "../errors/decode.ts";
import { InvalidInputError } from "../errors/errors.ts";
import type { Deployment } from "../types.ts";
import { LIMITS } from "../types.ts";
import { waitForReceipt } from "../utils/tx.ts";
import { toAddress, toSmallUint, toUint } from "../utils/validate.ts";

const DAY = 86_400;

export type DeployProtocolParameters = {
  /** Members of the m-of-n verifier quorum (any order; unique; at most 16). Deployed sorted ascending. */
  verifiers: readonly Address[];
  /** Signatures needed; default: a majority (⌊n/2⌋ + 1). */
  threshold?: number | undefined;
  /** Receives fees and the treasury share of slashes; default: the deployer. */
  treasury?: Address | undefined;
  /** Governance. The deployer wires everything, then starts a two-step ownership transfer to `owner`
   * (who must call `acceptOwnership` on each contract). Default: the deployer stays owner. */
  owner?: Address | undefined;
  /** Protocol fee, basis points (≤ 1000). Default 250. */
  feeBps?: number | undefined;
  /** Seconds verifiers have to settle a proof (1 h..7 days). Default 1 day. */
  verificationWindow?: number | undefined;
  /** Share of a slash credited to the payer, basis points (5000..10000). Default 8000. */
  slashPayerShareBps?: number | undefined;
  /** Stake unbonding delay in seconds (1..30 days). Default 7 days. */
  unbondingDelay?: number | undefined;
  token?:
    | {
        /** Hard cap (wei). Default 1e9 JOULE. */
        cap?: bigint | undefined;
        /** Minted at deployment to `genesisHolder` (default the deployer). Default 2e8 JOULE. */
        genesisSupply?: bigint | undefined;
        genesisHolder?: Address | undefined;
      }
    | undefined;
  rewards?:
    | {
        /** Unix time of epoch 0; 0 = the deployment block. */
        genesis?: number | undefined;
        /** Seconds per epoch. Default 1 day. */
        epochLength?: number | undefined;
        /** JOULE emitted in each early epoch. Default 1000 JOULE. */
        initialEmission?: bigint | undefined;
        /** Epochs between halvings. Default 100. */
        halvingInterval?: number | undefined;
      }
    | undefined;
  /** Existing payment tokens to allowlist. */
  paymentTokens?: readonly Address[] | undefined;
  /** Deploy and allowlist a permissionless-mint MockERC20 as payment token (local networks, tests). */
  mockPaymentToken?: boolean | { name?: string; symbol?: string; decimals?: number } | undefined;
  /** When set, the manifest is written there as JSON (Node). */
  manifestPath?: string | undefined;
  /** Client for receipts; defaults to the wallet client. */
  publicClient?: Client | undefined;
  onProgress?: ((event: ProgressEvent) => void) | undefined;
};

export type DeployProtocolReturnType = {
  deployment: Deployment;
  /** Every transaction sent, in order. */
  transactions: Hex[];
  /** Set when ownership transfers were started: that account must accept them. */
  pendingOwner: Address | undefined;
};

/**
 * Deploys the whole protocol — JOULE token, job market (which deploys its provider registry and reward
 * emitter), quorum verifier and optionally a mock payment token — makes the emitter the token's minter,
 * allowlists the verifier and payment tokens, and returns (and optionally writes) the deployment manifest.
 *
 * @example
 * const { deployment } = await deployProtocol(walletClient, {
 *   verifiers: [v1.address, v2.address, v3.address],
 *   threshold: 2,
 *   mockPaymentToken: { name: "Mock USD", symbol: "mUSD", decimals: 6 },
 *   manifestPath: "joule.manifest.json",
 * });
 */
export async function deployProtocol(
  walletClient: WalletClient,
  parameters: DeployProtocolParameters,
): Promise<DeployProtocolReturnType> {
  if (!walletClient.account) throw new InvalidInputError("walletClient", "has no account");
  const wallet = walletClient as SigningWalletClient;
  const reader = parameters.publicClient ?? wallet;
  const deployer = wallet.account.address;

  // ── validate everything before the first transaction ──
  if (!parameters.verifiers?.length) throw new InvalidInputError("verifiers", "at least one verifier is needed");
  const verifiers = parameters.verifiers.map((v, i) => toAddress(`verifiers[${i}]`, v));
  if (new Set(verifiers).size !== verifiers.length) throw new InvalidInputError("verifiers", "contains a duplicate");
  if (verifiers.length > LIMITS.maxVerifiers) {
    throw new InvalidInputError("verifiers", `at most ${LIMITS.maxVerifiers} members (got ${verifiers.length})`);
  }
  // The QuorumVerifier wants its members in ascending address order.
  verifiers.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  const threshold = toSmallUint("threshold", parameters.threshold ?? Math.floor(verifiers.length / 2) + 1, {
    min: 1,
    max: verifiers.length,
  });
  const treasury = toAddress("treasury", parameters.treasury ?? deployer);
  const owner = parameters.owner === undefined ? deployer : toAddress("owner", parameters.owner);
  const feeBps = toSmallUint("feeBps", parameters.feeBps ?? 250, { max: LIMITS.maxFeeBps });
  const verificationWindow = toSmallUint("verificationWindow", parameters.verificationWindow ?? DAY, {
    min: 3600,
    max: 7 * DAY,
  });
  const slashPayerShareBps = toSmallUint("slashPayerShareBps", parameters.slashPayerShareBps ?? 8000, {
    min: 5000,
    max: 10_000,
  });
  const unbondingDelay = toSmallUint("unbondingDelay", parameters.unbondingDelay ?? 7 * DAY, {
    min: DAY,
    max: 30 * DAY,
  });
  const cap = toUint("token.cap", parameters.token?.cap ?? 1_000_000_000n * 10n ** 18n);
  const genesisSupply = toUint("token.genesisSupply", parameters.token?.genesisSupply ?? 200_000_000n * 10n ** 18n, {
    min: 0n,
    max: cap,
  });
  const genesisHolder = toAddress("token.genesisHolder", parameters.token?.genesisHolder ?? deployer);
  const genesis = toSmallUint("rewards.genesis", parameters.rewards?.genesis ?? 0, { min: 0, max: 2 ** 40 - 1 });
  const epochLength = toSmallUint("rewards.epochLength", parameters.rewards?.epochLength ?? DAY, {
    min: 1,
    max: 2 ** 32 - 1,
  });
  const halvingInterval = toSmallUint("rewards.halvingInterval", parameters.rewards?.halvingInterval ?? 100, {
    min: 1,
    max: 2 ** 32 - 1,
  });
  const initialEmission = toUint("rewards.initialEmission", parameters.rewards?.initialEmission ?? 1000n * 10n ** 18n, {
    max: LIMITS.maxUint128,
  });
  if (2n * initialEmission * BigInt(halvingInterval) > cap - genesisSupply) {
    throw new InvalidInputError(
      "rewards.initialEmission",
      `the schedule can emit 2 × ${initialEmission} × ${halvingInterval}, more than the cap leaves (${cap - genesisSupply})`,
    );
  }
  const paymentTokens = (parameters.paymentTokens ?? []).map((t, i) => toAddress(`paymentTokens[${i}]`, t));
  const mock =
    parameters.mockPaymentToken === true
      ? {}
      : parameters.mockPaymentToken === false || parameters.mockPaymentToken === undefined
        ? undefined
        : parameters.mockPaymentToken;
  const mockDecimals = mock ? toSmallUint("mockPaymentToken.decimals", mock.decimals ?? 6, { max: 36 }) : 0;

  const report = (stage: ProgressEvent["stage"], message: string, hash?: Hex) => {
    try {
      parameters.onProgress?.({ action: "deployProtocol", stage, message, hash });
    } catch {
      // progress reporting never breaks the deployment
    }
  };
  const transactions: Hex[] = [];
  let startBlock: bigint | undefined;
  const chainId = await getChainId(reader).catch((err: unknown) => {
    throw toJouleError(err);
  });

  const deploy = async (name: string, abi: Abi, bytecode: Hex, args: readonly unknown[]): Promise<Address> => {
    report("deploy", `deploying ${name}`);
    let hash: Hex;
    try {
      hash = await deployContract(wallet, {
        abi,
        bytecode,
        args,
        account: wallet.account,
        chain: wallet.chain ?? null,
      } as never);
    } catch (err) {
      throw toJouleError(err);
    }
    transactions.push(hash);
    const receipt = await waitForReceipt({ client: reader }, hash);
    startBlock ??= receipt.blockNumber;
    if (!receipt.contractAddress) throw toJouleError(new Error(`${name} deployment created no contract`));
    const address = getAddress(receipt.contractAddress);
    report("confirmed", `${name} at ${address}`, hash);
    return address;
  };
  const call = async (label: string, address: Address, abi: Abi, functionName: string, args: readonly unknown[]) => {
    report("wire", label);
    let hash: Hex;
    try {
      const { request } = await simulateContract(reader, {
        address,
        abi,
        functionName,
        args,
        account: wallet.account,
      } as never);
      hash = await writeContract(wallet, { ...(request as object), chain: wallet.chain ?? null } as never);
    } catch (err) {
      throw toJouleError(err);
    }
    transactions.push(hash);
    await waitForReceipt({ client: reader }, hash);
  };

  // ── deploy (the market deploys its ProviderRegistry and RewardEmitter itself) ──
  const jouleToken = await deploy("JouleToken", jouleTokenAbi, jouleTokenBytecode, [
    cap,
    genesisHolder,
    genesisSupply,
    deployer,
  ]);
  const jobMarket = await deploy("JobMarket", jobMarketAbi, jobMarketBytecode, [
    jouleToken,
    treasury,
    deployer,
    {
      feeBps,
      verificationWindow,
      slashPayerShareBps,
      unbondingDelay,
      rewardGenesis: genesis,
      epochLength,
      initialEmission,
      halvingInterval,
    },
  ]);
  const marketParameters = await readContract(reader, {
    address: jobMarket,
    abi: jobMarketAbi,
    functionName: "parameters",
  }).catch((err: unknown) => {
    throw toJouleError(err);
  });
  const providerRegistry = getAddress(marketParameters.registry);
  const rewardEmitter = getAddress(marketParameters.rewardEmitter);
  const quorumVerifier = await deploy("QuorumVerifier", quorumVerifierAbi, quorumVerifierBytecode, [
    verifiers,
    BigInt(threshold),
  ]);
  let paymentToken: Address | undefined;
  if (mock) {
    paymentToken = await deploy("MockERC20", mockErc20Abi, mockErc20Bytecode, [
      mock.name ?? "Mock USD",
      mock.symbol ?? "mUSD",
      mockDecimals,
    ]);
  }

  // ── wire roles and allowlists ──
  await call("token.setMinter(emitter)", jouleToken, jouleTokenAbi, "setMinter", [rewardEmitter]);
  await call("market.setAllowedVerifier", jobMarket, jobMarketAbi, "setAllowedVerifier", [quorumVerifier, true]);
  for (const token of [...(paymentToken ? [paymentToken] : []), ...paymentTokens]) {
    await call(`market.setAllowedToken(${token})`, jobMarket, jobMarketAbi, "setAllowedToken", [token, true]);
  }
  let pendingOwner: Address | undefined;
  if (owner !== deployer) {
    for (const [address, abi] of [
      [jouleToken, jouleTokenAbi],
      [providerRegistry, providerRegistryAbi],
      [jobMarket, jobMarketAbi],
    ] as const) {
      await call(`transferOwnership(${owner}) on ${address}`, address, abi as Abi, "transferOwnership", [owner]);
    }
    pendingOwner = owner;
  }

  const deployment: Deployment = {
    chainId,
    addresses: {
      jouleToken,
      providerRegistry,
      rewardEmitter,
      jobMarket,
      quorumVerifier,
      ...((paymentToken ?? paymentTokens[0]) ? { paymentToken: paymentToken ?? paymentTokens[0] } : {}),
    },
    startBlock: Number(startBlock ?? 0n),
  };
  if (parameters.manifestPath) await writeDeployment(parameters.manifestPath, deployment);
  return { deployment, transactions, pendingOwner };
}
