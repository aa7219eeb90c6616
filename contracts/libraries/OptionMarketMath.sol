// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";

import {ConstantsLib as C} from "./ConstantsLib.sol";
import {EverlastingMath} from "./EverlastingMath.sol";
import {OptionFundingMath} from "./OptionFundingMath.sol";

/// @title OptionMarketMath
/// @notice The everlasting-option side of the product seam, run inside the `EverlastingOptionPricer` so that the
///         engine carries no option math: the health rule's debt value of one option token and the validation of an
///         option market's terms. `Product` dispatches to it through the pricer.
library OptionMarketMath {
    /// @notice The ETH value of one token of an option short's debt for the health rule (WAD, rounded up):
    ///             a(x) = NF * V(x) / x,  debt value = a(S') * max(1, q / a(S)),
    ///         V the everlasting fair value at the floor volatility, S' = S * (1 + m) for a call and S * (1 - m)
    ///         for a put, m = `ConstantsLib.OPTION_STRESS_MOVE_WAD` (20%). a is increasing in S for a call and
    ///         decreasing for a put, so the value is at least NF * V(S) / S (hence the payoff, V >= payoff) and at
    ///         least q; a vault minted at the limit still covers the market price after a 20% adverse move as long
    ///         as the market reprices the option by no more than the floor model (docs/spec.md, "Option markets").
    /// @param isCall Call (true) or put (false).
    /// @param strikeWad K, USD (WAD).
    /// @param floorVolatilityWad The floor volatility (WAD).
    /// @param fundingPeriodSeconds T, seconds.
    /// @param normalizationFactor NF (WAD).
    /// @param ethPriceWad S, USD per ETH (WAD).
    /// @param tokenPriceWad q, the token's market price in ETH (WAD).
    /// @return The debt value of one token in ETH (WAD).
    function debtValuePerTokenWad(
        bool isCall,
        uint256 strikeWad,
        uint256 floorVolatilityWad,
        uint256 fundingPeriodSeconds,
        uint256 normalizationFactor,
        uint256 ethPriceWad,
        uint256 tokenPriceWad
    ) internal pure returns (uint256) {
        uint256 stressedSpot =
            isCall
                ? FPML.mulWadUp(ethPriceWad, C.WAD + C.OPTION_STRESS_MOVE_WAD)
                : FPML.mulWad(ethPriceWad, C.WAD - C.OPTION_STRESS_MOVE_WAD);
        // The fair value is rounded down: one more wei of USD rounds the stressed value up.
        uint256 stressedFair = _fairValue(
            isCall,
            stressedSpot,
            strikeWad,
            floorVolatilityWad,
            fundingPeriodSeconds
        );
        uint256 stressedEth = FPML.fullMulDivUp(normalizationFactor, stressedFair + 1, stressedSpot);
        uint256 nowFair = _fairValue(
            isCall,
            ethPriceWad,
            strikeWad,
            floorVolatilityWad,
            fundingPeriodSeconds
        );
        uint256 nowEth = FPML.fullMulDiv(normalizationFactor, nowFair, ethPriceWad);
        if (tokenPriceWad <= nowEth) return stressedEth;
        if (nowEth == 0) return stressedEth > tokenPriceWad ? stressedEth : tokenPriceWad;
        // nowEth, rounded down, divides: the scaled value rounds up.
        return FPML.fullMulDivUp(stressedEth, tokenPriceWad, nowEth);
    }

    /// @notice The first option term a market cannot have, or "" when all are valid: the strike within the pricer's
    ///         domain, the floor volatility within [1%, 1,000%], and the funding band on payoff / mark within
    ///         `OptionFundingMath`'s bounds (floor 0 to 0.5, cap 1 to 2).
    /// @param strikeWad K, USD (WAD).
    /// @param floorVolatilityWad The floor volatility (WAD).
    /// @param bandFloorWad The band's floor (WAD).
    /// @param bandCapWad The band's cap (WAD).
    /// @return The name of the invalid `MarketParams` field, or "".
    function invalidTerm(
        uint256 strikeWad,
        uint256 floorVolatilityWad,
        uint256 bandFloorWad,
        uint256 bandCapWad
    ) internal pure returns (string memory) {
        if (strikeWad == 0 || strikeWad > C.MAX_STRIKE_WAD) return "strikeWad";
        if (
            floorVolatilityWad < C.MIN_FLOOR_VOLATILITY_WAD || floorVolatilityWad > C.MAX_FLOOR_VOLATILITY_WAD
        ) {
            return "floorVolatilityWad";
        }
        if (bandFloorWad > OptionFundingMath.FLOOR_MAX_WAD) return "markRatioFloorWad";
        if (bandCapWad < OptionFundingMath.CAP_MIN_WAD || bandCapWad > OptionFundingMath.CAP_MAX_WAD) {
            return "markRatioCapWad";
        }
        return "";
    }

    /// @dev The everlasting fair value (USD, WAD, rounded down).
    function _fairValue(
        bool isCall,
        uint256 spot,
        uint256 strikeWad,
        uint256 volatilityWad,
        uint256 fundingPeriodSeconds
    ) private pure returns (uint256) {
        return
            isCall
                ? EverlastingMath.callPrice(spot, strikeWad, volatilityWad, fundingPeriodSeconds)
                : EverlastingMath.putPrice(spot, strikeWad, volatilityWad, fundingPeriodSeconds);
    }
}
