// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IJobMarket} from "./interfaces/IJobMarket.sol";
import {IJouleToken} from "./interfaces/IJouleToken.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";
import {IRewardEmitter} from "./interfaces/IRewardEmitter.sol";
import {IWorkVerifier} from "./interfaces/IWorkVerifier.sol";
import {ProviderRegistry} from "./ProviderRegistry.sol";
import {RewardEmitter} from "./RewardEmitter.sol";

/// @title JobMarket
/// @notice Escrow, bidding, proofs, settlement and pull-payment balances for Joule GPU jobs.
/// @dev A job keeps two storage slots: a commitment to its immutable terms (params, then params + assignment)
/// and one slot of state — the best bid while open, the progress once assigned. Everything else travels in
/// calldata (checked against the commitment) and in events. The market deploys its ProviderRegistry and
/// RewardEmitter, which therefore know it as an immutable.
contract JobMarket is IJobMarket, Ownable2Step, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    // ───────────────────────────── Constants ─────────────────────────────
    uint16 internal constant MAX_FEE_BPS = 1_000; // 10 %
    uint16 internal constant MIN_SLASH_PAYER_SHARE_BPS = 5_000; // the payer gets at least half of a slash
    uint16 internal constant MAX_SLASH_PAYER_SHARE_BPS = 10_000;
    uint32 internal constant MIN_VERIFICATION_WINDOW = 1 hours;
    uint32 internal constant MAX_VERIFICATION_WINDOW = 7 days;
    uint32 internal constant MIN_DELIVERY_WINDOW = 10 minutes;
    uint32 internal constant MAX_DELIVERY_WINDOW = 365 days;
    uint32 internal constant MAX_BIDDING_PERIOD = 30 days;
    uint8 internal constant MAX_MILESTONES = 64;
    uint16 private constant _BPS = 10_000;
    /// @dev Set in every balance slot ever credited, so a slot emptied by a withdrawal stays non-zero and the
    /// next credit costs a warm write (2.9k gas) instead of a fresh one (20k). Balances stay below 2^255.
    uint256 private constant _TOUCHED = 1 << 255;
    uint256 private constant _PARAMS_SIZE = 18 * 32; // JobParams: 5 words + JobRequest 9 + Requirements 4

    bytes32 internal constant BID_TYPEHASH = keccak256(
        "Bid(uint256 jobId,address provider,uint128 pricePerUnit,uint40 expiry,uint256 nonce)"
    );
    bytes32 internal constant ATTESTATION_TYPEHASH = keccak256(
        "WorkAttestation(uint256 jobId,uint8 milestone,bytes32 resultRoot,uint64 units,uint64 energyWh,bool accepted)"
    );

    IProviderRegistry private immutable _registry;
    IRewardEmitter private immutable _emitter;
    address private immutable _stakeToken;
    /// @dev Fixed at deployment (a governance-controlled contract such as a timelocked Safe): settlement credits
    /// fees without a storage read, and governance cannot redirect what the treasury accrued.
    address private immutable _treasury;
    /// @dev Reward epochs: the market records verified work per provider and epoch; the emitter pays it out.
    uint40 private immutable _rewardGenesis;
    uint32 private immutable _epochLength;

    // ───────────────────────────── Storage ─────────────────────────────
    /// @dev A job's state slot while Open (and Cancelled/Expired from Open): the best on-chain bid.
    /// 160 + 88 + 8 = 256 bits; prices are bounded by `type(uint88).max` at creation.
    struct JobState {
        address provider;
        uint88 pricePerUnit;
        JobStatus status;
    }

    /// @dev The same slot once assigned (the winner and price moved into the commitment):
    /// 8 + 32 + 32 + 48 + 48 + 48 + 32 + 8 = 256 bits. `status` sits in the top byte in both layouts.
    /// `verifyDeadline != 0` iff a proof is pending. Timestamps are uint32 (good until 2106).
    struct Progress {
        uint8 settled;
        uint32 deliveryDeadline;
        uint32 verifyDeadline;
        uint48 unitsSettled;
        uint48 pendingUnits;
        uint48 pendingEnergyWh;
        /// @dev First 4 bytes of the pending proof's result root: an attestation over another root is refused.
        bytes4 pendingRootTag;
        JobStatus status;
    }

    /// @dev One slot read and written by `createJob`: 64 + 16 + 32 + 16 + 8 = 136 bits.
    struct Config {
        uint64 jobCount;
        uint16 feeBps;
        uint32 verificationWindow;
        uint16 slashPayerShareBps;
        bool paused;
    }

    Config private _config;
    mapping(uint256 jobId => bytes32) private _commitments;
    /// @dev Read as `JobState` or, through `_progress`, as `Progress`, depending on the status.
    mapping(uint256 jobId => JobState) private _states;
    mapping(address account => mapping(address token => uint256)) private _balances;
    mapping(address token => bool) private _allowedTokens;
    mapping(address verifier => bool) private _allowedVerifiers;
    mapping(address provider => mapping(uint256 wordPos => uint256)) private _nonceBitmap;
    mapping(uint32 epoch => uint256) private _epochUnits;
    mapping(address provider => mapping(uint32 epoch => uint256)) private _workUnits;

    // ───────────────────────────── Constructor ─────────────────────────────
    /// @param joule the JOULE token: stake token and reward token (the emitter must then be made its minter).
    constructor(
        IJouleToken joule,
        address treasury_,
        address owner_,
        MarketSettings memory settings
    ) Ownable(owner_) EIP712("Joule JobMarket", "1") {
        if (address(joule) == address(0) || treasury_ == address(0)) revert ZeroAddress();
        _stakeToken = address(joule);
        _registry = new ProviderRegistry(IERC20(address(joule)), owner_, settings.unbondingDelay, address(this));
        _emitter = new RewardEmitter(
            joule,
            settings.rewardGenesis,
            settings.epochLength,
            settings.initialEmission,
            settings.halvingInterval,
            address(this)
        );
        _treasury = treasury_;
        _rewardGenesis = _emitter.genesis();
        _epochLength = settings.epochLength;
        _setProtocolFee(settings.feeBps);
        _setVerificationWindow(settings.verificationWindow);
        _setSlashPayerShare(settings.slashPayerShareBps);
    }

    // ───────────────────────────── Tenants ─────────────────────────────
    /// @inheritdoc IJobMarket
    function createJob(JobRequest calldata request) external nonReentrant returns (uint256) {
        return _createJob(msg.sender, msg.sender, request);
    }

    /// @inheritdoc IJobMarket
    function createJobFor(address tenant, JobRequest calldata request) external nonReentrant returns (uint256) {
        if (tenant == address(0)) revert ZeroAddress();
        return _createJob(tenant, msg.sender, request);
    }

    /// @inheritdoc IJobMarket
    function createJobWithPermit(
        JobRequest calldata request,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant returns (uint256) {
        uint256 amount = uint256(request.maxUnits) * request.maxPricePerUnit;
        // A front-run permit reverts here although the allowance is in place: go on and let the pull decide.
        try IERC20Permit(request.token).permit(msg.sender, address(this), amount, permitDeadline, v, r, s) {} catch {}
        return _createJob(msg.sender, msg.sender, request);
    }

    /// @inheritdoc IJobMarket
    function cancelJob(uint256 jobId, JobParams calldata params) external nonReentrant {
        JobState memory s = _states[jobId];
        if (s.status != JobStatus.Open) revert JobNotOpen(jobId, s.status);
        _checkParams(jobId, params);
        if (msg.sender != params.tenant) revert NotTenant(jobId, msg.sender);
        _closeOpen(jobId, params, s, JobStatus.Cancelled, CloseReason.CancelledByTenant);
    }

    /// @inheritdoc IJobMarket
    function acceptBid(JobParams calldata params, Bid calldata bid, bytes calldata signature) external nonReentrant {
        uint256 jobId = bid.jobId;
        if (_config.paused) revert MarketPaused();
        JobState memory s = _states[jobId];
        if (s.status != JobStatus.Open) revert JobNotOpen(jobId, s.status);
        bytes32 paramsHash = _checkParams(jobId, params);
        if (msg.sender != params.tenant) revert NotTenant(jobId, msg.sender);
        // After bidding, an on-chain winner is awarded; a signed bid can only fill a job nobody bid on.
        if (block.timestamp >= params.request.biddingEnd && s.provider != address(0)) {
            revert BiddingClosed(jobId, params.request.biddingEnd);
        }
        if (bid.expiry < block.timestamp) revert BidExpired(bid.expiry, block.timestamp);
        _checkPrice(jobId, bid.pricePerUnit, params.request.maxPricePerUnit);
        _useNonce(bid.provider, bid.nonce);
        if (!SignatureChecker.isValidSignatureNow(bid.provider, _hashTypedDataV4(_hashBid(bid)), signature)) {
            revert InvalidBidSignature(bid.provider);
        }

        uint256 collateral = params.request.collateral;
        address previous = s.provider;
        // The signer's collateral is already locked if it also holds the best on-chain bid.
        if (previous != bid.provider) {
            _registry.lockCollateral(bid.provider, collateral, params.request.requirements);
        }
        _assign(jobId, params, paramsHash, bid.provider, bid.pricePerUnit, true);
        if (previous != address(0) && previous != bid.provider) {
            _registry.releaseCollateral(previous, collateral);
        }
    }

    // ───────────────────────────── Providers ─────────────────────────────
    /// @inheritdoc IJobMarket
    function placeBid(uint256 jobId, JobParams calldata params, uint128 pricePerUnit) external nonReentrant {
        if (_config.paused) revert MarketPaused();
        JobState memory s = _states[jobId];
        if (s.status != JobStatus.Open) revert JobNotOpen(jobId, s.status);
        _checkParams(jobId, params);
        if (block.timestamp >= params.request.biddingEnd) revert BiddingClosed(jobId, params.request.biddingEnd);
        _checkPrice(jobId, pricePerUnit, params.request.maxPricePerUnit);
        if (s.provider != address(0) && pricePerUnit >= s.pricePerUnit) {
            revert BidNotBetter(jobId, pricePerUnit, s.pricePerUnit);
        }

        address replaced = s.provider;
        uint256 collateral = params.request.collateral;
        if (replaced != msg.sender) {
            _registry.lockCollateral(msg.sender, collateral, params.request.requirements);
        }
        // Price fits uint88: it is <= maxPricePerUnit, bounded at creation.
        _states[jobId] = JobState(msg.sender, uint88(pricePerUnit), JobStatus.Open);
        emit BidPlaced(jobId, msg.sender, pricePerUnit, replaced);
        if (replaced != address(0) && replaced != msg.sender) {
            _registry.releaseCollateral(replaced, collateral);
        }
    }

    /// @inheritdoc IJobMarket
    function submitProof(
        uint256 jobId,
        JobParams calldata params,
        Assignment calldata assignment,
        uint8 milestone,
        bytes32 resultRoot,
        uint64 units,
        uint64 energyWh
    ) external nonReentrant {
        Progress memory p = _progress(jobId);
        if (p.status != JobStatus.Assigned) revert JobNotAssigned(jobId, p.status);
        _checkAssigned(jobId, params, assignment);
        if (msg.sender != assignment.provider) revert NotAssignedProvider(jobId, msg.sender);
        if (p.verifyDeadline != 0) revert ProofPending(jobId, p.settled);
        if (milestone != p.settled) revert WrongMilestone(jobId, p.settled, milestone);
        if (block.timestamp > p.deliveryDeadline) revert DeliveryDeadlinePassed(jobId, p.deliveryDeadline);
        if (units == 0) revert InvalidUnits(units);
        uint256 total = uint256(p.unitsSettled) + units;
        if (total > params.request.maxUnits) revert UnitsExceedMax(jobId, total, params.request.maxUnits);
        if (energyWh > type(uint48).max) revert EnergyTooLarge(energyWh);

        p.verifyDeadline = uint32(block.timestamp) + params.verificationWindow;
        // Fits: units <= maxUnits - unitsSettled < 2^48, checked above.
        p.pendingUnits = uint48(units);
        p.pendingEnergyWh = uint48(energyWh);
        p.pendingRootTag = bytes4(resultRoot);
        _setProgress(jobId, p);
        emit ProofSubmitted(jobId, milestone, msg.sender, resultRoot, units, energyWh, p.verifyDeadline);
    }

    /// @inheritdoc IJobMarket
    function invalidateNonces(uint256 wordPos, uint256 mask) external {
        _nonceBitmap[msg.sender][wordPos] |= mask;
        emit NoncesInvalidated(msg.sender, wordPos, mask);
    }

    // ───────────────────────────── Anyone ─────────────────────────────
    /// @inheritdoc IJobMarket
    function award(uint256 jobId, JobParams calldata params) external nonReentrant {
        JobState memory s = _states[jobId];
        if (s.status != JobStatus.Open) revert JobNotOpen(jobId, s.status);
        bytes32 paramsHash = _checkParams(jobId, params);
        if (block.timestamp < params.request.biddingEnd) revert BiddingNotEnded(jobId, params.request.biddingEnd);
        if (s.provider == address(0)) revert NoBid(jobId);
        // The winner's collateral was locked when it placed the bid, so award cannot fail on the provider.
        _assign(jobId, params, paramsHash, s.provider, s.pricePerUnit, false);
    }

    /// @inheritdoc IJobMarket
    function settle(
        uint256 jobId,
        JobParams calldata params,
        Assignment calldata assignment,
        WorkAttestation calldata attestation,
        bytes calldata signatures
    ) external nonReentrant {
        _settle(jobId, params, assignment, attestation, signatures);
    }

    /// @inheritdoc IJobMarket
    function settleMany(Settlement[] calldata settlements) external nonReentrant {
        uint256 n = settlements.length;
        if (n == 0) revert EmptyBatch();
        for (uint256 i; i < n; ++i) {
            Settlement calldata st = settlements[i];
            _settle(st.jobId, st.params, st.assignment, st.attestation, st.signatures);
        }
    }

    /// @inheritdoc IJobMarket
    function expire(uint256 jobId, JobParams calldata params, Assignment calldata assignment) external nonReentrant {
        JobState memory s = _states[jobId];
        if (s.status == JobStatus.Open) {
            _checkParams(jobId, params);
            // An open job with a bid is awarded, not expired: the bid is binding and its collateral locked.
            if (block.timestamp < params.request.biddingEnd || s.provider != address(0)) {
                revert NothingToExpire(jobId, s.status);
            }
            _closeOpen(jobId, params, s, JobStatus.Expired, CloseReason.NoBids);
        } else if (s.status == JobStatus.Assigned) {
            _checkAssigned(jobId, params, assignment);
            Progress memory p = _progress(jobId);
            if (p.verifyDeadline != 0) {
                if (block.timestamp <= p.verifyDeadline) revert NothingToExpire(jobId, s.status);
                // Verifiers never answered: nobody is at fault. Refund what was not paid, free the collateral.
                _closeAssigned(jobId, params, assignment, p, JobStatus.Expired, CloseReason.VerificationTimeout);
            } else {
                if (block.timestamp <= p.deliveryDeadline) revert NothingToExpire(jobId, s.status);
                _closeAssigned(jobId, params, assignment, p, JobStatus.Failed, CloseReason.DeliveryMissed);
            }
        } else {
            revert NothingToExpire(jobId, s.status);
        }
    }

    // ───────────────────────────── Balances ─────────────────────────────
    /// @inheritdoc IJobMarket
    /// @dev No reentrancy guard needed: the balance is debited before the transfer (checks-effects-interactions).
    function withdraw(address token, uint256 amount, address to) external {
        if (to == address(0)) revert ZeroAddress();
        if (amount == 0) revert ZeroAmount();
        mapping(address => uint256) storage balances = _balances[msg.sender];
        uint256 raw = balances[token];
        uint256 balance = raw & ~_TOUCHED;
        if (balance < amount) revert InsufficientBalance(msg.sender, token, balance, amount);
        unchecked {
            // Cannot underflow: amount <= balance, the low bits of raw; the touched bit stays set.
            balances[token] = raw - amount;
        }
        emit Withdrawn(msg.sender, token, amount);
        IERC20(token).safeTransfer(to, amount);
    }

    /// @inheritdoc IJobMarket
    function claim(address[] calldata tokens, uint32[] calldata epochs, address to) external nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        if (tokens.length == 0 && epochs.length == 0) revert EmptyBatch();
        for (uint256 i; i < tokens.length; ++i) {
            address token = tokens[i];
            uint256 amount = _balances[msg.sender][token] & ~_TOUCHED;
            if (amount == 0) continue;
            _balances[msg.sender][token] = _TOUCHED;
            emit Withdrawn(msg.sender, token, amount);
            IERC20(token).safeTransfer(to, amount);
        }
        if (epochs.length != 0) _emitter.claimRewardsFor(msg.sender, epochs, to);
    }

    // ───────────────────────────── Governance ─────────────────────────────
    /// @inheritdoc IJobMarket
    function setAllowedToken(address token, bool allowed) external onlyOwner {
        if (token.code.length == 0) revert NotAContract(token);
        _allowedTokens[token] = allowed;
        emit TokenAllowed(token, allowed);
    }

    /// @inheritdoc IJobMarket
    function setAllowedVerifier(address verifier, bool allowed) external onlyOwner {
        if (verifier == address(0)) revert ZeroAddress();
        _allowedVerifiers[verifier] = allowed;
        emit VerifierAllowed(verifier, allowed);
    }

    /// @inheritdoc IJobMarket
    function setProtocolFee(uint16 feeBps) external onlyOwner {
        _setProtocolFee(feeBps);
    }

    /// @inheritdoc IJobMarket
    function setVerificationWindow(uint32 window) external onlyOwner {
        _setVerificationWindow(window);
    }

    /// @inheritdoc IJobMarket
    function setSlashPayerShareBps(uint16 bps) external onlyOwner {
        _setSlashPayerShare(bps);
    }

    function _setProtocolFee(uint16 feeBps) private {
        if (feeBps > MAX_FEE_BPS) revert ParameterOutOfBounds("feeBps", feeBps, 0, MAX_FEE_BPS);
        emit ProtocolFeeUpdated(_config.feeBps, feeBps);
        _config.feeBps = feeBps;
    }

    function _setVerificationWindow(uint32 window) private {
        if (window < MIN_VERIFICATION_WINDOW || window > MAX_VERIFICATION_WINDOW) {
            revert ParameterOutOfBounds("verificationWindow", window, MIN_VERIFICATION_WINDOW, MAX_VERIFICATION_WINDOW);
        }
        emit VerificationWindowUpdated(_config.verificationWindow, window);
        _config.verificationWindow = window;
    }

    function _setSlashPayerShare(uint16 bps) private {
        if (bps < MIN_SLASH_PAYER_SHARE_BPS || bps > MAX_SLASH_PAYER_SHARE_BPS) {
            revert ParameterOutOfBounds(
                "slashPayerShareBps",
                bps,
                MIN_SLASH_PAYER_SHARE_BPS,
                MAX_SLASH_PAYER_SHARE_BPS
            );
        }
        emit SlashPayerShareUpdated(_config.slashPayerShareBps, bps);
        _config.slashPayerShareBps = bps;
    }

    /// @inheritdoc IJobMarket
    function pause() external onlyOwner {
        _config.paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc IJobMarket
    function unpause() external onlyOwner {
        _config.paused = false;
        emit Unpaused(msg.sender);
    }

    // ───────────────────────────── Views ─────────────────────────────
    /// @inheritdoc IJobMarket
    function jobStatus(uint256 jobId) external view returns (JobStatus) {
        return _states[jobId].status;
    }

    /// @inheritdoc IJobMarket
    function commitment(uint256 jobId) external view returns (bytes32) {
        return _commitments[jobId];
    }

    /// @inheritdoc IJobMarket
    function bestBid(uint256 jobId) external view returns (address provider, uint256 pricePerUnit) {
        JobState memory s = _states[jobId];
        if (s.status != JobStatus.Open) return (address(0), 0);
        return (s.provider, s.pricePerUnit);
    }

    /// @inheritdoc IJobMarket
    function jobProgress(uint256 jobId) external view returns (uint8, uint32, uint32, uint64, uint64, uint64) {
        Progress memory p = _progress(jobId);
        if (_isBidLayout(p.status)) return (0, 0, 0, 0, 0, 0);
        return (p.settled, p.deliveryDeadline, p.verifyDeadline, p.unitsSettled, p.pendingUnits, p.pendingEnergyWh);
    }

    /// @inheritdoc IJobMarket
    function heldInEscrow(
        uint256 jobId,
        JobParams calldata params,
        Assignment calldata assignment
    ) external view returns (uint256) {
        JobStatus status = _states[jobId].status;
        if (status == JobStatus.Open) {
            _checkParams(jobId, params);
            return uint256(params.request.maxUnits) * params.request.maxPricePerUnit;
        }
        if (status == JobStatus.Assigned) {
            _checkAssigned(jobId, params, assignment);
            return uint256(params.request.maxUnits - _progress(jobId).unitsSettled) * assignment.pricePerUnit;
        }
        return 0;
    }

    /// @inheritdoc IJobMarket
    function currentEpoch() public view returns (uint32) {
        // Before genesis everything counts in epoch 0.
        if (block.timestamp <= _rewardGenesis) return 0;
        return uint32((block.timestamp - _rewardGenesis) / _epochLength);
    }

    /// @inheritdoc IJobMarket
    function totalUnits(uint32 epoch) external view returns (uint256) {
        return _epochUnits[epoch];
    }

    /// @inheritdoc IJobMarket
    function workOf(address provider, uint32 epoch) external view returns (uint256) {
        return _workUnits[provider][epoch];
    }

    /// @inheritdoc IJobMarket
    function balanceOf(address account, address token) external view returns (uint256) {
        return _balances[account][token] & ~_TOUCHED;
    }

    /// @inheritdoc IJobMarket
    function isNonceUsed(address provider, uint256 nonce) external view returns (bool) {
        return _nonceBitmap[provider][nonce >> 8] & (1 << (nonce & 0xff)) != 0;
    }

    /// @inheritdoc IJobMarket
    function hashBid(Bid calldata bid) external view returns (bytes32) {
        return _hashTypedDataV4(_hashBid(bid));
    }

    /// @inheritdoc IJobMarket
    function hashAttestation(WorkAttestation calldata attestation) external view returns (bytes32) {
        return _hashTypedDataV4(_hashAttestation(attestation));
    }

    /// @inheritdoc IJobMarket
    function allowlist(address account) external view returns (bool token, bool verifier) {
        return (_allowedTokens[account], _allowedVerifiers[account]);
    }

    /// @inheritdoc IJobMarket
    function parameters() external view returns (Parameters memory) {
        Config memory c = _config;
        return
            Parameters({
                feeBps: c.feeBps,
                verificationWindow: c.verificationWindow,
                slashPayerShareBps: c.slashPayerShareBps,
                paused: c.paused,
                jobCount: c.jobCount,
                treasury: _treasury,
                registry: address(_registry),
                rewardEmitter: address(_emitter),
                stakeToken: _stakeToken
            });
    }

    // ───────────────────────────── Internal: lifecycle ─────────────────────────────
    function _createJob(address tenant, address payer, JobRequest calldata request) private returns (uint256 jobId) {
        Config memory c = _config;
        if (c.paused) revert MarketPaused();
        _validateRequest(request);

        // Cannot overflow: 64-bit units times a price bounded to 88 bits.
        uint256 funded = uint256(request.maxUnits) * request.maxPricePerUnit;
        unchecked {
            // A 64-bit counter cannot wrap: one job per transaction.
            jobId = ++c.jobCount;
        }
        _config.jobCount = c.jobCount;

        JobParams memory params = JobParams({
            tenant: tenant,
            payer: payer,
            feeBps: c.feeBps,
            slashPayerShareBps: c.slashPayerShareBps,
            verificationWindow: c.verificationWindow,
            request: request
        });
        _commitments[jobId] = keccak256(abi.encode(params));
        _states[jobId].status = JobStatus.Open;
        emit JobCreated(jobId, tenant, payer, params, funded);

        _pullExactly(IERC20(request.token), payer, funded);
    }

    function _validateRequest(JobRequest calldata r) private view {
        if (!_allowedTokens[r.token]) revert TokenNotAllowed(r.token);
        if (!_allowedVerifiers[r.verifier]) revert VerifierNotAllowed(r.verifier);
        if (r.milestones == 0 || r.milestones > MAX_MILESTONES) revert InvalidMilestones(r.milestones);
        if (r.maxUnits == 0 || r.maxUnits > type(uint48).max) revert InvalidUnits(r.maxUnits);
        if (r.maxPricePerUnit == 0) revert InvalidPrice(0);
        if (r.maxPricePerUnit > type(uint88).max) revert PriceTooHigh(r.maxPricePerUnit, type(uint88).max);
        if (r.deliveryWindow < MIN_DELIVERY_WINDOW || r.deliveryWindow > MAX_DELIVERY_WINDOW) {
            revert InvalidDeliveryWindow(r.deliveryWindow);
        }
        if (r.biddingEnd <= block.timestamp || r.biddingEnd > block.timestamp + MAX_BIDDING_PERIOD) {
            revert BiddingEndInvalid(r.biddingEnd, block.timestamp + 1, block.timestamp + MAX_BIDDING_PERIOD);
        }
    }

    /// @dev Moves the job to Assigned: the winner and price go into the commitment, the state slot becomes progress.
    function _assign(
        uint256 jobId,
        JobParams calldata params,
        bytes32 paramsHash,
        address provider,
        uint256 price,
        bool signed
    ) private {
        uint64 maxUnits = params.request.maxUnits;
        // Cannot underflow: price <= maxPricePerUnit was checked when the bid came in.
        uint256 refund = uint256(maxUnits) * (params.request.maxPricePerUnit - price);
        uint32 deliveryDeadline = uint32(block.timestamp) + params.request.deliveryWindow;
        _commitments[jobId] = _assignmentCommitment(paramsHash, provider, price);
        _setProgress(jobId, Progress(0, deliveryDeadline, 0, 0, 0, 0, 0, JobStatus.Assigned));
        if (refund != 0) _credit(params.payer, params.request.token, refund);
        emit JobAssigned(jobId, provider, price, uint256(maxUnits) * price, refund, deliveryDeadline, signed);
    }

    function _settle(
        uint256 jobId,
        JobParams calldata params,
        Assignment calldata assignment,
        WorkAttestation calldata a,
        bytes calldata signatures
    ) private {
        Progress memory p = _progress(jobId);
        if (p.status != JobStatus.Assigned) revert JobNotAssigned(jobId, p.status);
        _checkAssigned(jobId, params, assignment);
        if (p.verifyDeadline == 0) revert NoProofPending(jobId);
        if (
            a.jobId != jobId ||
            a.milestone != p.settled ||
            a.units != p.pendingUnits ||
            a.energyWh != p.pendingEnergyWh ||
            bytes4(a.resultRoot) != p.pendingRootTag
        ) revert AttestationMismatch(jobId, p.settled);
        if (block.timestamp > p.verifyDeadline) revert VerificationTimedOut(jobId, p.verifyDeadline);
        bytes32 digest = _hashTypedDataV4(_hashAttestation(a));
        if (!IWorkVerifier(params.request.verifier).verifyAttestation(digest, signatures)) {
            revert InvalidAttestation(jobId, p.settled);
        }

        if (!a.accepted) {
            _closeAssigned(jobId, params, assignment, p, JobStatus.Failed, CloseReason.ProofRejected);
            return;
        }

        address token = params.request.token;
        address provider = assignment.provider;
        uint256 price = assignment.pricePerUnit;
        uint256 payment = uint256(a.units) * price;
        // Fee rounds up, in the protocol's favour; it never exceeds the payment since feeBps <= MAX_FEE_BPS.
        uint256 fee = Math.mulDiv(payment, params.feeBps, _BPS, Math.Rounding.Ceil);
        uint8 milestone = p.settled;

        unchecked {
            // settled < milestones <= 64; unitsSettled + pendingUnits <= maxUnits was checked at submission.
            ++p.settled;
            p.unitsSettled += p.pendingUnits;
            // The delivery clock stops while verifiers work: add back the time the proof waited.
            p.deliveryDeadline += uint32(block.timestamp) - (p.verifyDeadline - params.verificationWindow);
        }
        p.verifyDeadline = 0;
        p.pendingUnits = 0;
        p.pendingEnergyWh = 0;
        p.pendingRootTag = 0;
        // Done after the last milestone, or earlier once every paid-for unit is delivered and verified.
        bool completed = p.settled == params.request.milestones || p.unitsSettled == params.request.maxUnits;
        if (completed) p.status = JobStatus.Completed;
        _setProgress(jobId, p);

        _credit(provider, token, payment - fee);
        if (fee != 0) _credit(_treasury, token, fee);
        uint32 epoch = _recordWork(provider, a.units);

        uint256 remaining = uint256(params.request.maxUnits - p.unitsSettled) * price;
        emit MilestoneSettled(
            jobId,
            milestone,
            provider,
            a.resultRoot,
            a.units,
            a.energyWh,
            payment,
            fee,
            remaining,
            p.deliveryDeadline,
            epoch
        );

        if (completed) {
            if (remaining != 0) _credit(params.payer, token, remaining);
            uint256 collateral = params.request.collateral;
            emit JobClosed(jobId, JobStatus.Completed, CloseReason.Completed, remaining, collateral, 0, 0);
            if (collateral != 0) _registry.releaseCollateral(provider, collateral);
        }
    }

    /// @dev Closes an Open job (cancel or no bids): full refund, and the best bidder's collateral released.
    function _closeOpen(
        uint256 jobId,
        JobParams calldata params,
        JobState memory s,
        JobStatus status,
        CloseReason reason
    ) private {
        _states[jobId].status = status;
        uint256 refund = uint256(params.request.maxUnits) * params.request.maxPricePerUnit;
        _credit(params.payer, params.request.token, refund);
        bool release = s.provider != address(0) && params.request.collateral != 0;
        emit JobClosed(jobId, status, reason, refund, release ? params.request.collateral : 0, 0, 0);
        if (release) _registry.releaseCollateral(s.provider, params.request.collateral);
    }

    /// @dev Closes an Assigned job early. Failed: the collateral is slashed; Expired: it is released.
    /// Either way the unpaid escrow goes back to the payer.
    function _closeAssigned(
        uint256 jobId,
        JobParams calldata params,
        Assignment calldata assignment,
        Progress memory p,
        JobStatus status,
        CloseReason reason
    ) private {
        p.verifyDeadline = 0;
        p.pendingUnits = 0;
        p.pendingEnergyWh = 0;
        p.pendingRootTag = 0;
        p.status = status;
        _setProgress(jobId, p);
        uint256 refund = uint256(params.request.maxUnits - p.unitsSettled) * assignment.pricePerUnit;
        if (refund != 0) _credit(params.payer, params.request.token, refund);

        uint256 collateral = params.request.collateral;
        if (status == JobStatus.Failed && collateral != 0) {
            // Compensation rounds down: the dust goes to the treasury, never more than was slashed.
            uint256 compensation = (collateral * params.slashPayerShareBps) / _BPS;
            _credit(params.payer, _stakeToken, compensation);
            _credit(_treasury, _stakeToken, collateral - compensation);
            emit JobClosed(jobId, status, reason, refund, 0, collateral, compensation);
            IProviderRegistry.SlashReason why =
                reason == CloseReason.ProofRejected
                    ? IProviderRegistry.SlashReason.ProofRejected
                    : IProviderRegistry.SlashReason.DeliveryMissed;
            _registry.slash(assignment.provider, jobId, collateral, why);
        } else {
            emit JobClosed(jobId, status, reason, refund, status == JobStatus.Failed ? 0 : collateral, 0, 0);
            if (collateral != 0) _registry.releaseCollateral(assignment.provider, collateral);
        }
    }

    // ───────────────────────────── Internal: helpers ─────────────────────────────
    /// @dev For an open job: `params` must match the commitment. Returns their hash.
    function _checkParams(uint256 jobId, JobParams calldata params) private view returns (bytes32 paramsHash) {
        paramsHash = _hashParamsCalldata(params);
        if (_commitments[jobId] != paramsHash) revert JobParamsMismatch(jobId);
    }

    /// @dev For an assigned job: `params` and `assignment` must match the commitment.
    function _checkAssigned(uint256 jobId, JobParams calldata params, Assignment calldata assignment) private view {
        bytes32 expected = _assignmentCommitment(
            _hashParamsCalldata(params),
            assignment.provider,
            assignment.pricePerUnit
        );
        if (_commitments[jobId] != expected) revert JobParamsMismatch(jobId);
    }

    function _assignmentCommitment(bytes32 paramsHash, address provider, uint256 price) private pure returns (bytes32) {
        return keccak256(abi.encode(paramsHash, provider, price));
    }

    /// @dev The state slot read with the assigned layout.
    function _progress(uint256 jobId) private view returns (Progress storage p) {
        JobState storage s = _states[jobId];
        assembly ("memory-safe") {
            p.slot := s.slot
        }
    }

    function _setProgress(uint256 jobId, Progress memory p) private {
        Progress storage ps = _progress(jobId);
        ps.settled = p.settled;
        ps.deliveryDeadline = p.deliveryDeadline;
        ps.verifyDeadline = p.verifyDeadline;
        ps.unitsSettled = p.unitsSettled;
        ps.pendingUnits = p.pendingUnits;
        ps.pendingEnergyWh = p.pendingEnergyWh;
        ps.pendingRootTag = p.pendingRootTag;
        ps.status = p.status;
    }

    /// @dev Open and cancelled jobs keep the bid layout in their state slot. A job that expired while open had
    /// no bid, so its slot reads as zeros in either layout.
    function _isBidLayout(JobStatus status) private pure returns (bool) {
        return status == JobStatus.Open || status == JobStatus.Cancelled || status == JobStatus.None;
    }

    /// @dev JobParams is a static struct, so `abi.encode(params)` is exactly its 18 calldata words: hash them in
    /// place. Params with dirty padding hash differently from the clean encoding stored at creation and are refused.
    function _hashParamsCalldata(JobParams calldata params) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, params, _PARAMS_SIZE)
            h := keccak256(ptr, _PARAMS_SIZE)
        }
    }

    function _checkPrice(uint256 jobId, uint256 price, uint256 maxPrice) private pure {
        if (price == 0) revert InvalidPrice(0);
        if (price > maxPrice) revert BidAboveMax(jobId, price, maxPrice);
    }

    /// @dev Verified work counts for rewards in the epoch it is settled in. 64-bit units per call cannot
    /// overflow the 256-bit sums.
    function _recordWork(address provider, uint64 units) private returns (uint32 epoch) {
        epoch = currentEpoch();
        _epochUnits[epoch] += units;
        _workUnits[provider][epoch] += units;
    }

    function _credit(address account, address token, uint256 amount) private {
        _balances[account][token] = (_balances[account][token] | _TOUCHED) + amount;
    }

    function _useNonce(address provider, uint256 nonce) private {
        uint256 bit = 1 << (nonce & 0xff);
        uint256 word = _nonceBitmap[provider][nonce >> 8];
        if (word & bit != 0) revert NonceUsed(provider, nonce);
        _nonceBitmap[provider][nonce >> 8] = word | bit;
    }

    /// @dev Pulls `amount` and refuses tokens that deliver anything else (fee-on-transfer, hooks that skim).
    function _pullExactly(IERC20 token, address from, uint256 amount) private {
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(from, address(this), amount);
        uint256 after_ = token.balanceOf(address(this));
        // A balance that shrank (rebasing down, skimming hooks) reads as nothing received.
        uint256 received = after_ > before ? after_ - before : 0;
        if (received != amount) revert TokenTransferMismatch(address(token), amount, received);
    }

    function _hashBid(Bid calldata bid) private pure returns (bytes32) {
        return keccak256(abi.encode(BID_TYPEHASH, bid.jobId, bid.provider, bid.pricePerUnit, bid.expiry, bid.nonce));
    }

    function _hashAttestation(WorkAttestation calldata a) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(ATTESTATION_TYPEHASH, a.jobId, a.milestone, a.resultRoot, a.units, a.energyWh, a.accepted)
            );
    }
}
