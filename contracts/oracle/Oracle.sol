// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";

import {IOracle} from "../interfaces/IOracle.sol";
import {UniswapTwap} from "../libraries/UniswapTwap.sol";

/// @title Oracle
/// @notice Stateless reader of Uniswap v3 geometric-mean TWAPs for users, keepers and front ends. The Controller
///         uses the same `UniswapTwap` library internally.
contract Oracle is IOracle {
    /// @inheritdoc IOracle
    function getTwap(
        address pool,
        address base,
        address quote,
        uint32 periodSeconds
    ) external view returns (uint256 priceWad) {
        _requirePair(pool, base, quote);
        (int24 tick, ) = _meanTick(pool, periodSeconds);
        uint256 exponent = 18 + IERC20Metadata(base).decimals() - IERC20Metadata(quote).decimals();
        // Quoting 10^(18 + baseDecimals - quoteDecimals) base units yields the price of one token in WAD directly,
        // keeping all 18 digits instead of scaling a coarse quote up afterwards.
        return UniswapTwap.quoteAtTick(tick, 10 ** exponent, base, quote);
    }

    /// @inheritdoc IOracle
    function getTimeWeightedAverageTick(
        address pool,
        uint32 periodSeconds
    ) external view returns (int24 tick, uint32 periodUsed) {
        return _meanTick(pool, periodSeconds);
    }

    /// @inheritdoc IOracle
    function getMaxPeriod(address pool) external view returns (uint32) {
        return UniswapTwap.historySeconds(pool);
    }

    function _meanTick(
        address pool,
        uint32 periodSeconds
    ) private view returns (int24 tick, uint32 periodUsed) {
        if (periodSeconds == 0) revert UniswapTwap.ZeroTwapPeriod();
        uint32 history = UniswapTwap.historySeconds(pool);
        if (history == 0) revert UniswapTwap.OracleHistoryUnavailable(pool);
        periodUsed = periodSeconds < history ? periodSeconds : history;
        tick = UniswapTwap.meanTick(pool, periodUsed);
    }

    function _requirePair(address pool, address base, address quote) private view {
        address token0 = IUniswapV3Pool(pool).token0();
        address token1 = IUniswapV3Pool(pool).token1();
        bool matches = (base == token0 && quote == token1) || (base == token1 && quote == token0);
        if (!matches) revert TokensNotInPool(pool, base, quote);
    }
}
