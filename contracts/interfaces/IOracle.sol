// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IOracle
/// @notice Time-weighted prices from Uniswap v3 pools: the geometric mean of the price (arithmetic mean of the
///         tick) over a period, normalised to 18 decimals.
/// @dev The period is capped to the pool's observation history; a pool with a single observation slot or with no
///      history before the current block reverts (a TWAP is never silently a spot price).
interface IOracle {
    /// @notice Thrown when the requested tokens are not the pool's pair.
    /// @param pool The pool.
    /// @param base The requested base token.
    /// @param quote The requested quote token.
    error TokensNotInPool(address pool, address base, address quote);

    /// @notice The time-weighted price of one `base` token in `quote` tokens, in WAD.
    /// @param pool The Uniswap v3 pool of the pair.
    /// @param base The token priced.
    /// @param quote The token it is priced in.
    /// @param periodSeconds The requested window (capped to the pool's history).
    /// @return priceWad The price of 1 base token in quote tokens, 18 decimals.
    function getTwap(
        address pool,
        address base,
        address quote,
        uint32 periodSeconds
    ) external view returns (uint256 priceWad);

    /// @notice The arithmetic-mean tick over a window (rounded toward negative infinity).
    /// @param pool The Uniswap v3 pool.
    /// @param periodSeconds The requested window (capped to the pool's history).
    /// @return tick The mean tick.
    /// @return periodUsed The window actually averaged, in seconds.
    function getTimeWeightedAverageTick(
        address pool,
        uint32 periodSeconds
    ) external view returns (int24 tick, uint32 periodUsed);

    /// @notice The longest window the pool can average: the age of its oldest observation, in seconds.
    /// @param pool The Uniswap v3 pool.
    function getMaxPeriod(address pool) external view returns (uint32);
}
