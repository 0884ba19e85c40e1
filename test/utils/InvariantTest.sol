// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title InvariantTest
/// @notice Tells Hardhat's invariant fuzzer (EDR, forge's engine) what to call and as whom. Mix it in beside
///         `Test`: `contract FooInvariants is Test, InvariantTest { ... }`, register targets in `setUp()`.
/// @dev EDR calls these public views on the test contract after `setUp()`, with forge-std's `StdInvariant`
///      signatures and return shapes (checked against EDR 0.22.0's `IInvariantTest`):
///        targetContracts()  -> address[]        contracts the fuzzer calls (empty: every contract deployed in setUp)
///        targetSenders()    -> address[]        msg.sender values it uses (empty: random senders)
///        excludeContracts() -> address[]        contracts never called
///        excludeSenders()   -> address[]        senders never used
///        targetSelectors()  -> FuzzSelector[]   restrict a target to these selectors
///        excludeSelectors() -> FuzzSelector[]   never call these selectors
///      The artifact-based views (targetArtifacts, targetArtifactSelectors, excludeArtifacts, targetInterfaces)
///      are optional and not provided. Registration functions are internal so the fuzzer cannot call them.
abstract contract InvariantTest {
    /// @notice A contract and the selectors of it to include or exclude; same shape as forge-std's.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    // ─── Storage ───────────────────────────────────────────────────────────────────────────────

    address[] internal _targets;
    address[] internal _targetSenders;
    address[] internal _excludedContracts;
    address[] internal _excludedSenders;
    FuzzSelector[] internal _targetSelectors;
    FuzzSelector[] internal _excludedSelectors;

    // ─── Registration (call from setUp) ────────────────────────────────────────────────────────

    /// @notice Adds a contract (usually a handler) for the fuzzer to call.
    function targetContract(address target) internal virtual {
        _targets.push(target);
    }

    /// @notice Adds an address the fuzzer may use as msg.sender.
    function targetSender(address sender) internal virtual {
        _targetSenders.push(sender);
    }

    /// @notice Stops the fuzzer from calling `target`.
    function excludeContract(address target) internal virtual {
        _excludedContracts.push(target);
    }

    /// @notice Stops the fuzzer from using `sender` as msg.sender.
    function excludeSender(address sender) internal virtual {
        _excludedSenders.push(sender);
    }

    /// @notice Restricts calls on `selector.addr` to `selector.selectors`.
    function targetSelector(FuzzSelector memory selector) internal virtual {
        _targetSelectors.push(selector);
    }

    /// @notice Stops the fuzzer from calling `selector.selectors` on `selector.addr`.
    function excludeSelector(FuzzSelector memory selector) internal virtual {
        _excludedSelectors.push(selector);
    }

    // ─── Views read by the fuzzer ──────────────────────────────────────────────────────────────

    function targetContracts() public view virtual returns (address[] memory) {
        return _targets;
    }

    function targetSenders() public view virtual returns (address[] memory) {
        return _targetSenders;
    }

    function excludeContracts() public view virtual returns (address[] memory) {
        return _excludedContracts;
    }

    function excludeSenders() public view virtual returns (address[] memory) {
        return _excludedSenders;
    }

    function targetSelectors() public view virtual returns (FuzzSelector[] memory) {
        return _targetSelectors;
    }

    function excludeSelectors() public view virtual returns (FuzzSelector[] memory) {
        return _excludedSelectors;
    }
}
