// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";

import {IEverlastingOptionPricer} from "../interfaces/IEverlastingOptionPricer.sol";
import {IEvergamma} from "../interfaces/IEvergamma.sol";
import {IEvergammaLens} from "../interfaces/IEvergammaLens.sol";
import {Health} from "../libraries/Health.sol";
import {LiquidationInput, LiquidationMath, LiquidationResult} from "../libraries/LiquidationMath.sol";
import {FundingMath} from "../libraries/FundingMath.sol";
import {Market} from "../libraries/Market.sol";
import {PriceSourceLib} from "../libraries/PriceSourceLib.sol";
import {Product} from "../libraries/Product.sol";
import {
    FundingRule,
    MarketConfig,
    MarketConfigLib,
    MarketParams,
    ProductKind
} from "../types/MarketConfig.sol";
import {EngineStorage} from "./EngineStorage.sol";

/// @notice A market as of now: its configuration and stored state, its prices, NF with funding applied now, the ETH
///         value of one token's debt, and whether the engine would accept a liquidation in it.
/// @param marketId The market.
/// @param config Its configuration.
/// @param state Its stored state.
/// @param ethPriceWad S now (WAD).
/// @param tokenPriceWad q now (WAD).
/// @param normalizationFactor NF as `applyFunding` would set it in this block (WAD).
/// @param debtValuePerTokenWad The ETH value of one token's debt (WAD, rounded up).
/// @param liquidationsOpen Running and past the grace period after an unpause.
/// @param pricer The engine's everlasting-option pricer.
struct Snapshot {
    uint32 marketId;
    MarketConfig config;
    Market.State state;
    uint256 ethPriceWad;
    uint256 tokenPriceWad;
    uint256 normalizationFactor;
    uint256 debtValuePerTokenWad;
    bool liquidationsOpen;
    IEverlastingOptionPricer pricer;
}

/// @title MarketSnapshot
/// @notice What the engine's entry points would see in this block, for the periphery (lens and keeper helper): the
///         same price source, the same funding transition (`Market`), the same health rule (`Health`) and the same
///         liquidation arithmetic (`LiquidationMath`), so a view never disagrees with a transaction.
library MarketSnapshot {
    uint256 private constant WAD = 1e18;

    /// @notice The market now; reverts with `MarketNotFound` for an id never created.
    /// @param engine The engine.
    /// @param marketId The market.
    /// @return s The snapshot.
    function load(IEvergamma engine, uint32 marketId) internal view returns (Snapshot memory s) {
        s.marketId = marketId;
        s.state = EngineStorage.marketState(engine, marketId);
        if (s.state.normalizationFactor == 0) revert IEvergammaLens.MarketNotFound(marketId);
        s.config = MarketConfigLib.read(address(engine), marketId);
        // As the engine's next update would price it: the conservative S while a guarded source reports safe mode.
        (s.ethPriceWad, s.tokenPriceWad, ) = PriceSourceLib.marketPrices(
            s.config.priceSource,
            s.config.params
        );
        s.pricer = IEverlastingOptionPricer(engine.optionPricer());
        s.normalizationFactor = Market.nextNormalizationFactor(
            s.state,
            s.config,
            s.pricer,
            s.ethPriceWad,
            s.tokenPriceWad
        );
        s.debtValuePerTokenWad = Product.debtValuePerTokenWad(
            s.config.params,
            s.pricer,
            s.normalizationFactor,
            s.ethPriceWad,
            s.tokenPriceWad
        );
        s.liquidationsOpen =
            Market.isLive(s.state.status) &&
            block.timestamp >= EngineStorage.book(engine, marketId).liquidationsOpenAt;
    }

    /// @notice The mark in USD per unit of claim, q * S / NF (WAD): a power token's price over NF, an option's
    ///         price per unit of payoff claim.
    /// @param s The snapshot.
    /// @return The mark (WAD).
    function markWad(Snapshot memory s) internal pure returns (uint256) {
        return FPML.fullMulDiv(s.tokenPriceWad, s.ethPriceWad, s.normalizationFactor);
    }

    /// @notice The funding rate per day now (WAD, positive when longs pay): ln(clamped mark / index) * 1 day / T for
    ///         a power perpetual (the exchanges' F * 1 day / T with the `PremiumIndex` rule),
    ///         (1 - clamped payoff / mark) * 1 day / T for an option (from the pricer).
    /// @param s The snapshot.
    /// @return The rate (WAD).
    function fundingRatePerDayWad(Snapshot memory s) internal pure returns (int256) {
        MarketParams memory p = s.config.params;
        if (!Product.isOption(p)) {
            uint256 ratio = Product.markIndexRatioWad(
                p,
                s.normalizationFactor,
                s.ethPriceWad,
                s.tokenPriceWad
            );
            if (p.fundingRule == FundingRule.PremiumIndex) {
                return
                    s.pricer.premiumFundingRatePerDay(
                        ratio,
                        p.interestRatePerPeriodWad,
                        p.premiumClampWad,
                        p.markRatioFloorWad,
                        p.markRatioCapWad,
                        p.fundingPeriodSeconds
                    );
            }
            return FundingMath.ratePerDayWad(ratio, Market.markClamp(s.config), p.fundingPeriodSeconds);
        }
        return
            s.pricer.optionFundingRatePerDay(
                s.normalizationFactor,
                Product.payoffWad(p, s.ethPriceWad),
                s.tokenPriceWad,
                s.ethPriceWad,
                p.markRatioFloorWad,
                p.markRatioCapWad,
                p.fundingPeriodSeconds
            );
    }

    /// @notice The volatility the mark implies (WAD): from mark / index for a power perpetual, from the mark per
    ///         unit of claim by the pricer's everlasting-option inversion for an option; 0 when the mark is outside
    ///         the range a volatility can explain (at or below intrinsic, at or above the bound).
    /// @param s The snapshot.
    /// @return The implied volatility (WAD).
    function impliedVolatilityWad(Snapshot memory s) internal pure returns (uint256) {
        MarketParams memory p = s.config.params;
        if (!Product.isOption(p)) {
            return
                Product.impliedVolatilityWad(
                    p,
                    Product.markIndexRatioWad(p, s.normalizationFactor, s.ethPriceWad, s.tokenPriceWad)
                );
        }
        try
            s.pricer.impliedVolatility(
                markWad(s),
                s.ethPriceWad,
                p.strikeWad,
                p.fundingPeriodSeconds,
                p.kind == ProductKind.Call
            )
        returns (uint256 volatility) {
            return volatility;
        } catch {
            return 0;
        }
    }

    /// @notice Whether the engine's `liquidate` would accept the vault now (liquidations open, vault below the
    ///         liquidation ratio or the dust floor: `Health.isLiquidatable`).
    /// @param s The snapshot.
    /// @param collateral The vault's collateral in wei.
    /// @param debt The vault's debt in token units.
    /// @return Whether it is liquidatable.
    function isLiquidatable(
        Snapshot memory s,
        uint256 collateral,
        uint256 debt
    ) internal pure returns (bool) {
        return
            s.liquidationsOpen &&
            Health.isLiquidatable(collateral, debt, s.debtValuePerTokenWad, s.config.params);
    }

    /// @notice What `liquidate(vaultId, maxDebtAmount)` would repay and pay now, for a liquidatable vault.
    /// @param s The snapshot.
    /// @param collateral The vault's collateral in wei.
    /// @param debt The vault's debt in token units.
    /// @param maxDebtAmount The liquidator's offer.
    /// @return result The engine's `LiquidationMath` result.
    function liquidation(
        Snapshot memory s,
        uint256 collateral,
        uint256 debt,
        uint256 maxDebtAmount
    ) internal pure returns (LiquidationResult memory result) {
        bool insolvent = Product.insolventAtIndex(
            s.config.params,
            collateral,
            debt,
            s.debtValuePerTokenWad,
            s.normalizationFactor,
            s.ethPriceWad
        );
        return
            LiquidationMath.compute(
                LiquidationInput(collateral, debt, maxDebtAmount, insolvent),
                Product.cappedTokenPriceWad(s.config.params, s.tokenPriceWad, s.debtValuePerTokenWad),
                s.config.params.liquidationBonusWad,
                s.config.params.minCollateralWei
            );
    }
}
