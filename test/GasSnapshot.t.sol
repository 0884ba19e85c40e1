// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {JouleFixture} from "./utils/JouleFixture.sol";
import {IJobTypes} from "../contracts/interfaces/IJobTypes.sol";
import {IProviderRegistry} from "../contracts/interfaces/IProviderRegistry.sol";

/// @notice Gas of every user-facing call, recorded with `snapshotGasLastCall` into snapshots/*.json.
/// `npx hardhat test solidity test/GasSnapshot.t.sol --snapshot` rewrites them; review the diff like code.
/// These are call-frame figures (no 21k intrinsic gas, no calldata cost): `npm run bench:gas` measures
/// whole transactions. Each call is made once before it is snapshotted, so storage is in its steady state.
contract GasSnapshotTest is JouleFixture {
    function setUp() public {
        setUpProtocol();
        // Warm-up: one full job so balances, epochs and stakes exist, as in a running market.
        (uint256 jobId, IJobTypes.JobParams memory p) = createAssignedJob(defaultRequest(), 800);
        proveAndSettle(jobId, p, 0, 3_000, 4_500, true);
    }

    function test_snapshot_marketLifecycle() public {
        IJobTypes.JobRequest memory r = defaultRequest();
        IJobTypes.JobParams memory p = paramsFor(tenant, tenant, r);
        vm.prank(tenant);
        uint256 jobId = market.createJob(r);
        vm.snapshotGasLastCall("JobMarket", "createJob");

        vm.prank(provider2);
        market.placeBid(jobId, p, 900);
        vm.snapshotGasLastCall("JobMarket", "placeBid (first bid)");
        vm.prank(provider);
        market.placeBid(jobId, p, 800);
        vm.snapshotGasLastCall("JobMarket", "placeBid (outbid, releases previous)");

        vm.warp(r.biddingEnd);
        vm.prank(keeper);
        market.award(jobId, p);
        vm.snapshotGasLastCall("JobMarket", "award");

        IJobTypes.Assignment memory asg = IJobTypes.Assignment(provider, 800);
        IJobTypes.WorkAttestation memory a = attestation(jobId, 0, 3_000, 4_500, true);
        vm.prank(provider);
        market.submitProof(jobId, p, asg, 0, a.resultRoot, 3_000, 4_500);
        vm.snapshotGasLastCall("JobMarket", "submitProof");

        bytes memory sigs = signAttestation(a, 2);
        vm.prank(keeper);
        market.settle(jobId, p, asg, a, sigs);
        vm.snapshotGasLastCall("JobMarket", "settle (2-of-3, final milestone)");

        uint256 balance = market.balanceOf(provider, address(usd));
        vm.prank(provider);
        market.withdraw(address(usd), balance, provider);
        vm.snapshotGasLastCall("JobMarket", "withdraw");
    }

    function test_snapshot_signedBidAndBatch() public {
        IJobTypes.JobRequest memory r = defaultRequest();
        IJobTypes.Settlement[] memory batch = new IJobTypes.Settlement[](2);
        for (uint256 i; i < 2; ++i) {
            (uint256 jobId, IJobTypes.JobParams memory p) = createJob(r);
            IJobTypes.Bid memory bid = IJobTypes.Bid(jobId, provider, 900, uint40(block.timestamp + 600), 100 + i);
            bytes memory sig = signBid(providerKey, bid);
            vm.prank(tenant);
            market.acceptBid(p, bid, sig);
            if (i == 0) vm.snapshotGasLastCall("JobMarket", "acceptBid");
            IJobTypes.Assignment memory asg = IJobTypes.Assignment(provider, 900);
            IJobTypes.WorkAttestation memory a = attestation(jobId, 0, 1_000, 1_500, true);
            vm.prank(provider);
            market.submitProof(jobId, p, asg, 0, a.resultRoot, 1_000, 1_500);
            batch[i] = IJobTypes.Settlement(jobId, p, asg, a, signAttestation(a, 2));
        }
        vm.prank(keeper);
        market.settleMany(batch);
        vm.snapshotGasLastCall("JobMarket", "settleMany (2 milestones)");
    }

    function test_snapshot_exitsAndClaims() public {
        IJobTypes.JobRequest memory r = defaultRequest();
        (uint256 cancelled, IJobTypes.JobParams memory pc) = createJob(r);
        vm.prank(tenant);
        market.cancelJob(cancelled, pc);
        vm.snapshotGasLastCall("JobMarket", "cancelJob");

        (uint256 expired, IJobTypes.JobParams memory pe) = createJob(r);
        vm.warp(r.biddingEnd);
        vm.prank(keeper);
        market.expire(expired, pe, IJobTypes.Assignment(address(0), 0));
        vm.snapshotGasLastCall("JobMarket", "expire (no bids)");

        r.biddingEnd = uint40(block.timestamp + 1 hours);
        (uint256 missed, IJobTypes.JobParams memory pm) = createAssignedJob(r, 800);
        vm.warp(block.timestamp + r.deliveryWindow + 1);
        vm.prank(keeper);
        market.expire(missed, pm, assignments[missed]);
        vm.snapshotGasLastCall("JobMarket", "expire (delivery missed, slash)");

        vm.warp(block.timestamp + EPOCH);
        address[] memory tokens = new address[](2);
        tokens[0] = address(usd);
        tokens[1] = address(joule);
        uint32[] memory epochs = new uint32[](1);
        epochs[0] = 0;
        vm.prank(provider);
        market.claim(tokens, epochs, provider);
        vm.snapshotGasLastCall("JobMarket", "claim (1 token with balance, 1 epoch)");
    }

    function test_snapshot_registry() public {
        (address newcomer, ) = makeAddrAndKey("newcomer");
        vm.prank(owner);
        joule.transfer(newcomer, 1_000e18);
        vm.startPrank(newcomer);
        registry.register(
            IProviderRegistry.Profile({
                gpuClass: 2,
                gpuCount: 1,
                vramGb: 24,
                carbonIntensity: 50,
                region: bytes32("home"),
                metadataURI: "ipfs://rtx4090"
            })
        );
        vm.snapshotGasLastCall("ProviderRegistry", "register");
        joule.approve(address(registry), type(uint256).max);
        registry.stake(newcomer, 1_000e18);
        vm.snapshotGasLastCall("ProviderRegistry", "stake (first)");
        registry.requestUnbond(400e18);
        vm.snapshotGasLastCall("ProviderRegistry", "requestUnbond");
        vm.warp(block.timestamp + UNBONDING);
        registry.withdrawUnbonded(newcomer);
        vm.snapshotGasLastCall("ProviderRegistry", "withdrawUnbonded");
        vm.stopPrank();

        vm.warp(block.timestamp + EPOCH);
        uint32[] memory epochs = new uint32[](1);
        epochs[0] = 0;
        vm.prank(provider);
        emitter.claimRewards(epochs, provider);
        vm.snapshotGasLastCall("RewardEmitter", "claimRewards (1 epoch)");
    }
}
