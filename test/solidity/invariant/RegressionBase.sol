// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";

import {PowerPerpMath} from "../../../contracts/libraries/PowerPerpMath.sol";
import {EvergammaFixture, Protocol} from "./EvergammaFixture.sol";

/// @title RegressionBase
/// @notice The default protocol (the engine with one ETH² market, market 0), three funded actors and the price moves the regression suites share.
abstract contract RegressionBase is EvergammaFixture {
    Protocol internal p;
    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);
    address internal constant KEEPER = address(0xBEEF);

    function setUp() external {
        p = deployDefaultProtocol();
        vm.deal(ALICE, 1_000 ether);
        vm.deal(BOB, 1_000 ether);
        vm.deal(KEEPER, 100_000 ether);
    }

    /// @dev Lets `seconds_` pass in a new block (nothing when zero).
    function warpBy(uint256 seconds_) internal {
        if (seconds_ == 0) return;
        vm.warp(vm.getBlockTimestamp() + seconds_);
        vm.roll(vm.getBlockNumber() + 1);
    }

    /// @dev Moves the ETH pool's spot price by `ticks` (positive: ETH up) and lets `wait` seconds pass.
    function moveEth(int256 ticks, uint256 wait) internal {
        (, int24 tick, , , , , ) = p.ethPool.slot0();
        p.ethPool.setTick(int24(int256(tick) + ticks * p.ethTickSign));
        warpBy(wait);
    }

    /// @dev Puts the power pool at `premiumWad` times the index value of one token (NF * S / scale) at
    ///      `ethPriceWad`, and lets `wait` seconds pass.
    function setPremium(uint256 premiumWad, uint256 ethPriceWad, uint256 wait) internal {
        uint256 q = FPML.mulWad(
            PowerPerpMath.claimValuePerTokenWad(p.lens.normalizationFactor(0), ethPriceWad, 2, 1e4),
            premiumWad
        );
        p.powerPool.setTick(tickForPrice(address(p.powerToken), address(p.weth), q, 18, 18));
        warpBy(wait);
    }
}
