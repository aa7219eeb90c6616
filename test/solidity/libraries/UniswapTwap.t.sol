// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {UniswapTwap} from "../../../contracts/libraries/UniswapTwap.sol";
import {Test} from "../utils/Test.sol";

/// @notice A pool reduced to `observe`: it answers any window with the two tick cumulatives the test chose.
contract CumulativesPool {
    int56 private thenCumulative;
    int56 private nowCumulative;

    /// @notice Sets the tick cumulatives `observe([period, 0])` returns.
    /// @param thenCumulative_ The cumulative at the window's start.
    /// @param nowCumulative_ The cumulative now.
    function setCumulatives(int56 thenCumulative_, int56 nowCumulative_) external {
        thenCumulative = thenCumulative_;
        nowCumulative = nowCumulative_;
    }

    /// @notice `IUniswapV3Pool.observe` for two points: the chosen cumulatives, whatever the window.
    /// @return tickCumulatives The window's start and end cumulatives.
    /// @return secondsPerLiquidityCumulativeX128s Zeros (UniswapTwap does not read them).
    function observe(
        uint32[] calldata
    )
        external
        view
        returns (int56[] memory tickCumulatives, uint160[] memory secondsPerLiquidityCumulativeX128s)
    {
        tickCumulatives = new int56[](2);
        tickCumulatives[0] = thenCumulative;
        tickCumulatives[1] = nowCumulative;
        secondsPerLiquidityCumulativeX128s = new uint160[](2);
    }
}

/// @notice The mean tick of `UniswapTwap` is Uniswap's: the cumulative delta over the window, divided by the window
///         and rounded toward negative infinity (v3-periphery `OracleLibrary.consult`), on both read paths (the raw
///         `tryMeanTick` the price source uses first and the decoded `meanTick` of its capped-window fallback).
contract UniswapTwapTest is Test {
    uint32 private constant WINDOW = 420;
    /// @dev The largest |tick| of a v3 pool, so the largest |mean tick|.
    int256 private constant MAX_TICK = 887272;

    CumulativesPool private pool;

    function setUp() external {
        pool = new CumulativesPool();
    }

    /// @dev The mean tick over `period` for a window whose tick cumulative moved by `delta`, by both read paths
    ///      (which must agree).
    function meanTickOf(int56 thenCumulative, int256 delta, uint32 period) private returns (int256) {
        pool.setCumulatives(thenCumulative, int56(thenCumulative + delta));
        (bool ok, int24 raw) = UniswapTwap.tryMeanTick(address(pool), period);
        assertTrue(ok, "tryMeanTick answers");
        int24 decoded = UniswapTwap.meanTick(address(pool), period);
        assertEq(int256(raw), int256(decoded), "tryMeanTick and meanTick agree");
        return raw;
    }

    /// @dev floor(delta / period) written as Euclidean division, independently of the library's
    ///      truncate-then-decrement.
    function flooredMean(int256 delta, uint32 period) private pure returns (int256) {
        int256 divisor = int256(uint256(period));
        int256 remainder = ((delta % divisor) + divisor) % divisor;
        return (delta - remainder) / divisor;
    }

    function testNegativeFractionalMeanTickRoundsTowardNegativeInfinity() external {
        // -421 / 420 = -1.0024 -> -2 (truncation would give -1).
        assertEq(meanTickOf(1_000_000, -421, WINDOW), -2, "-1.0024 floors to -2");
        // -1 / 420 = -0.0024 -> -1 (truncation would give 0): one second a tick below zero.
        assertEq(meanTickOf(0, -1, WINDOW), -1, "-0.0024 floors to -1");
        // A pool near 3000 USDC per WETH with WETH as token0 (tick about -195,000) whose tick rose by 7 for
        // 12 s of the window: (-195,000 * 420 + 7 * 12) / 420 = -194,999.8 -> -195,000.
        assertEq(meanTickOf(-5_000_000_000, -195_000 * 420 + 84, WINDOW), -195_000, "-194,999.8 floors");
    }

    function testNegativeWholeMeanTickIsExact() external {
        assertEq(meanTickOf(-7, -840, WINDOW), -2, "-840 / 420 = -2, no rounding step");
        assertEq(meanTickOf(0, -195_000 * 420, WINDOW), -195_000, "a flat window at -195,000");
    }

    function testPositiveAndZeroMeanTicksTruncate() external {
        assertEq(meanTickOf(-100, 839, WINDOW), 1, "839 / 420 = 1.998 -> 1");
        assertEq(meanTickOf(5, 0, WINDOW), 0, "no movement");
        assertEq(meanTickOf(0, 419, WINDOW), 0, "0.998 -> 0");
    }

    function testExtremeTicksOverLongestWindow() external {
        uint32 period = type(uint32).max;
        int256 longest = int256(uint256(period));
        assertEq(meanTickOf(0, -MAX_TICK * longest, period), -MAX_TICK, "min tick held for 2^32 - 1 s");
        assertEq(meanTickOf(0, -MAX_TICK * longest + 1, period), -MAX_TICK, "just above: floors to min tick");
        assertEq(meanTickOf(0, MAX_TICK * longest, period), MAX_TICK, "max tick held for 2^32 - 1 s");
    }

    /// @dev Any window and any delta a v3 pool can produce: the mean tick is floor(delta / period).
    function testFuzzMeanTickIsFloor(int64 thenSeed, uint64 deltaSeed, uint32 periodSeed) external {
        uint32 period = uint32(bound(periodSeed, 1, type(uint32).max));
        uint256 reach = uint256(MAX_TICK) * period;
        int256 delta = int256(bound(deltaSeed, 0, 2 * reach)) - int256(reach);
        int56 thenCumulative = int56(thenSeed % (1 << 50));
        assertEq(
            meanTickOf(thenCumulative, delta, period),
            flooredMean(delta, period),
            "floor(delta / period)"
        );
    }

    /// @dev Small negative fractional means, where the rounding step decides the result.
    function testFuzzSmallNegativeMeanTickIsFloor(uint16 deltaSeed, uint16 periodSeed) external {
        uint32 period = uint32(bound(periodSeed, 2, 3600));
        int256 delta = -int256(bound(deltaSeed, 1, 10 * uint256(period)));
        int256 mean = meanTickOf(0, delta, period);
        assertEq(mean, flooredMean(delta, period), "floor(delta / period)");
        assertTrue(mean * int256(uint256(period)) <= delta, "mean * period <= delta");
        assertTrue((mean + 1) * int256(uint256(period)) > delta, "(mean + 1) * period > delta");
    }
}
