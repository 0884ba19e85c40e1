// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title FeeOnTransferToken
/// @notice Models fee-on-transfer tokens (e.g. PAXG, STA): every `transfer`/`transferFrom` takes `feeBps` of the
///         amount, so the recipient receives `amount - fee` while the sender is debited `amount`. A contract that
///         credits the requested amount instead of the balance it actually received becomes insolvent.
/// @dev The fee is `amount * feeBps / 10_000` rounded down and is burned (total supply shrinks). Mints and burns
///      pay no fee. `mint` is open to anyone.
contract FeeOnTransferToken is ERC20 {
    uint256 private constant _BPS = 10_000;

    /// @notice The fee in basis points taken on every transfer.
    uint256 public immutable feeBps;

    error FeeOnTransferTokenFeeTooHigh(uint256 feeBps, uint256 maxBps);

    constructor(uint256 feeBps_) ERC20("Fee On Transfer Token", "FOT") {
        if (feeBps_ > _BPS) revert FeeOnTransferTokenFeeTooHigh(feeBps_, _BPS);
        feeBps = feeBps_;
    }

    /// @notice Creates `amount` tokens for `to` (no fee); open to anyone.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice The fee a transfer of `amount` pays.
    function feeOf(uint256 amount) public view returns (uint256) {
        return (amount * feeBps) / _BPS;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) {
            super._update(from, to, value);
            return;
        }
        // Check the whole amount up front so the error names it, not just the part that failed.
        uint256 fromBalance = balanceOf(from);
        if (fromBalance < value) revert ERC20InsufficientBalance(from, fromBalance, value);
        uint256 fee = feeOf(value);
        super._update(from, to, value - fee);
        if (fee != 0) super._update(from, address(0), fee);
    }
}
