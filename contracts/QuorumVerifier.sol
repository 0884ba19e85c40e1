// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {IQuorumVerifier} from "./interfaces/IQuorumVerifier.sol";
import {IWorkVerifier} from "./interfaces/IWorkVerifier.sol";

/// @title QuorumVerifier
/// @notice m-of-n ECDSA quorum over the market's attestation digest, checked in one call, nothing stored per vote.
contract QuorumVerifier is IQuorumVerifier {
    uint256 private constant _SIG_LENGTH = 65;

    uint256 private immutable _threshold;
    address[] private _members;
    mapping(address account => bool) private _isMember;

    constructor(address[] memory members_, uint256 threshold_) {
        uint256 n = members_.length;
        if (threshold_ == 0 || threshold_ > n) revert InvalidThreshold(threshold_, n);
        for (uint256 i; i < n; ++i) {
            address m = members_[i];
            if (m == address(0)) revert ZeroAddress();
            if (_isMember[m]) revert DuplicateMember(m);
            _isMember[m] = true;
        }
        _members = members_;
        _threshold = threshold_;
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
        address last;
        for (uint256 i; i < count; ++i) {
            uint256 o = i * _SIG_LENGTH;
            bytes32 r = bytes32(proof[o:o + 32]);
            bytes32 s = bytes32(proof[o + 32:o + 64]);
            uint8 v = uint8(proof[o + 64]);
            (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, v, r, s);
            if (err != ECDSA.RecoverError.NoError || signer <= last || !_isMember[signer]) return false;
            last = signer;
        }
        return true;
    }

    /// @inheritdoc IQuorumVerifier
    function threshold() external view returns (uint256) {
        return _threshold;
    }

    /// @inheritdoc IQuorumVerifier
    function members() external view returns (address[] memory) {
        return _members;
    }

    /// @inheritdoc IQuorumVerifier
    function isMember(address account) external view returns (bool) {
        return _isMember[account];
    }
}
