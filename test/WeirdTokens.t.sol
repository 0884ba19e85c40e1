// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {JobMarket} from "../contracts/JobMarket.sol";
import {NoReturnToken} from "../contracts/test/NoReturnToken.sol";
import {ReturnsFalseToken} from "../contracts/test/ReturnsFalseToken.sol";
import {FeeOnTransferToken} from "../contracts/test/FeeOnTransferToken.sol";
import {RebasingToken} from "../contracts/test/RebasingToken.sol";
import {ReentrantToken} from "../contracts/test/ReentrantToken.sol";
import {IJobTypes} from "../contracts/interfaces/IJobTypes.sol";
import {IJobMarket} from "../contracts/interfaces/IJobMarket.sol";
import {MarketTestBase} from "./JobMarket.t.sol";

/// @dev A share-based token that rebases every balance down by `rebaseBps` at the end of each transferFrom,
/// so whoever pulls it sees its balance shrink during the pull.
contract RebaseOnPullToken {
    uint256 private constant _ONE = 1e18;
    uint256 public immutable rebaseBps;
    uint256 public multiplier = _ONE;
    mapping(address => uint256) public sharesOf;
    mapping(address => mapping(address => uint256)) public allowance;

    constructor(uint256 rebaseBps_) {
        rebaseBps = rebaseBps_;
    }

    function mint(address to, uint256 amount) external {
        sharesOf[to] += (amount * _ONE) / multiplier;
    }

    function balanceOf(address a) public view returns (uint256) {
        return (sharesOf[a] * multiplier) / _ONE;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        allowance[from][msg.sender] -= amount;
        _move(from, to, amount);
        multiplier = (multiplier * (10_000 - rebaseBps)) / 10_000;
        return true;
    }

    function _move(address from, address to, uint256 amount) private {
        uint256 shares = (amount * _ONE) / multiplier;
        sharesOf[from] -= shares;
        sharesOf[to] += shares;
    }
}

/// @dev An account (tenant or payee) that the reentrant token calls back mid-transfer, and which then
/// re-enters the market as itself.
contract Reenterer {
    JobMarket public immutable market;

    constructor(JobMarket market_) {
        market = market_;
    }

    function approve(IERC20 token) external {
        token.approve(address(market), type(uint256).max);
    }

    function createJob(IJobTypes.JobRequest calldata r) external returns (uint256) {
        return market.createJob(r);
    }

    function cancelJob(uint256 jobId, IJobTypes.JobParams calldata p) external {
        market.cancelJob(jobId, p);
    }

    function withdraw(address token, uint256 amount) external {
        market.withdraw(token, amount, address(this));
    }

    function claim(address[] calldata tokens) external {
        market.claim(tokens, new uint32[](0), address(this));
    }

    /// @dev Called from the token's hook: re-enters the market and bubbles its revert up to the token.
    function reenter(bytes calldata data) external returns (bytes memory ret) {
        bool ok;
        (ok, ret) = address(market).call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }
}

/// @notice Misbehaving payment tokens, each allowlisted, against the market's exact accounting.
contract WeirdTokensTest is MarketTestBase {
    NoReturnToken internal nrt;
    ReturnsFalseToken internal rft;
    FeeOnTransferToken internal fot;
    RebasingToken internal reb;
    ReentrantToken internal ren;
    RebaseOnPullToken internal rop;

    /// @dev What a refused reentrant call reverts with.
    bytes internal REENTRANT_CALL = abi.encodeWithSelector(
        ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector
    );

    function setUp() public {
        setUpProtocol();
        nrt = new NoReturnToken();
        rft = new ReturnsFalseToken();
        fot = new FeeOnTransferToken(100); // 1 %
        reb = new RebasingToken();
        ren = new ReentrantToken();
        rop = new RebaseOnPullToken(1_000); // -10 % on every pull
        address[6] memory tokens = [address(nrt), address(rft), address(fot), address(reb), address(ren), address(rop)];
        vm.startPrank(owner);
        for (uint256 i; i < tokens.length; ++i) market.setAllowedToken(tokens[i], true);
        vm.stopPrank();
    }

    function _req(address token) internal view returns (IJobTypes.JobRequest memory r) {
        r = req();
        r.token = token;
    }

    // ═════════════════════════════ no return value ═════════════════════════════
    function test_noReturnToken_fullJobAndWithdraw() public {
        nrt.mint(tenant, FUNDED);
        vm.prank(tenant);
        nrt.approve(address(market), FUNDED);
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(_req(address(nrt)), 800);
        assertEq(nrt.balanceOf(address(market)), FUNDED, "escrow arrived");
        assertEq(nrt.balanceOf(tenant), 0);
        settleWith(jobId, p, submit(jobId, p, 0, 3_000, 1, true));
        assertSolvent(address(nrt));

        vm.prank(provider);
        market.withdraw(address(nrt), 2_340_000, provider);
        vm.prank(treasury);
        market.withdraw(address(nrt), 60_000, treasury);
        address[] memory tokens = new address[](1);
        tokens[0] = address(nrt);
        vm.prank(tenant);
        market.claim(tokens, new uint32[](0), tenant);

        assertEq(nrt.balanceOf(provider), 2_340_000);
        assertEq(nrt.balanceOf(treasury), 60_000);
        assertEq(nrt.balanceOf(tenant), 1_200_000);
        assertEq(nrt.balanceOf(address(market)), 0, "market emptied exactly");
        assertSolvent(address(nrt));
    }

    // ═════════════════════════════ returns false ═════════════════════════════
    function test_returnsFalseToken_createJobRevertsAndLosesNothing() public {
        rft.mint(tenant, FUNDED);
        vm.prank(tenant);
        rft.approve(address(market), FUNDED);
        rft.setFail(true);
        IJobTypes.JobRequest memory r = _req(address(rft));
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, address(rft)));
        vm.prank(tenant);
        market.createJob(r);
        assertEq(market.parameters().jobCount, 0);
        assertEq(market.commitment(1), bytes32(0));
        assertEq(rft.balanceOf(tenant), FUNDED);
        assertEq(rft.balanceOf(address(market)), 0);
        assertEq(rft.allowance(tenant, address(market)), FUNDED);
    }

    function test_returnsFalseToken_withdrawRevertsAndKeepsBalance() public {
        rft.mint(tenant, FUNDED);
        vm.prank(tenant);
        rft.approve(address(market), FUNDED);
        (uint256 jobId, IJobTypes.JobParams memory p) = open(_req(address(rft)));
        vm.prank(tenant);
        market.cancelJob(jobId, p);
        assertEq(mbal(tenant, address(rft)), FUNDED);

        rft.setFail(true);
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, address(rft)));
        vm.prank(tenant);
        market.withdraw(address(rft), FUNDED, tenant);
        address[] memory tokens = new address[](1);
        tokens[0] = address(rft);
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, address(rft)));
        vm.prank(tenant);
        market.claim(tokens, new uint32[](0), tenant);
        assertEq(mbal(tenant, address(rft)), FUNDED, "balance kept");
        assertEq(rft.balanceOf(address(market)), FUNDED);
        assertEq(rft.balanceOf(tenant), 0);

        // Once the token works again, the money is all there.
        rft.setFail(false);
        vm.prank(tenant);
        market.withdraw(address(rft), FUNDED, tenant);
        assertEq(rft.balanceOf(tenant), FUNDED);
        assertEq(rft.balanceOf(address(market)), 0);
    }

    // ═════════════════════════════ fee on transfer ═════════════════════════════
    function test_feeOnTransfer_createJobReverts() public {
        fot.mint(tenant, FUNDED);
        vm.prank(tenant);
        fot.approve(address(market), FUNDED);
        IJobTypes.JobRequest memory r = _req(address(fot));
        vm.expectRevert(
            abi.encodeWithSelector(
                IJobMarket.TokenTransferMismatch.selector,
                address(fot),
                FUNDED,
                FUNDED - fot.feeOf(FUNDED)
            )
        );
        vm.prank(tenant);
        market.createJob(r);
        assertEq(market.parameters().jobCount, 0);
        assertEq(fot.balanceOf(tenant), FUNDED);
        assertEq(fot.balanceOf(address(market)), 0);
    }

    // ═════════════════════════════ rebasing ═════════════════════════════
    function test_rebasing_roundingShortfallRefused() public {
        // At 3 units per share a pull of 3,601,000 moves 1,200,333 shares = 3,600,999 units.
        reb.setMultiplier(3e18);
        reb.mint(tenant, 3e12);
        vm.prank(tenant);
        reb.approve(address(market), type(uint256).max);
        IJobTypes.JobRequest memory r = _req(address(reb));
        r.maxUnits = 3_601;
        uint256 before = reb.balanceOf(tenant);
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.TokenTransferMismatch.selector, address(reb), 3_601_000, 3_600_999)
        );
        vm.prank(tenant);
        market.createJob(r);
        assertEq(reb.balanceOf(tenant), before);
        assertEq(market.parameters().jobCount, 0);
    }

    function test_rebasing_downDuringPullRefused() public {
        rop.mint(tenant, 10 * FUNDED);
        vm.prank(tenant);
        rop.approve(address(market), type(uint256).max);
        IJobTypes.JobRequest memory r = _req(address(rop));
        // Empty market: 90 % of the pull is visible afterwards.
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.TokenTransferMismatch.selector, address(rop), FUNDED, (FUNDED * 9) / 10)
        );
        vm.prank(tenant);
        market.createJob(r);

        // A market already holding tokens sees its balance shrink: nothing counts as received.
        rop.mint(address(market), 100 * FUNDED);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.TokenTransferMismatch.selector, address(rop), FUNDED, 0));
        vm.prank(tenant);
        market.createJob(r);

        assertEq(market.parameters().jobCount, 0);
        assertEq(rop.balanceOf(tenant), 10 * FUNDED, "nothing taken");
        assertEq(rop.multiplier(), 1e18, "rebase rolled back with the call");
    }

    // ═════════════════════════════ reentrancy ═════════════════════════════
    function _funded(Reenterer who) internal {
        ren.mint(address(who), FUNDED);
        who.approve(IERC20(address(ren)));
    }

    function _extra(address a) internal pure returns (address[] memory extra) {
        extra = new address[](1);
        extra[0] = a;
    }

    function test_reentrantToken_createJobReentryFails() public {
        Reenterer attacker = new Reenterer(market);
        _funded(attacker);
        ren.mint(address(attacker), FUNDED); // enough for a second job, were it to go through
        IJobTypes.JobRequest memory r = _req(address(ren));
        ren.arm(address(attacker), abi.encodeCall(Reenterer.reenter, (abi.encodeCall(IJobMarket.createJob, (r)))));

        uint256 jobId = attacker.createJob(r);

        assertEq(jobId, 1);
        assertFalse(ren.lastReentrySucceeded(), "reentry refused");
        assertEq(ren.lastReentryData(), REENTRANT_CALL);
        assertEq(market.parameters().jobCount, 1, "one job only");
        assertEq(ren.balanceOf(address(market)), FUNDED, "escrow exact");
        assertEq(ren.balanceOf(address(attacker)), FUNDED, "paid once");
        track(jobId, paramsFor(address(attacker), address(attacker), r));
        assertSolvent(address(ren), _extra(address(attacker)));
    }

    /// @dev The attacker pays for two jobs and cancels them, so it holds 2 × FUNDED in the market.
    function _attackerWithBalance(uint256 jobs) internal returns (Reenterer attacker) {
        attacker = new Reenterer(market);
        ren.mint(address(attacker), jobs * FUNDED);
        attacker.approve(IERC20(address(ren)));
        IJobTypes.JobRequest memory r = _req(address(ren));
        IJobTypes.JobParams memory p = paramsFor(address(attacker), address(attacker), r);
        for (uint256 i; i < jobs; ++i) {
            uint256 jobId = attacker.createJob(r);
            track(jobId, p);
            attacker.cancelJob(jobId, p);
        }
        // A second payer's money sits in the market too: the prize of a double withdrawal.
        ren.mint(tenant, FUNDED);
        vm.prank(tenant);
        ren.approve(address(market), FUNDED);
        open(r);
    }

    /// @dev withdraw has no guard: it debits before transferring (CEI), so a nested withdraw sees the debited
    /// balance and fails.
    function test_reentrantToken_withdrawReentrySeesDebitedBalance() public {
        Reenterer attacker = _attackerWithBalance(1);
        assertEq(ren.balanceOf(address(market)), 2 * FUNDED);
        ren.arm(
            address(attacker),
            abi.encodeCall(
                Reenterer.reenter,
                (abi.encodeCall(IJobMarket.withdraw, (address(ren), FUNDED, address(attacker))))
            )
        );
        attacker.withdraw(address(ren), FUNDED);

        assertFalse(ren.lastReentrySucceeded());
        assertEq(
            ren.lastReentryData(),
            abi.encodeWithSelector(IJobMarket.InsufficientBalance.selector, address(attacker), address(ren), 0, FUNDED)
        );
        assertEq(ren.balanceOf(address(attacker)), FUNDED, "withdrew once");
        assertEq(mbal(address(attacker), address(ren)), 0);
        assertEq(ren.balanceOf(address(market)), FUNDED, "the other escrow is intact");
        assertSolvent(address(ren), _extra(address(attacker)));
    }

    /// @dev A nested withdraw can take what is left of the balance, and nothing more.
    function test_reentrantToken_withdrawReentryTakesOnlyTheRest() public {
        Reenterer attacker = _attackerWithBalance(2);
        assertEq(mbal(address(attacker), address(ren)), 2 * FUNDED);
        ren.arm(
            address(attacker),
            abi.encodeCall(
                Reenterer.reenter,
                (abi.encodeCall(IJobMarket.withdraw, (address(ren), FUNDED + 1, address(attacker))))
            )
        );
        attacker.withdraw(address(ren), FUNDED);
        assertEq(
            ren.lastReentryData(),
            abi.encodeWithSelector(
                IJobMarket.InsufficientBalance.selector,
                address(attacker),
                address(ren),
                FUNDED,
                FUNDED + 1
            ),
            "nested call sees the balance after the outer debit"
        );

        // Half out, and the nested call takes the other half: both are the attacker's own money.
        ren.arm(
            address(attacker),
            abi.encodeCall(
                Reenterer.reenter,
                (abi.encodeCall(IJobMarket.withdraw, (address(ren), FUNDED / 2, address(attacker))))
            )
        );
        attacker.withdraw(address(ren), FUNDED / 2);
        assertTrue(ren.lastReentrySucceeded(), "the remaining balance is the attacker's own");
        assertEq(ren.balanceOf(address(attacker)), 2 * FUNDED, "exactly what it paid in");
        assertEq(mbal(address(attacker), address(ren)), 0);
        assertEq(ren.balanceOf(address(market)), FUNDED, "the tenant's escrow is intact");
        assertSolvent(address(ren), _extra(address(attacker)));
    }

    function test_reentrantToken_claimReentryFails() public {
        Reenterer attacker = new Reenterer(market);
        _funded(attacker);
        IJobTypes.JobRequest memory r = _req(address(ren));
        IJobTypes.JobParams memory p = paramsFor(address(attacker), address(attacker), r);
        uint256 jobId = attacker.createJob(r);
        track(jobId, p);
        attacker.cancelJob(jobId, p);
        address[] memory tokens = new address[](1);
        tokens[0] = address(ren);
        ren.arm(
            address(attacker),
            abi.encodeCall(
                Reenterer.reenter,
                (abi.encodeCall(IJobMarket.claim, (tokens, new uint32[](0), address(attacker))))
            )
        );
        attacker.claim(tokens);
        assertFalse(ren.lastReentrySucceeded());
        assertEq(ren.lastReentryData(), REENTRANT_CALL);
        assertEq(ren.balanceOf(address(attacker)), FUNDED);
        assertEq(ren.balanceOf(address(market)), 0);
    }

    function test_reentrantToken_settleReentryDuringClaimFails() public {
        // A usd job waits for settlement; a ren claim hands control to the token, which tries to settle.
        (uint256 usdJob, IJobTypes.JobParams memory pu) = openAssigned(req(), 800);
        IJobTypes.WorkAttestation memory a = submit(usdJob, pu, 0, 3_000, 1, true);
        bytes memory sigs = signAttestation(a, 2);

        ren.mint(tenant, FUNDED);
        vm.prank(tenant);
        ren.approve(address(market), FUNDED);
        (uint256 renJob, IJobTypes.JobParams memory pr) = open(_req(address(ren)));
        vm.prank(tenant);
        market.cancelJob(renJob, pr);

        ren.arm(address(market), abi.encodeCall(IJobMarket.settle, (usdJob, pu, asg(usdJob), a, sigs)));
        address[] memory tokens = new address[](1);
        tokens[0] = address(ren);
        vm.prank(tenant);
        market.claim(tokens, new uint32[](0), tenant);

        assertFalse(ren.lastReentrySucceeded());
        assertEq(ren.lastReentryData(), REENTRANT_CALL);
        assertStatus(usdJob, IJobTypes.JobStatus.Assigned);
        assertEq(mbal(provider, address(usd)), 0, "nothing settled from inside the transfer");
        assertEq(ren.balanceOf(tenant), FUNDED);
        assertEq(ren.balanceOf(address(market)), 0);

        // The same settlement is valid outside the transfer.
        market.settle(usdJob, pu, asg(usdJob), a, sigs);
        assertStatus(usdJob, IJobTypes.JobStatus.Completed);
        assertEq(mbal(provider, address(usd)), 2_340_000);
        assertSolvent(address(usd));
    }

    /// @dev withdraw is unguarded (CEI), so a settle nested in its transfer simply runs as an ordinary
    /// settlement: nothing is paid twice and every balance stays exact.
    function test_reentrantToken_settleDuringWithdrawIsOrdinary() public {
        (uint256 usdJob, IJobTypes.JobParams memory pu) = openAssigned(req(), 800);
        IJobTypes.WorkAttestation memory a = submit(usdJob, pu, 0, 3_000, 1, true);
        bytes memory sigs = signAttestation(a, 2);
        ren.mint(tenant, FUNDED);
        vm.prank(tenant);
        ren.approve(address(market), FUNDED);
        (uint256 renJob, IJobTypes.JobParams memory pr) = open(_req(address(ren)));
        vm.prank(tenant);
        market.cancelJob(renJob, pr);

        ren.arm(address(market), abi.encodeCall(IJobMarket.settle, (usdJob, pu, asg(usdJob), a, sigs)));
        vm.prank(tenant);
        market.withdraw(address(ren), FUNDED, tenant);

        assertTrue(ren.lastReentrySucceeded());
        assertStatus(usdJob, IJobTypes.JobStatus.Completed);
        assertEq(mbal(provider, address(usd)), 2_340_000, "paid once");
        assertEq(mbal(tenant, address(usd)), 1_200_000);
        assertEq(ren.balanceOf(tenant), FUNDED);
        assertEq(ren.balanceOf(address(market)), 0);
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.JobNotAssigned.selector, usdJob, IJobTypes.JobStatus.Completed)
        );
        market.settle(usdJob, pu, asg(usdJob), a, sigs);
        assertSolvent(address(usd));
        assertSolvent(address(ren));
    }

    function test_reentrantToken_settleReentryDuringCreateJobFails() public {
        (uint256 usdJob, IJobTypes.JobParams memory pu) = openAssigned(req(), 800);
        IJobTypes.WorkAttestation memory a = submit(usdJob, pu, 0, 3_000, 1, true);
        bytes memory sigs = signAttestation(a, 2);
        ren.mint(tenant, FUNDED);
        vm.prank(tenant);
        ren.approve(address(market), FUNDED);
        ren.arm(address(market), abi.encodeCall(IJobMarket.settle, (usdJob, pu, asg(usdJob), a, sigs)));
        open(_req(address(ren)));
        assertEq(ren.lastReentryData(), REENTRANT_CALL);
        assertStatus(usdJob, IJobTypes.JobStatus.Assigned);
        assertEq(ren.balanceOf(address(market)), FUNDED);
        assertSolvent(address(ren));
    }

    // ═════════════════════════════ no code at the token address ═════════════════════════════
    /// @dev Calls to an address without code succeed with empty return data, so such a "token" could never be
    /// paid out reliably: governance cannot list it, and jobs in it are refused as not allowlisted.
    function test_noCodeToken_cannotBeAllowlisted() public {
        address ghost = makeAddr("ghostToken");
        assertEq(ghost.code.length, 0);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NotAContract.selector, ghost));
        vm.prank(owner);
        market.setAllowedToken(ghost, true);
        assertFalse(tokenAllowed(ghost), "not listed");

        IJobTypes.JobRequest memory r = _req(ghost);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.TokenNotAllowed.selector, ghost));
        vm.prank(tenant);
        market.createJob(r);
        // createJobWithPermit calls permit before validating the request: the compiler's code-size check on that
        // call (outside the try) reverts with empty data instead of TokenNotAllowed. Still nothing happens.
        vm.prank(tenant);
        (bool ok, bytes memory ret) = address(market).call(
            abi.encodeCall(IJobMarket.createJobWithPermit, (r, _now() + 1, 27, bytes32(0), bytes32(0)))
        );
        assertFalse(ok, "createJobWithPermit must fail");
        assertEq(ret.length, 0, "empty revert data");

        // No state change.
        assertEq(market.parameters().jobCount, 0);
        assertEq(market.commitment(1), bytes32(0));
        assertEq(uint256(market.jobStatus(1)), uint256(IJobTypes.JobStatus.None));
        assertEq(mbal(tenant, ghost), 0);
    }

    /// @dev The check is on code, not on the address: once a contract is deployed there, it can be listed.
    function test_noCodeToken_listableOnceCodeExists() public {
        address ghost = makeAddr("ghostToken");
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NotAContract.selector, ghost));
        vm.prank(owner);
        market.setAllowedToken(ghost, true);
        vm.etch(ghost, address(nrt).code);
        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.TokenAllowed(ghost, true);
        vm.prank(owner);
        market.setAllowedToken(ghost, true);
        assertTrue(tokenAllowed(ghost));
    }
}
