// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {console} from "hardhat/console.sol";
import {JouleFixture} from "../utils/JouleFixture.sol";
import {InvariantTest} from "../utils/InvariantTest.sol";
import {MarketHandler} from "./MarketHandler.sol";
import {IJobTypes} from "../../contracts/interfaces/IJobTypes.sol";
import {IJobMarket} from "../../contracts/interfaces/IJobMarket.sol";
import {IProviderRegistry} from "../../contracts/interfaces/IProviderRegistry.sol";

/// @notice The handler the fuzzer drives. Declared here, not in MarketHandler.sol, so that its artifact is written
/// with this test file and the fuzzer can identify it (see MarketHandler's NatSpec).
contract FuzzedMarketHandler is MarketHandler {
    constructor(Protocol memory p, Actors memory a) MarketHandler(p, a) {}
}

/// @title Market invariants (DESIGN.md "Properties that must hold", 1-8)
/// @notice The fuzzer calls only `MarketHandler`'s actions (bounded inputs, fixed actors); after every call each
/// `invariant_*` below compares the protocol's own totals with the handler's independent model.
/// Depth and runs come from INVARIANT_RUNS / INVARIANT_DEPTH (hardhat.config.ts, default 64 / 64).
contract MarketInvariantsTest is JouleFixture, InvariantTest {
    uint256 internal constant SMALL_STAKE = 300e18;

    MarketHandler internal handler;
    address internal tenant2 = makeAddr("tenant2");
    address internal tenant3 = makeAddr("tenant3");
    address internal provider3;
    uint256 internal provider3Key;

    function setUp() public virtual {
        setUpProtocol();

        // A third provider with a small stake (so InsufficientFreeStake happens) and a 24 GB card.
        (provider3, provider3Key) = makeAddrAndKey("provider3");
        vm.prank(owner);
        joule.transfer(provider3, SMALL_STAKE);
        vm.startPrank(provider3);
        registry.register(
            IProviderRegistry.Profile({
                gpuClass: 2,
                gpuCount: 1,
                vramGb: 24,
                carbonIntensity: 50,
                region: bytes32("home"),
                metadataURI: "ipfs://provider3"
            })
        );
        joule.approve(address(registry), type(uint256).max);
        registry.stake(provider3, SMALL_STAKE);
        vm.stopPrank();

        address[2] memory moreTenants = [tenant2, tenant3];
        for (uint256 i; i < 2; ++i) {
            vm.prank(moreTenants[i]);
            usd.approve(address(market), type(uint256).max);
        }

        handler = _newHandler(
            MarketHandler.Protocol({
                market: market,
                registry: registry,
                emitter: emitter,
                joule: joule,
                usd: usd,
                verifier: address(verifier)
            }),
            MarketHandler.Actors({
                owner: owner,
                treasury: treasury,
                sponsor: sponsor,
                keeper: keeper,
                tenants: [tenant, tenant2, tenant3],
                providers: [provider, provider2, provider3],
                providerKeys: [providerKey, provider2Key, provider3Key],
                verifierKeys: verifierKeys
            })
        );

        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: _selectors()}));
    }

    /// @dev The handler to drive (overridable, so a deliberately broken copy can show the invariants catch it).
    function _newHandler(
        MarketHandler.Protocol memory p,
        MarketHandler.Actors memory a
    ) internal virtual returns (MarketHandler) {
        return new FuzzedMarketHandler(p, a);
    }

    /// @dev Every action of the handler; its views and getters are left out.
    function _selectors() internal pure virtual returns (bytes4[] memory selectors) {
        selectors = new bytes4[](19);
        selectors[0] = MarketHandler.createJob.selector;
        selectors[1] = MarketHandler.placeBid.selector;
        selectors[2] = MarketHandler.acceptBid.selector;
        selectors[3] = MarketHandler.award.selector;
        selectors[4] = MarketHandler.submitProof.selector;
        selectors[5] = MarketHandler.settle.selector;
        selectors[6] = MarketHandler.settleMany.selector;
        selectors[7] = MarketHandler.cancelJob.selector;
        selectors[8] = MarketHandler.expire.selector;
        selectors[9] = MarketHandler.keeperSweep.selector;
        selectors[10] = MarketHandler.warp.selector;
        selectors[11] = MarketHandler.withdraw.selector;
        selectors[12] = MarketHandler.claim.selector;
        selectors[13] = MarketHandler.stake.selector;
        selectors[14] = MarketHandler.requestUnbond.selector;
        selectors[15] = MarketHandler.withdrawUnbonded.selector;
        selectors[16] = MarketHandler.claimRewards.selector;
        selectors[17] = MarketHandler.governance.selector;
        selectors[18] = MarketHandler.replaySettle.selector;
    }

    // ═════════════════════════════ Invariants ═════════════════════════════

    /// @notice 1. Solvency per token: balance held == Σ open escrow + Σ credited balances (usd), Σ balances (JOULE).
    function invariant_solvency_balanceEqualsEscrowPlusCredits() public view {
        _checkSolvency();
    }

    /// @notice 1'. Every account's market balance is exactly what the model credited minus what it withdrew.
    function invariant_solvency_balancesMatchModel() public view {
        _checkBalancesMatchModel();
    }

    /// @notice 2. Conservation per job: funded == paid to provider + fees + refunds + escrowOf(job).
    function invariant_conservation_perJob() public view {
        _checkConservation();
    }

    /// @notice 2'. The market's view of every job (status, best bid, progress) is the model's.
    function invariant_jobs_matchModel() public view {
        _checkJobsMatchModel();
    }

    /// @notice 3. Liveness: every non-terminal job has a finite, bounded next deadline.
    function invariant_liveness_deadlinesBounded() public view {
        _checkDeadlinesBounded();
    }

    /// @notice 3'. Liveness: a keeper sweep leaves no job non-terminal with a deadline already passed.
    function invariant_liveness_sweepLeavesNothingOverdue() public view {
        _checkSweep();
    }

    /// @notice 4. Governance never moves funds; pause blocks only new jobs and bids, never an exit.
    function invariant_governance_neverMovesFundsOrBlocksExits() public view {
        _checkGovernance();
    }

    /// @notice 5. Signatures: no reused bid nonce, high-s twin, invalid quorum or replayed attestation succeeds.
    function invariant_signatures_noReplay() public view {
        _checkSignatures();
    }

    /// @notice 6. The market never holds less of a token than it owes.
    function invariant_tokens_marketHoldsWhatItOwes() public view {
        _checkHoldsWhatItOwes();
    }

    /// @notice 7. Collateral: locked + unbonding <= stake, locks == Σ live jobs' collateral, registry holds Σ stake.
    function invariant_collateral_locksAndStake() public view {
        _checkCollateral();
    }

    /// @notice 8. Rewards: minted(e) <= emission(e) for every epoch; supply == genesis + Σ minted <= cap.
    function invariant_rewards_withinEmissionAndCap() public view {
        _checkRewards();
    }

    /// @notice The handler's counters agree with the chain (jobs created == jobCount, successes <= attempts).
    function invariant_callSummary_consistent() public view {
        _checkCallSummary();
    }

    /// @notice After each run: print what the run reached (shown with --verbosity 2 or more).
    function afterInvariant() public view {
        _logSummary();
    }

    // ═════════════════════════════ A fixed deep sequence through the handler ═════════════════════════════

    /// @notice Drives the handler through every path once (each action succeeds at least once) and checks
    /// every invariant at the end: proof that the fuzzer's handler can reach settlement, slashing, timeouts,
    /// rewards and governance, independently of what a random run happens to hit.
    function test_handler_deepSequence_everyActionSucceeds() public {
        MarketHandler h = handler;
        // Job 1: tenant, 1000 units at <= 1000, 50 JOULE collateral, 2 milestones, bidding 1 h, 24 GB.
        h.createJob(0, 1_000, 1_000, 1, 2, 1 hours, 1 days, 5);
        // Job 2: tenant2, paid by the sponsor, 500 JOULE collateral, 1 milestone.
        h.createJob(1, 500, 2_000, 2, 1, 1 hours, 1 days, 4);
        assertEq(_jobCount(), 2);
        assertEq(h.paramsOf(2).payer, sponsor);

        // On-chain auction on job 1: provider bids 900, provider2 undercuts with 800.
        h.placeBid(0, 0, 4 * 900);
        h.placeBid(0, 1, 4 * 800 + 1);
        (address best, uint256 bestPrice) = market.bestBid(1);
        assertEq(best, provider2);
        assertEq(bestPrice, 800);

        // Signed bid on job 2 from provider at 1500 (nonce derived from seed 7), then a replay of a used nonce.
        h.acceptBid(1, 0, 1_500, 7, 16 * 3_600 + 5);
        assertEq(uint256(market.jobStatus(2)), uint256(IJobTypes.JobStatus.Assigned));
        h.acceptBid(0, 0, 900, 0, 16 * 3_600 + 0);
        assertEq(h.nonceUsedReverts(), 1);
        assertEq(uint256(market.jobStatus(1)), uint256(IJobTypes.JobStatus.Open));

        // Bidding over: award job 1 to provider2 at 800.
        h.warp(4 * 1 hours + 1);
        h.award(0);
        assertEq(uint256(market.jobStatus(1)), uint256(IJobTypes.JobStatus.Assigned));

        // Job 1 milestone 0: 400 units, accepted by verifiers {0,1}; then a replay must fail.
        h.submitProof(0, 400, 1_001);
        h.settle(0, 1, 0);
        assertEq(
            market.balanceOf(provider2, address(usd)),
            400 * 800 - (400 * 800 * uint256(FEE_BPS) + 9_999) / 10_000
        );
        h.replaySettle();
        // Job 1 milestone 1 and job 2 milestone 0, settled together.
        h.submitProof(0, 500, 2_001);
        h.submitProof(1, 300, 501);
        h.settleMany(0, 2);
        assertEq(uint256(market.jobStatus(1)), uint256(IJobTypes.JobStatus.Completed));
        assertEq(uint256(market.jobStatus(2)), uint256(IJobTypes.JobStatus.Completed));

        // Job 3 (500 JOULE collateral): provider3's 300 JOULE stake is not enough; the tenant cancels.
        h.createJob(2, 100, 100, 2, 1, 10 minutes, 10 minutes, 5);
        h.placeBid(0, 2, 4 * 50);
        assertEq(h.insufficientFreeStakeReverts(), 1);
        h.cancelJob(0, 1);
        assertEq(uint256(market.jobStatus(3)), uint256(IJobTypes.JobStatus.Cancelled));

        // Job 4: no bids; expired after bidding.
        h.createJob(0, 100, 100, 0, 1, 10 minutes, 10 minutes, 5);
        // Job 5: provider3 wins a signed bid (50 JOULE collateral) and never delivers.
        h.createJob(1, 100, 100, 1, 2, 10 minutes, 10 minutes, 5);
        h.acceptBid(4, 2, 90, 1, 16 * 3_600 + 5);
        assertEq(uint256(market.jobStatus(5)), uint256(IJobTypes.JobStatus.Assigned));
        h.warp(4 * (10 minutes + 1) + 1);
        h.expire(3); // job 4: no bids
        assertEq(uint256(market.jobStatus(4)), uint256(IJobTypes.JobStatus.Expired));
        h.keeperSweep(); // job 5: delivery missed -> Failed, 50 JOULE slashed
        assertEq(uint256(market.jobStatus(5)), uint256(IJobTypes.JobStatus.Failed));
        assertEq(market.balanceOf(tenant2, address(joule)), (50e18 * uint256(SLASH_PAYER_BPS)) / 10_000);

        // Job 6: proof rejected by the verifiers -> Failed. Job 7: verifiers never answer -> Expired.
        h.createJob(2, 100, 100, 1, 1, 1 hours, 1 days, 5);
        h.acceptBid(5, 0, 100, 2, 16 * 3_600 + 5);
        h.submitProof(5, 50, 11);
        h.settle(5, 0, 1);
        assertEq(uint256(market.jobStatus(6)), uint256(IJobTypes.JobStatus.Failed));
        h.createJob(0, 100, 100, 0, 1, 1 hours, 1 days, 5);
        h.acceptBid(6, 1, 100, 3, 16 * 3_600 + 5);
        h.submitProof(6, 50, 11);
        h.warp(4 * (1 days + 1)); // a long jump: past the 1-day verification window
        h.expire(6);
        assertEq(uint256(market.jobStatus(7)), uint256(IJobTypes.JobStatus.Expired));

        // Governance: pause; new jobs refused, exits still work; then unpause and retune.
        h.governance(0, 0);
        h.createJob(0, 10, 10, 0, 1, 1 hours, 1 days, 5);
        assertEq(_jobCount(), 7);
        h.withdraw(3, 1, 1); // provider withdraws 1 unit of usd while paused
        h.claim(1); // tenant2 claims usd and JOULE compensation while paused
        assertGt(h.exitsWhilePaused(), 1);
        h.governance(1, 0);
        h.governance(2, 8 * 300 + 1);
        h.governance(3, 2 hours);
        h.governance(4, 6_000);
        h.governance(5, 0); // verifier de-listed: live jobs still settle with it, new jobs cannot use it
        (, bool verifierAllowed) = market.allowlist(address(verifier));
        assertFalse(verifierAllowed);
        h.createJob(0, 10, 10, 0, 1, 1 hours, 1 days, 5);
        assertEq(_jobCount(), 7);
        h.governance(5, 0);
        h.governance(6, 0); // token de-listed and listed again
        h.governance(6, 0);
        (bool tokenAllowed, ) = market.allowlist(address(usd));
        assertTrue(tokenAllowed);

        // Stake, unbond, wait out the delay, withdraw.
        h.stake(0, 100e18);
        h.requestUnbond(0, 50e18);
        h.warp(4 * 8 days);
        h.withdrawUnbonded(0);
        // Rewards: provider2 claims from the emitter; provider claims through the market.
        h.claimRewards(1, 1);
        h.claim(3);
        assertGt(h.ghostMintedTotal(), 0);

        uint256[19] memory ok = h.successes();
        uint256[19] memory tried = h.attempts();
        for (uint256 i; i < 19; ++i) {
            if (i == uint256(MarketHandler.Action.ReplaySettle)) {
                assertGt(tried[i], 0, "replaySettle never tried");
                assertEq(ok[i], 0, "replaySettle succeeded");
            } else {
                assertGt(ok[i], 0, string.concat(h.actionName(i), " never succeeded"));
            }
        }
        _checkAll();
        _logSummary();
    }

    // ═════════════════════════════ Checks ═════════════════════════════

    function _checkAll() internal view {
        _checkSolvency();
        _checkBalancesMatchModel();
        _checkConservation();
        _checkJobsMatchModel();
        _checkDeadlinesBounded();
        _checkSweep();
        _checkGovernance();
        _checkSignatures();
        _checkHoldsWhatItOwes();
        _checkCollateral();
        _checkRewards();
        _checkCallSummary();
    }

    function _checkSolvency() internal view {
        uint256 escrow = _totalEscrow();
        address[] memory accts = handler.accounts();
        uint256 usdCredits;
        uint256 jouleCredits;
        for (uint256 i; i < accts.length; ++i) {
            usdCredits += market.balanceOf(accts[i], address(usd));
            jouleCredits += market.balanceOf(accts[i], address(joule));
        }
        assertEq(usd.balanceOf(address(market)), escrow + usdCredits, "usd: held != escrow + credits");
        assertEq(joule.balanceOf(address(market)), jouleCredits, "JOULE: held != credits");
        // The same, from the model's flows: all that came in minus all that went out.
        assertEq(
            usd.balanceOf(address(market)),
            handler.ghostFunded(address(usd)) - handler.ghostWithdrawn(address(usd)),
            "usd: held != funded - withdrawn"
        );
        assertEq(
            joule.balanceOf(address(market)),
            handler.ghostSlashed() - handler.ghostWithdrawn(address(joule)),
            "JOULE: held != slashed - withdrawn"
        );
    }

    function _checkBalancesMatchModel() internal view {
        address[] memory accts = handler.accounts();
        for (uint256 i; i < accts.length; ++i) {
            assertEq(
                market.balanceOf(accts[i], address(usd)),
                handler.ghostBalance(accts[i], address(usd)),
                string.concat("usd balance of ", vm.toString(accts[i]))
            );
            assertEq(
                market.balanceOf(accts[i], address(joule)),
                handler.ghostBalance(accts[i], address(joule)),
                string.concat("JOULE balance of ", vm.toString(accts[i]))
            );
        }
        // Credits are exactly provider payments + fees + refunds (usd) and slash proceeds (JOULE).
        address u = address(usd);
        assertEq(
            handler.ghostCredited(u),
            handler.ghostPaid(u) + handler.ghostFees(u) + handler.ghostRefunds(u),
            "usd credits"
        );
        assertEq(handler.ghostCredited(address(joule)), handler.ghostSlashed(), "JOULE credits != slashed");
    }

    function _checkConservation() internal view {
        uint256[] memory ids = handler.jobIds();
        uint256 funded;
        for (uint256 k; k < ids.length; ++k) {
            MarketHandler.JobGhost memory j = handler.ghostOf(ids[k]);
            IJobTypes.JobParams memory p = handler.paramsOf(ids[k]);
            uint256 escrow = market.heldInEscrow(ids[k], p, handler.assignmentOf(ids[k]));
            assertEq(
                j.funded,
                uint256(p.request.maxUnits) * p.request.maxPricePerUnit,
                "funded != maxUnits x maxPrice"
            );
            assertEq(
                j.funded,
                j.paid + j.fees + j.refunds + escrow,
                string.concat("conservation, job ", vm.toString(ids[k]))
            );
            // The escrow the market reports is the one the rules give.
            uint256 expected;
            if (j.status == IJobTypes.JobStatus.Open) expected = j.funded;
            else if (j.status == IJobTypes.JobStatus.Assigned)
                expected = uint256(p.request.maxUnits - j.unitsSettled) * j.price;
            assertEq(escrow, expected, string.concat("escrowOf, job ", vm.toString(ids[k])));
            // Slash split: compensation never exceeds the slash, slashes only on Failed jobs.
            assertLe(j.compensation, j.slashed, "compensation > slashed");
            if (j.slashed != 0)
                assertEq(uint256(j.status), uint256(IJobTypes.JobStatus.Failed), "slash on non-failed job");
            funded += j.funded;
        }
        assertEq(funded, handler.ghostFunded(address(usd)), "sum of funded per job != funded per token");
    }

    function _checkJobsMatchModel() internal view {
        uint256[] memory ids = handler.jobIds();
        assertEq(_jobCount(), ids.length, "jobCount");
        for (uint256 k; k < ids.length; ++k) {
            uint256 id = ids[k];
            MarketHandler.JobGhost memory j = handler.ghostOf(id);
            string memory tag = vm.toString(id);
            assertEq(uint256(market.jobStatus(id)), uint256(j.status), string.concat("status, job ", tag));
            // The commitment: the params while open, then params + (winner, price) once assigned.
            bytes32 paramsHash = keccak256(abi.encode(handler.paramsOf(id)));
            bytes32 commitment =
                j.assignedAt == 0 ? paramsHash : keccak256(abi.encode(paramsHash, j.bidder, uint256(j.price)));
            assertEq(market.commitment(id), commitment, string.concat("commitment, job ", tag));
            // The best on-chain bid is visible while the job is open; zeros after.
            bool bidLayout = j.status == IJobTypes.JobStatus.Open;
            (address best, uint256 price) = market.bestBid(id);
            assertEq(best, bidLayout ? j.bidder : address(0), string.concat("best bidder, job ", tag));
            assertEq(price, bidLayout ? j.price : 0, string.concat("best price, job ", tag));
            if (j.assignedAt == 0) continue;
            // Progress of an assigned job, and of one closed after assignment (nothing pending then).
            (uint8 settled, uint32 dd, uint32 vd, uint64 units, uint64 pending, uint64 energy) = market.jobProgress(id);
            uint256 expectedVd =
                j.submittedAt == 0 ? 0 : uint256(j.submittedAt) + handler.paramsOf(id).verificationWindow;
            assertEq(settled, j.settled, string.concat("settled, job ", tag));
            assertEq(dd, j.deliveryDeadline, string.concat("deliveryDeadline, job ", tag));
            assertEq(vd, expectedVd, string.concat("verifyDeadline, job ", tag));
            assertEq(units, j.unitsSettled, string.concat("unitsSettled, job ", tag));
            assertEq(pending, j.pendingUnits, string.concat("pendingUnits, job ", tag));
            assertEq(energy, j.pendingEnergy, string.concat("pendingEnergy, job ", tag));
        }
        assertEq(handler.modelSurprises(), 0, "a call succeeded that the rules forbid");
        assertEq(handler.paramsHashMismatches(), 0, "stored commitment differs from the terms");
    }

    function _checkDeadlinesBounded() internal view {
        uint256[] memory ids = handler.jobIds();
        for (uint256 k; k < ids.length; ++k) {
            uint256 id = ids[k];
            IJobTypes.JobStatus s = market.jobStatus(id);
            MarketHandler.JobGhost memory j = handler.ghostOf(id);
            IJobTypes.JobParams memory p = handler.paramsOf(id);
            string memory tag = vm.toString(id);
            if (s == IJobTypes.JobStatus.Open) {
                // Next deadline: the end of bidding, at most 30 days after creation.
                assertGt(p.request.biddingEnd, j.createdAt, string.concat("biddingEnd <= creation, job ", tag));
                assertLe(p.request.biddingEnd, j.createdAt + 30 days, string.concat("biddingEnd unbounded, job ", tag));
            } else if (s == IJobTypes.JobStatus.Assigned) {
                (uint8 settled, uint32 dd, uint32 vd, , , ) = market.jobProgress(id);
                // Delivery deadline: the window from assignment, extended at most one verification window per
                // settled milestone (the clock stops only while a proof waits, and a proof waits at most that long).
                assertGt(dd, 0, string.concat("no delivery deadline, job ", tag));
                assertLe(
                    dd,
                    j.assignedAt + p.request.deliveryWindow + uint256(settled) * p.verificationWindow,
                    string.concat("delivery deadline unbounded, job ", tag)
                );
                if (vd != 0) {
                    assertLe(
                        vd,
                        uint256(dd) + p.verificationWindow,
                        string.concat("verify deadline unbounded, job ", tag)
                    );
                }
            }
        }
    }

    function _checkSweep() internal view {
        assertEq(handler.stuckAfterLastSweep(), 0, "job left overdue after a keeper sweep");
        assertEq(handler.stuckTotal(), 0, "some sweep left a job overdue");
    }

    function _checkGovernance() internal view {
        assertEq(handler.governanceFundMoves(), 0, "governance moved a balance, escrow or stake");
        assertEq(
            handler.pausedExitReverts(),
            0,
            "pause blocked an exit (withdraw/claim/expire/settle/award/cancel/prove)"
        );
        assertEq(handler.newBusinessWhilePaused(), 0, "a job or bid was accepted while paused");
        IJobMarket.Parameters memory prm = market.parameters();
        assertEq(prm.paused, handler.ghostPaused(), "paused flag");
        assertEq(prm.feeBps, handler.ghostFeeBps(), "fee");
        assertEq(prm.verificationWindow, handler.ghostVerificationWindow(), "verification window");
        assertEq(prm.slashPayerShareBps, handler.ghostSlashShareBps(), "slash payer share");
        assertEq(prm.treasury, handler.ghostTreasury(), "treasury");
        (, bool verifierAllowed) = market.allowlist(address(verifier));
        (bool tokenAllowed, ) = market.allowlist(address(usd));
        assertEq(verifierAllowed, handler.ghostVerifierAllowed(), "verifier allowlist");
        assertEq(tokenAllowed, handler.ghostTokenAllowed(), "token allowlist");
    }

    function _checkSignatures() internal view {
        assertEq(handler.reusedNonceSuccesses(), 0, "a used bid nonce was accepted again");
        assertEq(handler.highSSuccesses(), 0, "a high-s signature was accepted");
        assertEq(handler.attestationReplaySuccesses(), 0, "an attestation settled twice");
        assertEq(handler.invalidQuorumSuccesses(), 0, "an invalid verifier quorum settled");
        address[3] memory provs = handler.providers();
        for (uint256 i; i < 3; ++i) {
            uint256[] memory nonces = handler.usedNonces(provs[i]);
            for (uint256 n; n < nonces.length; ++n) {
                assertTrue(market.isNonceUsed(provs[i], nonces[n]), "accepted bid's nonce not marked used");
            }
        }
    }

    function _checkHoldsWhatItOwes() internal view {
        address[] memory accts = handler.accounts();
        uint256 owedUsd = _totalEscrow();
        uint256 owedJoule;
        for (uint256 i; i < accts.length; ++i) {
            owedUsd += market.balanceOf(accts[i], address(usd));
            owedJoule += market.balanceOf(accts[i], address(joule));
        }
        assertGe(usd.balanceOf(address(market)), owedUsd, "market holds less usd than it owes");
        assertGe(joule.balanceOf(address(market)), owedJoule, "market holds less JOULE than it owes");
    }

    function _checkCollateral() internal view {
        address[3] memory provs = handler.providers();
        uint256 stakes;
        uint256 flowIn;
        for (uint256 i; i < 3; ++i) {
            (uint256 s, uint256 locked, uint256 unbonding, uint40 unlockAt) = registry.stakeOf(provs[i]);
            string memory who = vm.toString(provs[i]);
            assertLe(locked + unbonding, s, string.concat("locked + unbonding > stake, ", who));
            assertEq(
                locked,
                handler.expectedLocked(provs[i]),
                string.concat("locked != sum of live jobs' collateral, ", who)
            );
            assertEq(s, handler.ghostStake(provs[i]), string.concat("stake, ", who));
            assertEq(unbonding, handler.ghostUnbonding(provs[i]), string.concat("unbonding, ", who));
            assertEq(unlockAt, handler.ghostUnlockAt(provs[i]), string.concat("unlockAt, ", who));
            stakes += s;
            flowIn += handler.ghostStakedIn(provs[i]) - handler.ghostUnbondedOut(provs[i]);
        }
        assertEq(joule.balanceOf(address(registry)), stakes, "registry JOULE != sum of stake");
        // Stake only leaves by unbonding (after the delay) or by a market slash.
        assertEq(stakes, flowIn - handler.ghostSlashedFromRegistry(), "sum of stake != staked - unbonded - slashed");
        assertEq(handler.earlyUnbondWithdrawals(), 0, "unbonded stake withdrawn before its delay");
    }

    function _checkRewards() internal view {
        uint32[] memory es = handler.epochs();
        uint256 mintedSum;
        for (uint256 i; i < es.length; ++i) {
            uint32 e = es[i];
            uint256 m = emitter.minted(e);
            assertLe(m, emitter.emissionOf(e), string.concat("minted > emission, epoch ", vm.toString(uint256(e))));
            assertEq(emitter.emissionOf(e), handler.emissionOf(e), "emission schedule");
            assertEq(m, handler.ghostMinted(e), string.concat("minted, epoch ", vm.toString(uint256(e))));
            assertEq(market.totalUnits(e), handler.ghostEpochUnits(e), "epoch units");
            assertEq(emitter.epochUnits(e), market.totalUnits(e), "emitter reads the market's units");
            address[3] memory provs = handler.providers();
            for (uint256 k; k < 3; ++k) {
                assertEq(market.workOf(provs[k], e), handler.ghostWork(provs[k], e), "provider units");
            }
            mintedSum += m;
        }
        assertEq(mintedSum, handler.ghostMintedTotal(), "sum of minted per epoch");
        assertEq(joule.totalSupply(), GENESIS_SUPPLY + handler.ghostMintedTotal(), "supply != genesis + sum of minted");
        assertLe(joule.totalSupply(), CAP, "supply above cap");
        assertEq(handler.rewardMismatches(), 0, "a claim paid other than the pro-rata share");
    }

    function _checkCallSummary() internal view {
        uint256[19] memory ok = handler.successes();
        uint256[19] memory tried = handler.attempts();
        for (uint256 i; i < 19; ++i) assertLe(ok[i], tried[i], "successes > attempts");
        assertEq(ok[uint256(MarketHandler.Action.CreateJob)], _jobCount(), "jobs created != jobCount");
        // Every terminal job was counted once: completed + failed <= jobs.
        assertLe(handler.completedJobs() + handler.failedJobs(), _jobCount(), "terminal jobs counted twice");
    }

    function _jobCount() internal view returns (uint256) {
        return market.parameters().jobCount;
    }

    function _totalEscrow() internal view returns (uint256 sum) {
        uint256[] memory ids = handler.jobIds();
        for (uint256 k; k < ids.length; ++k) {
            sum += market.heldInEscrow(ids[k], handler.paramsOf(ids[k]), handler.assignmentOf(ids[k]));
        }
    }

    function _logSummary() internal view {
        uint256[19] memory ok = handler.successes();
        uint256[19] memory tried = handler.attempts();
        for (uint256 i; i < 19; ++i) console.log(handler.actionName(i), ok[i], tried[i]);
        console.log("completed / failed jobs", handler.completedJobs(), handler.failedJobs());
        console.log("completed early (all units before the last milestone)", handler.earlyCompletions());
        console.log("sweeps / jobs moved by sweeps", handler.sweeps(), handler.sweepMoves());
        console.log("exits while paused", handler.exitsWhilePaused());
        console.log(
            "InsufficientFreeStake / RequirementsNotMet",
            handler.insufficientFreeStakeReverts(),
            handler.requirementsNotMetReverts()
        );
        console.log("NonceUsed reverts", handler.nonceUsedReverts());
        console.log("JOULE minted as rewards", handler.ghostMintedTotal());
    }
}
