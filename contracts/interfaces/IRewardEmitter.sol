// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Joule reward emitter
/// @notice Pays providers JOULE for verified work, like block rewards paid early Bitcoin miners. The market
/// records verified units per provider and epoch when it settles milestones (`MilestoneSettled.rewardEpoch`).
/// @dev Time is cut into epochs of `epochLength` seconds from `genesis`. Epoch `e` emits
/// `initialEmission >> (e / halvingInterval)`, shared pro rata by verified work units:
/// `reward(p, e) = emission(e) * units(p, e) / units(e)`, rounded down, so Σ rewards(e) <= emission(e).
/// Rewards are minted on claim; nothing is pre-minted. An epoch in which no work was verified emits
/// nothing: its emission is never minted (not carried forward), so total supply stays under the schedule and the cap.
interface IRewardEmitter {
    error NotMarket(address caller);
    error ZeroAddress();
    error EpochNotEnded(uint32 epoch, uint32 current);
    error AlreadyClaimed(address provider, uint32 epoch);
    error NoWork(address provider, uint32 epoch);
    error InvalidSchedule();

    event ScheduleSet(uint40 genesis, uint32 epochLength, uint256 initialEmission, uint32 halvingInterval);
    /// @notice `provider` claimed `amount` for `epoch`, minted to `to`.
    event RewardClaimed(address indexed provider, uint32 indexed epoch, address indexed to, uint256 amount);

    /// @notice Claims the caller's rewards for ended `epochs` and mints them to `to`.
    function claimRewards(uint32[] calldata epochs, address to) external returns (uint256 amount);
    /// @notice Claims on behalf of `provider` (market only, for its batch `claim`).
    function claimRewardsFor(address provider, uint32[] calldata epochs, address to) external returns (uint256 amount);

    function currentEpoch() external view returns (uint32);
    function emissionOf(uint32 epoch) external view returns (uint256);
    /// @notice Verified work units of `epoch` (read from the market, which records them at settlement).
    function epochUnits(uint32 epoch) external view returns (uint256);
    function providerUnits(address provider, uint32 epoch) external view returns (uint256);
    function isClaimed(address provider, uint32 epoch) external view returns (bool);
    /// @notice Reward `provider` could claim for `epoch` (zero if not ended, claimed or no work).
    function pendingReward(address provider, uint32 epoch) external view returns (uint256);
    function minted(uint32 epoch) external view returns (uint256);
    function token() external view returns (address);
    function market() external view returns (address);
    function genesis() external view returns (uint40);
    function epochLength() external view returns (uint32);
    function initialEmission() external view returns (uint256);
    function halvingInterval() external view returns (uint32);
}
