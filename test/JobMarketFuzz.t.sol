// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IJobTypes} from "../contracts/interfaces/IJobTypes.sol";
import {IJobMarket} from "../contracts/interfaces/IJobMarket.sol";
import {MarketTestBase} from "./JobMarket.t.sol";

/// @notice Fuzz tests for every JobMarket function that takes amounts, prices or times.
contract JobMarketFuzzTest is MarketTestBase {
    address internal provider3;
    address internal payer = makeAddr("fuzzPayer");

    function setUp() public {
        setUpProtocol();
        (provider3, ) = makeAddrAndKey("provider3");
        vm.prank(owner);
        joule.transfer(provider3, PROVIDER_STAKE);
        registerAndStake(provider3, PROVIDER_STAKE);
        vm.prank(payer);
        usd.approve(address(market), type(uint256).max);
    }

    /// @dev Creates a job paid by `payer` (tenant = payer) after minting exactly what it costs.
    function _openAsPayer(
        IJobTypes.JobRequest memory r
    ) internal returns (uint256 jobId, IJobTypes.JobParams memory p) {
        usd.mint(payer, uint256(r.maxUnits) * r.maxPricePerUnit);
        p = paramsFor(payer, payer, r);
        vm.prank(payer);
        jobId = market.createJob(r);
        track(jobId, p);
    }

    // ═════════════════════════════ createJob ═════════════════════════════
    /// @dev Any valid request pulls exactly maxUnits × maxPricePerUnit and stores the hash of its params.
    function testFuzz_createJob_pullsExactlyFunded(
        uint64 maxUnits,
        uint128 maxPrice,
        uint128 collateral,
        uint256 biddingPeriod,
        uint32 deliveryWindow,
        uint8 milestones,
        bytes32 specHash
    ) public {
        IJobTypes.JobRequest memory r = req();
        r.maxUnits = uint64(bound(maxUnits, 1, type(uint48).max));
        r.maxPricePerUnit = uint128(bound(maxPrice, 1, type(uint88).max));
        r.collateral = collateral;
        r.biddingEnd = uint40(_now() + bound(biddingPeriod, 1, 30 days));
        r.deliveryWindow = uint32(bound(deliveryWindow, 10 minutes, 365 days));
        r.milestones = uint8(bound(milestones, 1, 64));
        r.specHash = specHash;
        uint256 funded = uint256(r.maxUnits) * r.maxPricePerUnit;
        usd.mint(payer, funded);
        uint256 payerBefore = usd.balanceOf(payer);
        IJobTypes.JobParams memory p = paramsFor(payer, payer, r);

        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.JobCreated(1, payer, payer, p, funded);
        vm.prank(payer);
        uint256 jobId = market.createJob(r);

        assertEq(usd.balanceOf(payer), payerBefore - funded, "payer debited exactly");
        assertEq(usd.balanceOf(address(market)), funded, "market received exactly");
        assertEq(market.heldInEscrow(jobId, p, asg(jobId)), funded);
        assertEq(market.commitment(jobId), keccak256(abi.encode(p)));
        assertStatus(jobId, IJobTypes.JobStatus.Open);
    }

    function testFuzz_createJob_deliveryWindowBounds(uint32 window) public {
        IJobTypes.JobRequest memory r = req();
        r.deliveryWindow = window;
        bool valid = window >= 10 minutes && window <= 365 days;
        if (!valid) vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidDeliveryWindow.selector, window));
        vm.prank(tenant);
        market.createJob(r);
        assertEq(market.parameters().jobCount, valid ? 1 : 0);
    }

    function testFuzz_createJob_biddingEndBounds(uint40 biddingEnd) public {
        uint256 t = _now();
        IJobTypes.JobRequest memory r = req();
        r.biddingEnd = biddingEnd;
        bool valid = biddingEnd > t && biddingEnd <= t + 30 days;
        if (!valid) {
            vm.expectRevert(
                abi.encodeWithSelector(IJobMarket.BiddingEndInvalid.selector, biddingEnd, t + 1, t + 30 days)
            );
        }
        vm.prank(tenant);
        market.createJob(r);
        assertEq(market.parameters().jobCount, valid ? 1 : 0);
    }

    function testFuzz_createJob_milestoneBounds(uint8 milestones) public {
        IJobTypes.JobRequest memory r = req();
        r.milestones = milestones;
        bool valid = milestones >= 1 && milestones <= 64;
        if (!valid) vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidMilestones.selector, milestones));
        vm.prank(tenant);
        market.createJob(r);
        assertEq(market.parameters().jobCount, valid ? 1 : 0);
    }

    /// @dev maxUnits is valid in [1, 2^48 - 1]: progress keeps units in 48 bits.
    function testFuzz_createJob_unitsBounds(uint64 units) public {
        IJobTypes.JobRequest memory r = req();
        r.maxUnits = units;
        r.maxPricePerUnit = 1;
        bool valid = units >= 1 && units < 1 << 48;
        if (valid) usd.mint(tenant, units);
        else vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidUnits.selector, units));
        vm.prank(tenant);
        market.createJob(r);
        assertEq(market.parameters().jobCount, valid ? 1 : 0);
        assertEq(usd.balanceOf(address(market)), valid ? units : 0);
    }

    function testFuzz_createJob_priceBounds(uint128 price) public {
        IJobTypes.JobRequest memory r = req();
        r.maxUnits = 1;
        r.maxPricePerUnit = price;
        if (price == 0) {
            vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidPrice.selector, 0));
        } else if (price > type(uint88).max) {
            vm.expectRevert(abi.encodeWithSelector(IJobMarket.PriceTooHigh.selector, price, type(uint88).max));
        } else {
            usd.mint(tenant, price);
        }
        vm.prank(tenant);
        market.createJob(r);
        bool valid = price != 0 && price <= type(uint88).max;
        assertEq(usd.balanceOf(address(market)), valid ? price : 0);
    }

    // ═════════════════════════════ placeBid ═════════════════════════════
    /// @dev A random sequence of bids from three providers: the best is always the strict minimum of the
    /// in-range prices seen so far (ties keep the earlier bid), and only the best bidder has collateral locked.
    function testFuzz_placeBid_bestIsStrictMinimum(uint256[8] memory prices, uint256 seed) public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        address[3] memory bidders = [provider, provider2, provider3];
        address best;
        uint256 bestPrice;
        uint256 minSeen = type(uint256).max;

        for (uint256 i; i < prices.length; ++i) {
            address who = bidders[uint256(keccak256(abi.encode(seed, i))) % 3];
            uint256 price = bound(prices[i], 0, 1_010);
            if (price == 0) {
                vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidPrice.selector, 0));
            } else if (price > 1_000) {
                vm.expectRevert(abi.encodeWithSelector(IJobMarket.BidAboveMax.selector, jobId, price, 1_000));
            } else if (best != address(0) && price >= bestPrice) {
                vm.expectRevert(abi.encodeWithSelector(IJobMarket.BidNotBetter.selector, jobId, price, bestPrice));
            } else {
                vm.expectEmit(true, true, true, true, address(market));
                emit IJobMarket.BidPlaced(jobId, who, price, best);
            }
            vm.prank(who);
            market.placeBid(jobId, p, uint128(price));
            if (price >= 1 && price <= 1_000) {
                if (price < minSeen) minSeen = price;
                if (best == address(0) || price < bestPrice) (best, bestPrice) = (who, price);
            }

            (address b, uint256 bp) = market.bestBid(jobId);
            assertEq(b, best, "best bidder");
            assertEq(bp, bestPrice, "best price");
            for (uint256 j; j < 3; ++j) {
                assertEq(lockedOf(bidders[j]), bidders[j] == best ? COLLATERAL : 0, "only the best bidder is locked");
            }
        }

        vm.warp(p.request.biddingEnd);
        if (best == address(0)) {
            vm.expectRevert(abi.encodeWithSelector(IJobMarket.NoBid.selector, jobId));
            market.award(jobId, p);
            return;
        }
        assertEq(bestPrice, minSeen, "best is the minimum valid price");
        awardNow(jobId, p);
        assertEq(mbal(tenant, address(usd)), (1_000 - minSeen) * 3_600, "excess over the winning price refunded");
        assertEq(market.heldInEscrow(jobId, p, asg(jobId)), minSeen * 3_600);
        assertSolvent(address(usd));
    }

    // ═════════════════════════════ settle ═════════════════════════════
    /// @dev One accepted milestone: funded == provider + fee + refunds, the fee is exactly ceil(payment × bps).
    function testFuzz_settle_conservation(
        uint64 maxUnits,
        uint128 maxPrice,
        uint128 price,
        uint64 units,
        uint16 feeBps,
        uint64 energyWh
    ) public {
        feeBps = uint16(bound(feeBps, 0, 1_000));
        vm.prank(owner);
        market.setProtocolFee(feeBps);
        IJobTypes.JobRequest memory r = req();
        r.maxUnits = uint64(bound(maxUnits, 1, type(uint48).max));
        r.maxPricePerUnit = uint128(bound(maxPrice, 1, type(uint88).max));
        price = uint128(bound(price, 1, r.maxPricePerUnit));
        units = uint64(bound(units, 1, r.maxUnits));
        energyWh = uint64(bound(energyWh, 0, type(uint48).max));
        uint256 funded = uint256(r.maxUnits) * r.maxPricePerUnit;

        (uint256 jobId, IJobTypes.JobParams memory p) = _openAsPayer(r);
        vm.prank(provider);
        market.placeBid(jobId, p, price);
        vm.warp(r.biddingEnd);
        awardNow(jobId, p);
        IJobTypes.WorkAttestation memory a = attestation(jobId, 0, units, energyWh, true);
        vm.prank(provider);
        market.submitProof(jobId, p, asg(jobId), 0, a.resultRoot, units, energyWh);
        settleWith(jobId, p, a);

        uint256 payment = uint256(units) * price;
        uint256 fee = (payment * feeBps + 9_999) / 10_000;
        assertEq(mbal(treasury, address(usd)), fee, "fee rounds up");
        assertLe(fee, payment, "fee never exceeds payment");
        assertEq(mbal(provider, address(usd)), payment - fee, "provider share");
        assertEq(mbal(payer, address(usd)), funded - payment, "refunds: excess + unused units");
        assertEq(
            mbal(provider, address(usd)) + mbal(treasury, address(usd)) + mbal(payer, address(usd)),
            funded,
            "conservation"
        );
        assertEq(market.heldInEscrow(jobId, p, asg(jobId)), 0);
        assertEq(usd.balanceOf(address(market)), funded, "nothing left the market");
        assertStatus(jobId, IJobTypes.JobStatus.Completed);
        assertEq(market.workOf(provider, market.currentEpoch()), units);
    }

    /// @dev Two accepted milestones: the escrow shrinks by price × units each time and the totals still add up.
    function testFuzz_settle_twoMilestonesConservation(
        uint64 maxUnits,
        uint128 price,
        uint64 units0,
        uint64 units1,
        uint16 feeBps
    ) public {
        feeBps = uint16(bound(feeBps, 0, 1_000));
        vm.prank(owner);
        market.setProtocolFee(feeBps);
        IJobTypes.JobRequest memory r = req();
        r.milestones = 2;
        r.maxUnits = uint64(bound(maxUnits, 2, type(uint48).max));
        r.maxPricePerUnit = 1e12;
        price = uint128(bound(price, 1, r.maxPricePerUnit));
        units0 = uint64(bound(units0, 1, r.maxUnits - 1));
        units1 = uint64(bound(units1, 1, r.maxUnits - units0));
        uint256 funded = uint256(r.maxUnits) * r.maxPricePerUnit;

        (uint256 jobId, IJobTypes.JobParams memory p) = _openAsPayer(r);
        vm.prank(provider);
        market.placeBid(jobId, p, price);
        vm.warp(r.biddingEnd);
        awardNow(jobId, p);

        IJobTypes.WorkAttestation memory a0 = attestation(jobId, 0, units0, 1, true);
        vm.prank(provider);
        market.submitProof(jobId, p, asg(jobId), 0, a0.resultRoot, units0, 1);
        settleWith(jobId, p, a0);
        assertEq(
            market.heldInEscrow(jobId, p, asg(jobId)),
            uint256(r.maxUnits - units0) * price,
            "escrow after milestone 0"
        );

        IJobTypes.WorkAttestation memory a1 = attestation(jobId, 1, units1, 1, true);
        vm.prank(provider);
        market.submitProof(jobId, p, asg(jobId), 1, a1.resultRoot, units1, 1);
        settleWith(jobId, p, a1);

        uint256 pay0 = uint256(units0) * price;
        uint256 pay1 = uint256(units1) * price;
        uint256 fees = (pay0 * feeBps + 9_999) / 10_000 + (pay1 * feeBps + 9_999) / 10_000;
        assertEq(mbal(treasury, address(usd)), fees);
        assertEq(mbal(provider, address(usd)), pay0 + pay1 - fees);
        assertEq(mbal(payer, address(usd)), funded - pay0 - pay1);
        assertEq(
            mbal(provider, address(usd)) + mbal(treasury, address(usd)) + mbal(payer, address(usd)),
            funded,
            "conservation"
        );
        assertStatus(jobId, IJobTypes.JobStatus.Completed);
        assertSolvent(address(usd), _extra());
    }

    /// @dev A rejected proof after an accepted one: usd still adds up, and the slash splits exactly.
    function testFuzz_settle_rejectedSlashSplit(
        uint128 collateral,
        uint16 shareBps,
        uint64 units0,
        uint128 price
    ) public {
        shareBps = uint16(bound(shareBps, 5_000, 10_000));
        vm.prank(owner);
        market.setSlashPayerShareBps(shareBps);
        IJobTypes.JobRequest memory r = req();
        r.milestones = 2;
        r.collateral = uint128(bound(collateral, 0, PROVIDER_STAKE));
        price = uint128(bound(price, 1, r.maxPricePerUnit));
        units0 = uint64(bound(units0, 1, r.maxUnits - 1));

        (uint256 jobId, IJobTypes.JobParams memory p) = _openAsPayer(r);
        vm.prank(provider);
        market.placeBid(jobId, p, price);
        vm.warp(r.biddingEnd);
        awardNow(jobId, p);
        IJobTypes.WorkAttestation memory a0 = attestation(jobId, 0, units0, 1, true);
        vm.prank(provider);
        market.submitProof(jobId, p, asg(jobId), 0, a0.resultRoot, units0, 1);
        settleWith(jobId, p, a0);
        IJobTypes.WorkAttestation memory a1 = attestation(jobId, 1, 1, 1, false);
        vm.prank(provider);
        market.submitProof(jobId, p, asg(jobId), 1, a1.resultRoot, 1, 1);
        settleWith(jobId, p, a1);

        assertStatus(jobId, IJobTypes.JobStatus.Failed);
        uint256 comp = (uint256(r.collateral) * shareBps) / 10_000;
        assertEq(mbal(payer, address(joule)), comp, "payer compensation rounds down");
        assertEq(mbal(treasury, address(joule)), r.collateral - comp, "rest to treasury");
        assertEq(joule.balanceOf(address(market)), r.collateral, "slash arrived");
        assertEq(stakeOfProvider(provider), PROVIDER_STAKE - r.collateral);
        assertEq(lockedOf(provider), 0);
        uint256 pay0 = uint256(units0) * price;
        assertEq(
            mbal(provider, address(usd)) + mbal(treasury, address(usd)) + mbal(payer, address(usd)),
            FUNDED,
            "conservation"
        );
        assertEq(mbal(payer, address(usd)), FUNDED - pay0, "unpaid escrow refunded");
        assertSolvent(address(usd), _extra());
    }

    /// @dev A job completes when its last milestone or its last unit is settled, whichever comes first: settle
    /// `settleCount` milestones of a `milestones`-milestone job, the last of them taking every remaining unit.
    function testFuzz_settle_completesWhenAllUnitsSettled(
        uint8 milestones,
        uint8 settleCount,
        uint64 maxUnits,
        uint128 price
    ) public {
        IJobTypes.JobRequest memory r = req();
        r.milestones = uint8(bound(milestones, 1, 64));
        // At most 8 settlements per run keeps the test fast; 8 < 64 still covers early completion.
        settleCount = uint8(bound(settleCount, 1, r.milestones < 8 ? r.milestones : 8));
        r.maxUnits = uint64(bound(maxUnits, settleCount, type(uint48).max));
        r.maxPricePerUnit = 1_000;
        price = uint128(bound(price, 1, 1_000));
        (uint256 jobId, IJobTypes.JobParams memory p) = _openAsPayer(r);
        vm.prank(provider);
        market.placeBid(jobId, p, price);
        vm.warp(r.biddingEnd);
        awardNow(jobId, p);

        // One unit per milestone, then the rest in the last settled one.
        for (uint8 m; m < settleCount; ++m) {
            assertStatus(jobId, IJobTypes.JobStatus.Assigned);
            uint64 units = m + 1 == settleCount ? r.maxUnits - (settleCount - 1) : 1;
            settleWith(jobId, p, submit(jobId, p, m, units, 1, true));
        }

        assertStatus(jobId, IJobTypes.JobStatus.Completed);
        (uint8 settled, , , uint64 us, , ) = market.jobProgress(jobId);
        assertEq(settled, settleCount);
        assertEq(us, r.maxUnits);
        assertEq(lockedOf(provider), 0, "collateral released");
        assertEq(stakeOfProvider(provider), PROVIDER_STAKE, "no slash");
        assertEq(market.heldInEscrow(jobId, p, asg(jobId)), 0);
        assertEq(mbal(payer, address(usd)), uint256(r.maxUnits) * (1_000 - price), "only the excess: no leftover");
        if (settleCount < r.milestones) {
            vm.expectRevert(
                abi.encodeWithSelector(IJobMarket.JobNotAssigned.selector, jobId, IJobTypes.JobStatus.Completed)
            );
            vm.prank(provider);
            market.submitProof(jobId, p, asg(jobId), settleCount, bytes32(0), 1, 1);
        }
        assertSolvent(address(usd), _extra());
    }

    /// @dev The slash split is the one in force when the job was created, whatever governance sets afterwards.
    function testFuzz_setSlashPayerShareBps_snapshotAtCreation(
        uint16 atCreation,
        uint16 later,
        bool missDelivery
    ) public {
        atCreation = uint16(bound(atCreation, 5_000, 10_000));
        later = uint16(bound(later, 5_000, 10_000));
        vm.prank(owner);
        market.setSlashPayerShareBps(atCreation);
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        assertEq(uint256(p.slashPayerShareBps), atCreation);
        vm.prank(owner);
        market.setSlashPayerShareBps(later);

        uint256 comp = (uint256(COLLATERAL) * atCreation) / 10_000;
        if (missDelivery) {
            vm.warp(uint256(deliveryDeadlineOf(jobId)) + 1);
            vm.expectEmit(true, true, true, true, address(market));
            emit IJobMarket.JobClosed(
                jobId,
                IJobTypes.JobStatus.Failed,
                IJobTypes.CloseReason.DeliveryMissed,
                2_880_000,
                0,
                COLLATERAL,
                comp
            );
            market.expire(jobId, p, asg(jobId));
        } else {
            IJobTypes.WorkAttestation memory a = submit(jobId, p, 0, 1, 1, false);
            bytes memory sigs = signAttestation(a, 2);
            vm.expectEmit(true, true, true, true, address(market));
            emit IJobMarket.JobClosed(
                jobId,
                IJobTypes.JobStatus.Failed,
                IJobTypes.CloseReason.ProofRejected,
                2_880_000,
                0,
                COLLATERAL,
                comp
            );
            market.settle(jobId, p, asg(jobId), a, sigs);
        }
        assertEq(mbal(tenant, address(joule)), comp, "payer share fixed at creation");
        assertEq(mbal(treasury, address(joule)), COLLATERAL - comp);
        assertEq(stakeOfProvider(provider), PROVIDER_STAKE - COLLATERAL);
    }

    // ═════════════════════════════ acceptBid ═════════════════════════════
    /// @dev A signed bid is accepted at any time while the job is open, except after biddingEnd when an
    /// on-chain bid exists (that one is awarded instead).
    function testFuzz_acceptBid_afterBiddingOnlyWithoutOnChainBid(uint256 warpBy, bool onChainBid) public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        if (onChainBid) {
            vm.prank(provider2);
            market.placeBid(jobId, p, 900);
        }
        uint256 t = _now() + bound(warpBy, 0, 2 hours);
        vm.warp(t);
        IJobTypes.Bid memory bid = makeBid(jobId, provider, 800, 1);
        bytes memory sig = signBid(providerKey, bid);
        bool closed = onChainBid && t >= p.request.biddingEnd;
        if (closed) {
            vm.expectRevert(abi.encodeWithSelector(IJobMarket.BiddingClosed.selector, jobId, p.request.biddingEnd));
        }
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
        assertStatus(jobId, closed ? IJobTypes.JobStatus.Open : IJobTypes.JobStatus.Assigned);
        assertEq(lockedOf(provider), closed ? 0 : COLLATERAL);
        assertEq(lockedOf(provider2), closed ? COLLATERAL : 0, "on-chain bidder released when the signed bid wins");
        assertEq(mbal(tenant, address(usd)), closed ? 0 : 200 * 3_600);
    }

    // ═════════════════════════════ expire ═════════════════════════════
    /// @dev An open job without bids expires exactly from biddingEnd on.
    function testFuzz_expire_openJobWithoutBids(uint256 biddingPeriod, uint256 warpBy) public {
        IJobTypes.JobRequest memory r = req();
        r.biddingEnd = uint40(_now() + bound(biddingPeriod, 1, 30 days));
        (uint256 jobId, IJobTypes.JobParams memory p) = open(r);
        uint256 t = _now() + bound(warpBy, 0, 60 days);
        vm.warp(t);
        bool due = t >= r.biddingEnd;
        if (!due) {
            vm.expectRevert(
                abi.encodeWithSelector(IJobMarket.NothingToExpire.selector, jobId, IJobTypes.JobStatus.Open)
            );
        }
        market.expire(jobId, p, asg(jobId));
        assertStatus(jobId, due ? IJobTypes.JobStatus.Expired : IJobTypes.JobStatus.Open);
        assertEq(mbal(tenant, address(usd)), due ? FUNDED : 0);
        assertSolvent(address(usd));
    }

    /// @dev An assigned job without a pending proof fails exactly after its delivery deadline.
    function testFuzz_expire_deliveryDeadline(uint32 deliveryWindow, uint256 warpBy) public {
        IJobTypes.JobRequest memory r = req();
        r.deliveryWindow = uint32(bound(deliveryWindow, 10 minutes, 365 days));
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(r, 800);
        uint256 deadline = uint256(r.biddingEnd) + r.deliveryWindow;
        assertEq(deliveryDeadlineOf(jobId), deadline);
        uint256 t = _now() + bound(warpBy, 0, 2 * uint256(r.deliveryWindow));
        vm.warp(t);
        bool due = t > deadline;
        if (!due) {
            vm.expectRevert(
                abi.encodeWithSelector(IJobMarket.NothingToExpire.selector, jobId, IJobTypes.JobStatus.Assigned)
            );
        }
        market.expire(jobId, p, asg(jobId));
        assertStatus(jobId, due ? IJobTypes.JobStatus.Failed : IJobTypes.JobStatus.Assigned);
        assertEq(stakeOfProvider(provider), due ? PROVIDER_STAKE - COLLATERAL : PROVIDER_STAKE);
        assertEq(lockedOf(provider), due ? 0 : COLLATERAL);
        assertEq(mbal(tenant, address(usd)), due ? FUNDED : 720_000);
        assertSolvent(address(usd));
    }

    /// @dev A pending proof expires (without slash) exactly after its verify deadline, wherever the delivery
    /// deadline is; before that, settle still works.
    function testFuzz_expire_verifyDeadline(uint32 verifyWindow, uint256 submitAfter, uint256 warpBy) public {
        verifyWindow = uint32(bound(verifyWindow, 1 hours, 7 days));
        vm.prank(owner);
        market.setVerificationWindow(verifyWindow);
        IJobTypes.JobRequest memory r = req();
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(r, 800);
        vm.warp(_now() + bound(submitAfter, 0, r.deliveryWindow));
        IJobTypes.WorkAttestation memory a = submit(jobId, p, 0, 3_000, 1, true);
        uint256 vd = _now() + verifyWindow;
        assertEq(verifyDeadlineOf(jobId), vd);
        uint256 t = _now() + bound(warpBy, 0, 3 * uint256(verifyWindow));
        vm.warp(t);
        bool due = t > vd;
        if (due) {
            market.expire(jobId, p, asg(jobId));
            assertStatus(jobId, IJobTypes.JobStatus.Expired);
            assertEq(mbal(tenant, address(usd)), FUNDED, "everything unpaid refunded");
            assertEq(stakeOfProvider(provider), PROVIDER_STAKE, "no slash");
            assertEq(lockedOf(provider), 0, "collateral released");
        } else {
            vm.expectRevert(
                abi.encodeWithSelector(IJobMarket.NothingToExpire.selector, jobId, IJobTypes.JobStatus.Assigned)
            );
            market.expire(jobId, p, asg(jobId));
            settleWith(jobId, p, a);
            assertStatus(jobId, IJobTypes.JobStatus.Completed);
        }
        assertSolvent(address(usd));
    }

    // ═════════════════════════════ withdraw ═════════════════════════════
    function testFuzz_withdraw_amounts(uint64 maxUnits, uint256 amount, address to) public {
        vm.assume(to != address(0) && to != address(market));
        IJobTypes.JobRequest memory r = req();
        r.maxUnits = uint64(bound(maxUnits, 1, 1e12));
        (uint256 jobId, IJobTypes.JobParams memory p) = _openAsPayer(r);
        vm.prank(payer);
        market.cancelJob(jobId, p);
        uint256 balance = uint256(r.maxUnits) * r.maxPricePerUnit;
        assertEq(mbal(payer, address(usd)), balance);

        amount = bound(amount, 0, 2 * balance);
        uint256 toBefore = usd.balanceOf(to);
        if (amount == 0) {
            vm.expectRevert(IJobMarket.ZeroAmount.selector);
        } else if (amount > balance) {
            vm.expectRevert(
                abi.encodeWithSelector(IJobMarket.InsufficientBalance.selector, payer, address(usd), balance, amount)
            );
        } else {
            vm.expectEmit(true, true, true, true, address(market));
            emit IJobMarket.Withdrawn(payer, address(usd), amount);
        }
        vm.prank(payer);
        market.withdraw(address(usd), amount, to);

        uint256 moved = amount != 0 && amount <= balance ? amount : 0;
        assertEq(mbal(payer, address(usd)), balance - moved, "balance debited");
        assertEq(usd.balanceOf(to), toBefore + moved, "recipient credited");
        assertEq(usd.balanceOf(address(market)), balance - moved, "market paid out exactly");
        assertSolvent(address(usd), _extra());
    }

    function _extra() internal view returns (address[] memory extra) {
        extra = new address[](1);
        extra[0] = payer;
    }
}
