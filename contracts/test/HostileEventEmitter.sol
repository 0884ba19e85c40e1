// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IJobMarket} from "../interfaces/IJobMarket.sol";
import {IJobTypes} from "../interfaces/IJobTypes.sol";
import {IProviderRegistry} from "../interfaces/IProviderRegistry.sol";
import {IRewardEmitter} from "../interfaces/IRewardEmitter.sol";
import {IQuorumVerifier} from "../interfaces/IQuorumVerifier.sol";

/// @title HostileEventEmitter
/// @notice Emits the protocol's events with arbitrary values (uint256 max, odd strings), for the indexer's tests.
/// @dev Test only: it stands in for every protocol contract at once, so the indexer can be fed values the real
/// contracts would never produce and must still store exactly (or refuse clearly).
contract HostileEventEmitter {
    function jobCreated(uint256 jobId, address tenant, address payer, IJobTypes.JobParams calldata params, uint256 funded) external {
        emit IJobMarket.JobCreated(jobId, tenant, payer, params, funded);
    }

    function bidPlaced(uint256 jobId, address provider, uint256 price, address replaced) external {
        emit IJobMarket.BidPlaced(jobId, provider, price, replaced);
    }

    function jobAssigned(uint256 jobId, address provider, uint256 price, uint256 escrow, uint256 refunded, uint32 deadline, bool signed)
        external
    {
        emit IJobMarket.JobAssigned(jobId, provider, price, escrow, refunded, deadline, signed);
    }

    function proofSubmitted(uint256 jobId, uint8 milestone, address provider, bytes32 root, uint64 units, uint64 energyWh, uint32 deadline)
        external
    {
        emit IJobMarket.ProofSubmitted(jobId, milestone, provider, root, units, energyWh, deadline);
    }

    function milestoneSettled(
        uint256 jobId,
        uint8 milestone,
        address provider,
        uint64 units,
        uint64 energyWh,
        uint256 payment,
        uint256 fee,
        uint256 remaining,
        uint32 epoch
    ) external {
        emit IJobMarket.MilestoneSettled(jobId, milestone, provider, bytes32(type(uint256).max), units, energyWh, payment, fee, remaining, type(uint32).max, epoch);
    }

    function withdrawn(address account, address token, uint256 amount) external {
        emit IJobMarket.Withdrawn(account, token, amount);
    }

    function providerRegistered(address provider, uint32 carbonIntensity, bytes32 region, string calldata uri) external {
        emit IProviderRegistry.ProviderRegistered(provider, type(uint16).max, type(uint16).max, type(uint32).max, carbonIntensity, region, uri);
    }

    function staked(address provider, uint256 amount, uint256 total) external {
        emit IProviderRegistry.Staked(provider, msg.sender, amount, total);
    }

    function rewardClaimed(address provider, uint32 epoch, uint256 amount) external {
        emit IRewardEmitter.RewardClaimed(provider, epoch, provider, amount);
    }

    function scheduleSet(uint40 genesis, uint32 epochLength, uint256 initialEmission, uint32 halvingInterval) external {
        emit IRewardEmitter.ScheduleSet(genesis, epochLength, initialEmission, halvingInterval);
    }

    function quorumConfigured(address[] calldata members, uint256 threshold) external {
        emit IQuorumVerifier.QuorumConfigured(members, threshold);
    }
}
