import type { Account, Address, Chain, Client, Hex, Transport, WalletClient } from "viem";
import { getChainId } from "viem/actions";
import { ConfigError, InvalidInputError } from "./errors/errors.ts";
import type { Assignment, Deployment, JobCreatedInfo } from "./types.ts";
import { validateDeployment } from "./deployment.ts";

/** A job's assignment as recorded by its `JobAssigned` log. */
export type AssignmentInfo = {
  jobId: bigint;
  assignment: Assignment;
  /** Escrow kept at assignment: price × maxUnits. */
  escrow: bigint;
  /** Excess escrow credited back to the payer at assignment. */
  refunded: bigint;
  deliveryDeadline: number;
  signedBid: boolean;
  blockNumber: bigint;
  transactionHash: Hex;
};

/** A wallet client that can sign: local account (private key) or JSON-RPC account (node-managed). */
export type SigningWalletClient = WalletClient<Transport, Chain | undefined, Account>;

/** Progress of a long operation (the CLI shows these as a spinner or lines on stderr). */
export type ProgressEvent = {
  /** Action name, e.g. `createJob`. */
  action: string;
  stage: "simulate" | "approve" | "sign" | "send" | "confirmed" | "deploy" | "wire" | "read";
  message: string;
  hash?: Hex | undefined;
};

/** Everything an action needs: a client for reads, an optional wallet for writes, and the deployment. */
export type JouleClient = {
  /** Any viem client able to read (a public client, or the wallet client itself). */
  readonly client: Client;
  /** Needed by actions that send transactions or sign. */
  readonly wallet: SigningWalletClient | undefined;
  readonly deployment: Deployment;
  readonly onProgress: ((event: ProgressEvent) => void) | undefined;
  /** Largest block range asked of `eth_getLogs` at once when a whole-range query is refused. */
  readonly logChunkSize: bigint;
  /** Job params are immutable: decoded once from `JobCreated` and kept here. */
  readonly paramsCache: Map<bigint, JobCreatedInfo>;
  /** Assignments are immutable too: decoded once from `JobAssigned`. */
  readonly assignmentCache: Map<bigint, AssignmentInfo>;
  /** Resolves once the node's chain id was checked against the deployment. */
  chainCheck: Promise<void> | undefined;
};

export type CreateJouleClientParameters = {
  /** Addresses, chain id and start block (see `deployProtocol`, `readDeployment`). */
  deployment: Deployment;
  /** Client for reads; defaults to `walletClient`. */
  publicClient?: Client | undefined;
  /** Wallet client with an account, for writes and signatures (see also `fromEthersSigner`). */
  walletClient?: WalletClient | undefined;
  onProgress?: ((event: ProgressEvent) => void) | undefined;
  logChunkSize?: bigint | undefined;
};

/**
 * Binds viem clients to a Joule deployment. Pass the result to any action.
 *
 * @example
 * import { createPublicClient, createWalletClient, http } from "viem";
 * import { privateKeyToAccount } from "viem/accounts";
 * import { foundry } from "viem/chains";
 * import { createJouleClient, readDeployment } from "@joule/sdk";
 *
 * const joule = createJouleClient({
 *   deployment: await readDeployment("joule.manifest.json"),
 *   publicClient: createPublicClient({ chain: foundry, transport: http() }),
 *   walletClient: createWalletClient({ account: privateKeyToAccount(key), chain: foundry, transport: http() }),
 * });
 */
export function createJouleClient(parameters: CreateJouleClientParameters): JouleClient {
  const deployment = validateDeployment(parameters.deployment);
  const wallet = parameters.walletClient;
  if (wallet && !wallet.account) {
    throw new InvalidInputError("walletClient", "has no account (create it with `account: ...`)");
  }
  const client = parameters.publicClient ?? wallet;
  if (!client) throw new InvalidInputError("publicClient", "give a publicClient or a walletClient");
  return {
    client,
    wallet: wallet as SigningWalletClient | undefined,
    deployment,
    onProgress: parameters.onProgress,
    logChunkSize: parameters.logChunkSize ?? 50_000n,
    paramsCache: new Map(),
    assignmentCache: new Map(),
    chainCheck: undefined,
  };
}

/** The wallet client of `joule`, or an error naming what is missing. */
export function requireWallet(joule: JouleClient): SigningWalletClient {
  if (!joule.wallet) {
    throw new InvalidInputError(
      "walletClient",
      "this action sends a transaction or signs: create the client with a walletClient",
    );
  }
  return joule.wallet;
}

/** Address of the account that signs and sends for `joule`. */
export function accountAddress(joule: JouleClient): Address {
  return requireWallet(joule).account.address;
}

/** Checks once that the node serves the deployment's chain (a wrong RPC URL or manifest fails early). */
export async function assertDeploymentChain(joule: JouleClient): Promise<void> {
  joule.chainCheck ??= (async () => {
    const chainId = await getChainId(joule.client);
    if (chainId !== joule.deployment.chainId) {
      joule.chainCheck = undefined;
      throw new ConfigError(
        "deployment.chainId",
        `the deployment is on chain ${joule.deployment.chainId} but the node serves chain ${chainId}`,
      );
    }
  })();
  return joule.chainCheck;
}

export function progress(joule: JouleClient, event: ProgressEvent): void {
  try {
    joule.onProgress?.(event);
  } catch {
    // A failing progress callback must never break the operation it reports on.
  }
}
