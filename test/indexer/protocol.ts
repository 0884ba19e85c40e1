// Deploys the Joule protocol on a test chain with viem (from the Hardhat artifacts, as test/utils/JouleFixture.sol
// does in Solidity) and drives real activity: jobs, bids, proofs, settlements, slashes, withdrawals, rewards.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  concat,
  createPublicClient,
  createWalletClient,
  custom,
  decodeEventLog,
  type Abi,
  type Address,
  type Hex,
  type PublicClient,
  type WalletClient,
} from "viem";
import { mnemonicToAccount, type HDAccount } from "viem/accounts";
import type { Eip1193 } from "./chain.ts";

const MNEMONIC = "test test test test test test test test test test test junk";
const root = fileURLToPath(new URL("../../", import.meta.url));

function artifact(path: string): { abi: Abi; bytecode: Hex } {
  const a = JSON.parse(readFileSync(`${root}artifacts/contracts/${path}`, "utf8"));
  return { abi: a.abi, bytecode: a.bytecode };
}

// The test driver calls the contracts with the ABIs of the current build (the indexer itself uses sdk/src/abi).
export const jobMarketAbi = artifact("JobMarket.sol/JobMarket.json").abi;
export const providerRegistryAbi = artifact("ProviderRegistry.sol/ProviderRegistry.json").abi;
export const rewardEmitterAbi = artifact("RewardEmitter.sol/RewardEmitter.json").abi;
export const jouleTokenAbi = artifact("JouleToken.sol/JouleToken.json").abi;
export const quorumVerifierAbi = artifact("QuorumVerifier.sol/QuorumVerifier.json").abi;

export const E18 = 10n ** 18n;
export const DAY = 86_400;

export const CONFIG = {
  cap: 1_000_000_000n * E18,
  genesisSupply: 200_000_000n * E18,
  unbondingDelay: 7 * DAY,
  epochLength: DAY,
  initialEmission: 1_000n * E18,
  halvingInterval: 100,
  feeBps: 250,
  verificationWindow: DAY,
  slashPayerShareBps: 8_000,
  collateral: 1_000n * E18,
  providerStake: 10_000n * E18,
};

export type JobParams = {
  tenant: Address;
  payer: Address;
  feeBps: number;
  slashPayerShareBps: number;
  verificationWindow: number;
  request: {
    token: Address;
    verifier: Address;
    specHash: Hex;
    maxUnits: bigint;
    maxPricePerUnit: bigint;
    collateral: bigint;
    biddingEnd: number;
    deliveryWindow: number;
    milestones: number;
    requirements: { minGpuClass: number; minGpuCount: number; minVramGb: number; maxCarbonIntensity: number };
  };
};

export type Assignment = { provider: Address; pricePerUnit: bigint };
export const NO_ASSIGNMENT: Assignment = { provider: "0x0000000000000000000000000000000000000000", pricePerUnit: 0n };

export type Protocol = Awaited<ReturnType<typeof deployProtocol>>;

/** Deploys and wires everything; providers registered and staked; tenant and sponsor funded with mUSD. */
export async function deployProtocol(provider: Eip1193) {
  const transport = custom(provider);
  const pub = createPublicClient({ transport }) as PublicClient;
  const account = (i: number): HDAccount => mnemonicToAccount(MNEMONIC, { addressIndex: i });
  const lower = (a: Address) => a.toLowerCase() as Address;
  const actors = {
    owner: lower(account(0).address),
    treasury: lower(account(1).address),
    tenant: lower(account(2).address),
    sponsor: lower(account(3).address),
    keeper: lower(account(4).address),
    provider: lower(account(5).address),
    provider2: lower(account(6).address),
  };
  const providerKeys: Record<string, HDAccount> = { [actors.provider]: account(5), [actors.provider2]: account(6) };
  const verifierAccounts = [account(7), account(8), account(9)].sort((a, b) =>
    BigInt(a.address) < BigInt(b.address) ? -1 : 1,
  );
  const wallet = (from: Address): WalletClient => createWalletClient({ account: from, transport });

  async function deploy(path: string, args: unknown[], from = actors.owner): Promise<Address> {
    const { abi, bytecode } = artifact(path);
    const hash = await wallet(from).deployContract({ abi, bytecode, args, account: from, chain: null });
    const receipt = await pub.getTransactionReceipt({ hash });
    return lower(receipt.contractAddress!);
  }

  const logsOf = async (hash: Hex) => (await pub.getTransactionReceipt({ hash })).logs;

  /** Sends a transaction and returns its receipt logs; a revert throws. */
  async function send(from: Address, to: Address, abi: Abi, functionName: string, args: unknown[]) {
    const hash = await wallet(from).writeContract({
      address: to,
      abi,
      functionName,
      args,
      account: from,
      chain: null,
    } as never);
    const receipt = await pub.getTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${functionName} reverted`);
    return receipt.logs;
  }

  const joule = await deploy("JouleToken.sol/JouleToken.json", [
    CONFIG.cap,
    actors.owner,
    CONFIG.genesisSupply,
    actors.owner,
  ]);
  // The market deploys its registry and reward emitter.
  const market = await deploy("JobMarket.sol/JobMarket.json", [
    joule,
    actors.treasury,
    actors.owner,
    {
      feeBps: CONFIG.feeBps,
      verificationWindow: CONFIG.verificationWindow,
      slashPayerShareBps: CONFIG.slashPayerShareBps,
      unbondingDelay: CONFIG.unbondingDelay,
      rewardGenesis: 0,
      epochLength: CONFIG.epochLength,
      initialEmission: CONFIG.initialEmission,
      halvingInterval: CONFIG.halvingInterval,
    },
  ]);
  const settings = (await pub.readContract({ address: market, abi: jobMarketAbi, functionName: "parameters" })) as {
    registry: Address;
    rewardEmitter: Address;
  };
  const registry = lower(settings.registry);
  const emitter = lower(settings.rewardEmitter);
  const usd = await deploy("test/MockERC20.sol/MockERC20.json", ["Mock USD", "mUSD", 6]);
  const verifier = await deploy("QuorumVerifier.sol/QuorumVerifier.json", [verifierAccounts.map((a) => a.address), 2n]);
  const erc20 = artifact("test/MockERC20.sol/MockERC20.json").abi;

  /** Assignments by job id, taken from JobAssigned (the market keeps only their hash). */
  const assignments = new Map<bigint, Assignment>();
  function remember(logs: { data: Hex; topics: Hex[] }[]) {
    for (const l of logs) {
      try {
        const ev = decodeEventLog({ abi: jobMarketAbi, data: l.data, topics: l.topics as [Hex, ...Hex[]] }) as {
          eventName: string;
          args: any;
        };
        if (ev.eventName === "JobAssigned")
          assignments.set(ev.args.jobId, { provider: lower(ev.args.provider), pricePerUnit: ev.args.pricePerUnit });
      } catch {}
    }
    return logs;
  }
  const assignmentOf = (jobId: bigint) => assignments.get(jobId) ?? NO_ASSIGNMENT;

  const p = {
    pub,
    assignmentOf,
    actors,
    addresses: { joule, registry, emitter, market, usd, verifier },
    verifierAccounts,
    send,
    logsOf,
    deploy,
    erc20,

    async now(): Promise<number> {
      return Number((await pub.getBlock()).timestamp);
    },

    async register(who: Address, carbonIntensity = 200, stake = CONFIG.providerStake) {
      await send(who, registry, providerRegistryAbi, "register", [
        {
          gpuClass: 3,
          gpuCount: 8,
          vramGb: 80,
          carbonIntensity,
          region: "0x65752d7765737400000000000000000000000000000000000000000000000000",
          metadataURI: `ipfs://${who}`,
        },
      ]);
      if (stake > 0n) {
        await send(actors.owner, joule, jouleTokenAbi, "transfer", [who, stake]);
        await send(who, joule, jouleTokenAbi, "approve", [registry, 2n ** 256n - 1n]);
        await send(who, registry, providerRegistryAbi, "stake", [who, stake]);
      }
    },

    async fund(who: Address, amount = 1_000_000n * 10n ** 6n) {
      await send(actors.owner, usd, erc20, "mint", [who, amount]);
      await send(who, usd, erc20, "approve", [market, 2n ** 256n - 1n]);
    },

    async request(overrides: Partial<JobParams["request"]> = {}): Promise<JobParams["request"]> {
      return {
        token: usd,
        verifier,
        specHash: "0x6c6c616d612d66696e6574756e652d7370656300000000000000000000000000",
        maxUnits: 3_600n,
        maxPricePerUnit: 1_000n,
        collateral: CONFIG.collateral,
        biddingEnd: (await p.now()) + 3_600,
        deliveryWindow: DAY,
        milestones: 1,
        requirements: { minGpuClass: 1, minGpuCount: 1, minVramGb: 24, maxCarbonIntensity: 0 },
        ...overrides,
      };
    },

    /** Creates a job (by the tenant, or by `sponsor` for the tenant) and returns its id and params. */
    async createJob(
      overrides: Partial<JobParams["request"]> = {},
      sponsor?: Address,
    ): Promise<{ jobId: bigint; params: JobParams }> {
      const r = await p.request(overrides);
      const logs = sponsor
        ? await send(sponsor, market, jobMarketAbi, "createJobFor", [actors.tenant, r])
        : await send(actors.tenant, market, jobMarketAbi, "createJob", [r]);
      for (const l of logs) {
        try {
          const ev = decodeEventLog({ abi: jobMarketAbi, data: l.data, topics: l.topics }) as {
            eventName: string;
            args: any;
          };
          if (ev.eventName === "JobCreated") return { jobId: ev.args.jobId, params: ev.args.params as JobParams };
        } catch {}
      }
      throw new Error("no JobCreated");
    },

    placeBid: (who: Address, jobId: bigint, params: JobParams, price: bigint) =>
      send(who, market, jobMarketAbi, "placeBid", [jobId, params, price]),
    award: async (jobId: bigint, params: JobParams) =>
      remember(await send(actors.keeper, market, jobMarketAbi, "award", [jobId, params])),
    cancel: (jobId: bigint, params: JobParams) =>
      send(actors.tenant, market, jobMarketAbi, "cancelJob", [jobId, params]),
    expire: (jobId: bigint, params: JobParams) =>
      send(actors.keeper, market, jobMarketAbi, "expire", [jobId, params, assignmentOf(jobId)]),

    async acceptSignedBid(jobId: bigint, params: JobParams, who: Address, price: bigint, nonce = 1n) {
      const bid = { jobId, provider: who, pricePerUnit: price, expiry: BigInt((await p.now()) + 3_600), nonce };
      const digest = (await pub.readContract({
        address: market,
        abi: jobMarketAbi,
        functionName: "hashBid",
        args: [bid],
      })) as Hex;
      const signature = await providerKeys[who]!.sign({ hash: digest });
      return remember(await send(params.tenant, market, jobMarketAbi, "acceptBid", [params, bid, signature]));
    },

    submitProof: (who: Address, jobId: bigint, params: JobParams, milestone: number, units: bigint, energyWh: bigint) =>
      send(who, market, jobMarketAbi, "submitProof", [
        jobId,
        params,
        assignmentOf(jobId),
        milestone,
        rootOf(jobId, milestone),
        units,
        energyWh,
      ]),

    async settle(
      jobId: bigint,
      params: JobParams,
      milestone: number,
      units: bigint,
      energyWh: bigint,
      accepted: boolean,
      signers = 2,
    ) {
      const a = { jobId, milestone, resultRoot: rootOf(jobId, milestone), units, energyWh, accepted };
      const digest = (await pub.readContract({
        address: market,
        abi: jobMarketAbi,
        functionName: "hashAttestation",
        args: [a],
      })) as Hex;
      const sigs = concat(await Promise.all(verifierAccounts.slice(0, signers).map((v) => v.sign({ hash: digest }))));
      return send(actors.keeper, market, jobMarketAbi, "settle", [jobId, params, assignmentOf(jobId), a, sigs]);
    },

    async proveAndSettle(
      who: Address,
      jobId: bigint,
      params: JobParams,
      milestone: number,
      units: bigint,
      energyWh: bigint,
      accepted = true,
    ) {
      await p.submitProof(who, jobId, params, milestone, units, energyWh);
      await p.settle(jobId, params, milestone, units, energyWh, accepted);
    },

    withdraw: (who: Address, token: Address, amount: bigint, to: Address = who) =>
      send(who, market, jobMarketAbi, "withdraw", [token, amount, to]),
    claim: (who: Address, tokens: Address[], epochs: number[], to: Address = who) =>
      send(who, market, jobMarketAbi, "claim", [tokens, epochs, to]),
    claimRewards: (who: Address, epochs: number[], to: Address = who) =>
      send(who, emitter, rewardEmitterAbi, "claimRewards", [epochs, to]),
    governance: (functionName: string, args: unknown[], contract: Address = market, abi: Abi = jobMarketAbi as Abi) =>
      send(actors.owner, contract, abi, functionName, args),

    async deployVerifier(members: Address[], threshold: bigint): Promise<Address> {
      return deploy("QuorumVerifier.sol/QuorumVerifier.json", [members, threshold]);
    },

    read: <T>(address: Address, abi: Abi, functionName: string, args: unknown[] = []) =>
      pub.readContract({ address, abi, functionName, args }) as Promise<T>,
  };

  await send(actors.owner, joule, jouleTokenAbi, "setMinter", [emitter]);
  await send(actors.owner, market, jobMarketAbi, "setAllowedToken", [usd, true]);
  await send(actors.owner, market, jobMarketAbi, "setAllowedVerifier", [verifier, true]);
  await p.register(actors.provider, 200);
  await p.register(actors.provider2, 350);
  await p.fund(actors.tenant);
  await p.fund(actors.sponsor);
  return p;
}

export function rootOf(jobId: bigint, milestone: number): Hex {
  return `0x${jobId.toString(16).padStart(32, "0")}${milestone.toString(16).padStart(32, "0")}` as Hex;
}
