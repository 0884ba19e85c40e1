// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ERC20Capped} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Capped.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IJouleToken} from "./interfaces/IJouleToken.sol";
import {IRewardEmitter} from "./interfaces/IRewardEmitter.sol";

/// @title RewardEmitter
/// @notice Halving JOULE emission shared by verified work units, minted on claim.
contract RewardEmitter is IRewardEmitter, Ownable2Step {
    uint256 private constant _CLAIMED = 1 << 255;

    IJouleToken private immutable _token;
    uint40 private immutable _genesis;
    uint32 private immutable _epochLength;
    uint256 private immutable _initialEmission;
    uint32 private immutable _halvingInterval;

    /// @dev Per epoch, one slot: units of verified work (128 bits) and JOULE minted for it (128 bits).
    struct Epoch {
        uint128 units;
        uint128 minted;
    }

    address private _market;
    mapping(uint32 epoch => Epoch) private _epochs;
    /// @dev A provider's units in an epoch; bit 255 is set once claimed.
    mapping(address provider => mapping(uint32 epoch => uint256)) private _work;

    /// @param genesis_ start of epoch 0; 0 means the deployment time.
    /// @dev The whole schedule, Σ emission ≈ 2 × initialEmission × halvingInterval, must fit in what the cap
    /// leaves after the genesis supply, so claims can never hit the cap.
    constructor(
        IJouleToken token_,
        address owner_,
        uint40 genesis_,
        uint32 epochLength_,
        uint256 initialEmission_,
        uint32 halvingInterval_
    ) Ownable(owner_) {
        if (address(token_) == address(0)) revert ZeroAddress();
        if (epochLength_ == 0 || halvingInterval_ == 0 || initialEmission_ == 0 || initialEmission_ > type(uint128).max)
        {
            revert InvalidSchedule();
        }
        uint256 headroom = ERC20Capped(address(token_)).cap() - IERC20(address(token_)).totalSupply();
        if (2 * initialEmission_ * halvingInterval_ > headroom) revert InvalidSchedule();
        _token = token_;
        _genesis = genesis_ == 0 ? uint40(block.timestamp) : genesis_;
        _epochLength = epochLength_;
        _initialEmission = initialEmission_;
        _halvingInterval = halvingInterval_;
        emit ScheduleSet(_genesis, epochLength_, initialEmission_, halvingInterval_);
    }

    // ───────────────────────────── Market ─────────────────────────────
    /// @inheritdoc IRewardEmitter
    function recordWork(address provider, uint64 units) external returns (uint32 epoch) {
        if (msg.sender != _market) revert NotMarket(msg.sender);
        epoch = currentEpoch();
        Epoch storage e = _epochs[epoch];
        // Cannot overflow in practice: 64-bit units per call, a 128-bit sum per epoch.
        uint128 epochTotal = e.units + units;
        e.units = epochTotal;
        uint256 providerTotal = _work[provider][epoch] + units;
        _work[provider][epoch] = providerTotal;
        emit WorkRecorded(provider, epoch, units, providerTotal, epochTotal);
    }

    /// @inheritdoc IRewardEmitter
    function claimRewardsFor(address provider, uint32[] calldata epochs, address to) external returns (uint256) {
        if (msg.sender != _market) revert NotMarket(msg.sender);
        return _claim(provider, epochs, to);
    }

    // ───────────────────────────── Providers ─────────────────────────────
    /// @inheritdoc IRewardEmitter
    function claimRewards(uint32[] calldata epochs, address to) external returns (uint256) {
        return _claim(msg.sender, epochs, to);
    }

    // ───────────────────────────── Governance ─────────────────────────────
    /// @inheritdoc IRewardEmitter
    function setMarket(address market_) external onlyOwner {
        if (market_ == address(0)) revert ZeroAddress();
        if (_market != address(0)) revert MarketAlreadySet(_market);
        _market = market_;
        emit MarketSet(market_);
    }

    // ───────────────────────────── Views ─────────────────────────────
    /// @inheritdoc IRewardEmitter
    function currentEpoch() public view returns (uint32) {
        // Before genesis everything counts in epoch 0.
        if (block.timestamp <= _genesis) return 0;
        return uint32((block.timestamp - _genesis) / _epochLength);
    }

    /// @inheritdoc IRewardEmitter
    function emissionOf(uint32 epoch) public view returns (uint256) {
        uint256 halvings = epoch / _halvingInterval;
        // Shifting by 256 or more yields zero: emission ends after enough halvings.
        return halvings >= 256 ? 0 : _initialEmission >> halvings;
    }

    /// @inheritdoc IRewardEmitter
    function epochUnits(uint32 epoch) external view returns (uint256) {
        return _epochs[epoch].units;
    }

    /// @inheritdoc IRewardEmitter
    function providerUnits(address provider, uint32 epoch) external view returns (uint256) {
        return _work[provider][epoch] & ~_CLAIMED;
    }

    /// @inheritdoc IRewardEmitter
    function isClaimed(address provider, uint32 epoch) external view returns (bool) {
        return _work[provider][epoch] & _CLAIMED != 0;
    }

    /// @inheritdoc IRewardEmitter
    function pendingReward(address provider, uint32 epoch) external view returns (uint256) {
        uint256 w = _work[provider][epoch];
        if (epoch >= currentEpoch() || w == 0 || w & _CLAIMED != 0) return 0;
        return _rewardOf(w, epoch);
    }

    /// @inheritdoc IRewardEmitter
    function minted(uint32 epoch) external view returns (uint256) {
        return _epochs[epoch].minted;
    }

    /// @inheritdoc IRewardEmitter
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IRewardEmitter
    function genesis() external view returns (uint40) {
        return _genesis;
    }

    /// @inheritdoc IRewardEmitter
    function epochLength() external view returns (uint32) {
        return _epochLength;
    }

    /// @inheritdoc IRewardEmitter
    function initialEmission() external view returns (uint256) {
        return _initialEmission;
    }

    /// @inheritdoc IRewardEmitter
    function halvingInterval() external view returns (uint32) {
        return _halvingInterval;
    }

    function market() external view returns (address) {
        return _market;
    }

    // ───────────────────────────── Internal ─────────────────────────────
    function _claim(address provider, uint32[] calldata epochs, address to) private returns (uint256 total) {
        if (to == address(0)) revert ZeroAddress();
        uint32 current = currentEpoch();
        for (uint256 i; i < epochs.length; ++i) {
            uint32 epoch = epochs[i];
            if (epoch >= current) revert EpochNotEnded(epoch, current);
            uint256 w = _work[provider][epoch];
            if (w & _CLAIMED != 0) revert AlreadyClaimed(provider, epoch);
            if (w == 0) revert NoWork(provider, epoch);
            uint256 reward = _rewardOf(w, epoch);
            _work[provider][epoch] = w | _CLAIMED;
            // Fits: reward <= emission(epoch) <= initialEmission < 2^128.
            _epochs[epoch].minted += uint128(reward);
            total += reward;
            emit RewardClaimed(provider, epoch, to, reward);
        }
        if (total != 0) _token.mint(to, total);
    }

    /// @dev Pro-rata share, rounded down: the claimants of an epoch together never receive more than its emission.
    function _rewardOf(uint256 providerUnits_, uint32 epoch) private view returns (uint256) {
        return emissionOf(epoch) * providerUnits_ / _epochs[epoch].units;
    }
}
