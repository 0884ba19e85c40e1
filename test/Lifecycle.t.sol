// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {JouleFixture} from "./utils/JouleFixture.sol";
import {IJobTypes} from "../contracts/interfaces/IJobTypes.sol";

contract LifecycleTest is JouleFixture {
    function setUp() public {
        setUpProtocol();
    }

    function test_fullLifecycle_oneMilestone() public {
        (uint256 jobId, IJobTypes.JobParams memory p) = createAssignedJob(defaultRequest(), 800);
        proveAndSettle(jobId, p, 0, 3_000, 5_000, true);
        assertEq(uint256(market.jobStatus(jobId)), uint256(IJobTypes.JobStatus.Completed));
        uint256 payment = 3_000 * 800;
        uint256 fee = (payment * FEE_BPS + 9_999) / 10_000;
        assertEq(market.balanceOf(provider, address(usd)), payment - fee);
        assertEq(market.balanceOf(treasury, address(usd)), fee);
        // excess at award (200 × 3600) + unused units (600 × 800)
        assertEq(market.balanceOf(tenant, address(usd)), 200 * 3_600 + 600 * 800);
        assertEq(usd.balanceOf(address(market)), 3_600 * 1_000);
        (, uint256 locked, , ) = registry.stakeOf(provider);
        assertEq(locked, 0);
    }
}
