// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReturnsFalseToken
/// @notice Models tokens that signal failure by returning `false` instead of reverting (e.g. older ZRX/BAT-style
///         tokens): while the public flag `fail` is set, `transfer` and `transferFrom` move nothing and return
///         false; otherwise they behave normally. A caller that ignores the return value is fooled.
/// @dev `mint` and `setFail` are open to anyone.
contract ReturnsFalseToken is ERC20 {
    /// @notice While true, transfers silently fail with `false`.
    bool public fail;

    constructor() ERC20("Returns False Token", "RFT") {}

    /// @notice Creates `amount` tokens for `to`; open to anyone.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Turns the silent failure on or off.
    function setFail(bool fail_) external {
        fail = fail_;
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        if (fail) return false;
        return super.transfer(to, value);
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (fail) return false;
        return super.transferFrom(from, to, value);
    }
}
