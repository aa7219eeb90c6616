// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TickMath} from "@uniswap/v4-core/src/libraries/TickMath.sol";

/// @title MockUniswapV3Pool
/// @notice A Uniswap v3 pool reduced to its price oracle, for Solidity tests that cannot deploy the real pool:
///         `token0`, `token1`, `slot0`, `observations`, `observe` and `increaseObservationCardinalityNext` behave
///         as in v3-core's `UniswapV3Pool` and `Oracle` library; swaps are replaced by `setTick`, which the test
///         (the pool's controller) calls to move the price.
/// @dev Faithful to v3-core where the Evergamma oracle can tell:
///      - a tick change writes one observation per block, carrying the tick from *before* the change (as a swap
///        does), so the TWAP over [now - period, now] cannot move within the block that moved the price;
///      - tick cumulatives accumulate tick * seconds (int56, wrapping), timestamps are uint32 and wrap-aware;
///      - the ring buffer grows to `observationCardinalityNext` one write at a time, so the cardinality equals the
///        number of observations until the buffer is full, after which the oldest observation is overwritten;
///      - `observe` interpolates between observations and reverts with "OLD" for a time before the oldest one.
///      Liquidity is constant (set at construction); seconds-per-liquidity accumulates against it.
contract MockUniswapV3Pool {
    /// @notice v3-core's `Oracle.Observation`.
    struct Observation {
        uint32 blockTimestamp;
        int56 tickCumulative;
        uint160 secondsPerLiquidityCumulativeX128;
        bool initialized;
    }

    /// @notice v3-core's `Slot0` (fee protocol always 0, pool always unlocked outside calls).
    struct Slot0 {
        uint160 sqrtPriceX96;
        int24 tick;
        uint16 observationIndex;
        uint16 observationCardinality;
        uint16 observationCardinalityNext;
    }

    /// @notice Thrown by `setTick`, `initialize` and `increaseObservationCardinalityNext` for anyone but the
    ///         account that deployed the pool.
    error NotPoolController(address caller);
    /// @notice Thrown when the pool is initialised twice ("AI" in v3-core).
    error AlreadyInitialized();
    /// @notice Thrown when the pool is used before `initialize` ("I" in v3-core).
    error NotInitialized();
    /// @notice Thrown for a tick outside TickMath's range ("T" in v3-core).
    error TickOutOfRange(int24 tick);

    /// @notice The pair's lower-address token, as in v3-core.
    address public immutable token0;
    /// @notice The pair's higher-address token, as in v3-core.
    address public immutable token1;
    /// @notice The in-range liquidity (constant).
    uint128 public immutable liquidity;
    address private immutable poolController;

    Slot0 private _slot0;
    /// @notice The observation ring buffer, as in v3-core.
    Observation[65535] public observations;

    /// @notice Deploys an uninitialised pool; the deployer becomes the pool's controller.
    /// @param tokenA One token of the pair (the pair is sorted as in the factory).
    /// @param tokenB The other token.
    /// @param liquidity_ The constant in-range liquidity (non-zero) used for seconds-per-liquidity.
    constructor(address tokenA, address tokenB, uint128 liquidity_) {
        (token0, token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
        liquidity = liquidity_ == 0 ? 1 : liquidity_;
        poolController = msg.sender;
    }

    modifier onlyPoolController() {
        if (msg.sender != poolController) revert NotPoolController(msg.sender);
        _;
    }

    /* POOL CONTROL (the test's "swaps") */

    /// @notice Initialises the pool at a price, writing the first observation (cardinality 1, as in v3-core).
    /// @param sqrtPriceX96 The initial sqrt price (Q64.96).
    function initialize(uint160 sqrtPriceX96) external onlyPoolController {
        _initialize(sqrtPriceX96);
    }

    /// @notice Initialises the pool at a tick.
    /// @param tick The initial tick.
    function initializeAtTick(int24 tick) external onlyPoolController {
        _checkTick(tick);
        _initialize(TickMath.getSqrtPriceAtTick(tick));
    }

    function _initialize(uint160 sqrtPriceX96) private {
        if (_slot0.sqrtPriceX96 != 0) revert AlreadyInitialized();
        int24 tick = TickMath.getTickAtSqrtPrice(sqrtPriceX96);
        observations[0] = Observation({
            blockTimestamp: uint32(block.timestamp),
            tickCumulative: 0,
            secondsPerLiquidityCumulativeX128: 0,
            initialized: true
        });
        _slot0 = Slot0({
            sqrtPriceX96: sqrtPriceX96,
            tick: tick,
            observationIndex: 0,
            observationCardinality: 1,
            observationCardinalityNext: 1
        });
    }

    /// @notice Moves the price to `tick`, as a swap ending there would: when the tick changes, the observation of
    ///         this block (if none yet) is written with the tick from before the move.
    /// @param tick The new tick.
    function setTick(int24 tick) external onlyPoolController {
        _checkTick(tick);
        Slot0 memory s = _slot0;
        if (s.sqrtPriceX96 == 0) revert NotInitialized();
        if (tick != s.tick) {
            (s.observationIndex, s.observationCardinality) = _write(
                s.observationIndex,
                uint32(block.timestamp),
                s.tick,
                s.observationCardinality,
                s.observationCardinalityNext
            );
        }
        s.tick = tick;
        s.sqrtPriceX96 = TickMath.getSqrtPriceAtTick(tick);
        _slot0 = s;
    }

    /// @notice As v3-core: raises the number of observations the pool will keep (grown lazily on writes).
    /// @param observationCardinalityNext The desired capacity.
    function increaseObservationCardinalityNext(
        uint16 observationCardinalityNext
    ) external onlyPoolController {
        Slot0 memory s = _slot0;
        if (s.observationCardinality == 0) revert NotInitialized();
        uint16 current = s.observationCardinalityNext;
        if (observationCardinalityNext <= current) return;
        // v3-core `Oracle.grow`: touch the new slots so that later writes cost the same.
        for (uint16 i = current; i < observationCardinalityNext; i++) observations[i].blockTimestamp = 1;
        _slot0.observationCardinalityNext = observationCardinalityNext;
    }

    /* THE ORACLE INTERFACE (v3-core) */

    /// @notice As `IUniswapV3PoolState.slot0`.
    /// @return sqrtPriceX96 The current sqrt price (Q64.96).
    /// @return tick The current tick.
    /// @return observationIndex The index of the last written observation.
    /// @return observationCardinality The number of observations currently stored.
    /// @return observationCardinalityNext The number of observations the buffer will grow to.
    /// @return feeProtocol The protocol fee (always 0).
    /// @return unlocked Whether the pool is unlocked (always true).
    function slot0()
        external
        view
        returns (
            uint160 sqrtPriceX96,
            int24 tick,
            uint16 observationIndex,
            uint16 observationCardinality,
            uint16 observationCardinalityNext,
            uint8 feeProtocol,
            bool unlocked
        )
    {
        Slot0 memory s = _slot0;
        return (
            s.sqrtPriceX96,
            s.tick,
            s.observationIndex,
            s.observationCardinality,
            s.observationCardinalityNext,
            0,
            true
        );
    }

    /// @notice As `IUniswapV3PoolDerivedState.observe`: the cumulatives `secondsAgos[i]` seconds ago.
    /// @dev Reverts with "OLD" when a requested time is before the oldest observation.
    /// @param secondsAgos How many seconds ago each requested observation is (0 for now).
    /// @return tickCumulatives The tick cumulative at each requested time.
    /// @return secondsPerLiquidityCumulativeX128s The seconds-per-liquidity cumulative (Q128.128) at each
    ///         requested time.
    function observe(
        uint32[] calldata secondsAgos
    )
        external
        view
        returns (int56[] memory tickCumulatives, uint160[] memory secondsPerLiquidityCumulativeX128s)
    {
        Slot0 memory s = _slot0;
        if (s.observationCardinality == 0) revert NotInitialized();
        tickCumulatives = new int56[](secondsAgos.length);
        secondsPerLiquidityCumulativeX128s = new uint160[](secondsAgos.length);
        uint32 time = uint32(block.timestamp);
        for (uint256 i = 0; i < secondsAgos.length; i++) {
            (tickCumulatives[i], secondsPerLiquidityCumulativeX128s[i]) = _observeSingle(
                time,
                secondsAgos[i],
                s.tick,
                s.observationIndex,
                s.observationCardinality
            );
        }
    }

    /* v3-core Oracle library, ported to 0.8 (wrapping arithmetic kept explicit) */

    function _transform(
        Observation memory last,
        uint32 blockTimestamp,
        int24 tick
    ) private view returns (Observation memory) {
        unchecked {
            uint32 delta = blockTimestamp - last.blockTimestamp;
            return
                Observation({
                    blockTimestamp: blockTimestamp,
                    tickCumulative: last.tickCumulative + int56(tick) * int56(uint56(delta)),
                    secondsPerLiquidityCumulativeX128: last.secondsPerLiquidityCumulativeX128 +
                        ((uint160(delta) << 128) / liquidity),
                    initialized: true
                });
        }
    }

    function _write(
        uint16 index,
        uint32 blockTimestamp,
        int24 tick,
        uint16 cardinality,
        uint16 cardinalityNext
    ) private returns (uint16 indexUpdated, uint16 cardinalityUpdated) {
        Observation memory last = observations[index];
        // One observation per block.
        if (last.blockTimestamp == blockTimestamp) return (index, cardinality);
        cardinalityUpdated =
            cardinalityNext > cardinality && index == (cardinality - 1) ? cardinalityNext : cardinality;
        indexUpdated = (index + 1) % cardinalityUpdated;
        observations[indexUpdated] = _transform(last, blockTimestamp, tick);
    }

    /// @dev a <= b for timestamps that may have wrapped around 2^32, relative to `time`.
    function _lte(uint32 time, uint32 a, uint32 b) private pure returns (bool) {
        if (a <= time && b <= time) return a <= b;
        uint256 aAdjusted = a > time ? a : a + 2 ** 32;
        uint256 bAdjusted = b > time ? b : b + 2 ** 32;
        return aAdjusted <= bAdjusted;
    }

    function _binarySearch(
        uint32 time,
        uint32 target,
        uint16 index,
        uint16 cardinality
    ) private view returns (Observation memory beforeOrAt, Observation memory atOrAfter) {
        uint256 lo = (uint256(index) + 1) % cardinality; // oldest observation
        uint256 hi = lo + cardinality - 1; // newest observation
        uint256 i;
        while (true) {
            i = (lo + hi) / 2;
            beforeOrAt = observations[i % cardinality];
            // Landed on an uninitialised slot: keep searching higher (more recently).
            if (!beforeOrAt.initialized) {
                lo = i + 1;
                continue;
            }
            atOrAfter = observations[(i + 1) % cardinality];
            bool targetAtOrAfter = _lte(time, beforeOrAt.blockTimestamp, target);
            if (targetAtOrAfter && _lte(time, target, atOrAfter.blockTimestamp)) break;
            if (!targetAtOrAfter) hi = i - 1;
            else lo = i + 1;
        }
    }

    function _getSurroundingObservations(
        uint32 time,
        uint32 target,
        int24 tick,
        uint16 index,
        uint16 cardinality
    ) private view returns (Observation memory beforeOrAt, Observation memory atOrAfter) {
        beforeOrAt = observations[index];
        if (_lte(time, beforeOrAt.blockTimestamp, target)) {
            if (beforeOrAt.blockTimestamp == target) return (beforeOrAt, atOrAfter);
            return (beforeOrAt, _transform(beforeOrAt, target, tick));
        }
        beforeOrAt = observations[(index + 1) % cardinality];
        if (!beforeOrAt.initialized) beforeOrAt = observations[0];
        // solhint-disable-next-line gas-custom-errors
        require(_lte(time, beforeOrAt.blockTimestamp, target), "OLD");
        return _binarySearch(time, target, index, cardinality);
    }

    function _observeSingle(
        uint32 time,
        uint32 secondsAgo,
        int24 tick,
        uint16 index,
        uint16 cardinality
    ) private view returns (int56 tickCumulative, uint160 secondsPerLiquidityCumulativeX128) {
        if (secondsAgo == 0) {
            Observation memory last = observations[index];
            if (last.blockTimestamp != time) last = _transform(last, time, tick);
            return (last.tickCumulative, last.secondsPerLiquidityCumulativeX128);
        }
        uint32 target;
        unchecked {
            target = time - secondsAgo;
        }
        (Observation memory beforeOrAt, Observation memory atOrAfter) = _getSurroundingObservations(
            time,
            target,
            tick,
            index,
            cardinality
        );
        if (target == beforeOrAt.blockTimestamp) {
            return (beforeOrAt.tickCumulative, beforeOrAt.secondsPerLiquidityCumulativeX128);
        }
        if (target == atOrAfter.blockTimestamp) {
            return (atOrAfter.tickCumulative, atOrAfter.secondsPerLiquidityCumulativeX128);
        }
        // In between: interpolate linearly (exact, the tick is constant between two observations).
        unchecked {
            uint56 observationTimeDelta = atOrAfter.blockTimestamp - beforeOrAt.blockTimestamp;
            uint56 targetDelta = target - beforeOrAt.blockTimestamp;
            tickCumulative =
                beforeOrAt.tickCumulative +
                ((atOrAfter.tickCumulative - beforeOrAt.tickCumulative) / int56(observationTimeDelta)) *
                    int56(targetDelta);
            secondsPerLiquidityCumulativeX128 =
                beforeOrAt.secondsPerLiquidityCumulativeX128 +
                uint160(
                    (uint256(
                        atOrAfter.secondsPerLiquidityCumulativeX128 -
                            beforeOrAt.secondsPerLiquidityCumulativeX128
                    ) * targetDelta) / observationTimeDelta
                );
        }
    }

    function _checkTick(int24 tick) private pure {
        if (tick < TickMath.MIN_TICK || tick > TickMath.MAX_TICK) revert TickOutOfRange(tick);
    }
}
