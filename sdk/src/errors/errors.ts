import type { Hex } from "viem";
import { JouleError, type JouleErrorParameters } from "./base.ts";

type Rest = Omit<JouleErrorParameters, "code">;

/** An argument failed validation before anything was sent. `field` names it. */
export class InvalidInputError extends JouleError {
  override name = "InvalidInputError";
  readonly field: string;
  constructor(field: string, problem: string, parameters: Rest = {}) {
    super(`Invalid ${field}: ${problem}`, { ...parameters, code: "INVALID_INPUT" });
    this.field = field;
  }
}

/** A contract call reverted with a decoded custom error (or a reason string / panic). */
export class ContractRevertError extends JouleError {
  override name = "ContractRevertError";
  /** Custom error name, e.g. `JobNotOpen`; `Error` for a reason string, `Panic` for a panic. */
  readonly errorName: string;
  /** The error's arguments by name (enums as their numeric value). */
  readonly args: Readonly<Record<string, unknown>>;
  /** Raw revert data. */
  readonly data: Hex | undefined;
  constructor(
    errorName: string,
    readable: string,
    args: Record<string, unknown>,
    data: Hex | undefined,
    parameters: Rest = {},
  ) {
    super(readable ? `${errorName}: ${readable}` : errorName, { ...parameters, code: "CONTRACT_REVERT" });
    this.errorName = errorName;
    this.args = args;
    this.data = data;
  }
}

/** A mined transaction failed without revert data the SDK could decode. */
export class TransactionRevertedError extends JouleError {
  override name = "TransactionRevertedError";
  readonly hash: Hex;
  constructor(hash: Hex, parameters: Rest = {}) {
    super(`Transaction ${hash} reverted`, { ...parameters, code: "TX_REVERTED" });
    this.hash = hash;
  }
}

/** Something the SDK looked up does not exist (a job, a log, a deployment). */
export class NotFoundError extends JouleError {
  override name = "NotFoundError";
  constructor(message: string, parameters: Rest = {}) {
    super(message, { ...parameters, code: "NOT_FOUND" });
  }
}

/** The node could not be reached or answered with a transport error; retrying may help. */
export class RpcError extends JouleError {
  override name = "RpcError";
  constructor(message: string, parameters: Rest = {}) {
    super(message, { retryable: true, ...parameters, code: "RPC" });
  }
}

/** The signer refused or failed to sign or send. */
export class SignerError extends JouleError {
  override name = "SignerError";
  constructor(message: string, parameters: Rest = {}) {
    super(message, { ...parameters, code: "SIGNER" });
  }
}

/** Bad or missing configuration (environment variable, manifest, keystore). `variable` names it. */
export class ConfigError extends JouleError {
  override name = "ConfigError";
  readonly variable: string;
  constructor(variable: string, problem: string, parameters: Rest = {}) {
    super(`${variable}: ${problem}`, { ...parameters, code: "CONFIG" });
    this.variable = variable;
  }
}

/** The indexer's GraphQL API failed or answered with errors. */
export class IndexerError extends JouleError {
  override name = "IndexerError";
  /** HTTP status, when the failure was an HTTP one. */
  readonly status: number | undefined;
  /** GraphQL errors returned by the API. */
  readonly graphqlErrors: readonly { message: string; path?: readonly (string | number)[] }[];
  constructor(
    message: string,
    parameters: Rest & {
      status?: number | undefined;
      graphqlErrors?: readonly { message: string; path?: readonly (string | number)[] }[];
    } = {},
  ) {
    const { status, graphqlErrors, ...rest } = parameters;
    super(message, { ...rest, code: "INDEXER" });
    this.status = status;
    this.graphqlErrors = graphqlErrors ?? [];
  }
}
