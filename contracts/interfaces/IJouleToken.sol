// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title JOULE token extras (ERC-20 + EIP-2612 + cap)
interface IJouleToken {
    error NotMinter(address caller);
    error MinterAlreadySet(address minter);
    error ZeroAddress();

    event MinterSet(address indexed minter);

    /// @notice Sets the only account allowed to mint (the reward emitter); callable once, by the owner.
    function setMinter(address minter) external;
    /// @notice Mints `amount` to `to` (minter only); reverts past the cap.
    function mint(address to, uint256 amount) external;
    function minter() external view returns (address);
}
