// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// ═══════════════════════════════════════════════════════════════════════════════════════════════
// Unit tests for JobMarket: one group per external function, in the interface's order.
//
// Custom errors of IJobMarket and the test(s) that trigger each with its exact arguments.
// (JobNotFound and BidForOtherJob were removed from IJobMarket in the third ABI round as unreachable: an unknown
// job has status None and reverts JobNotOpen / JobNotAssigned / NothingToExpire, see
// test_unknownJob_revertsEverywhereWithStatusNone; a bid for another job fails the params or signature check, see
// test_acceptBid_bidForOtherJobHitsParamsCheck and test_acceptBid_retargetedBidFailsSignature.)
//   [x] ZeroAddress                 test_createJobFor_revertsOnZeroTenant, test_withdraw_revertsOnZeroRecipient,
//                                   test_claim_revertsOnZeroRecipient, test_setAllowedVerifier_revertsOnZeroAddress,
//                                   test_constructor_revertsOnZeroAddresses
//   [x] TokenNotAllowed             test_createJob_revertsWhenTokenNotAllowed
//   [x] VerifierNotAllowed          test_createJob_revertsWhenVerifierNotAllowed
//   [x] InvalidMilestones           test_createJob_revertsOnZeroMilestones, test_createJob_revertsOnTooManyMilestones
//   [x] InvalidUnits                test_createJob_revertsOnZeroUnits, test_createJob_revertsWhenUnitsReach2To48,
//                                   test_submitProof_revertsOnZeroUnits
//   [x] InvalidPrice                test_createJob_revertsOnZeroPrice, test_placeBid_revertsOnZeroPrice,
//                                   test_acceptBid_revertsOnZeroPrice
//   [x] PriceTooHigh                test_createJob_revertsWhenPriceAboveUint88
//   [x] InvalidDeliveryWindow       test_createJob_revertsOnDeliveryWindowOutOfBounds
//   [x] BiddingEndInvalid           test_createJob_revertsOnBiddingEndNotInFuture, test_createJob_revertsOnBiddingEndTooFar
//   [x] TokenTransferMismatch       test_createJob_revertsOnFeeOnTransferToken (also WeirdTokens.t.sol)
//   [x] JobParamsMismatch           test_cancelJob_revertsOnWrongParams, test_placeBid_revertsOnWrongParams,
//                                   test_acceptBid_bidForOtherJobHitsParamsCheck, test_submitProof_revertsOnForgedAssignment,
//                                   test_settle_revertsOnWrongAssignment, test_expire_revertsOnWrongAssignment,
//                                   test_heldInEscrow_revertsOnWrongAssignment,
//                                   test_setSlashPayerShareBps_doesNotChangeLiveJobs
//   [x] JobNotOpen                  test_cancelJob_revertsWhenAssigned, test_cancelJob_revertsWhenCancelled,
//                                   test_cancelJob_revertsOnUnknownJob, test_acceptBid_revertsWhenNotOpen,
//                                   test_placeBid_revertsWhenNotOpen, test_award_revertsWhenAlreadyAssigned
//   [x] JobNotAssigned              test_submitProof_revertsWhenOpen, test_settle_revertsWhenNotAssigned,
//                                   test_settle_allUnitsInFirstOfTwoMilestonesCompletes
//   [x] NotTenant                   test_cancelJob_revertsForNonTenant, test_acceptBid_revertsForNonTenant,
//                                   test_createJobFor_sponsorCannotCancel
//   [x] NotAssignedProvider         test_submitProof_revertsForOtherProvider
//   [x] BiddingClosed               test_placeBid_revertsAtBiddingEnd, test_acceptBid_revertsAfterBiddingEndWithOnChainBid
//   [x] BiddingNotEnded             test_award_revertsBeforeBiddingEnd
//   [x] BidNotBetter                test_placeBid_tieKeepsEarlierBid, test_placeBid_revertsWhenHigher
//   [x] BidAboveMax                 test_placeBid_revertsAboveMax, test_acceptBid_revertsAboveMax
//   [x] NoBid                       test_award_revertsWithoutBid
//   [x] BidExpired                  test_acceptBid_revertsWhenExpired (also Signatures.t.sol)
//   [x] InvalidBidSignature         test_acceptBid_revertsOnWrongSigner (also Signatures.t.sol)
//   [x] NonceUsed                   test_acceptBid_revertsOnReusedNonce, test_invalidateNonces_blocksSignedBid
//   [x] WrongMilestone              test_submitProof_revertsOnWrongMilestone
//   [x] ProofPending                test_submitProof_revertsWhileProofPending
//   [x] NoProofPending              test_settle_revertsWithoutProof, test_settle_replayAfterFirstMilestone
//   [x] UnitsExceedMax              test_submitProof_revertsWhenUnitsExceedMax
//   [x] EnergyTooLarge              test_submitProof_revertsWhenEnergyTooLarge
//   [x] DeliveryDeadlinePassed      test_submitProof_revertsAfterDeliveryDeadline
//   [x] AttestationMismatch         test_settle_revertsOnAttestationMismatch (also Signatures.t.sol: one test per
//                                   attested field, incl. test_attestation_otherResultRootMismatch)
//   [x] InvalidAttestation          test_settle_revertsOnInsufficientSignatures, test_settleMany_revertsAllWhenOneInvalid
//   [x] VerificationTimedOut        test_settle_revertsAfterVerificationWindow
//   [x] NothingToExpire             test_expire_openJobBeforeBiddingEnd, test_expire_openJobWithBid,
//                                   test_expire_deliveryMissed, test_expire_verificationTimeout,
//                                   test_expire_pendingProofPastDeliveryDeadline, test_expire_revertsOnTerminalJobs
//   [x] InsufficientBalance         test_withdraw_revertsAboveBalance
//   [x] ZeroAmount                  test_withdraw_revertsOnZeroAmount
//   [x] NotAContract                test_setAllowedToken_revertsOnAddressWithoutCode (also WeirdTokens.t.sol)
//   [x] ParameterOutOfBounds        test_setProtocolFee_bounds, test_setVerificationWindow_bounds,
//                                   test_setSlashPayerShareBps_bounds, test_constructor_revertsOnParametersOutOfBounds
//   [x] EmptyBatch                  test_settleMany_revertsOnEmptyBatch, test_claim_revertsOnEmptyBatch
//   [x] MarketPaused                test_pause_blocksCreateJob, test_pause_blocksPlaceBid, test_pause_blocksAcceptBid
// ═══════════════════════════════════════════════════════════════════════════════════════════════

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {JouleFixture} from "./utils/JouleFixture.sol";
import {Vm} from "./utils/Vm.sol";
import {JobMarket} from "../contracts/JobMarket.sol";
import {MockERC20} from "../contracts/test/MockERC20.sol";
import {FeeOnTransferToken} from "../contracts/test/FeeOnTransferToken.sol";
import {IJobTypes} from "../contracts/interfaces/IJobTypes.sol";
import {IJobMarket} from "../contracts/interfaces/IJobMarket.sol";
import {IProviderRegistry} from "../contracts/interfaces/IProviderRegistry.sol";
import {IRewardEmitter} from "../contracts/interfaces/IRewardEmitter.sol";
import {IJouleToken} from "../contracts/interfaces/IJouleToken.sol";

/// @notice Helpers shared by the JobMarket test files (unit, fuzz, signatures, weird tokens).
/// @dev Every time read goes through `vm.getBlockTimestamp()`: with viaIR, `block.timestamp` may be cached
/// across `vm.warp` inside one test function.
abstract contract MarketTestBase is JouleFixture {
    bytes32 internal constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    bytes32 internal constant BID_TYPEHASH = keccak256(
        "Bid(uint256 jobId,address provider,uint128 pricePerUnit,uint40 expiry,uint256 nonce)"
    );
    bytes32 internal constant ATTESTATION_TYPEHASH = keccak256(
        "WorkAttestation(uint256 jobId,uint8 milestone,bytes32 resultRoot,uint64 units,uint64 energyWh,bool accepted)"
    );
    bytes32 internal constant PERMIT_TYPEHASH = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    );
    /// @dev Order of secp256k1.
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    /// @dev Escrow of the fixture's default request: 3,600 units × 1,000.
    uint256 internal constant FUNDED = 3_600_000;

    uint256[] internal _trackedIds;
    IJobTypes.JobParams[] internal _trackedParams;

    // ───────────────────────────── Time ─────────────────────────────
    function _now() internal view returns (uint256) {
        return vm.getBlockTimestamp();
    }

    /// @dev The fixture's default request with a bidding end relative to the real current time.
    function req() internal view returns (IJobTypes.JobRequest memory r) {
        r = defaultRequest();
        r.biddingEnd = uint40(_now() + 1 hours);
    }

    // ───────────────────────────── Jobs ─────────────────────────────
    function track(uint256 jobId, IJobTypes.JobParams memory p) internal {
        _trackedIds.push(jobId);
        _trackedParams.push(p);
    }

    function open(IJobTypes.JobRequest memory r) internal returns (uint256 jobId, IJobTypes.JobParams memory p) {
        (jobId, p) = createJob(r);
        track(jobId, p);
    }

    function openAssigned(
        IJobTypes.JobRequest memory r,
        uint128 price
    ) internal returns (uint256 jobId, IJobTypes.JobParams memory p) {
        (jobId, p) = createAssignedJob(r, price);
        track(jobId, p);
    }

    /// @dev The assigned provider submits the proof of `milestone`; returns the matching attestation.
    function submit(
        uint256 jobId,
        IJobTypes.JobParams memory p,
        uint8 milestone,
        uint64 units,
        uint64 energyWh,
        bool accepted
    ) internal returns (IJobTypes.WorkAttestation memory a) {
        a = attestation(jobId, milestone, units, energyWh, accepted);
        IJobTypes.Assignment memory asg_ = assignments[jobId];
        vm.prank(asg_.provider);
        market.submitProof(jobId, p, asg_, milestone, a.resultRoot, units, energyWh);
    }

    /// @dev Settles `a` with 2 of 3 verifier signatures.
    function settleWith(uint256 jobId, IJobTypes.JobParams memory p, IJobTypes.WorkAttestation memory a) internal {
        bytes memory sigs = signAttestation(a, 2);
        vm.prank(keeper);
        market.settle(jobId, p, assignments[jobId], a, sigs);
    }

    /// @dev The assignment recorded for `jobId` (zeros while open), as calls on assigned jobs need it.
    function asg(uint256 jobId) internal view returns (IJobTypes.Assignment memory) {
        return assignments[jobId];
    }

    /// @dev Awards the job to its best on-chain bid and records the assignment.
    function awardNow(uint256 jobId, IJobTypes.JobParams memory p) internal {
        (address best, uint256 price) = market.bestBid(jobId);
        vm.prank(keeper);
        market.award(jobId, p);
        assignments[jobId] = IJobTypes.Assignment(best, uint128(price));
    }

    /// @dev The tenant accepts a signed bid; the assignment is recorded.
    function acceptAs(IJobTypes.JobParams memory p, IJobTypes.Bid memory bid, bytes memory sig) internal {
        vm.prank(p.tenant);
        market.acceptBid(p, bid, sig);
        assignments[bid.jobId] = IJobTypes.Assignment(bid.provider, bid.pricePerUnit);
    }

    /// @dev The commitment the market keeps once a job is assigned.
    function assignedCommitment(
        IJobTypes.JobParams memory p,
        address who,
        uint256 price
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(keccak256(abi.encode(p)), who, price));
    }

    // ───────────────────────────── Reads ─────────────────────────────
    function assertStatus(uint256 jobId, IJobTypes.JobStatus expected) internal view {
        assertEq(uint256(market.jobStatus(jobId)), uint256(expected), "job status");
    }

    function lockedOf(address who) internal view returns (uint256 locked) {
        (, locked, , ) = registry.stakeOf(who);
    }

    function stakeOfProvider(address who) internal view returns (uint256 stake) {
        (stake, , , ) = registry.stakeOf(who);
    }

    function tokenAllowed(address a) internal view returns (bool allowed) {
        (allowed, ) = market.allowlist(a);
    }

    function verifierAllowed(address a) internal view returns (bool allowed) {
        (, allowed) = market.allowlist(a);
    }

    function mbal(address who, address token) internal view returns (uint256) {
        return market.balanceOf(who, token);
    }

    function deliveryDeadlineOf(uint256 jobId) internal view returns (uint32 d) {
        (, d, , , , ) = market.jobProgress(jobId);
    }

    function verifyDeadlineOf(uint256 jobId) internal view returns (uint32 d) {
        (, , d, , , ) = market.jobProgress(jobId);
    }

    /// @dev Solvency: the market's token balance equals the escrow of every tracked job plus every known balance.
    function assertSolvent(address token, address[] memory extraAccounts) internal view {
        uint256 sum;
        for (uint256 i; i < _trackedIds.length; ++i) {
            if (_trackedParams[i].request.token == token)
                sum += market.heldInEscrow(_trackedIds[i], _trackedParams[i], assignments[_trackedIds[i]]);
        }
        address[6] memory known = [tenant, sponsor, provider, provider2, treasury, keeper];
        for (uint256 i; i < known.length; ++i) {
            sum += market.balanceOf(known[i], token);
        }
        for (uint256 i; i < extraAccounts.length; ++i) {
            sum += market.balanceOf(extraAccounts[i], token);
        }
        assertEq(IERC20(token).balanceOf(address(market)), sum, "solvency: market balance != escrow + balances");
    }

    function assertSolvent(address token) internal view {
        assertSolvent(token, new address[](0));
    }

    // ───────────────────────────── Signatures ─────────────────────────────
    function makeBid(
        uint256 jobId,
        address who,
        uint128 price,
        uint256 nonce
    ) internal view returns (IJobTypes.Bid memory) {
        return
            IJobTypes.Bid({
                jobId: jobId,
                provider: who,
                pricePerUnit: price,
                expiry: uint40(_now() + 1 hours),
                nonce: nonce
            });
    }

    function domainSeparator(uint256 chainId, address verifyingContract) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(DOMAIN_TYPEHASH, keccak256("Joule JobMarket"), keccak256("1"), chainId, verifyingContract)
            );
    }

    /// @dev EIP-712 digest of a bid computed in the test, for any chain and verifying contract.
    function bidDigest(
        IJobTypes.Bid memory b,
        uint256 chainId,
        address verifyingContract
    ) internal pure returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(BID_TYPEHASH, b.jobId, b.provider, b.pricePerUnit, b.expiry, b.nonce)
        );
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(chainId, verifyingContract), structHash));
    }

    function attestationDigest(
        IJobTypes.WorkAttestation memory a,
        uint256 chainId,
        address verifyingContract
    ) internal pure returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(ATTESTATION_TYPEHASH, a.jobId, a.milestone, a.resultRoot, a.units, a.energyWh, a.accepted)
        );
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(chainId, verifyingContract), structHash));
    }

    function sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev The same signature with s replaced by n - s and v flipped: still valid for raw ecrecover.
    function toHighS(bytes memory sig65) internal pure returns (bytes memory) {
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly {
            r := mload(add(sig65, 0x20))
            s := mload(add(sig65, 0x40))
            v := byte(0, mload(add(sig65, 0x60)))
        }
        return abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
    }

    function permitDigest(
        MockERC20 token,
        address owner_,
        address spender,
        uint256 value,
        uint256 deadline
    ) internal view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(PERMIT_TYPEHASH, owner_, spender, value, token.nonces(owner_), deadline)
        );
        return keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
    }
}

contract JobMarketTest is MarketTestBase {
    MockERC20 internal eur;
    address internal alice = makeAddr("alice");

    function setUp() public {
        setUpProtocol();
        eur = new MockERC20("Mock EUR", "mEUR", 6);
        vm.prank(owner);
        market.setAllowedToken(address(eur), true);
        eur.mint(tenant, 1_000_000e6);
        vm.prank(tenant);
        eur.approve(address(market), type(uint256).max);
    }

    // ═════════════════════════════ constructor ═════════════════════════════
    function test_constructor_setsWiringAndParameters() public view {
        assertEq(market.parameters().registry, address(registry));
        assertEq(market.parameters().rewardEmitter, address(emitter));
        assertEq(registry.market(), address(market), "registry knows its market");
        assertEq(emitter.market(), address(market), "emitter knows its market");
        assertEq(registry.owner(), owner);
        assertEq(registry.stakeToken(), address(joule));
        assertEq(emitter.token(), address(joule));
        assertEq(market.parameters().stakeToken, address(joule));
        assertEq(market.parameters().treasury, treasury);
        assertEq(market.owner(), owner);
        assertEq(uint256(market.parameters().feeBps), FEE_BPS);
        assertEq(uint256(market.parameters().verificationWindow), VERIFY_WINDOW);
        assertEq(uint256(market.parameters().slashPayerShareBps), SLASH_PAYER_BPS);
        assertFalse(market.parameters().paused);
        assertEq(market.parameters().jobCount, 0);
    }

    function test_constructor_revertsOnZeroAddresses() public {
        IJobMarket.MarketSettings memory st = defaultSettings();
        vm.expectRevert(IJobMarket.ZeroAddress.selector);
        new JobMarket(IJouleToken(address(joule)), address(0), owner, st);
        vm.expectRevert(IJobMarket.ZeroAddress.selector);
        new JobMarket(IJouleToken(address(0)), treasury, owner, st);
    }

    function test_constructor_revertsOnParametersOutOfBounds() public {
        IJobMarket.MarketSettings memory st = defaultSettings();
        st.feeBps = 1_001;
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.ParameterOutOfBounds.selector, bytes32("feeBps"), 1_001, 0, 1_000)
        );
        new JobMarket(IJouleToken(address(joule)), treasury, owner, st);

        st = defaultSettings();
        st.slashPayerShareBps = 4_999;
        vm.expectRevert(
            abi.encodeWithSelector(
                IJobMarket.ParameterOutOfBounds.selector,
                bytes32("slashPayerShareBps"),
                4_999,
                5_000,
                10_000
            )
        );
        new JobMarket(IJouleToken(address(joule)), treasury, owner, st);

        st = defaultSettings();
        st.verificationWindow = 7 days + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IJobMarket.ParameterOutOfBounds.selector,
                bytes32("verificationWindow"),
                7 days + 1,
                1 hours,
                7 days
            )
        );
        new JobMarket(IJouleToken(address(joule)), treasury, owner, st);
    }

    // ═════════════════════════════ createJob ═════════════════════════════
    function test_createJob_pullsEscrowAndStoresHash() public {
        IJobTypes.JobRequest memory r = req();
        IJobTypes.JobParams memory p = paramsFor(tenant, tenant, r);
        uint256 tenantBefore = usd.balanceOf(tenant);

        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.JobCreated(1, tenant, tenant, p, FUNDED);
        vm.prank(tenant);
        uint256 jobId = market.createJob(r);

        assertEq(jobId, 1);
        assertEq(market.parameters().jobCount, 1);
        assertStatus(jobId, IJobTypes.JobStatus.Open);
        assertEq(market.commitment(jobId), keccak256(abi.encode(p)), "commitment = hash of params");
        assertEq(usd.balanceOf(tenant), tenantBefore - FUNDED, "tenant paid");
        assertEq(usd.balanceOf(address(market)), FUNDED, "market holds escrow");
        assertEq(market.heldInEscrow(jobId, p, asg(jobId)), FUNDED);
        (address best, uint256 bestPrice) = market.bestBid(jobId);
        assertEq(best, address(0));
        assertEq(bestPrice, 0);
    }

    function test_createJob_idsAreSequential() public {
        (uint256 a, ) = open(req());
        (uint256 b, ) = open(req());
        (uint256 c, ) = open(req());
        assertEq(a, 1);
        assertEq(b, 2);
        assertEq(c, 3);
        assertEq(market.parameters().jobCount, 3);
        assertEq(usd.balanceOf(address(market)), 3 * FUNDED);
        assertSolvent(address(usd));
    }

    function test_createJob_acceptsBoundaryValues() public {
        IJobTypes.JobRequest memory r = req();
        r.milestones = 64;
        r.deliveryWindow = 10 minutes;
        r.biddingEnd = uint40(_now() + 30 days);
        r.maxUnits = 1;
        r.maxPricePerUnit = type(uint88).max;
        usd.mint(tenant, type(uint88).max);
        (uint256 jobId, IJobTypes.JobParams memory p) = open(r);
        assertEq(market.heldInEscrow(jobId, p, asg(jobId)), type(uint88).max);

        r = req();
        r.deliveryWindow = 365 days;
        r.biddingEnd = uint40(_now() + 1);
        r.milestones = 1;
        (jobId, p) = open(r);
        assertEq(market.heldInEscrow(jobId, p, asg(jobId)), FUNDED);
    }

    function test_createJob_revertsWhenTokenNotAllowed() public {
        IJobTypes.JobRequest memory r = req();
        r.token = address(0xBEEF);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.TokenNotAllowed.selector, address(0xBEEF)));
        vm.prank(tenant);
        market.createJob(r);
    }

    function test_createJob_revertsWhenVerifierNotAllowed() public {
        IJobTypes.JobRequest memory r = req();
        r.verifier = address(0xCAFE);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.VerifierNotAllowed.selector, address(0xCAFE)));
        vm.prank(tenant);
        market.createJob(r);
    }

    function test_createJob_revertsOnZeroMilestones() public {
        IJobTypes.JobRequest memory r = req();
        r.milestones = 0;
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidMilestones.selector, uint8(0)));
        vm.prank(tenant);
        market.createJob(r);
    }

    function test_createJob_revertsOnTooManyMilestones() public {
        IJobTypes.JobRequest memory r = req();
        r.milestones = 65;
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidMilestones.selector, uint8(65)));
        vm.prank(tenant);
        market.createJob(r);
    }

    function test_createJob_revertsOnZeroUnits() public {
        IJobTypes.JobRequest memory r = req();
        r.maxUnits = 0;
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidUnits.selector, uint64(0)));
        vm.prank(tenant);
        market.createJob(r);
    }

    /// @dev Units are kept in 48 bits once assigned: maxUnits must stay below 2^48, and 2^48 - 1 is accepted.
    function test_createJob_revertsWhenUnitsReach2To48() public {
        IJobTypes.JobRequest memory r = req();
        r.maxPricePerUnit = 1;
        r.maxUnits = uint64(1) << 48;
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidUnits.selector, uint64(1) << 48));
        vm.prank(tenant);
        market.createJob(r);
        r.maxUnits = type(uint64).max;
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidUnits.selector, type(uint64).max));
        vm.prank(tenant);
        market.createJob(r);
        assertEq(market.parameters().jobCount, 0);

        r.maxUnits = type(uint48).max;
        usd.mint(tenant, type(uint48).max);
        (uint256 jobId, IJobTypes.JobParams memory p) = open(r);
        assertEq(market.heldInEscrow(jobId, p, asg(jobId)), type(uint48).max);
        assertEq(usd.balanceOf(address(market)), type(uint48).max);
    }

    function test_createJob_revertsOnZeroPrice() public {
        IJobTypes.JobRequest memory r = req();
        r.maxPricePerUnit = 0;
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidPrice.selector, 0));
        vm.prank(tenant);
        market.createJob(r);
    }

    function test_createJob_revertsWhenPriceAboveUint88() public {
        IJobTypes.JobRequest memory r = req();
        r.maxPricePerUnit = uint128(type(uint88).max) + 1;
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.PriceTooHigh.selector, uint256(type(uint88).max) + 1, type(uint88).max)
        );
        vm.prank(tenant);
        market.createJob(r);
    }

    function test_createJob_revertsOnDeliveryWindowOutOfBounds() public {
        IJobTypes.JobRequest memory r = req();
        r.deliveryWindow = 10 minutes - 1;
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidDeliveryWindow.selector, uint32(10 minutes - 1)));
        vm.prank(tenant);
        market.createJob(r);

        r.deliveryWindow = 365 days + 1;
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidDeliveryWindow.selector, uint32(365 days + 1)));
        vm.prank(tenant);
        market.createJob(r);
    }

    function test_createJob_revertsOnBiddingEndNotInFuture() public {
        uint256 t = _now();
        IJobTypes.JobRequest memory r = req();
        r.biddingEnd = uint40(t);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.BiddingEndInvalid.selector, uint40(t), t + 1, t + 30 days));
        vm.prank(tenant);
        market.createJob(r);
    }

    function test_createJob_revertsOnBiddingEndTooFar() public {
        uint256 t = _now();
        IJobTypes.JobRequest memory r = req();
        r.biddingEnd = uint40(t + 30 days + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.BiddingEndInvalid.selector, uint40(t + 30 days + 1), t + 1, t + 30 days)
        );
        vm.prank(tenant);
        market.createJob(r);
    }

    function test_createJob_revertsWithoutAllowance() public {
        IJobTypes.JobRequest memory r = req();
        usd.mint(alice, FUNDED);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(market), 0, FUNDED)
        );
        vm.prank(alice);
        market.createJob(r);
        assertEq(market.parameters().jobCount, 0);
    }

    function test_createJob_revertsOnFeeOnTransferToken() public {
        // 1 % fee: the market measures what arrived and refuses the shortfall.
        FeeOnTransferToken fot = new FeeOnTransferToken(100);
        vm.prank(owner);
        market.setAllowedToken(address(fot), true);
        fot.mint(tenant, FUNDED);
        vm.prank(tenant);
        fot.approve(address(market), FUNDED);
        IJobTypes.JobRequest memory r = req();
        r.token = address(fot);
        vm.expectRevert(
            abi.encodeWithSelector(
                IJobMarket.TokenTransferMismatch.selector,
                address(fot),
                FUNDED,
                FUNDED - FUNDED / 100
            )
        );
        vm.prank(tenant);
        market.createJob(r);
        assertEq(fot.balanceOf(tenant), FUNDED, "nothing taken");
        assertEq(market.parameters().jobCount, 0);
    }

    // ═════════════════════════════ createJobFor ═════════════════════════════
    function test_createJobFor_sponsorPaysAndGetsRefunds() public {
        IJobTypes.JobRequest memory r = req();
        IJobTypes.JobParams memory p = paramsFor(tenant, sponsor, r);
        uint256 sponsorBefore = usd.balanceOf(sponsor);
        uint256 tenantBefore = usd.balanceOf(tenant);

        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.JobCreated(1, tenant, sponsor, p, FUNDED);
        vm.prank(sponsor);
        uint256 jobId = market.createJobFor(tenant, r);
        track(jobId, p);

        assertEq(usd.balanceOf(sponsor), sponsorBefore - FUNDED, "sponsor paid");
        assertEq(usd.balanceOf(tenant), tenantBefore, "tenant paid nothing");

        // The tenant runs the job; the excess at assignment goes to the sponsor.
        vm.prank(provider);
        market.placeBid(jobId, p, 800);
        vm.warp(r.biddingEnd);
        awardNow(jobId, p);
        assertEq(mbal(sponsor, address(usd)), 720_000, "excess to sponsor");
        assertEq(mbal(tenant, address(usd)), 0, "nothing to tenant");

        // Rejected proof: unpaid escrow and the slash compensation go to the sponsor as well.
        IJobTypes.WorkAttestation memory a = submit(jobId, p, 0, 100, 1, false);
        settleWith(jobId, p, a);
        assertEq(mbal(sponsor, address(usd)), FUNDED, "all escrow back to sponsor");
        assertEq(mbal(sponsor, address(joule)), (COLLATERAL * SLASH_PAYER_BPS) / 10_000, "compensation to sponsor");
        assertEq(mbal(tenant, address(usd)), 0);
        assertEq(mbal(tenant, address(joule)), 0);
        assertSolvent(address(usd));
    }

    function test_createJobFor_cancelRefundsSponsor() public {
        IJobTypes.JobRequest memory r = req();
        IJobTypes.JobParams memory p = paramsFor(tenant, sponsor, r);
        vm.prank(sponsor);
        uint256 jobId = market.createJobFor(tenant, r);
        vm.prank(tenant);
        market.cancelJob(jobId, p);
        assertEq(mbal(sponsor, address(usd)), FUNDED);
        assertEq(mbal(tenant, address(usd)), 0);
    }

    function test_createJobFor_sponsorCannotCancel() public {
        IJobTypes.JobRequest memory r = req();
        IJobTypes.JobParams memory p = paramsFor(tenant, sponsor, r);
        vm.prank(sponsor);
        uint256 jobId = market.createJobFor(tenant, r);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NotTenant.selector, jobId, sponsor));
        vm.prank(sponsor);
        market.cancelJob(jobId, p);
    }

    function test_createJobFor_revertsOnZeroTenant() public {
        IJobTypes.JobRequest memory r = req();
        vm.expectRevert(IJobMarket.ZeroAddress.selector);
        vm.prank(sponsor);
        market.createJobFor(address(0), r);
    }

    // ═════════════════════════════ createJobWithPermit ═════════════════════════════
    function test_createJobWithPermit_pullsWithPermit() public {
        (address payer, uint256 payerKey) = makeAddrAndKey("permitPayer");
        usd.mint(payer, FUNDED);
        IJobTypes.JobRequest memory r = req();
        uint256 deadline = _now() + 1 hours;
        (uint8 v, bytes32 rr, bytes32 s) = vm.sign(
            payerKey,
            permitDigest(usd, payer, address(market), FUNDED, deadline)
        );
        IJobTypes.JobParams memory p = paramsFor(payer, payer, r);

        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.JobCreated(1, payer, payer, p, FUNDED);
        vm.prank(payer);
        uint256 jobId = market.createJobWithPermit(r, deadline, v, rr, s);

        assertEq(jobId, 1);
        assertEq(usd.balanceOf(payer), 0);
        assertEq(usd.balanceOf(address(market)), FUNDED);
        assertEq(usd.allowance(payer, address(market)), 0, "permit allowance used up");
        assertEq(usd.nonces(payer), 1);
        assertEq(market.commitment(jobId), keccak256(abi.encode(p)));
    }

    function test_createJobWithPermit_frontRunPermitStillWorks() public {
        (address payer, uint256 payerKey) = makeAddrAndKey("permitPayer");
        usd.mint(payer, FUNDED);
        IJobTypes.JobRequest memory r = req();
        uint256 deadline = _now() + 1 hours;
        (uint8 v, bytes32 rr, bytes32 s) = vm.sign(
            payerKey,
            permitDigest(usd, payer, address(market), FUNDED, deadline)
        );

        // An observer submits the permit first: the market's own permit call now fails, the allowance is there.
        vm.prank(keeper);
        usd.permit(payer, address(market), FUNDED, deadline, v, rr, s);
        assertEq(usd.allowance(payer, address(market)), FUNDED);

        vm.prank(payer);
        uint256 jobId = market.createJobWithPermit(r, deadline, v, rr, s);
        assertEq(jobId, 1);
        assertEq(usd.balanceOf(address(market)), FUNDED);
        assertEq(usd.allowance(payer, address(market)), 0);
    }

    function test_createJobWithPermit_revertsWithBadPermitAndNoAllowance() public {
        (address payer, uint256 payerKey) = makeAddrAndKey("permitPayer");
        usd.mint(payer, FUNDED);
        IJobTypes.JobRequest memory r = req();
        uint256 deadline = _now() + 1 hours;
        // Signed for a smaller value than the market asks: the permit fails and there is no allowance.
        (uint8 v, bytes32 rr, bytes32 s) = vm.sign(
            payerKey,
            permitDigest(usd, payer, address(market), FUNDED - 1, deadline)
        );
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(market), 0, FUNDED)
        );
        vm.prank(payer);
        market.createJobWithPermit(r, deadline, v, rr, s);
        assertEq(usd.balanceOf(payer), FUNDED);
        assertEq(market.parameters().jobCount, 0);
    }

    // ═════════════════════════════ cancelJob ═════════════════════════════
    function test_cancelJob_refundsPayer() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.JobClosed(
            jobId,
            IJobTypes.JobStatus.Cancelled,
            IJobTypes.CloseReason.CancelledByTenant,
            FUNDED,
            0,
            0,
            0
        );
        vm.prank(tenant);
        market.cancelJob(jobId, p);
        assertStatus(jobId, IJobTypes.JobStatus.Cancelled);
        assertEq(mbal(tenant, address(usd)), FUNDED);
        assertEq(market.heldInEscrow(jobId, p, asg(jobId)), 0);
        assertEq(usd.balanceOf(address(market)), FUNDED, "credited, not transferred");
        assertSolvent(address(usd));
    }

    function test_cancelJob_releasesBestBidderCollateral() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.prank(provider);
        market.placeBid(jobId, p, 900);
        assertEq(lockedOf(provider), COLLATERAL);

        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.JobClosed(
            jobId,
            IJobTypes.JobStatus.Cancelled,
            IJobTypes.CloseReason.CancelledByTenant,
            FUNDED,
            COLLATERAL,
            0,
            0
        );
        vm.prank(tenant);
        market.cancelJob(jobId, p);
        assertEq(lockedOf(provider), 0, "collateral released");
        assertEq(stakeOfProvider(provider), PROVIDER_STAKE, "nothing slashed");
        assertEq(mbal(tenant, address(usd)), FUNDED);
    }

    function test_cancelJob_revertsForNonTenant() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NotTenant.selector, jobId, keeper));
        vm.prank(keeper);
        market.cancelJob(jobId, p);
    }

    function test_cancelJob_revertsWhenAssigned() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.JobNotOpen.selector, jobId, IJobTypes.JobStatus.Assigned));
        vm.prank(tenant);
        market.cancelJob(jobId, p);
    }

    function test_cancelJob_revertsWhenCancelled() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.prank(tenant);
        market.cancelJob(jobId, p);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.JobNotOpen.selector, jobId, IJobTypes.JobStatus.Cancelled));
        vm.prank(tenant);
        market.cancelJob(jobId, p);
        assertEq(mbal(tenant, address(usd)), FUNDED, "refunded once");
    }

    /// @dev Status is checked before params: an unknown job is "not open" (status None).
    function test_cancelJob_revertsOnUnknownJob() public {
        (, IJobTypes.JobParams memory p) = open(req());
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.JobNotOpen.selector, 99, IJobTypes.JobStatus.None));
        vm.prank(tenant);
        market.cancelJob(99, p);
    }

    function test_cancelJob_revertsOnWrongParams() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        // A forged payer would redirect the refund: the hash check stops it.
        p.payer = alice;
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.JobParamsMismatch.selector, jobId));
        vm.prank(tenant);
        market.cancelJob(jobId, p);
    }

    // ═════════════════════════════ acceptBid ═════════════════════════════
    function test_acceptBid_assignsSignedBid() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, provider, 800, 7);
        bytes memory sig = signBid(providerKey, bid);
        uint32 deadline = uint32(_now() + p.request.deliveryWindow);

        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.JobAssigned(jobId, provider, 800, 800 * 3_600, 200 * 3_600, deadline, true);
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
        assignments[jobId] = IJobTypes.Assignment(provider, 800);

        assertStatus(jobId, IJobTypes.JobStatus.Assigned);
        // The winner and price move into the commitment; the bid view reads zeros once assigned.
        assertEq(market.commitment(jobId), assignedCommitment(p, provider, 800), "assignment committed");
        (address best, uint256 price) = market.bestBid(jobId);
        assertEq(best, address(0));
        assertEq(price, 0);
        assertEq(lockedOf(provider), COLLATERAL);
        assertEq(mbal(tenant, address(usd)), 200 * 3_600, "excess credited to payer");
        assertEq(market.heldInEscrow(jobId, p, asg(jobId)), 800 * 3_600);
        assertTrue(market.isNonceUsed(provider, 7));
        (uint8 settled, uint32 dd, uint32 vd, uint64 us, uint64 pu, uint64 pe) = market.jobProgress(jobId);
        assertEq(settled, 0);
        assertEq(dd, deadline);
        assertEq(vd, 0);
        assertEq(us, 0);
        assertEq(pu, 0);
        assertEq(pe, 0);
        assertSolvent(address(usd));
    }

    function test_acceptBid_releasesOnChainBestBidder() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.prank(provider2);
        market.placeBid(jobId, p, 900);
        assertEq(lockedOf(provider2), COLLATERAL);

        IJobTypes.Bid memory bid = makeBid(jobId, provider, 950, 1);
        bytes memory sig = signBid(providerKey, bid);
        acceptAs(p, bid, sig);

        assertEq(lockedOf(provider2), 0, "on-chain bidder released");
        assertEq(lockedOf(provider), COLLATERAL, "signer locked");
        assertEq(
            market.commitment(jobId),
            assignedCommitment(p, provider, 950),
            "signed bid won, not the on-chain one"
        );
        assertEq(mbal(tenant, address(usd)), 50 * 3_600);
    }

    function test_acceptBid_signerHoldingBestBidLocksOnce() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.prank(provider);
        market.placeBid(jobId, p, 900);
        IJobTypes.Bid memory bid = makeBid(jobId, provider, 850, 1);
        bytes memory sig = signBid(providerKey, bid);
        acceptAs(p, bid, sig);
        assertEq(lockedOf(provider), COLLATERAL, "not locked twice");
        assertEq(market.commitment(jobId), assignedCommitment(p, provider, 850));
        // Completing the job releases the single lock exactly.
        settleWith(jobId, p, submit(jobId, p, 0, 100, 1, true));
        assertEq(lockedOf(provider), 0);
    }

    function test_acceptBid_revertsForNonTenant() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, provider, 800, 1);
        bytes memory sig = signBid(providerKey, bid);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NotTenant.selector, jobId, keeper));
        vm.prank(keeper);
        market.acceptBid(p, bid, sig);
    }

    function test_acceptBid_revertsWhenNotOpen() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 900);
        IJobTypes.Bid memory bid = makeBid(jobId, provider2, 800, 1);
        bytes memory sig = signBid(provider2Key, bid);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.JobNotOpen.selector, jobId, IJobTypes.JobStatus.Assigned));
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
    }

    function test_acceptBid_revertsWhenExpired() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, provider, 800, 1);
        bytes memory sig = signBid(providerKey, bid);
        vm.warp(uint256(bid.expiry) + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.BidExpired.selector, uint256(bid.expiry), uint256(bid.expiry) + 1)
        );
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
    }

    function test_acceptBid_acceptsAtExactExpiry() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, provider, 800, 1);
        bytes memory sig = signBid(providerKey, bid);
        vm.warp(bid.expiry);
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
        assertStatus(jobId, IJobTypes.JobStatus.Assigned);
    }

    function test_acceptBid_revertsAboveMax() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, provider, 1_001, 1);
        bytes memory sig = signBid(providerKey, bid);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.BidAboveMax.selector, jobId, 1_001, 1_000));
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
    }

    function test_acceptBid_revertsOnZeroPrice() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, provider, 0, 1);
        bytes memory sig = signBid(providerKey, bid);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidPrice.selector, 0));
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
    }

    function test_acceptBid_revertsOnWrongSigner() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, provider, 800, 1);
        bytes memory sig = signBid(provider2Key, bid);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidBidSignature.selector, provider));
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
        assertFalse(market.isNonceUsed(provider, 1), "nonce untouched by a failed call");
    }

    function test_acceptBid_revertsOnReusedNonce() public {
        (uint256 jobA, IJobTypes.JobParams memory pA) = open(req());
        (uint256 jobB, IJobTypes.JobParams memory pB) = open(req());
        IJobTypes.Bid memory bidA = makeBid(jobA, provider, 800, 42);
        IJobTypes.Bid memory bidB = makeBid(jobB, provider, 800, 42);
        bytes memory sigA = signBid(providerKey, bidA);
        bytes memory sigB = signBid(providerKey, bidB);
        vm.prank(tenant);
        market.acceptBid(pA, bidA, sigA);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NonceUsed.selector, provider, 42));
        vm.prank(tenant);
        market.acceptBid(pB, bidB, sigB);
    }

    /// @dev The job id comes from the bid, so a bid for job A passed with job B's params fails the params check.
    function test_acceptBid_bidForOtherJobHitsParamsCheck() public {
        (uint256 jobA, ) = open(req());
        IJobTypes.JobRequest memory rB = req();
        rB.specHash = keccak256("another workload");
        (, IJobTypes.JobParams memory pB) = open(rB);
        IJobTypes.Bid memory bidA = makeBid(jobA, provider, 800, 1);
        bytes memory sigA = signBid(providerKey, bidA);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.JobParamsMismatch.selector, jobA));
        vm.prank(tenant);
        market.acceptBid(pB, bidA, sigA);
    }

    /// @dev A tenant who rewrites the job id of a signed bid breaks its signature.
    function test_acceptBid_retargetedBidFailsSignature() public {
        (uint256 jobA, ) = open(req());
        (uint256 jobB, IJobTypes.JobParams memory pB) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobA, provider, 800, 1);
        bytes memory sig = signBid(providerKey, bid);
        bid.jobId = jobB;
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidBidSignature.selector, provider));
        vm.prank(tenant);
        market.acceptBid(pB, bid, sig);
    }

    /// @dev Once bidding is over, an on-chain best bid is binding: the tenant cannot swap it for a signed bid.
    function test_acceptBid_revertsAfterBiddingEndWithOnChainBid() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.prank(provider2);
        market.placeBid(jobId, p, 900);
        vm.warp(p.request.biddingEnd);
        IJobTypes.Bid memory bid = makeBid(jobId, provider, 800, 1);
        bytes memory sig = signBid(providerKey, bid);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.BiddingClosed.selector, jobId, p.request.biddingEnd));
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
        // Still refused later on; nothing moved.
        vm.warp(uint256(p.request.biddingEnd) + 1 days);
        bid = makeBid(jobId, provider, 800, 2);
        sig = signBid(providerKey, bid);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.BiddingClosed.selector, jobId, p.request.biddingEnd));
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
        assertFalse(market.isNonceUsed(provider, 1));
        assertEq(lockedOf(provider), 0);
        assertEq(lockedOf(provider2), COLLATERAL);
        // The on-chain winner is awarded instead.
        awardNow(jobId, p);
        assertEq(market.commitment(jobId), assignedCommitment(p, provider2, 900));
        assertEq(mbal(tenant, address(usd)), 100 * 3_600);
    }

    /// @dev With no on-chain bid, a signed bid can still fill the job after bidding (until someone expires it).
    function test_acceptBid_afterBiddingEndWithoutOnChainBid() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.warp(uint256(p.request.biddingEnd) + 1 days);
        IJobTypes.Bid memory bid = makeBid(jobId, provider, 800, 1);
        bytes memory sig = signBid(providerKey, bid);
        uint32 deadline = uint32(_now() + p.request.deliveryWindow);
        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.JobAssigned(jobId, provider, 800, 800 * 3_600, 200 * 3_600, deadline, true);
        acceptAs(p, bid, sig);
        assertStatus(jobId, IJobTypes.JobStatus.Assigned);
        assertEq(market.commitment(jobId), assignedCommitment(p, provider, 800));
        assertEq(deliveryDeadlineOf(jobId), deadline);
        assertEq(lockedOf(provider), COLLATERAL);
        assertEq(mbal(tenant, address(usd)), 200 * 3_600);
        assertTrue(market.isNonceUsed(provider, 1));
        assertSolvent(address(usd));
    }

    function test_acceptBid_revertsWhenSignerNotRegistered() public {
        (address stranger, uint256 strangerKey) = makeAddrAndKey("stranger");
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, stranger, 800, 1);
        bytes memory sig = signBid(strangerKey, bid);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.NotRegistered.selector, stranger));
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
    }

    // ═════════════════════════════ placeBid ═════════════════════════════
    function test_placeBid_firstBidLocksCollateral() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.BidPlaced(jobId, provider, 900, address(0));
        vm.prank(provider);
        market.placeBid(jobId, p, 900);
        (address best, uint256 price) = market.bestBid(jobId);
        assertEq(best, provider);
        assertEq(price, 900);
        assertEq(lockedOf(provider), COLLATERAL);
        assertEq(registry.freeStake(provider), PROVIDER_STAKE - COLLATERAL);
        assertStatus(jobId, IJobTypes.JobStatus.Open);
        assertEq(market.heldInEscrow(jobId, p, asg(jobId)), FUNDED, "escrow unchanged while open");
    }

    function test_placeBid_lowerBidReplacesAndReleases() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.prank(provider);
        market.placeBid(jobId, p, 900);

        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.BidPlaced(jobId, provider2, 899, provider);
        vm.prank(provider2);
        market.placeBid(jobId, p, 899);

        (address best, uint256 price) = market.bestBid(jobId);
        assertEq(best, provider2);
        assertEq(price, 899);
        assertEq(lockedOf(provider), 0, "outbid collateral released");
        assertEq(lockedOf(provider2), COLLATERAL);
    }

    function test_placeBid_tieKeepsEarlierBid() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.prank(provider);
        market.placeBid(jobId, p, 900);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.BidNotBetter.selector, jobId, 900, 900));
        vm.prank(provider2);
        market.placeBid(jobId, p, 900);
        (address best, ) = market.bestBid(jobId);
        assertEq(best, provider);
        assertEq(lockedOf(provider2), 0);
    }

    function test_placeBid_revertsWhenHigher() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.prank(provider);
        market.placeBid(jobId, p, 900);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.BidNotBetter.selector, jobId, 950, 900));
        vm.prank(provider2);
        market.placeBid(jobId, p, 950);
        // The best bidder cannot raise its own bid either.
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.BidNotBetter.selector, jobId, 901, 900));
        vm.prank(provider);
        market.placeBid(jobId, p, 901);
    }

    function test_placeBid_sameProviderLowersWithoutDoubleLock() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.prank(provider);
        market.placeBid(jobId, p, 900);
        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.BidPlaced(jobId, provider, 800, provider);
        vm.prank(provider);
        market.placeBid(jobId, p, 800);
        (address best, uint256 price) = market.bestBid(jobId);
        assertEq(best, provider);
        assertEq(price, 800);
        assertEq(lockedOf(provider), COLLATERAL, "locked once");
    }

    function test_placeBid_revertsAtBiddingEnd() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.warp(p.request.biddingEnd);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.BiddingClosed.selector, jobId, p.request.biddingEnd));
        vm.prank(provider);
        market.placeBid(jobId, p, 900);
    }

    function test_placeBid_acceptsOneSecondBeforeBiddingEnd() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.warp(p.request.biddingEnd - 1);
        vm.prank(provider);
        market.placeBid(jobId, p, 900);
        (address best, ) = market.bestBid(jobId);
        assertEq(best, provider);
    }

    function test_placeBid_revertsAboveMax() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.BidAboveMax.selector, jobId, 1_001, 1_000));
        vm.prank(provider);
        market.placeBid(jobId, p, 1_001);
    }

    function test_placeBid_revertsOnZeroPrice() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidPrice.selector, 0));
        vm.prank(provider);
        market.placeBid(jobId, p, 0);
    }

    function test_placeBid_revertsWhenNotOpen() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.prank(tenant);
        market.cancelJob(jobId, p);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.JobNotOpen.selector, jobId, IJobTypes.JobStatus.Cancelled));
        vm.prank(provider);
        market.placeBid(jobId, p, 900);
    }

    function test_placeBid_revertsOnWrongParams() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        // Lying about the collateral would lock less than the job demands.
        p.request.collateral = 1;
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.JobParamsMismatch.selector, jobId));
        vm.prank(provider);
        market.placeBid(jobId, p, 900);
    }

    function test_placeBid_revertsWhenRequirementsNotMet() public {
        IJobTypes.JobRequest memory r = req();
        r.requirements.minGpuCount = 16; // providers have 8
        (uint256 jobId, IJobTypes.JobParams memory p) = open(r);
        vm.expectRevert(
            abi.encodeWithSelector(IProviderRegistry.RequirementsNotMet.selector, provider, r.requirements)
        );
        vm.prank(provider);
        market.placeBid(jobId, p, 900);
    }

    function test_placeBid_revertsWhenCarbonCapExceeded() public {
        IJobTypes.JobRequest memory r = req();
        r.requirements.maxCarbonIntensity = 199; // providers declare 200
        (uint256 jobId, IJobTypes.JobParams memory p) = open(r);
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.CarbonIntensityTooHigh.selector, provider, 200, 199));
        vm.prank(provider);
        market.placeBid(jobId, p, 900);
    }

    function test_placeBid_revertsWithoutFreeStake() public {
        IJobTypes.JobRequest memory r = req();
        r.collateral = uint128(PROVIDER_STAKE + 1);
        (uint256 jobId, IJobTypes.JobParams memory p) = open(r);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProviderRegistry.InsufficientFreeStake.selector,
                provider,
                PROVIDER_STAKE,
                PROVIDER_STAKE + 1
            )
        );
        vm.prank(provider);
        market.placeBid(jobId, p, 900);
    }

    function test_placeBid_revertsForUnregistered() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.expectRevert(abi.encodeWithSelector(IProviderRegistry.NotRegistered.selector, alice));
        vm.prank(alice);
        market.placeBid(jobId, p, 900);
    }

    // ═════════════════════════════ submitProof ═════════════════════════════
    function test_submitProof_recordsPendingProof() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        uint32 dd = deliveryDeadlineOf(jobId);
        bytes32 root = keccak256("root");
        uint32 vd = uint32(_now() + VERIFY_WINDOW);

        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.ProofSubmitted(jobId, 0, provider, root, 3_000, 5_000, vd);
        vm.prank(provider);
        market.submitProof(jobId, p, asg(jobId), 0, root, 3_000, 5_000);

        (uint8 settled, uint32 d, uint32 v, uint64 us, uint64 pu, uint64 pe) = market.jobProgress(jobId);
        assertEq(settled, 0);
        assertEq(d, dd, "delivery deadline unchanged");
        assertEq(v, vd);
        assertEq(us, 0);
        assertEq(pu, 3_000);
        assertEq(pe, 5_000);
    }

    function test_submitProof_revertsWhenOpen() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.JobNotAssigned.selector, jobId, IJobTypes.JobStatus.Open));
        vm.prank(provider);
        market.submitProof(jobId, p, asg(jobId), 0, bytes32(0), 1, 1);
    }

    function test_submitProof_revertsForOtherProvider() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NotAssignedProvider.selector, jobId, provider2));
        vm.prank(provider2);
        market.submitProof(jobId, p, asg(jobId), 0, bytes32(0), 1, 1);
    }

    function test_submitProof_revertsOnForgedAssignment() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        // provider2 names itself as the winner: the commitment check refuses it.
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.JobParamsMismatch.selector, jobId));
        vm.prank(provider2);
        market.submitProof(jobId, p, IJobTypes.Assignment(provider2, 800), 0, bytes32(0), 1, 1);
    }

    function test_submitProof_revertsWhileProofPending() public {
        IJobTypes.JobRequest memory r = req();
        r.milestones = 2;
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(r, 800);
        submit(jobId, p, 0, 100, 1, true);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.ProofPending.selector, jobId, uint8(0)));
        vm.prank(provider);
        market.submitProof(jobId, p, asg(jobId), 1, bytes32(0), 100, 1);
    }

    function test_submitProof_revertsOnWrongMilestone() public {
        IJobTypes.JobRequest memory r = req();
        r.milestones = 3;
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(r, 800);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.WrongMilestone.selector, jobId, uint8(0), uint8(1)));
        vm.prank(provider);
        market.submitProof(jobId, p, asg(jobId), 1, bytes32(0), 100, 1);
    }

    function test_submitProof_revertsAfterDeliveryDeadline() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        uint32 dd = deliveryDeadlineOf(jobId);
        vm.warp(uint256(dd) + 1);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.DeliveryDeadlinePassed.selector, jobId, dd));
        vm.prank(provider);
        market.submitProof(jobId, p, asg(jobId), 0, bytes32(0), 100, 1);
    }

    function test_submitProof_acceptsAtDeliveryDeadline() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        vm.warp(deliveryDeadlineOf(jobId));
        submit(jobId, p, 0, 100, 1, true);
        assertEq(verifyDeadlineOf(jobId), uint32(_now() + VERIFY_WINDOW));
    }

    function test_submitProof_revertsOnZeroUnits() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidUnits.selector, uint64(0)));
        vm.prank(provider);
        market.submitProof(jobId, p, asg(jobId), 0, bytes32(0), 0, 1);
    }

    function test_submitProof_revertsWhenUnitsExceedMax() public {
        IJobTypes.JobRequest memory r = req();
        r.milestones = 2;
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(r, 800);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.UnitsExceedMax.selector, jobId, 3_601, uint64(3_600)));
        vm.prank(provider);
        market.submitProof(jobId, p, asg(jobId), 0, bytes32(0), 3_601, 1);

        // Across milestones: the running total counts.
        settleWith(jobId, p, submit(jobId, p, 0, 3_000, 1, true));
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.UnitsExceedMax.selector, jobId, 3_601, uint64(3_600)));
        vm.prank(provider);
        market.submitProof(jobId, p, asg(jobId), 1, bytes32(0), 601, 1);
    }

    function test_submitProof_revertsWhenEnergyTooLarge() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        uint64 tooMuch = uint64(type(uint48).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.EnergyTooLarge.selector, tooMuch));
        vm.prank(provider);
        market.submitProof(jobId, p, asg(jobId), 0, bytes32(0), 100, tooMuch);
        // The largest storable value is fine.
        submit(jobId, p, 0, 100, type(uint48).max, true);
    }

    // ═════════════════════════════ invalidateNonces ═════════════════════════════
    function test_invalidateNonces_setsBitsCumulatively() public {
        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.NoncesInvalidated(provider, 1, (1 << 3) | (1 << 255));
        vm.prank(provider);
        market.invalidateNonces(1, (1 << 3) | (1 << 255));
        assertTrue(market.isNonceUsed(provider, 256 + 3));
        assertTrue(market.isNonceUsed(provider, 256 + 255));
        assertFalse(market.isNonceUsed(provider, 3));
        assertFalse(market.isNonceUsed(provider, 256 + 4));
        assertFalse(market.isNonceUsed(provider2, 256 + 3), "per provider");

        vm.prank(provider);
        market.invalidateNonces(1, 1 << 4);
        assertTrue(market.isNonceUsed(provider, 256 + 3), "earlier bits kept");
        assertTrue(market.isNonceUsed(provider, 256 + 4));
    }

    function test_invalidateNonces_blocksSignedBid() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, provider, 800, 300);
        bytes memory sig = signBid(providerKey, bid);
        vm.prank(provider);
        market.invalidateNonces(300 >> 8, 1 << (300 & 0xff));
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NonceUsed.selector, provider, 300));
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
    }

    // ═════════════════════════════ award ═════════════════════════════
    function test_award_assignsBestBid() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.prank(provider);
        market.placeBid(jobId, p, 800);
        vm.warp(p.request.biddingEnd);
        uint32 deadline = uint32(uint256(p.request.biddingEnd) + p.request.deliveryWindow);

        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.JobAssigned(jobId, provider, 800, 800 * 3_600, 200 * 3_600, deadline, false);
        vm.prank(keeper);
        market.award(jobId, p);
        assignments[jobId] = IJobTypes.Assignment(provider, 800);

        assertStatus(jobId, IJobTypes.JobStatus.Assigned);
        assertEq(deliveryDeadlineOf(jobId), deadline);
        assertEq(mbal(tenant, address(usd)), 200 * 3_600);
        assertEq(market.heldInEscrow(jobId, p, asg(jobId)), 800 * 3_600);
        assertEq(lockedOf(provider), COLLATERAL, "still locked once");
        assertSolvent(address(usd));
    }

    function test_award_atMaxPriceRefundsNothing() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 1_000);
        assertEq(mbal(tenant, address(usd)), 0);
        assertEq(market.heldInEscrow(jobId, p, asg(jobId)), FUNDED);
    }

    function test_award_revertsBeforeBiddingEnd() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.prank(provider);
        market.placeBid(jobId, p, 800);
        vm.warp(p.request.biddingEnd - 1);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.BiddingNotEnded.selector, jobId, p.request.biddingEnd));
        market.award(jobId, p);
    }

    function test_award_revertsWithoutBid() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.warp(p.request.biddingEnd);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NoBid.selector, jobId));
        market.award(jobId, p);
    }

    function test_award_revertsWhenAlreadyAssigned() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.JobNotOpen.selector, jobId, IJobTypes.JobStatus.Assigned));
        market.award(jobId, p);
        assertEq(mbal(tenant, address(usd)), 200 * 3_600, "excess credited once");
    }

    // ═════════════════════════════ settle ═════════════════════════════
    function test_settle_acceptedPaysProviderAndFee() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        IJobTypes.WorkAttestation memory a = submit(jobId, p, 0, 3_000, 5_000, true);
        bytes memory sigs = signAttestation(a, 2);
        uint32 dd = deliveryDeadlineOf(jobId);
        uint32 epoch = market.currentEpoch();

        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.MilestoneSettled(
            jobId,
            0,
            provider,
            a.resultRoot,
            3_000,
            5_000,
            2_400_000,
            60_000,
            480_000,
            dd,
            epoch
        );
        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.JobClosed(
            jobId,
            IJobTypes.JobStatus.Completed,
            IJobTypes.CloseReason.Completed,
            480_000,
            COLLATERAL,
            0,
            0
        );
        vm.prank(keeper);
        market.settle(jobId, p, asg(jobId), a, sigs);

        assertStatus(jobId, IJobTypes.JobStatus.Completed);
        assertEq(mbal(provider, address(usd)), 2_340_000, "provider: payment - fee");
        assertEq(mbal(treasury, address(usd)), 60_000, "fee");
        assertEq(mbal(tenant, address(usd)), 720_000 + 480_000, "excess + unused units");
        assertEq(market.heldInEscrow(jobId, p, asg(jobId)), 0);
        assertEq(lockedOf(provider), 0, "collateral released");
        assertEq(stakeOfProvider(provider), PROVIDER_STAKE);
        // Units recorded for rewards, as the emitter sees them.
        assertEq(market.workOf(provider, epoch), 3_000);
        assertEq(market.totalUnits(epoch), 3_000);
        assertEq(emitter.providerUnits(provider, epoch), 3_000);
        (uint8 settled, , , uint64 us, uint64 pu, uint64 pe) = market.jobProgress(jobId);
        assertEq(settled, 1);
        assertEq(us, 3_000);
        assertEq(pu, 0);
        assertEq(pe, 0);
        assertSolvent(address(usd));
    }

    function test_settle_feeRoundsUp() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 801);
        // payment = 7 × 801 = 5,607; 5,607 × 2.5 % = 140.175 → 141 to the treasury.
        settleWith(jobId, p, submit(jobId, p, 0, 7, 1, true));
        assertEq(mbal(treasury, address(usd)), 141);
        assertEq(mbal(provider, address(usd)), 5_607 - 141);
        assertEq(mbal(tenant, address(usd)), 3_600 * 199 + 3_593 * 801);
        assertEq(mbal(tenant, address(usd)) + 5_607, FUNDED, "conservation");
    }

    function test_settle_zeroFeeJob() public {
        vm.prank(owner);
        market.setProtocolFee(0);
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        settleWith(jobId, p, submit(jobId, p, 0, 3_600, 1, true));
        assertEq(mbal(treasury, address(usd)), 0);
        assertEq(mbal(provider, address(usd)), 2_880_000);
        assertEq(mbal(tenant, address(usd)), 720_000, "no unused units to refund");
    }

    function test_settle_extendsDeliveryDeadlineByVerificationWait() public {
        IJobTypes.JobRequest memory r = req();
        r.milestones = 2;
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(r, 800);
        uint32 dd = deliveryDeadlineOf(jobId);
        vm.warp(_now() + 100);
        IJobTypes.WorkAttestation memory a = submit(jobId, p, 0, 1_000, 10, true);
        vm.warp(_now() + 5_000);
        bytes memory sigs = signAttestation(a, 2);
        uint32 epoch = market.currentEpoch();

        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.MilestoneSettled(
            jobId,
            0,
            provider,
            a.resultRoot,
            1_000,
            10,
            800_000,
            20_000,
            2_600 * 800,
            dd + 5_000,
            epoch
        );
        vm.prank(keeper);
        market.settle(jobId, p, asg(jobId), a, sigs);
        assertEq(deliveryDeadlineOf(jobId), dd + 5_000, "clock stopped while verifying");
        assertEq(verifyDeadlineOf(jobId), 0);
        assertStatus(jobId, IJobTypes.JobStatus.Assigned);
        assertEq(market.heldInEscrow(jobId, p, asg(jobId)), 2_600 * 800);
    }

    function test_settle_rejectedSlashesAndRefunds() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        IJobTypes.WorkAttestation memory a = submit(jobId, p, 0, 3_000, 5_000, false);
        bytes memory sigs = signAttestation(a, 2);
        uint256 compensation = (COLLATERAL * SLASH_PAYER_BPS) / 10_000;

        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.JobClosed(
            jobId,
            IJobTypes.JobStatus.Failed,
            IJobTypes.CloseReason.ProofRejected,
            2_880_000,
            0,
            COLLATERAL,
            compensation
        );
        vm.prank(keeper);
        market.settle(jobId, p, asg(jobId), a, sigs);

        assertStatus(jobId, IJobTypes.JobStatus.Failed);
        assertEq(mbal(tenant, address(usd)), FUNDED, "excess + all unpaid escrow");
        assertEq(mbal(provider, address(usd)), 0);
        assertEq(mbal(treasury, address(usd)), 0, "no fee on a rejected proof");
        assertEq(mbal(tenant, address(joule)), 800e18, "payer share of slash");
        assertEq(mbal(treasury, address(joule)), 200e18, "treasury share of slash");
        assertEq(joule.balanceOf(address(market)), COLLATERAL, "slash arrived in the market");
        assertEq(stakeOfProvider(provider), PROVIDER_STAKE - COLLATERAL);
        assertEq(lockedOf(provider), 0);
        assertEq(market.workOf(provider, market.currentEpoch()), 0, "no units recorded");
        assertEq(market.heldInEscrow(jobId, p, asg(jobId)), 0);
        assertSolvent(address(usd));
        assertSolvent(address(joule));
    }

    function test_settle_rejectedSecondMilestoneRefundsOnlyUnpaid() public {
        IJobTypes.JobRequest memory r = req();
        r.milestones = 2;
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(r, 800);
        settleWith(jobId, p, submit(jobId, p, 0, 1_000, 1, true));
        settleWith(jobId, p, submit(jobId, p, 1, 1_000, 1, false));
        assertStatus(jobId, IJobTypes.JobStatus.Failed);
        uint256 fee = 20_000;
        assertEq(mbal(provider, address(usd)), 800_000 - fee, "first milestone stays paid");
        assertEq(mbal(tenant, address(usd)), 720_000 + 2_600 * 800);
        assertEq(mbal(provider, address(usd)) + mbal(treasury, address(usd)) + mbal(tenant, address(usd)), FUNDED);
    }

    function test_settle_slashSplitFollowsGovernanceShare() public {
        vm.prank(owner);
        market.setSlashPayerShareBps(5_000);
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        settleWith(jobId, p, submit(jobId, p, 0, 1, 1, false));
        assertEq(mbal(tenant, address(joule)), COLLATERAL / 2);
        assertEq(mbal(treasury, address(joule)), COLLATERAL / 2);
    }

    function test_settle_revertsWhenNotAssigned() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.WorkAttestation memory a = attestation(jobId, 0, 1, 1, true);
        bytes memory sigs = signAttestation(a, 2);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.JobNotAssigned.selector, jobId, IJobTypes.JobStatus.Open));
        market.settle(jobId, p, asg(jobId), a, sigs);
    }

    function test_settle_revertsWithoutProof() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        IJobTypes.WorkAttestation memory a = attestation(jobId, 0, 1, 1, true);
        bytes memory sigs = signAttestation(a, 2);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NoProofPending.selector, jobId));
        market.settle(jobId, p, asg(jobId), a, sigs);
    }

    function test_settle_replayAfterFirstMilestone() public {
        IJobTypes.JobRequest memory r = req();
        r.milestones = 2;
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(r, 800);
        IJobTypes.WorkAttestation memory a = submit(jobId, p, 0, 1_000, 1, true);
        bytes memory sigs = signAttestation(a, 2);
        market.settle(jobId, p, asg(jobId), a, sigs);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NoProofPending.selector, jobId));
        market.settle(jobId, p, asg(jobId), a, sigs);
        assertEq(mbal(provider, address(usd)), 780_000, "paid once");
    }

    function test_settle_revertsOnAttestationMismatch() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        IJobTypes.WorkAttestation memory a = submit(jobId, p, 0, 3_000, 5_000, true);
        a.units = 3_001; // verifiers signed more units than were proven
        bytes memory sigs = signAttestation(a, 2);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.AttestationMismatch.selector, jobId, uint8(0)));
        market.settle(jobId, p, asg(jobId), a, sigs);
    }

    function test_settle_revertsOnInsufficientSignatures() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        IJobTypes.WorkAttestation memory a = submit(jobId, p, 0, 3_000, 5_000, true);
        bytes memory sigs = signAttestation(a, 1);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidAttestation.selector, jobId, uint8(0)));
        market.settle(jobId, p, asg(jobId), a, sigs);
    }

    function test_settle_revertsAfterVerificationWindow() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        IJobTypes.WorkAttestation memory a = submit(jobId, p, 0, 3_000, 5_000, true);
        bytes memory sigs = signAttestation(a, 2);
        uint32 vd = verifyDeadlineOf(jobId);
        vm.warp(uint256(vd) + 1);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.VerificationTimedOut.selector, jobId, vd));
        market.settle(jobId, p, asg(jobId), a, sigs);
    }

    function test_settle_acceptsAtVerifyDeadline() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        IJobTypes.WorkAttestation memory a = submit(jobId, p, 0, 3_000, 5_000, true);
        vm.warp(verifyDeadlineOf(jobId));
        settleWith(jobId, p, a);
        assertStatus(jobId, IJobTypes.JobStatus.Completed);
    }

    function test_settle_revertsOnWrongParams() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        IJobTypes.WorkAttestation memory a = submit(jobId, p, 0, 3_000, 5_000, true);
        bytes memory sigs = signAttestation(a, 2);
        p.feeBps = 0; // a settler cannot pick a cheaper fee
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.JobParamsMismatch.selector, jobId));
        market.settle(jobId, p, asg(jobId), a, sigs);
    }

    function test_settle_revertsOnWrongAssignment() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        IJobTypes.WorkAttestation memory a = submit(jobId, p, 0, 3_000, 5_000, true);
        bytes memory sigs = signAttestation(a, 2);
        // A settler cannot pay the provider at a lower price, nor redirect the payment to someone else.
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.JobParamsMismatch.selector, jobId));
        market.settle(jobId, p, IJobTypes.Assignment(provider, 1), a, sigs);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.JobParamsMismatch.selector, jobId));
        market.settle(jobId, p, IJobTypes.Assignment(keeper, 800), a, sigs);
    }

    // ═════════════════════════════ settleMany ═════════════════════════════
    function _twoPendingJobs() internal returns (IJobTypes.Settlement[] memory batch) {
        (uint256 a, IJobTypes.JobParams memory pa) = openAssigned(req(), 800);
        (uint256 b, IJobTypes.JobParams memory pb) = openAssigned(req(), 900);
        IJobTypes.WorkAttestation memory aa = submit(a, pa, 0, 3_000, 10, true);
        IJobTypes.WorkAttestation memory ab = submit(b, pb, 0, 2_000, 20, true);
        batch = new IJobTypes.Settlement[](2);
        batch[0] = IJobTypes.Settlement(a, pa, asg(a), aa, signAttestation(aa, 2));
        batch[1] = IJobTypes.Settlement(b, pb, asg(b), ab, signAttestation(ab, 3));
    }

    function test_settleMany_settlesSeveralJobs() public {
        IJobTypes.Settlement[] memory batch = _twoPendingJobs();
        vm.prank(keeper);
        market.settleMany(batch);
        assertStatus(batch[0].jobId, IJobTypes.JobStatus.Completed);
        assertStatus(batch[1].jobId, IJobTypes.JobStatus.Completed);
        uint256 payA = 3_000 * 800;
        uint256 payB = 2_000 * 900;
        uint256 feeA = (payA * 250) / 10_000;
        uint256 feeB = (payB * 250) / 10_000;
        assertEq(mbal(provider, address(usd)), payA - feeA + payB - feeB);
        assertEq(mbal(treasury, address(usd)), feeA + feeB);
        assertEq(mbal(tenant, address(usd)), 2 * FUNDED - payA - payB);
        assertEq(market.workOf(provider, market.currentEpoch()), 5_000);
        assertEq(lockedOf(provider), 0);
        assertSolvent(address(usd));
    }

    function test_settleMany_revertsAllWhenOneInvalid() public {
        IJobTypes.Settlement[] memory batch = _twoPendingJobs();
        batch[1].signatures = signAttestation(batch[1].attestation, 1);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidAttestation.selector, batch[1].jobId, uint8(0)));
        vm.prank(keeper);
        market.settleMany(batch);
        // The valid first settlement was rolled back too.
        assertStatus(batch[0].jobId, IJobTypes.JobStatus.Assigned);
        assertGt(verifyDeadlineOf(batch[0].jobId), 0, "proof still pending");
        assertEq(mbal(provider, address(usd)), 0);
        assertEq(lockedOf(provider), 2 * COLLATERAL);
    }

    function test_settleMany_revertsOnEmptyBatch() public {
        vm.expectRevert(IJobMarket.EmptyBatch.selector);
        market.settleMany(new IJobTypes.Settlement[](0));
    }

    // ═════════════════════════════ expire ═════════════════════════════
    function test_expire_openJobBeforeBiddingEnd() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.warp(p.request.biddingEnd - 1);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NothingToExpire.selector, jobId, IJobTypes.JobStatus.Open));
        market.expire(jobId, p, asg(jobId));
    }

    function test_expire_noBidsRefundsAll() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.warp(p.request.biddingEnd);
        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.JobClosed(jobId, IJobTypes.JobStatus.Expired, IJobTypes.CloseReason.NoBids, FUNDED, 0, 0, 0);
        vm.prank(keeper);
        market.expire(jobId, p, asg(jobId));
        assertStatus(jobId, IJobTypes.JobStatus.Expired);
        assertEq(mbal(tenant, address(usd)), FUNDED);
        assertEq(market.heldInEscrow(jobId, p, asg(jobId)), 0);
        assertSolvent(address(usd));
    }

    function test_expire_openJobWithBid() public {
        // A binding bid with locked collateral is awarded, never expired.
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.prank(provider);
        market.placeBid(jobId, p, 800);
        vm.warp(uint256(p.request.biddingEnd) + 30 days);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NothingToExpire.selector, jobId, IJobTypes.JobStatus.Open));
        market.expire(jobId, p, asg(jobId));
        awardNow(jobId, p);
        assertStatus(jobId, IJobTypes.JobStatus.Assigned);
    }

    function test_expire_deliveryMissed() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        uint32 dd = deliveryDeadlineOf(jobId);
        vm.warp(dd);
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.NothingToExpire.selector, jobId, IJobTypes.JobStatus.Assigned)
        );
        market.expire(jobId, p, asg(jobId));

        vm.warp(uint256(dd) + 1);
        uint256 compensation = (COLLATERAL * SLASH_PAYER_BPS) / 10_000;
        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.JobClosed(
            jobId,
            IJobTypes.JobStatus.Failed,
            IJobTypes.CloseReason.DeliveryMissed,
            2_880_000,
            0,
            COLLATERAL,
            compensation
        );
        vm.prank(keeper);
        market.expire(jobId, p, asg(jobId));
        assertStatus(jobId, IJobTypes.JobStatus.Failed);
        assertEq(mbal(tenant, address(usd)), FUNDED);
        assertEq(mbal(tenant, address(joule)), compensation);
        assertEq(mbal(treasury, address(joule)), COLLATERAL - compensation);
        assertEq(stakeOfProvider(provider), PROVIDER_STAKE - COLLATERAL);
        assertEq(lockedOf(provider), 0);
        assertSolvent(address(usd));
        assertSolvent(address(joule));
    }

    function test_expire_deliveryMissedAfterFirstMilestone() public {
        IJobTypes.JobRequest memory r = req();
        r.milestones = 2;
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(r, 800);
        settleWith(jobId, p, submit(jobId, p, 0, 1_000, 1, true));
        vm.warp(uint256(deliveryDeadlineOf(jobId)) + 1);
        market.expire(jobId, p, asg(jobId));
        assertStatus(jobId, IJobTypes.JobStatus.Failed);
        assertEq(mbal(tenant, address(usd)), 720_000 + 2_600 * 800, "only the unpaid part");
        assertEq(mbal(provider, address(usd)), 780_000, "earned milestone kept");
    }

    function test_expire_verificationTimeout() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        submit(jobId, p, 0, 3_000, 5_000, true);
        uint32 vd = verifyDeadlineOf(jobId);
        vm.warp(vd);
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.NothingToExpire.selector, jobId, IJobTypes.JobStatus.Assigned)
        );
        market.expire(jobId, p, asg(jobId));

        vm.warp(uint256(vd) + 1);
        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.JobClosed(
            jobId,
            IJobTypes.JobStatus.Expired,
            IJobTypes.CloseReason.VerificationTimeout,
            2_880_000,
            COLLATERAL,
            0,
            0
        );
        vm.prank(keeper);
        market.expire(jobId, p, asg(jobId));
        assertStatus(jobId, IJobTypes.JobStatus.Expired);
        assertEq(mbal(tenant, address(usd)), FUNDED);
        assertEq(mbal(tenant, address(joule)), 0, "no slash");
        assertEq(stakeOfProvider(provider), PROVIDER_STAKE, "stake intact");
        assertEq(lockedOf(provider), 0, "collateral released");
        (, , uint32 v, , uint64 pu, uint64 pe) = market.jobProgress(jobId);
        assertEq(v, 0, "pending proof cleared");
        assertEq(pu, 0);
        assertEq(pe, 0);
        assertSolvent(address(usd));
    }

    function test_expire_pendingProofPastDeliveryDeadline() public {
        // While verifiers work, the delivery deadline does not run out: only the verify deadline counts.
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        uint32 dd = deliveryDeadlineOf(jobId);
        vm.warp(dd);
        submit(jobId, p, 0, 3_000, 5_000, true);
        vm.warp(uint256(dd) + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.NothingToExpire.selector, jobId, IJobTypes.JobStatus.Assigned)
        );
        market.expire(jobId, p, asg(jobId));
    }

    function test_expire_revertsOnTerminalJobs() public {
        (uint256 done, IJobTypes.JobParams memory pDone) = openAssigned(req(), 800);
        settleWith(done, pDone, submit(done, pDone, 0, 1, 1, true));
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.NothingToExpire.selector, done, IJobTypes.JobStatus.Completed)
        );
        market.expire(done, pDone, asg(done));

        (uint256 cancelled, IJobTypes.JobParams memory pC) = open(req());
        vm.prank(tenant);
        market.cancelJob(cancelled, pC);
        vm.warp(uint256(pC.request.biddingEnd) + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.NothingToExpire.selector, cancelled, IJobTypes.JobStatus.Cancelled)
        );
        market.expire(cancelled, pC, asg(cancelled));

        (uint256 expired, IJobTypes.JobParams memory pE) = open(req());
        vm.warp(pE.request.biddingEnd);
        market.expire(expired, pE, asg(expired));
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.NothingToExpire.selector, expired, IJobTypes.JobStatus.Expired)
        );
        market.expire(expired, pE, asg(expired));

        (uint256 failed, IJobTypes.JobParams memory pF) = openAssigned(req(), 800);
        vm.warp(uint256(deliveryDeadlineOf(failed)) + 1);
        market.expire(failed, pF, asg(failed));
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.NothingToExpire.selector, failed, IJobTypes.JobStatus.Failed)
        );
        market.expire(failed, pF, asg(failed));
    }

    function test_expire_revertsOnWrongAssignment() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        vm.warp(uint256(deliveryDeadlineOf(jobId)) + 1);
        // A lower price would shrink the refund; another provider would be slashed instead.
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.JobParamsMismatch.selector, jobId));
        market.expire(jobId, p, IJobTypes.Assignment(provider, 1));
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.JobParamsMismatch.selector, jobId));
        market.expire(jobId, p, IJobTypes.Assignment(provider2, 800));
        assertEq(stakeOfProvider(provider2), PROVIDER_STAKE);
    }

    function test_expire_openJobIgnoresAssignment() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.warp(p.request.biddingEnd);
        market.expire(jobId, p, IJobTypes.Assignment(provider, 123));
        assertStatus(jobId, IJobTypes.JobStatus.Expired);
        assertEq(stakeOfProvider(provider), PROVIDER_STAKE);
    }

    // ═════════════════════════════ withdraw ═════════════════════════════
    function _tenantWithBalance() internal returns (uint256 jobId) {
        IJobTypes.JobParams memory p;
        (jobId, p) = open(req());
        vm.prank(tenant);
        market.cancelJob(jobId, p);
    }

    function test_withdraw_partialThenRest() public {
        _tenantWithBalance();
        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.Withdrawn(tenant, address(usd), 1_000_000);
        vm.prank(tenant);
        market.withdraw(address(usd), 1_000_000, alice);
        assertEq(usd.balanceOf(alice), 1_000_000);
        assertEq(mbal(tenant, address(usd)), FUNDED - 1_000_000);
        assertEq(usd.balanceOf(address(market)), FUNDED - 1_000_000);

        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.Withdrawn(tenant, address(usd), FUNDED - 1_000_000);
        vm.prank(tenant);
        market.withdraw(address(usd), FUNDED - 1_000_000, tenant);
        assertEq(mbal(tenant, address(usd)), 0);
        assertEq(usd.balanceOf(address(market)), 0);
    }

    function test_withdraw_revertsAboveBalance() public {
        _tenantWithBalance();
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.InsufficientBalance.selector, tenant, address(usd), FUNDED, FUNDED + 1)
        );
        vm.prank(tenant);
        market.withdraw(address(usd), FUNDED + 1, tenant);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InsufficientBalance.selector, alice, address(usd), 0, 1));
        vm.prank(alice);
        market.withdraw(address(usd), 1, alice);
    }

    function test_withdraw_revertsOnZeroAmount() public {
        _tenantWithBalance();
        vm.expectRevert(IJobMarket.ZeroAmount.selector);
        vm.prank(tenant);
        market.withdraw(address(usd), 0, tenant);
    }

    function test_withdraw_revertsOnZeroRecipient() public {
        _tenantWithBalance();
        vm.expectRevert(IJobMarket.ZeroAddress.selector);
        vm.prank(tenant);
        market.withdraw(address(usd), 1, address(0));
    }

    function test_withdraw_slashedJouleByTreasury() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        vm.warp(uint256(deliveryDeadlineOf(jobId)) + 1);
        market.expire(jobId, p, asg(jobId));
        vm.prank(treasury);
        market.withdraw(address(joule), 200e18, treasury);
        assertEq(joule.balanceOf(treasury), 200e18);
        vm.prank(tenant);
        market.withdraw(address(joule), 800e18, tenant);
        assertEq(joule.balanceOf(tenant), 800e18);
        assertEq(joule.balanceOf(address(market)), 0);
    }

    // ═════════════════════════════ claim ═════════════════════════════
    function test_claim_severalTokensAndEpochs() public {
        // Epoch 0: a usd job; epoch 1: an eur job. The provider is the only worker in both.
        (uint256 a, IJobTypes.JobParams memory pa) = openAssigned(req(), 800);
        settleWith(a, pa, submit(a, pa, 0, 3_000, 1, true));
        uint32 epochA = market.currentEpoch();
        vm.warp(uint256(emitter.genesis()) + EPOCH);
        IJobTypes.JobRequest memory r = req();
        r.token = address(eur);
        (uint256 b, IJobTypes.JobParams memory pb) = openAssigned(r, 500);
        settleWith(b, pb, submit(b, pb, 0, 2_000, 1, true));
        uint32 epochB = market.currentEpoch();
        assertEq(epochA, 0);
        assertEq(epochB, 1);
        vm.warp(uint256(emitter.genesis()) + 2 * EPOCH);

        uint256 usdDue = 2_400_000 - 60_000;
        uint256 eurDue = 1_000_000 - 25_000;
        address[] memory tokens = new address[](2);
        tokens[0] = address(usd);
        tokens[1] = address(eur);
        uint32[] memory epochs = new uint32[](2);
        epochs[0] = epochA;
        epochs[1] = epochB;

        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.Withdrawn(provider, address(usd), usdDue);
        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.Withdrawn(provider, address(eur), eurDue);
        vm.expectEmit(true, true, true, true, address(emitter));
        emit IRewardEmitter.RewardClaimed(provider, epochA, alice, EMISSION);
        vm.expectEmit(true, true, true, true, address(emitter));
        emit IRewardEmitter.RewardClaimed(provider, epochB, alice, EMISSION);
        vm.prank(provider);
        market.claim(tokens, epochs, alice);

        assertEq(usd.balanceOf(alice), usdDue);
        assertEq(eur.balanceOf(alice), eurDue);
        assertEq(joule.balanceOf(alice), 2 * EMISSION, "rewards minted to the recipient");
        assertEq(mbal(provider, address(usd)), 0);
        assertEq(mbal(provider, address(eur)), 0);
        assertTrue(emitter.isClaimed(provider, epochA));
        assertTrue(emitter.isClaimed(provider, epochB));
        assertSolvent(address(usd));
        assertSolvent(address(eur));
    }

    function test_claim_skipsEmptyBalances() public {
        _tenantWithBalance();
        address[] memory tokens = new address[](3);
        tokens[0] = address(eur); // nothing here
        tokens[1] = address(usd);
        tokens[2] = address(usd); // duplicate: already emptied, skipped
        vm.recordLogs();
        vm.prank(tenant);
        market.claim(tokens, new uint32[](0), alice);
        assertEq(usd.balanceOf(alice), FUNDED);
        assertEq(mbal(tenant, address(usd)), 0);
        // Exactly one Withdrawn event: empty balances are skipped silently.
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 withdrawn;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(market) && logs[i].topics[0] == IJobMarket.Withdrawn.selector) ++withdrawn;
        }
        assertEq(withdrawn, 1, "one Withdrawn event");
    }

    function test_claim_rewardsOnly() public {
        (uint256 a, IJobTypes.JobParams memory pa) = openAssigned(req(), 800);
        settleWith(a, pa, submit(a, pa, 0, 3_000, 1, true));
        vm.warp(uint256(emitter.genesis()) + EPOCH);
        uint32[] memory epochs = new uint32[](1);
        vm.prank(provider);
        market.claim(new address[](0), epochs, provider);
        assertEq(joule.balanceOf(provider), EMISSION);
        assertEq(mbal(provider, address(usd)), 2_340_000, "payment untouched");
    }

    function test_claim_revertsOnEpochNotEnded() public {
        (uint256 a, IJobTypes.JobParams memory pa) = openAssigned(req(), 800);
        settleWith(a, pa, submit(a, pa, 0, 3_000, 1, true));
        uint32[] memory epochs = new uint32[](1);
        vm.expectRevert(abi.encodeWithSelector(IRewardEmitter.EpochNotEnded.selector, uint32(0), uint32(0)));
        vm.prank(provider);
        market.claim(new address[](0), epochs, provider);
    }

    function test_claim_revertsOnEmptyBatch() public {
        vm.expectRevert(IJobMarket.EmptyBatch.selector);
        vm.prank(tenant);
        market.claim(new address[](0), new uint32[](0), tenant);
    }

    function test_claim_revertsOnZeroRecipient() public {
        address[] memory tokens = new address[](1);
        tokens[0] = address(usd);
        vm.expectRevert(IJobMarket.ZeroAddress.selector);
        vm.prank(tenant);
        market.claim(tokens, new uint32[](0), address(0));
    }

    // ═════════════════════════════ governance ═════════════════════════════
    function test_setAllowedToken_togglesAndEmits() public {
        MockERC20 gbp = new MockERC20("Mock GBP", "mGBP", 6);
        assertFalse(tokenAllowed(address(gbp)));
        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.TokenAllowed(address(gbp), true);
        vm.prank(owner);
        market.setAllowedToken(address(gbp), true);
        assertTrue(tokenAllowed(address(gbp)));
        assertFalse(verifierAllowed(address(gbp)), "token list only");
        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.TokenAllowed(address(usd), false);
        vm.prank(owner);
        market.setAllowedToken(address(usd), false);
        assertFalse(tokenAllowed(address(usd)));
        IJobTypes.JobRequest memory r = req();
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.TokenNotAllowed.selector, address(usd)));
        vm.prank(tenant);
        market.createJob(r);
    }

    function test_setAllowedToken_delistingKeepsLiveJobsWorking() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        vm.prank(owner);
        market.setAllowedToken(address(usd), false);
        settleWith(jobId, p, submit(jobId, p, 0, 3_000, 1, true));
        vm.prank(provider);
        market.withdraw(address(usd), 2_340_000, provider);
        assertEq(usd.balanceOf(provider), 2_340_000);
    }

    /// @dev A token address without code (the zero address, an EOA, a typo) cannot be listed: calls to it would
    /// "succeed" with no effect.
    function test_setAllowedToken_revertsOnAddressWithoutCode() public {
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NotAContract.selector, address(0)));
        vm.prank(owner);
        market.setAllowedToken(address(0), true);
        assertEq(alice.code.length, 0);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NotAContract.selector, alice));
        vm.prank(owner);
        market.setAllowedToken(alice, true);
        // Delisting goes through the same check.
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NotAContract.selector, alice));
        vm.prank(owner);
        market.setAllowedToken(alice, false);
        assertFalse(tokenAllowed(alice));
        assertFalse(tokenAllowed(address(0)));
    }

    function test_setAllowedToken_onlyOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, keeper));
        vm.prank(keeper);
        market.setAllowedToken(alice, true);
    }

    function test_setAllowedVerifier_togglesAndEmits() public {
        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.VerifierAllowed(address(verifier), false);
        vm.prank(owner);
        market.setAllowedVerifier(address(verifier), false);
        assertFalse(verifierAllowed(address(verifier)));
        vm.prank(owner);
        market.setAllowedVerifier(alice, true);
        assertTrue(verifierAllowed(alice));
    }

    function test_setAllowedVerifier_revertsOnZeroAddress() public {
        vm.expectRevert(IJobMarket.ZeroAddress.selector);
        vm.prank(owner);
        market.setAllowedVerifier(address(0), true);
    }

    function test_setAllowedVerifier_onlyOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, keeper));
        vm.prank(keeper);
        market.setAllowedVerifier(alice, true);
    }

    function test_setProtocolFee_bounds() public {
        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.ProtocolFeeUpdated(FEE_BPS, 1_000);
        vm.prank(owner);
        market.setProtocolFee(1_000);
        assertEq(uint256(market.parameters().feeBps), 1_000);
        vm.prank(owner);
        market.setProtocolFee(0);
        assertEq(uint256(market.parameters().feeBps), 0);
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.ParameterOutOfBounds.selector, bytes32("feeBps"), 1_001, 0, 1_000)
        );
        vm.prank(owner);
        market.setProtocolFee(1_001);
    }

    function test_setProtocolFee_onlyOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, keeper));
        vm.prank(keeper);
        market.setProtocolFee(0);
    }

    function test_setProtocolFee_doesNotChangeLiveJobs() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        vm.prank(owner);
        market.setProtocolFee(1_000);
        settleWith(jobId, p, submit(jobId, p, 0, 3_000, 1, true));
        assertEq(mbal(treasury, address(usd)), 60_000, "fee fixed at creation (2.5 %)");
    }

    function test_setVerificationWindow_bounds() public {
        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.VerificationWindowUpdated(VERIFY_WINDOW, 1 hours);
        vm.prank(owner);
        market.setVerificationWindow(1 hours);
        vm.prank(owner);
        market.setVerificationWindow(7 days);
        assertEq(uint256(market.parameters().verificationWindow), 7 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IJobMarket.ParameterOutOfBounds.selector,
                bytes32("verificationWindow"),
                1 hours - 1,
                1 hours,
                7 days
            )
        );
        vm.prank(owner);
        market.setVerificationWindow(1 hours - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IJobMarket.ParameterOutOfBounds.selector,
                bytes32("verificationWindow"),
                7 days + 1,
                1 hours,
                7 days
            )
        );
        vm.prank(owner);
        market.setVerificationWindow(7 days + 1);
    }

    function test_setVerificationWindow_appliesToNewJobsOnly() public {
        (uint256 oldJob, IJobTypes.JobParams memory pOld) = openAssigned(req(), 800);
        vm.prank(owner);
        market.setVerificationWindow(2 hours);
        (uint256 newJob, IJobTypes.JobParams memory pNew) = openAssigned(req(), 800);
        assertEq(uint256(pNew.verificationWindow), 2 hours);
        submit(oldJob, pOld, 0, 1, 1, true);
        assertEq(verifyDeadlineOf(oldJob), uint32(_now() + VERIFY_WINDOW));
        submit(newJob, pNew, 0, 1, 1, true);
        assertEq(verifyDeadlineOf(newJob), uint32(_now() + 2 hours));
    }

    function test_setVerificationWindow_onlyOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, keeper));
        vm.prank(keeper);
        market.setVerificationWindow(2 hours);
    }

    function test_setSlashPayerShareBps_bounds() public {
        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.SlashPayerShareUpdated(SLASH_PAYER_BPS, 5_000);
        vm.prank(owner);
        market.setSlashPayerShareBps(5_000);
        vm.prank(owner);
        market.setSlashPayerShareBps(10_000);
        assertEq(uint256(market.parameters().slashPayerShareBps), 10_000);
        vm.expectRevert(
            abi.encodeWithSelector(
                IJobMarket.ParameterOutOfBounds.selector,
                bytes32("slashPayerShareBps"),
                4_999,
                5_000,
                10_000
            )
        );
        vm.prank(owner);
        market.setSlashPayerShareBps(4_999);
        vm.expectRevert(
            abi.encodeWithSelector(
                IJobMarket.ParameterOutOfBounds.selector,
                bytes32("slashPayerShareBps"),
                10_001,
                5_000,
                10_000
            )
        );
        vm.prank(owner);
        market.setSlashPayerShareBps(10_001);
    }

    /// @dev The split is snapshotted in the job's params at creation: a later governance change applies to new
    /// jobs only, and nobody can pass the live job a different split.
    function test_setSlashPayerShareBps_doesNotChangeLiveJobs() public {
        (uint256 oldJob, IJobTypes.JobParams memory pOld) = openAssigned(req(), 800);
        assertEq(uint256(pOld.slashPayerShareBps), SLASH_PAYER_BPS);
        vm.prank(owner);
        market.setSlashPayerShareBps(5_000);
        (uint256 newJob, IJobTypes.JobParams memory pNew) = open(req());
        assertEq(uint256(pNew.slashPayerShareBps), 5_000, "new jobs take the new share");

        IJobTypes.WorkAttestation memory a = submit(oldJob, pOld, 0, 1, 1, false);
        bytes memory sigs = signAttestation(a, 2);
        // The old job's params as they would read today: same terms, the new split.
        IJobTypes.JobParams memory forged = paramsFor(tenant, tenant, pOld.request);
        assertEq(uint256(forged.slashPayerShareBps), 5_000);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.JobParamsMismatch.selector, oldJob));
        market.settle(oldJob, forged, asg(oldJob), a, sigs);

        uint256 compensation = (COLLATERAL * SLASH_PAYER_BPS) / 10_000;
        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.JobClosed(
            oldJob,
            IJobTypes.JobStatus.Failed,
            IJobTypes.CloseReason.ProofRejected,
            2_880_000,
            0,
            COLLATERAL,
            compensation
        );
        market.settle(oldJob, pOld, asg(oldJob), a, sigs);
        assertEq(mbal(tenant, address(joule)), 800e18, "80 % as at creation, not 50 %");
        assertEq(mbal(treasury, address(joule)), 200e18);

        // The job created after the change is slashed 50/50 (delivery missed this time).
        vm.prank(provider);
        market.placeBid(newJob, pNew, 800);
        vm.warp(pNew.request.biddingEnd);
        awardNow(newJob, pNew);
        vm.warp(uint256(deliveryDeadlineOf(newJob)) + 1);
        market.expire(newJob, pNew, asg(newJob));
        assertEq(mbal(tenant, address(joule)), 800e18 + COLLATERAL / 2);
        assertEq(mbal(treasury, address(joule)), 200e18 + COLLATERAL / 2);
        assertSolvent(address(joule));
    }

    function test_setSlashPayerShareBps_onlyOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, keeper));
        vm.prank(keeper);
        market.setSlashPayerShareBps(6_000);
    }

    /// @dev The treasury is immutable: fees accrue to it for every job, and governance has no setter to move them.
    function test_treasury_isFixedAtDeployment() public {
        (uint256 a, IJobTypes.JobParams memory pa) = openAssigned(req(), 800);
        settleWith(a, pa, submit(a, pa, 0, 3_000, 1, true));
        assertEq(market.parameters().treasury, treasury);
        assertEq(mbal(treasury, address(usd)), 60_000);
        vm.prank(treasury);
        market.withdraw(address(usd), 60_000, treasury);
        assertEq(usd.balanceOf(treasury), 60_000);
    }

    function test_ownership_isTwoStep() public {
        vm.prank(owner);
        market.transferOwnership(alice);
        assertEq(market.owner(), owner, "not yet");
        assertEq(market.pendingOwner(), alice);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, keeper));
        vm.prank(keeper);
        market.acceptOwnership();
        vm.prank(alice);
        market.acceptOwnership();
        assertEq(market.owner(), alice);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, owner));
        vm.prank(owner);
        market.pause();
    }

    // ═════════════════════════════ pause / unpause ═════════════════════════════
    function _pause() internal {
        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.Paused(owner);
        vm.prank(owner);
        market.pause();
        assertTrue(market.parameters().paused);
    }

    function test_pause_onlyOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, keeper));
        vm.prank(keeper);
        market.pause();
        _pause();
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, keeper));
        vm.prank(keeper);
        market.unpause();
    }

    function test_pause_blocksCreateJob() public {
        _pause();
        IJobTypes.JobRequest memory r = req();
        vm.expectRevert(IJobMarket.MarketPaused.selector);
        vm.prank(tenant);
        market.createJob(r);
        vm.expectRevert(IJobMarket.MarketPaused.selector);
        vm.prank(sponsor);
        market.createJobFor(tenant, r);
        vm.expectRevert(IJobMarket.MarketPaused.selector);
        vm.prank(tenant);
        market.createJobWithPermit(r, 0, 0, bytes32(0), bytes32(0));
    }

    function test_pause_blocksPlaceBid() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        _pause();
        vm.expectRevert(IJobMarket.MarketPaused.selector);
        vm.prank(provider);
        market.placeBid(jobId, p, 900);
    }

    function test_pause_blocksAcceptBid() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, provider, 800, 1);
        bytes memory sig = signBid(providerKey, bid);
        _pause();
        vm.expectRevert(IJobMarket.MarketPaused.selector);
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
    }

    function test_pause_doesNotBlockCancel() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.prank(provider);
        market.placeBid(jobId, p, 900);
        _pause();
        vm.prank(tenant);
        market.cancelJob(jobId, p);
        assertStatus(jobId, IJobTypes.JobStatus.Cancelled);
        assertEq(lockedOf(provider), 0);
    }

    function test_pause_doesNotBlockAward() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.prank(provider);
        market.placeBid(jobId, p, 900);
        _pause();
        vm.warp(p.request.biddingEnd);
        awardNow(jobId, p);
        assertStatus(jobId, IJobTypes.JobStatus.Assigned);
    }

    function test_pause_doesNotBlockSubmitProofAndSettle() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        _pause();
        IJobTypes.WorkAttestation memory a = submit(jobId, p, 0, 3_000, 1, true);
        settleWith(jobId, p, a);
        assertStatus(jobId, IJobTypes.JobStatus.Completed);
        assertEq(mbal(provider, address(usd)), 2_340_000);
    }

    function test_pause_doesNotBlockSettleMany() public {
        IJobTypes.Settlement[] memory batch = _twoPendingJobs();
        _pause();
        market.settleMany(batch);
        assertStatus(batch[1].jobId, IJobTypes.JobStatus.Completed);
    }

    function test_pause_doesNotBlockExpire() public {
        (uint256 noBids, IJobTypes.JobParams memory pn) = open(req());
        (uint256 late, IJobTypes.JobParams memory pl) = openAssigned(req(), 800);
        _pause();
        market.expire(noBids, pn, asg(noBids));
        assertStatus(noBids, IJobTypes.JobStatus.Expired);
        vm.warp(uint256(deliveryDeadlineOf(late)) + 1);
        market.expire(late, pl, asg(late));
        assertStatus(late, IJobTypes.JobStatus.Failed);
    }

    function test_pause_doesNotBlockWithdrawAndClaim() public {
        (uint256 a, IJobTypes.JobParams memory pa) = openAssigned(req(), 800);
        settleWith(a, pa, submit(a, pa, 0, 3_000, 1, true));
        vm.warp(uint256(emitter.genesis()) + EPOCH);
        _pause();
        vm.prank(tenant);
        market.withdraw(address(usd), 1_200_000, tenant);
        address[] memory tokens = new address[](1);
        tokens[0] = address(usd);
        uint32[] memory epochs = new uint32[](1);
        vm.prank(provider);
        market.claim(tokens, epochs, provider);
        assertEq(usd.balanceOf(provider), 2_340_000);
        assertEq(joule.balanceOf(provider), EMISSION);
        assertEq(mbal(tenant, address(usd)), 0);
    }

    function test_unpause_reopensBusiness() public {
        _pause();
        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.Unpaused(owner);
        vm.prank(owner);
        market.unpause();
        assertFalse(market.parameters().paused);
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.prank(provider);
        market.placeBid(jobId, p, 900);
        (address best, ) = market.bestBid(jobId);
        assertEq(best, provider);
    }

    // ═════════════════════════════ views ═════════════════════════════
    function test_views_unknownJob() public view {
        assertEq(uint256(market.jobStatus(42)), uint256(IJobTypes.JobStatus.None));
        assertEq(market.commitment(42), bytes32(0));
        (address best, uint256 price) = market.bestBid(42);
        assertEq(best, address(0));
        assertEq(price, 0);
        (uint8 s, uint32 d, uint32 v, uint64 us, uint64 pu, uint64 pe) = market.jobProgress(42);
        assertEq(uint256(s) + d + v + us + pu + pe, 0);
        assertEq(market.balanceOf(alice, address(usd)), 0);
        assertFalse(market.isNonceUsed(provider, 0));
        assertFalse(tokenAllowed(alice));
        assertFalse(verifierAllowed(alice));
    }

    /// @dev bestBid reads zeros unless the job is Open: a cancelled job's bid is void (its collateral was released).
    function test_bestBid_cancelledJobReadsZeros() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        vm.prank(provider);
        market.placeBid(jobId, p, 900);
        (address best, uint256 price) = market.bestBid(jobId);
        assertEq(best, provider);
        assertEq(price, 900);
        vm.prank(tenant);
        market.cancelJob(jobId, p);
        (best, price) = market.bestBid(jobId);
        assertEq(best, address(0));
        assertEq(price, 0);
        assertEq(lockedOf(provider), 0);
        // Terminal from Open without a bid, and terminal after assignment, read zeros as well.
        (uint256 expired, IJobTypes.JobParams memory pe) = open(req());
        vm.warp(pe.request.biddingEnd);
        market.expire(expired, pe, asg(expired));
        (best, price) = market.bestBid(expired);
        assertEq(best, address(0));
        assertEq(price, 0);
    }

    function test_unknownJob_revertsEverywhereWithStatusNone() public {
        (, IJobTypes.JobParams memory p) = open(req());
        uint256 ghost = 99;
        IJobTypes.Assignment memory none;
        IJobTypes.WorkAttestation memory a = attestation(ghost, 0, 1, 1, true);
        IJobTypes.JobStatus n = IJobTypes.JobStatus.None;
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.JobNotOpen.selector, ghost, n));
        vm.prank(provider);
        market.placeBid(ghost, p, 1);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.JobNotOpen.selector, ghost, n));
        market.award(ghost, p);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.JobNotAssigned.selector, ghost, n));
        market.submitProof(ghost, p, none, 0, bytes32(0), 1, 1);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.JobNotAssigned.selector, ghost, n));
        market.settle(ghost, p, none, a, "");
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NothingToExpire.selector, ghost, n));
        market.expire(ghost, p, none);
    }

    function test_heldInEscrow_unknownJobIsZero() public {
        (, IJobTypes.JobParams memory p) = open(req());
        assertEq(market.heldInEscrow(7, p, asg(7)), 0);
    }

    function test_heldInEscrow_revertsOnWrongAssignment() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(req(), 800);
        // Claiming a higher price would overstate the escrow.
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.JobParamsMismatch.selector, jobId));
        market.heldInEscrow(jobId, p, IJobTypes.Assignment(provider, 900));
    }

    function test_heldInEscrow_followsLifecycle() public {
        IJobTypes.JobRequest memory r = req();
        r.milestones = 2;
        (uint256 jobId, IJobTypes.JobParams memory p) = open(r);
        assertEq(market.heldInEscrow(jobId, p, asg(jobId)), FUNDED, "open: maxUnits x maxPrice");
        IJobTypes.JobParams memory forged = paramsFor(alice, tenant, r);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.JobParamsMismatch.selector, jobId));
        market.heldInEscrow(jobId, forged, asg(jobId));
        vm.prank(provider);
        market.placeBid(jobId, p, 800);
        vm.warp(r.biddingEnd);
        awardNow(jobId, p);
        assertEq(market.heldInEscrow(jobId, p, asg(jobId)), 3_600 * 800, "assigned: maxUnits x price");
        settleWith(jobId, p, submit(jobId, p, 0, 1_000, 1, true));
        assertEq(market.heldInEscrow(jobId, p, asg(jobId)), 2_600 * 800, "after a milestone");
        settleWith(jobId, p, submit(jobId, p, 1, 1_000, 1, true));
        assertEq(market.heldInEscrow(jobId, p, asg(jobId)), 0, "completed");
    }

    function test_views_rewardEpochsAndWork() public {
        assertEq(market.currentEpoch(), 0);
        (uint256 a, IJobTypes.JobParams memory pa) = openAssigned(req(), 800);
        settleWith(a, pa, submit(a, pa, 0, 3_000, 1, true));
        // provider2 works in the same epoch.
        (uint256 b, IJobTypes.JobParams memory pb) = open(req());
        vm.prank(provider2);
        market.placeBid(b, pb, 700);
        vm.warp(pb.request.biddingEnd);
        awardNow(b, pb);
        settleWith(b, pb, submit(b, pb, 0, 1_000, 1, true));
        assertEq(market.workOf(provider, 0), 3_000);
        assertEq(market.workOf(provider2, 0), 1_000);
        assertEq(market.totalUnits(0), 4_000);
        assertEq(market.totalUnits(1), 0);
        // The emitter reads the market's record and splits epoch 0's emission pro rata.
        assertEq(emitter.providerUnits(provider, 0), 3_000);
        assertEq(emitter.epochUnits(0), 4_000);
        vm.warp(uint256(emitter.genesis()) + EPOCH);
        assertEq(market.currentEpoch(), 1);
        assertEq(market.currentEpoch(), emitter.currentEpoch());
        assertEq(emitter.pendingReward(provider, 0), (EMISSION * 3) / 4);
        assertEq(emitter.pendingReward(provider2, 0), EMISSION / 4);
    }

    function test_hashBid_matchesEip712() public view {
        IJobTypes.Bid memory bid = IJobTypes.Bid(3, provider, 777, 1_800_000_000, 12);
        assertEq(market.hashBid(bid), bidDigest(bid, block.chainid, address(market)));
    }

    function test_hashAttestation_matchesEip712() public view {
        IJobTypes.WorkAttestation memory a = attestation(3, 1, 500, 9, false);
        assertEq(market.hashAttestation(a), attestationDigest(a, block.chainid, address(market)));
    }

    // ═════════════════════════════ end to end ═════════════════════════════
    function test_twoMilestoneJob_endToEnd() public {
        IJobTypes.JobRequest memory r = req();
        r.milestones = 2;
        (uint256 jobId, IJobTypes.JobParams memory p) = open(r);

        vm.prank(provider2);
        market.placeBid(jobId, p, 900);
        vm.prank(provider);
        market.placeBid(jobId, p, 800);
        vm.warp(r.biddingEnd);
        awardNow(jobId, p);

        IJobTypes.WorkAttestation memory a0 = submit(jobId, p, 0, 2_000, 3_000, true);
        settleWith(jobId, p, a0);
        assertStatus(jobId, IJobTypes.JobStatus.Assigned);
        vm.warp(_now() + 1 hours);
        IJobTypes.WorkAttestation memory a1 = submit(jobId, p, 1, 1_000, 1_500, true);
        bytes memory sigs = signAttestation(a1, 2);
        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.JobClosed(
            jobId,
            IJobTypes.JobStatus.Completed,
            IJobTypes.CloseReason.Completed,
            600 * 800,
            COLLATERAL,
            0,
            0
        );
        market.settle(jobId, p, asg(jobId), a1, sigs);

        uint256 fee0 = (1_600_000 * 250) / 10_000;
        uint256 fee1 = (800_000 * 250) / 10_000;
        assertStatus(jobId, IJobTypes.JobStatus.Completed);
        assertEq(mbal(provider, address(usd)), 2_400_000 - fee0 - fee1);
        assertEq(mbal(treasury, address(usd)), fee0 + fee1);
        assertEq(mbal(tenant, address(usd)), 720_000 + 480_000);
        assertEq(market.workOf(provider, market.currentEpoch()), 3_000);
        assertEq(lockedOf(provider), 0);
        assertEq(lockedOf(provider2), 0);
        assertSolvent(address(usd));

        // Everyone withdraws: the market ends empty.
        vm.prank(provider);
        market.withdraw(address(usd), 2_400_000 - fee0 - fee1, provider);
        vm.prank(treasury);
        market.withdraw(address(usd), fee0 + fee1, treasury);
        vm.prank(tenant);
        market.withdraw(address(usd), 1_200_000, tenant);
        assertEq(usd.balanceOf(address(market)), 0);
        assertEq(usd.balanceOf(provider), 2_340_000);
    }

    // ═════════════════════════════ completion by units ═════════════════════════════
    /// @dev Formerly a reported bug: proving every unit in an early milestone left the job unable to finish and
    /// ended in a DeliveryMissed slash. The job now completes as soon as its last unit is settled.
    function test_settle_allUnitsInFirstOfTwoMilestonesCompletes() public {
        IJobTypes.JobRequest memory r = req();
        r.milestones = 2;
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(r, 800);
        IJobTypes.WorkAttestation memory a = submit(jobId, p, 0, 3_600, 1, true);
        bytes memory sigs = signAttestation(a, 2);
        uint32 dd = deliveryDeadlineOf(jobId);
        uint32 epoch = market.currentEpoch();

        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.MilestoneSettled(jobId, 0, provider, a.resultRoot, 3_600, 1, 2_880_000, 72_000, 0, dd, epoch);
        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.JobClosed(
            jobId,
            IJobTypes.JobStatus.Completed,
            IJobTypes.CloseReason.Completed,
            0,
            COLLATERAL,
            0,
            0
        );
        vm.prank(keeper);
        market.settle(jobId, p, asg(jobId), a, sigs);

        assertStatus(jobId, IJobTypes.JobStatus.Completed);
        (uint8 settled, , , uint64 us, , ) = market.jobProgress(jobId);
        assertEq(settled, 1, "one of two milestones settled");
        assertEq(us, 3_600);
        assertEq(lockedOf(provider), 0, "collateral released");
        assertEq(stakeOfProvider(provider), PROVIDER_STAKE, "no slash");
        assertEq(mbal(tenant, address(joule)), 0, "no compensation");
        assertEq(mbal(treasury, address(joule)), 0);
        assertEq(mbal(tenant, address(usd)), 720_000, "only the excess at award: leftover refund is 0");
        assertEq(mbal(provider, address(usd)), 2_880_000 - 72_000);
        assertEq(mbal(treasury, address(usd)), 72_000);
        assertEq(market.heldInEscrow(jobId, p, asg(jobId)), 0);
        assertSolvent(address(usd));

        // Nothing is left to prove, and no deadline can turn the job into a failure any more.
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.JobNotAssigned.selector, jobId, IJobTypes.JobStatus.Completed)
        );
        vm.prank(provider);
        market.submitProof(jobId, p, asg(jobId), 1, bytes32(0), 1, 1);
        vm.warp(uint256(dd) + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.NothingToExpire.selector, jobId, IJobTypes.JobStatus.Completed)
        );
        market.expire(jobId, p, asg(jobId));
        assertEq(stakeOfProvider(provider), PROVIDER_STAKE);
    }

    /// @dev Units short of maxUnits before the last milestone keep the job running.
    function test_settle_partialUnitsBeforeLastMilestoneKeepsJobAssigned() public {
        IJobTypes.JobRequest memory r = req();
        r.milestones = 3;
        (uint256 jobId, IJobTypes.JobParams memory p) = openAssigned(r, 800);
        settleWith(jobId, p, submit(jobId, p, 0, 3_000, 1, true));
        assertStatus(jobId, IJobTypes.JobStatus.Assigned);
        assertEq(lockedOf(provider), COLLATERAL);
        // The second milestone brings the total to maxUnits: done after 2 of 3.
        settleWith(jobId, p, submit(jobId, p, 1, 600, 1, true));
        assertStatus(jobId, IJobTypes.JobStatus.Completed);
        assertEq(lockedOf(provider), 0);
        assertEq(mbal(tenant, address(usd)), 720_000, "every unit was paid for: no leftover");
        assertSolvent(address(usd));
    }
}
