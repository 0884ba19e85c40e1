// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {Test} from "./Test.sol";
import {JobMarket} from "../../contracts/JobMarket.sol";
import {ProviderRegistry} from "../../contracts/ProviderRegistry.sol";
import {QuorumVerifier} from "../../contracts/QuorumVerifier.sol";
import {RewardEmitter} from "../../contracts/RewardEmitter.sol";
import {JouleToken} from "../../contracts/JouleToken.sol";
import {MockERC20} from "../../contracts/test/MockERC20.sol";
import {IJobTypes} from "../../contracts/interfaces/IJobTypes.sol";
import {IProviderRegistry} from "../../contracts/interfaces/IProviderRegistry.sol";
import {IJouleToken} from "../../contracts/interfaces/IJouleToken.sol";
import {IJobMarket} from "../../contracts/interfaces/IJobMarket.sol";

/// @notice Deploys the whole protocol with known actors and offers helpers to drive jobs.
/// Tests inherit it and call `setUpProtocol()` from their `setUp()`.
abstract contract JouleFixture is Test {
    uint256 internal constant CAP = 1_000_000_000e18;
    uint256 internal constant GENESIS_SUPPLY = 200_000_000e18;
    uint32 internal constant EPOCH = 1 days;
    uint256 internal constant EMISSION = 1_000e18;
    uint32 internal constant HALVING = 100;
    uint16 internal constant FEE_BPS = 250;
    uint32 internal constant VERIFY_WINDOW = 1 days;
    uint16 internal constant SLASH_PAYER_BPS = 8_000;
    uint32 internal constant UNBONDING = 7 days;
    uint128 internal constant COLLATERAL = 1_000e18;
    uint256 internal constant PROVIDER_STAKE = 10_000e18;

    JouleToken internal joule;
    ProviderRegistry internal registry;
    RewardEmitter internal emitter;
    JobMarket internal market;
    QuorumVerifier internal verifier;
    MockERC20 internal usd;

    address internal owner = makeAddr("owner");
    address internal treasury = makeAddr("treasury");
    address internal tenant = makeAddr("tenant");
    address internal sponsor = makeAddr("sponsor");
    address internal keeper = makeAddr("keeper");
    address internal provider;
    uint256 internal providerKey;
    address internal provider2;
    uint256 internal provider2Key;

    /// @dev Verifier members sorted by address, with their keys.
    address[3] internal verifiers;
    uint256[3] internal verifierKeys;

    function setUpProtocol() internal {
        vm.warp(1_700_000_000);
        (provider, providerKey) = makeAddrAndKey("provider");
        (provider2, provider2Key) = makeAddrAndKey("provider2");

        joule = new JouleToken(CAP, owner, GENESIS_SUPPLY, owner);
        market = new JobMarket(IJouleToken(address(joule)), treasury, owner, defaultSettings());
        registry = ProviderRegistry(market.parameters().registry);
        emitter = RewardEmitter(market.parameters().rewardEmitter);
        usd = new MockERC20("Mock USD", "mUSD", 6);

        _makeVerifiers();
        address[] memory members = new address[](3);
        for (uint256 i; i < 3; ++i) members[i] = verifiers[i];
        verifier = new QuorumVerifier(members, 2);

        vm.startPrank(owner);
        joule.setMinter(address(emitter));
        market.setAllowedToken(address(usd), true);
        market.setAllowedVerifier(address(verifier), true);
        joule.transfer(provider, PROVIDER_STAKE);
        joule.transfer(provider2, PROVIDER_STAKE);
        vm.stopPrank();

        registerAndStake(provider, PROVIDER_STAKE);
        registerAndStake(provider2, PROVIDER_STAKE);

        usd.mint(tenant, 1_000_000e6);
        usd.mint(sponsor, 1_000_000e6);
        vm.prank(tenant);
        usd.approve(address(market), type(uint256).max);
        vm.prank(sponsor);
        usd.approve(address(market), type(uint256).max);
    }

    function defaultSettings() internal pure returns (IJobMarket.MarketSettings memory) {
        return
            IJobMarket.MarketSettings({
                feeBps: FEE_BPS,
                verificationWindow: VERIFY_WINDOW,
                slashPayerShareBps: SLASH_PAYER_BPS,
                unbondingDelay: UNBONDING,
                rewardGenesis: 0,
                epochLength: EPOCH,
                initialEmission: EMISSION,
                halvingInterval: HALVING
            });
    }

    function _makeVerifiers() private {
        for (uint256 i; i < 3; ++i) {
            (verifiers[i], verifierKeys[i]) = makeAddrAndKey(string.concat("verifier", Strings.toString(i)));
        }
        // Sort by address (insertion sort on 3 items) so signatures can be concatenated in order.
        for (uint256 i = 1; i < 3; ++i) {
            for (uint256 j = i; j > 0 && verifiers[j] < verifiers[j - 1]; --j) {
                (verifiers[j], verifiers[j - 1]) = (verifiers[j - 1], verifiers[j]);
                (verifierKeys[j], verifierKeys[j - 1]) = (verifierKeys[j - 1], verifierKeys[j]);
            }
        }
    }

    function registerAndStake(address who, uint256 amount) internal {
        vm.startPrank(who);
        registry.register(
            IProviderRegistry.Profile({
                gpuClass: 3,
                gpuCount: 8,
                vramGb: 80,
                carbonIntensity: 200,
                region: bytes32("eu-west"),
                metadataURI: "ipfs://provider"
            })
        );
        joule.approve(address(registry), type(uint256).max);
        if (amount != 0) registry.stake(who, amount);
        vm.stopPrank();
    }

    // ───────────────────────────── Job helpers ─────────────────────────────
    function defaultRequest() internal view returns (IJobTypes.JobRequest memory r) {
        r = IJobTypes.JobRequest({
            token: address(usd),
            verifier: address(verifier),
            specHash: keccak256("llama-finetune-spec"),
            maxUnits: 3_600,
            maxPricePerUnit: 1_000, // 0.001 mUSD per GPU-second
            collateral: COLLATERAL,
            biddingEnd: uint40(block.timestamp + 1 hours),
            deliveryWindow: 1 days,
            milestones: 1,
            requirements: IJobTypes.Requirements({minGpuClass: 1, minGpuCount: 1, minVramGb: 24, maxCarbonIntensity: 0})
        });
    }

    /// @dev The params the market stores for a request created by `tenant_` and paid by `payer_` now.
    function paramsFor(
        address tenant_,
        address payer_,
        IJobTypes.JobRequest memory r
    ) internal view returns (IJobTypes.JobParams memory) {
        return
            IJobTypes.JobParams({
                tenant: tenant_,
                payer: payer_,
                feeBps: market.parameters().feeBps,
                slashPayerShareBps: market.parameters().slashPayerShareBps,
                verificationWindow: market.parameters().verificationWindow,
                request: r
            });
    }

    function createJob(IJobTypes.JobRequest memory r) internal returns (uint256 jobId, IJobTypes.JobParams memory p) {
        p = paramsFor(tenant, tenant, r);
        vm.prank(tenant);
        jobId = market.createJob(r);
    }

    function createDefaultJob() internal returns (uint256 jobId, IJobTypes.JobParams memory p) {
        return createJob(defaultRequest());
    }

    /// @dev Assignments made through the fixture helpers, by job id (the market keeps only a hash).
    mapping(uint256 jobId => IJobTypes.Assignment) internal assignments;

    /// @dev Creates a job, bids `price` from `provider`, and awards it after bidding.
    /// The assignment is recorded in `assignments[jobId]`.
    function createAssignedJob(
        IJobTypes.JobRequest memory r,
        uint128 price
    ) internal returns (uint256 jobId, IJobTypes.JobParams memory p) {
        (jobId, p) = createJob(r);
        vm.prank(provider);
        market.placeBid(jobId, p, price);
        vm.warp(r.biddingEnd);
        vm.prank(keeper);
        market.award(jobId, p);
        assignments[jobId] = IJobTypes.Assignment(provider, price);
    }

    function signBid(uint256 key, IJobTypes.Bid memory bid) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, market.hashBid(bid));
        return abi.encodePacked(r, s, v);
    }

    function attestation(
        uint256 jobId,
        uint8 milestone,
        uint64 units,
        uint64 energyWh,
        bool accepted
    ) internal pure returns (IJobTypes.WorkAttestation memory) {
        return
            IJobTypes.WorkAttestation({
                jobId: jobId,
                milestone: milestone,
                resultRoot: keccak256(abi.encode("root", jobId, milestone)),
                units: units,
                energyWh: energyWh,
                accepted: accepted
            });
    }

    /// @dev Signatures of the first `count` verifiers (ascending addresses), concatenated.
    function signAttestation(
        IJobTypes.WorkAttestation memory a,
        uint256 count
    ) internal view returns (bytes memory sigs) {
        bytes32 digest = market.hashAttestation(a);
        for (uint256 i; i < count; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(verifierKeys[i], digest);
            sigs = abi.encodePacked(sigs, r, s, v);
        }
    }

    /// @dev Provider proves `milestone` with `units`/`energyWh`, then 2 of 3 verifiers settle it.
    /// Uses the assignment recorded by `createAssignedJob`.
    function proveAndSettle(
        uint256 jobId,
        IJobTypes.JobParams memory p,
        uint8 milestone,
        uint64 units,
        uint64 energyWh,
        bool accepted
    ) internal {
        proveAndSettle(jobId, p, assignments[jobId], milestone, units, energyWh, accepted);
    }

    function proveAndSettle(
        uint256 jobId,
        IJobTypes.JobParams memory p,
        IJobTypes.Assignment memory asg,
        uint8 milestone,
        uint64 units,
        uint64 energyWh,
        bool accepted
    ) internal {
        IJobTypes.WorkAttestation memory a = attestation(jobId, milestone, units, energyWh, accepted);
        vm.prank(asg.provider);
        market.submitProof(jobId, p, asg, milestone, a.resultRoot, units, energyWh);
        bytes memory sigs = signAttestation(a, 2);
        vm.prank(keeper);
        market.settle(jobId, p, asg, a, sigs);
    }
}
