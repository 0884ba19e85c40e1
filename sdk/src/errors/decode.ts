import {
  type Abi,
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  type Hex,
  HttpRequestError,
  TimeoutError,
  UserRejectedRequestError,
  WebSocketRequestError,
  isHex,
  toFunctionSelector,
} from "viem";
import { jobMarketAbi, jouleTokenAbi, providerRegistryAbi, quorumVerifierAbi, rewardEmitterAbi } from "../abi/index.ts";
import { JouleError } from "./base.ts";

type AbiError = Extract<Abi[number], { type: "error" }>;
import { ContractRevertError, RpcError, SignerError, TransactionRevertedError } from "./errors.ts";
import { CLOSE_REASONS, JOB_STATUSES, SLASH_REASONS } from "../types.ts";

/** Every custom error of the protocol's contracts (and the OpenZeppelin ones they inherit), deduplicated. */
export const jouleErrorsAbi: readonly AbiError[] = (() => {
  const seen = new Set<string>();
  const out: AbiError[] = [];
  for (const abi of [jobMarketAbi, providerRegistryAbi, rewardEmitterAbi, quorumVerifierAbi, jouleTokenAbi] as Abi[]) {
    for (const item of abi) {
      if (item.type !== "error") continue;
      const sig = `${item.name}(${item.inputs.map((i) => i.type).join(",")})`;
      if (seen.has(sig)) continue;
      seen.add(sig);
      out.push(item);
    }
  }
  return out;
})();

const ENUMS: Record<string, readonly string[]> = {
  "enum IJobTypes.JobStatus": JOB_STATUSES,
  "enum IJobTypes.CloseReason": CLOSE_REASONS,
  "enum IProviderRegistry.SlashReason": SLASH_REASONS,
};

const PANICS: Record<number, string> = {
  0x01: "assertion failed",
  0x11: "arithmetic overflow or underflow",
  0x12: "division by zero",
  0x21: "invalid enum value",
  0x31: "pop on an empty array",
  0x32: "array index out of bounds",
  0x41: "out of memory",
  0x51: "call to an uninitialized function",
};

const time = (ts: unknown) => {
  const n = Number(ts);
  return Number.isFinite(n) && n > 0 ? `${new Date(n * 1000).toISOString()} (${n})` : String(ts);
};

type Args = Record<string, unknown>;
/** Readable sentences for the errors users meet most; others print as `Name(arg=value, ...)`. */
const FORMATTERS: Record<string, (a: Args) => string> = {
  JobParamsMismatch: (a) => `the params given for job ${a.jobId} are not the ones it was created with`,
  JobNotOpen: (a) => `job ${a.jobId} is ${a.status}`,
  JobNotAssigned: (a) => `job ${a.jobId} is ${a.status}`,
  NotTenant: (a) => `${a.caller} is not the tenant of job ${a.jobId}`,
  NotAssignedProvider: (a) => `${a.caller} is not the provider assigned to job ${a.jobId}`,
  BiddingClosed: (a) => `bidding on job ${a.jobId} ended at ${time(a.biddingEnd)}`,
  BiddingNotEnded: (a) => `bidding on job ${a.jobId} runs until ${time(a.biddingEnd)}`,
  BidNotBetter: (a) => `a bid of ${a.price} on job ${a.jobId} does not beat the best bid of ${a.best}`,
  BidAboveMax: (a) => `a bid of ${a.price} on job ${a.jobId} is above its maximum price ${a.maxPricePerUnit}`,
  NoBid: (a) => `job ${a.jobId} has no bid`,
  BidExpired: (a) => `the bid expired at ${time(a.expiry)}; chain time is ${time(a.nowTs)}`,
  InvalidBidSignature: (a) => `the bid signature is not from ${a.provider}`,
  NonceUsed: (a) => `nonce ${a.nonce} of ${a.provider} was already used or invalidated`,
  WrongMilestone: (a) => `job ${a.jobId} expects milestone ${a.expected}, got ${a.got}`,
  ProofPending: (a) => `milestone ${a.milestone} of job ${a.jobId} is waiting for verification`,
  NoProofPending: (a) => `job ${a.jobId} has no proof waiting for verification`,
  UnitsExceedMax: (a) => `job ${a.jobId} would reach ${a.total} units, above its maximum of ${a.maxUnits}`,
  EnergyTooLarge: (a) => `energy ${a.energyWh} Wh does not fit in 40 bits`,
  DeliveryDeadlinePassed: (a) => `the delivery deadline of job ${a.jobId} passed at ${time(a.deadline)}`,
  AttestationMismatch: (a) =>
    `the attestation does not match the pending proof of job ${a.jobId} milestone ${a.milestone}`,
  InvalidAttestation: (a) =>
    `the signatures do not make a quorum for job ${a.jobId} milestone ${a.milestone} (wrong signers, order or count)`,
  VerificationTimedOut: (a) => `the verification window of job ${a.jobId} closed at ${time(a.deadline)}`,
  NothingToExpire: (a) => `job ${a.jobId} is ${a.status} and has no passed deadline to act on`,
  InsufficientBalance: (a) => `${a.account} has ${a.balance} of token ${a.token} in the market, not ${a.amount}`,
  TokenNotAllowed: (a) => `token ${a.token} is not allowlisted by the market`,
  VerifierNotAllowed: (a) => `verifier ${a.verifier} is not allowlisted by the market`,
  InvalidMilestones: (a) => `${a.milestones} milestones (allowed 1..64)`,
  InvalidUnits: (a) => `${Object.values(a)[0]} units (must be positive and below 2^48)`,
  InvalidPrice: (a) => `price ${a.pricePerUnit} (must be positive)`,
  PriceTooHigh: (a) => `price ${a.pricePerUnit} is above ${a.max}`,
  InvalidDeliveryWindow: (a) => `delivery window ${a.window}s (allowed 600s..365 days)`,
  BiddingEndInvalid: (a) => `bidding end ${time(a.biddingEnd)} must lie between ${time(a.min)} and ${time(a.max)}`,
  TokenTransferMismatch: (a) =>
    `token ${a.token} delivered ${a.received} instead of ${a.expected} (fee-on-transfer tokens are not supported)`,
  MarketPaused: () => "the market is paused: no new jobs or bids",
  EmptyBatch: () => "nothing to do: the batch is empty",
  ZeroAmount: () => "the amount must be positive",
  ZeroAddress: () => "an address argument is zero",
  NotAContract: (a) => `${a.account} has no code (not a token contract)`,
  MembersNotAscending: (a) => `quorum members must be in strictly ascending address order (at ${a.member})`,
  TooManyMembers: (a) => `${a.count} quorum members, at most ${a.max}`,
  NotRegistered: (a) => `${a.provider} is not a registered provider`,
  AlreadyRegistered: (a) => `${a.provider} is already registered`,
  InvalidProfile: () => "gpuCount and vramGb must be positive",
  InsufficientFreeStake: (a) => `provider ${a.provider} has ${a.free} free stake, needs ${a.needed}`,
  RequirementsNotMet: (a) => `provider ${a.provider} does not meet the job's hardware requirements`,
  CarbonIntensityTooHigh: (a) =>
    `provider ${a.provider} declares ${a.carbonIntensity} gCO2e/kWh, the job allows at most ${a.maxAllowed}`,
  UnbondingNotReady: (a) => `the unbonding stake of ${a.provider} unlocks at ${time(a.unlockAt)}`,
  NothingUnbonding: (a) => `${a.provider} has nothing unbonding`,
  EpochNotEnded: (a) => `epoch ${a.epoch} has not ended (current epoch ${a.current})`,
  AlreadyClaimed: (a) => `${a.provider} already claimed epoch ${a.epoch}`,
  NoWork: (a) => `${a.provider} recorded no work in epoch ${a.epoch}`,
  OwnableUnauthorizedAccount: (a) => `${a.account} is not the owner`,
  ERC20InsufficientAllowance: (a) => `allowance of ${a.spender} is ${a.allowance}, needs ${a.needed}`,
  ERC20InsufficientBalance: (a) => `${a.sender} has a token balance of ${a.balance}, needs ${a.needed}`,
  ERC2612ExpiredSignature: (a) => `the permit expired at ${time(a.deadline)}`,
  ERC2612InvalidSigner: (a) => `the permit was signed by ${a.signer}, not ${a.owner}`,
  ERC20ExceededCap: (a) => `minting would raise the supply to ${a.increasedSupply}, above the cap ${a.cap}`,
  // Solidity's built-ins: `Error(string)` and `Panic(uint256)`; their argument names vary between ABIs.
  Error: (a) => String(Object.values(a)[0]),
  Panic: (a) => {
    const code = Number(Object.values(a)[0]);
    return PANICS[code] ?? `panic 0x${code.toString(16)}`;
  },
};

/**
 * Decodes raw revert data against the protocol's errors. Enum arguments are shown by name, so the message
 * reads `JobNotOpen: job 12 is Assigned`. Returns undefined when the selector is unknown.
 */
export function decodeRevertData(data: Hex, parameters: { cause?: unknown } = {}): ContractRevertError | undefined {
  if (!isHex(data) || data.length < 10) return undefined;
  let decoded: {
    errorName: string;
    args: readonly unknown[] | undefined;
    abiItem: { inputs?: readonly { name?: string; type: string; internalType?: string }[] };
  };
  try {
    decoded = decodeErrorResult({ abi: jouleErrorsAbi, data }) as typeof decoded;
  } catch {
    return undefined;
  }
  const inputs = decoded.abiItem.inputs ?? [];
  const raw: Args = {};
  const display: Args = {};
  inputs.forEach((input, i) => {
    const name = input.name || `arg${i}`;
    const value = decoded.args?.[i];
    raw[name] = value;
    const names = input.internalType ? ENUMS[input.internalType] : undefined;
    display[name] = names && typeof value === "number" ? (names[value] ?? value) : value;
  });
  const name = decoded.errorName;
  const format = FORMATTERS[name];
  const readable = format
    ? format(display)
    : Object.entries(display)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(", ");
  return new ContractRevertError(name, readable, raw, data, { cause: parameters.cause });
}

/** Finds revert data anywhere in an error's cause chain (viem, ethers and raw JSON-RPC error shapes). */
export function findRevertData(err: unknown): Hex | undefined {
  const seen = new Set<unknown>();
  const stack: unknown[] = [err];
  while (stack.length) {
    const e = stack.pop();
    if (e === null || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const o = e as Record<string, unknown>;
    if (e instanceof ContractFunctionRevertedError && e.raw) return e.raw;
    const data = o.data;
    if (typeof data === "string" && isHex(data) && data.length >= 10) return data;
    if (data && typeof data === "object") stack.push(data);
    for (const k of ["cause", "error", "info", "raw"]) if (o[k] && typeof o[k] === "object") stack.push(o[k]);
  }
  return undefined;
}

/**
 * Turns anything thrown by viem, ethers or a node into a `JouleError`: contract reverts become
 * `ContractRevertError` with a readable message, transport failures `RpcError` (retryable).
 */
export function toJouleError(err: unknown, context: { hash?: Hex | undefined } = {}): JouleError {
  if (err instanceof JouleError) return err;

  const data = findRevertData(err);
  if (data) {
    const decoded = decodeRevertData(data, { cause: err });
    if (decoded) return decoded;
  }
  if (err instanceof BaseError) {
    const reverted = err.walk(
      (e) => e instanceof ContractFunctionRevertedError,
    ) as ContractFunctionRevertedError | null;
    if (reverted) {
      if (reverted.data) {
        return new ContractRevertError(reverted.data.errorName, formatViemArgs(reverted), {}, reverted.raw, {
          cause: err,
        });
      }
      if (reverted.reason)
        return new ContractRevertError("Error", reverted.reason, { reason: reverted.reason }, reverted.raw, {
          cause: err,
        });
      if (reverted.signature) {
        return new ContractRevertError(`unknown error ${reverted.signature}`, "", {}, reverted.raw, { cause: err });
      }
      return new ContractRevertError("Reverted", "the call reverted without a reason", {}, undefined, { cause: err });
    }
    if (err.walk((e) => e instanceof UserRejectedRequestError)) {
      return new SignerError("The signer rejected the request", { cause: err });
    }
    if (
      err.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError || e instanceof WebSocketRequestError)
    ) {
      return new RpcError(`RPC request failed: ${err.shortMessage}`, { cause: err, details: err.details });
    }
    if (context.hash && /revert/i.test(err.shortMessage))
      return new TransactionRevertedError(context.hash, { cause: err });
    return new JouleError(err.shortMessage, { cause: err, details: err.details });
  }
  const e = err as { code?: unknown; shortMessage?: unknown; message?: unknown } | undefined;
  if (e && (e.code === "ACTION_REJECTED" || e.code === 4001)) {
    return new SignerError("The signer rejected the request", { cause: err });
  }
  if (
    e &&
    (e.code === "NETWORK_ERROR" || e.code === "TIMEOUT" || e.code === "ECONNREFUSED" || e.code === "SERVER_ERROR")
  ) {
    return new RpcError(`RPC request failed: ${String(e.shortMessage ?? e.message)}`, { cause: err });
  }
  const message =
    e && (typeof e.shortMessage === "string" ? e.shortMessage : typeof e.message === "string" ? e.message : undefined);
  return new JouleError(message?.split("\n")[0] || "Unexpected error", { cause: err });
}

function formatViemArgs(e: ContractFunctionRevertedError): string {
  const args = e.data?.args ?? [];
  return args.map((a) => String(a)).join(", ");
}

/** 4-byte selector of a protocol error by name (useful in tests and filters). */
export function errorSelector(name: string): Hex {
  const item = jouleErrorsAbi.find((e) => e.name === name);
  if (!item) throw new Error(`unknown error ${name}`);
  return toFunctionSelector(`${item.name}(${item.inputs.map((i: { type: string }) => i.type).join(",")})`);
}
