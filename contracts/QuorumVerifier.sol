// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {IQuorumVerifier} from "./interfaces/IQuorumVerifier.sol";
import {IWorkVerifier} from "./interfaces/IWorkVerifier.sol";

/// @title QuorumVerifier
/// @notice m-of-n ECDSA quorum over the market's attestation digest, checked in one call, nothing stored per vote.
/// @dev Members (at most 16, strictly ascending) live in immutables: settlement reads no storage here.
contract QuorumVerifier is IQuorumVerifier {
    uint256 public constant MAX_MEMBERS = 16;
    uint256 private constant _SIG_LENGTH = 65;

    uint256 private immutable _threshold;
    uint256 private immutable _count;
    address private immutable _m0;
    address private immutable _m1;
    address private immutable _m2;
    address private immutable _m3;
    address private immutable _m4;
    address private immutable _m5;
    address private immutable _m6;
    address private immutable _m7;
    address private immutable _m8;
    address private immutable _m9;
    address private immutable _m10;
    address private immutable _m11;
    address private immutable _m12;
    address private immutable _m13;
    address private immutable _m14;
    address private immutable _m15;

    constructor(address[] memory members_, uint256 threshold_) {
        uint256 n = members_.length;
        if (n > MAX_MEMBERS) revert TooManyMembers(n, MAX_MEMBERS);
        if (threshold_ == 0 || threshold_ > n) revert InvalidThreshold(threshold_, n);
        address last;
        for (uint256 i; i < n; ++i) {
            address m = members_[i];
            if (m == address(0)) revert ZeroAddress();
            if (m <= last) revert MembersNotAscending(m);
            last = m;
        }
        _threshold = threshold_;
        _count = n;
        _m0 = n > 0 ? members_[0] : address(0);
        _m1 = n > 1 ? members_[1] : address(0);
        _m2 = n > 2 ? members_[2] : address(0);
        _m3 = n > 3 ? members_[3] : address(0);
        _m4 = n > 4 ? members_[4] : address(0);
        _m5 = n > 5 ? members_[5] : address(0);
        _m6 = n > 6 ? members_[6] : address(0);
        _m7 = n > 7 ? members_[7] : address(0);
        _m8 = n > 8 ? members_[8] : address(0);
        _m9 = n > 9 ? members_[9] : address(0);
        _m10 = n > 10 ? members_[10] : address(0);
        _m11 = n > 11 ? members_[11] : address(0);
        _m12 = n > 12 ? members_[12] : address(0);
        _m13 = n > 13 ? members_[13] : address(0);
        _m14 = n > 14 ? members_[14] : address(0);
        _m15 = n > 15 ? members_[15] : address(0);
        emit QuorumConfigured(members_, threshold_);
    }

    /// @inheritdoc IWorkVerifier
    /// @dev Signers must appear in strictly increasing address order, which rules out counting one twice.
    /// Any malformed, high-s, non-member or out-of-order signature makes the whole proof invalid.
    function verifyAttestation(bytes32 digest, bytes calldata proof) external view returns (bool) {
        uint256 len = proof.length;
        if (len % _SIG_LENGTH != 0) return false;
        uint256 count = len / _SIG_LENGTH;
        if (count < _threshold) return false;
        uint256 next; // members before `next` are used up (or were skipped): signers ascend like members do
        for (uint256 i; i < count; ++i) {
            uint256 o = i * _SIG_LENGTH;
            (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(
                digest,
                uint8(proof[o + 64]),
                bytes32(proof[o:o + 32]),
                bytes32(proof[o + 32:o + 64])
            );
            if (err != ECDSA.RecoverError.NoError) return false;
            while (next < _count && _member(next) < signer) ++next;
            if (next == _count || _member(next) != signer) return false;
            ++next;
        }
        return true;
    }

    /// @inheritdoc IQuorumVerifier
    function threshold() external view returns (uint256) {
        return _threshold;
    }

    /// @inheritdoc IQuorumVerifier
    function members() external view returns (address[] memory list) {
        list = new address[](_count);
        for (uint256 i; i < _count; ++i) list[i] = _member(i);
    }

    /// @inheritdoc IQuorumVerifier
    function isMember(address account) external view returns (bool) {
        if (account == address(0)) return false;
        for (uint256 i; i < _count; ++i) if (_member(i) == account) return true;
        return false;
    }

    function _member(uint256 i) private view returns (address) {
        if (i == 0) return _m0;
        if (i == 1) return _m1;
        if (i == 2) return _m2;
        if (i == 3) return _m3;
        if (i == 4) return _m4;
        if (i == 5) return _m5;
        if (i == 6) return _m6;
        if (i == 7) return _m7;
        if (i == 8) return _m8;
        if (i == 9) return _m9;
        if (i == 10) return _m10;
        if (i == 11) return _m11;
        if (i == 12) return _m12;
        if (i == 13) return _m13;
        if (i == 14) return _m14;
        if (i == 15) return _m15;
        return address(0);
    }
}
