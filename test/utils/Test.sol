// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {Vm} from "./Vm.sol";

/// @title Test
/// @notice A small forge-std-style base for Hardhat 3 Solidity tests: the cheatcode handle, `bound`,
///         assertions, and named test addresses.
/// @dev Assertion failures revert with a string naming both values, e.g.
///      `assertEq(uint256) failed: 1 != 2` or `balance after deposit: 1 != 2`, which Hardhat prints as the
///      test's failure reason. (Test helpers use string reverts on purpose; protocol code never does.)
abstract contract Test {
    using Strings for uint256;
    using Strings for int256;
    using Strings for address;

    // ─── Constants ─────────────────────────────────────────────────────────────────────────────

    /// @dev The cheatcode address served by EDR.
    address internal constant VM_ADDRESS = address(uint160(uint256(keccak256("hevm cheat code"))));

    Vm internal constant vm = Vm(VM_ADDRESS);

    uint256 private constant _UINT256_MAX = type(uint256).max;
    uint256 private constant _INT256_MIN_ABS = 2 ** 255;

    // ─── Fuzz helpers ──────────────────────────────────────────────────────────────────────────

    /// @notice Maps any `x` into `[min, max]` (inclusive), with forge-std's semantics: values already in
    ///         range are returned unchanged, 0..3 map to min..min+3 and MAX-3..MAX map to max-3..max (so the
    ///         fuzzer's edge values hit the range's edges), everything else wraps modulo the range size.
    /// @dev Reverts only if `min > max`.
    function bound(uint256 x, uint256 min, uint256 max) internal pure virtual returns (uint256 result) {
        require(min <= max, string.concat("bound(uint256): max ", max.toString(), " < min ", min.toString()));

        // Values already inside the range are kept, so the fuzzer's dictionary values are not shifted.
        if (x >= min && x <= max) return x;

        // Here the range cannot be all of uint256 (x would be inside it), so `max - min + 1` cannot overflow.
        uint256 size = max - min + 1;

        // Edge values of uint256 go to the edges of the range.
        if (x <= 3 && size > x) return min + x;
        if (x >= _UINT256_MAX - 3 && size > _UINT256_MAX - x) return max - (_UINT256_MAX - x);

        // Otherwise wrap x into [min, max].
        if (x > max) {
            uint256 rem = (x - max) % size;
            if (rem == 0) return max;
            result = min + rem - 1;
        } else {
            // x < min
            uint256 rem = (min - x) % size;
            if (rem == 0) return min;
            result = max - rem + 1;
        }
    }

    /// @notice `bound` for int256, forge-std's semantics: shifts to uint256 order, bounds, shifts back.
    function bound(int256 x, int256 min, int256 max) internal pure virtual returns (int256 result) {
        require(
            min <= max,
            string.concat("bound(int256): max ", max.toStringSigned(), " < min ", min.toStringSigned())
        );
        uint256 r = bound(_shiftToUint(x), _shiftToUint(min), _shiftToUint(max));
        result = _shiftToInt(r);
    }

    // ─── Addresses and keys ────────────────────────────────────────────────────────────────────

    /// @notice A deterministic address derived from `name` (private key = keccak256(name)), labelled in traces.
    function makeAddr(string memory name) internal virtual returns (address addr) {
        (addr, ) = makeAddrAndKey(name);
    }

    /// @notice A deterministic address and its private key (keccak256(name)), labelled in traces; the key
    ///         works with `vm.sign`.
    function makeAddrAndKey(string memory name) internal virtual returns (address addr, uint256 privateKey) {
        privateKey = uint256(keccak256(abi.encodePacked(name)));
        addr = vm.addr(privateKey);
        vm.label(addr, name);
    }

    // ─── Failure ───────────────────────────────────────────────────────────────────────────────

    /// @notice Fails the test with `message`.
    function fail(string memory message) internal pure virtual {
        revert(message);
    }

    // ─── Booleans ──────────────────────────────────────────────────────────────────────────────

    function assertTrue(bool condition) internal pure virtual {
        if (!condition) fail("assertTrue failed");
    }

    function assertTrue(bool condition, string memory message) internal pure virtual {
        if (!condition) fail(string.concat(message, ": expected true"));
    }

    function assertFalse(bool condition) internal pure virtual {
        if (condition) fail("assertFalse failed");
    }

    function assertFalse(bool condition, string memory message) internal pure virtual {
        if (condition) fail(string.concat(message, ": expected false"));
    }

    // ─── Equality ──────────────────────────────────────────────────────────────────────────────

    function assertEq(uint256 left, uint256 right) internal pure virtual {
        assertEq(left, right, "assertEq(uint256) failed");
    }

    function assertEq(uint256 left, uint256 right, string memory message) internal pure virtual {
        if (left != right) _failCompare(message, left.toString(), " != ", right.toString());
    }

    function assertEq(int256 left, int256 right) internal pure virtual {
        assertEq(left, right, "assertEq(int256) failed");
    }

    function assertEq(int256 left, int256 right, string memory message) internal pure virtual {
        if (left != right) _failCompare(message, left.toStringSigned(), " != ", right.toStringSigned());
    }

    function assertEq(address left, address right) internal pure virtual {
        assertEq(left, right, "assertEq(address) failed");
    }

    function assertEq(address left, address right, string memory message) internal pure virtual {
        if (left != right) _failCompare(message, left.toHexString(), " != ", right.toHexString());
    }

    function assertEq(bytes32 left, bytes32 right) internal pure virtual {
        assertEq(left, right, "assertEq(bytes32) failed");
    }

    function assertEq(bytes32 left, bytes32 right, string memory message) internal pure virtual {
        if (left != right) {
            _failCompare(message, uint256(left).toHexString(32), " != ", uint256(right).toHexString(32));
        }
    }

    function assertEq(bool left, bool right) internal pure virtual {
        assertEq(left, right, "assertEq(bool) failed");
    }

    function assertEq(bool left, bool right, string memory message) internal pure virtual {
        if (left != right) _failCompare(message, _boolToString(left), " != ", _boolToString(right));
    }

    function assertEq(string memory left, string memory right) internal pure virtual {
        assertEq(left, right, "assertEq(string) failed");
    }

    function assertEq(string memory left, string memory right, string memory message) internal pure virtual {
        if (!Strings.equal(left, right)) {
            _failCompare(message, string.concat('"', left, '"'), " != ", string.concat('"', right, '"'));
        }
    }

    function assertEq(bytes memory left, bytes memory right) internal pure virtual {
        assertEq(left, right, "assertEq(bytes) failed");
    }

    function assertEq(bytes memory left, bytes memory right, string memory message) internal pure virtual {
        if (keccak256(left) != keccak256(right)) {
            _failCompare(message, Strings.toHexString(left), " != ", Strings.toHexString(right));
        }
    }

    // ─── Inequality ────────────────────────────────────────────────────────────────────────────

    function assertNotEq(uint256 left, uint256 right) internal pure virtual {
        assertNotEq(left, right, "assertNotEq(uint256) failed");
    }

    function assertNotEq(uint256 left, uint256 right, string memory message) internal pure virtual {
        if (left == right) _failCompare(message, left.toString(), " == ", right.toString());
    }

    function assertNotEq(address left, address right) internal pure virtual {
        assertNotEq(left, right, "assertNotEq(address) failed");
    }

    function assertNotEq(address left, address right, string memory message) internal pure virtual {
        if (left == right) _failCompare(message, left.toHexString(), " == ", right.toHexString());
    }

    function assertNotEq(bytes32 left, bytes32 right) internal pure virtual {
        assertNotEq(left, right, "assertNotEq(bytes32) failed");
    }

    function assertNotEq(bytes32 left, bytes32 right, string memory message) internal pure virtual {
        if (left == right) {
            _failCompare(message, uint256(left).toHexString(32), " == ", uint256(right).toHexString(32));
        }
    }

    // ─── Ordering (uint256) ────────────────────────────────────────────────────────────────────

    function assertGt(uint256 left, uint256 right) internal pure virtual {
        assertGt(left, right, "assertGt(uint256) failed");
    }

    function assertGt(uint256 left, uint256 right, string memory message) internal pure virtual {
        if (left <= right) _failCompare(message, left.toString(), " <= ", right.toString());
    }

    function assertGe(uint256 left, uint256 right) internal pure virtual {
        assertGe(left, right, "assertGe(uint256) failed");
    }

    function assertGe(uint256 left, uint256 right, string memory message) internal pure virtual {
        if (left < right) _failCompare(message, left.toString(), " < ", right.toString());
    }

    function assertLt(uint256 left, uint256 right) internal pure virtual {
        assertLt(left, right, "assertLt(uint256) failed");
    }

    function assertLt(uint256 left, uint256 right, string memory message) internal pure virtual {
        if (left >= right) _failCompare(message, left.toString(), " >= ", right.toString());
    }

    function assertLe(uint256 left, uint256 right) internal pure virtual {
        assertLe(left, right, "assertLe(uint256) failed");
    }

    function assertLe(uint256 left, uint256 right, string memory message) internal pure virtual {
        if (left > right) _failCompare(message, left.toString(), " > ", right.toString());
    }

    // ─── Approximate equality ──────────────────────────────────────────────────────────────────

    /// @notice Passes iff |left - right| <= maxDelta.
    function assertApproxEqAbs(uint256 left, uint256 right, uint256 maxDelta) internal pure virtual {
        assertApproxEqAbs(left, right, maxDelta, "assertApproxEqAbs(uint256) failed");
    }

    function assertApproxEqAbs(
        uint256 left,
        uint256 right,
        uint256 maxDelta,
        string memory message
    ) internal pure virtual {
        uint256 delta = left > right ? left - right : right - left;
        if (delta > maxDelta) {
            fail(
                string.concat(
                    message,
                    ": ",
                    left.toString(),
                    " !~ ",
                    right.toString(),
                    " (max delta ",
                    maxDelta.toString(),
                    ", real delta ",
                    delta.toString(),
                    ")"
                )
            );
        }
    }

    // ─── Internal helpers ──────────────────────────────────────────────────────────────────────

    function _failCompare(
        string memory message,
        string memory left,
        string memory op,
        string memory right
    ) private pure {
        fail(string.concat(message, ": ", left, op, right));
    }

    function _boolToString(bool b) private pure returns (string memory) {
        return b ? "true" : "false";
    }

    /// @dev int256 -> uint256 preserving order: int256.min -> 0, 0 -> 2**255, int256.max -> uint256.max.
    function _shiftToUint(int256 x) private pure returns (uint256) {
        // Two's complement reinterpretation plus 2**255 (mod 2**256) is an order-preserving bijection;
        // unchecked because the wrap-around is the point.
        unchecked {
            return uint256(x) + _INT256_MIN_ABS;
        }
    }

    function _shiftToInt(uint256 x) private pure returns (int256) {
        // Inverse of _shiftToUint; wraps by design.
        unchecked {
            return int256(x - _INT256_MIN_ABS);
        }
    }
}
