// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {JobMarket} from "../../contracts/JobMarket.sol";
import {ProviderRegistry} from "../../contracts/ProviderRegistry.sol";
import {RewardEmitter} from "../../contracts/RewardEmitter.sol";
import {JouleToken} from "../../contracts/JouleToken.sol";
import {MockERC20} from "../../contracts/test/MockERC20.sol";
import {IJobTypes} from "../../contracts/interfaces/IJobTypes.sol";
import {IJobMarket} from "../../contracts/interfaces/IJobMarket.sol";
import {IProviderRegistry} from "../../contracts/interfaces/IProviderRegistry.sol";

/// @title MarketHandler
/// @notice Drives the whole protocol for the invariant fuzzer with a fixed cast of actors and bounded inputs,
/// and keeps an independent model ("ghosts") of what every balance, escrow, stake and reward must be.
/// @dev Deploys nothing: the test deploys the protocol (JouleFixture) and hands it over. Every action
/// - starts by warping to the handler's own clock (`ghostNow`), so time only moves through `warp`;
/// - picks a job in the state the action needs (falling back to any job, so reverting paths are explored too);
/// - wraps the protocol call in try/catch, applies the model only on success, and counts attempts/successes.
/// The market stores only a hash of each job's `JobParams`, so the handler keeps the params of every job it made.
/// Anything the model did not predict (a success it thought impossible, a replayed signature that worked, an exit
/// refused with `MarketPaused`...) is counted in a violation counter that the invariants require to stay zero.
///
/// Abstract on purpose: the test file declares the concrete handler (`FuzzedMarketHandler`). The fuzzer finds a
/// target's ABI by matching its runtime code with an artifact, and `hardhat test solidity <file>` writes artifacts
/// only for the contracts of the test file itself; a handler deployed from this file would have no (or a stale)
/// artifact, and the invariant setup fails with "[targetSelectors] address does not have an associated contract".
abstract contract MarketHandler is Test {
    // ───────────────────────────── Types ─────────────────────────────
    struct Protocol {
        JobMarket market;
        ProviderRegistry registry;
        RewardEmitter emitter;
        JouleToken joule;
        MockERC20 usd;
        address verifier;
    }

    struct Actors {
        address owner;
        address treasury;
        address sponsor;
        address keeper;
        address[3] tenants;
        address[3] providers;
        uint256[3] providerKeys;
        /// @dev Verifier members' keys, sorted by ascending member address.
        uint256[3] verifierKeys;
    }

    /// @notice The model of one job. `bidder` is the best on-chain bidder while Open, the provider once Assigned.
    struct JobGhost {
        IJobTypes.JobStatus status;
        address bidder;
        uint128 price;
        uint8 settled;
        uint64 unitsSettled;
        uint40 createdAt;
        uint40 assignedAt;
        uint40 deliveryDeadline;
        uint40 submittedAt; // 0 = no proof pending
        uint64 pendingUnits;
        uint64 pendingEnergy;
        bytes32 pendingRoot;
        uint256 funded;
        uint256 paid; // to the provider, net of fees
        uint256 fees;
        uint256 refunds;
        uint256 slashed;
        uint256 compensation;
    }

    enum Filter {
        Open,
        Bidding, // Open and bidding not over
        Idle, // Assigned, no proof pending, delivery deadline not passed
        Pending, // Assigned, proof pending, verification window not over
        Overdue, // a deadline passed: award/expire should move it on
        Awardable, // open, bidding over, holds an on-chain bid
        Expirable // overdue and not awardable
    }

    enum Action {
        CreateJob,
        PlaceBid,
        AcceptBid,
        Award,
        SubmitProof,
        Settle,
        SettleMany,
        CancelJob,
        Expire,
        KeeperSweep,
        Warp,
        Withdraw,
        Claim,
        Stake,
        RequestUnbond,
        WithdrawUnbonded,
        ClaimRewards,
        Governance,
        ReplaySettle
    }

    uint256 public constant ACTION_COUNT = 19;
    uint256 internal constant BPS = 10_000;

    // ───────────────────────────── Protocol and actors ─────────────────────────────
    /// @dev Plain storage rather than immutables, so the deployed runtime code is byte-for-byte the artifact's
    /// (the fuzzer identifies its targets by their code).
    JobMarket public market;
    ProviderRegistry public registry;
    RewardEmitter public emitter;
    JouleToken public joule;
    MockERC20 public usd;
    address public verifier;

    address public owner;
    address public sponsor;
    address public keeper;
    address[3] internal _tenants;
    address[3] internal _providers;
    uint256[3] internal _providerKeys;
    uint256[3] internal _verifierKeys;
    /// @dev Every account that can ever hold a market balance (plus keeper and owner, who never should).
    address[] internal _accounts;

    // ───────────────────────────── Model: clock and config ─────────────────────────────
    uint40 public ghostNow;
    bool public ghostPaused;
    uint16 public ghostFeeBps;
    uint32 public ghostVerificationWindow;
    uint16 public ghostSlashShareBps;
    address public ghostTreasury;
    bool public ghostVerifierAllowed;
    bool public ghostTokenAllowed;

    // ───────────────────────────── Model: jobs ─────────────────────────────
    uint256[] internal _jobIds;
    mapping(uint256 jobId => IJobTypes.JobParams) internal _params;
    mapping(uint256 jobId => JobGhost) internal _jobs;

    // ───────────────────────────── Model: money ─────────────────────────────
    mapping(address account => mapping(address token => uint256)) public ghostBalance;
    mapping(address token => uint256) public ghostFunded;
    mapping(address token => uint256) public ghostPaid;
    mapping(address token => uint256) public ghostFees;
    mapping(address token => uint256) public ghostRefunds;
    mapping(address token => uint256) public ghostCredited;
    mapping(address token => uint256) public ghostWithdrawn;
    uint256 public ghostSlashed;
    uint256 public ghostCompensation;

    // ───────────────────────────── Model: stake ─────────────────────────────
    mapping(address provider => uint256) public ghostStake;
    mapping(address provider => uint256) public ghostUnbonding;
    mapping(address provider => uint40) public ghostUnlockAt;
    mapping(address provider => uint256) public ghostStakedIn;
    mapping(address provider => uint256) public ghostUnbondedOut;
    uint256 public ghostSlashedFromRegistry;

    // ───────────────────────────── Model: rewards ─────────────────────────────
    uint32[] internal _epochs;
    mapping(uint32 epoch => uint256) public ghostEpochUnits;
    mapping(uint32 epoch => uint256) public ghostMinted;
    mapping(address provider => mapping(uint32 epoch => uint256)) public ghostWork;
    mapping(address provider => mapping(uint32 epoch => bool)) public ghostClaimed;
    mapping(address provider => uint32[]) internal _workEpochs;
    uint256 public ghostMintedTotal;

    // ───────────────────────────── Model: signatures ─────────────────────────────
    mapping(address provider => uint256[]) internal _usedNonces;
    mapping(address provider => mapping(uint256 nonce => bool)) public ghostNonceUsed;
    mapping(bytes32 digest => bool) public ghostAttestationSettled;
    /// @dev The last successful single settlement, replayed by `replaySettle`.
    uint256 internal _lastSettledJob;
    IJobTypes.WorkAttestation internal _lastAttestation;
    bytes internal _lastSignatures;

    // ───────────────────────────── Violations (invariants require all zero) ─────────────────────────────
    uint256 public reusedNonceSuccesses;
    uint256 public highSSuccesses;
    uint256 public attestationReplaySuccesses;
    uint256 public invalidQuorumSuccesses;
    uint256 public pausedExitReverts; // withdraw/claim/expire/settle/award/cancel/prove refused with MarketPaused
    uint256 public newBusinessWhilePaused; // createJob/placeBid/acceptBid that succeeded while paused
    uint256 public governanceFundMoves; // owner calls that changed a balance, escrow or stake
    uint256 public earlyUnbondWithdrawals;
    uint256 public modelSurprises; // a call succeeded that the model said must fail
    uint256 public paramsHashMismatches;
    uint256 public rewardMismatches;
    /// @dev Jobs left non-terminal with a passed deadline by the latest `keeperSweep` (and over all sweeps).
    uint256 public stuckAfterLastSweep;
    uint256 public stuckTotal;

    // ───────────────────────────── Coverage counters ─────────────────────────────
    uint256[ACTION_COUNT] internal _attempts;
    uint256[ACTION_COUNT] internal _successes;
    uint256 public exitsWhilePaused; // exits that went through while paused (shows property 4 was exercised)
    uint256 public insufficientFreeStakeReverts;
    uint256 public requirementsNotMetReverts;
    uint256 public nonceUsedReverts;
    uint256 public completedJobs;
    uint256 public earlyCompletions; // completed by units before the last milestone
    uint256 public failedJobs;
    uint256 public sweeps;
    uint256 public sweepMoves; // awards/expiries done by sweeps (not counted under award/expire)

    constructor(Protocol memory p, Actors memory a) {
        market = p.market;
        registry = p.registry;
        emitter = p.emitter;
        joule = p.joule;
        usd = p.usd;
        verifier = p.verifier;
        owner = a.owner;
        sponsor = a.sponsor;
        keeper = a.keeper;
        _tenants = a.tenants;
        _providers = a.providers;
        _providerKeys = a.providerKeys;
        _verifierKeys = a.verifierKeys;

        for (uint256 i; i < 3; ++i) _accounts.push(a.tenants[i]);
        for (uint256 i; i < 3; ++i) _accounts.push(a.providers[i]);
        _accounts.push(a.sponsor);
        _accounts.push(a.treasury);
        _accounts.push(a.keeper);
        _accounts.push(a.owner);

        ghostNow = uint40(vm.getBlockTimestamp());
        IJobMarket.Parameters memory prm = p.market.parameters();
        ghostPaused = prm.paused;
        ghostFeeBps = prm.feeBps;
        ghostVerificationWindow = prm.verificationWindow;
        ghostSlashShareBps = prm.slashPayerShareBps;
        ghostTreasury = prm.treasury;
        ghostVerifierAllowed = true;
        ghostTokenAllowed = true;
        for (uint256 i; i < 3; ++i) {
            (uint256 s, , , ) = p.registry.stakeOf(a.providers[i]);
            ghostStake[a.providers[i]] = s;
            ghostStakedIn[a.providers[i]] = s;
        }
    }

    // ═════════════════════════════ Tenants and sponsor ═════════════════════════════

    /// @notice Creates a job with bounded random terms, paid by a tenant or (1 in 4) by the sponsor.
    /// `flagsSeed`: 1 in 4 jobs is paid by the sponsor; 1 in 3 needs 48 GB of VRAM, which the third provider lacks.
    function createJob(
        uint256 actorSeed,
        uint256 unitsSeed,
        uint256 priceSeed,
        uint256 collateralSeed,
        uint256 milestonesSeed,
        uint256 biddingSeed,
        uint256 windowSeed,
        uint256 flagsSeed
    ) external {
        _begin(Action.CreateJob);
        address tenant = _tenants[actorSeed % 3];
        bool sponsored = flagsSeed % 4 == 0;
        address payer = sponsored ? sponsor : tenant;

        IJobTypes.JobRequest memory r;
        r.token = address(usd);
        r.verifier = verifier;
        r.specHash = keccak256(abi.encode("spec", _jobIds.length, unitsSeed));
        r.maxUnits = uint64(bound(unitsSeed, 1, 5_000));
        r.maxPricePerUnit = uint128(bound(priceSeed, 1, 1_000_000));
        r.collateral = _collateralOption(collateralSeed);
        r.biddingEnd = ghostNow + uint40(bound(biddingSeed, 1, 6 hours));
        r.deliveryWindow = uint32(bound(windowSeed, 10 minutes, 2 days));
        r.milestones = uint8(bound(milestonesSeed, 1, 3));
        r.requirements = IJobTypes.Requirements({
            minGpuClass: 1,
            minGpuCount: 1,
            minVramGb: (flagsSeed / 4) % 3 == 0 ? 48 : 24,
            maxCarbonIntensity: 0
        });

        uint256 funded = uint256(r.maxUnits) * r.maxPricePerUnit;
        usd.mint(payer, funded);

        bool wasPaused = ghostPaused;
        uint256 jobId;
        bool ok;
        vm.prank(payer);
        if (sponsored) {
            try market.createJobFor(tenant, r) returns (uint256 id) {
                (ok, jobId) = (true, id);
            } catch {}
        } else {
            try market.createJob(r) returns (uint256 id) {
                (ok, jobId) = (true, id);
            } catch {}
        }
        if (!ok) {
            usd.burn(payer, funded);
            return;
        }
        if (wasPaused) newBusinessWhilePaused++;
        if (!ghostVerifierAllowed || !ghostTokenAllowed) modelSurprises++;

        IJobTypes.JobParams memory params = IJobTypes.JobParams({
            tenant: tenant,
            payer: payer,
            feeBps: ghostFeeBps,
            slashPayerShareBps: ghostSlashShareBps,
            verificationWindow: ghostVerificationWindow,
            request: r
        });
        if (market.commitment(jobId) != keccak256(abi.encode(params))) paramsHashMismatches++;
        _params[jobId] = params;
        _jobIds.push(jobId);
        JobGhost storage j = _jobs[jobId];
        j.status = IJobTypes.JobStatus.Open;
        j.createdAt = ghostNow;
        j.funded = funded;
        ghostFunded[address(usd)] += funded;
        _success(Action.CreateJob);
    }

    /// @notice The tenant cancels an open job (1 in 8 tries come from the wrong tenant and must fail).
    function cancelJob(uint256 jobSeed, uint256 callerSeed) external {
        _begin(Action.CancelJob);
        (uint256 id, bool found) = _pickJob(jobSeed, Filter.Open);
        if (id == 0) return;
        IJobTypes.JobParams memory p = _params[id];
        address caller = callerSeed % 8 == 0 ? _tenants[(callerSeed / 8) % 3] : p.tenant;
        bool expected = found && caller == p.tenant;

        vm.prank(caller);
        try market.cancelJob(id, p) {
            if (!expected) modelSurprises++;
            _noteExitWhilePaused();
            _closeOpen(id, IJobTypes.JobStatus.Cancelled);
            _success(Action.CancelJob);
        } catch (bytes memory err) {
            _notePausedRevert(err);
        }
    }

    /// @notice The tenant accepts a provider's EIP-712 bid. Sometimes the nonce is one already used, the
    /// signature is the high-s twin, or the bid has expired: those must never go through.
    function acceptBid(
        uint256 jobSeed,
        uint256 providerSeed,
        uint256 priceSeed,
        uint256 nonceSeed,
        uint256 modeSeed
    ) external {
        _begin(Action.AcceptBid);
        (uint256 id, bool found) = _pickJob(jobSeed, Filter.Open);
        if (id == 0) return;
        IJobTypes.JobParams memory p = _params[id];
        uint256 pi = providerSeed % 3;
        address prov = _providers[pi];

        uint256 mode = modeSeed % 16;
        bool reuse = mode < 3 && _usedNonces[prov].length != 0; // 3/16: replay a used nonce
        bool highS = mode == 3; // 1/16: malleated signature
        bool expired = mode == 4; // 1/16: expiry in the past
        uint256 nonce =
            reuse
                ? _usedNonces[prov][nonceSeed % _usedNonces[prov].length]
                : uint256(keccak256(abi.encode(prov, nonceSeed, _jobIds.length)));

        IJobTypes.Bid memory bid = IJobTypes.Bid({
            jobId: id,
            provider: prov,
            pricePerUnit: uint128(bound(priceSeed, 1, p.request.maxPricePerUnit)),
            expiry: expired ? ghostNow - 1 : ghostNow + uint40(bound(modeSeed / 16, 0, 1 days)),
            nonce: nonce
        });
        bytes memory sig = _signBid(_providerKeys[pi], bid, highS);
        bool wasPaused = ghostPaused;
        // After bidding, an on-chain winner is awarded; a signed bid may only fill a job nobody bid on.
        bool closed = ghostNow >= p.request.biddingEnd && _jobs[id].bidder != address(0);
        bool wasUsed = ghostNonceUsed[prov][nonce];

        vm.prank(p.tenant);
        try market.acceptBid(p, bid, sig) {
            if (wasUsed) reusedNonceSuccesses++;
            if (highS) highSSuccesses++;
            if (wasPaused) newBusinessWhilePaused++;
            if (!found || expired || closed) modelSurprises++;
            ghostNonceUsed[prov][nonce] = true;
            _usedNonces[prov].push(nonce);
            _assign(id, prov, bid.pricePerUnit);
            _success(Action.AcceptBid);
        } catch (bytes memory err) {
            _noteStakeRevert(err);
            if (_selector(err) == IJobMarket.NonceUsed.selector) nonceUsedReverts++;
        }
    }

    // ═════════════════════════════ Providers ═════════════════════════════

    /// @notice A provider places an on-chain bid, usually undercutting the best one.
    function placeBid(uint256 jobSeed, uint256 providerSeed, uint256 priceSeed) external {
        _begin(Action.PlaceBid);
        (uint256 id, ) = _pickJob(jobSeed, Filter.Bidding);
        if (id == 0) return;
        IJobTypes.JobParams memory p = _params[id];
        JobGhost storage j = _jobs[id];
        address prov = _providers[providerSeed % 3];
        uint128 maxPrice = p.request.maxPricePerUnit;
        // 3 in 4 bids undercut the current best when they can; the rest are random (and may not be better).
        uint128 price =
            (j.bidder != address(0) && j.price > 1 && priceSeed % 4 != 0)
                ? uint128(bound(priceSeed / 4, 1, j.price - 1))
                : uint128(bound(priceSeed / 4, 1, maxPrice));
        bool expected =
            j.status == IJobTypes.JobStatus.Open &&
                ghostNow < p.request.biddingEnd &&
                (j.bidder == address(0) || price < j.price);
        bool wasPaused = ghostPaused;

        vm.prank(prov);
        try market.placeBid(id, p, price) {
            if (wasPaused) newBusinessWhilePaused++;
            if (!expected) modelSurprises++;
            j.bidder = prov;
            j.price = price;
            _success(Action.PlaceBid);
        } catch (bytes memory err) {
            _noteStakeRevert(err);
        }
    }

    /// @notice The assigned provider proves its next milestone, leaving units for the milestones after it.
    function submitProof(uint256 jobSeed, uint256 unitsSeed, uint256 energySeed) external {
        _begin(Action.SubmitProof);
        (uint256 id, bool found) = _pickJob(jobSeed, Filter.Idle);
        if (id == 0) return;
        IJobTypes.JobParams memory p = _params[id];
        JobGhost storage j = _jobs[id];
        address prov = j.bidder == address(0) ? _providers[0] : j.bidder;
        uint64 left = p.request.maxUnits - j.unitsSettled;
        // One unit kept per later milestone (none for a job picked as a fallback, which may be closed).
        uint64 reserve = p.request.milestones > j.settled ? p.request.milestones - j.settled - 1 : 0;
        uint64 maxNow = left > reserve ? left - reserve : 1;
        // 1 in 8 proofs deliver every remaining unit at once, which completes the job before its last milestone.
        uint64 units = energySeed % 8 == 0 ? left : uint64(bound(unitsSeed, 1, maxNow));
        uint64 energy = uint64(bound(energySeed / 8, 0, 1_000_000));
        bytes32 root = keccak256(abi.encode("root", id, j.settled, unitsSeed));
        uint8 milestone = j.settled;
        IJobTypes.Assignment memory asg = assignmentOf(id);

        vm.prank(prov);
        try market.submitProof(id, p, asg, milestone, root, units, energy) {
            if (!found) modelSurprises++;
            j.submittedAt = ghostNow;
            j.pendingUnits = units;
            j.pendingEnergy = energy;
            j.pendingRoot = root;
            _success(Action.SubmitProof);
        } catch (bytes memory err) {
            _notePausedRevert(err);
        }
    }

    /// @notice A provider adds stake (JOULE from the owner's genesis allocation).
    function stake(uint256 providerSeed, uint256 amountSeed) external {
        _begin(Action.Stake);
        address prov = _providers[providerSeed % 3];
        uint256 amount = bound(amountSeed, 1, 3_000e18);
        vm.prank(owner);
        joule.transfer(prov, amount);
        vm.prank(prov);
        try registry.stake(prov, amount) {
            ghostStake[prov] += amount;
            ghostStakedIn[prov] += amount;
            _success(Action.Stake);
        } catch {}
    }

    /// @notice A provider starts unbonding; amounts above its free stake must fail with InsufficientFreeStake.
    function requestUnbond(uint256 providerSeed, uint256 amountSeed) external {
        _begin(Action.RequestUnbond);
        address prov = _providers[providerSeed % 3];
        uint256 free = registry.freeStake(prov);
        uint256 amount = bound(amountSeed, 1, free + 500e18);
        uint32 delay = registry.unbondingDelay();
        vm.prank(prov);
        try registry.requestUnbond(amount) {
            if (amount > free) modelSurprises++;
            ghostUnbonding[prov] += amount;
            ghostUnlockAt[prov] = ghostNow + delay;
            _success(Action.RequestUnbond);
        } catch (bytes memory err) {
            _noteStakeRevert(err);
        }
    }

    /// @notice A provider withdraws its unbonded stake; before the unlock time this must fail.
    function withdrawUnbonded(uint256 providerSeed) external {
        _begin(Action.WithdrawUnbonded);
        address prov = _providers[providerSeed % 3];
        uint256 amount = ghostUnbonding[prov];
        vm.prank(prov);
        try registry.withdrawUnbonded(prov) {
            if (ghostNow < ghostUnlockAt[prov]) earlyUnbondWithdrawals++;
            ghostStake[prov] -= amount;
            ghostUnbondedOut[prov] += amount;
            ghostUnbonding[prov] = 0;
            ghostUnlockAt[prov] = 0;
            _success(Action.WithdrawUnbonded);
        } catch {}
    }

    /// @notice A provider claims its rewards for ended epochs straight from the emitter.
    function claimRewards(uint256 providerSeed, uint256 modeSeed) external {
        _begin(Action.ClaimRewards);
        // The first provider from the seed on that has ended, unclaimed epochs (else the seed's own).
        address prov = _providers[providerSeed % 3];
        for (uint256 k; k < 3; ++k) {
            if (_claimableEpochs(_providers[(providerSeed + k) % 3]).length != 0) {
                prov = _providers[(providerSeed + k) % 3];
                break;
            }
        }
        uint32[] memory eps = _claimableEpochs(prov);
        // 1 in 8 tries asks for the running epoch, which must fail.
        if (eps.length == 0 || modeSeed % 8 == 0) {
            eps = new uint32[](1);
            eps[0] = _epochAt(ghostNow);
        }
        vm.prank(prov);
        try emitter.claimRewards(eps, prov) returns (uint256 amount) {
            if (_recordClaim(prov, eps) != amount) rewardMismatches++;
            _success(Action.ClaimRewards);
        } catch {}
    }

    // ═════════════════════════════ Keepers and verifiers ═════════════════════════════

    /// @notice A keeper awards a job whose bidding is over to its best on-chain bid.
    function award(uint256 jobSeed) external {
        _begin(Action.Award);
        (uint256 id, bool found) = _pickJob(jobSeed, Filter.Awardable);
        if (id == 0) return;
        if (_tryAward(id, found)) _success(Action.Award);
    }

    /// @notice 2-of-3 (or 3-of-3) verifiers settle the pending milestone: accepted 9 times in 10, else rejected.
    /// 1 in 4 signature sets is invalid on purpose (one signer, wrong order, a high-s twin, wrong digest).
    function settle(uint256 jobSeed, uint256 acceptSeed, uint256 sigSeed) external {
        _begin(Action.Settle);
        (uint256 id, bool found) = _pickJob(jobSeed, Filter.Pending);
        if (id == 0) return;
        JobGhost storage j = _jobs[id];
        IJobTypes.WorkAttestation memory a = _attestationOf(id, acceptSeed % 10 != 0);
        uint256 mode = sigSeed % 16;
        mode = mode < 12 ? mode % 4 : mode - 8; // 0-3 valid quorums, 4-7 invalid ones
        bool valid = mode < 4;
        bytes memory sigs = _signAttestation(a, mode);
        IJobTypes.JobParams memory p = _params[id];
        IJobTypes.Assignment memory asg = assignmentOf(id);
        bool expected = found && valid && j.submittedAt != 0;

        vm.prank(keeper);
        try market.settle(id, p, asg, a, sigs) {
            if (!valid) {
                invalidQuorumSuccesses++;
                if (mode == 6) highSSuccesses++;
            }
            if (!expected) modelSurprises++;
            _noteExitWhilePaused();
            _recordSettlement(id, a, sigs);
            _success(Action.Settle);
        } catch (bytes memory err) {
            _notePausedRevert(err);
        }
    }

    /// @notice Settles up to three pending milestones (accepted, 2 signatures) in one `settleMany`.
    function settleMany(uint256 jobSeed, uint256 countSeed) external {
        _begin(Action.SettleMany);
        uint256 want = bound(countSeed, 1, 3);
        uint256[] memory ids = new uint256[](want);
        uint256 n;
        uint256 total = _jobIds.length;
        for (uint256 k; k < total && n < want; ++k) {
            uint256 id = _jobIds[(jobSeed + k) % total];
            if (_matches(id, Filter.Pending)) ids[n++] = id;
        }
        if (n == 0) return;
        IJobTypes.Settlement[] memory batch = new IJobTypes.Settlement[](n);
        for (uint256 i; i < n; ++i) {
            IJobTypes.WorkAttestation memory a = _attestationOf(ids[i], true);
            batch[i] = IJobTypes.Settlement({
                jobId: ids[i],
                params: _params[ids[i]],
                assignment: assignmentOf(ids[i]),
                attestation: a,
                signatures: _signAttestation(a, i % 3)
            });
        }
        vm.prank(keeper);
        try market.settleMany(batch) {
            _noteExitWhilePaused();
            for (uint256 i; i < n; ++i) _recordSettlement(ids[i], batch[i].attestation, batch[i].signatures);
            _success(Action.SettleMany);
        } catch (bytes memory err) {
            _notePausedRevert(err);
        }
    }

    /// @notice Replays the last successful settlement: an attestation must never settle twice.
    function replaySettle() external {
        _begin(Action.ReplaySettle);
        uint256 id = _lastSettledJob;
        if (id == 0) return;
        IJobTypes.JobParams memory p = _params[id];
        IJobTypes.Assignment memory asg = assignmentOf(id);
        IJobTypes.WorkAttestation memory a = _lastAttestation;
        bytes memory sigs = _lastSignatures;
        vm.prank(keeper);
        try market.settle(id, p, asg, a, sigs) {
            attestationReplaySuccesses++;
            _success(Action.ReplaySettle);
        } catch {}
    }

    /// @notice A keeper calls `expire` on a job (preferring one whose deadline passed).
    function expire(uint256 jobSeed) external {
        _begin(Action.Expire);
        (uint256 id, ) = _pickJob(jobSeed, Filter.Expirable);
        if (id == 0) return;
        if (_tryExpire(id)) _success(Action.Expire);
    }

    /// @notice A keeper moves on every job whose deadline has passed. Afterwards none may be left overdue.
    function keeperSweep() external {
        _begin(Action.KeeperSweep);
        uint256 total = _jobIds.length;
        for (uint256 k; k < total; ++k) {
            uint256 id = _jobIds[k];
            if (!_matches(id, Filter.Overdue)) continue;
            JobGhost storage j = _jobs[id];
            bool moved =
                j.status == IJobTypes.JobStatus.Open && j.bidder != address(0) ? _tryAward(id, true) : _tryExpire(id);
            if (moved) sweepMoves++;
        }
        uint256 stuck;
        for (uint256 k; k < total; ++k) {
            if (_overdueOnChain(_jobIds[k])) stuck++;
        }
        stuckAfterLastSweep = stuck;
        stuckTotal += stuck;
        sweeps++;
        _success(Action.KeeperSweep);
    }

    // ═════════════════════════════ Time ═════════════════════════════

    /// @notice Moves time forward: mostly minutes to hours, 1 in 4 a long jump (days, past unbonding delays).
    function warp(uint256 secondsSeed) external {
        _begin(Action.Warp);
        uint256 dt =
            secondsSeed % 4 == 0 ? bound(secondsSeed / 4, 1 days, 8 days) : bound(secondsSeed / 4, 1, 12 hours);
        ghostNow += uint40(dt);
        vm.warp(ghostNow);
        _success(Action.Warp);
    }

    // ═════════════════════════════ Balances ═════════════════════════════

    /// @notice An account withdraws part or all of a market balance (payment token or JOULE compensation).
    function withdraw(uint256 accountSeed, uint256 tokenSeed, uint256 amountSeed) external {
        _begin(Action.Withdraw);
        address who = _accounts[accountSeed % 8]; // tenants, providers, sponsor, treasury
        address token = tokenSeed % 3 == 0 ? address(joule) : address(usd);
        uint256 bal = ghostBalance[who][token];
        uint256 amount = bal == 0 ? 1 : bound(amountSeed, 1, bal);
        vm.prank(who);
        try market.withdraw(token, amount, who) {
            _noteExitWhilePaused();
            // Recorded, not reverted: a handler revert would roll the over-withdrawal back and hide it.
            if (amount > bal) modelSurprises++;
            else ghostBalance[who][token] = bal - amount;
            ghostWithdrawn[token] += amount;
            _success(Action.Withdraw);
        } catch (bytes memory err) {
            _notePausedRevert(err);
        }
    }

    /// @notice An account claims its whole balances in both tokens and, for providers, its ended reward epochs.
    function claim(uint256 accountSeed) external {
        _begin(Action.Claim);
        address who = _accounts[accountSeed % 8];
        address[] memory tokens = new address[](2);
        tokens[0] = address(usd);
        tokens[1] = address(joule);
        uint32[] memory eps = _claimableEpochs(who);
        vm.prank(who);
        try market.claim(tokens, eps, who) {
            _noteExitWhilePaused();
            for (uint256 i; i < 2; ++i) {
                ghostWithdrawn[tokens[i]] += ghostBalance[who][tokens[i]];
                ghostBalance[who][tokens[i]] = 0;
            }
            _recordClaim(who, eps);
            _success(Action.Claim);
        } catch (bytes memory err) {
            _notePausedRevert(err);
        }
    }

    // ═════════════════════════════ Governance ═════════════════════════════

    /// @notice The owner pauses, unpauses, changes the fee, verification window or slash share, or toggles the
    /// allowlisting of the payment token or the verifier (live jobs keep working either way).
    /// Every balance, escrow and stake is fingerprinted before and after: none may change.
    function governance(uint256 opSeed, uint256 valueSeed) external {
        _begin(Action.Governance);
        bytes32 before = fundsFingerprint();
        uint256 op = opSeed % 7;
        // Pausing and de-listing stop new business; undo them half the time so runs keep going deep.
        if (opSeed % 14 < 7) {
            if (ghostPaused) op = 1;
            else if (!ghostVerifierAllowed) op = 5;
            else if (!ghostTokenAllowed) op = 6;
        }
        vm.startPrank(owner);
        bool ok = true;
        if (op == 0) {
            market.pause();
            ghostPaused = true;
        } else if (op == 1) {
            market.unpause();
            ghostPaused = false;
        } else if (op == 2) {
            // 1 in 8 tries an out-of-bounds fee, which must be refused.
            uint16 fee = valueSeed % 8 == 0 ? 1_001 : uint16(bound(valueSeed / 8, 0, 1_000));
            try market.setProtocolFee(fee) {
                if (fee > 1_000) modelSurprises++;
                ghostFeeBps = fee;
            } catch {
                ok = false;
            }
        } else if (op == 3) {
            uint32 w = uint32(bound(valueSeed, 1 hours, 7 days));
            market.setVerificationWindow(w);
            ghostVerificationWindow = w;
        } else if (op == 4) {
            uint16 share = uint16(bound(valueSeed, 5_000, 10_000));
            market.setSlashPayerShareBps(share);
            ghostSlashShareBps = share;
        } else if (op == 5) {
            ghostVerifierAllowed = !ghostVerifierAllowed;
            market.setAllowedVerifier(verifier, ghostVerifierAllowed);
        } else {
            ghostTokenAllowed = !ghostTokenAllowed;
            market.setAllowedToken(address(usd), ghostTokenAllowed);
        }
        vm.stopPrank();
        if (fundsFingerprint() != before) governanceFundMoves++;
        if (ok) _success(Action.Governance);
    }

    // ═════════════════════════════ Views for the invariants ═════════════════════════════

    function jobIds() external view returns (uint256[] memory) {
        return _jobIds;
    }

    function paramsOf(uint256 jobId) external view returns (IJobTypes.JobParams memory) {
        return _params[jobId];
    }

    function ghostOf(uint256 jobId) external view returns (JobGhost memory) {
        return _jobs[jobId];
    }

    /// @notice The winner and price of an assigned (or once-assigned) job, as the market committed to them;
    /// zeros while open (the market ignores the assignment then).
    function assignmentOf(uint256 jobId) public view returns (IJobTypes.Assignment memory) {
        JobGhost storage j = _jobs[jobId];
        if (j.assignedAt == 0) return IJobTypes.Assignment(address(0), 0);
        return IJobTypes.Assignment(j.bidder, j.price);
    }

    function accounts() external view returns (address[] memory) {
        return _accounts;
    }

    function providers() external view returns (address[3] memory) {
        return _providers;
    }

    function epochs() external view returns (uint32[] memory) {
        return _epochs;
    }

    function usedNonces(address provider) external view returns (uint256[] memory) {
        return _usedNonces[provider];
    }

    function attempts() external view returns (uint256[ACTION_COUNT] memory) {
        return _attempts;
    }

    function successes() external view returns (uint256[ACTION_COUNT] memory) {
        return _successes;
    }

    function actionName(uint256 i) external pure returns (string memory) {
        string[ACTION_COUNT] memory names = [
            "createJob",
            "placeBid",
            "acceptBid",
            "award",
            "submitProof",
            "settle",
            "settleMany",
            "cancelJob",
            "expire",
            "keeperSweep",
            "warp",
            "withdraw",
            "claim",
            "stake",
            "requestUnbond",
            "withdrawUnbonded",
            "claimRewards",
            "governance",
            "replaySettle"
        ];
        return names[i];
    }

    /// @notice Collateral the model says `provider` must have locked: jobs where it holds the best bid or is assigned.
    function expectedLocked(address provider) public view returns (uint256 sum) {
        for (uint256 k; k < _jobIds.length; ++k) {
            JobGhost storage j = _jobs[_jobIds[k]];
            bool live = j.status == IJobTypes.JobStatus.Open || j.status == IJobTypes.JobStatus.Assigned;
            if (live && j.bidder == provider) sum += _params[_jobIds[k]].request.collateral;
        }
    }

    /// @notice Hash of every market balance, job escrow, token holding and stake: what governance must not touch.
    function fundsFingerprint() public view returns (bytes32 h) {
        for (uint256 i; i < _accounts.length; ++i) {
            h = keccak256(
                abi.encode(
                    h,
                    market.balanceOf(_accounts[i], address(usd)),
                    market.balanceOf(_accounts[i], address(joule))
                )
            );
        }
        for (uint256 k; k < _jobIds.length; ++k) {
            uint256 id = _jobIds[k];
            h = keccak256(abi.encode(h, market.heldInEscrow(id, _params[id], assignmentOf(id))));
        }
        h = keccak256(
            abi.encode(
                h,
                usd.balanceOf(address(market)),
                joule.balanceOf(address(market)),
                joule.balanceOf(address(registry))
            )
        );
        for (uint256 i; i < 3; ++i) {
            (uint256 s, uint256 l, uint256 u, ) = registry.stakeOf(_providers[i]);
            h = keccak256(abi.encode(h, s, l, u));
        }
    }

    // ═════════════════════════════ Internal: protocol calls shared by actions ═════════════════════════════

    function _tryAward(uint256 id, bool found) internal returns (bool ok) {
        IJobTypes.JobParams memory p = _params[id];
        JobGhost storage j = _jobs[id];
        bool expected =
            found && j.status == IJobTypes.JobStatus.Open && ghostNow >= p.request.biddingEnd && j.bidder != address(0);
        vm.prank(keeper);
        try market.award(id, p) {
            if (!expected) modelSurprises++;
            _noteExitWhilePaused();
            _assign(id, j.bidder, j.price);
            ok = true;
        } catch (bytes memory err) {
            _notePausedRevert(err);
        }
    }

    function _tryExpire(uint256 id) internal returns (bool ok) {
        IJobTypes.JobParams memory p = _params[id];
        IJobTypes.Assignment memory asg = assignmentOf(id);
        JobGhost storage j = _jobs[id];
        vm.prank(keeper);
        try market.expire(id, p, asg) {
            _noteExitWhilePaused();
            if (j.status == IJobTypes.JobStatus.Open && j.bidder == address(0) && ghostNow >= p.request.biddingEnd) {
                _closeOpen(id, IJobTypes.JobStatus.Expired);
            } else if (
                j.status == IJobTypes.JobStatus.Assigned && j.submittedAt != 0 && ghostNow > _verifyDeadline(id)
            ) {
                _closeAssigned(id, false); // verifiers timed out: refund, release, no penalty
            } else if (
                j.status == IJobTypes.JobStatus.Assigned && j.submittedAt == 0 && ghostNow > j.deliveryDeadline
            ) {
                _closeAssigned(id, true); // delivery missed: slash
            } else {
                modelSurprises++;
            }
            ok = true;
        } catch (bytes memory err) {
            _notePausedRevert(err);
        }
    }

    // ═════════════════════════════ Internal: the model ═════════════════════════════

    function _assign(uint256 id, address prov, uint128 price) internal {
        IJobTypes.JobParams storage p = _params[id];
        JobGhost storage j = _jobs[id];
        j.status = IJobTypes.JobStatus.Assigned;
        j.bidder = prov;
        j.price = price;
        j.assignedAt = ghostNow;
        j.deliveryDeadline = ghostNow + p.request.deliveryWindow;
        _refund(id, uint256(p.request.maxUnits) * (p.request.maxPricePerUnit - price));
    }

    function _recordSettlement(uint256 id, IJobTypes.WorkAttestation memory a, bytes memory sigs) internal {
        bytes32 digest = market.hashAttestation(a);
        if (ghostAttestationSettled[digest]) attestationReplaySuccesses++;
        ghostAttestationSettled[digest] = true;
        _lastSettledJob = id;
        _lastAttestation = a;
        _lastSignatures = sigs;
        if (a.accepted) _settleAccepted(id);
        else _closeAssigned(id, true);
    }

    function _settleAccepted(uint256 id) internal {
        IJobTypes.JobParams storage p = _params[id];
        JobGhost storage j = _jobs[id];
        address token = p.request.token;
        uint256 payment = uint256(j.pendingUnits) * j.price;
        uint256 fee = _fee(payment, p.feeBps);
        j.paid += payment - fee;
        j.fees += fee;
        ghostPaid[token] += payment - fee;
        ghostFees[token] += fee;
        _credit(j.bidder, token, payment - fee);
        _credit(ghostTreasury, token, fee);
        _recordWork(j.bidder, j.pendingUnits);

        j.settled++;
        j.unitsSettled += j.pendingUnits;
        j.deliveryDeadline += ghostNow - j.submittedAt; // the delivery clock stops while verifiers work
        _clearPending(j);
        // Done after the last milestone, or earlier once every paid-for unit is delivered and verified.
        if (j.settled == p.request.milestones || j.unitsSettled == p.request.maxUnits) {
            j.status = IJobTypes.JobStatus.Completed;
            completedJobs++;
            if (j.settled < p.request.milestones) earlyCompletions++;
            _refund(id, uint256(p.request.maxUnits - j.unitsSettled) * j.price);
        }
    }

    /// @dev The protocol fee of a payment: rounded up, in the protocol's favour, like the market.
    function _fee(uint256 payment, uint16 feeBps) internal pure virtual returns (uint256) {
        return (payment * feeBps + BPS - 1) / BPS;
    }

    function _closeOpen(uint256 id, IJobTypes.JobStatus status) internal {
        _jobs[id].status = status;
        _refund(id, _jobs[id].funded);
    }

    function _closeAssigned(uint256 id, bool failed) internal {
        IJobTypes.JobParams storage p = _params[id];
        JobGhost storage j = _jobs[id];
        _clearPending(j);
        j.status = failed ? IJobTypes.JobStatus.Failed : IJobTypes.JobStatus.Expired;
        _refund(id, uint256(p.request.maxUnits - j.unitsSettled) * j.price);
        uint256 collateral = p.request.collateral;
        if (failed) failedJobs++;
        if (failed && collateral != 0) {
            uint256 comp = (collateral * p.slashPayerShareBps) / BPS; // rounded down, dust to the treasury
            _credit(p.payer, address(joule), comp);
            _credit(ghostTreasury, address(joule), collateral - comp);
            j.slashed = collateral;
            j.compensation = comp;
            ghostSlashed += collateral;
            ghostCompensation += comp;
            ghostStake[j.bidder] -= collateral;
            ghostSlashedFromRegistry += collateral;
        }
    }

    function _clearPending(JobGhost storage j) internal {
        j.submittedAt = 0;
        j.pendingUnits = 0;
        j.pendingEnergy = 0;
        j.pendingRoot = 0;
    }

    function _refund(uint256 id, uint256 amount) internal {
        if (amount == 0) return;
        address token = _params[id].request.token;
        _jobs[id].refunds += amount;
        ghostRefunds[token] += amount;
        _credit(_params[id].payer, token, amount);
    }

    function _credit(address who, address token, uint256 amount) internal {
        ghostBalance[who][token] += amount;
        ghostCredited[token] += amount;
    }

    function _recordWork(address prov, uint64 units) internal {
        uint32 e = _epochAt(ghostNow);
        if (ghostEpochUnits[e] == 0) _epochs.push(e);
        if (ghostWork[prov][e] == 0) _workEpochs[prov].push(e);
        ghostEpochUnits[e] += units;
        ghostWork[prov][e] += units;
    }

    /// @dev Applies a successful claim of `epochs` by `prov` to the model; returns the expected total.
    function _recordClaim(address prov, uint32[] memory epochs_) internal returns (uint256 total) {
        uint32 current = _epochAt(ghostNow);
        for (uint256 i; i < epochs_.length; ++i) {
            uint32 e = epochs_[i];
            // A claim of a running epoch, of no work, or a second claim must not succeed. Recorded, not
            // reverted (a handler revert would roll the claim back and hide it).
            if (e >= current || ghostWork[prov][e] == 0 || ghostClaimed[prov][e]) {
                rewardMismatches++;
                continue;
            }
            uint256 reward = (emissionOf(e) * ghostWork[prov][e]) / ghostEpochUnits[e];
            ghostClaimed[prov][e] = true;
            ghostMinted[e] += reward;
            ghostMintedTotal += reward;
            total += reward;
        }
    }

    function _claimableEpochs(address who) internal view returns (uint32[] memory out) {
        uint32[] storage all = _workEpochs[who];
        uint32 current = _epochAt(ghostNow);
        uint256 n;
        for (uint256 i; i < all.length; ++i) {
            if (all[i] < current && !ghostClaimed[who][all[i]]) n++;
        }
        out = new uint32[](n);
        n = 0;
        for (uint256 i; i < all.length; ++i) {
            if (all[i] < current && !ghostClaimed[who][all[i]]) out[n++] = all[i];
        }
    }

    /// @notice The model's emission schedule: initial emission halving every `halvingInterval` epochs.
    function emissionOf(uint32 epoch) public view returns (uint256) {
        uint256 halvings = epoch / emitter.halvingInterval();
        return halvings >= 256 ? 0 : emitter.initialEmission() >> halvings;
    }

    function _epochAt(uint40 t) internal view returns (uint32) {
        uint40 g = emitter.genesis();
        return t <= g ? 0 : uint32((t - g) / emitter.epochLength());
    }

    function _verifyDeadline(uint256 id) internal view returns (uint40) {
        return _jobs[id].submittedAt + _params[id].verificationWindow;
    }

    // ═════════════════════════════ Internal: picking jobs ═════════════════════════════

    /// @dev The first job from `seed` on that matches `f`; else some job (found = false) so failures get explored.
    function _pickJob(uint256 seed, Filter f) internal view returns (uint256 id, bool found) {
        uint256 n = _jobIds.length;
        if (n == 0) return (0, false);
        uint256 start = seed % n;
        for (uint256 k; k < n; ++k) {
            uint256 candidate = _jobIds[(start + k) % n];
            if (_matches(candidate, f)) return (candidate, true);
        }
        return (_jobIds[start], false);
    }

    function _matches(uint256 id, Filter f) internal view returns (bool) {
        JobGhost storage j = _jobs[id];
        IJobTypes.JobParams storage p = _params[id];
        bool open = j.status == IJobTypes.JobStatus.Open;
        bool assigned = j.status == IJobTypes.JobStatus.Assigned;
        if (f == Filter.Open) return open;
        if (f == Filter.Bidding) return open && ghostNow < p.request.biddingEnd;
        if (f == Filter.Idle) return assigned && j.submittedAt == 0 && ghostNow <= j.deliveryDeadline;
        if (f == Filter.Pending) return assigned && j.submittedAt != 0 && ghostNow <= _verifyDeadline(id);
        if (f == Filter.Awardable) return open && ghostNow >= p.request.biddingEnd && j.bidder != address(0);
        // Overdue: bidding over while open; verification window or delivery deadline passed while assigned.
        // Expirable: the same without the open jobs that hold a bid (those are awarded, not expired).
        if (open) return ghostNow >= p.request.biddingEnd && (f == Filter.Overdue || j.bidder == address(0));
        if (assigned) return j.submittedAt != 0 ? ghostNow > _verifyDeadline(id) : ghostNow > j.deliveryDeadline;
        return false;
    }

    /// @dev Overdue judged from the market's own state (not the model), for the liveness check after a sweep.
    function _overdueOnChain(uint256 id) internal view returns (bool) {
        IJobTypes.JobStatus s = market.jobStatus(id);
        if (s == IJobTypes.JobStatus.Open) return ghostNow >= _params[id].request.biddingEnd;
        if (s != IJobTypes.JobStatus.Assigned) return false;
        (, uint32 deliveryDeadline, uint32 verifyDeadline, , , ) = market.jobProgress(id);
        return verifyDeadline != 0 ? ghostNow > verifyDeadline : ghostNow > deliveryDeadline;
    }

    // ═════════════════════════════ Internal: signatures ═════════════════════════════

    function _attestationOf(uint256 id, bool accepted) internal view returns (IJobTypes.WorkAttestation memory) {
        JobGhost storage j = _jobs[id];
        return
            IJobTypes.WorkAttestation({
                jobId: id,
                milestone: j.settled,
                resultRoot: j.pendingRoot,
                units: j.pendingUnits,
                energyWh: j.pendingEnergy,
                accepted: accepted
            });
    }

    /// @dev Modes 0-3 are valid quorums ({0,1}, {0,2}, {1,2}, {0,1,2}); 4 = one signer, 5 = {1,0} out of order,
    /// 6 = {0,1} with a high-s twin of signer 1's signature, 7 = {0,1} signed over the wrong digest.
    function _signAttestation(IJobTypes.WorkAttestation memory a, uint256 mode) internal view returns (bytes memory) {
        bytes32 digest = market.hashAttestation(a);
        if (mode == 0) return abi.encodePacked(_sig(0, digest, false), _sig(1, digest, false));
        if (mode == 1) return abi.encodePacked(_sig(0, digest, false), _sig(2, digest, false));
        if (mode == 2) return abi.encodePacked(_sig(1, digest, false), _sig(2, digest, false));
        if (mode == 3) return abi.encodePacked(_sig(0, digest, false), _sig(1, digest, false), _sig(2, digest, false));
        if (mode == 4) return _sig(0, digest, false);
        if (mode == 5) return abi.encodePacked(_sig(1, digest, false), _sig(0, digest, false));
        if (mode == 6) return abi.encodePacked(_sig(0, digest, false), _sig(1, digest, true));
        bytes32 wrong = keccak256(abi.encode(digest));
        return abi.encodePacked(_sig(0, wrong, false), _sig(1, wrong, false));
    }

    function _sig(uint256 i, bytes32 digest, bool highS) internal view returns (bytes memory) {
        return _signDigest(_verifierKeys[i], digest, highS);
    }

    function _signBid(uint256 key, IJobTypes.Bid memory bid, bool highS) internal view returns (bytes memory) {
        return _signDigest(key, market.hashBid(bid), highS);
    }

    /// @dev `highS` returns the malleated twin (s' = n - s, v flipped), valid for plain ecrecover but not low-s checks.
    function _signDigest(uint256 key, bytes32 digest, bool highS) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        if (highS) {
            s = bytes32(0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141 - uint256(s));
            v = v == 27 ? 28 : 27;
        }
        return abi.encodePacked(r, s, v);
    }

    // ═════════════════════════════ Internal: bookkeeping ═════════════════════════════

    /// @dev Every action begins on the handler's clock, whatever the fuzzer did to the block in between.
    function _begin(Action a) internal {
        vm.warp(ghostNow);
        _attempts[uint256(a)]++;
    }

    function _success(Action a) internal {
        _successes[uint256(a)]++;
    }

    function _noteExitWhilePaused() internal {
        if (ghostPaused) exitsWhilePaused++;
    }

    function _notePausedRevert(bytes memory err) internal {
        if (_selector(err) == IJobMarket.MarketPaused.selector) pausedExitReverts++;
    }

    function _noteStakeRevert(bytes memory err) internal {
        bytes4 sel = _selector(err);
        if (sel == IProviderRegistry.InsufficientFreeStake.selector) insufficientFreeStakeReverts++;
        if (sel == IProviderRegistry.RequirementsNotMet.selector) requirementsNotMetReverts++;
    }

    function _selector(bytes memory err) internal pure returns (bytes4) {
        return err.length >= 4 ? bytes4(err) : bytes4(0);
    }

    function _collateralOption(uint256 seed) internal pure returns (uint128) {
        uint256 k = seed % 5;
        if (k == 0) return 0;
        if (k == 1) return 50e18;
        if (k == 2) return 500e18;
        if (k == 3) return 2_000e18;
        return 6_000e18;
    }
}
