// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IEverlastingOptionPricer} from "../interfaces/IEverlastingOptionPricer.sol";
import {EverlastingMath} from "../libraries/EverlastingMath.sol";
import {OptionFundingMath} from "../libraries/OptionFundingMath.sol";
import {OptionMarketMath} from "../libraries/OptionMarketMath.sol";
import {PremiumFundingMath} from "../libraries/PremiumFundingMath.sol";

/// @title EverlastingOptionPricer
/// @notice Stateless, deployable pricer for continuously funded everlasting options (Black-Scholes, zero
///         rates) and power perpetuals with normalization-factor funding (Squeeth's rule and the exchanges'
///         premium-index rule, `PremiumFundingMath`). Every function forwards to
///         `EverlastingMath`, which other contracts can also call internally.
/// @dev Closed forms, with u = sqrt(1 + 8 / (sigma^2 T)), l = ln(S / K), T = fundingPeriod / 365 days:
///      W = (sqrt(S K) / u) exp(-u |l| / 2); call = max(S - K, 0) + W; put = max(K - S, 0) + W;
///      call delta = (u + 1) W / (2S) below K and 1 - (u - 1) W / (2S) at or above K; put delta = call - 1;
///      gamma = W (u^2 - 1) / (4 S^2); vega = (1 - 1/u^2)(1 + u |l| / 2) W / sigma;
///      power perpetual mark = S^n exp(n (n - 1) sigma^2 T / 2); funding = (mark - payoff) / fundingPeriod.
contract EverlastingOptionPricer is IEverlastingOptionPricer {
    /// @inheritdoc IEverlastingOptionPricer
    function callPrice(
        uint256 spot,
        uint256 strike,
        uint256 volatility,
        uint256 fundingPeriod
    ) external pure returns (uint256 price) {
        price = EverlastingMath.callPrice(spot, strike, volatility, fundingPeriod);
    }

    /// @inheritdoc IEverlastingOptionPricer
    function putPrice(
        uint256 spot,
        uint256 strike,
        uint256 volatility,
        uint256 fundingPeriod
    ) external pure returns (uint256 price) {
        price = EverlastingMath.putPrice(spot, strike, volatility, fundingPeriod);
    }

    /// @inheritdoc IEverlastingOptionPricer
    function timeValue(
        uint256 spot,
        uint256 strike,
        uint256 volatility,
        uint256 fundingPeriod
    ) external pure returns (uint256 value) {
        value = EverlastingMath.timeValue(spot, strike, volatility, fundingPeriod);
    }

    /// @inheritdoc IEverlastingOptionPricer
    function callDelta(
        uint256 spot,
        uint256 strike,
        uint256 volatility,
        uint256 fundingPeriod
    ) external pure returns (int256 delta) {
        delta = EverlastingMath.callDelta(spot, strike, volatility, fundingPeriod);
    }

    /// @inheritdoc IEverlastingOptionPricer
    function putDelta(
        uint256 spot,
        uint256 strike,
        uint256 volatility,
        uint256 fundingPeriod
    ) external pure returns (int256 delta) {
        delta = EverlastingMath.putDelta(spot, strike, volatility, fundingPeriod);
    }

    /// @inheritdoc IEverlastingOptionPricer
    function gamma(
        uint256 spot,
        uint256 strike,
        uint256 volatility,
        uint256 fundingPeriod
    ) external pure returns (uint256 value) {
        value = EverlastingMath.gamma(spot, strike, volatility, fundingPeriod);
    }

    /// @inheritdoc IEverlastingOptionPricer
    function vega(
        uint256 spot,
        uint256 strike,
        uint256 volatility,
        uint256 fundingPeriod
    ) external pure returns (uint256 value) {
        value = EverlastingMath.vega(spot, strike, volatility, fundingPeriod);
    }

    /// @inheritdoc IEverlastingOptionPricer
    function impliedVolatility(
        uint256 optionPrice,
        uint256 spot,
        uint256 strike,
        uint256 fundingPeriod,
        bool isCall
    ) external pure returns (uint256 volatility) {
        volatility = EverlastingMath.impliedVolatility(optionPrice, spot, strike, fundingPeriod, isCall);
    }

    /// @inheritdoc IEverlastingOptionPricer
    function powerPerpFairPrice(
        uint256 spot,
        uint256 power,
        uint256 volatility,
        uint256 fundingPeriod
    ) external pure returns (uint256 price) {
        price = EverlastingMath.powerPerpFairPrice(spot, power, volatility, fundingPeriod);
    }

    /// @inheritdoc IEverlastingOptionPricer
    function powerPerpImpliedVolatility(
        uint256 mark,
        uint256 index,
        uint256 power,
        uint256 fundingPeriod
    ) external pure returns (uint256 volatility) {
        volatility = EverlastingMath.powerPerpImpliedVolatility(mark, index, power, fundingPeriod);
    }

    /// @inheritdoc IEverlastingOptionPricer
    function fundingRate(
        uint256 markPrice,
        uint256 payoff,
        uint256 fundingPeriod
    ) external pure returns (int256 rate) {
        rate = EverlastingMath.fundingRate(markPrice, payoff, fundingPeriod);
    }

    /// @inheritdoc IEverlastingOptionPricer
    function optionNormalizationFactor(
        uint256 normalizationFactor,
        uint256 payoffUsdWad,
        uint256 tokenPriceEthWad,
        uint256 ethPriceWad,
        uint256 bandFloorWad,
        uint256 bandCapWad,
        uint256 elapsedSeconds,
        uint256 fundingPeriodSeconds
    ) external pure returns (uint256) {
        return
            OptionFundingMath.nextNormalizationFactor(
                normalizationFactor,
                payoffUsdWad,
                tokenPriceEthWad,
                ethPriceWad,
                OptionFundingMath.band(bandFloorWad, bandCapWad),
                elapsedSeconds,
                fundingPeriodSeconds
            );
    }

    /// @inheritdoc IEverlastingOptionPricer
    function optionFundingRatePerDay(
        uint256 normalizationFactor,
        uint256 payoffUsdWad,
        uint256 tokenPriceEthWad,
        uint256 ethPriceWad,
        uint256 bandFloorWad,
        uint256 bandCapWad,
        uint256 fundingPeriodSeconds
    ) external pure returns (int256) {
        return
            OptionFundingMath.fundingRatePerDayWad(
                normalizationFactor,
                payoffUsdWad,
                tokenPriceEthWad,
                ethPriceWad,
                OptionFundingMath.band(bandFloorWad, bandCapWad),
                fundingPeriodSeconds
            );
    }

    /// @inheritdoc IEverlastingOptionPricer
    function optionDebtValuePerToken(
        bool isCall,
        uint256 strikeWad,
        uint256 floorVolatilityWad,
        uint256 fundingPeriodSeconds,
        uint256 normalizationFactor,
        uint256 ethPriceWad,
        uint256 tokenPriceWad
    ) external pure returns (uint256) {
        return
            OptionMarketMath.debtValuePerTokenWad(
                isCall,
                strikeWad,
                floorVolatilityWad,
                fundingPeriodSeconds,
                normalizationFactor,
                ethPriceWad,
                tokenPriceWad
            );
    }

    /// @inheritdoc IEverlastingOptionPricer
    function invalidOptionTerm(
        uint256 strikeWad,
        uint256 floorVolatilityWad,
        uint256 bandFloorWad,
        uint256 bandCapWad
    ) external pure returns (string memory) {
        return OptionMarketMath.invalidTerm(strikeWad, floorVolatilityWad, bandFloorWad, bandCapWad);
    }

    /// @inheritdoc IEverlastingOptionPricer
    function premiumNormalizationFactor(
        uint256 normalizationFactor,
        uint256 markIndexRatioWad,
        uint256 interestRatePerPeriodWad,
        uint256 premiumClampWad,
        uint256 markRatioFloorWad,
        uint256 markRatioCapWad,
        uint256 elapsedSeconds,
        uint256 fundingPeriodSeconds
    ) external pure returns (uint256) {
        return
            PremiumFundingMath.nextNormalizationFactor(
                normalizationFactor,
                markIndexRatioWad,
                PremiumFundingMath.terms(
                    interestRatePerPeriodWad,
                    premiumClampWad,
                    markRatioFloorWad,
                    markRatioCapWad
                ),
                elapsedSeconds,
                fundingPeriodSeconds
            );
    }

    /// @inheritdoc IEverlastingOptionPricer
    function premiumFundingRatePerDay(
        uint256 markIndexRatioWad,
        uint256 interestRatePerPeriodWad,
        uint256 premiumClampWad,
        uint256 markRatioFloorWad,
        uint256 markRatioCapWad,
        uint256 fundingPeriodSeconds
    ) external pure returns (int256) {
        return
            PremiumFundingMath.ratePerDayWad(
                markIndexRatioWad,
                PremiumFundingMath.terms(
                    interestRatePerPeriodWad,
                    premiumClampWad,
                    markRatioFloorWad,
                    markRatioCapWad
                ),
                fundingPeriodSeconds
            );
    }

    /// @inheritdoc IEverlastingOptionPricer
    function invalidPremiumTerm(
        uint256 interestRatePerPeriodWad,
        uint256 premiumClampWad,
        uint256 markRatioFloorWad,
        uint256 markRatioCapWad
    ) external pure returns (string memory) {
        return
            PremiumFundingMath.invalidTerm(
                interestRatePerPeriodWad,
                premiumClampWad,
                markRatioFloorWad,
                markRatioCapWad
            );
    }
}
