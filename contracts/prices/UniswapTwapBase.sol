// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

import {IUniswapTwapWindow} from "../interfaces/IUniswapTwapPrices.sol";
import {UniswapTwap} from "../libraries/UniswapTwap.sol";

/// @title UniswapTwapBase
/// @notice The ETH/USD and token/ETH TWAPs of two Uniswap v3 pools over one window, with every window rule the
///         invariants rely on (B-2, B-3, B-4, L-4): the shared half of `UniswapTwapPrices` (TWAP-only) and
///         `ChainlinkTwapPrices` (a Chainlink feed checked against the same TWAP).
/// @dev Window rules. Both pools must keep more than twapPeriod observations (B-3/B-4: no sequence of swaps can then
///      shrink a window to a few blocks). The ETH pool must hold a full window when the source is deployed (L-4).
///      The window is the TWAP period, capped to the ETH pool's history; the token pool's history never shortens
///      the ETH window (which prices every vault): a young token pool only shortens its own TWAP, which moves
///      funding alone, inside its clamp (B-2). Stateless: immutables only, so a market account can run a copy.
abstract contract UniswapTwapBase is IUniswapTwapWindow {
    /// @dev 1e18: the WAD unit.
    uint256 internal constant WAD = 1e18;
    /// @dev The longest TWAP window accepted, in seconds.
    uint32 private constant MAX_TWAP_PERIOD_SECONDS = 1 hours;

    /// @inheritdoc IUniswapTwapWindow
    address public immutable weth;
    /// @inheritdoc IUniswapTwapWindow
    address public immutable quoteToken;
    /// @inheritdoc IUniswapTwapWindow
    address public immutable ethQuotePool;
    /// @inheritdoc IUniswapTwapWindow
    address public immutable tokenPool;
    /// @inheritdoc IUniswapTwapWindow
    uint32 public immutable twapPeriodSeconds;
    /// @dev The market token.
    address private immutable TOKEN;
    /// @dev 10^(18 + wethDecimals - quoteDecimals): the WETH amount whose quote-token price is S in WAD.
    uint256 private immutable ETH_PRICE_BASE_AMOUNT;

    /// @notice Checks the pools and records them.
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
    ) {
        if (twapPeriodSeconds_ == 0 || twapPeriodSeconds_ > MAX_TWAP_PERIOD_SECONDS) {
            revert InvalidTwapPeriod(twapPeriodSeconds_);
        }
        if (!_poolHolds(ethQuotePool_, weth_, quoteToken_)) revert InvalidPool("ethQuotePool");
        if (!_poolHolds(tokenPool_, token_, weth_)) revert InvalidPool("tokenPool");
        _requireObservationCapacity(ethQuotePool_, twapPeriodSeconds_);
        _requireObservationCapacity(tokenPool_, twapPeriodSeconds_);
        _requireWindowCovered(ethQuotePool_, twapPeriodSeconds_);
        weth = weth_;
        quoteToken = quoteToken_;
        ethQuotePool = ethQuotePool_;
        TOKEN = token_;
        tokenPool = tokenPool_;
        twapPeriodSeconds = twapPeriodSeconds_;
        ETH_PRICE_BASE_AMOUNT =
            10 ** (18 + IERC20Metadata(weth_).decimals() - IERC20Metadata(quoteToken_).decimals());
    }

    /// @notice The market token the source prices.
    /// @return The token.
    function _token() internal view returns (address) {
        return TOKEN;
    }

    /// @notice The ETH/USD and token/ETH TWAPs over one window: the TWAP period, capped to the ETH pool's history.
    ///         Reverts with `UniswapTwap.OracleHistoryUnavailable` when a pool has no history before this block.
    /// @return ethUsdWad S in USD per ETH (WAD).
    /// @return tokenEthWad q in ETH per token (WAD).
    function _twapPrices() internal view returns (uint256 ethUsdWad, uint256 tokenEthWad) {
        uint32 window = twapPeriodSeconds;
        (bool ok, int24 ethTick) = UniswapTwap.tryMeanTick(ethQuotePool, window);
        if (!ok) {
            window = _cappedWindow(ethQuotePool, window);
            ethTick = UniswapTwap.meanTick(ethQuotePool, window);
        }
        // A market's token pool usually trades less than once per window: read its tick without `observe` then.
        (bool quiet, int24 tokenTick) = UniswapTwap.tryQuietTick(tokenPool, window);
        if (!quiet) {
            (ok, tokenTick) = UniswapTwap.tryMeanTick(tokenPool, window);
            if (!ok) tokenTick = UniswapTwap.meanTick(tokenPool, _cappedWindow(tokenPool, window));
        }
        ethUsdWad = UniswapTwap.quoteAtTick(ethTick, ETH_PRICE_BASE_AMOUNT, weth, quoteToken);
        tokenEthWad = UniswapTwap.quoteAtTick(tokenTick, WAD, TOKEN, weth);
    }

    /// @dev `window` capped to the pool's history; reverts when the pool has none.
    function _cappedWindow(address pool, uint32 window) private view returns (uint32) {
        uint32 history = UniswapTwap.historySeconds(pool);
        if (history == 0) revert UniswapTwap.OracleHistoryUnavailable(pool);
        return history < window ? history : window;
    }

    /// @dev Whether `pool` holds exactly the pair (tokenA, tokenB).
    function _poolHolds(address pool, address tokenA, address tokenB) private view returns (bool) {
        (address token0, address token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
        return IUniswapV3Pool(pool).token0() == token0 && IUniswapV3Pool(pool).token1() == token1;
    }

    /// @dev Each pool must keep at least twapPeriod + 1 observations. A pool writes at most one observation per
    ///      block and block timestamps are at least one second apart, so its history then always spans a full
    ///      TWAP period once it is that old: no sequence of swaps can shrink a window to a few blocks (a pool that
    ///      keeps 2 observations forgets everything before its second-to-last swap).
    function _requireObservationCapacity(address pool, uint32 period) private view {
        (, , , , uint16 cardinalityNext, , ) = IUniswapV3Pool(pool).slot0();
        if (cardinalityNext <= period) revert UniswapTwap.OracleCardinalityTooLow(pool, cardinalityNext);
    }

    /// @dev The ETH pool prices every vault, so it must hold a full window already (L-4): twapPeriod + 1
    ///      observations written (a raised cardinalityNext only grows the ring on later writes, so an old 2-slot
    ///      pool would average a few blocks) and history at least twapPeriod old. The token pool is created with the
    ///      market and only needs the capacity: its TWAP moves funding alone, inside the clamp.
    function _requireWindowCovered(address pool, uint32 period) private view {
        (, , , uint16 cardinality, , , ) = IUniswapV3Pool(pool).slot0();
        uint32 history = UniswapTwap.historySeconds(pool);
        if (cardinality <= period || history < period) {
            revert OracleWindowNotCovered(pool, cardinality, history, period);
        }
    }
}
