// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPriceSource} from "../interfaces/IPriceSource.sol";
import {IUniswapTwapPrices} from "../interfaces/IUniswapTwapPrices.sol";
import {UniswapTwapBase} from "./UniswapTwapBase.sol";

/// @title UniswapTwapPrices
/// @notice The TWAP-only price source of the engine's seam: the ETH/USD and token/ETH TWAPs of two Uniswap v3 pools
///         over one window, with every window rule the invariants rely on (B-2, B-3, B-4, L-4; `UniswapTwapBase`).
contract UniswapTwapPrices is UniswapTwapBase, IUniswapTwapPrices {
    /// @notice Deploys the source of one market and checks its pools.
    /// @param weth_ The wrapped-ETH token.
    /// @param quoteToken_ The USD stable token (any decimals up to 18 + WETH's).
    /// @param ethQuotePool_ The WETH/quote pool: must hold a full window already.
    /// @param token_ The market token.
    /// @param tokenPool_ The token/WETH pool.
    /// @param twapPeriodSeconds_ The TWAP window, 1 s to 1 h (420 s for Squeeth's parameters).
    constructor(
        address weth_,
        address quoteToken_,
        address ethQuotePool_,
        address token_,
        address tokenPool_,
        uint32 twapPeriodSeconds_
    ) UniswapTwapBase(weth_, quoteToken_, ethQuotePool_, token_, tokenPool_, twapPeriodSeconds_) {}

    /// @inheritdoc IPriceSource
    function token() external view returns (address) {
        return _token();
    }

    /// @notice The ETH/USD and token/ETH TWAPs over one window: the TWAP period, capped to the ETH pool's history.
    ///         Reverts with `UniswapTwap.OracleHistoryUnavailable` when a pool has no history before this block.
    /// @return ethUsdWad S in USD per ETH (WAD).
    /// @return tokenEthWad q in ETH per token (WAD).
    function prices() external view returns (uint256 ethUsdWad, uint256 tokenEthWad) {
        return _twapPrices();
    }
}
