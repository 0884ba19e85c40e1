// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Pluggable work verification
/// @notice The market asks a job's verifier whether `proof` authorizes the judgement in an attestation.
/// @dev `digest` is the market's EIP-712 hash of `WorkAttestation(jobId, milestone, resultRoot, units, energyWh,
/// accepted)` under the market's domain (chainId and market address), so one verifier can serve several markets
/// and chains without replay. A verifier must be a pure function of its inputs and its configuration.
interface IWorkVerifier {
    /// @return True iff `proof` authorizes the attestation hashed into `digest`.
    function verifyAttestation(bytes32 digest, bytes calldata proof) external view returns (bool);
}
