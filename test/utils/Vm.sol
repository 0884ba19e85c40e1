// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Vm
/// @notice The cheatcodes our Solidity tests use, as served by Hardhat 3's EDR at
///         `address(uint160(uint256(keccak256("hevm cheat code"))))`.
/// @dev forge-std cannot be installed here, so this is a hand-written subset of forge-std's `Vm`.
///      Every signature below was checked against the cheatcode spec compiled into EDR 0.22.0
///      (the native EDR package shipped with hardhat 3.18.0), including the state
///      mutability, and none of them is on EDR's "unsupported" list (that list holds the scripting,
///      broadcast, deployCode, wallet/key-management, EIP-7702 and EIP-712-file cheatcodes).
///      Add more from forge-std's `Vm.sol` as needed, keeping EDR's exact signature.
interface Vm {
    /// @notice A log captured between `recordLogs()` and `getRecordedLogs()`.
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    // ─── Callers ───────────────────────────────────────────────────────────────────────────

    /// @notice Sets `msg.sender` for the next call only.
    function prank(address msgSender) external;

    /// @notice Sets `msg.sender` and `tx.origin` for the next call only.
    function prank(address msgSender, address txOrigin) external;

    /// @notice Sets `msg.sender` for every call until `stopPrank()`.
    function startPrank(address msgSender) external;

    /// @notice Ends a `startPrank`.
    function stopPrank() external;

    // ─── Block and chain environment ──────────────────────────────────────────────────────────

    /// @notice Sets `block.timestamp`.
    function warp(uint256 newTimestamp) external;

    /// @notice Sets `block.number`.
    function roll(uint256 newHeight) external;

    /// @notice Sets `block.chainid`.
    function chainId(uint256 newChainId) external;

    /// @notice Reads `block.timestamp` as the EVM currently sees it (immune to via-IR caching of `block.timestamp`).
    function getBlockTimestamp() external view returns (uint256 timestamp);

    // ─── Accounts and storage ──────────────────────────────────────────────────────────────────

    /// @notice Sets the ether balance of `account`.
    function deal(address account, uint256 newBalance) external;

    /// @notice Replaces the runtime code at `target`.
    function etch(address target, bytes calldata newRuntimeBytecode) external;

    /// @notice Writes a raw storage slot.
    function store(address target, bytes32 slot, bytes32 value) external;

    /// @notice Reads a raw storage slot.
    function load(address target, bytes32 slot) external view returns (bytes32 data);

    /// @notice Gives `account` a name in traces.
    function label(address account, string calldata newLabel) external;

    // ─── Keys and signatures ───────────────────────────────────────────────────────────────────

    /// @notice The address of a secp256k1 private key.
    function addr(uint256 privateKey) external pure returns (address keyAddr);

    /// @notice Signs `digest` (already hashed; no prefix is added) with `privateKey`.
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);

    // ─── Strings (for building names and messages) ──────────────────────────────────────────────

    function toString(uint256 value) external pure returns (string memory stringifiedValue);

    function toString(int256 value) external pure returns (string memory stringifiedValue);

    function toString(address value) external pure returns (string memory stringifiedValue);

    function toString(bytes32 value) external pure returns (string memory stringifiedValue);

    function toString(bool value) external pure returns (string memory stringifiedValue);

    function toString(bytes calldata value) external pure returns (string memory stringifiedValue);

    // ─── Expectations ────────────────────────────────────────────────────────────────────────

    /// @notice The next call must revert with exactly `revertData`.
    function expectRevert(bytes calldata revertData) external;

    /// @notice The next call must revert with exactly the 4 bytes `revertData` (a custom error without
    ///         arguments). This is NOT a selector-prefix match; use `expectPartialRevert` for that.
    function expectRevert(bytes4 revertData) external;

    /// @notice The next call must revert with data starting with the selector `revertData` (arguments ignored).
    function expectPartialRevert(bytes4 revertData) external;

    /// @notice The next call must revert, with any data.
    function expectRevert() external;

    /// @notice The next call must emit the event emitted right after this cheatcode; topic 0 is always checked.
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData) external;

    /// @notice As above, and the event must come from `emitter`.
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter) external;

    /// @notice The next call must emit the event emitted right after this cheatcode, all topics and data checked.
    function expectEmit() external;

    // ─── Fuzzing ───────────────────────────────────────────────────────────────────────────────

    /// @notice Discards the current fuzz input when `condition` is false.
    function assume(bool condition) external pure;

    // ─── State snapshots ───────────────────────────────────────────────────────────────────────

    /// @notice Snapshots the whole EVM state.
    function snapshotState() external returns (uint256 snapshotId);

    /// @notice Restores a snapshot taken with `snapshotState()`.
    function revertToState(uint256 snapshotId) external returns (bool success);

    // ─── Logs ──────────────────────────────────────────────────────────────────────────────────

    /// @notice Starts recording every emitted log.
    function recordLogs() external;

    /// @notice Returns (and clears) the logs recorded since `recordLogs()` or the previous call.
    function getRecordedLogs() external returns (Log[] memory logs);

    // ─── Gas snapshots (written by `hardhat test solidity --snapshot`) ─────────────────────────

    /// @notice Records the gas of the last call, from the callee's perspective, under `name`.
    function snapshotGasLastCall(string calldata name) external returns (uint256 gasUsed);
    /// @notice Records the gas of the last call under `name` in snapshots/<group>.json.
    function snapshotGasLastCall(string calldata group, string calldata name) external returns (uint256 gasUsed);

    /// @notice Starts measuring gas for a section named `name`.
    function startSnapshotGas(string calldata name) external;

    /// @notice Stops the last `startSnapshotGas` and records the gas used.
    function stopSnapshotGas() external returns (uint256 gasUsed);
}
