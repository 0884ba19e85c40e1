// The chain the benchmark indexes: a Hardhat node on a free port, the protocol deployed through the SDK, four
// registered and staked providers, funded tenants (the same set-up as `npm start`, scripts/start/).
import { join } from "node:path";
import { encodeFunctionData, erc20Abi, maxUint256 } from "viem";
import type { Deployment } from "@joule/sdk";
import { mockErc20Abi } from "@joule/sdk/bytecode";
import { createCast, PROVIDER_HARDWARE, type Cast } from "../../scripts/start/actors.ts";
import { freePort, startLocalChain, type LocalChain } from "../../scripts/start/chain.ts";
import { JOULE, SETTINGS, Sim, USD } from "../../scripts/start/sim.ts";
import { JsonRpc } from "./rpc.ts";
import { BulkSender } from "./sender.ts";

export type Network = {
  chain: LocalChain;
  rpc: JsonRpc;
  cast: Cast;
  deployment: Deployment;
  manifestPath: string;
  settings: typeof SETTINGS;
  /** Transactions the set-up sent (deployment, onboarding, funding). */
  setupTransactions: number;
};

/** Stake per provider: collateral of thousands of jobs in flight at once stays well inside it. */
const PROVIDER_STAKE = 1_000_000n * JOULE;
/** Mock USD minted to each tenant and the sponsor, on top of what `Sim.onboard` gives. */
const EXTRA_USD = 100_000_000n * USD;

/** Starts the node and deploys; the deployment manifest is written into `dir`. */
export async function startNetwork(dir: string, log: (line: string) => void): Promise<Network> {
  const port = await freePort();
  const chain = await startLocalChain(port);
  log(`hardhat node on ${chain.url} (pid ${chain.pid})`);
  try {
    const cast = createCast(chain.url, chain.chainId);
    const sim = new Sim(cast, () => {});
    const manifestPath = join(dir, "deployment.json");
    const deployment = await sim.deploy(manifestPath);
    await sim.onboard(PROVIDER_HARDWARE, PROVIDER_STAKE, 1_000n * JOULE);
    const rpc = new JsonRpc(chain.url);
    // `hardhat node` logs every transaction (decoded, several lines each): at hundreds of thousands of transactions
    // that formatting costs the node more than executing them. The RPC method the node itself uses turns it off.
    await rpc.call("hardhat_setLoggingEnabled", [false]);

    // Payers get plenty of mock USD and approve the market once, so job creation needs no approval each time.
    const usd = deployment.addresses.paymentToken!;
    const market = deployment.addresses.jobMarket;
    const payers = [...cast.tenants, cast.sponsor];
    const sender = new BulkSender(rpc);
    await sender.automine(false);
    const funding = payers.flatMap((p) => [
      {
        from: cast.deployer.address,
        to: usd,
        data: encodeFunctionData({ abi: mockErc20Abi, functionName: "mint", args: [p.address, EXTRA_USD] }),
        gas: 200_000n,
      },
      {
        from: p.address,
        to: usd,
        data: encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [market, maxUint256] }),
        gas: 200_000n,
      },
    ]);
    const { hashes } = await sender.sendAll(funding);
    const reverted = await sender.revertedAmong(hashes, hashes.length);
    if (reverted.length) throw new Error(`funding transactions reverted: ${reverted.join(", ")}`);
    return {
      chain,
      rpc,
      cast,
      deployment,
      manifestPath,
      settings: SETTINGS,
      setupTransactions: sim.transactions + sender.transactions,
    };
  } catch (error) {
    await chain.stop();
    throw error;
  }
}
