import { type Address, erc20Abi, type Hex, maxUint256, parseEventLogs, parseSignature } from "viem";
import { getEip712Domain, readContract, signTypedData } from "viem/actions";
import { jobMarketAbi } from "../abi/index.ts";
import { accountAddress, assertDeploymentChain, type JouleClient, progress, requireWallet } from "../client.ts";
import { toJouleError } from "../errors/decode.ts";
import { InvalidInputError } from "../errors/errors.ts";
import { type JobParams, type JobRequest, LIMITS, type Requirements } from "../types.ts";
import { chainTime, read, sendContractTx, type WriteResult } from "../utils/tx.ts";
import { type IntegerInput, toAddress, toBytes32, toFutureTimestamp, toSmallUint, toUint } from "../utils/validate.ts";

export type CreateJobParameters = {
  /** Content hash of the workload specification. */
  specHash: Hex;
  /** Work units (GPU-seconds) the tenant pays for at most. */
  maxUnits: IntegerInput;
  /** Highest acceptable price per unit, in the payment token's base units. */
  maxPricePerUnit: IntegerInput;
  /** JOULE (wei) the winning provider must lock. Default 0. */
  collateral?: IntegerInput | undefined;
  /** Unix time when bidding ends (chain time; at most 30 days ahead). */
  biddingEnd: number | bigint;
  /** Seconds from assignment by which every milestone must be proven (10 min..365 days). */
  deliveryWindow: number;
  /** Milestones proven and settled in order (1..64). Default 1. */
  milestones?: number | undefined;
  /** Hardware requirements; omitted fields mean no requirement. */
  requirements?: Partial<Requirements> | undefined;
  /** Payment token; default: the deployment's payment token. */
  token?: Address | undefined;
  /** Verifier; default: the deployment's quorum verifier. */
  verifier?: Address | undefined;
  /** Create on behalf of this tenant, paid by the caller as sponsor (`createJobFor`); refunds go to the sponsor. */
  tenant?: Address | undefined;
  /**
   * How the escrow is pulled: `approve` (default) sends an ERC-20 approval first when the allowance is short;
   * `permit` signs an EIP-2612 permit and creates the job in one transaction; `allowance` assumes it is in place.
   */
  funding?: "approve" | "permit" | "allowance" | undefined;
  /** With `approve`: approve the maximum instead of the exact amount. */
  approveMax?: boolean | undefined;
  /** With `permit`: permit deadline (unix time). Default: one hour after chain time. */
  permitDeadline?: number | undefined;
};

export type CreateJobReturnType = WriteResult & {
  jobId: bigint;
  /** The job's terms exactly as the market hashed them (decoded from `JobCreated`). */
  params: JobParams;
  /** Escrow pulled: maxUnits × maxPricePerUnit. */
  funded: bigint;
  /** Approval transaction, when one was needed. */
  approvalHash: Hex | undefined;
};

/**
 * Creates and funds a job. Validates the request against the market's bounds first, takes care of the
 * allowance (approve or EIP-2612 permit), supports sponsors (`tenant`), and returns the job id with the
 * exact `JobParams` every later call on the job needs.
 *
 * @example
 * const { jobId, params } = await createJob(joule, {
 *   specHash: keccak256(toBytes(specJson)),
 *   maxUnits: 3_600n,
 *   maxPricePerUnit: 1_000n,
 *   collateral: parseEther("1000"),
 *   biddingEnd: Math.floor(Date.now() / 1000) + 3600,
 *   deliveryWindow: 86_400,
 *   milestones: 2,
 *   requirements: { minGpuClass: 1, minVramGb: 24 },
 * });
 */
export async function createJob(joule: JouleClient, parameters: CreateJobParameters): Promise<CreateJobReturnType> {
  const sender = accountAddress(joule);
  const { addresses } = joule.deployment;
  const market = addresses.jobMarket;

  const tokenInput = parameters.token ?? addresses.paymentToken;
  if (!tokenInput) throw new InvalidInputError("token", "no token given and the deployment has no payment token");
  const token = toAddress("token", tokenInput);
  const verifier = toAddress("verifier", parameters.verifier ?? addresses.quorumVerifier);
  const tenant = parameters.tenant === undefined ? sender : toAddress("tenant", parameters.tenant);
  const funding = parameters.funding ?? "approve";
  if (!["approve", "permit", "allowance"].includes(funding)) {
    throw new InvalidInputError("funding", `must be approve, permit or allowance (got ${String(funding)})`);
  }
  if (funding === "permit" && tenant !== sender) {
    throw new InvalidInputError(
      "funding",
      "a permit can only fund the caller's own job (the market has no sponsored permit)",
    );
  }
  const r = parameters.requirements ?? {};
  const requirements: Requirements = {
    minGpuClass: toSmallUint("requirements.minGpuClass", r.minGpuClass ?? 0, { max: 2 ** 16 - 1 }),
    minGpuCount: toSmallUint("requirements.minGpuCount", r.minGpuCount ?? 0, { max: 2 ** 16 - 1 }),
    minVramGb: toSmallUint("requirements.minVramGb", r.minVramGb ?? 0, { max: 2 ** 32 - 1 }),
    maxCarbonIntensity: toSmallUint("requirements.maxCarbonIntensity", r.maxCarbonIntensity ?? 0, { max: 2 ** 32 - 1 }),
  };
  const now = await chainTime(joule);
  const request: JobRequest = {
    token,
    verifier,
    specHash: toBytes32("specHash", parameters.specHash),
    maxUnits: toUint("maxUnits", parameters.maxUnits, { max: LIMITS.maxUnits }),
    maxPricePerUnit: toUint("maxPricePerUnit", parameters.maxPricePerUnit, { max: LIMITS.maxPricePerUnit }),
    collateral: toUint("collateral", parameters.collateral ?? 0n, { min: 0n, max: LIMITS.maxUint128 }),
    biddingEnd: toFutureTimestamp("biddingEnd", parameters.biddingEnd, now, { maxAhead: LIMITS.maxBiddingPeriod }),
    deliveryWindow: toSmallUint("deliveryWindow", parameters.deliveryWindow, {
      min: LIMITS.minDeliveryWindow,
      max: LIMITS.maxDeliveryWindow,
    }),
    milestones: toSmallUint("milestones", parameters.milestones ?? 1, { min: 1, max: LIMITS.maxMilestones }),
    requirements,
  };
  const funded = request.maxUnits * request.maxPricePerUnit;
  await assertDeploymentChain(joule);

  const balance = await read(() =>
    readContract(joule.client, { address: token, abi: erc20Abi, functionName: "balanceOf", args: [sender] }),
  );
  if (balance < funded) {
    throw new InvalidInputError(
      "maxUnits × maxPricePerUnit",
      `the job needs ${funded} of token ${token} in escrow but ${sender} holds ${balance}`,
    );
  }

  let approvalHash: Hex | undefined;
  let result: WriteResult;
  if (funding === "permit") {
    const deadline =
      parameters.permitDeadline === undefined
        ? now + 3600
        : toFutureTimestamp("permitDeadline", parameters.permitDeadline, now);
    progress(joule, { action: "createJob", stage: "sign", message: "createJob: signing EIP-2612 permit" });
    const { v, r: sigR, s } = await signPermit(joule, token, sender, market, funded, BigInt(deadline));
    result = await sendContractTx(joule, "createJob", {
      address: market,
      abi: jobMarketAbi,
      functionName: "createJobWithPermit",
      args: [request, BigInt(deadline), v, sigR, s],
    });
  } else {
    if (funding === "approve") {
      const allowance = await read(() =>
        readContract(joule.client, {
          address: token,
          abi: erc20Abi,
          functionName: "allowance",
          args: [sender, market],
        }),
      );
      if (allowance < funded) {
        progress(joule, {
          action: "createJob",
          stage: "approve",
          message: `createJob: approving ${funded} of ${token}`,
        });
        approvalHash = (
          await sendContractTx(joule, "createJob", {
            address: token,
            abi: erc20Abi,
            functionName: "approve",
            args: [market, parameters.approveMax ? maxUint256 : funded],
          })
        ).hash;
      }
    }
    result =
      tenant === sender
        ? await sendContractTx(joule, "createJob", {
            address: market,
            abi: jobMarketAbi,
            functionName: "createJob",
            args: [request],
          })
        : await sendContractTx(joule, "createJob", {
            address: market,
            abi: jobMarketAbi,
            functionName: "createJobFor",
            args: [tenant, request],
          });
  }

  const [event] = parseEventLogs({
    abi: jobMarketAbi,
    eventName: "JobCreated",
    logs: result.receipt.logs,
    strict: true,
  }).filter((l) => l.address.toLowerCase() === market.toLowerCase());
  if (!event) throw toJouleError(new Error(`createJob transaction ${result.hash} emitted no JobCreated event`));
  const info = {
    jobId: event.args.jobId,
    params: event.args.params,
    funded: event.args.funded,
    blockNumber: event.blockNumber,
    transactionHash: event.transactionHash,
  };
  joule.paramsCache.set(info.jobId, info);
  return { ...result, jobId: info.jobId, params: info.params, funded: info.funded, approvalHash };
}

const permitAbi = [
  {
    type: "function",
    name: "nonces",
    stateMutability: "view",
    inputs: [{ name: "owner", type: "address" }],
    outputs: [{ type: "uint256" }],
  },
  { type: "function", name: "name", stateMutability: "view", inputs: [], outputs: [{ type: "string" }] },
] as const;

/** Signs an EIP-2612 permit; the token's domain comes from ERC-5267 `eip712Domain()` when it has one. */
async function signPermit(
  joule: JouleClient,
  token: Address,
  owner: Address,
  spender: Address,
  value: bigint,
  deadline: bigint,
) {
  const wallet = requireWallet(joule);
  const domain = await getEip712Domain(joule.client, { address: token })
    .then((d) => ({
      name: d.domain.name,
      version: d.domain.version,
      chainId: d.domain.chainId,
      verifyingContract: d.domain.verifyingContract,
    }))
    .catch(async () => ({
      name: await read(() => readContract(joule.client, { address: token, abi: permitAbi, functionName: "name" })),
      version: "1",
      chainId: joule.deployment.chainId,
      verifyingContract: token,
    }));
  const nonce = await read(() =>
    readContract(joule.client, { address: token, abi: permitAbi, functionName: "nonces", args: [owner] }),
  );
  let signature: Hex;
  try {
    signature = await signTypedData(wallet, {
      account: wallet.account,
      domain,
      types: {
        Permit: [
          { name: "owner", type: "address" },
          { name: "spender", type: "address" },
          { name: "value", type: "uint256" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      },
      primaryType: "Permit",
      message: { owner, spender, value, nonce, deadline },
    });
  } catch (err) {
    throw toJouleError(err);
  }
  const sig = parseSignature(signature);
  const v = Number(sig.v ?? BigInt(sig.yParity + 27));
  return { v, r: sig.r, s: sig.s };
}
