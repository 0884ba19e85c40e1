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
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";
import {IRewardEmitter} from "./interfaces/IRewardEmitter.sol";
import {IWorkVerifier} from "./interfaces/IWorkVerifier.sol";

/// @title JobMarket
/// @notice Escrow, bidding, proofs, settlement and pull-payment balances for Joule GPU jobs.
/// @dev A job keeps three storage slots: the hash of its immutable params, {provider, price, status}
/// and its progress. Everything else travels in calldata (checked against the hash) and in events.
contract JobMarket is IJobMarket, Ownable2Step, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    // ───────────────────────────── Constants ─────────────────────────────
    uint16 public constant MAX_FEE_BPS = 1_000; // 10 %
    uint16 public constant MIN_SLASH_PAYER_SHARE_BPS = 5_000; // the payer gets at least half of a slash
    uint16 public constant MAX_SLASH_PAYER_SHARE_BPS = 10_000;
    uint32 public constant MIN_VERIFICATION_WINDOW = 1 hours;
    uint32 public constant MAX_VERIFICATION_WINDOW = 7 days;
    uint32 public constant MIN_DELIVERY_WINDOW = 10 minutes;
    uint32 public constant MAX_DELIVERY_WINDOW = 365 days;
    uint32 public constant MAX_BIDDING_PERIOD = 30 days;
    uint8 public constant MAX_MILESTONES = 64;
    uint16 private constant _BPS = 10_000;
    uint256 private constant _PARAMS_SIZE = 17 * 32; // JobParams: 4 words + JobRequest 9 + Requirements 4

    bytes32 public constant BID_TYPEHASH =
        keccak256("Bid(uint256 jobId,address provider,uint128 pricePerUnit,uint40 expiry,uint256 nonce)");
    bytes32 public constant ATTESTATION_TYPEHASH = keccak256(
        "WorkAttestation(uint256 jobId,uint8 milestone,bytes32 resultRoot,uint64 units,uint64 energyWh,bool accepted)"
    );

    IProviderRegistry private immutable _registry;
    IRewardEmitter private immutable _emitter;
    address private immutable _stakeToken;

    // ───────────────────────────── Storage ─────────────────────────────
    /// @dev Slot 1 of a job: 160 + 88 + 8 = 256 bits. During bidding `provider`/`pricePerUnit` hold the best
    /// on-chain bid; once assigned, the winner. Prices are bounded by `type(uint88).max` at creation.
    struct JobState {
        address provider;
        uint88 pricePerUnit;
        JobStatus status;
    }

    /// @dev Slot 2 of a job: 8 + 40 + 40 + 64 + 64 + 40 = 256 bits. `verifyDeadline != 0` iff a proof is pending.
    struct Progress {
        uint8 settled;
        uint40 deliveryDeadline;
        uint40 verifyDeadline;
        uint64 unitsSettled;
        uint64 pendingUnits;
        uint40 pendingEnergyWh;
    }

    struct Job {
        bytes32 paramsHash;
        JobState state;
        Progress progress;
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
    address private _treasury;
    mapping(uint256 jobId => Job) private _jobs;
    mapping(address account => mapping(address token => uint256)) private _balances;
    mapping(address token => bool) private _allowedTokens;
    mapping(address verifier => bool) private _allowedVerifiers;
    mapping(address provider => mapping(uint256 wordPos => uint256)) private _nonceBitmap;

    // ───────────────────────────── Constructor ─────────────────────────────
    constructor(
        IProviderRegistry registry_,
        IRewardEmitter emitter_,
        address treasury_,
        address owner_,
        uint16 feeBps_,
        uint32 verificationWindow_,
        uint16 slashPayerShareBps_
    ) Ownable(owner_) EIP712("Joule JobMarket", "1") {
        if (address(registry_) == address(0) || address(emitter_) == address(0) || treasury_ == address(0)) {
            revert ZeroAddress();
        }
        _registry = registry_;
        _emitter = emitter_;
        _stakeToken = registry_.stakeToken();
        _treasury = treasury_;
        emit TreasuryUpdated(address(0), treasury_);
        _setProtocolFee(feeBps_);
        _setVerificationWindow(verificationWindow_);
        _setSlashPayerShare(slashPayerShareBps_);
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
    function createJobWithPermit(JobRequest calldata request, uint256 permitDeadline, uint8 v, bytes32 r, bytes32 s)
        external
        nonReentrant
        returns (uint256)
    {
        uint256 amount = uint256(request.maxUnits) * request.maxPricePerUnit;
        // A front-run permit reverts here although the allowance is in place: go on and let the pull decide.
        try IERC20Permit(request.token).permit(msg.sender, address(this), amount, permitDeadline, v, r, s) {} catch {}
        return _createJob(msg.sender, msg.sender, request);
    }

    /// @inheritdoc IJobMarket
    function cancelJob(uint256 jobId, JobParams calldata params) external nonReentrant {
        _checkParams(jobId, params);
        JobState memory s = _jobs[jobId].state;
        if (s.status != JobStatus.Open) revert JobNotOpen(jobId, s.status);
        if (msg.sender != params.tenant) revert NotTenant(jobId, msg.sender);
        _closeOpen(jobId, params, s, JobStatus.Cancelled, CloseReason.CancelledByTenant);
    }

    /// @inheritdoc IJobMarket
    function acceptBid(JobParams calldata params, Bid calldata bid, bytes calldata signature) external nonReentrant {
        uint256 jobId = bid.jobId;
        _checkParams(jobId, params);
        if (_config.paused) revert MarketPaused();
        JobState memory s = _jobs[jobId].state;
        if (s.status != JobStatus.Open) revert JobNotOpen(jobId, s.status);
        if (msg.sender != params.tenant) revert NotTenant(jobId, msg.sender);
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
            _registry.lockCollateral(bid.provider, jobId, collateral, params.request.requirements);
        }
        // Price fits uint88: it is <= maxPricePerUnit, bounded at creation.
        _jobs[jobId].state = JobState(bid.provider, uint88(bid.pricePerUnit), JobStatus.Assigned);
        _assign(jobId, params, bid.provider, bid.pricePerUnit, true);
        if (previous != address(0) && previous != bid.provider) {
            _registry.releaseCollateral(previous, jobId, collateral);
        }
    }

    // ───────────────────────────── Providers ─────────────────────────────
    /// @inheritdoc IJobMarket
    function placeBid(uint256 jobId, JobParams calldata params, uint128 pricePerUnit) external nonReentrant {
        _checkParams(jobId, params);
        if (_config.paused) revert MarketPaused();
        JobState memory s = _jobs[jobId].state;
        if (s.status != JobStatus.Open) revert JobNotOpen(jobId, s.status);
        if (block.timestamp >= params.request.biddingEnd) revert BiddingClosed(jobId, params.request.biddingEnd);
        _checkPrice(jobId, pricePerUnit, params.request.maxPricePerUnit);
        if (s.provider != address(0) && pricePerUnit >= s.pricePerUnit) {
            revert BidNotBetter(jobId, pricePerUnit, s.pricePerUnit);
        }

        address replaced = s.provider;
        uint256 collateral = params.request.collateral;
        if (replaced != msg.sender) {
            _registry.lockCollateral(msg.sender, jobId, collateral, params.request.requirements);
        }
        // Price fits uint88: it is <= maxPricePerUnit, bounded at creation.
        _jobs[jobId].state = JobState(msg.sender, uint88(pricePerUnit), JobStatus.Open);
        emit BidPlaced(jobId, msg.sender, pricePerUnit, replaced);
        if (replaced != address(0) && replaced != msg.sender) {
            _registry.releaseCollateral(replaced, jobId, collateral);
        }
    }

    /// @inheritdoc IJobMarket
    function submitProof(
        uint256 jobId,
        JobParams calldata params,
        uint8 milestone,
        bytes32 resultRoot,
        uint64 units,
        uint64 energyWh
    ) external nonReentrant {
        _checkParams(jobId, params);
        Job storage job = _jobs[jobId];
        JobState memory s = job.state;
        if (s.status != JobStatus.Assigned) revert JobNotAssigned(jobId, s.status);
        if (msg.sender != s.provider) revert NotAssignedProvider(jobId, msg.sender);
        Progress memory p = job.progress;
        if (p.verifyDeadline != 0) revert ProofPending(jobId, p.settled);
        if (milestone != p.settled) revert WrongMilestone(jobId, p.settled, milestone);
        if (block.timestamp > p.deliveryDeadline) revert DeliveryDeadlinePassed(jobId, p.deliveryDeadline);
        if (units == 0) revert InvalidUnits(units);
        uint256 total = uint256(p.unitsSettled) + units;
        if (total > params.request.maxUnits) revert UnitsExceedMax(jobId, total, params.request.maxUnits);
        if (energyWh > type(uint40).max) revert EnergyTooLarge(energyWh);

        p.verifyDeadline = uint40(block.timestamp) + params.verificationWindow;
        p.pendingUnits = units;
        p.pendingEnergyWh = uint40(energyWh);
        job.progress = p;
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
        _checkParams(jobId, params);
        JobState memory s = _jobs[jobId].state;
        if (s.status != JobStatus.Open) revert JobNotOpen(jobId, s.status);
        if (block.timestamp < params.request.biddingEnd) revert BiddingNotEnded(jobId, params.request.biddingEnd);
        if (s.provider == address(0)) revert NoBid(jobId);
        // The winner's collateral was locked when it placed the bid, so award cannot fail on the provider.
        _jobs[jobId].state.status = JobStatus.Assigned;
        _assign(jobId, params, s.provider, s.pricePerUnit, false);
    }

    /// @inheritdoc IJobMarket
    function settle(uint256 jobId, JobParams calldata params, WorkAttestation calldata attestation, bytes calldata signatures)
        external
        nonReentrant
    {
        _settle(jobId, params, attestation, signatures);
    }

    /// @inheritdoc IJobMarket
    function settleMany(Settlement[] calldata settlements) external nonReentrant {
        uint256 n = settlements.length;
        if (n == 0) revert EmptyBatch();
        for (uint256 i; i < n; ++i) {
            Settlement calldata st = settlements[i];
            _settle(st.jobId, st.params, st.attestation, st.signatures);
        }
    }

    /// @inheritdoc IJobMarket
    function expire(uint256 jobId, JobParams calldata params) external nonReentrant {
        _checkParams(jobId, params);
        Job storage job = _jobs[jobId];
        JobState memory s = job.state;
        if (s.status == JobStatus.Open) {
            // An open job with a bid is awarded, not expired: the bid is binding and its collateral locked.
            if (block.timestamp < params.request.biddingEnd || s.provider != address(0)) {
                revert NothingToExpire(jobId, s.status);
            }
            _closeOpen(jobId, params, s, JobStatus.Expired, CloseReason.NoBids);
        } else if (s.status == JobStatus.Assigned) {
            Progress memory p = job.progress;
            if (p.verifyDeadline != 0) {
                if (block.timestamp <= p.verifyDeadline) revert NothingToExpire(jobId, s.status);
                // Verifiers never answered: nobody is at fault. Refund what was not paid, free the collateral.
                _closeAssigned(jobId, params, s, p, JobStatus.Expired, CloseReason.VerificationTimeout);
            } else {
                if (block.timestamp <= p.deliveryDeadline) revert NothingToExpire(jobId, s.status);
                _closeAssigned(jobId, params, s, p, JobStatus.Failed, CloseReason.DeliveryMissed);
            }
        } else {
            revert NothingToExpire(jobId, s.status);
        }
    }

    // ───────────────────────────── Balances ─────────────────────────────
    /// @inheritdoc IJobMarket
    function withdraw(address token, uint256 amount, address to) external nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        if (amount == 0) revert ZeroAmount();
        uint256 balance = _balances[msg.sender][token];
        if (balance < amount) revert InsufficientBalance(msg.sender, token, balance, amount);
        unchecked {
            // Cannot underflow: checked just above.
            balance -= amount;
        }
        _balances[msg.sender][token] = balance;
        emit Withdrawn(msg.sender, token, to, amount, balance);
        IERC20(token).safeTransfer(to, amount);
    }

    /// @inheritdoc IJobMarket
    function claim(address[] calldata tokens, uint32[] calldata epochs, address to) external nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        if (tokens.length == 0 && epochs.length == 0) revert EmptyBatch();
        for (uint256 i; i < tokens.length; ++i) {
            address token = tokens[i];
            uint256 amount = _balances[msg.sender][token];
            if (amount == 0) continue;
            _balances[msg.sender][token] = 0;
            emit Withdrawn(msg.sender, token, to, amount, 0);
            IERC20(token).safeTransfer(to, amount);
        }
        if (epochs.length != 0) _emitter.claimRewardsFor(msg.sender, epochs, to);
    }

    // ───────────────────────────── Governance ─────────────────────────────
    /// @inheritdoc IJobMarket
    function setTokenAllowed(address token, bool allowed) external onlyOwner {
        if (token == address(0)) revert ZeroAddress();
        _allowedTokens[token] = allowed;
        emit TokenAllowed(token, allowed);
    }

    /// @inheritdoc IJobMarket
    function setVerifierAllowed(address verifier, bool allowed) external onlyOwner {
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
    function setSlashPayerShare(uint16 bps) external onlyOwner {
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
            revert ParameterOutOfBounds("slashPayerShareBps", bps, MIN_SLASH_PAYER_SHARE_BPS, MAX_SLASH_PAYER_SHARE_BPS);
        }
        emit SlashPayerShareUpdated(_config.slashPayerShareBps, bps);
        _config.slashPayerShareBps = bps;
    }

    /// @inheritdoc IJobMarket
    /// @dev Only future fees and slashes go to the new treasury; the old one keeps and withdraws its balance.
    function setTreasury(address treasury_) external onlyOwner {
        if (treasury_ == address(0)) revert ZeroAddress();
        emit TreasuryUpdated(_treasury, treasury_);
        _treasury = treasury_;
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
    function jobCount() external view returns (uint256) {
        return _config.jobCount;
    }

    /// @inheritdoc IJobMarket
    function jobStatus(uint256 jobId) external view returns (JobStatus) {
        return _jobs[jobId].state.status;
    }

    /// @inheritdoc IJobMarket
    function jobParamsHash(uint256 jobId) external view returns (bytes32) {
        return _jobs[jobId].paramsHash;
    }

    /// @inheritdoc IJobMarket
    function bestBid(uint256 jobId) external view returns (address provider, uint256 pricePerUnit) {
        JobState memory s = _jobs[jobId].state;
        return (s.provider, s.pricePerUnit);
    }

    /// @inheritdoc IJobMarket
    function jobProgress(uint256 jobId)
        external
        view
        returns (uint8, uint40, uint40, uint64, uint64, uint64)
    {
        Progress memory p = _jobs[jobId].progress;
        return (p.settled, p.deliveryDeadline, p.verifyDeadline, p.unitsSettled, p.pendingUnits, p.pendingEnergyWh);
    }

    /// @inheritdoc IJobMarket
    function escrowOf(uint256 jobId, JobParams calldata params) external view returns (uint256) {
        _checkParams(jobId, params);
        JobState memory s = _jobs[jobId].state;
        if (s.status == JobStatus.Open) return uint256(params.request.maxUnits) * params.request.maxPricePerUnit;
        if (s.status == JobStatus.Assigned) {
            return uint256(params.request.maxUnits - _jobs[jobId].progress.unitsSettled) * s.pricePerUnit;
        }
        return 0;
    }

    /// @inheritdoc IJobMarket
    function balanceOf(address account, address token) external view returns (uint256) {
        return _balances[account][token];
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
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @inheritdoc IJobMarket
    function protocolFeeBps() external view returns (uint16) {
        return _config.feeBps;
    }

    /// @inheritdoc IJobMarket
    function verificationWindow() external view returns (uint32) {
        return _config.verificationWindow;
    }

    /// @inheritdoc IJobMarket
    function slashPayerShareBps() external view returns (uint16) {
        return _config.slashPayerShareBps;
    }

    /// @inheritdoc IJobMarket
    function isTokenAllowed(address token) external view returns (bool) {
        return _allowedTokens[token];
    }

    /// @inheritdoc IJobMarket
    function isVerifierAllowed(address verifier) external view returns (bool) {
        return _allowedVerifiers[verifier];
    }

    /// @inheritdoc IJobMarket
    function paused() external view returns (bool) {
        return _config.paused;
    }

    /// @inheritdoc IJobMarket
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc IJobMarket
    function rewardEmitter() external view returns (address) {
        return address(_emitter);
    }

    /// @inheritdoc IJobMarket
    function stakeToken() external view returns (address) {
        return _stakeToken;
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
            verificationWindow: c.verificationWindow,
            request: request
        });
        Job storage job = _jobs[jobId];
        job.paramsHash = keccak256(abi.encode(params));
        job.state.status = JobStatus.Open;
        emit JobCreated(jobId, tenant, payer, params, funded);

        _pullExactly(IERC20(request.token), payer, funded);
    }

    function _validateRequest(JobRequest calldata r) private view {
        if (!_allowedTokens[r.token]) revert TokenNotAllowed(r.token);
        if (!_allowedVerifiers[r.verifier]) revert VerifierNotAllowed(r.verifier);
        if (r.milestones == 0 || r.milestones > MAX_MILESTONES) revert InvalidMilestones(r.milestones);
        if (r.maxUnits == 0) revert InvalidUnits(r.maxUnits);
        if (r.maxPricePerUnit == 0) revert InvalidPrice(0);
        if (r.maxPricePerUnit > type(uint88).max) revert PriceTooHigh(r.maxPricePerUnit, type(uint88).max);
        if (r.deliveryWindow < MIN_DELIVERY_WINDOW || r.deliveryWindow > MAX_DELIVERY_WINDOW) {
            revert InvalidDeliveryWindow(r.deliveryWindow);
        }
        if (r.biddingEnd <= block.timestamp || r.biddingEnd > block.timestamp + MAX_BIDDING_PERIOD) {
            revert BiddingEndInvalid(r.biddingEnd, block.timestamp + 1, block.timestamp + MAX_BIDDING_PERIOD);
        }
    }

    /// @dev Moves the job to Assigned with `provider` at `price` (state slot already written by the caller).
    function _assign(uint256 jobId, JobParams calldata params, address provider, uint256 price, bool signed) private {
        uint64 maxUnits = params.request.maxUnits;
        // Cannot underflow: price <= maxPricePerUnit was checked when the bid came in.
        uint256 refund = uint256(maxUnits) * (params.request.maxPricePerUnit - price);
        uint40 deliveryDeadline = uint40(block.timestamp) + params.request.deliveryWindow;
        _jobs[jobId].progress = Progress(0, deliveryDeadline, 0, 0, 0, 0);
        if (refund != 0) _credit(params.payer, params.request.token, refund);
        emit JobAssigned(jobId, provider, price, uint256(maxUnits) * price, refund, deliveryDeadline, signed);
    }

    function _settle(uint256 jobId, JobParams calldata params, WorkAttestation calldata a, bytes calldata signatures)
        private
    {
        _checkParams(jobId, params);
        Job storage job = _jobs[jobId];
        JobState memory s = job.state;
        if (s.status != JobStatus.Assigned) revert JobNotAssigned(jobId, s.status);
        Progress memory p = job.progress;
        if (p.verifyDeadline == 0) revert NoProofPending(jobId);
        if (a.jobId != jobId || a.milestone != p.settled || a.units != p.pendingUnits || a.energyWh != p.pendingEnergyWh)
        {
            revert AttestationMismatch(jobId, p.settled);
        }
        if (block.timestamp > p.verifyDeadline) revert VerificationTimedOut(jobId, p.verifyDeadline);
        bytes32 digest = _hashTypedDataV4(_hashAttestation(a));
        if (!IWorkVerifier(params.request.verifier).verifyAttestation(digest, signatures)) {
            revert InvalidAttestation(jobId, p.settled);
        }

        if (!a.accepted) {
            _closeAssigned(jobId, params, s, p, JobStatus.Failed, CloseReason.ProofRejected);
            return;
        }

        address token = params.request.token;
        uint256 payment = uint256(a.units) * s.pricePerUnit;
        // Fee rounds up, in the protocol's favour; it never exceeds the payment since feeBps <= MAX_FEE_BPS.
        uint256 fee = Math.mulDiv(payment, params.feeBps, _BPS, Math.Rounding.Ceil);
        uint8 milestone = p.settled;

        unchecked {
            // settled < milestones <= 64; unitsSettled + pendingUnits <= maxUnits was checked at submission.
            ++p.settled;
            p.unitsSettled += p.pendingUnits;
            // The delivery clock stops while verifiers work: add back the time the proof waited.
            p.deliveryDeadline += uint40(block.timestamp) - (p.verifyDeadline - params.verificationWindow);
        }
        p.verifyDeadline = 0;
        p.pendingUnits = 0;
        p.pendingEnergyWh = 0;
        job.progress = p;

        _credit(s.provider, token, payment - fee);
        if (fee != 0) _credit(_treasury, token, fee);
        uint32 epoch = _emitter.recordWork(s.provider, a.units);

        uint256 remaining = uint256(params.request.maxUnits - p.unitsSettled) * s.pricePerUnit;
        emit MilestoneSettled(
            jobId, milestone, s.provider, a.resultRoot, a.units, a.energyWh, payment, fee, remaining, p.deliveryDeadline, epoch
        );

        if (p.settled == params.request.milestones) {
            job.state.status = JobStatus.Completed;
            if (remaining != 0) _credit(params.payer, token, remaining);
            uint256 collateral = params.request.collateral;
            emit JobClosed(jobId, JobStatus.Completed, CloseReason.Completed, remaining, collateral, 0, 0);
            if (collateral != 0) _registry.releaseCollateral(s.provider, jobId, collateral);
        }
    }

    /// @dev Closes an Open job (cancel or no bids): full refund, and the best bidder's collateral released.
    function _closeOpen(uint256 jobId, JobParams calldata params, JobState memory s, JobStatus status, CloseReason reason)
        private
    {
        _jobs[jobId].state.status = status;
        uint256 refund = uint256(params.request.maxUnits) * params.request.maxPricePerUnit;
        _credit(params.payer, params.request.token, refund);
        bool release = s.provider != address(0) && params.request.collateral != 0;
        emit JobClosed(jobId, status, reason, refund, release ? params.request.collateral : 0, 0, 0);
        if (release) _registry.releaseCollateral(s.provider, jobId, params.request.collateral);
    }

    /// @dev Closes an Assigned job early. Failed: the collateral is slashed; Expired: it is released.
    /// Either way the unpaid escrow goes back to the payer.
    function _closeAssigned(
        uint256 jobId,
        JobParams calldata params,
        JobState memory s,
        Progress memory p,
        JobStatus status,
        CloseReason reason
    ) private {
        Job storage job = _jobs[jobId];
        job.state.status = status;
        if (p.verifyDeadline != 0) {
            p.verifyDeadline = 0;
            p.pendingUnits = 0;
            p.pendingEnergyWh = 0;
            job.progress = p;
        }
        uint256 refund = uint256(params.request.maxUnits - p.unitsSettled) * s.pricePerUnit;
        if (refund != 0) _credit(params.payer, params.request.token, refund);

        uint256 collateral = params.request.collateral;
        if (status == JobStatus.Failed && collateral != 0) {
            // Compensation rounds down: the dust goes to the treasury, never more than was slashed.
            uint256 compensation = collateral * _config.slashPayerShareBps / _BPS;
            _credit(params.payer, _stakeToken, compensation);
            _credit(_treasury, _stakeToken, collateral - compensation);
            emit JobClosed(jobId, status, reason, refund, 0, collateral, compensation);
            IProviderRegistry.SlashReason why = reason == CloseReason.ProofRejected
                ? IProviderRegistry.SlashReason.ProofRejected
                : IProviderRegistry.SlashReason.DeliveryMissed;
            _registry.slash(s.provider, jobId, collateral, why);
        } else {
            emit JobClosed(jobId, status, reason, refund, collateral, 0, 0);
            if (collateral != 0) _registry.releaseCollateral(s.provider, jobId, collateral);
        }
    }

    // ───────────────────────────── Internal: helpers ─────────────────────────────
    function _checkParams(uint256 jobId, JobParams calldata params) private view {
        bytes32 stored = _jobs[jobId].paramsHash;
        if (stored == bytes32(0)) revert JobNotFound(jobId);
        if (stored != _hashParamsCalldata(params)) revert JobParamsMismatch(jobId);
    }

    /// @dev JobParams is a static struct, so `abi.encode(params)` is exactly its 17 calldata words: hash them in
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

    function _credit(address account, address token, uint256 amount) private {
        _balances[account][token] += amount;
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
        return keccak256(
            abi.encode(ATTESTATION_TYPEHASH, a.jobId, a.milestone, a.resultRoot, a.units, a.energyWh, a.accepted)
        );
    }
}
