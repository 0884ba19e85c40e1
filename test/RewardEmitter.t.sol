// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Custom-error checklist (IRewardEmitter) — each triggered with its exact arguments by:
//   NotMarket          test_claimRewardsFor_notMarket, test_claimRewardsFor_otherMarket
//   ZeroAddress        test_constructor_zeroToken, test_constructor_zeroMarket, test_claimRewards_zeroTo
//   EpochNotEnded      test_claimRewards_epochNotEnded
//   AlreadyClaimed     test_claimRewards_alreadyClaimed, test_claimRewards_sameEpochTwiceInOneList
//   NoWork             test_claimRewards_noWork, test_claimRewards_epochWithoutWorkMintsNothing,
//                      testFuzz_claimRewards_matchReferenceModel
//   InvalidSchedule    test_constructor_invalidSchedule, test_constructor_scheduleExceedsCapHeadroom

import {Test} from "./utils/Test.sol";
import {RewardEmitter} from "../contracts/RewardEmitter.sol";
import {JouleToken} from "../contracts/JouleToken.sol";
import {IJouleToken} from "../contracts/interfaces/IJouleToken.sol";
import {IRewardEmitter} from "../contracts/interfaces/IRewardEmitter.sol";

contract RewardEmitterTest is Test {
    uint256 internal constant CAP = 1_000_000_000e18;
    uint256 internal constant GENESIS_SUPPLY = 200_000_000e18;
    uint256 internal constant HEADROOM = CAP - GENESIS_SUPPLY;
    uint32 internal constant EPOCH = 1 days;
    uint256 internal constant EMISSION = 1_000e18;
    uint32 internal constant HALVING = 100;
    /// @dev Deployment time, hence epoch 0's start (genesis 0 = deployment time).
    uint256 internal constant T0 = 1_700_000_000;

    JouleToken internal token;
    /// @dev An emitter whose market is this test contract: the emitter reads verified work from its market
    /// (`totalUnits`, `workOf`), so this contract keeps that ledger itself and calls `claimRewardsFor` directly.
    RewardEmitter internal em;
    address internal owner = makeAddr("owner");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    address internal stranger = makeAddr("stranger");

    function setUp() public {
        vm.warp(T0);
        (token, em) = _deploy(EMISSION, HALVING);
    }

    // ───────────────────────────── Helpers ─────────────────────────────
    /// @dev A fresh JOULE whose minter is a fresh emitter whose market is this contract.
    function _deploy(uint256 emission, uint32 halving) internal returns (JouleToken t, RewardEmitter e) {
        t = new JouleToken(CAP, owner, GENESIS_SUPPLY, owner);
        e = new RewardEmitter(IJouleToken(address(t)), 0, EPOCH, emission, halving, address(this));
        vm.prank(owner);
        t.setMinter(address(e));
    }

    // ───────────────────────────── The market's work ledger (this contract is the market) ─────────────────────────────
    mapping(uint32 epoch => uint256) private _ledgerEpochUnits;
    mapping(address provider => mapping(uint32 epoch => uint256)) private _ledgerWork;

    /// @notice Read by the emitter as `IJobMarket.totalUnits`.
    function totalUnits(uint32 epoch) external view returns (uint256) {
        return _ledgerEpochUnits[epoch];
    }

    /// @notice Read by the emitter as `IJobMarket.workOf`.
    function workOf(address provider, uint32 epoch) external view returns (uint256) {
        return _ledgerWork[provider][epoch];
    }

    /// @dev Records verified work the way JobMarket does: in the current epoch (same genesis and length).
    function _record(RewardEmitter e_, address provider, uint256 units) internal returns (uint32 epoch) {
        epoch = e_.currentEpoch();
        _ledgerEpochUnits[epoch] += units;
        _ledgerWork[provider][epoch] += units;
    }

    function _record(address provider, uint256 units) internal returns (uint32) {
        return _record(em, provider, units);
    }

    function _warpToEpoch(uint256 epoch) internal {
        vm.warp(T0 + epoch * EPOCH);
    }

    function _one(uint32 e) internal pure returns (uint32[] memory list) {
        list = new uint32[](1);
        list[0] = e;
    }

    function _two(uint32 a, uint32 b) internal pure returns (uint32[] memory list) {
        list = new uint32[](2);
        (list[0], list[1]) = (a, b);
    }

    /// @dev Reference emission: halves every `halving` epochs, zero once shifted out.
    function _modelEmission(uint256 initial, uint32 halving, uint32 epoch) internal pure returns (uint256) {
        uint256 h = epoch / halving;
        return h >= 256 ? 0 : initial >> h;
    }

    // ───────────────────────────── Constructor ─────────────────────────────
    function test_constructor_setsSchedule() public {
        JouleToken t = new JouleToken(CAP, owner, GENESIS_SUPPLY, owner);
        vm.expectEmit(true, true, true, true);
        emit IRewardEmitter.ScheduleSet(uint40(T0), EPOCH, EMISSION, HALVING);
        RewardEmitter e = new RewardEmitter(IJouleToken(address(t)), 0, EPOCH, EMISSION, HALVING, address(this));
        assertEq(e.token(), address(t));
        assertEq(uint256(e.genesis()), T0, "genesis 0 means now");
        assertEq(uint256(e.epochLength()), EPOCH);
        assertEq(e.initialEmission(), EMISSION);
        assertEq(uint256(e.halvingInterval()), HALVING);
        assertEq(e.market(), address(this));
    }

    function test_constructor_explicitFutureGenesis() public {
        uint40 g = uint40(T0 + 10 days);
        RewardEmitter e = new RewardEmitter(IJouleToken(address(token)), g, EPOCH, 1e18, 1, address(this));
        assertEq(uint256(e.genesis()), g);
        // Before genesis (and until one epoch after it) everything counts in epoch 0.
        assertEq(uint256(e.currentEpoch()), 0);
        vm.warp(g + EPOCH - 1);
        assertEq(uint256(e.currentEpoch()), 0);
        vm.warp(g + EPOCH);
        assertEq(uint256(e.currentEpoch()), 1);
    }

    function test_constructor_zeroMarket() public {
        // The market is fixed at deployment (the JobMarket deploys its emitter).
        vm.expectRevert(abi.encodeWithSelector(IRewardEmitter.ZeroAddress.selector));
        new RewardEmitter(IJouleToken(address(token)), 0, EPOCH, EMISSION, HALVING, address(0));
    }

    function test_constructor_zeroToken() public {
        vm.expectRevert(abi.encodeWithSelector(IRewardEmitter.ZeroAddress.selector));
        new RewardEmitter(IJouleToken(address(0)), 0, EPOCH, EMISSION, HALVING, address(this));
    }

    function test_constructor_invalidSchedule() public {
        IJouleToken t = IJouleToken(address(token));
        vm.expectRevert(abi.encodeWithSelector(IRewardEmitter.InvalidSchedule.selector));
        new RewardEmitter(t, 0, 0, EMISSION, HALVING, address(this)); // zero epoch length
        vm.expectRevert(abi.encodeWithSelector(IRewardEmitter.InvalidSchedule.selector));
        new RewardEmitter(t, 0, EPOCH, 0, HALVING, address(this)); // zero emission
        vm.expectRevert(abi.encodeWithSelector(IRewardEmitter.InvalidSchedule.selector));
        new RewardEmitter(t, 0, EPOCH, EMISSION, 0, address(this)); // zero halving interval

        // Emission must fit 128 bits even where the cap would allow more.
        IJouleToken huge = IJouleToken(address(new JouleToken(type(uint256).max, owner, 0, owner)));
        vm.expectRevert(abi.encodeWithSelector(IRewardEmitter.InvalidSchedule.selector));
        new RewardEmitter(huge, 0, EPOCH, uint256(type(uint128).max) + 1, 1, address(this));
        RewardEmitter ok = new RewardEmitter(huge, 0, EPOCH, type(uint128).max, 1, address(this));
        assertEq(ok.initialEmission(), type(uint128).max);
    }

    function test_constructor_scheduleExceedsCapHeadroom() public {
        IJouleToken t = IJouleToken(address(token));
        // Σ emission ≤ 2 × initial × halving must fit cap − supply: 2 × E × 100 ≤ 8e26 → E ≤ 4e24.
        uint256 maxE = HEADROOM / (2 * HALVING);
        RewardEmitter ok = new RewardEmitter(t, 0, EPOCH, maxE, HALVING, address(this));
        assertEq(ok.initialEmission(), maxE);
        vm.expectRevert(abi.encodeWithSelector(IRewardEmitter.InvalidSchedule.selector));
        new RewardEmitter(t, 0, EPOCH, maxE + 1, HALVING, address(this));

        // A token already at its cap leaves no headroom for any schedule.
        IJouleToken full = IJouleToken(address(new JouleToken(CAP, owner, CAP, owner)));
        vm.expectRevert(abi.encodeWithSelector(IRewardEmitter.InvalidSchedule.selector));
        new RewardEmitter(full, 0, EPOCH, 1, 1, address(this));
    }

    // ───────────────────────────── emissionOf / currentEpoch ─────────────────────────────
    function test_emissionOf_halves() public view {
        assertEq(em.emissionOf(0), EMISSION);
        assertEq(em.emissionOf(HALVING - 1), EMISSION);
        assertEq(em.emissionOf(HALVING), EMISSION / 2);
        assertEq(em.emissionOf(2 * HALVING - 1), EMISSION / 2);
        assertEq(em.emissionOf(2 * HALVING), EMISSION / 4);
        assertEq(em.emissionOf(10 * HALVING), EMISSION >> 10);
    }

    function test_emissionOf_veryLargeEpochsEmitNothing() public {
        // 1000e18 ≈ 2^69.76: after 69 halvings 1 wei is left, after 70 nothing.
        assertEq(em.emissionOf(69 * HALVING), 1);
        assertEq(em.emissionOf(70 * HALVING - 1), 1);
        assertEq(em.emissionOf(70 * HALVING), 0);
        assertEq(em.emissionOf(type(uint32).max), 0);
        // With a halving every epoch, the ≥ 256-shift branch is reached and does not revert.
        // (A token with an unbounded cap, so the largest schedule fits the headroom.)
        JouleToken big = new JouleToken(type(uint256).max, owner, 0, owner);
        RewardEmitter fast = new RewardEmitter(
            IJouleToken(address(big)),
            0,
            EPOCH,
            type(uint128).max,
            1,
            address(this)
        );
        assertEq(fast.emissionOf(0), type(uint128).max);
        assertEq(fast.emissionOf(127), 1);
        assertEq(fast.emissionOf(128), 0);
        assertEq(fast.emissionOf(255), 0);
        assertEq(fast.emissionOf(256), 0);
        assertEq(fast.emissionOf(type(uint32).max), 0);
    }

    function test_currentEpoch_countsFromGenesis() public {
        assertEq(uint256(em.currentEpoch()), 0);
        vm.warp(T0 + EPOCH - 1);
        assertEq(uint256(em.currentEpoch()), 0);
        vm.warp(T0 + EPOCH);
        assertEq(uint256(em.currentEpoch()), 1);
        vm.warp(T0 + 5 * uint256(EPOCH) + 3);
        assertEq(uint256(em.currentEpoch()), 5);
    }

    // ───────────────────────────── Work views (read from the market) ─────────────────────────────
    function test_workViews_readFromMarket() public {
        _warpToEpoch(3);
        assertEq(uint256(_record(alice, 100)), 3);
        _record(bob, 50);
        _record(alice, 25);
        assertEq(em.providerUnits(alice, 3), 125);
        assertEq(em.providerUnits(bob, 3), 50);
        assertEq(em.epochUnits(3), 175);
        assertEq(em.epochUnits(2), 0);
        assertFalse(em.isClaimed(alice, 3));
    }

    // ───────────────────────────── claimRewards ─────────────────────────────
    function test_claimRewards_proRataWithDust() public {
        // Three equal shares of 1000e18: each floor(1000e18 / 3); 1 wei is never minted.
        _record(alice, 7);
        _record(bob, 7);
        _record(carol, 7);
        _warpToEpoch(1);
        uint256 share = EMISSION / 3;
        address[3] memory ps = [alice, bob, carol];
        for (uint256 i; i < 3; ++i) {
            assertEq(em.pendingReward(ps[i], 0), share);
            vm.expectEmit(true, true, true, true, address(em));
            emit IRewardEmitter.RewardClaimed(ps[i], 0, ps[i], share);
            vm.prank(ps[i]);
            assertEq(em.claimRewards(_one(0), ps[i]), share);
            assertEq(token.balanceOf(ps[i]), share);
            assertTrue(em.isClaimed(ps[i], 0));
            assertEq(em.pendingReward(ps[i], 0), 0);
        }
        assertEq(em.minted(0), 3 * share);
        assertEq(EMISSION - em.minted(0), 1, "dust");
        assertEq(token.totalSupply(), GENESIS_SUPPLY + 3 * share);
        // Claimed units stay readable.
        assertEq(em.providerUnits(alice, 0), 7);
    }

    function test_claimRewards_unequalSharesAndOtherRecipient() public {
        _record(alice, 1);
        _record(bob, 3);
        _warpToEpoch(1);
        vm.prank(alice);
        uint256 got = em.claimRewards(_one(0), carol);
        assertEq(got, EMISSION / 4);
        assertEq(token.balanceOf(carol), EMISSION / 4);
        assertEq(token.balanceOf(alice), 0);
        vm.prank(bob);
        assertEq(em.claimRewards(_one(0), bob), (EMISSION * 3) / 4);
        assertEq(em.minted(0), EMISSION);
    }

    function test_claimRewards_manyEpochsOneCall() public {
        _record(alice, 10); // epoch 0: all of it
        _warpToEpoch(HALVING);
        _record(alice, 10); // epoch HALVING: half emission
        _record(bob, 30);
        _warpToEpoch(HALVING + 1);
        uint256 expected = EMISSION + (EMISSION / 2) / 4;
        assertEq(em.pendingReward(alice, HALVING), (EMISSION / 2) / 4);
        vm.prank(alice);
        assertEq(em.claimRewards(_two(0, HALVING), alice), expected);
        assertEq(token.balanceOf(alice), expected);
        assertEq(em.minted(0), EMISSION);
        assertEq(em.minted(HALVING), (EMISSION / 2) / 4);
    }

    function test_claimRewards_emptyListMintsNothing() public {
        _record(alice, 10);
        _warpToEpoch(1);
        vm.prank(alice);
        assertEq(em.claimRewards(new uint32[](0), alice), 0);
        assertEq(token.totalSupply(), GENESIS_SUPPLY);
        assertFalse(em.isClaimed(alice, 0));
    }

    function test_claimRewards_epochNotEnded() public {
        _warpToEpoch(2);
        _record(alice, 10);
        assertEq(em.pendingReward(alice, 2), 0, "nothing pending in the current epoch");
        vm.expectRevert(abi.encodeWithSelector(IRewardEmitter.EpochNotEnded.selector, 2, 2));
        vm.prank(alice);
        em.claimRewards(_one(2), alice);
        vm.expectRevert(abi.encodeWithSelector(IRewardEmitter.EpochNotEnded.selector, 5, 2));
        vm.prank(alice);
        em.claimRewards(_one(5), alice);

        vm.warp(T0 + 3 * uint256(EPOCH) - 1); // last second of epoch 2
        vm.expectRevert(abi.encodeWithSelector(IRewardEmitter.EpochNotEnded.selector, 2, 2));
        vm.prank(alice);
        em.claimRewards(_one(2), alice);

        _warpToEpoch(3);
        vm.prank(alice);
        assertEq(em.claimRewards(_one(2), alice), EMISSION);
    }

    function test_claimRewards_alreadyClaimed() public {
        _record(alice, 10);
        _warpToEpoch(1);
        vm.prank(alice);
        em.claimRewards(_one(0), alice);
        vm.expectRevert(abi.encodeWithSelector(IRewardEmitter.AlreadyClaimed.selector, alice, 0));
        vm.prank(alice);
        em.claimRewards(_one(0), alice);
        assertEq(token.balanceOf(alice), EMISSION);
    }

    function test_claimRewards_sameEpochTwiceInOneList() public {
        _record(alice, 10);
        _warpToEpoch(1);
        vm.expectRevert(abi.encodeWithSelector(IRewardEmitter.AlreadyClaimed.selector, alice, 0));
        vm.prank(alice);
        em.claimRewards(_two(0, 0), alice);
        // The whole call reverted: nothing claimed, nothing minted.
        assertFalse(em.isClaimed(alice, 0));
        assertEq(em.minted(0), 0);
        assertEq(token.totalSupply(), GENESIS_SUPPLY);
    }

    function test_claimRewards_noWork() public {
        _record(alice, 10);
        _warpToEpoch(1);
        assertEq(em.pendingReward(bob, 0), 0);
        vm.expectRevert(abi.encodeWithSelector(IRewardEmitter.NoWork.selector, bob, 0));
        vm.prank(bob);
        em.claimRewards(_one(0), bob);

        // Zero units recorded is still no work.
        _warpToEpoch(2);
        _record(bob, 0);
        _warpToEpoch(3);
        vm.expectRevert(abi.encodeWithSelector(IRewardEmitter.NoWork.selector, bob, 2));
        vm.prank(bob);
        em.claimRewards(_one(2), bob);
    }

    function test_claimRewards_zeroTo() public {
        _record(alice, 10);
        _warpToEpoch(1);
        vm.expectRevert(abi.encodeWithSelector(IRewardEmitter.ZeroAddress.selector));
        vm.prank(alice);
        em.claimRewards(_one(0), address(0));
    }

    function test_claimRewards_epochWithoutWorkMintsNothing() public {
        // Epoch 0 has work, epoch 1 none, epoch 2 has work: epoch 1's emission is never minted.
        _record(alice, 10);
        _warpToEpoch(2);
        _record(alice, 10);
        _warpToEpoch(3);
        assertEq(em.epochUnits(1), 0);
        vm.expectRevert(abi.encodeWithSelector(IRewardEmitter.NoWork.selector, alice, 1));
        vm.prank(alice);
        em.claimRewards(_one(1), alice);

        vm.prank(alice);
        assertEq(em.claimRewards(_two(0, 2), alice), 2 * EMISSION);
        assertEq(em.minted(1), 0);
        assertEq(token.totalSupply(), GENESIS_SUPPLY + 2 * EMISSION, "no carry-forward of epoch 1");
    }

    function test_pendingReward_views() public {
        _record(alice, 1);
        _record(bob, 2);
        assertEq(em.pendingReward(alice, 0), 0, "epoch not ended");
        _warpToEpoch(1);
        assertEq(em.pendingReward(alice, 0), EMISSION / 3);
        assertEq(em.pendingReward(bob, 0), (EMISSION * 2) / 3);
        assertEq(em.pendingReward(carol, 0), 0, "no work");
        assertEq(em.pendingReward(alice, 1), 0, "current epoch");
        vm.prank(alice);
        em.claimRewards(_one(0), alice);
        assertEq(em.pendingReward(alice, 0), 0, "claimed");
        assertEq(em.minted(0), EMISSION / 3);
    }

    // ───────────────────────────── claimRewardsFor ─────────────────────────────
    function test_claimRewardsFor_marketClaimsForProvider() public {
        _record(alice, 10);
        _warpToEpoch(1);
        vm.expectEmit(true, true, true, true, address(em));
        emit IRewardEmitter.RewardClaimed(alice, 0, carol, EMISSION);
        assertEq(em.claimRewardsFor(alice, _one(0), carol), EMISSION);
        assertEq(token.balanceOf(carol), EMISSION);
        assertTrue(em.isClaimed(alice, 0));
        // The provider cannot claim the same epoch again itself.
        vm.expectRevert(abi.encodeWithSelector(IRewardEmitter.AlreadyClaimed.selector, alice, 0));
        vm.prank(alice);
        em.claimRewards(_one(0), alice);
    }

    function test_claimRewardsFor_otherMarket() public {
        // An emitter bound to another market refuses this contract.
        RewardEmitter e = new RewardEmitter(IJouleToken(address(token)), 0, EPOCH, 1e18, 1, alice);
        assertEq(e.market(), alice);
        vm.expectRevert(abi.encodeWithSelector(IRewardEmitter.NotMarket.selector, address(this)));
        e.claimRewardsFor(bob, _one(0), bob);
    }

    function test_claimRewardsFor_notMarket() public {
        _record(alice, 10);
        _warpToEpoch(1);
        vm.expectRevert(abi.encodeWithSelector(IRewardEmitter.NotMarket.selector, alice));
        vm.prank(alice);
        em.claimRewardsFor(alice, _one(0), alice);
        assertFalse(em.isClaimed(alice, 0));
    }

    // ───────────────────────────── Fuzz: reward arithmetic vs a reference model ─────────────────────────────
    struct Run {
        JouleToken token;
        RewardEmitter em;
        uint256 initial;
        uint32 halving;
        uint256 nProviders;
        address[] providers;
        uint32[] epochs; // epochs with recorded activity, strictly increasing (gaps between them)
        uint256[][] units; // units[j][p] recorded for providers[p] in epochs[j]
    }

    /// @dev 3–5 providers record random units (0 .. 2^64−1, split over two calls) over up to 8 epochs with gaps,
    /// then every provider claims every epoch (some one by one, some in one call). Every claim must equal the
    /// model's floor(emission × units / total) — and be that floor, checked by cross-multiplication — and per
    /// epoch Σ claims = minted ≤ emission with dust < claimants; total supply grows by exactly Σ claims, ≤ cap.
    function testFuzz_claimRewards_matchReferenceModel(uint256 seed, uint256 initial, uint256 halving) public {
        Run memory run;
        run.initial = bound(initial, 1, 1e24);
        run.halving = uint32(bound(halving, 1, 4));
        (run.token, run.em) = _deploy(run.initial, run.halving);
        run.nProviders = bound(seed, 3, 5);
        run.providers = new address[](run.nProviders);
        for (uint256 p; p < run.nProviders; ++p) {
            run.providers[p] = address(uint160(uint256(keccak256(abi.encode("provider", p)))));
        }
        _recordRandomWork(run, seed);
        uint32 last = run.epochs[run.epochs.length - 1];
        // Past the last active epoch, at a random second of a later epoch.
        vm.warp(T0 + (uint256(last) + 1) * EPOCH + (uint256(keccak256(abi.encode(seed, "end"))) % (3 * EPOCH)));

        uint256 supplyBefore = run.token.totalSupply();
        uint256 claimedTotal = _claimAllAndCheck(run);

        assertEq(run.token.totalSupply() - supplyBefore, claimedTotal, "supply increase == sum of claims");
        assertLe(run.token.totalSupply(), run.token.cap(), "supply <= cap");
        // Epochs without activity: no units, nothing minted, nobody can claim.
        for (uint32 e; e <= last; ++e) {
            if (run.em.epochUnits(e) == 0) {
                assertEq(run.em.minted(e), 0, "empty epoch mints nothing");
                vm.expectRevert(abi.encodeWithSelector(IRewardEmitter.NoWork.selector, run.providers[0], e));
                vm.prank(run.providers[0]);
                run.em.claimRewards(_one(e), run.providers[0]);
            }
        }
    }

    function _recordRandomWork(Run memory run, uint256 seed) internal {
        uint256 nEpochs = 1 + (uint256(keccak256(abi.encode(seed, "epochs"))) % 8);
        run.epochs = new uint32[](nEpochs);
        run.units = new uint256[][](nEpochs);
        uint256 e = uint256(keccak256(abi.encode(seed, "first"))) % 3;
        for (uint256 j; j < nEpochs; ++j) {
            if (j != 0) e += 1 + (uint256(keccak256(abi.encode(seed, "gap", j))) % 3);
            run.epochs[j] = uint32(e);
            run.units[j] = new uint256[](run.nProviders);
            vm.warp(T0 + e * EPOCH + (uint256(keccak256(abi.encode(seed, "at", j))) % EPOCH));
            for (uint256 p; p < run.nProviders; ++p) {
                uint256 r = uint256(keccak256(abi.encode(seed, "units", j, p)));
                uint256 u;
                // A third idle, the rest small, medium or huge, so shares are uneven and dust appears.
                uint256 kind = r % 6;
                if (kind == 0 || kind == 1) u = 0;
                else if (kind == 2 || kind == 3) u = (r >> 8) % 1_000;
                else if (kind == 4) u = (r >> 8) % 1e12;
                else u = (r >> 8) % (uint256(type(uint64).max) + 1);
                uint256 first = (r >> 128) % (u + 1);
                assertEq(uint256(_record(run.em, run.providers[p], first)), e, "recorded epoch");
                _record(run.em, run.providers[p], u - first);
                run.units[j][p] = u;
            }
        }
    }

    function _claimAllAndCheck(Run memory run) internal returns (uint256 claimedTotal) {
        uint256 nEpochs = run.epochs.length;
        uint256[] memory sumClaims = new uint256[](nEpochs);
        uint256[] memory claimants = new uint256[](nEpochs);
        uint256[] memory totals = new uint256[](nEpochs);
        for (uint256 j; j < nEpochs; ++j) {
            for (uint256 p; p < run.nProviders; ++p) totals[j] += run.units[j][p];
            assertEq(run.em.epochUnits(run.epochs[j]), totals[j], "epoch units");
        }
        for (uint256 p; p < run.nProviders; ++p) {
            address who = run.providers[p];
            bool batch = p % 2 == 1; // odd providers claim all their epochs in one call
            uint256 batchExpected;
            uint256 batchCount;
            for (uint256 j; j < nEpochs; ++j) {
                if (run.units[j][p] != 0) ++batchCount;
            }
            uint32[] memory batchEpochs = new uint32[](batchCount);
            batchCount = 0;
            for (uint256 j; j < nEpochs; ++j) {
                uint32 e = run.epochs[j];
                uint256 u = run.units[j][p];
                assertEq(run.em.providerUnits(who, e), u, "provider units");
                if (u == 0) {
                    vm.expectRevert(abi.encodeWithSelector(IRewardEmitter.NoWork.selector, who, e));
                    vm.prank(who);
                    run.em.claimRewards(_one(e), who);
                    continue;
                }
                uint256 emission = _modelEmission(run.initial, run.halving, e);
                uint256 expected = (emission * u) / totals[j];
                // The model's value is the exact floor of the pro-rata share.
                assertLe(expected * totals[j], emission * u, "never above the share");
                assertGt((expected + 1) * totals[j], emission * u, "the floor, not less");
                assertEq(run.em.pendingReward(who, e), expected, "pendingReward");
                sumClaims[j] += expected;
                ++claimants[j];
                if (batch) {
                    batchEpochs[batchCount++] = e;
                    batchExpected += expected;
                } else {
                    uint256 before = run.token.balanceOf(who);
                    vm.prank(who);
                    assertEq(run.em.claimRewards(_one(e), who), expected, "claim == model");
                    assertEq(run.token.balanceOf(who) - before, expected, "minted to claimant");
                }
                claimedTotal += expected;
            }
            if (batch && batchCount != 0) {
                uint256 before = run.token.balanceOf(who);
                vm.prank(who);
                assertEq(run.em.claimRewards(batchEpochs, who), batchExpected, "batch claim == model");
                assertEq(run.token.balanceOf(who) - before, batchExpected, "batch minted");
            }
        }
        for (uint256 j; j < nEpochs; ++j) {
            uint32 e = run.epochs[j];
            uint256 emission = run.em.emissionOf(e);
            assertEq(emission, _modelEmission(run.initial, run.halving, e), "emissionOf == model");
            assertEq(run.em.minted(e), sumClaims[j], "minted(e) == sum of claims");
            assertLe(sumClaims[j], emission, "sum of claims <= emission");
            if (claimants[j] == 0) {
                assertEq(sumClaims[j], 0);
            } else {
                assertLt(emission - sumClaims[j], claimants[j], "dust < claimants");
            }
            for (uint256 p; p < run.nProviders; ++p) {
                assertEq(run.em.isClaimed(run.providers[p], e), run.units[j][p] != 0, "claimed flag");
                assertEq(run.em.pendingReward(run.providers[p], e), 0, "nothing left pending");
            }
        }
    }

    /// @dev emissionOf matches the model for any epoch and schedule, and never grows with time.
    function testFuzz_emissionOf_matchesModel(uint256 initial, uint256 halving, uint32 epoch) public {
        // 2 × initial × halving must fit the 8e26 headroom.
        initial = bound(initial, 1, 4e23);
        uint32 h = uint32(bound(halving, 1, 1_000));
        (, RewardEmitter e) = _deploy(initial, h);
        assertEq(e.emissionOf(epoch), _modelEmission(initial, h, epoch));
        if (epoch < type(uint32).max) assertLe(e.emissionOf(epoch + 1), e.emissionOf(epoch));
    }
}
