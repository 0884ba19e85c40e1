// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20Capped} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Capped.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IJobMarket} from "./interfaces/IJobMarket.sol";
import {IJouleToken} from "./interfaces/IJouleToken.sol";
import {IRewardEmitter} from "./interfaces/IRewardEmitter.sol";

/// @title RewardEmitter
/// @notice Halving JOULE emission shared by verified work units, minted on claim. The market records the units
/// (per provider and epoch, as it settles milestones); this contract prices and pays them.
contract RewardEmitter is IRewardEmitter {
    IJouleToken private immutable _token;
    uint40 private immutable _genesis;
    uint32 private immutable _epochLength;
    uint256 private immutable _initialEmission;
    uint32 private immutable _halvingInterval;
    /// @dev The market that deployed this emitter and records the work it pays for.
    address private immutable _market;

    /// @dev JOULE minted for each epoch's work so far.
    mapping(uint32 epoch => uint256) private _minted;
    mapping(address provider => mapping(uint32 epoch => bool)) private _claimed;

    /// @param genesis_ start of epoch 0; 0 means the deployment time.
    /// @dev The whole schedule, Σ emission ≈ 2 × initialEmission × halvingInterval, must fit in what the cap
    /// leaves after the genesis supply, so claims can never hit the cap.
    constructor(
        IJouleToken token_,
        uint40 genesis_,
        uint32 epochLength_,
        uint256 initialEmission_,
        uint32 halvingInterval_,
        address market_
    ) {
        if (address(token_) == address(0) || market_ == address(0)) revert ZeroAddress();
        if (
            epochLength_ == 0 || halvingInterval_ == 0 || initialEmission_ == 0 || initialEmission_ > type(uint128).max
        ) {
            revert InvalidSchedule();
        }
        uint256 headroom = ERC20Capped(address(token_)).cap() - IERC20(address(token_)).totalSupply();
        if (2 * initialEmission_ * halvingInterval_ > headroom) revert InvalidSchedule();
        _token = token_;
        _genesis = genesis_ == 0 ? uint40(block.timestamp) : genesis_;
        _epochLength = epochLength_;
        _initialEmission = initialEmission_;
        _halvingInterval = halvingInterval_;
        _market = market_;
        emit ScheduleSet(_genesis, epochLength_, initialEmission_, halvingInterval_);
    }

    // ───────────────────────────── Market ─────────────────────────────
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
    function epochUnits(uint32 epoch) public view returns (uint256) {
        return IJobMarket(_market).totalUnits(epoch);
    }

    /// @inheritdoc IRewardEmitter
    function providerUnits(address provider, uint32 epoch) public view returns (uint256) {
        return IJobMarket(_market).workOf(provider, epoch);
    }

    /// @inheritdoc IRewardEmitter
    function isClaimed(address provider, uint32 epoch) external view returns (bool) {
        return _claimed[provider][epoch];
    }

    /// @inheritdoc IRewardEmitter
    function pendingReward(address provider, uint32 epoch) external view returns (uint256) {
        if (epoch >= currentEpoch() || _claimed[provider][epoch]) return 0;
        uint256 units = providerUnits(provider, epoch);
        return units == 0 ? 0 : _rewardOf(units, epoch);
    }

    /// @inheritdoc IRewardEmitter
    function minted(uint32 epoch) external view returns (uint256) {
        return _minted[epoch];
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

    /// @inheritdoc IRewardEmitter
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
            if (_claimed[provider][epoch]) revert AlreadyClaimed(provider, epoch);
            uint256 units = providerUnits(provider, epoch);
            if (units == 0) revert NoWork(provider, epoch);
            uint256 reward = _rewardOf(units, epoch);
            _claimed[provider][epoch] = true;
            _minted[epoch] += reward;
            total += reward;
            emit RewardClaimed(provider, epoch, to, reward);
        }
        if (total != 0) _token.mint(to, total);
    }

    /// @dev Pro-rata share, rounded down: the claimants of an epoch together never receive more than its emission.
    function _rewardOf(uint256 units, uint32 epoch) private view returns (uint256) {
        return (emissionOf(epoch) * units) / epochUnits(epoch);
    }
}
