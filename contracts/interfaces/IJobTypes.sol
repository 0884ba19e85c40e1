// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Shared types of the Joule market.
/// @dev A job's immutable terms are not stored: the market keeps a commitment, `keccak256(abi.encode(params))`
/// while open and `keccak256(abi.encode(paramsHash, provider, pricePerUnit))` once assigned, and every call
/// takes the terms as calldata and checks them against it. `JobCreated` and `JobAssigned` carry them, so
/// anyone (indexer, SDK, keeper) can rebuild them from logs.
interface IJobTypes {
    enum JobStatus {
        None,
        Open,
        Assigned,
        Completed,
        Cancelled,
        Expired,
        Failed
    }

    /// @notice Why a job reached a terminal state (carried by `JobClosed`).
    enum CloseReason {
        Completed,
        CancelledByTenant,
        NoBids,
        ProofRejected,
        DeliveryMissed,
        VerificationTimeout
    }

    /// @notice What a provider's hardware must meet to win the job. Zero means "no requirement".
    struct Requirements {
        uint16 minGpuClass;
        uint16 minGpuCount;
        uint32 minVramGb;
        /// @dev Maximum declared carbon intensity of the provider, gCO2e/kWh; 0 = no cap.
        uint32 maxCarbonIntensity;
    }

    /// @notice What the tenant asks for when creating a job.
    struct JobRequest {
        /// @dev Payment token; must be allowlisted.
        address token;
        /// @dev IWorkVerifier that judges the proofs; must be allowlisted.
        address verifier;
        /// @dev Content hash of the workload specification (stored off-chain).
        bytes32 specHash;
        /// @dev Total work units (GPU-seconds) the tenant pays for at most, across all milestones (< 2^48).
        /// The job completes when its last milestone, or its last unit, is settled.
        uint64 maxUnits;
        /// @dev Highest price per unit the tenant accepts, in token base units.
        uint128 maxPricePerUnit;
        /// @dev JOULE the winning provider must lock as collateral for the job's duration.
        uint128 collateral;
        /// @dev Timestamp after which bidding is over and `award` may be called.
        uint40 biddingEnd;
        /// @dev Seconds from assignment by which every milestone must be proven (verification time excluded).
        uint32 deliveryWindow;
        /// @dev Number of milestones, proven and settled in order (1..MAX_MILESTONES).
        uint8 milestones;
        Requirements requirements;
    }

    /// @notice A job's full immutable terms: the tenant's request plus what the market fixed at creation.
    struct JobParams {
        address tenant;
        /// @dev Who paid the escrow (the tenant or a sponsor); every refund goes to this address.
        address payer;
        /// @dev Protocol fee in basis points, fixed at creation so governance cannot change a live job.
        uint16 feeBps;
        /// @dev Share of a slash credited to the payer (the rest to the treasury), fixed at creation too.
        uint16 slashPayerShareBps;
        /// @dev Seconds the verifiers have to settle a submitted proof, fixed at creation.
        uint32 verificationWindow;
        JobRequest request;
    }

    /// @notice Who won a job and at what price. Fixed at assignment and, like `JobParams`, kept only as a hash:
    /// calls on an assigned job pass it (from `JobAssigned`) together with the params.
    struct Assignment {
        address provider;
        uint128 pricePerUnit;
    }

    /// @notice A provider's signed offer for one job (EIP-712, domain of the JobMarket).
    struct Bid {
        uint256 jobId;
        address provider;
        uint128 pricePerUnit;
        uint40 expiry;
        uint256 nonce;
    }

    /// @notice What verifiers sign (EIP-712, domain of the JobMarket) to judge one milestone proof.
    struct WorkAttestation {
        uint256 jobId;
        uint8 milestone;
        bytes32 resultRoot;
        uint64 units;
        uint64 energyWh;
        bool accepted;
    }

    /// @notice One milestone settlement for `settleMany`.
    struct Settlement {
        uint256 jobId;
        JobParams params;
        Assignment assignment;
        WorkAttestation attestation;
        bytes signatures;
    }
}
