// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";

import {IEverlastingOptionPricer} from "../interfaces/IEverlastingOptionPricer.sol";
import {FundingRule, MarketParams, ProductKind} from "../types/MarketConfig.sol";
import {ConstantsLib as C} from "./ConstantsLib.sol";
import {FundingMath} from "./FundingMath.sol";
import {Health} from "./Health.sol";
import {OptionFundingMath} from "./OptionFundingMath.sol";
import {PowerPerpMath} from "./PowerPerpMath.sol";
import {VaultMath} from "./VaultMath.sol";

/// @title Product
/// @notice The product seam: the only code that knows what a market's token is a claim on. Everything the engine,
///         the lens and the keeper helper need from a product is here: the ETH value of one token (which prices
///         debt for health and claims at settlement), the index, and the validation of a kind's terms.
/// @dev Kinds:
///      - `Power`: one token is worth NF * S^n / scale in USD, NF * S^(n-1) / scale in ETH; funding at mark / index
///        (`FundingMath`).
///      - `Call` / `Put` (strike K): one token is a claim on NF * payoff(S), payoff = max(S - K, 0) or
///        max(K - S, 0) in USD, so NF * payoff / S in ETH at settlement; funding at payoff / mark
///        (`OptionFundingMath`, run by the pricer contract to keep the engine small). A short's debt is valued for
///        health with the deployed `EverlastingOptionPricer` at the market's floor volatility after a 20% adverse
///        ETH move, and never below the token's own market price (`debtValuePerTokenWad`): an out-of-the-money
///        option is not free to write, and a vault is never healthier than the market says.
///      A new kind is added here; no entry point of the engine changes.
library Product {
    /// @notice Whether the market is an everlasting option (call or put).
    /// @param params The market's terms.
    /// @return Whether the kind is `Call` or `Put`.
    function isOption(MarketParams memory params) internal pure returns (bool) {
        return params.kind != ProductKind.Power;
    }

    /// @notice An option's payoff at S in USD (WAD): max(S - K, 0) for a call, max(K - S, 0) for a put.
    /// @param params The market's terms (an option).
    /// @param ethPriceWad S, USD per ETH (WAD).
    /// @return The payoff in USD (WAD).
    function payoffWad(MarketParams memory params, uint256 ethPriceWad) internal pure returns (uint256) {
        return OptionFundingMath.payoffWad(params.kind == ProductKind.Call, ethPriceWad, params.strikeWad);
    }

    /// @notice Of two ETH/USD prices, the one that values the market's debt higher (the conservative price for a
    ///         vault in safe mode): the higher for a power perpetual and a call (their value rises with S), the
    ///         lower for a put.
    /// @param params The market's terms.
    /// @param ethPriceWad One S (WAD).
    /// @param referenceEthPriceWad The other S (WAD).
    /// @return The conservative S (WAD).
    function conservativeEthPriceWad(
        MarketParams memory params,
        uint256 ethPriceWad,
        uint256 referenceEthPriceWad
    ) internal pure returns (uint256) {
        bool higher = params.kind != ProductKind.Put;
        return (ethPriceWad > referenceEthPriceWad) == higher ? ethPriceWad : referenceEthPriceWad;
    }

    /// @notice The ETH value of one token at index (WAD): NF * S^(n-1) / scale for a power perpetual, NF * payoff / S
    ///         for an option (its claim at settlement).
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
        if (isOption(params)) {
            uint256 payoff = payoffWad(params, ethPriceWad);
            return
                roundUp
                    ? FPML.fullMulDivUp(normalizationFactor, payoff, ethPriceWad)
                    : FPML.fullMulDiv(normalizationFactor, payoff, ethPriceWad);
        }
        return
            PowerPerpMath.valuePerTokenWad(
                normalizationFactor,
                ethPriceWad,
                params.power,
                params.indexScale,
                roundUp
            );
    }

    /// @notice The ETH value of one token of debt for the health rule (WAD), rounded up (favouring the protocol).
    ///         Power: its value at index. Option: the floor model's value after a 20% adverse ETH move, scaled up
    ///         by how rich the market prices the option over the floor model, never below q
    ///         (`OptionMarketMath.debtValuePerTokenWad`, run by the pricer).
    /// @param params The market's terms.
    /// @param pricer The everlasting-option pricer (called for options only).
    /// @param normalizationFactor NF (WAD).
    /// @param ethPriceWad S, USD per ETH (WAD).
    /// @param tokenPriceWad q, the token's market price in ETH (WAD); read only for options.
    /// @return The debt value of one token in ETH (WAD).
    function debtValuePerTokenWad(
        MarketParams memory params,
        IEverlastingOptionPricer pricer,
        uint256 normalizationFactor,
        uint256 ethPriceWad,
        uint256 tokenPriceWad
    ) internal pure returns (uint256) {
        if (!isOption(params)) return valuePerTokenWad(params, normalizationFactor, ethPriceWad, true);
        return
            pricer.optionDebtValuePerToken(
                params.kind == ProductKind.Call,
                params.strikeWad,
                params.floorVolatilityWad,
                params.fundingPeriodSeconds,
                normalizationFactor,
                ethPriceWad,
                tokenPriceWad
            );
    }

    /// @notice Whether a vault's collateral falls short of what its debt is worth at index, the flag of the H-1 rule
    ///         (`LiquidationMath`: a vault solvent at index is liquidated whole when it cannot cover its debt at the
    ///         payout price). Power: the debt at its value per token. Option: the debt at its claim,
    ///         NF * payoff(S) / S per token rounded up — what it owes at settlement — not the health rule's stressed
    ///         value, so that an option vault covering its claim is never liquidated in parts into bad debt (O-1).
    /// @param params The market's terms.
    /// @param collateral The vault's collateral (wei).
    /// @param debt The vault's debt (token units).
    /// @param debtValuePerTokenWad_ The health rule's value of one token (WAD; used for power markets).
    /// @param normalizationFactor NF (WAD).
    /// @param ethPriceWad S (WAD).
    /// @return Whether the collateral is below the debt's value at index.
    function insolventAtIndex(
        MarketParams memory params,
        uint256 collateral,
        uint256 debt,
        uint256 debtValuePerTokenWad_,
        uint256 normalizationFactor,
        uint256 ethPriceWad
    ) internal pure returns (bool) {
        uint256 perToken =
            isOption(params)
                ? valuePerTokenWad(params, normalizationFactor, ethPriceWad, true)
                : debtValuePerTokenWad_;
        return collateral < VaultMath.debtValue(debt, perToken);
    }

    /// @notice The index in USD (WAD): S^n / scale for a power perpetual, the payoff for an option.
    /// @param params The market's terms.
    /// @param ethPriceWad S (WAD).
    /// @return The index (WAD).
    function indexWad(MarketParams memory params, uint256 ethPriceWad) internal pure returns (uint256) {
        if (isOption(params)) return payoffWad(params, ethPriceWad);
        return PowerPerpMath.indexWad(ethPriceWad, params.power, params.indexScale);
    }

    /// @notice A power perpetual's mark / index (WAD), which drives its funding and implies its volatility.
    /// @param params The market's terms (a power perpetual).
    /// @param normalizationFactor NF (WAD).
    /// @param ethPriceWad S (WAD).
    /// @param tokenPriceWad q, ETH per token (WAD).
    /// @return mark / index (WAD).
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

    /// @notice The first term of `params` that a market of its kind cannot have, or "" when all are valid. The
    ///         terms common to every kind (minimum ratio, funding period, liquidation bonus) are checked by the
    ///         engine.
    /// @param params The proposed terms.
    /// @param pricer The everlasting-option pricer (validates option terms: `OptionMarketMath.invalidTerm`).
    /// @return parameter The name of the invalid field, or "".
    function invalidTerm(
        MarketParams memory params,
        IEverlastingOptionPricer pricer
    ) internal pure returns (string memory parameter) {
        if (!isOption(params)) {
            if (params.power == 0 || params.power > C.MAX_POWER) return "power";
            if (params.indexScale == 0) return "indexScale";
            if (params.strikeWad != 0) return "strikeWad";
            if (params.floorVolatilityWad != 0) return "floorVolatilityWad";
            if (params.fundingRule == FundingRule.PremiumIndex) {
                return
                    pricer.invalidPremiumTerm(
                        params.interestRatePerPeriodWad,
                        params.premiumClampWad,
                        params.markRatioFloorWad,
                        params.markRatioCapWad
                    );
            }
            if (params.markRatioFloorWad == 0 || params.markRatioFloorWad > C.WAD) return "markRatioFloorWad";
            if (params.markRatioCapWad < C.WAD || params.markRatioCapWad > C.MARK_RATIO_CAP_MAX_WAD) {
                return "markRatioCapWad";
            }
            return _invalidStandardRuleTerm(params);
        }
        if (params.power != 0) return "power";
        if (params.indexScale != 1) return "indexScale";
        if (params.fundingRule != FundingRule.Standard) return "fundingRule";
        // A vault at the liquidation ratio (minimum / 1.2) must still cover its debt and the liquidation bonus.
        if (Health.liquidationRatioWad(params) <= C.WAD + params.liquidationBonusWad)
            return "minCollateralRatioWad";
        string memory ruleTerm = _invalidStandardRuleTerm(params);
        if (bytes(ruleTerm).length != 0) return ruleTerm;
        return
            pricer.invalidOptionTerm(
                params.strikeWad,
                params.floorVolatilityWad,
                params.markRatioFloorWad,
                params.markRatioCapWad
            );
    }

    /// @dev The `PremiumIndex` terms must be zero under a kind's standard rule.
    function _invalidStandardRuleTerm(MarketParams memory params) private pure returns (string memory) {
        if (params.interestRatePerPeriodWad != 0) return "interestRatePerPeriodWad";
        if (params.premiumClampWad != 0) return "premiumClampWad";
        return "";
    }

    /// @notice A power perpetual's liquidation price: the ETH price at which the vault's ratio reaches the minimum.
    ///         0 for options (their debt value is not a power of S: see the lens).
    /// @param params The market's terms.
    /// @param collateral The vault's collateral (wei).
    /// @param debt The vault's debt (token units).
    /// @param normalizationFactor NF (WAD).
    /// @return The ETH price in USD (WAD).
    function liquidationPriceWad(
        MarketParams memory params,
        uint256 collateral,
        uint256 debt,
        uint256 normalizationFactor
    ) internal pure returns (uint256) {
        if (isOption(params)) return 0;
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

    /// @notice A power perpetual's volatility implied by mark / index (WAD); options: see the lens (the pricer).
    /// @param params The market's terms.
    /// @param markIndexRatio mark / index (WAD).
    /// @return The implied volatility (WAD).
    function impliedVolatilityWad(
        MarketParams memory params,
        uint256 markIndexRatio
    ) internal pure returns (uint256) {
        return FundingMath.impliedVolatilityWad(markIndexRatio, params.power, params.fundingPeriodSeconds);
    }

    /// @notice The price of one token for payouts and fees (WAD): the market price q, capped at the debt value
    ///         times the funding cap (S-1/S-2: a pushed pool cannot drain vaults). For an option the debt value
    ///         includes q, so this is q.
    /// @param params The market's terms.
    /// @param tokenPriceWad q (WAD).
    /// @param debtValuePerTokenWad_ The debt value of one token (WAD).
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
