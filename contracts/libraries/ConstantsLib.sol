// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ConstantsLib
/// @notice The engine's fixed limits, in one place, with their units.
library ConstantsLib {
    /// @notice 1 in 18-decimal fixed point.
    uint256 internal constant WAD = 1e18;
    /// @notice Basis points in 1.
    uint256 internal constant BPS = 10_000;
    /// @notice The largest power n of a power market.
    uint256 internal constant MAX_POWER = 4;
    /// @notice The largest cap of mark / index for funding (WAD).
    uint256 internal constant MARK_RATIO_CAP_MAX_WAD = 10e18;
    /// @notice The largest liquidation bonus (WAD, 0.5e18 = 50%).
    uint256 internal constant MAX_LIQUIDATION_BONUS_WAD = 0.5e18;
    /// @notice The largest mint fee, in basis points (1%).
    uint256 internal constant MAX_FEE_BPS = 100;
    /// @notice Pauses the owner has per market.
    uint256 internal constant MAX_PAUSES = 4;
    /// @notice How long after a market's creation the owner may pause it, in seconds.
    uint256 internal constant PAUSE_WINDOW_SECONDS = 182 days;
    /// @notice How long a pause lasts before anyone may unpause, in seconds.
    uint256 internal constant UNPAUSE_DELAY_SECONDS = 1 days;
    /// @notice After every unpause liquidations stay closed this long, in seconds, while every vault action is
    ///         open (M-1): owners can restore vaults that became unsafe while paused, and the TWAPs refresh.
    uint256 internal constant LIQUIDATION_GRACE_SECONDS = 1 hours;
    /// @notice The largest option strike, in USD (WAD): the pricer's price domain (and below 2^128 for funding).
    uint256 internal constant MAX_STRIKE_WAD = 1e36;
    /// @notice The smallest floor volatility of an option market (WAD, 0.01e18 = 1% a year): zero would value an
    ///         out-of-the-money option's debt at nothing.
    uint256 internal constant MIN_FLOOR_VOLATILITY_WAD = 0.01e18;
    /// @notice The largest floor volatility of an option market (WAD, 10e18 = 1,000% a year).
    uint256 internal constant MAX_FLOOR_VOLATILITY_WAD = 10e18;
    /// @notice The adverse ETH move an option short's debt is valued after (WAD, 0.2e18 = 20%: up for a call, down
    ///         for a put), so that a vault minted at the limit still covers the market price after such a move.
    uint256 internal constant OPTION_STRESS_MOVE_WAD = 0.2e18;
    /// @notice How far an option vault's collateral ratio may fall below the minimum before it is liquidatable
    ///         (WAD, 0.2e18: liquidatable below minimum / 1.2, so 125% for a 150% market). A push of the option pool's
    ///         TWAP must exceed this to make a vault minted at the limit liquidatable (`Health`).
    uint256 internal constant OPTION_LIQUIDATION_BUFFER_WAD = 0.2e18;
}
