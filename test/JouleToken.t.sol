// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Custom-error checklist (IJouleToken) — each triggered with its exact arguments by:
//   NotMinter          test_mint_notMinter, test_mint_beforeMinterSet
//   MinterAlreadySet   test_setMinter_onlyOnce
//   ZeroAddress        test_setMinter_zeroAddress
// Inherited OpenZeppelin errors also checked: ERC20ExceededCap, ERC20InvalidCap, ERC2612InvalidSigner,
// ERC2612ExpiredSignature, OwnableUnauthorizedAccount, OwnableInvalidOwner.

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ERC20Capped} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Capped.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {Test} from "./utils/Test.sol";
import {JouleToken} from "../contracts/JouleToken.sol";
import {IJouleToken} from "../contracts/interfaces/IJouleToken.sol";

contract JouleTokenTest is Test {
    uint256 internal constant CAP = 1_000_000_000e18;
    uint256 internal constant GENESIS_SUPPLY = 200_000_000e18;
    bytes32 internal constant PERMIT_TYPEHASH = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    );
    bytes32 internal constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );

    JouleToken internal joule;
    address internal owner = makeAddr("owner");
    address internal genesisHolder = makeAddr("genesisHolder");
    address internal minter = makeAddr("minter");
    address internal stranger = makeAddr("stranger");
    address internal spender = makeAddr("spender");
    address internal holder;
    uint256 internal holderKey;

    function setUp() public {
        vm.warp(1_700_000_000);
        (holder, holderKey) = makeAddrAndKey("holder");
        joule = new JouleToken(CAP, genesisHolder, GENESIS_SUPPLY, owner);
        vm.prank(owner);
        joule.setMinter(minter);
    }

    // ───────────────────────────── Helpers ─────────────────────────────
    function _permitDigest(
        address o,
        address s,
        uint256 value,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (bytes32) {
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, o, s, value, nonce, deadline));
        return keccak256(abi.encodePacked("\x19\x01", joule.DOMAIN_SEPARATOR(), structHash));
    }

    // ───────────────────────────── Constructor / metadata ─────────────────────────────
    function test_constructor_genesisSupplyAndMetadata() public view {
        assertEq(joule.name(), "Joule");
        assertEq(joule.symbol(), "JOULE");
        assertEq(uint256(joule.decimals()), 18);
        assertEq(joule.cap(), CAP);
        assertEq(joule.totalSupply(), GENESIS_SUPPLY);
        assertEq(joule.balanceOf(genesisHolder), GENESIS_SUPPLY);
        assertEq(joule.owner(), owner);
        assertEq(joule.minter(), minter);
    }

    function test_constructor_zeroGenesisMintsNothing() public {
        JouleToken t = new JouleToken(CAP, address(0), 0, owner);
        assertEq(t.totalSupply(), 0);
        assertEq(t.minter(), address(0));
    }

    function test_constructor_genesisAboveCap() public {
        vm.expectRevert(abi.encodeWithSelector(ERC20Capped.ERC20ExceededCap.selector, CAP + 1, CAP));
        new JouleToken(CAP, genesisHolder, CAP + 1, owner);
        // Exactly the cap is allowed (and leaves nothing to mint).
        JouleToken t = new JouleToken(CAP, genesisHolder, CAP, owner);
        assertEq(t.totalSupply(), CAP);
    }

    function test_constructor_zeroCap() public {
        vm.expectRevert(abi.encodeWithSelector(ERC20Capped.ERC20InvalidCap.selector, 0));
        new JouleToken(0, genesisHolder, 0, owner);
    }

    function test_constructor_zeroOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableInvalidOwner.selector, address(0)));
        new JouleToken(CAP, genesisHolder, GENESIS_SUPPLY, address(0));
    }

    // ───────────────────────────── setMinter ─────────────────────────────
    function test_setMinter_emitsAndStores() public {
        JouleToken t = new JouleToken(CAP, genesisHolder, GENESIS_SUPPLY, owner);
        vm.expectEmit(true, true, true, true, address(t));
        emit IJouleToken.MinterSet(minter);
        vm.prank(owner);
        t.setMinter(minter);
        assertEq(t.minter(), minter);
    }

    function test_setMinter_onlyOnce() public {
        vm.expectRevert(abi.encodeWithSelector(IJouleToken.MinterAlreadySet.selector, minter));
        vm.prank(owner);
        joule.setMinter(stranger);
        assertEq(joule.minter(), minter);
    }

    function test_setMinter_zeroAddress() public {
        JouleToken t = new JouleToken(CAP, genesisHolder, GENESIS_SUPPLY, owner);
        vm.expectRevert(abi.encodeWithSelector(IJouleToken.ZeroAddress.selector));
        vm.prank(owner);
        t.setMinter(address(0));
    }

    function test_setMinter_onlyOwner() public {
        JouleToken t = new JouleToken(CAP, genesisHolder, GENESIS_SUPPLY, owner);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        t.setMinter(stranger);
        assertEq(t.minter(), address(0));
    }

    // ───────────────────────────── mint / cap ─────────────────────────────
    function test_mint_byMinter() public {
        vm.expectEmit(true, true, true, true, address(joule));
        emit IERC20.Transfer(address(0), holder, 123e18);
        vm.prank(minter);
        joule.mint(holder, 123e18);
        assertEq(joule.balanceOf(holder), 123e18);
        assertEq(joule.totalSupply(), GENESIS_SUPPLY + 123e18);
    }

    function test_mint_notMinter() public {
        vm.expectRevert(abi.encodeWithSelector(IJouleToken.NotMinter.selector, owner));
        vm.prank(owner);
        joule.mint(owner, 1);
        vm.expectRevert(abi.encodeWithSelector(IJouleToken.NotMinter.selector, stranger));
        vm.prank(stranger);
        joule.mint(stranger, 1);
        assertEq(joule.totalSupply(), GENESIS_SUPPLY);
    }

    function test_mint_beforeMinterSet() public {
        // No minter yet: nobody can mint, not even the owner.
        JouleToken t = new JouleToken(CAP, genesisHolder, GENESIS_SUPPLY, owner);
        vm.expectRevert(abi.encodeWithSelector(IJouleToken.NotMinter.selector, owner));
        vm.prank(owner);
        t.mint(owner, 1);
    }

    function test_mint_upToCapThenExceeded() public {
        uint256 headroom = CAP - GENESIS_SUPPLY;
        vm.prank(minter);
        joule.mint(holder, headroom);
        assertEq(joule.totalSupply(), CAP);

        vm.expectRevert(abi.encodeWithSelector(ERC20Capped.ERC20ExceededCap.selector, CAP + 1, CAP));
        vm.prank(minter);
        joule.mint(holder, 1);
    }

    function test_mint_pastCapInOneCall() public {
        uint256 headroom = CAP - GENESIS_SUPPLY;
        vm.expectRevert(abi.encodeWithSelector(ERC20Capped.ERC20ExceededCap.selector, CAP + 1, CAP));
        vm.prank(minter);
        joule.mint(holder, headroom + 1);
        assertEq(joule.totalSupply(), GENESIS_SUPPLY);
    }

    function test_transfer_leavesSupplyAndHeadroomUnchanged() public {
        vm.prank(genesisHolder);
        joule.transfer(holder, 5e18);
        assertEq(joule.totalSupply(), GENESIS_SUPPLY);
        assertEq(joule.balanceOf(holder), 5e18);
    }

    // ───────────────────────────── permit (EIP-2612) ─────────────────────────────
    function test_permit_domainSeparator() public view {
        bytes32 expected = keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("Joule"), keccak256("1"), block.chainid, address(joule))
        );
        assertEq(joule.DOMAIN_SEPARATOR(), expected);
    }

    function test_permit_setsAllowanceAndAllowsTransferFrom() public {
        vm.prank(genesisHolder);
        joule.transfer(holder, 100e18);
        uint256 deadline = vm.getBlockTimestamp() + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(holderKey, _permitDigest(holder, spender, 40e18, 0, deadline));

        vm.expectEmit(true, true, true, true, address(joule));
        emit IERC20.Approval(holder, spender, 40e18);
        // Anyone may submit the signed permit.
        vm.prank(stranger);
        joule.permit(holder, spender, 40e18, deadline, v, r, s);
        assertEq(joule.allowance(holder, spender), 40e18);
        assertEq(joule.nonces(holder), 1);

        vm.prank(spender);
        joule.transferFrom(holder, stranger, 40e18);
        assertEq(joule.balanceOf(stranger), 40e18);
        assertEq(joule.balanceOf(holder), 60e18);
        assertEq(joule.allowance(holder, spender), 0);
    }

    function test_permit_replayFails() public {
        uint256 deadline = vm.getBlockTimestamp() + 1 hours;
        bytes32 digest0 = _permitDigest(holder, spender, 40e18, 0, deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(holderKey, digest0);
        joule.permit(holder, spender, 40e18, deadline, v, r, s);

        // The nonce is now 1, so the same signature recovers to some other address over the new digest.
        address recovered = ecrecover(_permitDigest(holder, spender, 40e18, 1, deadline), v, r, s);
        assertNotEq(recovered, holder);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, recovered, holder));
        joule.permit(holder, spender, 40e18, deadline, v, r, s);
        assertEq(joule.nonces(holder), 1);
    }

    function test_permit_wrongSigner() public {
        (address other, uint256 otherKey) = makeAddrAndKey("other");
        uint256 deadline = vm.getBlockTimestamp() + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(otherKey, _permitDigest(holder, spender, 1e18, 0, deadline));
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, other, holder));
        joule.permit(holder, spender, 1e18, deadline, v, r, s);
        assertEq(joule.allowance(holder, spender), 0);
    }

    function test_permit_expired() public {
        uint256 deadline = vm.getBlockTimestamp() + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(holderKey, _permitDigest(holder, spender, 1e18, 0, deadline));
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612ExpiredSignature.selector, deadline));
        joule.permit(holder, spender, 1e18, deadline, v, r, s);
        // At the deadline itself the permit is still valid.
        vm.warp(deadline);
        joule.permit(holder, spender, 1e18, deadline, v, r, s);
        assertEq(joule.allowance(holder, spender), 1e18);
    }

    function test_permit_otherTokenDomainRefused() public {
        // A signature for another JOULE deployment (different verifyingContract) does not work here.
        JouleToken other = new JouleToken(CAP, genesisHolder, GENESIS_SUPPLY, owner);
        uint256 deadline = vm.getBlockTimestamp() + 1 hours;
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, holder, spender, 1e18, 0, deadline));
        bytes32 otherDigest = keccak256(abi.encodePacked("\x19\x01", other.DOMAIN_SEPARATOR(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(holderKey, otherDigest);
        address recovered = ecrecover(_permitDigest(holder, spender, 1e18, 0, deadline), v, r, s);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, recovered, holder));
        joule.permit(holder, spender, 1e18, deadline, v, r, s);
    }

    // ───────────────────────────── Ownership (two-step) ─────────────────────────────
    function test_transferOwnership_twoStep() public {
        address newOwner = makeAddr("newOwner");
        vm.expectEmit(true, true, true, true, address(joule));
        emit Ownable2Step.OwnershipTransferStarted(owner, newOwner);
        vm.prank(owner);
        joule.transferOwnership(newOwner);
        // Nothing changes until the new owner accepts.
        assertEq(joule.owner(), owner);
        assertEq(joule.pendingOwner(), newOwner);

        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        joule.acceptOwnership();

        vm.expectEmit(true, true, true, true, address(joule));
        emit Ownable.OwnershipTransferred(owner, newOwner);
        vm.prank(newOwner);
        joule.acceptOwnership();
        assertEq(joule.owner(), newOwner);
        assertEq(joule.pendingOwner(), address(0));

        // The old owner lost its rights; the new one has them.
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, owner));
        vm.prank(owner);
        joule.transferOwnership(owner);
        vm.prank(newOwner);
        joule.transferOwnership(owner);
        assertEq(joule.pendingOwner(), owner);
    }

    function test_transferOwnership_onlyOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        joule.transferOwnership(stranger);
        assertEq(joule.pendingOwner(), address(0));
    }

    // ───────────────────────────── Fuzz ─────────────────────────────
    /// @dev Any mint within the headroom succeeds exactly; any past it reverts with the exact overflowed supply.
    function testFuzz_mint_respectsCap(uint256 first, uint256 second) public {
        uint256 headroom = CAP - GENESIS_SUPPLY;
        first = bound(first, 0, headroom);
        second = bound(second, 0, CAP);
        vm.prank(minter);
        joule.mint(holder, first);
        uint256 supply = GENESIS_SUPPLY + first;
        assertEq(joule.totalSupply(), supply);
        if (supply + second > CAP) {
            vm.expectRevert(abi.encodeWithSelector(ERC20Capped.ERC20ExceededCap.selector, supply + second, CAP));
        }
        vm.prank(minter);
        joule.mint(holder, second);
        if (supply + second <= CAP) assertEq(joule.totalSupply(), supply + second);
        assertLe(joule.totalSupply(), CAP);
    }

    /// @dev A permit for any value/deadline in the future works once, for exactly that value.
    function testFuzz_permit_anyValue(uint256 value, uint256 ttl) public {
        ttl = bound(ttl, 0, 365 days);
        uint256 deadline = vm.getBlockTimestamp() + ttl;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(holderKey, _permitDigest(holder, spender, value, 0, deadline));
        joule.permit(holder, spender, value, deadline, v, r, s);
        assertEq(joule.allowance(holder, spender), value);
        assertEq(joule.nonces(holder), 1);
    }
}
