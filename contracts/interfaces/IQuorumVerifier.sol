// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IWorkVerifier} from "./IWorkVerifier.sol";

/// @title m-of-n verifier quorum
/// @notice Accepts an attestation when at least `threshold` distinct members signed its digest.
/// @dev `proof` is the concatenation of 65-byte `(r, s, v)` ECDSA signatures whose signers are strictly
/// increasing addresses (so no member counts twice without any per-vote storage). High-s signatures are rejected.
/// The set (at most 16 members, ascending) is fixed at deployment: a new set is a new verifier, allowlisted by governance.
interface IQuorumVerifier is IWorkVerifier {
    error InvalidThreshold(uint256 threshold, uint256 members);
    /// @notice Members must be given in strictly ascending address order (which also rules out duplicates).
    error MembersNotAscending(address member);
    error TooManyMembers(uint256 count, uint256 max);
    error ZeroAddress();

    event QuorumConfigured(address[] members, uint256 threshold);

    function threshold() external view returns (uint256);
    function members() external view returns (address[] memory);
    function isMember(address account) external view returns (bool);
}
