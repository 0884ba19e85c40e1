// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title MockERC1271Wallet
/// @notice Models a smart-contract wallet (Safe, ERC-4337 account) owned by an EOA: it cannot produce ECDSA
///         signatures of its own, so signature checks must go through ERC-1271 `isValidSignature`, which accepts
///         exactly the signatures the `owner` key made over the same hash. `execute` lets the owner make the
///         wallet call other contracts (e.g. register as a provider, approve tokens), so `msg.sender` is the wallet.
/// @dev Malformed signatures return the failure value instead of reverting, like real wallets.
contract MockERC1271Wallet is IERC1271 {
    /// @notice The EOA whose signatures the wallet accepts and who may call `execute`.
    address public immutable owner;

    error MockERC1271WalletNotOwner(address caller, address owner);

    constructor(address owner_) {
        owner = owner_;
    }

    receive() external payable {}

    /// @notice Calls `target` with `data` (and `msg.value`) as the wallet; bubbles up a revert unchanged.
    function execute(address target, bytes calldata data) external payable returns (bytes memory result) {
        if (msg.sender != owner) revert MockERC1271WalletNotOwner(msg.sender, owner);
        bool success;
        (success, result) = target.call{value: msg.value}(data);
        if (!success) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes memory signature) external view returns (bytes4 magicValue) {
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(hash, signature);
        if (err == ECDSA.RecoverError.NoError && recovered == owner) return IERC1271.isValidSignature.selector;
        return 0xffffffff;
    }
}
