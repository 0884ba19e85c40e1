// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Custom-error checklist (IProviderRegistry) — each triggered with its exact arguments by:
//   ZeroAddress                 test_constructor_zeroToken, test_constructor_zeroMarket, test_withdrawUnbonded_zeroTo
//   ZeroAmount                  test_stake_zeroAmount, test_requestUnbond_zeroAmount
//   NotMarket                   test_lockCollateral_notMarket, test_releaseCollateral_notMarket, test_slash_notMarket
//   NotRegistered               test_updateProfile_notRegistered, test_stake_notRegistered, test_lockCollateral_notRegistered
//   AlreadyRegistered           test_register_alreadyRegistered
//   InvalidProfile              test_register_invalidProfile, test_updateProfile_invalidProfile
//   InsufficientFreeStake       test_requestUnbond_moreThanFree, test_requestUnbond_lockedPartIsNotFree,
//                               test_lockCollateral_insufficientFreeStake, testFuzz_requestUnbond_lockedAndUnbondingWithinStake,
//                               testFuzz_lockCollateral_cannotUseUnbondingStake, testFuzz_randomOps_matchModel
//   RequirementsNotMet          test_lockCollateral_requirementsNotMet
//   CarbonIntensityTooHigh      test_lockCollateral_carbonIntensityTooHigh
//   CollateralLockMissing       test_releaseCollateral_moreThanLocked, test_slash_moreThanLocked
//   UnbondingNotReady           test_withdrawUnbonded_exactlyAtUnlockAt, test_requestUnbond_secondRequestAddsAndRestartsDelay
//   NothingUnbonding            test_withdrawUnbonded_nothingUnbonding
//   TokenTransferMismatch       test_stake_feeOnTransferTokenRefused
//   UnbondingDelayOutOfBounds   test_constructor_unbondingDelayOutOfBounds, test_setUnbondingDelay_outOfBounds

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {JouleFixture} from "./utils/JouleFixture.sol";
import {Vm} from "./utils/Vm.sol";
import {ProviderRegistry} from "../contracts/ProviderRegistry.sol";
import {FeeOnTransferToken} from "../contracts/test/FeeOnTransferToken.sol";
import {IJobTypes} from "../contracts/interfaces/IJobTypes.sol";
import {IProviderRegistry} from "../contracts/interfaces/IProviderRegistry.sol";

contract ProviderRegistryTest is JouleFixture {
    uint256 internal constant FUND = 1_000_000e18;
    uint32 internal constant MIN_DELAY = 1 days;
    uint32 internal constant MAX_DELAY = 30 days;

    /// @dev A registry whose market is this test contract, so lock/release/slash can be driven directly.
    ProviderRegistry internal reg;
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal stranger = makeAddr("stranger");

    function setUp() public {
        setUpProtocol();
        reg = new ProviderRegistry(joule, owner, UNBONDING, address(this));

        vm.startPrank(owner);
        joule.transfer(alice, FUND);
        joule.transfer(bob, FUND);
        vm.stopPrank();
        vm.prank(alice);
        joule.approve(address(reg), type(uint256).max);
        vm.prank(bob);
        joule.approve(address(reg), type(uint256).max);
    }

    // ───────────────────────────── Helpers ─────────────────────────────
    function _profile(
        uint16 gpuClass,
        uint16 gpuCount,
        uint32 vramGb,
        uint32 carbon
    ) internal pure returns (IProviderRegistry.Profile memory) {
        return
            IProviderRegistry.Profile({
                gpuClass: gpuClass,
                gpuCount: gpuCount,
                vramGb: vramGb,
                carbonIntensity: carbon,
                region: bytes32("eu-west"),
                metadataURI: "ipfs://alice"
            });
    }

    function _defaultProfile() internal pure returns (IProviderRegistry.Profile memory) {
        return _profile(3, 8, 80, 200);
    }

    function _noReq() internal pure returns (IJobTypes.Requirements memory) {
        return IJobTypes.Requirements({minGpuClass: 0, minGpuCount: 0, minVramGb: 0, maxCarbonIntensity: 0});
    }

    function _req(
        uint16 cls,
        uint16 count,
        uint32 vram,
        uint32 carbon
    ) internal pure returns (IJobTypes.Requirements memory) {
        return
            IJobTypes.Requirements({minGpuClass: cls, minGpuCount: count, minVramGb: vram, maxCarbonIntensity: carbon});
    }

    /// @dev Registers `who` in `reg` with the default profile and stakes `amount` from its own balance.
    function _join(address who, uint256 amount) internal {
        vm.prank(who);
        reg.register(_defaultProfile());
        if (amount != 0) {
            vm.prank(who);
            reg.stake(who, amount);
        }
    }

    function _assertAccount(address p, uint256 stake_, uint256 locked_, uint256 unbonding_) internal view {
        (uint256 s, uint256 l, uint256 u, ) = reg.stakeOf(p);
        assertEq(s, stake_, "stake");
        assertEq(l, locked_, "locked");
        assertEq(u, unbonding_, "unbonding");
        assertLe(l + u, s, "locked + unbonding <= stake");
        assertEq(reg.freeStake(p), stake_ - locked_ - unbonding_, "freeStake");
    }

    /// @dev The EVM's current time. via-IR may cache `block.timestamp` across `vm.warp` within one test.
    function _now() internal view returns (uint256) {
        return vm.getBlockTimestamp();
    }

    function _unlockAt(address p) internal view returns (uint40 unlockAt) {
        (, , , unlockAt) = reg.stakeOf(p);
    }

    // ───────────────────────────── Constructor ─────────────────────────────
    function test_constructor_setsState() public {
        vm.expectEmit(true, true, true, true);
        emit IProviderRegistry.UnbondingDelayUpdated(0, UNBONDING);
        ProviderRegistry r = new ProviderRegistry(joule, owner, UNBONDING, address(market));
        assertEq(r.stakeToken(), address(joule));
        assertEq(r.owner(), owner);
        assertEq(r.unbondingDelay(), UNBONDING);
        assertEq(r.market(), address(market));
    }

    function test_constructor_zeroToken() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.ZeroAddress.selector));
        new ProviderRegistry(IERC20(address(0)), owner, UNBONDING, address(this));
    }

    function test_constructor_zeroMarket() public {
        // The market is fixed at deployment (the JobMarket deploys its registry); it can never be unset.
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.ZeroAddress.selector));
        new ProviderRegistry(joule, owner, UNBONDING, address(0));
    }

    function test_constructor_unbondingDelayOutOfBounds() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IProviderRegistry.UnbondingDelayOutOfBounds.selector,
                MIN_DELAY - 1,
                MIN_DELAY,
                MAX_DELAY
            )
        );
        new ProviderRegistry(joule, owner, MIN_DELAY - 1, address(this));
    }

    // ───────────────────────────── register / updateProfile ─────────────────────────────
    function test_register_storesProfileAndEmits() public {
        assertFalse(reg.isRegistered(alice));
        vm.expectEmit(true, true, true, true, address(reg));
        emit IProviderRegistry.ProviderRegistered(alice, 3, 8, 80, 200, bytes32("eu-west"), "ipfs://alice");
        vm.prank(alice);
        reg.register(_defaultProfile());

        assertTrue(reg.isRegistered(alice));
        (uint16 cls, uint16 count, uint32 vram, uint32 carbon) = reg.hardwareOf(alice);
        assertEq(cls, 3);
        assertEq(count, 8);
        assertEq(vram, 80);
        assertEq(carbon, 200);
        _assertAccount(alice, 0, 0, 0);
    }

    function test_register_alreadyRegistered() public {
        _join(alice, 0);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.AlreadyRegistered.selector, alice));
        vm.prank(alice);
        reg.register(_defaultProfile());
    }

    function test_register_invalidProfile() public {
        // Zero GPUs or zero VRAM is not hardware.
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.InvalidProfile.selector));
        vm.prank(alice);
        reg.register(_profile(3, 0, 80, 200));

        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.InvalidProfile.selector));
        vm.prank(alice);
        reg.register(_profile(3, 8, 0, 200));
        assertFalse(reg.isRegistered(alice));
    }

    function test_updateProfile_changesHardwareAndEmits() public {
        _join(alice, 0);
        IProviderRegistry.Profile memory p = _profile(5, 2, 24, 50);
        p.region = bytes32("us-east");
        p.metadataURI = "ipfs://alice-v2";
        vm.expectEmit(true, true, true, true, address(reg));
        emit IProviderRegistry.ProfileUpdated(alice, 5, 2, 24, 50, bytes32("us-east"), "ipfs://alice-v2");
        vm.prank(alice);
        reg.updateProfile(p);

        (uint16 cls, uint16 count, uint32 vram, uint32 carbon) = reg.hardwareOf(alice);
        assertEq(cls, 5);
        assertEq(count, 2);
        assertEq(vram, 24);
        assertEq(carbon, 50);
        assertTrue(reg.isRegistered(alice));
    }

    function test_updateProfile_notRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.NotRegistered.selector, alice));
        vm.prank(alice);
        reg.updateProfile(_defaultProfile());
    }

    function test_updateProfile_invalidProfile() public {
        _join(alice, 0);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.InvalidProfile.selector));
        vm.prank(alice);
        reg.updateProfile(_profile(3, 8, 0, 200));
        (, uint16 count, uint32 vram, ) = reg.hardwareOf(alice);
        assertEq(count, 8);
        assertEq(vram, 80);
    }

    // ───────────────────────────── stake ─────────────────────────────
    function test_stake_pullsTokensAndEmits() public {
        _join(alice, 0);
        uint256 regBefore = joule.balanceOf(address(reg));
        vm.expectEmit(true, true, true, true, address(reg));
        emit IProviderRegistry.Staked(alice, alice, 500e18, 500e18);
        vm.prank(alice);
        reg.stake(alice, 500e18);

        vm.expectEmit(true, true, true, true, address(reg));
        emit IProviderRegistry.Staked(alice, alice, 250e18, 750e18);
        vm.prank(alice);
        reg.stake(alice, 250e18);

        _assertAccount(alice, 750e18, 0, 0);
        assertEq(joule.balanceOf(address(reg)) - regBefore, 750e18);
        assertEq(joule.balanceOf(alice), FUND - 750e18);
    }

    function test_stake_onBehalfOfAnother() public {
        _join(alice, 0);
        // Bob pays, Alice's stake grows; the event names both.
        vm.expectEmit(true, true, true, true, address(reg));
        emit IProviderRegistry.Staked(alice, bob, 300e18, 300e18);
        vm.prank(bob);
        reg.stake(alice, 300e18);

        _assertAccount(alice, 300e18, 0, 0);
        _assertAccount(bob, 0, 0, 0);
        assertEq(joule.balanceOf(bob), FUND - 300e18);
        assertEq(joule.balanceOf(alice), FUND);
    }

    function test_stake_zeroAmount() public {
        _join(alice, 0);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.ZeroAmount.selector));
        vm.prank(alice);
        reg.stake(alice, 0);
    }

    function test_stake_notRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.NotRegistered.selector, alice));
        vm.prank(alice);
        reg.stake(alice, 1e18);

        // Staking for an unregistered account is refused even when the payer is registered.
        _join(bob, 0);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.NotRegistered.selector, stranger));
        vm.prank(bob);
        reg.stake(stranger, 1e18);
    }

    function test_stake_feeOnTransferTokenRefused() public {
        // 1% fee: the registry measures what arrived and refuses to credit what did not.
        FeeOnTransferToken fot = new FeeOnTransferToken(100);
        ProviderRegistry fotReg = new ProviderRegistry(IERC20(address(fot)), owner, UNBONDING, address(this));
        fot.mint(alice, 1_000e18);
        vm.startPrank(alice);
        fotReg.register(_defaultProfile());
        fot.approve(address(fotReg), type(uint256).max);
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.TokenTransferMismatch.selector, address(fot), 1_000e18, 990e18)
        );
        fotReg.stake(alice, 1_000e18);

        // A transfer small enough that the fee rounds to zero arrives whole and is accepted.
        fotReg.stake(alice, 99);
        vm.stopPrank();
        (uint256 s, , , ) = fotReg.stakeOf(alice);
        assertEq(s, 99);
        assertEq(fot.balanceOf(address(fotReg)), 99);
    }

    // ───────────────────────────── requestUnbond ─────────────────────────────
    function test_requestUnbond_movesFreeToUnbonding() public {
        _join(alice, 1_000e18);
        uint40 expectedUnlock = uint40(_now()) + UNBONDING;
        vm.expectEmit(true, true, true, true, address(reg));
        emit IProviderRegistry.UnbondRequested(alice, 400e18, 400e18, expectedUnlock);
        vm.prank(alice);
        reg.requestUnbond(400e18);

        _assertAccount(alice, 1_000e18, 0, 400e18);
        assertEq(_unlockAt(alice), expectedUnlock);
        // Still held by the registry until withdrawn.
        assertEq(joule.balanceOf(address(reg)), 1_000e18);
    }

    function test_requestUnbond_zeroAmount() public {
        _join(alice, 1_000e18);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.ZeroAmount.selector));
        vm.prank(alice);
        reg.requestUnbond(0);
    }

    function test_requestUnbond_moreThanFree() public {
        _join(alice, 1_000e18);
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.InsufficientFreeStake.selector, alice, 1_000e18, 1_000e18 + 1)
        );
        vm.prank(alice);
        reg.requestUnbond(1_000e18 + 1);

        // Not registered, nothing staked: free is zero.
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.InsufficientFreeStake.selector, stranger, 0, 1));
        vm.prank(stranger);
        reg.requestUnbond(1);
    }

    function test_requestUnbond_lockedPartIsNotFree() public {
        _join(alice, 1_000e18);
        reg.lockCollateral(alice, 700e18, _noReq());
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.InsufficientFreeStake.selector, alice, 300e18, 300e18 + 1)
        );
        vm.prank(alice);
        reg.requestUnbond(300e18 + 1);

        vm.prank(alice);
        reg.requestUnbond(300e18);
        _assertAccount(alice, 1_000e18, 700e18, 300e18);

        // Nothing left: even one more wei is refused.
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.InsufficientFreeStake.selector, alice, 0, 1));
        vm.prank(alice);
        reg.requestUnbond(1);
    }

    function test_requestUnbond_secondRequestAddsAndRestartsDelay() public {
        _join(alice, 1_000e18);
        uint256 t0 = _now();
        vm.prank(alice);
        reg.requestUnbond(100e18);
        assertEq(_unlockAt(alice), t0 + UNBONDING);

        // One second before the first request would have matured, ask for more.
        vm.warp(t0 + UNBONDING - 1);
        uint40 newUnlock = uint40(t0 + UNBONDING - 1 + UNBONDING);
        vm.expectEmit(true, true, true, true, address(reg));
        emit IProviderRegistry.UnbondRequested(alice, 50e18, 150e18, newUnlock);
        vm.prank(alice);
        reg.requestUnbond(50e18);
        _assertAccount(alice, 1_000e18, 0, 150e18);
        assertEq(_unlockAt(alice), newUnlock);

        // The first request's maturity no longer unlocks anything.
        vm.warp(t0 + UNBONDING);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.UnbondingNotReady.selector, alice, newUnlock));
        vm.prank(alice);
        reg.withdrawUnbonded(alice);

        vm.warp(newUnlock);
        vm.prank(alice);
        reg.withdrawUnbonded(alice);
        _assertAccount(alice, 850e18, 0, 0);
    }

    // ───────────────────────────── withdrawUnbonded ─────────────────────────────
    function test_withdrawUnbonded_exactlyAtUnlockAt() public {
        _join(alice, 1_000e18);
        vm.prank(alice);
        reg.requestUnbond(400e18);
        uint40 unlockAt = _unlockAt(alice);

        vm.warp(unlockAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.UnbondingNotReady.selector, alice, unlockAt));
        vm.prank(alice);
        reg.withdrawUnbonded(alice);

        vm.warp(unlockAt);
        uint256 before = joule.balanceOf(bob);
        vm.expectEmit(true, true, true, true, address(reg));
        emit IProviderRegistry.Unbonded(alice, bob, 400e18, 600e18);
        vm.prank(alice);
        reg.withdrawUnbonded(bob);

        // Paid to `to`, not the caller; state cleared.
        assertEq(joule.balanceOf(bob) - before, 400e18);
        assertEq(joule.balanceOf(alice), FUND - 1_000e18);
        _assertAccount(alice, 600e18, 0, 0);
        assertEq(_unlockAt(alice), 0);
        assertEq(joule.balanceOf(address(reg)), 600e18);
    }

    function test_withdrawUnbonded_nothingUnbonding() public {
        _join(alice, 1_000e18);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.NothingUnbonding.selector, alice));
        vm.prank(alice);
        reg.withdrawUnbonded(alice);

        // And again after a completed withdrawal.
        vm.prank(alice);
        reg.requestUnbond(1e18);
        vm.warp(_now() + UNBONDING);
        vm.prank(alice);
        reg.withdrawUnbonded(alice);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.NothingUnbonding.selector, alice));
        vm.prank(alice);
        reg.withdrawUnbonded(alice);
    }

    function test_withdrawUnbonded_zeroTo() public {
        _join(alice, 1_000e18);
        vm.prank(alice);
        reg.requestUnbond(1e18);
        vm.warp(_now() + UNBONDING);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.ZeroAddress.selector));
        vm.prank(alice);
        reg.withdrawUnbonded(address(0));
    }

    function test_withdrawUnbonded_delayChangeKeepsPendingUnlock() public {
        _join(alice, 1_000e18);
        vm.prank(alice);
        reg.requestUnbond(1e18);
        uint40 unlockAt = _unlockAt(alice);
        // Governance shortening the delay does not let a pending request out early...
        vm.prank(owner);
        reg.setUnbondingDelay(MIN_DELAY);
        assertEq(_unlockAt(alice), unlockAt);
        vm.warp(_now() + MIN_DELAY);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.UnbondingNotReady.selector, alice, unlockAt));
        vm.prank(alice);
        reg.withdrawUnbonded(alice);
        // ...but a new request uses the new delay (and restarts the whole amount's clock).
        vm.prank(alice);
        reg.requestUnbond(1e18);
        assertEq(_unlockAt(alice), _now() + MIN_DELAY);
    }

    // ───────────────────────────── lockCollateral ─────────────────────────────
    function test_lockCollateral_locksUpToStake() public {
        _join(alice, 1_000e18);
        // Locks emit nothing themselves (the market's events record them, per the interface).
        vm.recordLogs();
        reg.lockCollateral(alice, 600e18, _req(3, 8, 80, 200));
        assertEq(vm.getRecordedLogs().length, 0, "no registry event for a lock");
        _assertAccount(alice, 1_000e18, 600e18, 0);

        reg.lockCollateral(alice, 400e18, _noReq());
        _assertAccount(alice, 1_000e18, 1_000e18, 0);
        // Locking moves no tokens.
        assertEq(joule.balanceOf(address(reg)), 1_000e18);
    }

    function test_lockCollateral_zeroAmountChecksButLocksNothing() public {
        _join(alice, 0);
        vm.recordLogs();
        reg.lockCollateral(alice, 0, _noReq());
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 0, "no event for a zero lock");
        _assertAccount(alice, 0, 0, 0);

        // The registration and requirement checks still apply.
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.NotRegistered.selector, bob));
        reg.lockCollateral(bob, 0, _noReq());
    }

    function test_lockCollateral_notMarket() public {
        _join(alice, 1_000e18);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.NotMarket.selector, alice));
        vm.prank(alice);
        reg.lockCollateral(alice, 1e18, _noReq());

        // Not even the owner; and on the fixture registry, only the JobMarket.
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.NotMarket.selector, owner));
        vm.prank(owner);
        reg.lockCollateral(alice, 1e18, _noReq());
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.NotMarket.selector, address(this)));
        registry.lockCollateral(provider, 1e18, _noReq());
    }

    function test_lockCollateral_notRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.NotRegistered.selector, stranger));
        reg.lockCollateral(stranger, 1, _noReq());
    }

    function test_lockCollateral_insufficientFreeStake() public {
        _join(alice, 1_000e18);
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.InsufficientFreeStake.selector, alice, 1_000e18, 1_000e18 + 1)
        );
        reg.lockCollateral(alice, 1_000e18 + 1, _noReq());
        reg.lockCollateral(alice, 800e18, _noReq());
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.InsufficientFreeStake.selector, alice, 200e18, 200e18 + 1)
        );
        reg.lockCollateral(alice, 200e18 + 1, _noReq());
    }

    function test_lockCollateral_requirementsNotMet() public {
        _join(alice, 1_000e18); // class 3, 8 GPUs, 80 GB
        IJobTypes.Requirements[3] memory bad = [_req(4, 8, 80, 0), _req(3, 9, 80, 0), _req(3, 8, 81, 0)];
        for (uint256 i; i < 3; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.RequirementsNotMet.selector, alice, bad[i]));
            reg.lockCollateral(alice, 1e18, bad[i]);
        }
        // Exactly meeting every minimum is enough.
        reg.lockCollateral(alice, 1e18, _req(3, 8, 80, 0));
        _assertAccount(alice, 1_000e18, 1e18, 0);
    }

    function test_lockCollateral_carbonIntensityTooHigh() public {
        _join(alice, 1_000e18); // declares 200 gCO2e/kWh
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.CarbonIntensityTooHigh.selector, alice, 200, 199));
        reg.lockCollateral(alice, 1e18, _req(0, 0, 0, 199));

        reg.lockCollateral(alice, 1e18, _req(0, 0, 0, 200)); // at the cap
        reg.lockCollateral(alice, 1e18, _req(0, 0, 0, 0)); // 0 = no cap
        _assertAccount(alice, 1_000e18, 2e18, 0);
    }

    function test_lockCollateral_noCarbonCapAcceptsAnyIntensity() public {
        vm.prank(alice);
        reg.register(_profile(3, 8, 80, type(uint32).max));
        vm.prank(alice);
        reg.stake(alice, 10e18);
        reg.lockCollateral(alice, 10e18, _req(0, 0, 0, 0));
        _assertAccount(alice, 10e18, 10e18, 0);
    }

    function test_lockCollateral_usesUpdatedProfile() public {
        _join(alice, 1_000e18);
        vm.prank(alice);
        reg.updateProfile(_profile(3, 8, 80, 500));
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.CarbonIntensityTooHigh.selector, alice, 500, 200));
        reg.lockCollateral(alice, 1e18, _req(0, 0, 0, 200));
    }

    // ───────────────────────────── releaseCollateral ─────────────────────────────
    function test_releaseCollateral_releasesPart() public {
        _join(alice, 1_000e18);
        reg.lockCollateral(alice, 600e18, _noReq());
        vm.recordLogs();
        reg.releaseCollateral(alice, 250e18);
        assertEq(vm.getRecordedLogs().length, 0, "no registry event for a release");
        _assertAccount(alice, 1_000e18, 350e18, 0);
        // Released stake is free again: it can be unbonded.
        vm.prank(alice);
        reg.requestUnbond(650e18);
        _assertAccount(alice, 1_000e18, 350e18, 650e18);
    }

    function test_releaseCollateral_moreThanLocked() public {
        _join(alice, 1_000e18);
        reg.lockCollateral(alice, 600e18, _noReq());
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.CollateralLockMissing.selector, alice, 600e18, 600e18 + 1)
        );
        reg.releaseCollateral(alice, 600e18 + 1);
    }

    function test_releaseCollateral_notMarket() public {
        _join(alice, 1_000e18);
        reg.lockCollateral(alice, 600e18, _noReq());
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.NotMarket.selector, alice));
        vm.prank(alice);
        reg.releaseCollateral(alice, 600e18);
    }

    // ───────────────────────────── slash ─────────────────────────────
    function test_slash_takesLockedStakeToMarket() public {
        _join(alice, 1_000e18);
        reg.lockCollateral(alice, 600e18, _noReq());
        uint256 marketBefore = joule.balanceOf(address(this));
        vm.expectEmit(true, true, true, true, address(reg));
        emit IProviderRegistry.Slashed(alice, 9, IProviderRegistry.SlashReason.ProofRejected, 400e18, 600e18, 200e18);
        reg.slash(alice, 9, 400e18, IProviderRegistry.SlashReason.ProofRejected);

        assertEq(joule.balanceOf(address(this)) - marketBefore, 400e18);
        assertEq(joule.balanceOf(address(reg)), 600e18);
        _assertAccount(alice, 600e18, 200e18, 0);
    }

    function test_slash_carriesDeliveryMissedReason() public {
        _join(alice, 1_000e18);
        reg.lockCollateral(alice, 600e18, _noReq());
        // checkData = true: a wrong reason code would fail the expectation.
        vm.expectEmit(true, true, true, true, address(reg));
        emit IProviderRegistry.Slashed(alice, 9, IProviderRegistry.SlashReason.DeliveryMissed, 600e18, 400e18, 0);
        reg.slash(alice, 9, 600e18, IProviderRegistry.SlashReason.DeliveryMissed);
        _assertAccount(alice, 400e18, 0, 0);
    }

    function test_slash_moreThanLocked() public {
        _join(alice, 1_000e18);
        reg.lockCollateral(alice, 600e18, _noReq());
        // Free stake is not slashable: only what is locked.
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.CollateralLockMissing.selector, alice, 600e18, 600e18 + 1)
        );
        reg.slash(alice, 9, 600e18 + 1, IProviderRegistry.SlashReason.ProofRejected);
    }

    function test_slash_notMarket() public {
        _join(alice, 1_000e18);
        reg.lockCollateral(alice, 600e18, _noReq());
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.NotMarket.selector, owner));
        vm.prank(owner);
        reg.slash(alice, 9, 1, IProviderRegistry.SlashReason.ProofRejected);
    }

    function test_slash_whileUnbondingLeavesUnbondingIntact() public {
        _join(alice, 1_000e18);
        reg.lockCollateral(alice, 600e18, _noReq());
        vm.prank(alice);
        reg.requestUnbond(400e18);
        // Unbonding cannot be used to escape the slash of the locked part.
        reg.slash(alice, 9, 600e18, IProviderRegistry.SlashReason.DeliveryMissed);
        _assertAccount(alice, 400e18, 0, 400e18);
        vm.warp(_unlockAt(alice));
        vm.prank(alice);
        reg.withdrawUnbonded(alice);
        _assertAccount(alice, 0, 0, 0);
        assertEq(joule.balanceOf(address(reg)), 0);
        assertEq(joule.balanceOf(alice), FUND - 600e18);
    }

    // ───────────────────────────── Governance ─────────────────────────────
    function test_setUnbondingDelay_updatesWithinBounds() public {
        vm.expectEmit(true, true, true, true, address(reg));
        emit IProviderRegistry.UnbondingDelayUpdated(UNBONDING, MIN_DELAY);
        vm.prank(owner);
        reg.setUnbondingDelay(MIN_DELAY);
        assertEq(reg.unbondingDelay(), MIN_DELAY);

        vm.prank(owner);
        reg.setUnbondingDelay(MAX_DELAY);
        assertEq(reg.unbondingDelay(), MAX_DELAY);
    }

    function test_setUnbondingDelay_outOfBounds() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IProviderRegistry.UnbondingDelayOutOfBounds.selector,
                MIN_DELAY - 1,
                MIN_DELAY,
                MAX_DELAY
            )
        );
        vm.prank(owner);
        reg.setUnbondingDelay(MIN_DELAY - 1);

        vm.expectRevert(
            abi.encodeWithSelector(
                IProviderRegistry.UnbondingDelayOutOfBounds.selector,
                MAX_DELAY + 1,
                MIN_DELAY,
                MAX_DELAY
            )
        );
        vm.prank(owner);
        reg.setUnbondingDelay(MAX_DELAY + 1);
        assertEq(reg.unbondingDelay(), UNBONDING);
    }

    function test_setUnbondingDelay_onlyOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        reg.setUnbondingDelay(MIN_DELAY);
    }

    // ───────────────────────────── Views ─────────────────────────────
    function test_views_unknownProviderIsEmpty() public view {
        assertFalse(reg.isRegistered(stranger));
        (uint256 s, uint256 l, uint256 u, uint40 unlockAt) = reg.stakeOf(stranger);
        assertEq(s + l + u + unlockAt, 0);
        assertEq(reg.freeStake(stranger), 0);
        (uint16 cls, uint16 count, uint32 vram, uint32 carbon) = reg.hardwareOf(stranger);
        assertEq(uint256(cls) + count + vram + carbon, 0);
    }

    function test_views_fixtureProviderStaked() public view {
        // The fixture's provider registered and staked in the fixture registry, which the market drives.
        assertTrue(registry.isRegistered(provider));
        assertEq(registry.freeStake(provider), PROVIDER_STAKE);
        // The registry the market deployed answers only to that market, and belongs to governance.
        assertEq(registry.market(), address(market));
        assertEq(reg.market(), address(this));
        assertEq(registry.stakeToken(), address(joule));
        assertEq(registry.owner(), owner);
        assertEq(registry.unbondingDelay(), UNBONDING);
    }

    // ───────────────────────────── Fuzz ─────────────────────────────
    /// @dev Stake S, lock L, ask to unbond U: the request succeeds iff U fits the free stake, and the
    /// accounting stays exact either way.
    function testFuzz_requestUnbond_lockedAndUnbondingWithinStake(uint256 s, uint256 l, uint256 u) public {
        s = bound(s, 1, FUND);
        l = bound(l, 0, s);
        u = bound(u, 1, s);
        _join(alice, s);
        reg.lockCollateral(alice, l, _noReq());
        if (u > s - l) {
            vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.InsufficientFreeStake.selector, alice, s - l, u));
            vm.prank(alice);
            reg.requestUnbond(u);
            _assertAccount(alice, s, l, 0);
        } else {
            vm.prank(alice);
            reg.requestUnbond(u);
            _assertAccount(alice, s, l, u);
        }
        assertEq(joule.balanceOf(address(reg)), s);
    }

    /// @dev Stake being unbonded cannot back a lock: the largest lock is exactly stake − unbonding.
    function testFuzz_lockCollateral_cannotUseUnbondingStake(uint256 s, uint256 u, uint256 a) public {
        s = bound(s, 1, FUND);
        u = bound(u, 1, s);
        _join(alice, s);
        vm.prank(alice);
        reg.requestUnbond(u);
        uint256 free = s - u;
        a = bound(a, free + 1, s + 1);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.InsufficientFreeStake.selector, alice, free, a));
        reg.lockCollateral(alice, a, _noReq());

        reg.lockCollateral(alice, free, _noReq());
        _assertAccount(alice, s, free, u);
    }

    /// @dev While unbonding, the amount stays in the stake and in the registry's balance; a slash of the locked
    /// part leaves it intact, and withdrawal pays exactly it.
    function testFuzz_slash_unbondingStaysAccountedUntilWithdrawn(uint256 s, uint256 l, uint256 u, uint256 k) public {
        s = bound(s, 2, FUND);
        l = bound(l, 1, s - 1);
        u = bound(u, 1, s - l);
        k = bound(k, 0, l);
        _join(alice, s);
        reg.lockCollateral(alice, l, _noReq());
        vm.prank(alice);
        reg.requestUnbond(u);
        reg.slash(alice, 1, k, IProviderRegistry.SlashReason.ProofRejected);

        _assertAccount(alice, s - k, l - k, u);
        assertEq(joule.balanceOf(address(reg)), s - k, "registry holds stake incl. unbonding");

        vm.warp(_unlockAt(alice));
        uint256 before = joule.balanceOf(alice);
        vm.prank(alice);
        reg.withdrawUnbonded(alice);
        assertEq(joule.balanceOf(alice) - before, u);
        _assertAccount(alice, s - k - u, l - k, 0);
        assertEq(joule.balanceOf(address(reg)), s - k - u);
    }

    struct Model {
        uint256 stake;
        uint256 locked;
        uint256 unbonding;
        uint256 unlockAt;
    }

    /// @dev A random sequence of every stake-moving call against a plain model; after each step the registry
    /// must match the model exactly, keep `locked + unbonding <= stake`, and hold exactly the stake in tokens.
    function testFuzz_randomOps_matchModel(uint256 seed) public {
        _join(alice, 0);
        Model memory m;
        uint256 slashedTotal;
        for (uint256 step; step < 24; ++step) {
            uint256 r = uint256(keccak256(abi.encode(seed, step)));
            uint256 op = r % 7;
            uint256 x = r >> 8;
            uint256 free = m.stake - m.locked - m.unbonding;
            if (op == 0) {
                uint256 amt = bound(x, 1, 10_000e18);
                address payer = (r >> 4) & 1 == 0 ? alice : bob;
                vm.prank(payer);
                reg.stake(alice, amt);
                m.stake += amt;
            } else if (op == 1) {
                uint256 amt = bound(x, 0, free + free / 4 + 1);
                if (amt > free) {
                    vm.expectRevert(
                        abi.encodeWithSelector(IProviderRegistry.InsufficientFreeStake.selector, alice, free, amt)
                    );
                }
                reg.lockCollateral(alice, amt, _noReq());
                if (amt <= free) m.locked += amt;
            } else if (op == 2) {
                uint256 amt = bound(x, 0, m.locked + 1);
                if (amt > m.locked) {
                    vm.expectRevert(
                        abi.encodeWithSelector(IProviderRegistry.CollateralLockMissing.selector, alice, m.locked, amt)
                    );
                }
                reg.releaseCollateral(alice, amt);
                if (amt <= m.locked) m.locked -= amt;
            } else if (op == 3) {
                uint256 amt = bound(x, 0, m.locked);
                uint256 before = joule.balanceOf(address(this));
                reg.slash(alice, step, amt, IProviderRegistry.SlashReason(x & 1));
                assertEq(joule.balanceOf(address(this)) - before, amt, "slash paid to market");
                m.locked -= amt;
                m.stake -= amt;
                slashedTotal += amt;
            } else if (op == 4) {
                uint256 amt = bound(x, 1, free + 1);
                if (amt > free) {
                    vm.expectRevert(
                        abi.encodeWithSelector(IProviderRegistry.InsufficientFreeStake.selector, alice, free, amt)
                    );
                }
                vm.prank(alice);
                reg.requestUnbond(amt);
                if (amt <= free) {
                    m.unbonding += amt;
                    m.unlockAt = _now() + UNBONDING;
                }
            } else if (op == 5) {
                vm.warp(_now() + bound(x, 0, 10 days));
            } else {
                uint256 before = joule.balanceOf(alice); // read before arming expectRevert
                if (m.unbonding == 0) {
                    vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.NothingUnbonding.selector, alice));
                } else if (_now() < m.unlockAt) {
                    vm.expectRevert(
                        abi.encodeWithSelector(IProviderRegistry.UnbondingNotReady.selector, alice, uint40(m.unlockAt))
                    );
                }
                vm.prank(alice);
                reg.withdrawUnbonded(alice);
                if (m.unbonding != 0 && _now() >= m.unlockAt) {
                    assertEq(joule.balanceOf(alice) - before, m.unbonding, "withdrawn");
                    m.stake -= m.unbonding;
                    m.unbonding = 0;
                    m.unlockAt = 0;
                }
            }
            _assertAccount(alice, m.stake, m.locked, m.unbonding);
            assertEq(uint256(_unlockAt(alice)), m.unlockAt, "unlockAt");
            assertEq(joule.balanceOf(address(reg)), m.stake, "registry balance == stake");
        }
        assertEq(joule.balanceOf(address(this)), slashedTotal);
    }
}
