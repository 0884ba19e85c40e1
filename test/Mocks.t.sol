// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {FeeOnTransferToken} from "../contracts/test/FeeOnTransferToken.sol";
import {MockERC1271Wallet} from "../contracts/test/MockERC1271Wallet.sol";
import {MockERC20} from "../contracts/test/MockERC20.sol";
import {NoReturnToken} from "../contracts/test/NoReturnToken.sol";
import {RebasingToken} from "../contracts/test/RebasingToken.sol";
import {ReentrantToken} from "../contracts/test/ReentrantToken.sol";
import {ReturnsFalseToken} from "../contracts/test/ReturnsFalseToken.sol";

import {InvariantTest} from "./utils/InvariantTest.sol";
import {Test} from "./utils/Test.sol";
import {Vm} from "./utils/Vm.sol";

// ═══════════════════════════════════════════════════════════════════════════════════════════════
// Helpers
// ═══════════════════════════════════════════════════════════════════════════════════════════════

/// @dev Pays with a plain `IERC20.transfer` and decodes the bool, as naive code does.
contract PlainPayer {
    function pay(address token, address to, uint256 amount) external returns (bool) {
        return IERC20(token).transfer(to, amount);
    }
}

/// @dev Pays with SafeERC20.
contract SafePayer {
    using SafeERC20 for IERC20;

    function pay(address token, address to, uint256 amount) external {
        IERC20(token).safeTransfer(to, amount);
    }
}

/// @dev A vault whose deposit is guarded; the reentrant token tries to re-enter it.
contract GuardedVault is ReentrancyGuard {
    IERC20 public immutable token;
    mapping(address => uint256) public deposits;

    constructor(IERC20 token_) {
        token = token_;
    }

    function deposit(uint256 amount) external nonReentrant {
        deposits[msg.sender] += amount;
        SafeERC20.safeTransferFrom(token, msg.sender, address(this), amount);
    }
}

/// @dev Records what it sees when the reentrant token calls it.
contract ReentryProbe {
    uint256 public calls;
    address public lastCaller;

    error ReentryProbeRefused(uint256 code);
    error ReentryProbeClosed();

    function probe(IERC20 token, address account) external returns (uint256 balanceSeen, uint256 callNumber) {
        lastCaller = msg.sender;
        return (token.balanceOf(account), ++calls);
    }

    function refuse(uint256 code) external pure {
        revert ReentryProbeRefused(code);
    }

    function close() external pure {
        revert ReentryProbeClosed();
    }
}

/// @dev Reports msg.sender / tx.origin for the prank tests and emits for the expectEmit tests.
contract CallerProbe {
    event Ping(address indexed sender, uint256 indexed n, uint256 value);

    function sender() external view returns (address) {
        return msg.sender;
    }

    function senderAndOrigin() external view returns (address, address) {
        return (msg.sender, tx.origin);
    }

    function ping(uint256 n, uint256 value) external {
        emit Ping(msg.sender, n, value);
    }
}

// ═══════════════════════════════════════════════════════════════════════════════════════════════
// Mock tokens and wallet
// ═══════════════════════════════════════════════════════════════════════════════════════════════

contract MocksTest is Test {
    bytes32 private constant _PERMIT_TYPEHASH = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    );

    address internal alice;
    uint256 internal aliceKey;
    address internal bob;

    function setUp() public {
        (alice, aliceKey) = makeAddrAndKey("alice");
        bob = makeAddr("bob");
    }

    // ─── MockERC20 ─────────────────────────────────────────────────────────────────────────────

    function test_MockERC20_decimalsAndMint() public {
        MockERC20 usdc = new MockERC20("USD Coin", "USDC", 6);
        assertEq(uint256(usdc.decimals()), 6);
        usdc.mint(alice, 1_000e6);
        assertEq(usdc.balanceOf(alice), 1_000e6);
        assertEq(usdc.totalSupply(), 1_000e6);
        usdc.burn(alice, 400e6);
        assertEq(usdc.balanceOf(alice), 600e6);
    }

    function test_MockERC20_permit() public {
        MockERC20 token = new MockERC20("Mock", "MOCK", 18);
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 structHash = keccak256(abi.encode(_PERMIT_TYPEHASH, alice, bob, 5e18, token.nonces(alice), deadline));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(aliceKey, digest);

        token.permit(alice, bob, 5e18, deadline, v, r, s);
        assertEq(token.allowance(alice, bob), 5e18);
        assertEq(token.nonces(alice), 1);
    }

    // ─── NoReturnToken ─────────────────────────────────────────────────────────────────────────

    function test_NoReturnToken_returnsNoData() public {
        NoReturnToken token = new NoReturnToken();
        token.mint(address(this), 100);

        (bool ok, bytes memory ret) = address(token).call(abi.encodeCall(IERC20.transfer, (bob, 40)));
        assertTrue(ok, "transfer call");
        assertEq(ret.length, 0, "transfer return data length");
        (ok, ret) = address(token).call(abi.encodeCall(IERC20.approve, (bob, 7)));
        assertTrue(ok, "approve call");
        assertEq(ret.length, 0, "approve return data length");

        vm.prank(bob);
        (ok, ret) = address(token).call(abi.encodeCall(IERC20.transferFrom, (address(this), alice, 7)));
        assertTrue(ok, "transferFrom call");
        assertEq(ret.length, 0, "transferFrom return data length");

        assertEq(token.balanceOf(address(this)), 53);
        assertEq(token.balanceOf(bob), 40);
        assertEq(token.balanceOf(alice), 7);
        assertEq(token.allowance(address(this), bob), 0);
    }

    function test_NoReturnToken_plainIERC20CallerReverts_safeERC20Works() public {
        NoReturnToken token = new NoReturnToken();
        PlainPayer plain = new PlainPayer();
        SafePayer safe = new SafePayer();
        token.mint(address(plain), 10);
        token.mint(address(safe), 10);

        // Decoding a bool from empty return data reverts (with no data).
        vm.expectRevert();
        plain.pay(address(token), bob, 10);

        safe.pay(address(token), bob, 10);
        assertEq(token.balanceOf(bob), 10);
    }

    function test_NoReturnToken_insufficientBalanceReverts() public {
        NoReturnToken token = new NoReturnToken();
        vm.expectRevert(
            abi.encodeWithSelector(NoReturnToken.NoReturnTokenInsufficientBalance.selector, address(this), 0, 1)
        );
        token.transfer(bob, 1);
    }

    // ─── ReturnsFalseToken ─────────────────────────────────────────────────────────────────────

    function test_ReturnsFalseToken_failFlagReturnsFalseAndMovesNothing() public {
        ReturnsFalseToken token = new ReturnsFalseToken();
        token.mint(address(this), 100);
        token.approve(bob, 100);

        assertTrue(token.transfer(bob, 10), "transfer while fail is off");
        assertEq(token.balanceOf(bob), 10);

        token.setFail(true);
        assertTrue(token.fail());
        assertFalse(token.transfer(bob, 10), "transfer while fail is on");
        vm.prank(bob);
        assertFalse(token.transferFrom(address(this), bob, 10), "transferFrom while fail is on");

        assertEq(token.balanceOf(address(this)), 90, "sender balance unchanged");
        assertEq(token.balanceOf(bob), 10, "recipient balance unchanged");
        assertEq(token.allowance(address(this), bob), 100, "allowance unchanged");
    }

    function test_ReturnsFalseToken_safeERC20Reverts() public {
        ReturnsFalseToken token = new ReturnsFalseToken();
        SafePayer safe = new SafePayer();
        token.mint(address(safe), 10);
        token.setFail(true);

        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, address(token)));
        safe.pay(address(token), bob, 10);
    }

    // ─── FeeOnTransferToken ────────────────────────────────────────────────────────────────────

    function test_FeeOnTransferToken_recipientReceivesLess() public {
        FeeOnTransferToken token = new FeeOnTransferToken(100); // 1 %
        token.mint(address(this), 20_000);
        assertEq(token.totalSupply(), 20_000, "mint pays no fee");

        token.transfer(bob, 10_000);
        assertEq(token.balanceOf(address(this)), 10_000, "sender debited the full amount");
        assertEq(token.balanceOf(bob), 9_900, "recipient receives amount - fee");
        assertEq(token.totalSupply(), 19_900, "fee burned");

        token.approve(alice, 10_000);
        vm.prank(alice);
        token.transferFrom(address(this), alice, 10_000);
        assertEq(token.balanceOf(alice), 9_900, "transferFrom also pays the fee");
        assertEq(token.balanceOf(address(this)), 0);
    }

    function test_FeeOnTransferToken_insufficientBalanceNamesFullAmount() public {
        FeeOnTransferToken token = new FeeOnTransferToken(100);
        token.mint(address(this), 99);
        vm.expectRevert(
            abi.encodeWithSignature("ERC20InsufficientBalance(address,uint256,uint256)", address(this), 99, 100)
        );
        token.transfer(bob, 100);
    }

    function test_FeeOnTransferToken_constructor_revertsAbove100Percent() public {
        vm.expectRevert(
            abi.encodeWithSelector(FeeOnTransferToken.FeeOnTransferTokenFeeTooHigh.selector, 10_001, 10_000)
        );
        new FeeOnTransferToken(10_001);
    }

    // ─── RebasingToken ─────────────────────────────────────────────────────────────────────────

    function test_RebasingToken_balanceChangesWithoutTransfers() public {
        RebasingToken token = new RebasingToken();
        token.mint(alice, 100e18);
        assertEq(token.balanceOf(alice), 100e18);

        token.setMultiplier(2e18);
        assertEq(token.balanceOf(alice), 200e18, "positive rebase");
        assertEq(token.totalSupply(), 200e18);

        token.setMultiplier(0.5e18);
        assertEq(token.balanceOf(alice), 50e18, "negative rebase");
        assertEq(token.sharesOf(alice), 100e18, "shares unchanged");

        vm.prank(alice);
        token.transfer(bob, 20e18);
        assertEq(token.balanceOf(bob), 20e18);
        assertEq(token.balanceOf(alice), 30e18);
    }

    function test_RebasingToken_setMultiplier_onlyOwner() public {
        RebasingToken token = new RebasingToken();
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, bob));
        token.setMultiplier(2e18);
    }

    // ─── ReentrantToken ────────────────────────────────────────────────────────────────────────

    function test_ReentrantToken_callsTargetBeforeMovingBalancesThenDisarms() public {
        ReentrantToken token = new ReentrantToken();
        ReentryProbe probe = new ReentryProbe();
        token.mint(address(this), 100);

        token.arm(address(probe), abi.encodeCall(ReentryProbe.probe, (IERC20(address(token)), address(this))));
        assertTrue(token.armed());
        token.transfer(bob, 30);

        assertTrue(token.lastReentrySucceeded(), "reentry succeeded");
        assertEq(probe.lastCaller(), address(token), "called by the token");
        // The probe saw the balance before the transfer moved it, and this was its first call.
        assertEq(token.lastReentryData(), abi.encode(uint256(100), uint256(1)));
        assertFalse(token.armed(), "disarmed");

        // Disarmed: the next transfer does not call again.
        token.transfer(bob, 30);
        assertEq(probe.calls(), 1);
        assertEq(token.balanceOf(bob), 60);
    }

    function test_ReentrantToken_transferFromReentersAndRecordsRevertData() public {
        ReentrantToken token = new ReentrantToken();
        ReentryProbe probe = new ReentryProbe();
        token.mint(alice, 100);
        vm.prank(alice);
        token.approve(address(this), 100);

        token.arm(address(probe), abi.encodeCall(ReentryProbe.refuse, (42)));
        assertTrue(token.transferFrom(alice, bob, 100), "transfer completes although the reentry reverted");

        assertFalse(token.lastReentrySucceeded());
        assertEq(token.lastReentryData(), abi.encodeWithSelector(ReentryProbe.ReentryProbeRefused.selector, 42));
        assertEq(token.balanceOf(bob), 100);
    }

    function test_ReentrantToken_guardedVaultRefusesReentry() public {
        ReentrantToken token = new ReentrantToken();
        GuardedVault vault = new GuardedVault(IERC20(address(token)));
        token.mint(alice, 100);
        vm.prank(alice);
        token.approve(address(vault), 100);

        token.arm(address(vault), abi.encodeCall(GuardedVault.deposit, (1)));
        vm.prank(alice);
        vault.deposit(100);

        assertFalse(token.lastReentrySucceeded());
        assertEq(
            token.lastReentryData(),
            abi.encodeWithSelector(ReentrancyGuard.ReentrancyGuardReentrantCall.selector)
        );
        assertEq(vault.deposits(alice), 100);
        assertEq(vault.deposits(address(token)), 0);
        assertEq(token.balanceOf(address(vault)), 100);
    }

    // ─── MockERC1271Wallet ─────────────────────────────────────────────────────────────────────

    function test_MockERC1271Wallet_acceptsOnlyOwnerSignatures() public {
        MockERC1271Wallet wallet = new MockERC1271Wallet(alice);
        bytes32 hash = keccak256("job #1");

        (uint8 v, bytes32 r, bytes32 s) = vm.sign(aliceKey, hash);
        bytes memory ownerSig = abi.encodePacked(r, s, v);
        assertEq(wallet.isValidSignature(hash, ownerSig), IERC1271.isValidSignature.selector);
        assertTrue(SignatureChecker.isValidSignatureNow(address(wallet), hash, ownerSig), "SignatureChecker");

        (, uint256 malloryKey) = makeAddrAndKey("mallory");
        (v, r, s) = vm.sign(malloryKey, hash);
        assertEq(wallet.isValidSignature(hash, abi.encodePacked(r, s, v)), bytes4(0xffffffff), "other signer");
        assertEq(wallet.isValidSignature(keccak256("job #2"), ownerSig), bytes4(0xffffffff), "other hash");
        assertEq(wallet.isValidSignature(hash, hex"1234"), bytes4(0xffffffff), "malformed signature");
    }

    function test_MockERC1271Wallet_executeCallsAsWallet() public {
        MockERC1271Wallet wallet = new MockERC1271Wallet(alice);
        CallerProbe target = new CallerProbe();

        vm.prank(alice);
        bytes memory ret = wallet.execute(address(target), abi.encodeCall(CallerProbe.sender, ()));
        assertEq(abi.decode(ret, (address)), address(wallet));
    }

    function test_MockERC1271Wallet_executeBubblesRevert() public {
        MockERC1271Wallet wallet = new MockERC1271Wallet(alice);
        ReentryProbe target = new ReentryProbe();

        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ReentryProbe.ReentryProbeRefused.selector, 7));
        wallet.execute(address(target), abi.encodeCall(ReentryProbe.refuse, (7)));
    }

    function test_MockERC1271Wallet_execute_revertsForNonOwner() public {
        MockERC1271Wallet wallet = new MockERC1271Wallet(alice);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(MockERC1271Wallet.MockERC1271WalletNotOwner.selector, bob, alice));
        wallet.execute(address(0), "");
    }
}

// ═══════════════════════════════════════════════════════════════════════════════════════════════
// Test base: bound, assertions, keys, cheatcodes
// ═══════════════════════════════════════════════════════════════════════════════════════════════

contract TestBaseTest is Test {
    event Ping(address indexed sender, uint256 indexed n, uint256 value);

    // ─── bound ─────────────────────────────────────────────────────────────────────────────────

    function test_bound_knownValues() public pure {
        assertEq(bound(uint256(15), uint256(10), uint256(20)), 15, "in range: unchanged");
        assertEq(bound(uint256(0), uint256(10), uint256(20)), 10, "0 -> min");
        assertEq(bound(uint256(3), uint256(10), uint256(20)), 13, "3 -> min + 3");
        assertEq(bound(uint256(type(uint256).max), uint256(10), uint256(20)), 20, "MAX -> max");
        assertEq(bound(uint256(type(uint256).max - 1), uint256(10), uint256(20)), 19, "MAX - 1 -> max - 1");
        assertEq(bound(uint256(21), uint256(10), uint256(20)), 10, "max + 1 wraps to min");
        assertEq(bound(uint256(5), uint256(10), uint256(20)), 16, "below min wraps from max");
        assertEq(bound(uint256(12345), uint256(7), uint256(7)), 7, "single-value range");
        assertEq(bound(uint256(12345), uint256(0), uint256(type(uint256).max)), 12345, "full range");
        assertEq(bound(int256(-5), int256(-10), int256(10)), int256(-5), "int in range");
        assertEq(bound(type(int256).min, int256(-10), int256(10)), int256(-10), "int min -> min");
        assertEq(bound(type(int256).max, int256(-10), int256(10)), int256(10), "int max -> max");
    }

    function testFuzz_bound(uint256 x, uint256 a, uint256 b) public pure {
        (uint256 min, uint256 max) = a <= b ? (a, b) : (b, a);
        uint256 r = bound(x, min, max);
        assertGe(r, min, "bound >= min");
        assertLe(r, max, "bound <= max");
        if (x >= min && x <= max) assertEq(r, x, "in-range value kept");
    }

    function testFuzz_bound_int(int256 x, int256 a, int256 b) public pure {
        (int256 min, int256 max) = a <= b ? (a, b) : (b, a);
        int256 r = bound(x, min, max);
        assertTrue(r >= min && r <= max, "int bound in range");
    }

    function testFuzz_bound_smallRange(uint256 x) public pure {
        uint256 r = bound(x, uint256(1), uint256(3));
        assertGe(r, 1);
        assertLe(r, 3);
    }

    function exposed_bound(uint256 x, uint256 min, uint256 max) external pure returns (uint256) {
        return bound(x, min, max);
    }

    function test_bound_revertsWhenMinAboveMax() public {
        vm.expectRevert(bytes("bound(uint256): max 1 < min 2"));
        this.exposed_bound(5, 2, 1);
    }

    // ─── Assertions fail with readable messages ───────────────────────────────────────────────

    function exposed_assertEqUint(uint256 a, uint256 b) external pure {
        assertEq(a, b);
    }

    function exposed_assertEqUintMsg(uint256 a, uint256 b, string memory m) external pure {
        assertEq(a, b, m);
    }

    function exposed_assertEqInt(int256 a, int256 b) external pure {
        assertEq(a, b);
    }

    function exposed_assertEqAddress(address a, address b) external pure {
        assertEq(a, b);
    }

    function exposed_assertEqBytes32(bytes32 a, bytes32 b) external pure {
        assertEq(a, b);
    }

    function exposed_assertEqBool(bool a, bool b) external pure {
        assertEq(a, b);
    }

    function exposed_assertEqString(string memory a, string memory b) external pure {
        assertEq(a, b);
    }

    function exposed_assertEqBytes(bytes memory a, bytes memory b) external pure {
        assertEq(a, b);
    }

    function exposed_assertTrue(bool c, string memory m) external pure {
        assertTrue(c, m);
    }

    function exposed_assertFalse(bool c) external pure {
        assertFalse(c);
    }

    function exposed_assertGt(uint256 a, uint256 b) external pure {
        assertGt(a, b);
    }

    function exposed_assertGe(uint256 a, uint256 b) external pure {
        assertGe(a, b);
    }

    function exposed_assertLt(uint256 a, uint256 b) external pure {
        assertLt(a, b);
    }

    function exposed_assertLe(uint256 a, uint256 b) external pure {
        assertLe(a, b);
    }

    function exposed_assertApproxEqAbs(uint256 a, uint256 b, uint256 d) external pure {
        assertApproxEqAbs(a, b, d);
    }

    function exposed_assertNotEq(uint256 a, uint256 b) external pure {
        assertNotEq(a, b);
    }

    function exposed_fail(string memory m) external pure {
        fail(m);
    }

    function test_assertions_passOnEqualValues() public pure {
        assertEq(uint256(1), uint256(1));
        assertEq(int256(-1), int256(-1));
        assertEq(address(1), address(1));
        assertEq(bytes32(uint256(1)), bytes32(uint256(1)));
        assertEq(true, true);
        assertEq(string("a"), string("a"));
        assertEq(bytes(hex"01"), bytes(hex"01"));
        assertTrue(true);
        assertFalse(false);
        assertGt(2, 1);
        assertGe(1, 1);
        assertLt(1, 2);
        assertLe(1, 1);
        assertApproxEqAbs(100, 103, 3);
        assertApproxEqAbs(103, 100, 3);
        assertNotEq(uint256(1), uint256(2));
    }

    function test_assertions_failWithBothValues() public {
        vm.expectRevert(bytes("assertEq(uint256) failed: 1 != 2"));
        this.exposed_assertEqUint(1, 2);

        vm.expectRevert(bytes("escrow total: 10 != 11"));
        this.exposed_assertEqUintMsg(10, 11, "escrow total");

        vm.expectRevert(bytes("assertEq(int256) failed: -1 != 1"));
        this.exposed_assertEqInt(-1, 1);

        vm.expectRevert(
            bytes(
                "assertEq(address) failed: 0x0000000000000000000000000000000000000001 != 0x0000000000000000000000000000000000000002"
            )
        );
        this.exposed_assertEqAddress(address(1), address(2));

        vm.expectRevert(
            bytes(
                "assertEq(bytes32) failed: 0x0000000000000000000000000000000000000000000000000000000000000001 != 0x0000000000000000000000000000000000000000000000000000000000000002"
            )
        );
        this.exposed_assertEqBytes32(bytes32(uint256(1)), bytes32(uint256(2)));

        vm.expectRevert(bytes("assertEq(bool) failed: true != false"));
        this.exposed_assertEqBool(true, false);

        vm.expectRevert(bytes('assertEq(string) failed: "a" != "b"'));
        this.exposed_assertEqString("a", "b");

        vm.expectRevert(bytes("assertEq(bytes) failed: 0x01ff != 0x02"));
        this.exposed_assertEqBytes(hex"01ff", hex"02");

        vm.expectRevert(bytes("solvent: expected true"));
        this.exposed_assertTrue(false, "solvent");

        vm.expectRevert(bytes("assertFalse failed"));
        this.exposed_assertFalse(true);

        vm.expectRevert(bytes("assertGt(uint256) failed: 1 <= 1"));
        this.exposed_assertGt(1, 1);

        vm.expectRevert(bytes("assertGe(uint256) failed: 1 < 2"));
        this.exposed_assertGe(1, 2);

        vm.expectRevert(bytes("assertLt(uint256) failed: 2 >= 2"));
        this.exposed_assertLt(2, 2);

        vm.expectRevert(bytes("assertLe(uint256) failed: 3 > 2"));
        this.exposed_assertLe(3, 2);

        vm.expectRevert(bytes("assertApproxEqAbs(uint256) failed: 100 !~ 105 (max delta 3, real delta 5)"));
        this.exposed_assertApproxEqAbs(100, 105, 3);

        vm.expectRevert(bytes("assertNotEq(uint256) failed: 4 == 4"));
        this.exposed_assertNotEq(4, 4);

        vm.expectRevert(bytes("custom failure"));
        this.exposed_fail("custom failure");
    }

    // ─── Keys and signatures ───────────────────────────────────────────────────────────────────

    function test_makeAddrAndKey_signatureRecovers() public {
        (address signer, uint256 key) = makeAddrAndKey("signer");
        assertEq(key, uint256(keccak256("signer")), "key = keccak256(name)");
        assertEq(signer, vm.addr(key), "address of key");
        assertEq(makeAddr("signer"), signer, "makeAddr is deterministic");
        assertNotEq(makeAddr("other"), signer);

        bytes32 digest = keccak256("hello");
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        assertEq(ECDSA.recover(digest, v, r, s), signer, "ECDSA.recover(v, r, s)");
        assertEq(ECDSA.recover(digest, abi.encodePacked(r, s, v)), signer, "ECDSA.recover(bytes)");
    }

    // ─── Every cheatcode declared in Vm.sol runs on EDR ────────────────────────────────────────

    function test_cheatcodes_prank() public {
        CallerProbe probe = new CallerProbe();
        address alice = makeAddr("alice");
        address origin = makeAddr("origin");

        vm.prank(alice);
        assertEq(probe.sender(), alice, "prank");
        assertEq(probe.sender(), address(this), "prank lasts one call");

        vm.prank(alice, origin);
        (address s, address o) = probe.senderAndOrigin();
        assertEq(s, alice, "prank(sender, origin): sender");
        assertEq(o, origin, "prank(sender, origin): origin");

        vm.startPrank(alice);
        assertEq(probe.sender(), alice, "startPrank 1");
        assertEq(probe.sender(), alice, "startPrank 2");
        vm.stopPrank();
        assertEq(probe.sender(), address(this), "stopPrank");
    }

    function test_cheatcodes_environment() public {
        vm.warp(1_700_000_000);
        assertEq(block.timestamp, 1_700_000_000, "warp");
        assertEq(vm.getBlockTimestamp(), 1_700_000_000, "getBlockTimestamp");

        vm.roll(12_345);
        assertEq(block.number, 12_345, "roll");

        vm.chainId(8453);
        assertEq(block.chainid, 8453, "chainId");

        address rich = makeAddr("rich");
        vm.deal(rich, 7 ether);
        assertEq(rich.balance, 7 ether, "deal");
    }

    function test_cheatcodes_storageAndCode() public {
        CallerProbe probe = new CallerProbe();
        address clone = makeAddr("clone");
        vm.etch(clone, address(probe).code);
        assertEq(CallerProbe(clone).sender(), address(this), "etch");

        ReentryProbe counter = new ReentryProbe();
        // ReentryProbe.calls is in slot 0.
        vm.store(address(counter), bytes32(0), bytes32(uint256(41)));
        assertEq(counter.calls(), 41, "store");
        assertEq(vm.load(address(counter), bytes32(0)), bytes32(uint256(41)), "load");
    }

    function test_cheatcodes_expectRevertVariants() public {
        ReentryProbe target = new ReentryProbe();

        vm.expectRevert();
        target.refuse(1);

        // expectRevert(bytes4) is an exact match: for errors without arguments.
        vm.expectRevert(ReentryProbe.ReentryProbeClosed.selector);
        target.close();

        // expectPartialRevert(bytes4) matches the selector and ignores the arguments.
        vm.expectPartialRevert(ReentryProbe.ReentryProbeRefused.selector);
        target.refuse(2);

        vm.expectRevert(abi.encodeWithSelector(ReentryProbe.ReentryProbeRefused.selector, 3));
        target.refuse(3);
    }

    function test_cheatcodes_expectEmitVariants() public {
        CallerProbe probe = new CallerProbe();

        vm.expectEmit();
        emit Ping(address(this), 1, 10);
        probe.ping(1, 10);

        vm.expectEmit(true, true, false, true);
        emit Ping(address(this), 2, 20);
        probe.ping(2, 20);

        vm.expectEmit(true, false, false, false, address(probe));
        emit Ping(address(this), 0, 0); // only topic 1 (sender) and the emitter are checked
        probe.ping(3, 30);
    }

    function test_cheatcodes_snapshotState() public {
        ReentryProbe counter = new ReentryProbe();
        uint256 id = vm.snapshotState();
        vm.store(address(counter), bytes32(0), bytes32(uint256(9)));
        assertEq(counter.calls(), 9);
        assertTrue(vm.revertToState(id), "revertToState");
        assertEq(counter.calls(), 0, "state restored");
    }

    function test_cheatcodes_recordLogs() public {
        CallerProbe probe = new CallerProbe();
        vm.recordLogs();
        probe.ping(5, 55);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1, "one log");
        assertEq(logs[0].emitter, address(probe), "emitter");
        assertEq(logs[0].topics[0], Ping.selector, "topic 0");
        assertEq(logs[0].topics[1], bytes32(uint256(uint160(address(this)))), "topic 1");
        assertEq(logs[0].topics[2], bytes32(uint256(5)), "topic 2");
        assertEq(logs[0].data, abi.encode(uint256(55)), "data");
    }

    function test_cheatcodes_gasSnapshots() public {
        CallerProbe probe = new CallerProbe();
        probe.ping(1, 1);
        uint256 lastCall = vm.snapshotGasLastCall("CallerProbe.ping");
        assertGt(lastCall, 0, "snapshotGasLastCall");

        vm.startSnapshotGas("CallerProbe.ping x2");
        probe.ping(2, 2);
        probe.ping(3, 3);
        uint256 section = vm.stopSnapshotGas();
        assertGt(section, lastCall, "stopSnapshotGas");
    }

    function test_cheatcodes_toString() public pure {
        assertEq(vm.toString(uint256(42)), "42");
        assertEq(vm.toString(int256(-7)), "-7");
        assertEq(vm.toString(address(0xBEEF)), "0x000000000000000000000000000000000000bEEF");
        assertEq(
            vm.toString(bytes32(uint256(1))),
            "0x0000000000000000000000000000000000000000000000000000000000000001"
        );
        assertEq(vm.toString(true), "true");
        assertEq(vm.toString(bytes(hex"abcd")), "0xabcd");
    }

    function testFuzz_cheatcodes_assume(uint256 x) public pure {
        vm.assume(x % 2 == 0);
        assertEq(x % 2, 0);
    }
}

// ═══════════════════════════════════════════════════════════════════════════════════════════════
// InvariantTest: the fuzzer honours targetContracts / targetSenders / targetSelectors / exclusions
// ═══════════════════════════════════════════════════════════════════════════════════════════════

/// @dev Counts calls; flags any call from a sender it was told is not allowed, and any call to `bad()`.
contract FuzzHandler {
    address public immutable allowedA;
    address public immutable allowedB;
    address public immutable forbidden;

    uint256 public goodCalls;
    bool public badCalled;
    bool public senderViolation;

    /// @dev If `allowedA_` is nonzero, only `allowedA_`/`allowedB_` are expected as senders; `forbidden_` never is.
    constructor(address allowedA_, address allowedB_, address forbidden_) {
        allowedA = allowedA_;
        allowedB = allowedB_;
        forbidden = forbidden_;
    }

    function good(uint256) external {
        goodCalls++;
        if (msg.sender == forbidden) senderViolation = true;
        if (allowedA != address(0) && msg.sender != allowedA && msg.sender != allowedB) senderViolation = true;
    }

    function bad() external {
        badCalled = true;
    }
}

/// @dev A contract the fuzzer must never call.
contract Trap {
    bool public sprung;

    function spring() external {
        sprung = true;
    }
}

/// @dev targetContract + targetSender + targetSelector.
contract InvariantTargetsTest is Test, InvariantTest {
    FuzzHandler internal handler;
    Trap internal trap;

    function setUp() public {
        address actorA = makeAddr("actorA");
        address actorB = makeAddr("actorB");
        handler = new FuzzHandler(actorA, actorB, address(0));
        trap = new Trap();

        targetContract(address(handler));
        targetSender(actorA);
        targetSender(actorB);
        bytes4[] memory selectors = new bytes4[](1);
        selectors[0] = FuzzHandler.good.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function test_views_returnRegisteredTargets() public view {
        assertEq(targetContracts().length, 1);
        assertEq(targetContracts()[0], address(handler));
        assertEq(targetSenders().length, 2);
        assertEq(targetSelectors()[0].addr, address(handler));
        assertEq(targetSelectors()[0].selectors[0], FuzzHandler.good.selector);
        assertEq(excludeContracts().length, 0);
    }

    function invariant_untargetedContractNeverCalled() public view {
        assertFalse(trap.sprung(), "trap sprung");
    }

    function invariant_unselectedSelectorNeverCalled() public view {
        assertFalse(handler.badCalled(), "bad() called");
    }

    function invariant_onlyTargetedSenders() public view {
        assertFalse(handler.senderViolation(), "untargeted sender");
    }

    /// @dev Proves the fuzzer really drove the handler during the run.
    function afterInvariant() public view {
        assertGt(handler.goodCalls(), 0, "handler never called");
    }
}

/// @dev excludeContract + excludeSelector + excludeSender (no explicit targets: everything deployed in setUp).
contract InvariantExclusionsTest is Test, InvariantTest {
    FuzzHandler internal handler;
    Trap internal trap;

    function setUp() public {
        address forbidden = makeAddr("forbidden");
        handler = new FuzzHandler(address(0), address(0), forbidden);
        trap = new Trap();

        excludeContract(address(trap));
        excludeSender(forbidden);
        bytes4[] memory selectors = new bytes4[](1);
        selectors[0] = FuzzHandler.bad.selector;
        excludeSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function test_views_returnRegisteredExclusions() public view {
        assertEq(targetContracts().length, 0);
        assertEq(excludeContracts()[0], address(trap));
        assertEq(excludeSenders().length, 1);
        assertEq(excludeSelectors()[0].selectors[0], FuzzHandler.bad.selector);
    }

    function invariant_excludedContractNeverCalled() public view {
        assertFalse(trap.sprung(), "trap sprung");
    }

    function invariant_excludedSelectorNeverCalled() public view {
        assertFalse(handler.badCalled(), "bad() called");
    }

    function invariant_excludedSenderNeverUsed() public view {
        assertFalse(handler.senderViolation(), "excluded sender used");
    }

    function afterInvariant() public view {
        assertGt(handler.goodCalls(), 0, "handler never called");
    }
}
