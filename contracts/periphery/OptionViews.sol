// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";

import {IEverlastingOptionPricer} from "../interfaces/IEverlastingOptionPricer.sol";
import {OptionReport} from "../interfaces/IOptionLens.sol";
import {Health} from "../libraries/Health.sol";
import {Product} from "../libraries/Product.sol";
import {MarketParams, ProductKind} from "../types/MarketConfig.sol";
import {MarketSnapshot, Snapshot} from "./MarketSnapshot.sol";

/// @title OptionViews
/// @notice The lens's everlasting-option arithmetic: fair value and Greeks from the engine's pricer, a vault's Greeks,
///         and an option vault's liquidation price by bisection on S.
/// @dev Liquidation price model. The health rule values a token of debt at a(S') * max(1, q / a(S)) (`Product`), with
///      a(x) = NF * V_floor(x) / x, S' the stressed spot. This view holds NF fixed and assumes the market price q moves
///      with the floor model, i.e. q / a(S) keeps its value now, so the debt value at a price S is
///      a(S'(S)) * (debt value now / a(S'(S0))). a(S') is increasing in S for a call and decreasing for a put, so the
///      vault's health is monotone in S and one price separates healthy from unhealthy.
library OptionViews {
    uint256 private constant WAD = 1e18;

    /// @notice The bisection searches S in [S0 / RANGE, S0 * RANGE] (dimensionless).
    uint256 internal constant SEARCH_RANGE = 1024;

    /// @notice Bisection steps (geometric midpoints): the bracket's ratio starts at RANGE^2 = 2^20 and is below
    ///         1 + 1e-10 after these many halvings of its logarithm.
    uint256 internal constant BISECTION_STEPS = 38;

    /// @notice The largest spot the pricer accepts (USD, WAD).
    uint256 internal constant MAX_SPOT_WAD = 1e36;

    /// @notice The liquidation price returned when the vault stays healthy at every price searched (the call's debt
    ///         value is bounded by NF * max(1, q / a(S)) as S grows, so a well-collateralised short call has none).
    uint256 internal constant NEVER_UNSAFE = type(uint256).max;

    /// @notice The option market's report now.
    /// @param s The snapshot (an option market).
    /// @return r The report.
    function report(Snapshot memory s) internal pure returns (OptionReport memory r) {
        MarketParams memory p = s.config.params;
        r.marketId = s.marketId;
        r.isCall = p.kind == ProductKind.Call;
        r.strikeWad = p.strikeWad;
        r.ethPriceWad = s.ethPriceWad;
        r.payoffWad = Product.payoffWad(p, s.ethPriceWad);
        r.markWad = MarketSnapshot.markWad(s);
        r.impliedVolatilityWad = MarketSnapshot.impliedVolatilityWad(s);
        r.pricingVolatilityWad = r.impliedVolatilityWad == 0 ? p.floorVolatilityWad : r.impliedVolatilityWad;
        r.fundingRatePerDayWad = MarketSnapshot.fundingRatePerDayWad(s);
        (r.fairValueWad, r.deltaWad, r.gammaWad, r.vegaWad) = _unitGreeks(
            s,
            r.isCall,
            r.pricingVolatilityWad
        );
    }

    /// @notice A short position's Greeks: -claims * the pricer's Greek, claims = debt * NF (units in `IOptionLens`).
    /// @param s The snapshot (an option market).
    /// @param debt The vault's debt (token units).
    /// @return deltaWad ETH (WAD, signed).
    /// @return gammaWad ETH per USD (WAD, signed).
    /// @return vegaWad USD per 1.0 of volatility (WAD, signed).
    function vaultGreeks(
        Snapshot memory s,
        uint256 debt
    ) internal pure returns (int256 deltaWad, int256 gammaWad, int256 vegaWad) {
        OptionReport memory r = report(s);
        uint256 claims = FPML.fullMulDiv(debt, s.normalizationFactor, WAD);
        uint256 deltaAbs = FPML.fullMulDiv(claims, FPML.abs(r.deltaWad), WAD);
        deltaWad = r.deltaWad < 0 ? int256(deltaAbs) : -int256(deltaAbs);
        gammaWad = -int256(FPML.fullMulDiv(claims, r.gammaWad, WAD));
        vegaWad = -int256(FPML.fullMulDiv(claims, r.vegaWad, WAD));
    }

    /// @notice The ETH price (WAD) at which the vault becomes liquidatable (its ratio crosses the liquidation ratio),
    ///         under the model of the title (q moves with the floor model, NF fixed); 0 without debt or when it is
    ///         liquidatable throughout the searched range, `NEVER_UNSAFE` when it is out of reach throughout.
    /// @param s The snapshot (an option market).
    /// @param collateral The vault's collateral (wei).
    /// @param debt The vault's debt (token units).
    /// @return The price (USD per ETH, WAD).
    function liquidationPriceWad(
        Snapshot memory s,
        uint256 collateral,
        uint256 debt
    ) internal pure returns (uint256) {
        if (debt == 0) return 0;
        bool isCall = s.config.params.kind == ProductKind.Call;
        uint256 lo = s.ethPriceWad / SEARCH_RANGE;
        uint256 hi = FPML.min(s.ethPriceWad * SEARCH_RANGE, MAX_SPOT_WAD);
        uint256 stressedNow = _stressedValue(s, s.ethPriceWad);
        // Healthy at the cheap end for a call (at the dear end for a put): the unsafe side is the other.
        bool loHealthy = _healthyAt(s, stressedNow, collateral, debt, lo);
        bool hiHealthy = _healthyAt(s, stressedNow, collateral, debt, hi);
        if (loHealthy && hiHealthy) return NEVER_UNSAFE;
        if (!loHealthy && !hiHealthy) return 0;
        for (uint256 i; i < BISECTION_STEPS && hi - lo > 1; ++i) {
            uint256 mid = FPML.sqrt(lo * hi);
            if (_healthyAt(s, stressedNow, collateral, debt, mid) == loHealthy) lo = mid;
            else hi = mid;
        }
        return isCall ? hi : lo;
    }

    /// @dev Whether the vault is out of liquidation's reach (`Health.isLiquidatable`, below the liquidation ratio) at
    ///      spot `spot` with the debt value scaled as in the title.
    function _healthyAt(
        Snapshot memory s,
        uint256 stressedNow,
        uint256 collateral,
        uint256 debt,
        uint256 spot
    ) private pure returns (bool) {
        uint256 value = FPML.fullMulDivUp(_stressedValue(s, spot), s.debtValuePerTokenWad, stressedNow);
        return !Health.isLiquidatable(collateral, debt, value, s.config.params);
    }

    /// @dev a(S') at `spot`: the health rule's debt value with no market-price scaling (q = 0).
    function _stressedValue(Snapshot memory s, uint256 spot) private pure returns (uint256) {
        return Product.debtValuePerTokenWad(s.config.params, s.pricer, s.normalizationFactor, spot, 0);
    }

    /// @dev The fair value and Greeks of one unit of claim at `volatility`.
    function _unitGreeks(
        Snapshot memory s,
        bool isCall,
        uint256 volatility
    ) private pure returns (uint256 fairValue, int256 delta, uint256 gamma, uint256 vega) {
        IEverlastingOptionPricer pricer = s.pricer;
        uint256 spot = s.ethPriceWad;
        uint256 strike = s.config.params.strikeWad;
        uint256 period = s.config.params.fundingPeriodSeconds;
        fairValue =
            isCall
                ? pricer.callPrice(spot, strike, volatility, period)
                : pricer.putPrice(spot, strike, volatility, period);
        delta =
            isCall
                ? pricer.callDelta(spot, strike, volatility, period)
                : pricer.putDelta(spot, strike, volatility, period);
        gamma = pricer.gamma(spot, strike, volatility, period);
        vega = pricer.vega(spot, strike, volatility, period);
    }
}
