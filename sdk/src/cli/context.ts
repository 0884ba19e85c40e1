// What every CLI command needs: configuration from flags and environment (validated, with local defaults),
// clients, the signing key (never printed), token metadata and output.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import {
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  erc20Abi,
  formatUnits,
  http,
  type LocalAccount,
  type PublicClient,
  type Transport,
  webSocket,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { readContract } from "viem/actions";
import { createJouleClient, type JouleClient } from "../client.ts";
import { readDeployment } from "../deployment.ts";
import { ConfigError, InvalidInputError } from "../errors/errors.ts";
import type { Deployment } from "../types.ts";
import { toJson } from "../utils/json.ts";
import { createProgress, type Progress } from "./progress.ts";
import { parseAddress } from "./parse.ts";

export const DEFAULT_RPC_URL = "http://127.0.0.1:8545";
export const DEFAULT_MANIFEST = "joule.manifest.json";

export type GlobalOptions = {
  rpcUrl?: string | undefined;
  manifest?: string | undefined;
  keystore?: string | undefined;
  json?: boolean | undefined;
  quiet?: boolean | undefined;
};

export type Output = { json: unknown; text: string | string[] };

export type Context = {
  readonly rpcUrl: string;
  readonly manifestPath: string;
  readonly json: boolean;
  readonly progress: Progress;
  transport: () => Transport;
  publicClient: (chain?: Chain) => PublicClient;
  deployment: () => Promise<Deployment>;
  account: () => Promise<LocalAccount>;
  /** A Joule client; with `sign`, it carries the wallet of the configured key. */
  joule: (options?: { sign?: boolean }) => Promise<JouleClient>;
  token: (address: Address) => Promise<{ symbol: string; decimals: number }>;
  /** `payment` / `joule` / an address → address. */
  resolveToken: (flag: string, value: string | undefined) => Promise<Address>;
  formatToken: (address: Address, amount: bigint) => Promise<string>;
  print: (output: Output) => void;
};

export function createContext(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Context {
  const rpcUrl = validateRpcUrl(
    options.rpcUrl ?? env.JOULE_RPC_URL ?? DEFAULT_RPC_URL,
    options.rpcUrl ? "--rpc-url" : "JOULE_RPC_URL",
  );
  const manifestPath = resolve(options.manifest ?? env.JOULE_MANIFEST ?? DEFAULT_MANIFEST);
  const json = options.json === true;
  const progress = createProgress({ enabled: options.quiet !== true });

  let deploymentPromise: Promise<Deployment> | undefined;
  let accountPromise: Promise<LocalAccount> | undefined;
  const tokens = new Map<string, Promise<{ symbol: string; decimals: number }>>();
  let transportCache: Transport | undefined;
  const publicClients = new Map<number, PublicClient>();

  const transport = () =>
    (transportCache ??= rpcUrl.startsWith("ws") ? webSocket(rpcUrl) : http(rpcUrl, { retryCount: 1 }));
  const publicClient = (chain?: Chain) => {
    const key = chain?.id ?? 0;
    let c = publicClients.get(key);
    if (!c) {
      c = createPublicClient({
        ...(chain ? { chain } : {}),
        transport: transport(),
        pollingInterval: 500,
      }) as PublicClient;
      publicClients.set(key, c);
    }
    return c;
  };
  const deployment = () => (deploymentPromise ??= readDeployment(manifestPath));
  const account = () => (accountPromise ??= loadAccount(options, env));
  const chainOf = (d: Deployment) =>
    defineChain({
      id: d.chainId,
      name: `chain ${d.chainId}`,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [rpcUrl] } },
    });

  const ctx: Context = {
    rpcUrl,
    manifestPath,
    json,
    progress,
    transport,
    publicClient,
    deployment,
    account,
    joule: async ({ sign = false } = {}) => {
      const d = await deployment();
      const chain = chainOf(d);
      const walletClient = sign
        ? createWalletClient({ account: await account(), chain, transport: transport() })
        : undefined;
      return createJouleClient({
        deployment: d,
        publicClient: publicClient(chain),
        walletClient,
        onProgress: (e) => progress.update(e.message),
      });
    },
    token: (address) => {
      let p = tokens.get(address);
      if (!p) {
        const client = publicClient();
        p = Promise.all([
          readContract(client, { address, abi: erc20Abi, functionName: "symbol" }).catch(() => "tokens"),
          readContract(client, { address, abi: erc20Abi, functionName: "decimals" }).catch(() => 18),
        ]).then(([symbol, decimals]) => ({ symbol, decimals }));
        tokens.set(address, p);
      }
      return p;
    },
    resolveToken: async (flag, value) => {
      const d = await deployment();
      if (value === undefined || value === "payment") {
        if (!d.addresses.paymentToken)
          throw new InvalidInputError(flag, "the deployment has no payment token: pass an address");
        return d.addresses.paymentToken;
      }
      if (value.toLowerCase() === "joule") return d.addresses.jouleToken;
      return parseAddress(flag, value);
    },
    formatToken: async (address, amount) => {
      const { symbol, decimals } = await ctx.token(address);
      return `${formatUnits(amount, decimals)} ${symbol}`;
    },
    print: (output) => {
      progress.done();
      if (json) process.stdout.write(`${toJson(output.json, 2)}\n`);
      else process.stdout.write(`${Array.isArray(output.text) ? output.text.join("\n") : output.text}\n`);
    },
  };
  return ctx;
}

function validateRpcUrl(value: string, source: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(source, `not a URL: "${value}"`);
  }
  if (!["http:", "https:", "ws:", "wss:"].includes(url.protocol)) {
    throw new ConfigError(source, `must be an http(s) or ws(s) URL, got "${url.protocol}"`);
  }
  return value;
}

/** The signing key: an encrypted JSON keystore (with JOULE_KEYSTORE_PASSWORD) or JOULE_PRIVATE_KEY. Never printed. */
async function loadAccount(options: GlobalOptions, env: NodeJS.ProcessEnv): Promise<LocalAccount> {
  const keystore = options.keystore ?? env.JOULE_KEYSTORE;
  if (keystore) {
    const source = options.keystore ? "--keystore" : "JOULE_KEYSTORE";
    const password = env.JOULE_KEYSTORE_PASSWORD;
    if (password === undefined)
      throw new ConfigError("JOULE_KEYSTORE_PASSWORD", `is not set (needed to decrypt ${source})`);
    let text: string;
    try {
      text = await readFile(keystore, "utf8");
    } catch (err) {
      throw new ConfigError(source, `cannot read ${keystore}`, { cause: err });
    }
    let ethers: typeof import("ethers");
    try {
      ethers = await import("ethers");
    } catch (err) {
      throw new ConfigError(
        source,
        "decrypting a keystore needs the optional dependency ethers v6 (npm install ethers)",
        { cause: err },
      );
    }
    if (!ethers.isKeystoreJson(text)) throw new ConfigError(source, `${keystore} is not an encrypted JSON keystore`);
    try {
      const wallet = await ethers.Wallet.fromEncryptedJson(text, password);
      return privateKeyToAccount(wallet.privateKey as `0x${string}`);
    } catch (err) {
      throw new ConfigError("JOULE_KEYSTORE_PASSWORD", `cannot decrypt ${keystore} (wrong password?)`, { cause: err });
    }
  }
  const raw = env.JOULE_PRIVATE_KEY?.trim();
  if (!raw) {
    throw new ConfigError(
      "JOULE_PRIVATE_KEY",
      "is not set: export the signing key, or pass --keystore <file> with JOULE_KEYSTORE_PASSWORD",
    );
  }
  const key = (raw.startsWith("0x") ? raw : `0x${raw}`) as `0x${string}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(key))
    throw new ConfigError("JOULE_PRIVATE_KEY", "must be 32 bytes of hex (64 hex digits)");
  try {
    return privateKeyToAccount(key);
  } catch {
    throw new ConfigError("JOULE_PRIVATE_KEY", "is not a valid secp256k1 private key");
  }
}
