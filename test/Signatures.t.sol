// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {JobMarket} from "../contracts/JobMarket.sol";
import {MockERC1271Wallet} from "../contracts/test/MockERC1271Wallet.sol";
import {IJobTypes} from "../contracts/interfaces/IJobTypes.sol";
import {IJobMarket} from "../contracts/interfaces/IJobMarket.sol";
import {IProviderRegistry} from "../contracts/interfaces/IProviderRegistry.sol";
import {IJouleToken} from "../contracts/interfaces/IJouleToken.sol";
import {MarketTestBase} from "./JobMarket.t.sol";

/// @dev An ERC-1271 wallet that answers every query with a wrong magic value.
contract BadMagicWallet {
    function isValidSignature(bytes32, bytes memory) external pure returns (bytes4) {
        return 0xdeadbeef;
    }
}

/// @dev An ERC-1271 wallet whose check reverts.
contract RevertingWallet {
    error Nope();

    function isValidSignature(bytes32, bytes memory) external pure returns (bytes4) {
        revert Nope();
    }
}

/// @notice Signed bids (EIP-712 / ERC-1271) and verifier attestations: validity and every replay vector.
contract SignaturesTest is MarketTestBase {
    uint256 internal chainId0;
    address internal walletOwner;
    uint256 internal walletOwnerKey;

    function setUp() public {
        setUpProtocol();
        chainId0 = block.chainid;
        (walletOwner, walletOwnerKey) = makeAddrAndKey("walletOwner");
    }

    function _secondMarket() internal returns (JobMarket) {
        return new JobMarket(IJouleToken(address(joule)), treasury, owner, defaultSettings());
    }

    // ═════════════════════════════ signed bids ═════════════════════════════
    function test_bid_validSignatureAssigns() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, provider, 800, 5);
        bytes memory sig = sign(providerKey, bidDigest(bid, chainId0, address(market)));
        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.JobAssigned(jobId, provider, 800, 800 * 3_600, 200 * 3_600, uint32(_now() + 1 days), true);
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
        assertStatus(jobId, IJobTypes.JobStatus.Assigned);
        assertTrue(market.isNonceUsed(provider, 5));
    }

    function test_bid_digestComputedInTestMatchesMarket() public view {
        IJobTypes.Bid memory bid = makeBid(1, provider, 800, 5);
        assertEq(market.hashBid(bid), bidDigest(bid, chainId0, address(market)));
        assertNotEq(market.hashBid(bid), bidDigest(bid, chainId0 + 1, address(market)));
    }

    function test_bid_signedForOtherChainIdRejected() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, provider, 800, 1);
        bytes memory sig = sign(providerKey, bidDigest(bid, 10, address(market)));
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidBidSignature.selector, provider));
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
        assertFalse(market.isNonceUsed(provider, 1));
    }

    function test_bid_signedOnForkChainRejectedHere() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, provider, 800, 1);
        // On a fork with chain id 999 the market's domain changes; a bid signed there ...
        vm.chainId(999);
        bytes32 forkDigest = market.hashBid(bid);
        assertEq(forkDigest, bidDigest(bid, 999, address(market)), "market rebuilds its domain for the new chain");
        bytes memory sig = sign(providerKey, forkDigest);
        // ... is refused back on the original chain.
        vm.chainId(chainId0);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidBidSignature.selector, provider));
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
    }

    function test_bid_signedHereRejectedOnForkChain() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, provider, 800, 1);
        bytes memory sig = signBid(providerKey, bid);
        vm.chainId(999);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidBidSignature.selector, provider));
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
        vm.chainId(chainId0);
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
        assertStatus(jobId, IJobTypes.JobStatus.Assigned);
    }

    function test_bid_signedForOtherMarketRejected() public {
        JobMarket market2 = _secondMarket();
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, provider, 800, 1);
        bytes32 digest2 = market2.hashBid(bid);
        assertEq(digest2, bidDigest(bid, chainId0, address(market2)));
        bytes memory sig = sign(providerKey, digest2);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidBidSignature.selector, provider));
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
    }

    function test_bid_reusedNonceRejected() public {
        (uint256 jobA, IJobTypes.JobParams memory pA) = open(req());
        (uint256 jobB, IJobTypes.JobParams memory pB) = open(req());
        IJobTypes.Bid memory bidA = makeBid(jobA, provider, 800, 9);
        IJobTypes.Bid memory bidB = makeBid(jobB, provider, 700, 9);
        bytes memory sigA = signBid(providerKey, bidA);
        bytes memory sigB = signBid(providerKey, bidB);
        vm.prank(tenant);
        market.acceptBid(pA, bidA, sigA);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NonceUsed.selector, provider, 9));
        vm.prank(tenant);
        market.acceptBid(pB, bidB, sigB);
        // Nonces are per provider: provider2 may use 9.
        IJobTypes.Bid memory bid2 = makeBid(jobB, provider2, 700, 9);
        bytes memory sig2 = signBid(provider2Key, bid2);
        vm.prank(tenant);
        market.acceptBid(pB, bid2, sig2);
        assertStatus(jobB, IJobTypes.JobStatus.Assigned);
    }

    function test_bid_replayOnSameJobRejected() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, provider, 800, 1);
        bytes memory sig = signBid(providerKey, bid);
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.JobNotOpen.selector, jobId, IJobTypes.JobStatus.Assigned));
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
    }

    function test_bid_nonceInvalidatedByProvider() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, provider, 800, 77);
        bytes memory sig = signBid(providerKey, bid);
        // The provider changes its mind before the tenant accepts.
        vm.prank(provider);
        market.invalidateNonces(0, 1 << 77);
        assertTrue(market.isNonceUsed(provider, 77));
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NonceUsed.selector, provider, 77));
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
    }

    function test_bid_expiredRejected() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, provider, 800, 1);
        bid.expiry = uint40(_now() + 10);
        bytes memory sig = signBid(providerKey, bid);
        vm.warp(_now() + 11);
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.BidExpired.selector, uint256(bid.expiry), uint256(bid.expiry) + 1)
        );
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
    }

    function test_bid_highSRejected() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, provider, 800, 1);
        bytes32 digest = market.hashBid(bid);
        bytes memory low = sign(providerKey, digest);
        bytes memory high = toHighS(low);
        // The malleated signature still recovers to the provider with the raw precompile ...
        (bytes32 r, bytes32 s, uint8 v) = _split(high);
        assertEq(ecrecover(digest, v, r, s), provider, "high-s is mathematically valid");
        assertGt(uint256(s), SECP256K1_N / 2);
        // ... but the market accepts low-s only.
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidBidSignature.selector, provider));
        vm.prank(tenant);
        market.acceptBid(p, bid, high);
        vm.prank(tenant);
        market.acceptBid(p, bid, low);
        assertStatus(jobId, IJobTypes.JobStatus.Assigned);
    }

    function test_bid_wrongSignerRejected() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, provider, 800, 1);
        // provider2 signs a bid naming provider: it would lock provider's collateral without consent.
        bytes memory sig = signBid(provider2Key, bid);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidBidSignature.selector, provider));
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
        assertEq(lockedOf(provider), 0);
    }

    function test_bid_tamperedPriceRejected() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, provider, 800, 1);
        bytes memory sig = signBid(providerKey, bid);
        bid.pricePerUnit = 700; // the tenant tries to pay less than offered
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidBidSignature.selector, provider));
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
    }

    function test_bid_malformedSignatureRejected() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, provider, 800, 1);
        bytes memory sig = signBid(providerKey, bid);
        bytes memory truncated = new bytes(64);
        for (uint256 i; i < 64; ++i) truncated[i] = sig[i];
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidBidSignature.selector, provider));
        vm.prank(tenant);
        market.acceptBid(p, bid, truncated);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidBidSignature.selector, provider));
        vm.prank(tenant);
        market.acceptBid(p, bid, "");
    }

    // ───────────────────────────── ERC-1271 ─────────────────────────────
    /// @dev A smart-wallet provider: it registers and stakes through `execute`, so msg.sender is the wallet.
    function _walletProvider() internal returns (MockERC1271Wallet wallet) {
        wallet = new MockERC1271Wallet(walletOwner);
        vm.prank(owner);
        joule.transfer(address(wallet), PROVIDER_STAKE);
        vm.startPrank(walletOwner);
        wallet.execute(
            address(registry),
            abi.encodeCall(
                IProviderRegistry.register,
                (
                    IProviderRegistry.Profile({
                        gpuClass: 3,
                        gpuCount: 8,
                        vramGb: 80,
                        carbonIntensity: 100,
                        region: bytes32("us-east"),
                        metadataURI: "ipfs://wallet"
                    })
                )
            )
        );
        wallet.execute(address(joule), abi.encodeCall(joule.approve, (address(registry), PROVIDER_STAKE)));
        wallet.execute(address(registry), abi.encodeCall(IProviderRegistry.stake, (address(wallet), PROVIDER_STAKE)));
        vm.stopPrank();
        assertTrue(registry.isRegistered(address(wallet)));
        assertEq(stakeOfProvider(address(wallet)), PROVIDER_STAKE);
    }

    function test_bid_erc1271WalletProviderEndToEnd() public {
        MockERC1271Wallet wallet = _walletProvider();
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, address(wallet), 800, 1);
        bytes memory sig = sign(walletOwnerKey, market.hashBid(bid));
        acceptAs(p, bid, sig);
        assertStatus(jobId, IJobTypes.JobStatus.Assigned);
        assertEq(lockedOf(address(wallet)), COLLATERAL);
        assertTrue(market.isNonceUsed(address(wallet), 1));

        // The wallet proves, gets settled and withdraws through execute.
        IJobTypes.WorkAttestation memory a = attestation(jobId, 0, 3_000, 10, true);
        vm.prank(walletOwner);
        wallet.execute(
            address(market),
            abi.encodeCall(IJobMarket.submitProof, (jobId, p, asg(jobId), 0, a.resultRoot, 3_000, 10))
        );
        settleWith(jobId, p, a);
        assertEq(mbal(address(wallet), address(usd)), 2_340_000);
        vm.prank(walletOwner);
        wallet.execute(address(market), abi.encodeCall(IJobMarket.withdraw, (address(usd), 2_340_000, walletOwner)));
        assertEq(usd.balanceOf(walletOwner), 2_340_000);
        assertEq(lockedOf(address(wallet)), 0);
    }

    function test_bid_erc1271WalletRejectsOtherKey() public {
        MockERC1271Wallet wallet = _walletProvider();
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, address(wallet), 800, 1);
        bytes memory sig = sign(providerKey, market.hashBid(bid));
        assertEq(wallet.isValidSignature(market.hashBid(bid), sig), bytes4(0xffffffff));
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidBidSignature.selector, address(wallet)));
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
    }

    function test_bid_erc1271WalletBadMagicValueRejected() public {
        BadMagicWallet wallet = new BadMagicWallet();
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, address(wallet), 800, 1);
        bytes memory sig = sign(walletOwnerKey, market.hashBid(bid));
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidBidSignature.selector, address(wallet)));
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
    }

    function test_bid_erc1271WalletRevertingRejected() public {
        RevertingWallet wallet = new RevertingWallet();
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, address(wallet), 800, 1);
        bytes memory sig = sign(walletOwnerKey, market.hashBid(bid));
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidBidSignature.selector, address(wallet)));
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
    }

    function test_bid_erc1271WalletSignatureCannotBeReplayedForOtherMarket() public {
        MockERC1271Wallet wallet = _walletProvider();
        JobMarket market2 = _secondMarket();
        (uint256 jobId, IJobTypes.JobParams memory p) = open(req());
        IJobTypes.Bid memory bid = makeBid(jobId, address(wallet), 800, 1);
        bytes memory sig = sign(walletOwnerKey, market2.hashBid(bid));
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidBidSignature.selector, address(wallet)));
        vm.prank(tenant);
        market.acceptBid(p, bid, sig);
    }

    // ═════════════════════════════ attestations ═════════════════════════════
    function _pending(
        uint8 milestones
    ) internal returns (uint256 jobId, IJobTypes.JobParams memory p, IJobTypes.WorkAttestation memory a) {
        IJobTypes.JobRequest memory r = req();
        r.milestones = milestones;
        (jobId, p) = openAssigned(r, 800);
        a = submit(jobId, p, 0, 1_000, 50, true);
    }

    function _sigOf(uint256 verifierIndex, IJobTypes.WorkAttestation memory a) internal view returns (bytes memory) {
        return sign(verifierKeys[verifierIndex], market.hashAttestation(a));
    }

    function _expectInvalid(uint256 jobId, uint8 milestone) internal {
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.InvalidAttestation.selector, jobId, milestone));
    }

    function test_attestation_twoOfThreeSettles() public {
        (uint256 jobId, IJobTypes.JobParams memory p, IJobTypes.WorkAttestation memory a) = _pending(1);
        bytes memory sigs = abi.encodePacked(_sigOf(0, a), _sigOf(2, a));
        market.settle(jobId, p, asg(jobId), a, sigs);
        assertStatus(jobId, IJobTypes.JobStatus.Completed);
    }

    function test_attestation_threeOfThreeSettles() public {
        (uint256 jobId, IJobTypes.JobParams memory p, IJobTypes.WorkAttestation memory a) = _pending(1);
        market.settle(jobId, p, asg(jobId), a, signAttestation(a, 3));
        assertStatus(jobId, IJobTypes.JobStatus.Completed);
    }

    function test_attestation_oneOfThreeRejected() public {
        (uint256 jobId, IJobTypes.JobParams memory p, IJobTypes.WorkAttestation memory a) = _pending(1);
        bytes memory sigs = _sigOf(1, a);
        _expectInvalid(jobId, 0);
        market.settle(jobId, p, asg(jobId), a, sigs);
    }

    function test_attestation_duplicateSignerRejected() public {
        (uint256 jobId, IJobTypes.JobParams memory p, IJobTypes.WorkAttestation memory a) = _pending(1);
        bytes memory sigs = abi.encodePacked(_sigOf(0, a), _sigOf(0, a));
        _expectInvalid(jobId, 0);
        market.settle(jobId, p, asg(jobId), a, sigs);
    }

    function test_attestation_unsortedSignersRejected() public {
        (uint256 jobId, IJobTypes.JobParams memory p, IJobTypes.WorkAttestation memory a) = _pending(1);
        bytes memory sigs = abi.encodePacked(_sigOf(1, a), _sigOf(0, a));
        _expectInvalid(jobId, 0);
        market.settle(jobId, p, asg(jobId), a, sigs);
    }

    function test_attestation_nonMemberSignerRejected() public {
        (uint256 jobId, IJobTypes.JobParams memory p, IJobTypes.WorkAttestation memory a) = _pending(1);
        (address intruder, uint256 intruderKey) = makeAddrAndKey("intruder");
        assertFalse(verifier.isMember(intruder));
        bytes memory own = sign(intruderKey, market.hashAttestation(a));
        bytes memory member = _sigOf(0, a);
        // Sorted by address so that only membership can fail.
        bytes memory sigs = intruder < verifiers[0] ? abi.encodePacked(own, member) : abi.encodePacked(member, own);
        _expectInvalid(jobId, 0);
        market.settle(jobId, p, asg(jobId), a, sigs);
    }

    function test_attestation_highSRejected() public {
        (uint256 jobId, IJobTypes.JobParams memory p, IJobTypes.WorkAttestation memory a) = _pending(1);
        bytes memory sigs = abi.encodePacked(_sigOf(0, a), toHighS(_sigOf(1, a)));
        _expectInvalid(jobId, 0);
        market.settle(jobId, p, asg(jobId), a, sigs);
    }

    function test_attestation_malformedLengthRejected() public {
        (uint256 jobId, IJobTypes.JobParams memory p, IJobTypes.WorkAttestation memory a) = _pending(1);
        bytes memory sigs = abi.encodePacked(signAttestation(a, 2), bytes1(0x00));
        _expectInvalid(jobId, 0);
        market.settle(jobId, p, asg(jobId), a, sigs);
        _expectInvalid(jobId, 0);
        market.settle(jobId, p, asg(jobId), a, "");
    }

    function test_attestation_flippedVerdictRejected() public {
        // The quorum rejected the proof; nobody can turn that into an acceptance (or the reverse).
        (uint256 jobId, IJobTypes.JobParams memory p, IJobTypes.WorkAttestation memory a) = _pending(1);
        a.accepted = false;
        bytes memory sigs = signAttestation(a, 2);
        a.accepted = true;
        _expectInvalid(jobId, 0);
        market.settle(jobId, p, asg(jobId), a, sigs);
        a.accepted = false;
        market.settle(jobId, p, asg(jobId), a, sigs);
        assertStatus(jobId, IJobTypes.JobStatus.Failed);
    }

    function test_attestation_otherChainIdRejected() public {
        (uint256 jobId, IJobTypes.JobParams memory p, IJobTypes.WorkAttestation memory a) = _pending(1);
        bytes32 digest = attestationDigest(a, chainId0 + 1, address(market));
        bytes memory sigs = abi.encodePacked(sign(verifierKeys[0], digest), sign(verifierKeys[1], digest));
        _expectInvalid(jobId, 0);
        market.settle(jobId, p, asg(jobId), a, sigs);
    }

    function test_attestation_signedOnForkChainRejected() public {
        (uint256 jobId, IJobTypes.JobParams memory p, IJobTypes.WorkAttestation memory a) = _pending(1);
        vm.chainId(999);
        bytes memory sigs = signAttestation(a, 2);
        vm.chainId(chainId0);
        _expectInvalid(jobId, 0);
        market.settle(jobId, p, asg(jobId), a, sigs);
    }

    function test_attestation_otherMarketRejected() public {
        JobMarket market2 = _secondMarket();
        (uint256 jobId, IJobTypes.JobParams memory p, IJobTypes.WorkAttestation memory a) = _pending(1);
        bytes32 digest = market2.hashAttestation(a);
        assertEq(digest, attestationDigest(a, chainId0, address(market2)));
        bytes memory sigs = abi.encodePacked(sign(verifierKeys[0], digest), sign(verifierKeys[1], digest));
        _expectInvalid(jobId, 0);
        market.settle(jobId, p, asg(jobId), a, sigs);
    }

    function test_attestation_forOtherJobMismatch() public {
        (uint256 jobA, IJobTypes.JobParams memory pA, IJobTypes.WorkAttestation memory aA) = _pending(1);
        (uint256 jobB, IJobTypes.JobParams memory pB, ) = _pending(1);
        // Same milestone, units and energy, but signed for job A: cannot settle job B.
        bytes memory sigsA = signAttestation(aA, 2);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.AttestationMismatch.selector, jobB, uint8(0)));
        market.settle(jobB, pB, asg(jobB), aA, sigsA);
        market.settle(jobA, pA, asg(jobA), aA, sigsA);
        assertStatus(jobA, IJobTypes.JobStatus.Completed);
        assertStatus(jobB, IJobTypes.JobStatus.Assigned);
    }

    function test_attestation_forOtherMilestoneMismatch() public {
        (uint256 jobId, IJobTypes.JobParams memory p, IJobTypes.WorkAttestation memory a) = _pending(2);
        a.milestone = 1;
        bytes memory sigs = signAttestation(a, 2);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.AttestationMismatch.selector, jobId, uint8(0)));
        market.settle(jobId, p, asg(jobId), a, sigs);
    }

    function test_attestation_forOtherUnitsMismatch() public {
        (uint256 jobId, IJobTypes.JobParams memory p, IJobTypes.WorkAttestation memory a) = _pending(1);
        a.units = 999;
        bytes memory sigs = signAttestation(a, 2);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.AttestationMismatch.selector, jobId, uint8(0)));
        market.settle(jobId, p, asg(jobId), a, sigs);
    }

    function test_attestation_forOtherEnergyMismatch() public {
        (uint256 jobId, IJobTypes.JobParams memory p, IJobTypes.WorkAttestation memory a) = _pending(1);
        a.energyWh = 51;
        bytes memory sigs = signAttestation(a, 2);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.AttestationMismatch.selector, jobId, uint8(0)));
        market.settle(jobId, p, asg(jobId), a, sigs);
    }

    function test_attestation_replayOnCompletedJob() public {
        (uint256 jobId, IJobTypes.JobParams memory p, IJobTypes.WorkAttestation memory a) = _pending(1);
        bytes memory sigs = signAttestation(a, 2);
        market.settle(jobId, p, asg(jobId), a, sigs);
        vm.expectRevert(
            abi.encodeWithSelector(IJobMarket.JobNotAssigned.selector, jobId, IJobTypes.JobStatus.Completed)
        );
        market.settle(jobId, p, asg(jobId), a, sigs);
        assertEq(mbal(provider, address(usd)), 780_000, "paid once");
    }

    function test_attestation_replayOnNextMilestone() public {
        (uint256 jobId, IJobTypes.JobParams memory p, IJobTypes.WorkAttestation memory a) = _pending(2);
        bytes memory sigs = signAttestation(a, 2);
        market.settle(jobId, p, asg(jobId), a, sigs);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.NoProofPending.selector, jobId));
        market.settle(jobId, p, asg(jobId), a, sigs);
        // The next proof has the same units and energy: milestone 0's attestation still cannot settle it.
        submit(jobId, p, 1, 1_000, 50, true);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.AttestationMismatch.selector, jobId, uint8(1)));
        market.settle(jobId, p, asg(jobId), a, sigs);
        assertEq(mbal(provider, address(usd)), 780_000, "milestone 0 paid once");
    }

    /// @dev Formerly a reported bug (the result root was not bound): an attestation over another result root
    /// no longer settles the proof, so MilestoneSettled always reports the root the provider submitted.
    function test_attestation_otherResultRootMismatch() public {
        (uint256 jobId, IJobTypes.JobParams memory p, IJobTypes.WorkAttestation memory a) = _pending(1);
        bytes32 proven = a.resultRoot;
        IJobTypes.WorkAttestation memory other = attestation(jobId, 0, 1_000, 50, true);
        other.resultRoot = keccak256("some other output");
        assertNotEq(bytes4(other.resultRoot), bytes4(proven), "roots differ from the first byte on");
        bytes memory sigs = signAttestation(other, 2);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.AttestationMismatch.selector, jobId, uint8(0)));
        market.settle(jobId, p, asg(jobId), other, sigs);
        assertStatus(jobId, IJobTypes.JobStatus.Assigned);
        assertEq(mbal(provider, address(usd)), 0, "nothing paid");

        // The attestation over the proven root settles, and the event carries that root.
        sigs = signAttestation(a, 2);
        uint32 dd = deliveryDeadlineOf(jobId);
        uint32 epoch = market.currentEpoch();
        vm.expectEmit(true, true, true, true, address(market));
        emit IJobMarket.MilestoneSettled(
            jobId,
            0,
            provider,
            proven,
            1_000,
            50,
            800_000,
            20_000,
            2_600 * 800,
            dd,
            epoch
        );
        market.settle(jobId, p, asg(jobId), a, sigs);
        assertStatus(jobId, IJobTypes.JobStatus.Completed);
    }

    /// @dev The same check on a later milestone: a rejected verdict over another root cannot slash the provider.
    function test_attestation_otherResultRootCannotSlash() public {
        (uint256 jobId, IJobTypes.JobParams memory p, IJobTypes.WorkAttestation memory a) = _pending(2);
        market.settle(jobId, p, asg(jobId), a, signAttestation(a, 2));
        IJobTypes.WorkAttestation memory a1 = submit(jobId, p, 1, 500, 5, false);
        a1.resultRoot = bytes32(uint256(a1.resultRoot) ^ (uint256(1) << 255));
        bytes memory sigs = signAttestation(a1, 2);
        vm.expectRevert(abi.encodeWithSelector(IJobMarket.AttestationMismatch.selector, jobId, uint8(1)));
        market.settle(jobId, p, asg(jobId), a1, sigs);
        assertStatus(jobId, IJobTypes.JobStatus.Assigned);
        assertEq(stakeOfProvider(provider), PROVIDER_STAKE);
    }

    // ───────────────────────────── helpers ─────────────────────────────
    function _split(bytes memory sig65) internal pure returns (bytes32 r, bytes32 s, uint8 v) {
        assembly {
            r := mload(add(sig65, 0x20))
            s := mload(add(sig65, 0x40))
            v := byte(0, mload(add(sig65, 0x60)))
        }
    }
}
