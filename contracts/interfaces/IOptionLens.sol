// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice One everlasting option market's prices and Greeks per unit of payoff claim, now (funding applied in this
///         block). Prices in USD (WAD); the pricer's units (`IEverlastingOptionPricer`).
/// @param marketId The market.
/// @param isCall True for a call, false for a put.
/// @param strikeWad The strike K (USD, WAD).
/// @param ethPriceWad S (USD per ETH, WAD).
/// @param payoffWad The payoff at S: max(S - K, 0) or max(K - S, 0) (USD, WAD).
/// @param markWad The mark per unit of claim, q * S / NF (USD, WAD).
/// @param impliedVolatilityWad The volatility the mark implies (WAD, 1e18 = 100%); 0 when none does.
/// @param pricingVolatilityWad The volatility the fair value and Greeks use: the implied volatility, or the market's
///        floor volatility when the implied volatility is 0.
/// @param fairValueWad The everlasting fair value at the pricing volatility (USD, WAD): the mark, to the inversion's
///        rounding, whenever a volatility explains the mark.
/// @param fundingRatePerDayWad The funding rate per day (WAD; positive: longs pay).
/// @param deltaWad dV/dS of one unit of claim (WAD, signed: USD per USD, i.e. ETH per unit of claim).
/// @param gammaWad d2V/dS2 of one unit of claim (WAD, per USD).
/// @param vegaWad dV/dsigma of one unit of claim (USD per 1.0 of volatility, WAD).
struct OptionReport {
    uint32 marketId;
    bool isCall;
    uint256 strikeWad;
    uint256 ethPriceWad;
    uint256 payoffWad;
    uint256 markWad;
    uint256 impliedVolatilityWad;
    uint256 pricingVolatilityWad;
    uint256 fairValueWad;
    int256 fundingRatePerDayWad;
    int256 deltaWad;
    uint256 gammaWad;
    uint256 vegaWad;
}

/// @title IOptionLens
/// @notice The lens's everlasting-option views: fair value and Greeks from the engine's pricer at the mark's implied
///         volatility (the floor volatility when the mark implies none), per market and per vault.
interface IOptionLens {
    /// @notice Thrown when an option view is asked of a power market.
    /// @param marketId The market.
    error NotAnOptionMarket(uint32 marketId);

    /// @notice An option market's payoff, mark, implied volatility, fair value, funding and per-claim Greeks.
    /// @param marketId The market (an option).
    function optionReport(uint32 marketId) external view returns (OptionReport memory);

    /// @notice The Greeks of a vault's short position: -NF * debt * the pricer's Greek per unit of claim, at the
    ///         report's pricing volatility. The position's USD value is -debt * NF * V(S) (q * S per token at
    ///         mark), so:
    /// @param vaultId The vault (in an option market).
    /// @return deltaWad d(position value in USD)/dS: ETH (WAD, signed; negative for a short call).
    /// @return gammaWad d2(position value in USD)/dS2: ETH per USD (WAD, signed; never positive for a short).
    /// @return vegaWad d(position value in USD)/dsigma: USD per 1.0 of volatility (WAD, signed; never positive).
    function vaultGreeks(
        uint256 vaultId
    ) external view returns (int256 deltaWad, int256 gammaWad, int256 vegaWad);
}
