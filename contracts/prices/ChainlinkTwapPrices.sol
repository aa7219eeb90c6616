// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

import {IChainlinkTwapPrices} from "../interfaces/IChainlinkTwapPrices.sol";
import {IGuardedPriceSource, SafeModeReason} from "../interfaces/IGuardedPriceSource.sol";
import {UniswapTwapBase} from "./UniswapTwapBase.sol";

/// @title ChainlinkTwapPrices
/// @notice The second price source of the engine's seam: ETH/USD from a Chainlink feed, guarded by the Uniswap
///         ETH/USDC TWAP of `UniswapTwapBase` (the token's price q stays its token/WETH TWAP). The feed's answer is
///         S while it passes every check, in this order:
///         1. the L2 sequencer is up (uptime feed answer 0) and has been for more than the grace period (skipped on
///            L1, where the sequencer feed is zero);
///         2. the feed can be read and its answer is positive and at most `MAX_ETH_USD_WAD` once normalised from
///            the feed's decimals to WAD;
///         3. the answer is at most `heartbeatSeconds` old (and not from the future);
///         4. |answer - TWAP| <= deviationBound * TWAP.
///         The first failed check is the safe-mode reason. S is then still the answer when it is usable (stale,
///         sequencer, deviation), the TWAP when it is not (invalid); the engine prices the market's debt with the
///         more conservative of S and the TWAP while the reason stands.
/// @dev Stateless (immutables only), so a market account can run a copy. A feed or sequencer feed that reverts is
///      caught (`try`): the market stays live in safe mode on the TWAP instead of freezing.
contract ChainlinkTwapPrices is UniswapTwapBase, IChainlinkTwapPrices {
    /// @dev The most decimals a feed may report (its answer is scaled up to WAD).
    uint8 private constant MAX_FEED_DECIMALS = 18;
    /// @dev The longest heartbeat accepted: 2 days (Chainlink's slowest ETH/USD heartbeat is 1 day).
    uint32 private constant MAX_HEARTBEAT_SECONDS = 2 days;
    /// @dev The longest sequencer grace period accepted: 1 day (Aave and Chainlink's example use 1 hour).
    uint32 private constant MAX_GRACE_PERIOD_SECONDS = 1 days;
    /// @dev The tightest deviation bound accepted: 0.1% (below a TWAP's usual lag behind the feed).
    uint256 private constant MIN_DEVIATION_BOUND_WAD = 0.001e18;
    /// @dev The loosest deviation bound accepted: 50%.
    uint256 private constant MAX_DEVIATION_BOUND_WAD = 0.5e18;
    /// @dev The largest sane answer: 1e8 USD per ETH (the engine caches S in 88 bits, up to 3.09e8 USD).
    uint256 private constant MAX_ETH_USD_WAD = 1e8 * WAD;
    /// @dev The sequencer-uptime feed's answer while the sequencer is up.
    int256 private constant SEQUENCER_UP = 0;

    /// @inheritdoc IChainlinkTwapPrices
    address public immutable feed;
    /// @inheritdoc IChainlinkTwapPrices
    uint8 public immutable feedDecimals;
    /// @inheritdoc IChainlinkTwapPrices
    uint32 public immutable heartbeatSeconds;
    /// @inheritdoc IChainlinkTwapPrices
    address public immutable sequencerFeed;
    /// @inheritdoc IChainlinkTwapPrices
    uint32 public immutable gracePeriodSeconds;
    /// @inheritdoc IChainlinkTwapPrices
    uint256 public immutable deviationBoundWad;
    /// @dev 10^(18 - feedDecimals): scales an answer to WAD.
    uint256 private immutable ANSWER_SCALE;

    /// @notice The Chainlink feed and its guards.
    /// @param feed The ETH/USD aggregator (proxy).
    /// @param heartbeatSeconds The longest age of a trusted answer, 1 s to 2 days.
    /// @param sequencerFeed The L2 sequencer-uptime feed; zero on L1.
    /// @param gracePeriodSeconds The distrust period after the sequencer restarts, 1 s to 1 day (0 on L1).
    /// @param deviationBoundWad The largest trusted |feed - TWAP| / TWAP, 0.1% to 50% (WAD).
    struct FeedParams {
        address feed;
        uint32 heartbeatSeconds;
        address sequencerFeed;
        uint32 gracePeriodSeconds;
        uint256 deviationBoundWad;
    }

    /// @notice Deploys the source of one market and checks its pools and feeds.
    /// @param weth_ The wrapped-ETH token.
    /// @param quoteToken_ The USD stable token of the ETH pool.
    /// @param ethQuotePool_ The WETH/quote pool: must hold a full window already.
    /// @param token_ The market token.
    /// @param tokenPool_ The token/WETH pool.
    /// @param twapPeriodSeconds_ The TWAP window, 1 s to 1 h.
    /// @param feedParams The feed and its guards.
    constructor(
        address weth_,
        address quoteToken_,
        address ethQuotePool_,
        address token_,
        address tokenPool_,
        uint32 twapPeriodSeconds_,
        FeedParams memory feedParams
    ) UniswapTwapBase(weth_, quoteToken_, ethQuotePool_, token_, tokenPool_, twapPeriodSeconds_) {
        if (feedParams.feed.code.length == 0) revert InvalidFeed("feed");
        uint8 decimals = AggregatorV3Interface(feedParams.feed).decimals();
        if (decimals > MAX_FEED_DECIMALS) revert InvalidFeedDecimals(decimals, MAX_FEED_DECIMALS);
        if (feedParams.heartbeatSeconds == 0 || feedParams.heartbeatSeconds > MAX_HEARTBEAT_SECONDS) {
            revert InvalidHeartbeat(feedParams.heartbeatSeconds, MAX_HEARTBEAT_SECONDS);
        }
        bool onL2 = feedParams.sequencerFeed != address(0);
        if (onL2 && feedParams.sequencerFeed.code.length == 0) revert InvalidFeed("sequencerFeed");
        if (
            (feedParams.gracePeriodSeconds == 0) == onL2 ||
            feedParams.gracePeriodSeconds > MAX_GRACE_PERIOD_SECONDS
        ) {
            revert InvalidGracePeriod(feedParams.gracePeriodSeconds, MAX_GRACE_PERIOD_SECONDS);
        }
        if (
            feedParams.deviationBoundWad < MIN_DEVIATION_BOUND_WAD ||
            feedParams.deviationBoundWad > MAX_DEVIATION_BOUND_WAD
        ) {
            revert InvalidDeviationBound(
                feedParams.deviationBoundWad,
                MIN_DEVIATION_BOUND_WAD,
                MAX_DEVIATION_BOUND_WAD
            );
        }
        feed = feedParams.feed;
        feedDecimals = decimals;
        heartbeatSeconds = feedParams.heartbeatSeconds;
        sequencerFeed = feedParams.sequencerFeed;
        gracePeriodSeconds = feedParams.gracePeriodSeconds;
        deviationBoundWad = feedParams.deviationBoundWad;
        ANSWER_SCALE = 10 ** (MAX_FEED_DECIMALS - decimals);
    }

    /// @inheritdoc IGuardedPriceSource
    function token() external view returns (address) {
        return _token();
    }

    /// @inheritdoc IGuardedPriceSource
    function prices()
        external
        view
        returns (uint256 ethUsdWad, uint256 tokenEthWad, uint256 referenceEthUsdWad, uint256 safeModeReason)
    {
        uint256 feedEthUsdWad;
        (referenceEthUsdWad, tokenEthWad) = _twapPrices();
        (feedEthUsdWad, safeModeReason) = _check(referenceEthUsdWad);
        ethUsdWad = feedEthUsdWad == 0 ? referenceEthUsdWad : feedEthUsdWad;
    }

    /// @inheritdoc IChainlinkTwapPrices
    function status()
        external
        view
        returns (uint256 feedEthUsdWad, uint256 twapEthUsdWad, uint256 safeModeReason)
    {
        (twapEthUsdWad, ) = _twapPrices();
        (feedEthUsdWad, safeModeReason) = _check(twapEthUsdWad);
    }

    /// @dev The feed's answer in WAD (0 when unusable) and the first failed check against the TWAP `twapWad`.
    function _check(uint256 twapWad) private view returns (uint256 answerWad, uint256 reason) {
        uint256 updatedAt;
        (answerWad, updatedAt) = _readFeed();
        if (answerWad == 0) return (0, SafeModeReason.INVALID_ANSWER);
        if (sequencerFeed != address(0)) {
            reason = _sequencerReason();
            if (reason != SafeModeReason.NONE) return (answerWad, reason);
        }
        // An answer from the future is as untrustworthy as an old one.
        if (updatedAt > block.timestamp || block.timestamp - updatedAt > heartbeatSeconds) {
            return (answerWad, SafeModeReason.STALE);
        }
        uint256 distance = answerWad > twapWad ? answerWad - twapWad : twapWad - answerWad;
        // Exact comparison, no division: distance / twap > bound.
        if (distance * WAD > deviationBoundWad * twapWad) return (answerWad, SafeModeReason.DEVIATION);
    }

    /// @dev The feed's latest answer scaled to WAD and its update time; a zero answer when it cannot be read or is
    ///      not positive or above `MAX_ETH_USD_WAD`.
    function _readFeed() private view returns (uint256 answerWad, uint256 updatedAt) {
        try AggregatorV3Interface(feed).latestRoundData() returns (
            uint80,
            int256 answer,
            uint256,
            uint256 updated,
            uint80
        ) {
            // Bounded before the multiplication: no overflow for any int256 answer.
            if (answer <= 0 || uint256(answer) > MAX_ETH_USD_WAD / ANSWER_SCALE) return (0, 0);
            return (uint256(answer) * ANSWER_SCALE, updated);
        } catch {
            return (0, 0);
        }
    }

    /// @dev `SEQUENCER_DOWN` while the uptime feed says down, cannot be read or has no round yet (startedAt 0);
    ///      `SEQUENCER_GRACE_PERIOD` until `gracePeriodSeconds` have passed since it came back up.
    function _sequencerReason() private view returns (uint256) {
        try AggregatorV3Interface(sequencerFeed).latestRoundData() returns (
            uint80,
            int256 answer,
            uint256 startedAt,
            uint256,
            uint80
        ) {
            if (answer != SEQUENCER_UP || startedAt == 0 || startedAt > block.timestamp) {
                return SafeModeReason.SEQUENCER_DOWN;
            }
            if (block.timestamp - startedAt <= gracePeriodSeconds)
                return SafeModeReason.SEQUENCER_GRACE_PERIOD;
            return SafeModeReason.NONE;
        } catch {
            return SafeModeReason.SEQUENCER_DOWN;
        }
    }
}
