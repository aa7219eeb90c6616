// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MockUniswapV3Pool} from "../../../contracts/mocks/MockUniswapV3Pool.sol";
import {UniswapTwap} from "../../../contracts/libraries/UniswapTwap.sol";
import {EvergammaFixture, Protocol} from "./EvergammaFixture.sol";

/// @notice The mock pool keeps Uniswap v3's oracle semantics (the invariant suite's prices depend on it), and the
///         market deployed on it reads the expected prices.
contract MockPoolTest is EvergammaFixture {
    MockUniswapV3Pool private pool;
    address private constant TOKEN_A = address(0xA);
    address private constant TOKEN_B = address(0xB);

    function setUp() external {
        vm.warp(START_TIME);
        pool = new MockUniswapV3Pool(TOKEN_B, TOKEN_A, 1e18);
        pool.initializeAtTick(100);
        pool.increaseObservationCardinalityNext(8);
    }

    function observe2(uint32 ago) private view returns (int56 then, int56 nowCumulative) {
        uint32[] memory agos = new uint32[](2);
        agos[0] = ago;
        (int56[] memory c, ) = pool.observe(agos);
        return (c[0], c[1]);
    }

    function meanTick(uint32 ago) private view returns (int256) {
        (int56 a, int56 b) = observe2(ago);
        return (int256(b) - int256(a)) / int256(uint256(ago));
    }

    function testSortsTokensAndReportsSlot0() external view {
        assertTrue(pool.token0() == TOKEN_A && pool.token1() == TOKEN_B, "tokens sorted");
        (, int24 tick, uint16 index, uint16 cardinality, uint16 next, , bool unlocked) = pool.slot0();
        assertEq(int256(tick), 100, "tick");
        assertEq(index, 0, "index");
        assertEq(cardinality, 1, "cardinality before the first write");
        assertEq(next, 8, "cardinality next");
        assertTrue(unlocked, "unlocked");
    }

    function testObserveRevertsOldBeforeFirstObservation() external {
        vm.warp(START_TIME + 10);
        vm.expectRevert(bytes("OLD"));
        this.observeExternal(11);
        // Exactly at the first observation is fine: 10 s at tick 100.
        (int56 a, int56 b) = observe2(10);
        assertEq(int256(a), 0, "cumulative at the first observation");
        assertEq(int256(b), 1000, "tick * seconds");
    }

    function observeExternal(uint32 ago) external view returns (int56, int56) {
        return observe2(ago);
    }

    function testTickChangeEntersTheAverageOnlyFromTheNextSecond() external {
        vm.warp(START_TIME + 1000);
        assertEq(meanTick(420), 100, "flat history");
        pool.setTick(5100);
        assertEq(meanTick(420), 100, "same block: unchanged");
        pool.setTick(9100); // a second move in the same block writes nothing
        (, , uint16 index, uint16 cardinality, , , ) = pool.slot0();
        assertEq(index, 1, "one observation per block");
        // As in v3-core: the first write after growing moves the cardinality to cardinalityNext at once; the
        // slots after the newest one stay uninitialised until written.
        assertEq(cardinality, 8, "cardinality grown on the first write");
        (, , , bool initialized) = pool.observations(2);
        assertTrue(!initialized, "slot 2 not written yet");
        vm.warp(START_TIME + 1001);
        // (419 * 100 + 1 * 9100) / 420 = 121.4 -> 121
        assertEq(meanTick(420), 121, "one second later: 1/420 of the move");
        vm.warp(START_TIME + 1000 + 420);
        assertEq(meanTick(420), 9100, "a full period later: the new tick");
    }

    function testInterpolatesBetweenObservations() external {
        vm.warp(START_TIME + 100);
        pool.setTick(200); // obs at +100: cumulative 100*100 = 10000
        vm.warp(START_TIME + 300);
        pool.setTick(-50); // obs at +300: 10000 + 200*200 = 50000
        vm.warp(START_TIME + 400);
        // at +400: 50000 - 50*100 = 45000; at +200: 10000 + 200*100 = 30000
        (int56 a, int56 b) = observe2(200);
        assertEq(int256(a), 30000, "interpolated");
        assertEq(int256(b), 45000, "extrapolated with the current tick");
    }

    function testRingBufferWrapsAndHistoryShrinks() external {
        for (uint256 i = 1; i <= 20; i++) {
            vm.warp(START_TIME + i * 10);
            pool.setTick(int24(int256(100 + i)));
        }
        (, , uint16 index, uint16 cardinality, , , ) = pool.slot0();
        assertEq(cardinality, 8, "capped at cardinality next");
        assertEq(index, 20 % 8, "ring index");
        // Oldest kept observation: written at +130 (writes at +10 ... +200, the last 8 are +130 ... +200).
        vm.warp(START_TIME + 200);
        vm.expectRevert(bytes("OLD"));
        this.observeExternal(71);
        observe2(70);
    }

    /// @dev `UniswapTwap.historySeconds` behind an external call, so that `vm.expectRevert` sees its revert.
    function historySecondsOf(address p) external view returns (uint32) {
        return UniswapTwap.historySeconds(p);
    }

    function testHistoryRejectsCardinalityOne() external {
        MockUniswapV3Pool single = new MockUniswapV3Pool(TOKEN_A, TOKEN_B, 1e18);
        single.initializeAtTick(0);
        vm.warp(START_TIME + 1000);
        vm.expectRevert(
            abi.encodeWithSelector(UniswapTwap.OracleCardinalityTooLow.selector, address(single), 1)
        );
        this.historySecondsOf(address(single));
    }

    function testNoHistoryInTheFirstBlock() external {
        MockUniswapV3Pool fresh = new MockUniswapV3Pool(TOKEN_A, TOKEN_B, 1e18);
        fresh.initializeAtTick(0);
        fresh.increaseObservationCardinalityNext(8);
        assertEq(this.historySecondsOf(address(fresh)), 0, "no observation older than this block");
        // A market on such a pool cannot be deployed at all: its ETH pool must hold a full window (L-4,
        // PauseRegressions `test_L4_*`).
    }

    /// @dev quoteAtTick squares the sqrt price in X192 form below 2^128 and in X128 form above: both forms agree
    ///      across the boundary (one tick apart is a factor 1.0001) in both directions.
    function testQuoteAtTickAcrossTheX128Boundary() external pure {
        // sqrtPrice(443636) < 2^128 <= sqrtPrice(443637)
        int24 below = 443636;
        int24 above = 443637;
        address base = address(0xA);
        address quote = address(0xB);
        uint256 lowQuote = UniswapTwap.quoteAtTick(below, 1e18, base, quote);
        uint256 highQuote = UniswapTwap.quoteAtTick(above, 1e18, base, quote);
        assertApproxEqRel(
            highQuote,
            (lowQuote * 10001) / 10000,
            1e12,
            "token0 in token1 across the boundary"
        );
        uint256 lowInverse = UniswapTwap.quoteAtTick(below, 1e36, quote, base);
        uint256 highInverse = UniswapTwap.quoteAtTick(above, 1e36, quote, base);
        assertApproxEqRel(
            lowInverse,
            (highInverse * 10001) / 10000,
            1e8,
            "token1 in token0 across the boundary"
        );
        // At the top of the range the price still fits.
        assertGt(UniswapTwap.quoteAtTick(887272, 1, base, quote), 0, "max tick");
    }

    function testOnlyTheDeployerMovesThePrice() external {
        vm.prank(address(0xBAD));
        vm.expectRevert(abi.encodeWithSelector(MockUniswapV3Pool.NotPoolController.selector, address(0xBAD)));
        pool.setTick(1);
    }

    function testMarketReadsTheSeededPrices() external {
        Protocol memory p = deployDefaultProtocol();
        assertApproxEqRel(p.lens.ethPrice(0), 3000e18, 1e14, "ETH price");
        assertApproxEqRel(p.lens.tokenPrice(0), fairPowerPriceWad(3000e18, WAD), 1e14, "power price");
        assertApproxEqRel(p.lens.index(0), 900e18, 2e14, "index");
        assertEq(p.lens.normalizationFactor(0), WAD, "NF");
        uint256 id = p.engine.mint{value: 10 ether}(0, 15e18);
        assertEq(id, 1, "vault id");
        assertTrue(p.lens.isVaultSafe(id), "safe");
        assertApproxEqRel(p.lens.liquidationPrice(id), 4444.44e18, 1e14, "liquidation price");
    }

    receive() external payable {}

    function onERC721Received(address, address, uint256, bytes calldata) external pure returns (bytes4) {
        return this.onERC721Received.selector;
    }
}
