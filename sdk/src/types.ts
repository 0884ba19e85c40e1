import type { Address, Hex } from "viem";

/** `IJobTypes.JobStatus`, by numeric value. */
export const JOB_STATUSES = ["None", "Open", "Assigned", "Completed", "Cancelled", "Expired", "Failed"] as const;
export type JobStatusName = (typeof JOB_STATUSES)[number];
/** `IJobTypes.CloseReason`, by numeric value. */
export const CLOSE_REASONS = [
  "Completed",
  "CancelledByTenant",
  "NoBids",
  "ProofRejected",
  "DeliveryMissed",
  "VerificationTimeout",
] as const;
export type CloseReasonName = (typeof CLOSE_REASONS)[number];
/** `IProviderRegistry.SlashReason`, by numeric value. */
export const SLASH_REASONS = ["ProofRejected", "DeliveryMissed"] as const;

/** Bounds the contracts enforce (JobMarket constants), checked by the SDK before sending. */
export const LIMITS = {
  maxMilestones: 64,
  minDeliveryWindow: 10 * 60,
  maxDeliveryWindow: 365 * 24 * 3600,
  maxBiddingPeriod: 30 * 24 * 3600,
  maxFeeBps: 1_000,
  /** Prices are stored in 88 bits. */
  maxPricePerUnit: (1n << 88n) - 1n,
  maxUint64: (1n << 64n) - 1n,
  /** A job's units (and its progress) are stored in 48 bits. */
  maxUnits: (1n << 48n) - 1n,
  maxUint128: (1n << 128n) - 1n,
  /** Energy of one proof is stored in 48 bits. */
  maxEnergyWh: (1n << 48n) - 1n,
  /** QuorumVerifier members (ascending addresses). */
  maxVerifiers: 16,
} as const;

/** Where a Joule deployment lives: written by `deployProtocol`, read by every other action and the indexer. */
export type Deployment = {
  chainId: number;
  addresses: {
    jouleToken: Address;
    providerRegistry: Address;
    rewardEmitter: Address;
    jobMarket: Address;
    quorumVerifier: Address;
    /** Payment token deployed or allowlisted at deployment (a MockERC20 on local networks). */
    paymentToken?: Address | undefined;
  };
  /** Block of the first deployment transaction: where log scans (and the indexer) start. */
  startBlock: number;
};

/** `IJobTypes.Requirements` — zero means "no requirement". */
export type Requirements = {
  minGpuClass: number;
  minGpuCount: number;
  minVramGb: number;
  /** gCO2e/kWh; 0 = no cap. */
  maxCarbonIntensity: number;
};

/** `IJobTypes.JobRequest` (viem's decoded shape: ≤48-bit integers are numbers, larger ones bigints). */
export type JobRequest = {
  token: Address;
  verifier: Address;
  specHash: Hex;
  maxUnits: bigint;
  maxPricePerUnit: bigint;
  collateral: bigint;
  biddingEnd: number;
  deliveryWindow: number;
  milestones: number;
  requirements: Requirements;
};

/** `IJobTypes.JobParams`: a job's immutable terms, passed with every call on the job. */
export type JobParams = {
  tenant: Address;
  /** Who paid the escrow (the tenant or a sponsor); every refund goes there. */
  payer: Address;
  /** Protocol fee, fixed at creation. */
  feeBps: number;
  /** Share of a slash credited to the payer, fixed at creation. */
  slashPayerShareBps: number;
  /** Seconds verifiers have per proof, fixed at creation. */
  verificationWindow: number;
  request: JobRequest;
};

/**
 * `IJobTypes.Assignment`: who won a job and at what price. Like the params, the market keeps only a hash of
 * it; calls on an assigned job pass both (the SDK rebuilds it from the `JobAssigned` log when not given).
 */
export type Assignment = {
  provider: Address;
  pricePerUnit: bigint;
};

/** `IJobTypes.Bid`: a provider's signed offer. */
export type Bid = {
  jobId: bigint;
  provider: Address;
  pricePerUnit: bigint;
  expiry: number;
  nonce: bigint;
};

/** `IJobTypes.WorkAttestation`: what verifiers sign for one milestone. */
export type WorkAttestation = {
  jobId: bigint;
  milestone: number;
  resultRoot: Hex;
  units: bigint;
  energyWh: bigint;
  accepted: boolean;
};

/** A signed bid as it travels between provider and tenant. */
export type SignedBid = { bid: Bid; signature: Hex };

/** One verifier's signature over an attestation. */
export type AttestationSignature = { attestation: WorkAttestation; signer: Address; signature: Hex };

/** A job's creation as recorded by its `JobCreated` log. */
export type JobCreatedInfo = {
  jobId: bigint;
  params: JobParams;
  /** Escrow funded at creation: maxUnits × maxPricePerUnit. */
  funded: bigint;
  blockNumber: bigint;
  transactionHash: Hex;
};
