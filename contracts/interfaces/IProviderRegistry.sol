// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IJobTypes} from "./IJobTypes.sol";

/// @title Joule provider registry
/// @notice Provider profiles, JOULE staking, collateral locks for jobs, unbonding and slashing.
/// @dev Accounting per provider (tested as invariants): `locked + unbonding <= stake`; free stake
/// (`stake - locked - unbonding`) is what can back new bids. Only free stake can start unbonding, so collateral
/// locked for a job stays put until the job ends and unbonding can never escape a slash; stake being unbonded
/// backs no bid and stays in the contract until withdrawn after the delay. Only the market locks, releases and
/// slashes. Locks and releases emit no event of their own: the market's `BidPlaced` (replaced bidder),
/// `JobAssigned` and `JobClosed` (collateralReleased) record each one.
interface IProviderRegistry {
    // ───────────────────────────── Errors ─────────────────────────────
    error ZeroAddress();
    error ZeroAmount();
    error NotMarket(address caller);
    error NotRegistered(address provider);
    error AlreadyRegistered(address provider);
    error InvalidProfile();
    error InsufficientFreeStake(address provider, uint256 free, uint256 needed);
    error RequirementsNotMet(address provider, IJobTypes.Requirements requirements);
    error CarbonIntensityTooHigh(address provider, uint32 carbonIntensity, uint32 maxAllowed);
    error CollateralLockMissing(address provider, uint256 locked, uint256 amount);
    error UnbondingNotReady(address provider, uint40 unlockAt);
    error NothingUnbonding(address provider);
    error TokenTransferMismatch(address token, uint256 expected, uint256 received);
    error UnbondingDelayOutOfBounds(uint32 delay, uint32 min, uint32 max);

    // ───────────────────────────── Types ─────────────────────────────
    /// @notice The hardware and carbon data a provider declares.
    struct Profile {
        uint16 gpuClass;
        uint16 gpuCount;
        uint32 vramGb;
        /// @dev Declared grid carbon intensity, gCO2e/kWh.
        uint32 carbonIntensity;
        bytes32 region;
        string metadataURI;
    }

    /// @notice Slash reason codes carried by `Slashed`.
    enum SlashReason {
        ProofRejected,
        DeliveryMissed
    }

    // ───────────────────────────── Events ─────────────────────────────
    event ProviderRegistered(
        address indexed provider,
        uint16 gpuClass,
        uint16 gpuCount,
        uint32 vramGb,
        uint32 carbonIntensity,
        bytes32 region,
        string metadataURI
    );
    event ProfileUpdated(
        address indexed provider,
        uint16 gpuClass,
        uint16 gpuCount,
        uint32 vramGb,
        uint32 carbonIntensity,
        bytes32 region,
        string metadataURI
    );
    event Staked(address indexed provider, address indexed from, uint256 amount, uint256 stake);
    event UnbondRequested(address indexed provider, uint256 amount, uint256 unbonding, uint40 unlockAt);
    event Unbonded(address indexed provider, address indexed to, uint256 amount, uint256 stake);
    /// @notice `amount` of stake was taken from `provider` and sent to the market; `stake`/`locked` are the results.
    event Slashed(
        address indexed provider,
        uint256 indexed jobId,
        SlashReason reason,
        uint256 amount,
        uint256 stake,
        uint256 locked
    );
    event UnbondingDelayUpdated(uint32 oldDelay, uint32 newDelay);

    // ───────────────────────────── Providers ─────────────────────────────
    function register(Profile calldata profile) external;
    function updateProfile(Profile calldata profile) external;
    /// @notice Adds `amount` of the stake token (pulled from the caller) to `provider`'s stake.
    function stake(address provider, uint256 amount) external;
    /// @notice Starts unbonding `amount` of free stake; it can be withdrawn after the unbonding delay.
    /// A new request adds to the amount and restarts the delay.
    function requestUnbond(uint256 amount) external;
    /// @notice Withdraws the whole unbonded amount to `to` once the delay has passed.
    function withdrawUnbonded(address to) external;

    // ───────────────────────────── Market ─────────────────────────────
    /// @notice Checks `provider` is registered, meets `requirements` and has `amount` free stake, then locks it.
    function lockCollateral(address provider, uint256 amount, IJobTypes.Requirements calldata requirements) external;
    function releaseCollateral(address provider, uint256 amount) external;
    /// @notice Takes `amount` of locked collateral from `provider` and transfers it to the market.
    function slash(address provider, uint256 jobId, uint256 amount, SlashReason reason) external;

    // ───────────────────────────── Governance ─────────────────────────────
    function setUnbondingDelay(uint32 delay) external;

    // ───────────────────────────── Views ─────────────────────────────
    function stakeToken() external view returns (address);
    function market() external view returns (address);
    function unbondingDelay() external view returns (uint32);
    function isRegistered(address provider) external view returns (bool);
    /// @return stake_ total stake held (includes locked and unbonding)
    /// @return locked collateral locked for jobs
    /// @return unbonding amount waiting for the delay
    /// @return unlockAt when `unbonding` can be withdrawn
    function stakeOf(
        address provider
    ) external view returns (uint256 stake_, uint256 locked, uint256 unbonding, uint40 unlockAt);
    function freeStake(address provider) external view returns (uint256);
    function hardwareOf(
        address provider
    ) external view returns (uint16 gpuClass, uint16 gpuCount, uint32 vramGb, uint32 carbonIntensity);
}
