// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IGuardedPriceSource} from "./IGuardedPriceSource.sol";
import {IUniswapTwapWindow} from "./IUniswapTwapPrices.sol";

/// @title IChainlinkTwapPrices
/// @notice A market's prices from a Chainlink ETH/USD feed, checked against the Uniswap ETH/USDC TWAP, with the
///         market token's price in ETH from its token/WETH TWAP. The feed's answer is S while it is fresh (younger
///         than the heartbeat), positive and sane, the L2 sequencer has been up for longer than the grace period,
///         and it lies within the deviation bound of the TWAP; otherwise the source reports a safe-mode reason.
///         The pools and window getters are those of `IUniswapTwapWindow`.
interface IChainlinkTwapPrices is IGuardedPriceSource, IUniswapTwapWindow {
    /// @notice Thrown by the constructor when an address parameter is zero or holds no code.
    /// @param parameter "feed" or "sequencerFeed".
    error InvalidFeed(string parameter);

    /// @notice Thrown by the constructor when the feed reports more than 18 decimals.
    /// @param decimals The feed's decimals.
    /// @param maxDecimals The largest accepted (18).
    error InvalidFeedDecimals(uint8 decimals, uint8 maxDecimals);

    /// @notice Thrown by the constructor when the heartbeat is zero or longer than the maximum.
    /// @param heartbeatSeconds The rejected heartbeat.
    /// @param maxHeartbeatSeconds The longest accepted.
    error InvalidHeartbeat(uint32 heartbeatSeconds, uint32 maxHeartbeatSeconds);

    /// @notice Thrown by the constructor when the sequencer grace period is zero with a sequencer feed, non-zero
    ///         without one, or longer than the maximum.
    /// @param gracePeriodSeconds The rejected grace period.
    /// @param maxGracePeriodSeconds The longest accepted.
    error InvalidGracePeriod(uint32 gracePeriodSeconds, uint32 maxGracePeriodSeconds);

    /// @notice Thrown by the constructor when the deviation bound lies outside [min, max].
    /// @param deviationBoundWad The rejected bound (WAD: 0.05e18 = 5%).
    /// @param minWad The smallest accepted.
    /// @param maxWad The largest accepted.
    error InvalidDeviationBound(uint256 deviationBoundWad, uint256 minWad, uint256 maxWad);

    /// @notice The Chainlink ETH/USD aggregator (proxy).
    /// @return The feed.
    function feed() external view returns (address);

    /// @notice The feed's decimals, read at deployment (8 for Chainlink's USD feeds).
    /// @return The decimals.
    function feedDecimals() external view returns (uint8);

    /// @notice The longest age of a feed answer still used, in seconds (the feed's heartbeat, plus a margin).
    /// @return The heartbeat.
    function heartbeatSeconds() external view returns (uint32);

    /// @notice The L2 sequencer-uptime feed; zero on L1.
    /// @return The sequencer feed.
    function sequencerFeed() external view returns (address);

    /// @notice How long after the sequencer comes back up the feed is still distrusted, in seconds (0 on L1).
    /// @return The grace period.
    function gracePeriodSeconds() external view returns (uint32);

    /// @notice The largest relative distance |feed - TWAP| / TWAP still trusted (WAD).
    /// @return The bound.
    function deviationBoundWad() external view returns (uint256);

    /// @notice The feed's answer and the TWAP of this block, normalised to WAD, and the safe-mode reason, for
    ///         monitoring. `feedEthUsdWad` is 0 when the answer is unusable (missing, zero, negative or too large).
    /// @return feedEthUsdWad The feed's answer (WAD), 0 when unusable.
    /// @return twapEthUsdWad The Uniswap ETH/USDC TWAP (WAD).
    /// @return safeModeReason The reason code (0 when the feed is trusted).
    function status()
        external
        view
        returns (uint256 feedEthUsdWad, uint256 twapEthUsdWad, uint256 safeModeReason);
}
