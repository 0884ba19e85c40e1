// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IJobTypes} from "./IJobTypes.sol";

/// @title Joule job market
/// @notice Escrows tenants' payments for GPU jobs, runs the bidding, takes work proofs, settles
/// them against a verifier's judgement and keeps pull-payment balances.
/// @dev Money rules (tested as invariants):
/// - Solvency per token: `token.balanceOf(market) == Σ heldInEscrow(open jobs) + Σ balanceOf(accounts)`.
/// - Conservation per job: funded = paid to provider + fees + refunds + remaining escrow.
/// - Every non-terminal job has a deadline after which a permissionless call moves it on.
/// - Governance can pause new jobs and bids, nothing else; it can never move escrow or balances.
interface IJobMarket is IJobTypes {
    /// @notice Deployment settings. The market deploys its ProviderRegistry and RewardEmitter with them.
    struct MarketSettings {
        uint16 feeBps;
        uint32 verificationWindow;
        uint16 slashPayerShareBps;
        uint32 unbondingDelay;
        /// @dev Start of reward epoch 0; 0 = deployment time.
        uint40 rewardGenesis;
        uint32 epochLength;
        uint256 initialEmission;
        uint32 halvingInterval;
    }

    /// @notice What `parameters()` returns. Bounds: feeBps <= 1000; verificationWindow in [1 hour, 7 days];
    /// slashPayerShareBps in [5000, 10000]. Jobs: 1..64 milestones, delivery window in [10 minutes, 365 days],
    /// bidding end within 30 days, maxPricePerUnit < 2^88.
    struct Parameters {
        uint16 feeBps;
        uint32 verificationWindow;
        uint16 slashPayerShareBps;
        bool paused;
        uint64 jobCount;
        address treasury;
        address registry;
        address rewardEmitter;
        address stakeToken;
    }

    // ───────────────────────────── Errors ─────────────────────────────
    error ZeroAddress();
    error TokenNotAllowed(address token);
    error VerifierNotAllowed(address verifier);
    error InvalidMilestones(uint8 milestones);
    error InvalidUnits(uint64 units);
    error InvalidPrice(uint256 pricePerUnit);
    error PriceTooHigh(uint256 pricePerUnit, uint256 max);
    error InvalidDeliveryWindow(uint32 window);
    error BiddingEndInvalid(uint40 biddingEnd, uint256 min, uint256 max);
    /// @notice The token delivered a different amount than was asked (fee-on-transfer or similar).
    error TokenTransferMismatch(address token, uint256 expected, uint256 received);
    /// @notice The params (or assignment) passed don't hash to the job's commitment.
    error JobParamsMismatch(uint256 jobId);
    error JobNotOpen(uint256 jobId, JobStatus status);
    error JobNotAssigned(uint256 jobId, JobStatus status);
    error NotTenant(uint256 jobId, address caller);
    error NotAssignedProvider(uint256 jobId, address caller);
    error BiddingClosed(uint256 jobId, uint40 biddingEnd);
    error BiddingNotEnded(uint256 jobId, uint40 biddingEnd);
    /// @notice A new on-chain bid must be strictly lower than the best one.
    error BidNotBetter(uint256 jobId, uint256 price, uint256 best);
    error BidAboveMax(uint256 jobId, uint256 price, uint256 maxPricePerUnit);
    error NoBid(uint256 jobId);
    error BidExpired(uint256 expiry, uint256 nowTs);
    error InvalidBidSignature(address provider);
    error NonceUsed(address provider, uint256 nonce);
    error WrongMilestone(uint256 jobId, uint8 expected, uint8 got);
    error ProofPending(uint256 jobId, uint8 milestone);
    error NoProofPending(uint256 jobId);
    error UnitsExceedMax(uint256 jobId, uint256 total, uint64 maxUnits);
    error EnergyTooLarge(uint64 energyWh);
    error DeliveryDeadlinePassed(uint256 jobId, uint32 deadline);
    error AttestationMismatch(uint256 jobId, uint8 milestone);
    error InvalidAttestation(uint256 jobId, uint8 milestone);
    error VerificationTimedOut(uint256 jobId, uint32 deadline);
    error NothingToExpire(uint256 jobId, JobStatus status);
    error InsufficientBalance(address account, address token, uint256 balance, uint256 amount);
    error ZeroAmount();
    error NotAContract(address account);
    error ParameterOutOfBounds(bytes32 parameter, uint256 value, uint256 min, uint256 max);
    error EmptyBatch();
    error MarketPaused();
    /// @notice Raised at deployment by the RewardEmitter the market creates (bad emission schedule); declared here
    /// so tools decoding the market's reverts can name it.
    error InvalidSchedule();

    // ───────────────────────────── Events ─────────────────────────────
    /// @notice A job was created and `funded` (= maxUnits × maxPricePerUnit) arrived in escrow.
    event JobCreated(
        uint256 indexed jobId,
        address indexed tenant,
        address indexed payer,
        JobParams params,
        uint256 funded
    );
    /// @notice A new best on-chain bid; `replaced` is the provider it displaced (zero if none), whose collateral was released.
    event BidPlaced(uint256 indexed jobId, address indexed provider, uint256 pricePerUnit, address replaced);
    /// @notice A provider won the job. `escrow` = price × maxUnits stays locked; `refunded` was credited to the payer.
    event JobAssigned(
        uint256 indexed jobId,
        address indexed provider,
        uint256 pricePerUnit,
        uint256 escrow,
        uint256 refunded,
        uint32 deliveryDeadline,
        bool signedBid
    );
    /// @notice The provider proved a milestone; verifiers have until `verifyDeadline` to judge it.
    event ProofSubmitted(
        uint256 indexed jobId,
        uint8 indexed milestone,
        address indexed provider,
        bytes32 resultRoot,
        uint64 units,
        uint64 energyWh,
        uint32 verifyDeadline
    );
    /// @notice An accepted milestone paid `payment` out of escrow: `fee` to the treasury, the rest to the provider.
    /// Its `units` count for the provider's rewards in `rewardEpoch` (this event is the record of that work).
    event MilestoneSettled(
        uint256 indexed jobId,
        uint8 indexed milestone,
        address indexed provider,
        bytes32 resultRoot,
        uint64 units,
        uint64 energyWh,
        uint256 payment,
        uint256 fee,
        uint256 escrowRemaining,
        uint32 deliveryDeadline,
        uint32 rewardEpoch
    );
    /// @notice The job reached a terminal state. `refunded` (payment token) was credited to the payer;
    /// `slashed` JOULE was taken from the provider, `compensation` of it credited to the payer and the rest to the treasury.
    event JobClosed(
        uint256 indexed jobId,
        JobStatus indexed status,
        CloseReason reason,
        uint256 refunded,
        uint256 collateralReleased,
        uint256 slashed,
        uint256 compensation
    );
    /// @notice `account`'s balance of `token` went down by `amount`, paid out in the same call (the token's own
    /// Transfer event names the recipient). Lean on purpose: withdrawing is the call users make most.
    event Withdrawn(address indexed account, address token, uint256 amount);
    event NoncesInvalidated(address indexed provider, uint256 indexed wordPos, uint256 mask);

    event TokenAllowed(address indexed token, bool allowed);
    event VerifierAllowed(address indexed verifier, bool allowed);
    event ProtocolFeeUpdated(uint16 oldFeeBps, uint16 newFeeBps);
    event VerificationWindowUpdated(uint32 oldWindow, uint32 newWindow);
    event SlashPayerShareUpdated(uint16 oldBps, uint16 newBps);
    /// @notice New jobs and bids are refused until `Unpaused`; everything else keeps working.
    event Paused(address account);
    event Unpaused(address account);

    // ───────────────────────────── Tenants ─────────────────────────────
    /// @notice Creates a job and pulls `maxUnits × maxPricePerUnit` of `request.token` from the caller into escrow.
    /// @dev Supported tokens: allowlisted ERC-20s that move exactly the amount asked, with or without a boolean
    /// return value (SafeERC20). Fee-on-transfer tokens revert with `TokenTransferMismatch`; rebasing tokens are
    /// unsupported and must not be allowlisted, since escrow is accounted in fixed amounts.
    /// @return jobId The new job's id (sequential from 1).
    function createJob(JobRequest calldata request) external returns (uint256 jobId);

    /// @notice Creates a job for `tenant`, paid by the caller (a sponsor). Refunds go to the sponsor.
    function createJobFor(address tenant, JobRequest calldata request) external returns (uint256 jobId);

    /// @notice Creates a job paid with an EIP-2612 permit signed by the caller, in one transaction.
    /// @dev If the permit was already used (front-run), the call proceeds when the allowance suffices.
    function createJobWithPermit(
        JobRequest calldata request,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 jobId);

    /// @notice Cancels an open job (tenant only) and refunds the whole escrow to the payer.
    function cancelJob(uint256 jobId, JobParams calldata params) external;

    /// @notice Assigns the job to the provider of a signed bid (tenant only). Any on-chain best bid is released.
    /// Allowed while bidding runs, and after it only if nobody bid on-chain (the on-chain winner is then `award`ed).
    /// @dev `signature` is checked with ERC-1271 when the provider is a contract, ECDSA (low-s) otherwise.
    function acceptBid(JobParams calldata params, Bid calldata bid, bytes calldata signature) external;

    // ───────────────────────────── Providers ─────────────────────────────
    /// @notice Places an on-chain bid; it must be strictly lower than the best (ties keep the earlier bid).
    /// The provider's collateral is locked while it holds the best bid and released when outbid.
    function placeBid(uint256 jobId, JobParams calldata params, uint128 pricePerUnit) external;

    /// @notice Submits the proof of the next milestone (assigned provider only, before the delivery deadline).
    function submitProof(
        uint256 jobId,
        JobParams calldata params,
        Assignment calldata assignment,
        uint8 milestone,
        bytes32 resultRoot,
        uint64 units,
        uint64 energyWh
    ) external;

    /// @notice Invalidates signed-bid nonces: every bit set in `mask` marks nonce `wordPos * 256 + bit` used.
    function invalidateNonces(uint256 wordPos, uint256 mask) external;

    // ───────────────────────────── Anyone (keepers, verifiers) ─────────────────────────────
    /// @notice After bidding ends, assigns the job to the best on-chain bid.
    function award(uint256 jobId, JobParams calldata params) external;

    /// @notice Settles the pending milestone with the verifier's signatures over `attestation`.
    /// Accepted: the milestone is paid. Rejected: the provider's collateral is slashed and the rest refunded.
    function settle(
        uint256 jobId,
        JobParams calldata params,
        Assignment calldata assignment,
        WorkAttestation calldata attestation,
        bytes calldata signatures
    ) external;

    /// @notice Settles several milestones (of any jobs) in one call; reverts as a whole if one is invalid.
    function settleMany(Settlement[] calldata settlements) external;

    /// @notice Moves a job past a missed deadline: no bids by biddingEnd (Expired, refund), delivery deadline
    /// passed (Failed, provider slashed, refund), or verification window passed (Expired, refund, collateral
    /// released without penalty). `assignment` is ignored while the job is open (pass zeros).
    function expire(uint256 jobId, JobParams calldata params, Assignment calldata assignment) external;

    // ───────────────────────────── Balances ─────────────────────────────
    /// @notice Withdraws `amount` of the caller's `token` balance to `to`.
    function withdraw(address token, uint256 amount, address to) external;

    /// @notice Withdraws the caller's whole balance of each of `tokens` to `to`, then claims reward `epochs` to `to`.
    function claim(address[] calldata tokens, uint32[] calldata epochs, address to) external;

    // ───────────────────────────── Governance ─────────────────────────────
    function setAllowedToken(address token, bool allowed) external;
    function setAllowedVerifier(address verifier, bool allowed) external;
    /// @notice Bounded by `MAX_FEE_BPS`; applies to jobs created afterwards.
    function setProtocolFee(uint16 feeBps) external;
    function setVerificationWindow(uint32 window) external;
    function setSlashPayerShareBps(uint16 bps) external;
    function pause() external;
    function unpause() external;

    // ───────────────────────────── Views ─────────────────────────────
    function jobStatus(uint256 jobId) external view returns (JobStatus);
    /// @notice The commitment the market keeps of a job's params (and assignment, once assigned).
    function commitment(uint256 jobId) external view returns (bytes32);
    /// @notice Best on-chain bid of an open job (zeros otherwise: the winner is in `JobAssigned`).
    function bestBid(uint256 jobId) external view returns (address provider, uint256 pricePerUnit);
    /// @notice Progress of an assigned (or closed after assignment) job; zeros while open.
    function jobProgress(
        uint256 jobId
    )
        external
        view
        returns (
            uint8 settledMilestones,
            uint32 deliveryDeadline,
            uint32 verifyDeadline,
            uint64 unitsSettled,
            uint64 pendingUnits,
            uint64 pendingEnergyWh
        );
    /// @notice Payment tokens still held in escrow for the job (`assignment` ignored while open).
    function heldInEscrow(
        uint256 jobId,
        JobParams calldata params,
        Assignment calldata assignment
    ) external view returns (uint256);
    function balanceOf(address account, address token) external view returns (uint256);
    /// @notice Reward epoch now (epochs of the emitter's schedule).
    function currentEpoch() external view returns (uint32);
    /// @notice Verified work units settled in `epoch`, all providers.
    function totalUnits(uint32 epoch) external view returns (uint256);
    /// @notice Verified work units settled in `epoch` for `provider`.
    function workOf(address provider, uint32 epoch) external view returns (uint256);
    function isNonceUsed(address provider, uint256 nonce) external view returns (bool);
    function hashBid(Bid calldata bid) external view returns (bytes32);
    function hashAttestation(WorkAttestation calldata attestation) external view returns (bytes32);
    /// @notice The market's current parameters and the contracts it works with, in one call.
    function parameters() external view returns (Parameters memory);
    /// @notice Whether `account` is allowlisted as a payment token and as a verifier.
    function allowlist(address account) external view returns (bool token, bool verifier);
}
