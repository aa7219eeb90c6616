// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {FullMath} from "@uniswap/v4-core/src/libraries/FullMath.sol";
import {TickMath} from "@uniswap/v4-core/src/libraries/TickMath.sol";

/// @title UniswapTwap
/// @notice Geometric-mean (tick) TWAPs from Uniswap v3 pools.
/// @dev The TWAP over [now - period, now] cannot move within a block: a swap writes its observation with the tick
///      from before the swap, so a price pushed in this block enters the average only from the next block on.
library UniswapTwap {
    /// @notice Thrown when a pool has no observation older than the current block to average over.
    /// @param pool The pool.
    error OracleHistoryUnavailable(address pool);

    /// @notice Thrown when a pool keeps a single observation, so that any "TWAP" would be the last spot price.
    /// @param pool The pool.
    /// @param cardinality The pool's next observation cardinality.
    error OracleCardinalityTooLow(address pool, uint16 cardinality);

    uint256 private constant Q192 = 1 << 192;
    /// @dev `IUniswapV3Pool.observe(uint32[])`.
    uint256 private constant OBSERVE_SELECTOR = 0x883bdbfd;
    /// @dev `IUniswapV3Pool.slot0()`.
    uint256 private constant SLOT0_SELECTOR = 0x3850c7bd;
    /// @dev `IUniswapV3Pool.observations(uint256)`.
    uint256 private constant OBSERVATIONS_SELECTOR = 0x252c09d7;
    uint256 private constant Q128 = 1 << 128;

    /// @notice The arithmetic mean tick over the last `periodSeconds`, rounded toward negative infinity, or
    ///         `ok = false` when the pool's history is shorter than the period (the pool reverts with "OLD").
    /// @dev Calls `observe([periodSeconds, 0])` with a raw staticcall and reads only the two tick cumulatives,
    ///      which saves the decoding of both returned arrays on the funding path of every block.
    /// @param pool The pool.
    /// @param periodSeconds The window length (non-zero).
    /// @return ok False when the pool cannot answer for the whole window.
    /// @return tick The mean tick (0 when `ok` is false).
    function tryMeanTick(address pool, uint32 periodSeconds) internal view returns (bool ok, int24 tick) {
        int256 delta;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, shl(224, OBSERVE_SELECTOR))
            mstore(add(m, 0x04), 0x20) // offset of secondsAgos
            mstore(add(m, 0x24), 2) // secondsAgos.length
            mstore(add(m, 0x44), periodSeconds) // secondsAgos[0]
            mstore(add(m, 0x64), 0) // secondsAgos[1]: now
            ok := staticcall(gas(), pool, m, 0x84, 0, 0)
            // Returns (int56[] tickCumulatives, uint160[] secondsPerLiquidityCumulativeX128s), 2 entries each.
            if and(ok, iszero(lt(returndatasize(), 0x100))) {
                returndatacopy(m, 0, 0x100)
                let tickCumulatives := add(m, mload(m))
                delta := sub(mload(add(tickCumulatives, 0x40)), mload(add(tickCumulatives, 0x20)))
            }
            ok := and(ok, iszero(lt(returndatasize(), 0x100)))
        }
        if (ok) tick = _meanTick(int56(delta), periodSeconds);
    }

    /// @notice The mean tick over the last `periodSeconds` of a pool that wrote no observation inside that window:
    ///         its current tick, exactly what `observe` would average (both ends of the window extrapolate the
    ///         newest observation with the current tick). `quiet = false` when the pool did write one (or a call
    ///         fails): then `tryMeanTick` must run.
    /// @dev Two raw staticcalls, `slot0()` and `observations(index)`: two storage reads where `observe` makes three
    ///      (it also reads the liquidity) and encodes two arrays. The quiet case is the common one for the token
    ///      pools of a market that trades less than once per window; it costs a busy pool two extra calls (about
    ///      1.2k gas), so use it for pools that are usually quiet.
    /// @param pool The pool.
    /// @param periodSeconds The window length.
    /// @return quiet Whether the pool's newest observation is at least `periodSeconds` old.
    /// @return tick The current tick when `quiet`.
    function tryQuietTick(address pool, uint32 periodSeconds) internal view returns (bool quiet, int24 tick) {
        uint256 observedAt;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, shl(224, SLOT0_SELECTOR))
            // slot0() returns 7 words: sqrtPriceX96, tick, observationIndex, ...
            quiet := staticcall(gas(), pool, m, 0x04, m, 0x60)
            quiet := and(quiet, iszero(lt(returndatasize(), 0xe0)))
            tick := signextend(2, mload(add(m, 0x20)))
            let index := and(mload(add(m, 0x40)), 0xffff)
            mstore(m, shl(224, OBSERVATIONS_SELECTOR))
            mstore(add(m, 0x04), index)
            // observations(index) returns 4 words: blockTimestamp, tickCumulative, ...
            let ok := staticcall(gas(), pool, m, 0x24, m, 0x20)
            quiet := and(quiet, and(ok, iszero(lt(returndatasize(), 0x80))))
            observedAt := and(mload(m), 0xffffffff)
        }
        unchecked {
            // uint32 wrap-around, as in the pool itself
            quiet = quiet && uint32(block.timestamp) - uint32(observedAt) >= periodSeconds;
        }
        if (!quiet) tick = 0;
    }

    /// @notice The arithmetic mean tick over the last `periodSeconds`, rounded toward negative infinity.
    /// @dev Reverts (inside the pool, with "OLD") when the pool's history is shorter than the period.
    /// @param pool The pool.
    /// @param periodSeconds The window length (non-zero).
    /// @return The mean tick.
    function meanTick(address pool, uint32 periodSeconds) internal view returns (int24) {
        uint32[] memory secondsAgos = new uint32[](2);
        secondsAgos[0] = periodSeconds;
        (int56[] memory tickCumulatives, ) = IUniswapV3Pool(pool).observe(secondsAgos);
        return _meanTick(tickCumulatives[1] - tickCumulatives[0], periodSeconds);
    }

    /// @notice The age in seconds of the pool's oldest initialised observation: the longest window it can average.
    /// @dev Reverts with `OracleCardinalityTooLow` for a pool that can keep only one observation: there every
    ///      swap overwrites the history and a "TWAP" is the last spot price. A pool whose next cardinality is
    ///      at least 2 keeps its history from its first write on.
    /// @param pool The pool.
    /// @return The age of the oldest observation, in seconds.
    function historySeconds(address pool) internal view returns (uint32) {
        (, , uint16 index, uint16 cardinality, uint16 cardinalityNext, , ) = IUniswapV3Pool(pool).slot0();
        if (cardinalityNext < 2) revert OracleCardinalityTooLow(pool, cardinalityNext);
        // The slot after the newest one holds the oldest observation once the ring buffer has wrapped;
        // before that it is uninitialised and the oldest observation is slot 0.
        (uint32 oldestTimestamp, , , bool initialized) = IUniswapV3Pool(pool).observations(
            (index + 1) % cardinality
        );
        if (!initialized) (oldestTimestamp, , , ) = IUniswapV3Pool(pool).observations(0);
        unchecked {
            return uint32(block.timestamp) - oldestTimestamp; // uint32 wrap-around, as in the pool itself
        }
    }

    /// @notice The price of `baseAmount` units of `base` in `quote` units at `tick` (floor).
    /// @param tick The pool tick (price of token0 in token1).
    /// @param baseAmount The amount of the base token, in its smallest units.
    /// @param base The base token.
    /// @param quote The quote token.
    function quoteAtTick(
        int24 tick,
        uint256 baseAmount,
        address base,
        address quote
    ) internal pure returns (uint256) {
        uint160 sqrtPriceX96 = TickMath.getSqrtPriceAtTick(tick);
        // Square the price in the widest form that cannot overflow: X192 below 2^128, X128 above.
        if (sqrtPriceX96 <= type(uint128).max) {
            uint256 ratioX192 = uint256(sqrtPriceX96) * sqrtPriceX96;
            return
                base < quote
                    ? FullMath.mulDiv(ratioX192, baseAmount, Q192)
                    : FullMath.mulDiv(Q192, baseAmount, ratioX192);
        }
        uint256 ratioX128 = FullMath.mulDiv(sqrtPriceX96, sqrtPriceX96, 1 << 64);
        return
            base < quote
                ? FullMath.mulDiv(ratioX128, baseAmount, Q128)
                : FullMath.mulDiv(Q128, baseAmount, ratioX128);
    }

    function _meanTick(int56 tickCumulativeDelta, uint32 periodSeconds) private pure returns (int24 tick) {
        int56 period = int56(uint56(periodSeconds));
        tick = int24(tickCumulativeDelta / period);
        if (tickCumulativeDelta < 0 && tickCumulativeDelta % period != 0) tick--;
    }
}
