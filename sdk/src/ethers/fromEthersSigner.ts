import type { Signer, TransactionRequest } from "ethers";
import {
  type Address,
  type Chain,
  createWalletClient,
  custom,
  defineChain,
  type EIP1193RequestFn,
  getAddress,
  type Hex,
  hexToBigInt,
  hexToBytes,
  hexToNumber,
  numberToHex,
} from "viem";
import type { SigningWalletClient } from "../client.ts";
import { InvalidInputError, SignerError } from "../errors/errors.ts";

export type FromEthersSignerParameters = {
  /** viem chain to attach; default: built from the provider's chain id. */
  chain?: Chain | undefined;
  /** How often receipts and logs are polled, ms. Default: viem's (4 s), or 1 s on local chains (id 31337/1337). */
  pollingInterval?: number | undefined;
};

type RpcTx = {
  from?: Hex;
  to?: Hex | null;
  data?: Hex;
  input?: Hex;
  value?: Hex;
  gas?: Hex;
  nonce?: Hex;
  gasPrice?: Hex;
  maxFeePerGas?: Hex;
  maxPriorityFeePerGas?: Hex;
  type?: Hex;
  chainId?: Hex;
  accessList?: { address: Hex; storageKeys: Hex[] }[];
};

/**
 * Adapts an ethers v6 `Signer` (a `Wallet`, a `JsonRpcSigner` from a browser wallet, a hardware signer…)
 * into a viem wallet client, so every SDK action works with it. Transactions are sent with
 * `signer.sendTransaction`, messages signed with `signMessage` / `signTypedData`; reads go to the signer's
 * provider.
 *
 * @example
 * import { JsonRpcProvider, Wallet } from "ethers";
 * const signer = new Wallet(process.env.KEY!, new JsonRpcProvider(rpcUrl));
 * const joule = createJouleClient({ deployment, walletClient: await fromEthersSigner(signer) });
 * await createJob(joule, { ... });
 */
export async function fromEthersSigner(
  signer: Signer,
  parameters: FromEthersSignerParameters = {},
): Promise<SigningWalletClient> {
  const provider = signer?.provider as
    (Signer["provider"] & { send?: (m: string, p: unknown[]) => Promise<unknown> }) | null;
  if (!provider) throw new InvalidInputError("signer", "has no provider: connect it first (signer.connect(provider))");
  if (typeof provider.send !== "function") {
    throw new InvalidInputError(
      "signer",
      "its provider has no JSON-RPC `send` (use a JsonRpcProvider or BrowserProvider)",
    );
  }
  const send = provider.send.bind(provider);
  let address: Address;
  let chainId: number;
  try {
    address = getAddress(await signer.getAddress());
    chainId = Number((await provider.getNetwork()).chainId);
  } catch (err) {
    throw new SignerError("Could not read the ethers signer's address or network", { cause: err });
  }
  const chain =
    parameters.chain ??
    defineChain({
      id: chainId,
      name: `chain ${chainId}`,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [] } },
    });

  const request = async ({ method, params }: { method: string; params?: unknown }): Promise<unknown> => {
    const args = (params ?? []) as unknown[];
    try {
      switch (method) {
        case "eth_accounts":
        case "eth_requestAccounts":
          return [address];
        case "eth_chainId":
          return numberToHex(chainId);
        case "eth_sendTransaction":
        case "wallet_sendTransaction": {
          const tx = args[0] as RpcTx;
          if (tx.from && getAddress(tx.from) !== address) {
            throw new SignerError(`The ethers signer is ${address}, not ${tx.from}`);
          }
          const response = await signer.sendTransaction(toEthersTransaction(tx));
          return response.hash;
        }
        case "personal_sign":
          return await signer.signMessage(hexToBytes(args[0] as Hex));
        case "eth_signTypedData_v4": {
          const { domain, types, message } = JSON.parse(args[1] as string) as {
            domain: Record<string, unknown>;
            types: Record<string, { name: string; type: string }[]>;
            message: Record<string, unknown>;
          };
          // ethers derives the domain type itself and refuses it in `types`.
          const { EIP712Domain: _domain, ...rest } = types;
          return await signer.signTypedData(domain, rest, message);
        }
        default:
          return await send(method, args);
      }
    } catch (err) {
      throw toRpcShapedError(err);
    }
  };

  const local = chainId === 31337 || chainId === 1337;
  return createWalletClient({
    account: address,
    chain,
    pollingInterval: parameters.pollingInterval ?? (local ? 1_000 : 4_000),
    transport: custom({ request: request as EIP1193RequestFn }),
  }) as SigningWalletClient;
}

function toEthersTransaction(tx: RpcTx): TransactionRequest {
  const out: TransactionRequest = {};
  if (tx.to) out.to = tx.to;
  const data = tx.data ?? tx.input;
  if (data) out.data = data;
  if (tx.value) out.value = hexToBigInt(tx.value);
  if (tx.gas) out.gasLimit = hexToBigInt(tx.gas);
  if (tx.nonce) out.nonce = hexToNumber(tx.nonce);
  if (tx.gasPrice) out.gasPrice = hexToBigInt(tx.gasPrice);
  if (tx.maxFeePerGas) out.maxFeePerGas = hexToBigInt(tx.maxFeePerGas);
  if (tx.maxPriorityFeePerGas) out.maxPriorityFeePerGas = hexToBigInt(tx.maxPriorityFeePerGas);
  if (tx.type) out.type = hexToNumber(tx.type);
  if (tx.chainId) out.chainId = hexToBigInt(tx.chainId);
  if (tx.accessList) out.accessList = tx.accessList;
  return out;
}

/**
 * ethers wraps node errors in its own shapes; viem expects JSON-RPC ones (`code`, `message`, `data`).
 * Keep the node's code and revert data so contract errors decode the same way as with a viem transport.
 */
function toRpcShapedError(err: unknown): unknown {
  if (err instanceof SignerError) return err;
  const e = err as {
    code?: unknown;
    shortMessage?: string;
    message?: string;
    data?: unknown;
    info?: { error?: { code?: number; message?: string; data?: unknown } };
  };
  const inner = e?.info?.error;
  if (e?.code === "ACTION_REJECTED") {
    return Object.assign(new Error(e.shortMessage ?? "user rejected"), { code: 4001, cause: err });
  }
  const data = typeof e?.data === "string" ? e.data : typeof inner?.data === "string" ? inner.data : undefined;
  const code = typeof inner?.code === "number" ? inner.code : typeof e?.code === "number" ? e.code : -32603;
  const message = inner?.message ?? e?.shortMessage ?? e?.message ?? "ethers signer request failed";
  return Object.assign(new Error(message), { code, data, cause: err });
}
