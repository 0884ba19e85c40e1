// @joule/sdk — TypeScript SDK for the Joule protocol. Names are exported explicitly.

// Client and deployment
export {
  accountAddress,
  type AssignmentInfo,
  createJouleClient,
  type CreateJouleClientParameters,
  type JouleClient,
  type ProgressEvent,
  type SigningWalletClient,
} from "./client.ts";
export { readDeployment, validateDeployment, writeDeployment } from "./deployment.ts";

// Types and constants
export {
  type Assignment,
  type AttestationSignature,
  type Bid,
  CLOSE_REASONS,
  type CloseReasonName,
  type Deployment,
  JOB_STATUSES,
  type JobCreatedInfo,
  type JobParams,
  type JobRequest,
  type JobStatusName,
  LIMITS,
  type Requirements,
  type SignedBid,
  SLASH_REASONS,
  type WorkAttestation,
} from "./types.ts";

// Errors
export { JouleError, type JouleErrorCode, type JouleErrorParameters } from "./errors/base.ts";
export {
  ConfigError,
  ContractRevertError,
  IndexerError,
  InvalidInputError,
  NotFoundError,
  RpcError,
  SignerError,
  TransactionRevertedError,
} from "./errors/errors.ts";
export { decodeRevertData, errorSelector, jouleErrorsAbi, toJouleError } from "./errors/decode.ts";

// Actions: deployment
export {
  deployProtocol,
  type DeployProtocolParameters,
  type DeployProtocolReturnType,
} from "./actions/deployProtocol.ts";
// Actions: tenants
export { createJob, type CreateJobParameters, type CreateJobReturnType } from "./actions/createJob.ts";
export { cancelJob, type CancelJobParameters, type CancelJobReturnType } from "./actions/cancelJob.ts";
export { acceptBid, type AcceptBidParameters, type AcceptBidReturnType } from "./actions/acceptBid.ts";
// Actions: providers
export {
  registerProvider,
  type RegisterProviderParameters,
  type RegisterProviderReturnType,
} from "./actions/registerProvider.ts";
export { stake, type StakeParameters, type StakeReturnType } from "./actions/stake.ts";
export { unstake, type UnstakeParameters, type UnstakeReturnType } from "./actions/unstake.ts";
export {
  withdrawUnbonded,
  type WithdrawUnbondedParameters,
  type WithdrawUnbondedReturnType,
} from "./actions/withdrawUnbonded.ts";
export { placeBid, type PlaceBidParameters, type PlaceBidReturnType } from "./actions/placeBid.ts";
export { signBid, type SignBidParameters, type SignBidReturnType } from "./actions/signBid.ts";
export { submitProof, type SubmitProofParameters, type SubmitProofReturnType } from "./actions/submitProof.ts";
// Actions: verifiers and keepers
export {
  signAttestation,
  type SignAttestationParameters,
  type SignAttestationReturnType,
} from "./actions/signAttestation.ts";
export { settle, settleMilestone, type SettleParameters, type SettleReturnType } from "./actions/settle.ts";
export { settleMany, type SettleManyParameters, type SettleManyReturnType } from "./actions/settleMany.ts";
export { award, type AwardParameters, type AwardReturnType } from "./actions/award.ts";
export { expire, type ExpireParameters, type ExpireReturnType } from "./actions/expire.ts";
// Actions: balances and rewards
export { withdraw, type WithdrawParameters, type WithdrawReturnType } from "./actions/withdraw.ts";
export { claim, type ClaimParameters, type ClaimReturnType } from "./actions/claim.ts";
export { claimRewards, type ClaimRewardsParameters, type ClaimRewardsReturnType } from "./actions/claimRewards.ts";
// Actions: reads and watching
export { getJob, type GetJobParameters, type GetJobReturnType } from "./actions/getJob.ts";
export { getJobParams, type GetJobParamsParameters, type GetJobParamsReturnType } from "./actions/getJobParams.ts";
export { getAssignment, type GetAssignmentParameters, type GetAssignmentReturnType } from "./actions/getAssignment.ts";
export {
  getPendingProof,
  type GetPendingProofParameters,
  type GetPendingProofReturnType,
} from "./actions/getPendingProof.ts";
export { listJobs, type ListJobsParameters, type ListJobsReturnType } from "./actions/listJobs.ts";
export { getProvider, type GetProviderParameters, type GetProviderReturnType } from "./actions/getProvider.ts";
export {
  getBalances,
  type GetBalancesParameters,
  type GetBalancesReturnType,
  type TokenBalance,
} from "./actions/getBalances.ts";
export {
  getPendingRewards,
  type GetPendingRewardsParameters,
  type GetPendingRewardsReturnType,
} from "./actions/getPendingRewards.ts";
export {
  JOB_EVENT_NAMES,
  type JobEvent,
  type JobEventName,
  watchJob,
  type WatchJobParameters,
  type WatchJobReturnType,
} from "./actions/watchJob.ts";

// Signatures, hashing, events
export { combineAttestationSignatures, sameAttestation, type VerifierSignature } from "./utils/signatures.ts";
export {
  attestationTypes,
  bidTypes,
  hashAttestation,
  hashBid,
  marketDomain,
  recoverAttestationSigner,
  recoverBidSigner,
} from "./utils/typedData.ts";
export { hashJobParams, jobCommitment, jobParamsAbiParameter, NO_ASSIGNMENT } from "./utils/params.ts";
export type { JobAssignedInfo, JobClosedInfo, MilestoneSettledInfo } from "./utils/events.ts";
export { toJson } from "./utils/json.ts";

// ethers v6 adapter
export { fromEthersSigner, type FromEthersSignerParameters } from "./ethers/fromEthersSigner.ts";

// Indexer GraphQL client
export {
  type Connection,
  createIndexerClient,
  type IndexerClient,
  type IndexerClientOptions,
  type PageInfo,
  type PaginateOptions,
  type SubscribeHandlers,
  type Subscription,
  type TypedQuery,
  typedQuery,
} from "./indexer/client.ts";

// ABIs
export { jobMarketAbi, jouleTokenAbi, providerRegistryAbi, quorumVerifierAbi, rewardEmitterAbi } from "./abi/index.ts";
