// Test support: deploys the protocol on a local node with a known cast of actors, like test/utils/JouleFixture.sol.
import {
  type Account,
  type Address,
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
  keccak256,
  parseEther,
  type PublicClient,
  stringToHex,
  type TestClient,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { mockErc20Abi } from "../abi/bytecode.ts";
import { jouleTokenAbi } from "../abi/index.ts";
import { createJouleClient, type JouleClient } from "../client.ts";
import { deployProtocol } from "../actions/deployProtocol.ts";
import { registerProvider } from "../actions/registerProvider.ts";
import { stake } from "../actions/stake.ts";
import type { Deployment } from "../types.ts";
import { HARDHAT_KEYS, type LocalNode, startLocalNode } from "./localNode.ts";

export const USD = 10n ** 6n;
export const COLLATERAL = parseEther("1000");
export const PROVIDER_STAKE = parseEther("10000");
export const SPEC_HASH = keccak256(stringToHex("llama-finetune-spec"));

export type Actor = { account: Account; address: Address; wallet: WalletClient; joule: JouleClient };

export type Fixture = {
  node: LocalNode;
  deployment: Deployment;
  publicClient: PublicClient;
  testClient: TestClient;
  deployer: Actor;
  tenant: Actor;
  provider: Actor;
  provider2: Actor;
  sponsor: Actor;
  keeper: Actor;
  /** Quorum members sorted by address (threshold 2). */
  verifiers: Actor[];
  actor: (key: `0x${string}`) => Actor;
  /** Chain time (latest block timestamp). */
  now: () => Promise<number>;
  /** Moves chain time forward and mines a block. */
  warp: (seconds: number) => Promise<void>;
  stop: () => Promise<void>;
};

/** Starts a node, deploys the protocol with verifiers 5,6,7 (2-of-3) and a mock USD, funds and registers actors. */
export async function setUpProtocol(): Promise<Fixture> {
  const node = await startLocalNode();
  try {
    const transport = http(node.url);
    const publicClient = createPublicClient({ chain: hardhat, transport, pollingInterval: 100 }) as PublicClient;
    const testClient = createTestClient({ chain: hardhat, mode: "hardhat", transport }) as TestClient;
    const wallet = (key: `0x${string}`) =>
      createWalletClient({ account: privateKeyToAccount(key), chain: hardhat, transport });
    const verifierAccounts = [5, 6, 7]
      .map((i) => privateKeyToAccount(HARDHAT_KEYS[i]!))
      .sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
    const { deployment } = await deployProtocol(wallet(HARDHAT_KEYS[0]), {
      verifiers: verifierAccounts.map((a) => a.address),
      threshold: 2,
      treasury: privateKeyToAccount(HARDHAT_KEYS[9]).address,
      mockPaymentToken: { name: "Mock USD", symbol: "mUSD", decimals: 6 },
      publicClient,
    });
    const actor = (key: `0x${string}`): Actor => {
      const w = wallet(key);
      return {
        account: w.account,
        address: w.account.address,
        wallet: w,
        joule: createJouleClient({ deployment, publicClient, walletClient: w }),
      };
    };
    const deployer = actor(HARDHAT_KEYS[0]);
    const tenant = actor(HARDHAT_KEYS[1]);
    const provider = actor(HARDHAT_KEYS[2]);
    const provider2 = actor(HARDHAT_KEYS[3]);
    const sponsor = actor(HARDHAT_KEYS[4]);
    const keeper = actor(HARDHAT_KEYS[8]);
    const verifiers = verifierAccounts.map((a) =>
      actor(HARDHAT_KEYS.find((k) => privateKeyToAccount(k).address === a.address)!),
    );

    const send = async (
      w: WalletClient,
      address: Address,
      abi: typeof mockErc20Abi | typeof jouleTokenAbi,
      functionName: string,
      args: unknown[],
    ) => {
      const hash = await w.writeContract({
        address,
        abi,
        functionName,
        args,
        account: w.account!,
        chain: hardhat,
      } as never);
      await publicClient.waitForTransactionReceipt({ hash });
    };
    const usd = deployment.addresses.paymentToken!;
    for (const who of [tenant, sponsor])
      await send(deployer.wallet, usd, mockErc20Abi, "mint", [who.address, 1_000_000n * USD]);
    for (const who of [provider, provider2]) {
      await send(deployer.wallet, deployment.addresses.jouleToken, jouleTokenAbi, "transfer", [
        who.address,
        PROVIDER_STAKE,
      ]);
      await registerProvider(who.joule, {
        gpuClass: 3,
        gpuCount: 8,
        vramGb: 80,
        carbonIntensity: 200,
        region: "eu-west",
        metadataURI: "ipfs://provider",
      });
      await stake(who.joule, { amount: PROVIDER_STAKE });
    }
    const now = async () => Number((await publicClient.getBlock({ blockTag: "latest" })).timestamp);
    const warp = async (seconds: number) => {
      await testClient.increaseTime({ seconds });
      await testClient.mine({ blocks: 1 });
    };
    return {
      node,
      deployment,
      publicClient,
      testClient,
      deployer,
      tenant,
      provider,
      provider2,
      sponsor,
      keeper,
      verifiers,
      actor,
      now,
      warp,
      stop: node.stop,
    };
  } catch (err) {
    await node.stop();
    throw err;
  }
}

/** A default job request like JouleFixture.defaultRequest(): 3600 units at ≤ 0.001 mUSD, 1000 JOULE collateral. */
export async function defaultJob(f: Fixture, overrides: Record<string, unknown> = {}) {
  return {
    specHash: SPEC_HASH,
    maxUnits: 3_600n,
    maxPricePerUnit: 1_000n,
    collateral: COLLATERAL,
    biddingEnd: (await f.now()) + 3600,
    deliveryWindow: 86_400,
    milestones: 1,
    requirements: { minGpuClass: 1, minGpuCount: 1, minVramGb: 24 },
    ...overrides,
  };
}
