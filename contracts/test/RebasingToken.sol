// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

/// @title RebasingToken
/// @notice Models rebasing tokens (stETH, AMPL): holders own shares, and `balanceOf = shares * multiplier / 1e18`,
///         so when the owner changes `multiplier` every balance changes without any transfer. A contract that
///         caches token balances (escrow totals, deposits) drifts from what it really holds.
/// @dev Amounts are converted to shares rounding down (as stETH does), so a transfer of `amount` may deliver
///      up to 1 wei less than `amount` when the multiplier does not divide evenly. Allowances are in token
///      units. `mint` is open to anyone; `setMultiplier` is owner-only.
contract RebasingToken is IERC20Metadata, Ownable {
    uint256 private constant _ONE = 1e18;

    /// @notice Token units per share, scaled by 1e18 (1e18 = 1:1).
    uint256 public multiplier = _ONE;

    uint256 private _totalShares;
    mapping(address account => uint256) private _shares;
    mapping(address holder => mapping(address spender => uint256)) private _allowances;

    event MultiplierSet(uint256 oldMultiplier, uint256 newMultiplier);

    error RebasingTokenZeroMultiplier();
    error RebasingTokenInsufficientBalance(address from, uint256 balance, uint256 needed);
    error RebasingTokenInsufficientAllowance(address holder, address spender, uint256 allowance, uint256 needed);

    constructor() Ownable(msg.sender) {}

    // ─── Owner ─────────────────────────────────────────────────────────────────────────────────

    /// @notice Rebases every balance: balances become `shares * newMultiplier / 1e18`.
    function setMultiplier(uint256 newMultiplier) external onlyOwner {
        if (newMultiplier == 0) revert RebasingTokenZeroMultiplier();
        emit MultiplierSet(multiplier, newMultiplier);
        multiplier = newMultiplier;
    }

    // ─── Anyone ────────────────────────────────────────────────────────────────────────────────

    /// @notice Creates `amount` tokens (at the current multiplier) for `to`; open to anyone.
    function mint(address to, uint256 amount) external {
        uint256 shares = _toShares(amount);
        _totalShares += shares;
        _shares[to] += shares;
        emit Transfer(address(0), to, amount);
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = _allowances[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < amount) revert RebasingTokenInsufficientAllowance(from, msg.sender, allowed, amount);
            _allowances[from][msg.sender] = allowed - amount;
        }
        _move(from, to, amount);
        return true;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        _allowances[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    // ─── Views ─────────────────────────────────────────────────────────────────────────────────

    function name() external pure returns (string memory) {
        return "Rebasing Token";
    }

    function symbol() external pure returns (string memory) {
        return "REB";
    }

    function decimals() external pure returns (uint8) {
        return 18;
    }

    function totalSupply() external view returns (uint256) {
        return _toAmount(_totalShares);
    }

    function balanceOf(address account) public view returns (uint256) {
        return _toAmount(_shares[account]);
    }

    function allowance(address holder, address spender) external view returns (uint256) {
        return _allowances[holder][spender];
    }

    /// @notice The shares `account` holds (unchanged by rebases).
    function sharesOf(address account) external view returns (uint256) {
        return _shares[account];
    }

    // ─── Internal ──────────────────────────────────────────────────────────────────────────────

    function _move(address from, address to, uint256 amount) private {
        uint256 balance = balanceOf(from);
        if (balance < amount) revert RebasingTokenInsufficientBalance(from, balance, amount);
        // Rounds down, so the shares moved never exceed the sender's shares (amount <= balance).
        uint256 shares = _toShares(amount);
        _shares[from] -= shares;
        _shares[to] += shares;
        emit Transfer(from, to, amount);
    }

    /// @dev Rounds down.
    function _toShares(uint256 amount) private view returns (uint256) {
        return (amount * _ONE) / multiplier;
    }

    /// @dev Rounds down.
    function _toAmount(uint256 shares) private view returns (uint256) {
        return (shares * multiplier) / _ONE;
    }
}
