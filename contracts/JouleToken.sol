// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Capped} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Capped.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";

import {IJouleToken} from "./interfaces/IJouleToken.sol";

/// @title JOULE
/// @notice The protocol's token: staked by providers as collateral, minted as rewards for verified work.
/// @dev Hard-capped. The genesis allocation (for bootstrapping stakes) is minted at deployment; every other
/// token is minted by the reward emitter when a provider claims. The minter is set once and never changes.
contract JouleToken is IJouleToken, ERC20Capped, ERC20Permit, Ownable2Step {
    address private _minter;

    constructor(
        uint256 cap_,
        address genesisHolder,
        uint256 genesisSupply,
        address owner_
    ) ERC20("Joule", "JOULE") ERC20Capped(cap_) ERC20Permit("Joule") Ownable(owner_) {
        if (genesisSupply != 0) _mint(genesisHolder, genesisSupply);
    }

    /// @inheritdoc IJouleToken
    function setMinter(address minter_) external onlyOwner {
        if (minter_ == address(0)) revert ZeroAddress();
        if (_minter != address(0)) revert MinterAlreadySet(_minter);
        _minter = minter_;
        emit MinterSet(minter_);
    }

    /// @inheritdoc IJouleToken
    function mint(address to, uint256 amount) external {
        if (msg.sender != _minter) revert NotMinter(msg.sender);
        _mint(to, amount);
    }

    /// @inheritdoc IJouleToken
    function minter() external view returns (address) {
        return _minter;
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Capped) {
        super._update(from, to, value);
    }
}
