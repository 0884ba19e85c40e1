// The cast of the simulated market: Hardhat's well-known development accounts, each with a viem wallet and a
// Joule SDK client. Never use these keys on a real network.
import {
  type Address,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  http,
  type PublicClient,
  type TestClient,
  type WalletClient,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { createJouleClient, type Deployment, type JouleClient } from "@joule/sdk";

/** Hardhat's default development mnemonic (its node funds the first 20 accounts with 10,000 ETH). */
export const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

export type Role = "deployer" | "treasury" | "tenant" | "sponsor" | "provider" | "verifier" | "keeper";

export type Actor = {
  name: string;
  role: Role;
  address: Address;
  wallet: WalletClient;
  /** Set once the protocol is deployed. */
  joule: JouleClient;
};

/** Hardware profile of a provider (registry fields). */
export type Hardware = {
  gpuClass: number;
  gpuCount: number;
  vramGb: number;
  carbonIntensity: number;
  region: string;
  label: string;
};

export const PROVIDER_HARDWARE: readonly Hardware[] = [
  {
    label: "8×H100 80GB, hydro (eu-north)",
    gpuClass: 4,
    gpuCount: 8,
    vramGb: 80,
    carbonIntensity: 30,
    region: "eu-north",
  },
  {
    label: "8×A100 40GB, grid mix (us-east)",
    gpuClass: 3,
    gpuCount: 8,
    vramGb: 40,
    carbonIntensity: 380,
    region: "us-east",
  },
  {
    label: "1×RTX 4090 24GB, home solar (eu-west)",
    gpuClass: 2,
    gpuCount: 1,
    vramGb: 24,
    carbonIntensity: 120,
    region: "eu-west",
  },
  {
    label: "2×RTX 3090 24GB, coal-heavy grid (ap-south)",
    gpuClass: 2,
    gpuCount: 2,
    vramGb: 24,
    carbonIntensity: 720,
    region: "ap-south",
  },
];

/** Account index of each actor in the mnemonic. */
const CAST: readonly { name: string; role: Role; index: number }[] = [
  { name: "deployer", role: "deployer", index: 0 },
  { name: "alice", role: "tenant", index: 1 },
  { name: "bob", role: "tenant", index: 2 },
  { name: "carol", role: "tenant", index: 3 },
  { name: "sponsor", role: "sponsor", index: 4 },
  { name: "verifier-1", role: "verifier", index: 5 },
  { name: "verifier-2", role: "verifier", index: 6 },
  { name: "verifier-3", role: "verifier", index: 7 },
  { name: "keeper", role: "keeper", index: 8 },
  { name: "treasury", role: "treasury", index: 9 },
  { name: "h100-farm", role: "provider", index: 10 },
  { name: "a100-cloud", role: "provider", index: 11 },
  { name: "home-4090", role: "provider", index: 12 },
  { name: "rig-3090", role: "provider", index: 13 },
];

export type Cast = {
  chain: Chain;
  publicClient: PublicClient;
  testClient: TestClient;
  all: Actor[];
  byName: (name: string) => Actor;
  deployer: Actor;
  treasury: Actor;
  keeper: Actor;
  sponsor: Actor;
  tenants: Actor[];
  providers: Actor[];
  /** In ascending address order, as the QuorumVerifier stores them. */
  verifiers: Actor[];
  /** Binds every actor's SDK client to the deployment. */
  bind: (deployment: Deployment) => void;
  /** A readable name for an address of the cast (or the address itself). */
  nameOf: (address: string) => string;
};

export function createCast(rpcUrl: string, chainId: number): Cast {
  const chain = defineChain({
    id: chainId,
    name: "Local Hardhat",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  // Short polling: the local node mines each transaction at once, receipts are ready within milliseconds.
  const transport = http(rpcUrl, { retryCount: 2 });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 50 }) as PublicClient;
  const testClient = createTestClient({ chain, mode: "hardhat", transport, pollingInterval: 50 }) as TestClient;
  const unbound = undefined as unknown as JouleClient;
  const all: Actor[] = CAST.map(({ name, role, index }) => {
    const account = mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: index });
    return {
      name,
      role,
      address: account.address,
      wallet: createWalletClient({ account, chain, transport, pollingInterval: 50 }),
      joule: unbound,
    };
  });
  const byName = (name: string) => {
    const actor = all.find((a) => a.name === name);
    if (!actor) throw new Error(`no actor named ${name}`);
    return actor;
  };
  // Verifiers are named in ascending address order, the order the QuorumVerifier keeps them in.
  const verifiers = all
    .filter((a) => a.role === "verifier")
    .sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  verifiers.forEach((v, i) => (v.name = `verifier-${i + 1}`));
  const names = new Map(all.map((a) => [a.address.toLowerCase(), a.name]));
  return {
    chain,
    publicClient,
    testClient,
    all,
    byName,
    deployer: byName("deployer"),
    treasury: byName("treasury"),
    keeper: byName("keeper"),
    sponsor: byName("sponsor"),
    tenants: all.filter((a) => a.role === "tenant"),
    providers: all.filter((a) => a.role === "provider"),
    verifiers,
    bind(deployment) {
      for (const actor of all) {
        actor.joule = createJouleClient({ deployment, publicClient, walletClient: actor.wallet });
      }
    },
    nameOf: (address) => names.get(address.toLowerCase()) ?? address,
  };
}
