// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPriceSource} from "./IPriceSource.sol";

/// @title IUniswapTwapWindow
/// @notice The pools, window and constructor errors of a source that reads Uniswap v3 TWAPs (`UniswapTwapBase`):
///         shared by the TWAP-only `IUniswapTwapPrices` and the Chainlink-guarded `IChainlinkTwapPrices`.
interface IUniswapTwapWindow {
    /// @notice Thrown by the constructor when a pool does not hold the expected pair.
    /// @param parameter "ethQuotePool" or "tokenPool".
    error InvalidPool(string parameter);

    /// @notice Thrown by the constructor when the TWAP period is zero or longer than an hour.
    /// @param twapPeriodSeconds The rejected period.
    error InvalidTwapPeriod(uint32 twapPeriodSeconds);

    /// @notice Thrown by the constructor when the ETH/USD pool does not hold a full TWAP window yet.
    /// @param pool The pool.
    /// @param observationCardinality The observations the pool holds now (needs more than the TWAP period).
    /// @param historySeconds The age of its oldest observation (needs at least the TWAP period).
    /// @param twapPeriodSeconds The TWAP period.
    error OracleWindowNotCovered(
        address pool,
        uint16 observationCardinality,
        uint32 historySeconds,
        uint32 twapPeriodSeconds
    );

    /// @notice The wrapped-ETH token of both pools.
    function weth() external view returns (address);

    /// @notice The USD stable token of the ETH pool (for example 6-decimal USDC).
    function quoteToken() external view returns (address);

    /// @notice The Uniswap v3 WETH/quote pool (the ETH/USD price S).
    function ethQuotePool() external view returns (address);

    /// @notice The Uniswap v3 token/WETH pool (the market price q).
    function tokenPool() external view returns (address);

    /// @notice The TWAP window in seconds (capped to the pools' history).
    function twapPeriodSeconds() external view returns (uint32);
}

/// @title IUniswapTwapPrices
/// @notice A market's prices from two Uniswap v3 TWAPs over one window: ETH/USD from a WETH/stable pool, the market
///         token's price in ETH from its token/WETH pool.
interface IUniswapTwapPrices is IPriceSource, IUniswapTwapWindow {}
