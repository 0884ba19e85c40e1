// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title RawLogEmitter
/// @notice Emits any log (topics + data) it is given, for the indexer's tests: it stands in for the protocol's
/// contracts and feeds the indexer values the real ones never produce (uint256 max, odd strings).
/// @dev Test only. Takes pre-encoded logs so it never depends on the event declarations (the tests encode them
/// with the same ABI the indexer decodes with).
contract RawLogEmitter {
    error TooManyTopics(uint256 count);

    function emitLog(bytes32[] calldata topics, bytes calldata data) public {
        uint256 n = topics.length;
        if (n > 4) revert TooManyTopics(n);
        bytes memory d = data;
        assembly ("memory-safe") {
            let ptr := add(d, 0x20)
            let len := mload(d)
            switch n
            case 0 {
                log0(ptr, len)
            }
            case 1 {
                log1(ptr, len, calldataload(topics.offset))
            }
            case 2 {
                log2(ptr, len, calldataload(topics.offset), calldataload(add(topics.offset, 0x20)))
            }
            case 3 {
                log3(
                    ptr,
                    len,
                    calldataload(topics.offset),
                    calldataload(add(topics.offset, 0x20)),
                    calldataload(add(topics.offset, 0x40))
                )
            }
            default {
                log4(
                    ptr,
                    len,
                    calldataload(topics.offset),
                    calldataload(add(topics.offset, 0x20)),
                    calldataload(add(topics.offset, 0x40)),
                    calldataload(add(topics.offset, 0x60))
                )
            }
        }
    }
}
