// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IJobTypes} from "./interfaces/IJobTypes.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";

/// @title ProviderRegistry
/// @notice Provider profiles, stake, collateral locks, unbonding and slashing. Only the market locks and slashes.
contract ProviderRegistry is IProviderRegistry, Ownable2Step, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    // ───────────────────────────── Constants ─────────────────────────────
    uint32 public constant MIN_UNBONDING_DELAY = 1 days;
    uint32 public constant MAX_UNBONDING_DELAY = 30 days;

    IERC20 private immutable _stakeToken;
    /// @dev Immutable: the market deploys its registry, so the hot `onlyMarket` check costs no storage read.
    address private immutable _market;

    // ───────────────────────────── Storage ─────────────────────────────
    /// @dev Slot read and written on every lock/release/slash: 96 + 96 + 16 + 16 + 32 = 256 bits.
    /// Amounts fit 96 bits: JOULE's cap is far below 2^96 (SafeCast guards other stake tokens).
    struct Account {
        uint96 stake;
        uint96 locked;
        uint16 gpuClass;
        uint16 gpuCount;
        uint32 vramGb;
    }

    /// @dev Second slot: 96 + 40 + 32 + 8 = 176 bits.
    struct Status {
        uint96 unbonding;
        uint40 unlockAt;
        uint32 carbonIntensity;
        bool registered;
    }

    uint32 private _unbondingDelay;
    mapping(address provider => Account) private _accounts;
    mapping(address provider => Status) private _status;

    // ───────────────────────────── Constructor ─────────────────────────────
    constructor(IERC20 stakeToken_, address owner_, uint32 unbondingDelay_, address market_) Ownable(owner_) {
        if (address(stakeToken_) == address(0) || market_ == address(0)) revert ZeroAddress();
        _stakeToken = stakeToken_;
        _market = market_;
        _setUnbondingDelay(unbondingDelay_);
    }

    modifier onlyMarket() {
        if (msg.sender != _market) revert NotMarket(msg.sender);
        _;
    }

    // ───────────────────────────── Providers ─────────────────────────────
    /// @inheritdoc IProviderRegistry
    function register(Profile calldata profile) external {
        if (_status[msg.sender].registered) revert AlreadyRegistered(msg.sender);
        _setProfile(profile);
        _status[msg.sender].registered = true;
        emit ProviderRegistered(
            msg.sender,
            profile.gpuClass,
            profile.gpuCount,
            profile.vramGb,
            profile.carbonIntensity,
            profile.region,
            profile.metadataURI
        );
    }

    /// @inheritdoc IProviderRegistry
    /// @dev Takes effect for future bids; jobs already won keep their terms.
    function updateProfile(Profile calldata profile) external {
        if (!_status[msg.sender].registered) revert NotRegistered(msg.sender);
        _setProfile(profile);
        emit ProfileUpdated(
            msg.sender,
            profile.gpuClass,
            profile.gpuCount,
            profile.vramGb,
            profile.carbonIntensity,
            profile.region,
            profile.metadataURI
        );
    }

    /// @inheritdoc IProviderRegistry
    function stake(address provider, uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        if (!_status[provider].registered) revert NotRegistered(provider);
        Account storage a = _accounts[provider];
        uint96 newStake = (uint256(a.stake) + amount).toUint96();
        a.stake = newStake;
        emit Staked(provider, msg.sender, amount, newStake);

        uint256 before = _stakeToken.balanceOf(address(this));
        _stakeToken.safeTransferFrom(msg.sender, address(this), amount);
        uint256 after_ = _stakeToken.balanceOf(address(this));
        uint256 received = after_ > before ? after_ - before : 0;
        if (received != amount) revert TokenTransferMismatch(address(_stakeToken), amount, received);
    }

    /// @inheritdoc IProviderRegistry
    function requestUnbond(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 free = freeStake(msg.sender);
        if (amount > free) revert InsufficientFreeStake(msg.sender, free, amount);
        Status storage st = _status[msg.sender];
        // Fits: unbonding + amount <= stake, a uint96.
        uint96 unbonding = st.unbonding + uint96(amount);
        uint40 unlockAt = uint40(block.timestamp) + _unbondingDelay;
        st.unbonding = unbonding;
        st.unlockAt = unlockAt;
        emit UnbondRequested(msg.sender, amount, unbonding, unlockAt);
    }

    /// @inheritdoc IProviderRegistry
    function withdrawUnbonded(address to) external nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        Status storage st = _status[msg.sender];
        uint96 amount = st.unbonding;
        if (amount == 0) revert NothingUnbonding(msg.sender);
        if (block.timestamp < st.unlockAt) revert UnbondingNotReady(msg.sender, st.unlockAt);
        Account storage a = _accounts[msg.sender];
        st.unbonding = 0;
        st.unlockAt = 0;
        // Cannot underflow: locked + unbonding <= stake is kept by every path.
        uint96 newStake = a.stake - amount;
        a.stake = newStake;
        emit Unbonded(msg.sender, to, amount, newStake);
        _stakeToken.safeTransfer(to, amount);
    }

    // ───────────────────────────── Market ─────────────────────────────
    /// @inheritdoc IProviderRegistry
    function lockCollateral(address provider, uint256 amount, IJobTypes.Requirements calldata req) external onlyMarket {
        Account memory a = _accounts[provider];
        Status memory st = _status[provider];
        if (!st.registered) revert NotRegistered(provider);
        if (a.gpuClass < req.minGpuClass || a.gpuCount < req.minGpuCount || a.vramGb < req.minVramGb) {
            revert RequirementsNotMet(provider, req);
        }
        if (req.maxCarbonIntensity != 0 && st.carbonIntensity > req.maxCarbonIntensity) {
            revert CarbonIntensityTooHigh(provider, st.carbonIntensity, req.maxCarbonIntensity);
        }
        if (amount == 0) return;
        uint256 free = uint256(a.stake) - a.locked - st.unbonding;
        if (amount > free) revert InsufficientFreeStake(provider, free, amount);
        // Fits: locked + amount <= stake, a uint96.
        uint96 locked = a.locked + uint96(amount);
        _accounts[provider].locked = locked;
    }

    /// @inheritdoc IProviderRegistry
    function releaseCollateral(address provider, uint256 amount) external onlyMarket {
        Account storage a = _accounts[provider];
        uint96 locked = a.locked;
        if (amount > locked) revert CollateralLockMissing(provider, locked, amount);
        unchecked {
            // Cannot underflow: checked above.
            locked -= uint96(amount);
        }
        a.locked = locked;
    }

    /// @inheritdoc IProviderRegistry
    function slash(
        address provider,
        uint256 jobId,
        uint256 amount,
        SlashReason reason
    ) external onlyMarket nonReentrant {
        Account storage a = _accounts[provider];
        uint96 locked = a.locked;
        if (amount > locked) revert CollateralLockMissing(provider, locked, amount);
        uint96 newStake;
        unchecked {
            // Cannot underflow: amount <= locked <= stake.
            locked -= uint96(amount);
            newStake = a.stake - uint96(amount);
        }
        a.locked = locked;
        a.stake = newStake;
        emit Slashed(provider, jobId, reason, amount, newStake, locked);
        _stakeToken.safeTransfer(msg.sender, amount);
    }

    // ───────────────────────────── Governance ─────────────────────────────
    /// @inheritdoc IProviderRegistry
    /// @dev Applies to requests made afterwards; pending unbondings keep their unlock time.
    function setUnbondingDelay(uint32 delay) external onlyOwner {
        _setUnbondingDelay(delay);
    }

    function _setUnbondingDelay(uint32 delay) private {
        if (delay < MIN_UNBONDING_DELAY || delay > MAX_UNBONDING_DELAY) {
            revert UnbondingDelayOutOfBounds(delay, MIN_UNBONDING_DELAY, MAX_UNBONDING_DELAY);
        }
        emit UnbondingDelayUpdated(_unbondingDelay, delay);
        _unbondingDelay = delay;
    }

    // ───────────────────────────── Views ─────────────────────────────
    /// @inheritdoc IProviderRegistry
    function stakeToken() external view returns (address) {
        return address(_stakeToken);
    }

    /// @inheritdoc IProviderRegistry
    function market() external view returns (address) {
        return _market;
    }

    /// @inheritdoc IProviderRegistry
    function unbondingDelay() external view returns (uint32) {
        return _unbondingDelay;
    }

    /// @inheritdoc IProviderRegistry
    function isRegistered(address provider) external view returns (bool) {
        return _status[provider].registered;
    }

    /// @inheritdoc IProviderRegistry
    function stakeOf(address provider) external view returns (uint256, uint256, uint256, uint40) {
        Account memory a = _accounts[provider];
        Status memory st = _status[provider];
        return (a.stake, a.locked, st.unbonding, st.unlockAt);
    }

    /// @inheritdoc IProviderRegistry
    function freeStake(address provider) public view returns (uint256) {
        Account memory a = _accounts[provider];
        return uint256(a.stake) - a.locked - _status[provider].unbonding;
    }

    /// @inheritdoc IProviderRegistry
    function hardwareOf(address provider) external view returns (uint16, uint16, uint32, uint32) {
        Account memory a = _accounts[provider];
        return (a.gpuClass, a.gpuCount, a.vramGb, _status[provider].carbonIntensity);
    }

    // ───────────────────────────── Internal ─────────────────────────────
    function _setProfile(Profile calldata p) private {
        if (p.gpuCount == 0 || p.vramGb == 0) revert InvalidProfile();
        Account storage a = _accounts[msg.sender];
        a.gpuClass = p.gpuClass;
        a.gpuCount = p.gpuCount;
        a.vramGb = p.vramGb;
        _status[msg.sender].carbonIntensity = p.carbonIntensity;
    }
}
