// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IGuardedPriceSource
/// @notice A price source that can report itself degraded: the engine's seam `IPriceSource` with two more return
///         words. `prices()` has the same selector and its first two words mean what they mean in `IPriceSource`,
///         so every reader that decodes two words (the lens, the keeper helper, `createMarket`'s copy check) reads a
///         guarded source as a plain one. The engine reads the whole answer and, when `safeModeReason` is not
///         `SAFE_MODE_NONE`, puts the market in safe mode for the block: no new debt, no withdrawal that lowers a
///         vault's collateral ratio, and S taken as the more conservative of `ethUsdWad` and `referenceEthUsdWad`
///         for the market's debt (`Product.conservativeEthPriceWad`).
/// @dev Not declared as `is IPriceSource`: Solidity cannot override a function with more return values, and the
///      ABI of the first two words is the same. Stateless, as `IPriceSource` requires.
interface IGuardedPriceSource {
    /// @notice The prices of this block and whether the source trusts them.
    /// @return ethUsdWad S in USD per ETH (WAD): the primary source's price (the TWAP when the primary is unusable).
    /// @return tokenEthWad q in ETH per market token (WAD).
    /// @return referenceEthUsdWad The reference S the primary is checked against (WAD), e.g. the Uniswap TWAP.
    /// @return safeModeReason `SAFE_MODE_NONE` (0) when the price can be trusted, otherwise why not (the reason
    ///         codes of `IChainlinkTwapPrices`).
    function prices()
        external
        view
        returns (uint256 ethUsdWad, uint256 tokenEthWad, uint256 referenceEthUsdWad, uint256 safeModeReason);

    /// @notice The market token the source prices (checked by `createMarket`).
    /// @return The token.
    function token() external view returns (address);
}

/// @title SafeModeReason
/// @notice The reason codes a guarded source reports in `safeModeReason` (and the engine in `SafeModeEntered`).
library SafeModeReason {
    /// @notice The primary price is trusted: no safe mode.
    uint256 internal constant NONE = 0;
    /// @notice The feed's last answer is older than the heartbeat.
    uint256 internal constant STALE = 1;
    /// @notice The feed's answer is zero, negative, larger than the sanity cap, or the feed cannot be read.
    uint256 internal constant INVALID_ANSWER = 2;
    /// @notice The L2 sequencer is down (or its uptime feed cannot be read).
    uint256 internal constant SEQUENCER_DOWN = 3;
    /// @notice The L2 sequencer came back up less than the grace period ago.
    uint256 internal constant SEQUENCER_GRACE_PERIOD = 4;
    /// @notice The feed and the TWAP differ by more than the deviation bound.
    uint256 internal constant DEVIATION = 5;
}
