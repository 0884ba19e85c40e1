// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReentrantToken
/// @notice Models tokens with transfer hooks (ERC-777, ERC-677, malicious tokens) that hand control to an
///         attacker mid-transfer: once armed with `arm(target, data)`, the next `transfer` or `transferFrom` first
///         calls `target` with `data` (before any balance moves), then disarms itself and completes normally.
///         The outcome is kept in `lastReentrySucceeded` / `lastReentryData` (return data, or revert data such
///         as a `ReentrancyGuardReentrantCall()` error), so a test can assert the protocol refused the reentry.
/// @dev The reentrant call's failure never makes the transfer fail. `mint` and `arm` are open to anyone.
contract ReentrantToken is ERC20 {
    /// @notice Whether the next transfer will make the reentrant call.
    bool public armed;
    /// @notice Whether the last reentrant call succeeded.
    bool public lastReentrySucceeded;
    /// @notice The contract the armed call goes to.
    address public reentryTarget;
    /// @notice The calldata of the armed call.
    bytes public reentryData;
    /// @notice Return data (on success) or revert data (on failure) of the last reentrant call.
    bytes public lastReentryData;

    event Reentered(address indexed target, bool success, bytes returnData);

    constructor() ERC20("Reentrant Token", "REN") {}

    /// @notice Creates `amount` tokens for `to`; open to anyone.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Makes the next transfer/transferFrom call `target` with `data` before moving balances.
    function arm(address target, bytes calldata data) external {
        armed = true;
        reentryTarget = target;
        reentryData = data;
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        _reenter();
        return super.transfer(to, value);
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        _reenter();
        return super.transferFrom(from, to, value);
    }

    function _reenter() private {
        if (!armed) return;
        armed = false; // disarm first, so the reentrant call cannot trigger itself again
        address target = reentryTarget;
        (bool success, bytes memory returnData) = target.call(reentryData);
        lastReentrySucceeded = success;
        lastReentryData = returnData;
        emit Reentered(target, success, returnData);
    }
}
