// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";

import {MarketParams} from "../types/MarketConfig.sol";
import {FundingMath} from "./FundingMath.sol";
import {PowerPerpMath} from "./PowerPerpMath.sol";
import {VaultMath} from "./VaultMath.sol";

/// @title Product
/// @notice The product seam: the only code that knows what a market's token is a claim on. Everything the engine,
///         the lens and the keeper helper need from a product is here: the ETH value of one token (which prices
///         debt for health and claims at settlement), the index, and mark / index (which drives funding).
/// @dev A new kind is added here (and validated in `createMarket`); no entry point of the engine changes. Only
///      `ProductKind.Power` exists so far: one token is worth NF * S^n / scale in USD, NF * S^(n-1) / scale in ETH.
library Product {
    /// @notice The ETH value of one token at index (WAD): NF * S^(n-1) / scale for a power perpetual.
    /// @param params The market's terms.
    /// @param normalizationFactor NF (WAD).
    /// @param ethPriceWad S, USD per ETH (WAD).
    /// @param roundUp Round up (debt, favouring the protocol) or down (claims and payouts).
    /// @return The value in ETH (WAD).
    function valuePerTokenWad(
        MarketParams memory params,
        uint256 normalizationFactor,
        uint256 ethPriceWad,
        bool roundUp
    ) internal pure returns (uint256) {
        return
            PowerPerpMath.valuePerTokenWad(
                normalizationFactor,
                ethPriceWad,
                params.power,
                params.indexScale,
                roundUp
            );
    }

    /// @notice The ETH value of one token's debt, rounded up: the price every health check uses.
    /// @param params The market's terms.
    /// @param normalizationFactor NF (WAD).
    /// @param ethPriceWad S (WAD).
    /// @return The value in ETH (WAD).
    function debtValuePerTokenWad(
        MarketParams memory params,
        uint256 normalizationFactor,
        uint256 ethPriceWad
    ) internal pure returns (uint256) {
        return valuePerTokenWad(params, normalizationFactor, ethPriceWad, true);
    }

    /// @notice The index in USD (WAD): S^n / scale for a power perpetual, rounded down.
    /// @param params The market's terms.
    /// @param ethPriceWad S (WAD).
    /// @return The index (WAD).
    function indexWad(MarketParams memory params, uint256 ethPriceWad) internal pure returns (uint256) {
        return PowerPerpMath.indexWad(ethPriceWad, params.power, params.indexScale);
    }

    /// @notice mark / index, the premium that drives funding: q * scale / (NF * S^(n-1)), rounded down.
    /// @param params The market's terms.
    /// @param normalizationFactor NF (WAD).
    /// @param ethPriceWad S (WAD).
    /// @param tokenPriceWad q, the token's market price in ETH (WAD).
    /// @return The ratio (WAD).
    function markIndexRatioWad(
        MarketParams memory params,
        uint256 normalizationFactor,
        uint256 ethPriceWad,
        uint256 tokenPriceWad
    ) internal pure returns (uint256) {
        return
            PowerPerpMath.markIndexRatioWad(
                tokenPriceWad,
                ethPriceWad,
                normalizationFactor,
                params.power,
                params.indexScale
            );
    }

    /// @notice The first of `params`' product terms that the engine does not support, or "" when they are valid
    ///         (checked once, by `createMarket`).
    /// @param params The market's terms.
    /// @param maxPower The largest power allowed.
    /// @return parameter The name of the invalid term ("" for none).
    function invalidTerm(
        MarketParams memory params,
        uint256 maxPower
    ) internal pure returns (string memory parameter) {
        // The ABI decoder already rejects kinds that do not exist; every kind so far is a power.
        if (params.power == 0 || params.power > maxPower) return "power";
        if (params.indexScale == 0) return "indexScale";
        return "";
    }

    /// @notice The ETH price (WAD) at which a vault reaches the minimum ratio with normalization factor `nf`; 0 when
    ///         it has no debt or when its health does not depend on the ETH price (n = 1).
    /// @param params The market's terms.
    /// @param collateral The vault's collateral in wei.
    /// @param debt The vault's debt in token units.
    /// @param normalizationFactor NF (WAD).
    /// @return The price (WAD).
    function liquidationPriceWad(
        MarketParams memory params,
        uint256 collateral,
        uint256 debt,
        uint256 normalizationFactor
    ) internal pure returns (uint256) {
        return
            VaultMath.liquidationPriceWad(
                collateral,
                debt,
                normalizationFactor,
                params.minCollateralRatioWad,
                params.power,
                params.indexScale
            );
    }

    /// @notice The annualised volatility implied by mark / index (WAD): sqrt(2 ln(mark / index) / (n (n - 1) T)) for
    ///         a power perpetual, T the funding period in years; zero when mark <= index or n = 1.
    /// @param params The market's terms.
    /// @param markIndexRatio mark / index (WAD).
    /// @return The volatility (WAD, 1e18 = 100%).
    function impliedVolatilityWad(
        MarketParams memory params,
        uint256 markIndexRatio
    ) internal pure returns (uint256) {
        return FundingMath.impliedVolatilityWad(markIndexRatio, params.power, params.fundingPeriodSeconds);
    }

    /// @notice The price of one token for liquidation payouts and the mint fee (S-1/S-2): the market price q, capped
    ///         at its debt value at index times the funding clamp's cap, so that a thin pool held high cannot raise
    ///         payouts or fees beyond what funding accepts.
    /// @param params The market's terms.
    /// @param tokenPriceWad q (WAD, ETH per token).
    /// @param debtValuePerTokenWad_ The ETH value of one token's debt (WAD).
    /// @return The capped price (WAD).
    function cappedTokenPriceWad(
        MarketParams memory params,
        uint256 tokenPriceWad,
        uint256 debtValuePerTokenWad_
    ) internal pure returns (uint256) {
        uint256 cap = FPML.mulWad(debtValuePerTokenWad_, params.markRatioCapWad);
        return tokenPriceWad < cap ? tokenPriceWad : cap;
    }
}
