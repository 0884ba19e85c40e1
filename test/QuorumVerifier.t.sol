// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Custom-error checklist (IQuorumVerifier) — each triggered with its exact arguments by:
//   InvalidThreshold   test_constructor_zeroThreshold, test_constructor_thresholdAboveMembers, test_constructor_noMembers
//   MembersNotAscending test_constructor_duplicateMember, test_constructor_membersNotAscending
//   TooManyMembers     test_constructor_tooManyMembers
//   ZeroAddress        test_constructor_zeroMember
// verifyAttestation never reverts on a bad proof: every malformed case below returns false.

import {Test} from "./utils/Test.sol";
import {QuorumVerifier} from "../contracts/QuorumVerifier.sol";
import {IQuorumVerifier} from "../contracts/interfaces/IQuorumVerifier.sol";

contract QuorumVerifierTest is Test {
    /// @dev secp256k1 group order.
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    uint256 internal constant N_MEMBERS = 5;
    uint256 internal constant THRESHOLD = 3;
    uint256 internal constant MAX = 16;

    QuorumVerifier internal qv;
    /// @dev Members sorted by ascending address, with their keys.
    address[N_MEMBERS] internal members;
    uint256[N_MEMBERS] internal keys;
    address internal outsider;
    uint256 internal outsiderKey;
    bytes32 internal constant DIGEST = keccak256("WorkAttestation digest");

    function setUp() public {
        for (uint256 i; i < N_MEMBERS; ++i) {
            (members[i], keys[i]) = makeAddrAndKey(string.concat("member", vm.toString(i)));
        }
        // Insertion sort by address so signatures can be concatenated in the required order.
        for (uint256 i = 1; i < N_MEMBERS; ++i) {
            for (uint256 j = i; j > 0 && members[j] < members[j - 1]; --j) {
                (members[j], members[j - 1]) = (members[j - 1], members[j]);
                (keys[j], keys[j - 1]) = (keys[j - 1], keys[j]);
            }
        }
        (outsider, outsiderKey) = makeAddrAndKey("outsider");
        qv = new QuorumVerifier(_memberList(), THRESHOLD);
    }

    // ───────────────────────────── Helpers ─────────────────────────────
    function _memberList() internal view returns (address[] memory list) {
        list = new address[](N_MEMBERS);
        for (uint256 i; i < N_MEMBERS; ++i) list[i] = members[i];
    }

    /// @dev `n` ascending placeholder addresses 1..n.
    function _ascending(uint256 n) internal pure returns (address[] memory list) {
        list = new address[](n);
        for (uint256 i; i < n; ++i) list[i] = address(uint160(i + 1));
    }

    function _sig(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev Concatenated signatures over DIGEST by members at `idx`, in the order given.
    function _proof(uint256[] memory idx) internal view returns (bytes memory proof) {
        for (uint256 i; i < idx.length; ++i) proof = bytes.concat(proof, _sig(keys[idx[i]], DIGEST));
    }

    function _idx(uint256 a, uint256 b) internal pure returns (uint256[] memory r) {
        r = new uint256[](2);
        (r[0], r[1]) = (a, b);
    }

    function _idx(uint256 a, uint256 b, uint256 c) internal pure returns (uint256[] memory r) {
        r = new uint256[](3);
        (r[0], r[1], r[2]) = (a, b, c);
    }

    // ───────────────────────────── Constructor ─────────────────────────────
    function test_constructor_setsQuorumAndEmits() public {
        address[] memory list = _memberList();
        vm.expectEmit(true, true, true, true);
        emit IQuorumVerifier.QuorumConfigured(list, THRESHOLD);
        QuorumVerifier q = new QuorumVerifier(list, THRESHOLD);
        assertEq(q.threshold(), THRESHOLD);
        assertEq(q.members().length, N_MEMBERS);
    }

    function test_constructor_zeroThreshold() public {
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.InvalidThreshold.selector, 0, N_MEMBERS));
        new QuorumVerifier(_memberList(), 0);
    }

    function test_constructor_thresholdAboveMembers() public {
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.InvalidThreshold.selector, N_MEMBERS + 1, N_MEMBERS));
        new QuorumVerifier(_memberList(), N_MEMBERS + 1);
    }

    function test_constructor_noMembers() public {
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.InvalidThreshold.selector, 1, 0));
        new QuorumVerifier(new address[](0), 1);
    }

    function test_constructor_duplicateMember() public {
        // A repeated member is not strictly ascending, adjacent or not.
        address[] memory list = _memberList();
        list[2] = list[1];
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.MembersNotAscending.selector, list[1]));
        new QuorumVerifier(list, THRESHOLD);

        list = _memberList();
        list[3] = list[1];
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.MembersNotAscending.selector, list[1]));
        new QuorumVerifier(list, THRESHOLD);
    }

    function test_constructor_membersNotAscending() public {
        address[] memory list = _memberList();
        (list[0], list[1]) = (list[1], list[0]);
        // The first member smaller than its predecessor is named.
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.MembersNotAscending.selector, members[0]));
        new QuorumVerifier(list, THRESHOLD);
    }

    function test_constructor_tooManyMembers() public {
        address[] memory list = _ascending(MAX + 1);
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.TooManyMembers.selector, MAX + 1, MAX));
        new QuorumVerifier(list, 1);
        // Exactly the maximum is fine.
        QuorumVerifier q = new QuorumVerifier(_ascending(MAX), MAX);
        assertEq(q.members().length, MAX);
        assertEq(q.MAX_MEMBERS(), MAX);
    }

    function test_constructor_zeroMember() public {
        address[] memory list = _memberList();
        list[2] = address(0);
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.ZeroAddress.selector));
        new QuorumVerifier(list, THRESHOLD);
    }

    function test_constructor_thresholdEqualsMembers() public {
        QuorumVerifier q = new QuorumVerifier(_memberList(), N_MEMBERS);
        assertEq(q.threshold(), N_MEMBERS);
        // Every member must sign: 4 of 5 is not enough.
        uint256[] memory four = new uint256[](4);
        for (uint256 i; i < 4; ++i) four[i] = i;
        assertFalse(q.verifyAttestation(DIGEST, _proof(four)));
    }

    // ───────────────────────────── Views ─────────────────────────────
    function test_views_membersThresholdIsMember() public view {
        assertEq(qv.threshold(), THRESHOLD);
        address[] memory got = qv.members();
        assertEq(got.length, N_MEMBERS);
        for (uint256 i; i < N_MEMBERS; ++i) {
            assertEq(got[i], members[i]);
            assertTrue(qv.isMember(members[i]));
        }
        assertFalse(qv.isMember(outsider));
        assertFalse(qv.isMember(address(0)));
    }

    // ───────────────────────────── verifyAttestation: accepted ─────────────────────────────
    function test_verifyAttestation_thresholdSignatures() public view {
        assertTrue(qv.verifyAttestation(DIGEST, _proof(_idx(0, 1, 2))));
        // Any increasing subset of the right size, not just the first members.
        assertTrue(qv.verifyAttestation(DIGEST, _proof(_idx(0, 2, 4))));
        assertTrue(qv.verifyAttestation(DIGEST, _proof(_idx(2, 3, 4))));
    }

    function test_verifyAttestation_allMembers() public view {
        uint256[] memory all = new uint256[](N_MEMBERS);
        for (uint256 i; i < N_MEMBERS; ++i) all[i] = i;
        assertTrue(qv.verifyAttestation(DIGEST, _proof(all)));
    }

    // ───────────────────────────── verifyAttestation: rejected ─────────────────────────────
    function test_verifyAttestation_tooFewSignatures() public view {
        assertFalse(qv.verifyAttestation(DIGEST, _proof(_idx(0, 4))));
        assertFalse(qv.verifyAttestation(DIGEST, ""));
    }

    function test_verifyAttestation_duplicateSigner() public view {
        // Member 1 twice would make a "quorum" of two people.
        assertFalse(qv.verifyAttestation(DIGEST, _proof(_idx(0, 1, 1))));
        // Even with a valid quorum around it, a repeat invalidates the whole proof.
        uint256[] memory idx = new uint256[](4);
        (idx[0], idx[1], idx[2], idx[3]) = (0, 1, 1, 2);
        assertFalse(qv.verifyAttestation(DIGEST, _proof(idx)));
    }

    function test_verifyAttestation_unsortedOrder() public view {
        assertFalse(qv.verifyAttestation(DIGEST, _proof(_idx(1, 0, 2))));
        assertFalse(qv.verifyAttestation(DIGEST, _proof(_idx(4, 3, 2))));
    }

    function test_verifyAttestation_nonMember() public view {
        // Outsider's signature placed where its address sorts, so only membership can reject it.
        address[3] memory signers = [members[0], members[1], outsider];
        uint256[3] memory sk = [keys[0], keys[1], outsiderKey];
        for (uint256 i = 1; i < 3; ++i) {
            for (uint256 j = i; j > 0 && signers[j] < signers[j - 1]; --j) {
                (signers[j], signers[j - 1]) = (signers[j - 1], signers[j]);
                (sk[j], sk[j - 1]) = (sk[j - 1], sk[j]);
            }
        }
        bytes memory proof = bytes.concat(_sig(sk[0], DIGEST), _sig(sk[1], DIGEST), _sig(sk[2], DIGEST));
        assertFalse(qv.verifyAttestation(DIGEST, proof));
    }

    function test_verifyAttestation_signaturesOverAnotherDigest() public view {
        bytes memory proof = _proof(_idx(0, 1, 2));
        assertFalse(qv.verifyAttestation(keccak256("another attestation"), proof));
    }

    function test_verifyAttestation_highS() public view {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[1], DIGEST);
        // The malleable twin: s' = n − s with v flipped recovers the same signer...
        bytes32 sHigh = bytes32(SECP256K1_N - uint256(s));
        uint8 vFlipped = v == 27 ? 28 : 27;
        assertEq(ecrecover(DIGEST, vFlipped, r, sHigh), members[1], "twin recovers the member");
        // ...but is refused, so a signature has exactly one accepted encoding.
        bytes memory proof = bytes.concat(
            _sig(keys[0], DIGEST),
            abi.encodePacked(r, sHigh, vFlipped),
            _sig(keys[2], DIGEST)
        );
        assertFalse(qv.verifyAttestation(DIGEST, proof));
        // Control: the low-s original in the same slot passes.
        bytes memory good = bytes.concat(_sig(keys[0], DIGEST), abi.encodePacked(r, s, v), _sig(keys[2], DIGEST));
        assertTrue(qv.verifyAttestation(DIGEST, good));
    }

    function test_verifyAttestation_badLength() public view {
        bytes memory proof = _proof(_idx(0, 1, 2));
        // One extra byte.
        assertFalse(qv.verifyAttestation(DIGEST, bytes.concat(proof, hex"00")));
        // One byte short: 194 bytes.
        bytes memory short = new bytes(proof.length - 1);
        for (uint256 i; i < short.length; ++i) short[i] = proof[i];
        assertFalse(qv.verifyAttestation(DIGEST, short));
        // 64-byte (EIP-2098 compact) signatures are not accepted either.
        assertFalse(qv.verifyAttestation(DIGEST, new bytes(64 * 3)));
    }

    function test_verifyAttestation_garbageV() public view {
        (, bytes32 r, bytes32 s) = vm.sign(keys[1], DIGEST);
        uint8[4] memory badV = [uint8(0), 1, 29, 255];
        for (uint256 i; i < badV.length; ++i) {
            bytes memory proof = bytes.concat(
                _sig(keys[0], DIGEST),
                abi.encodePacked(r, s, badV[i]),
                _sig(keys[2], DIGEST)
            );
            assertFalse(qv.verifyAttestation(DIGEST, proof));
        }
    }

    function test_verifyAttestation_zeroSignatureBytes() public view {
        // Three all-zero 65-byte slots: right length, no recoverable signer.
        assertFalse(qv.verifyAttestation(DIGEST, new bytes(65 * 3)));
    }

    /// @dev Every one of the 16 member slots is read correctly: all sign, or only the last one with threshold 1.
    function test_verifyAttestation_sixteenMembers() public {
        address[] memory list = new address[](MAX);
        uint256[] memory sk = new uint256[](MAX);
        for (uint256 i; i < MAX; ++i) (list[i], sk[i]) = makeAddrAndKey(string.concat("big", vm.toString(i)));
        for (uint256 i = 1; i < MAX; ++i) {
            for (uint256 j = i; j > 0 && list[j] < list[j - 1]; --j) {
                (list[j], list[j - 1]) = (list[j - 1], list[j]);
                (sk[j], sk[j - 1]) = (sk[j - 1], sk[j]);
            }
        }
        QuorumVerifier all = new QuorumVerifier(list, MAX);
        QuorumVerifier any = new QuorumVerifier(list, 1);
        address[] memory got = all.members();
        bytes memory proof;
        for (uint256 i; i < MAX; ++i) {
            assertEq(got[i], list[i], "member order");
            assertTrue(all.isMember(list[i]), "isMember");
            bytes memory one = _sig(sk[i], DIGEST);
            // Each member alone satisfies a 1-of-16 quorum: its slot is found.
            assertTrue(any.verifyAttestation(DIGEST, one), "single member accepted");
            proof = bytes.concat(proof, one);
        }
        assertTrue(all.verifyAttestation(DIGEST, proof), "16 of 16");
        assertFalse(all.isMember(outsider));
        assertFalse(any.verifyAttestation(DIGEST, _sig(outsiderKey, DIGEST)), "outsider alone");
    }

    // ───────────────────────────── Fuzz ─────────────────────────────
    /// @dev Any subset of members signing in ascending order passes iff it has at least `threshold` signers.
    function testFuzz_verifyAttestation_subsetPassesIffQuorum(uint8 mask, bytes32 digest) public view {
        mask = uint8(bound(mask, 0, (1 << N_MEMBERS) - 1));
        bytes memory proof;
        uint256 count;
        for (uint256 i; i < N_MEMBERS; ++i) {
            if (mask & (1 << i) != 0) {
                proof = bytes.concat(proof, _sig(keys[i], digest));
                ++count;
            }
        }
        assertEq(qv.verifyAttestation(digest, proof), count >= THRESHOLD);
    }

    /// @dev Swapping two adjacent signatures of a valid proof always breaks it.
    function testFuzz_verifyAttestation_swapBreaksOrder(uint256 pos, bytes32 digest) public view {
        pos = bound(pos, 0, N_MEMBERS - 2);
        bytes memory proof;
        for (uint256 i; i < N_MEMBERS; ++i) {
            uint256 k = i == pos ? pos + 1 : (i == pos + 1 ? pos : i);
            proof = bytes.concat(proof, _sig(keys[k], digest));
        }
        assertFalse(qv.verifyAttestation(digest, proof));
    }
}
