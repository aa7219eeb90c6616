// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";
import {IEverlastingOptionPricer as IPricer} from "../interfaces/IEverlastingOptionPricer.sol";

/// @title EverlastingMath
/// @notice Pure fixed-point math for continuously funded everlasting options and power perpetuals, with zero
///         interest rates under Black-Scholes dynamics. Units as in `IEverlastingOptionPricer`: prices in 18
///         decimals of the quote currency, volatility annualised in 18 decimals, funding period in seconds
///         (a year is 365 days), power in 18 decimals.
/// @dev Everlasting option (White and Bankman-Fried, 2021). A long pays (mark - payoff) once per funding
///      period T, accrued continuously. No arbitrage makes the fair price V(S) stationary and
///          (1/2) sigma^2 S^2 V'' = (V - payoff) / T.
///      Away from the strike the time value W = V - payoff solves (1/2) sigma^2 S^2 W'' = W / T, whose power
///      solutions S^p need p^2 - p - 2 / (sigma^2 T) = 0, i.e. p = (1 +- u) / 2 with
///          u = sqrt(1 + 8 / (sigma^2 T)).
///      Boundedness keeps p = (1 + u) / 2 below the strike and p = (1 - u) / 2 above it; continuity of W and a
///      slope jump of -1 at K (so that V is C^1) give the coefficient K / u on both sides:
///          W = (K / u) (S / K)^((1 + u) / 2) for S < K,   W = (K / u) (S / K)^((1 - u) / 2) for S >= K,
///      or symmetrically W = (sqrt(S K) / u) exp(-u |l| / 2), l = ln(S / K). Call = max(S - K, 0) + W and
///      put = max(K - S, 0) + W, so call - put = S - K. Equivalently V = (1/T) int_0^inf e^(-t/T) BS(t) dt,
///      the exponentially weighted strip of European prices.
///
///      Implementation of the price (one sqrt, one ln, one exp, no normal CDF, every product in one rounding):
///      - d = u^2 - 1 = 8 Y 1e36 / (sigma^2 * period) in one integer division at 2^100 scale (Y = seconds per
///        year), so sigma^2 T is never truncated to 18 decimals;
///      - u = sqrt((1 + d) 2^128) at 2^64 scale (relative error below 6e-20);
///      - |l| = ln(max(S, K) / min(S, K)) at 2^96 scale: binary exponent plus 2 atanh(z) on [1/sqrt2, sqrt2)
///        with a degree-8 Chebyshev polynomial in z^2 (absolute error below 3e-21);
///      - W = K e^(-b) / u with b = |l| (u - 1) / 2 for S >= K and |l| (u + 1) / 2 for S < K (the sqrt(S/K)
///        factor is folded into the exponent, so only K multiplies); e^(-b) = 2^-k e^(k ln2 - b) with the (6, 6)
///        Pade approximant on |r| <= ln2 / 2 (relative error below 2e-19), kept at 2^96 scale;
///      - the result is floored once, at the end, from a value carrying 64 extra fractional bits.
///      The exponent is never positive, so exp cannot overflow; b >= 128 gives W = 0 exactly as the limit.
///      No-arbitrage bounds need no clamp: W / min(S, K) = e^(-(u - 1) |l| / 2) / u <= 1 / u, and on the domain
///      sigma^2 T <= 1e11, so 1 / u <= 1 - 3.9e-11, far more than the ~1e-18 relative error of the kernel;
///      hence call <= S and put <= K (fuzz-tested over the whole domain), and call - put = S - K exactly.
///
///      Power perpetual (Paradigm, 2021) with normalization-factor funding: the holder's claim is scaled by
///      NF with d ln NF = -ln(mark / index) dt / T. With mark = c * index for a constant c, NF c S^n must be
///      a martingale; E[S_t^n] = S^n e^(h t) with h = n (n - 1) sigma^2 / 2, so -ln(c) / T + h = 0 and
///          mark = S^n exp(n (n - 1) sigma^2 T / 2),  sigma^2 = 2 ln(mark / index) / (n (n - 1) T).
library EverlastingMath {
    /// @notice One unit in 18-decimal fixed point.
    uint256 internal constant WAD = 1e18;
    /// @notice Seconds in a (365-day) year.
    uint256 internal constant SECONDS_PER_YEAR = 31_536_000;
    /// @notice Largest accepted spot, strike, option price, mark, index or payoff (1e18 units of quote).
    uint256 internal constant MAX_PRICE_WAD = 1e36;
    /// @notice Largest accepted volatility: 1e22 = 1,000,000% per year.
    uint256 internal constant MAX_VOLATILITY_WAD = 1e22;
    /// @notice Largest accepted funding period: 1,000 years.
    uint256 internal constant MAX_FUNDING_PERIOD_SECONDS = 31_536_000_000;
    /// @notice Largest accepted power of a power perpetual: 1,000.
    uint256 internal constant MAX_POWER_WAD = 1e21;
    /// @notice Cap on the Newton iterations of the implied-volatility solver (it typically needs 6 to 9).
    uint256 internal constant MAX_NEWTON_ITERATIONS = 64;

    /// @dev 2^64, 2^96 and 2^100 (fixed-point scales).
    uint256 private constant Q64 = 0x10000000000000000;
    uint256 private constant Q96 = 0x1000000000000000000000000;
    uint256 private constant Q100 = 0x10000000000000000000000000;
    /// @dev 8 * SECONDS_PER_YEAR * 1e36, the numerator of d = 8 / (sigma^2 T) in wad-squared seconds.
    uint256 private constant EIGHT_YEAR_SECONDS_WAD_SQUARED = 252288000000000000000000000000000000000000000;
    /// @dev EIGHT_YEAR_SECONDS_WAD_SQUARED * 2^100: d at 2^100 scale is this divided by sigma^2 * period.
    uint256 private constant D_NUMERATOR_Q100 =
        0xb501fcc04f4ea0595f53c9c7dc000000000000000000000000000000000000;
    /// @dev d at 2^100 scale must stay below 2^180 (d < 2^80), which keeps u below 2^40.
    uint256 private constant D_LIMIT_SHIFT = 180;
    /// @dev max - 1 of the price, volatility and period domains (zero wraps around above them).
    uint256 private constant MAX_PRICE_WAD_MINUS_ONE = 999999999999999999999999999999999999;
    uint256 private constant MAX_VOLATILITY_WAD_MINUS_ONE = 9999999999999999999999;
    uint256 private constant MAX_FUNDING_PERIOD_SECONDS_MINUS_ONE = 31535999999;
    /// @dev Time values with b = |l| (u -+ 1) / 2 at or above 128 (2^96 scale) are below 2^-64 wei.
    uint256 private constant MAX_EXPONENT_Q96 = 0x80000000000000000000000000;
    /// @dev ln 2, 1 / ln 2 and sqrt 2 at 2^96 scale (rounded to nearest), 2^191 (one half at 2^192).
    uint256 private constant LN2_Q96 = 54916777467707473351141471128;
    uint256 private constant INV_LN2_Q96 = 114302077158074026402637675937;
    uint256 private constant SQRT2_Q96 = 112045541949572279837463876455;
    uint256 private constant HALF_Q192 = 0x800000000000000000000000000000000000000000000000;
    /// @dev floor(log2 v) for 1 <= v < 256 is byte(v >> 3, HIGH) + byte(v, LOW): HIGH[i] = 3 + floor(log2 i) for
    ///      i >= 1 (HIGH[0] = 0), LOW[v] = floor(log2 v) for v < 8 and 0 above (BYTE yields 0 past index 31).
    uint256 private constant BIT_LENGTH_HIGH_TABLE =
        0x0003040405050505060606060606060607070707070707070707070707070707;
    uint256 private constant BIT_LENGTH_LOW_TABLE =
        0x0000010102020202000000000000000000000000000000000000000000000000;
    /// @dev Start of the square root: sqrt(y) ~ (4 + 2y) / (3 + 2 sqrt2) on [1, 4], as 2^32 * 4 / (3 + 2 sqrt2)
    ///      and 2^16 * 2 / (3 + 2 sqrt2) (y enters with 16 fraction bits).
    uint256 private constant SQRT_START_INTERCEPT_Q32 = 2947599552;
    uint256 private constant SQRT_START_SLOPE_Q16 = 22488;
    /// @dev atanh(z) / z ~ sum LN_Ci w^i with w = z^2 on [0, (3 - 2 sqrt2)^2], at 2^96 scale (Chebyshev
    ///      interpolation at 9 nodes; regenerated and checked by test/pricing/kernelConstants.ts).
    uint256 private constant LN_C0_Q96 = 79228162514264337594140030178;
    uint256 private constant LN_C1_Q96 = 26409387504754775918022726721;
    uint256 private constant LN_C2_Q96 = 15845632502855836170648253633;
    uint256 private constant LN_C3_Q96 = 11318308929575483626274505376;
    uint256 private constant LN_C4_Q96 = 8803129348379719517572755873;
    uint256 private constant LN_C5_Q96 = 7202542622565696316975419990;
    uint256 private constant LN_C6_Q96 = 6095482432444445185373251119;
    uint256 private constant LN_C7_Q96 = 5248375773446819765912592937;
    uint256 private constant LN_C8_Q96 = 5253660525832110218653265165;
    /// @dev (6, 6) Pade approximant of exp, e^r = (E + r O) / (E - r O) in s = r^2, at 2^96 scale:
    ///      E = 1 + (5/44) s + (1/792) s^2 + (1/665280) s^3, O = 1/2 + (1/66) s + (1/15840) s^2.
    uint256 private constant PADE_E1_Q96 = 9003200285711856544720903447;
    uint256 private constant PADE_E2_Q96 = 100035558730131739385787816;
    uint256 private constant PADE_E3_Q96 = 119089950869204451649747;
    uint256 private constant PADE_O0_Q96 = 39614081257132168796771975168;
    uint256 private constant PADE_O1_Q96 = 1200426704761580872629453793;
    uint256 private constant PADE_O2_Q96 = 5001777936506586969289391;
    /// @dev Largest and smallest exponents (2^96 scale) handed to exp by the power perpetual: e^130 * 1e18
    ///      fits 256 bits; below e^-200 the result is 0.
    int256 private constant MAX_POWER_EXPONENT_Q96 = 130 * 2 ** 96;
    int256 private constant MIN_POWER_EXPONENT_Q96 = -200 * 2 ** 96;
    /// @dev 1e8 = MAX_VOLATILITY_WAD^2 / 1e36, used to bound the power perpetual's implied variance.
    uint256 private constant MAX_VARIANCE_OVER_WAD_SQUARED = 1e8;

    // ---------------------------------------------------------------------------------------------------
    // Everlasting options
    // ---------------------------------------------------------------------------------------------------

    /// @notice Time value W = (sqrt(S K) / u) exp(-u |ln(S/K)| / 2) with u = sqrt(1 + 8 / (sigma^2 T)),
    ///         rounded down.
    /// @param spot The spot price S, 18 decimals.
    /// @param strike The strike K, 18 decimals.
    /// @param volatility The annualised volatility sigma, 18 decimals.
    /// @param fundingPeriod The funding period T, seconds.
    /// @return value The time value, 18 decimals.
    function timeValue(
        uint256 spot,
        uint256 strike,
        uint256 volatility,
        uint256 fundingPeriod
    ) internal pure returns (uint256 value) {
        (uint256 timeValueX64, , , ) = _timeValueX64(spot, strike, volatility, fundingPeriod);
        value = timeValueX64 >> 64;
    }

    /// @notice Call price max(S - K, 0) + W, rounded down.
    /// @param spot The spot price S, 18 decimals.
    /// @param strike The strike K, 18 decimals.
    /// @param volatility The annualised volatility sigma, 18 decimals.
    /// @param fundingPeriod The funding period T, seconds.
    /// @return price The call price, 18 decimals.
    function callPrice(
        uint256 spot,
        uint256 strike,
        uint256 volatility,
        uint256 fundingPeriod
    ) internal pure returns (uint256 price) {
        price = _addIntrinsic(timeValue(spot, strike, volatility, fundingPeriod), spot, strike);
    }

    /// @notice Put price max(K - S, 0) + W, rounded down.
    /// @param spot The spot price S, 18 decimals.
    /// @param strike The strike K, 18 decimals.
    /// @param volatility The annualised volatility sigma, 18 decimals.
    /// @param fundingPeriod The funding period T, seconds.
    /// @return price The put price, 18 decimals.
    function putPrice(
        uint256 spot,
        uint256 strike,
        uint256 volatility,
        uint256 fundingPeriod
    ) internal pure returns (uint256 price) {
        price = _addIntrinsic(timeValue(spot, strike, volatility, fundingPeriod), strike, spot);
    }

    /// @notice Call delta dC/dS: (u + 1) W / (2 S) below the strike, 1 - (u - 1) W / (2 S) at or above it.
    /// @param spot The spot price S, 18 decimals.
    /// @param strike The strike K, 18 decimals.
    /// @param volatility The annualised volatility sigma, 18 decimals.
    /// @param fundingPeriod The funding period T, seconds.
    /// @return delta The call delta, 18 decimals.
    function callDelta(
        uint256 spot,
        uint256 strike,
        uint256 volatility,
        uint256 fundingPeriod
    ) internal pure returns (int256 delta) {
        (uint256 timeValueX64, uint256 uQ64, , ) = _timeValueX64(spot, strike, volatility, fundingPeriod);
        // W / S at 2^128 scale: at most about 2^128 because W <= min(S, K).
        uint256 ratioQ128 = FPML.fullMulDiv(timeValueX64, Q64, spot);
        if (spot < strike) {
            // (u + 1) / 2 * W / S
            delta = int256(FPML.fullMulDiv(ratioQ128, (uQ64 + Q64) * WAD, 1 << 193));
        } else {
            // 1 - (u - 1) / 2 * W / S
            delta = int256(WAD) - int256(FPML.fullMulDiv(ratioQ128, (uQ64 - Q64) * WAD, 1 << 193));
        }
    }

    /// @notice Put delta dP/dS = call delta - 1.
    /// @param spot The spot price S, 18 decimals.
    /// @param strike The strike K, 18 decimals.
    /// @param volatility The annualised volatility sigma, 18 decimals.
    /// @param fundingPeriod The funding period T, seconds.
    /// @return delta The put delta, 18 decimals.
    function putDelta(
        uint256 spot,
        uint256 strike,
        uint256 volatility,
        uint256 fundingPeriod
    ) internal pure returns (int256 delta) {
        delta = callDelta(spot, strike, volatility, fundingPeriod) - int256(WAD);
    }

    /// @notice Gamma W (u^2 - 1) / (4 S^2) = 2 W / (sigma^2 T S^2), the same for the call and the put.
    /// @param spot The spot price S, 18 decimals.
    /// @param strike The strike K, 18 decimals.
    /// @param volatility The annualised volatility sigma, 18 decimals.
    /// @param fundingPeriod The funding period T, seconds.
    /// @return value Gamma, 18 decimals, per unit of quote.
    function gamma(
        uint256 spot,
        uint256 strike,
        uint256 volatility,
        uint256 fundingPeriod
    ) internal pure returns (uint256 value) {
        (uint256 timeValueX64, , , uint256 dQ100) = _timeValueX64(spot, strike, volatility, fundingPeriod);
        uint256 ratioQ128 = FPML.fullMulDiv(timeValueX64, Q64, spot);
        // (W / S) d / S at scale 2^(128 + 100 - 64) / 1e18; then * 1e36 / 4 / 2^164.
        uint256 scaled = FPML.fullMulDiv(ratioQ128, dQ100, spot << 64);
        value = FPML.fullMulDiv(scaled, WAD * WAD, 1 << 166);
    }

    /// @notice Vega dW/dsigma = (1 - 1/u^2) (1 + u |ln(S/K)| / 2) W / sigma, the same for the call and the put.
    /// @param spot The spot price S, 18 decimals.
    /// @param strike The strike K, 18 decimals.
    /// @param volatility The annualised volatility sigma, 18 decimals.
    /// @param fundingPeriod The funding period T, seconds.
    /// @return value Vega, 18 decimals of quote per 1.0 of volatility.
    function vega(
        uint256 spot,
        uint256 strike,
        uint256 volatility,
        uint256 fundingPeriod
    ) internal pure returns (uint256 value) {
        (uint256 timeValueX64, uint256 uQ64, uint256 lnQ96, uint256 dQ100) = _timeValueX64(
            spot,
            strike,
            volatility,
            fundingPeriod
        );
        // 1 - 1/u^2 = d / (1 + d), at 2^128 scale.
        uint256 slopeQ128 = FPML.fullMulDiv(dQ100, 1 << 128, dQ100 + Q100);
        // 1 + u |l| / 2 at 2^161 scale (u at 2^64, |l| at 2^96).
        uint256 factorQ161 = (1 << 161) + uQ64 * lnQ96;
        uint256 scaled = FPML.fullMulDiv(
            FPML.fullMulDiv(timeValueX64, slopeQ128, 1 << 128),
            factorQ161,
            1 << 161
        );
        value = FPML.fullMulDiv(scaled, WAD, volatility << 64);
    }

    /// @notice Implied volatility of an everlasting option price; see the interface for the method.
    /// @param optionPrice The option price, 18 decimals, strictly between intrinsic and spot (call) or
    ///        strike (put).
    /// @param spot The spot price S, 18 decimals.
    /// @param strike The strike K, 18 decimals.
    /// @param fundingPeriod The funding period T, seconds.
    /// @param isCall True for a call, false for a put.
    /// @return volatility The implied volatility, 18 decimals, rounded down.
    function impliedVolatility(
        uint256 optionPrice,
        uint256 spot,
        uint256 strike,
        uint256 fundingPeriod,
        bool isCall
    ) internal pure returns (uint256 volatility) {
        _checkPrice(spot, true);
        _checkPrice(strike, false);
        _checkFundingPeriod(fundingPeriod);
        // A call is bounded by the spot, a put by the strike; the intrinsic value is the excess over the other.
        (uint256 upperBound, uint256 other) = isCall ? (spot, strike) : (strike, spot);
        uint256 intrinsic = _addIntrinsic(0, upperBound, other);
        if (optionPrice <= intrinsic || optionPrice >= upperBound) {
            revert IPricer.OptionPriceOutOfBounds(optionPrice, intrinsic, upperBound);
        }
        // 0 < W < min(S, K)
        uint256 value = optionPrice - intrinsic;
        // At the money W = K / u exactly; elsewhere solve for u.
        uint256 uQ96 = spot == strike ? (strike << 96) / value : _solveU(value, spot, strike);
        volatility = _volatilityFromU(uQ96, fundingPeriod);
    }

    // ---------------------------------------------------------------------------------------------------
    // Power perpetuals and funding
    // ---------------------------------------------------------------------------------------------------

    /// @notice Fair mark of a power perpetual under normalization-factor funding,
    ///         S^n exp(n (n - 1) sigma^2 T / 2), computed as one exp of n ln S + n (n - 1) sigma^2 T / 2.
    ///         Rounded down; 0 when below one wei.
    /// @param spot The spot price S, 18 decimals.
    /// @param power The power n, 18 decimals (at most 1,000).
    /// @param volatility The annualised volatility sigma, 18 decimals.
    /// @param fundingPeriod The funding period T, seconds.
    /// @return price The fair mark, 18 decimals.
    function powerPerpFairPrice(
        uint256 spot,
        uint256 power,
        uint256 volatility,
        uint256 fundingPeriod
    ) internal pure returns (uint256 price) {
        _checkPrice(spot, true);
        _checkVolatility(volatility);
        _checkFundingPeriod(fundingPeriod);
        if (power > MAX_POWER_WAD) revert IPricer.InvalidPower(power);
        // n ln S at 2^96 scale; |ln S| < 2^103 and n < 2^70, so the product fits.
        int256 exponentQ96 = spot >= WAD ? int256(_lnRatioQ96(spot, WAD)) : -int256(_lnRatioQ96(WAD, spot));
        exponentQ96 = (exponentQ96 * int256(power)) / int256(WAD);
        // |n (n - 1)| sigma^2 T / 2 at 2^96 scale, from the exact integer sigma^2 * period.
        uint256 halfVarianceQ96 = FPML.fullMulDiv(
            volatility * volatility * fundingPeriod,
            Q96,
            2 * SECONDS_PER_YEAR * WAD * WAD
        );
        uint256 growthQ96 = FPML.fullMulDiv(
            halfVarianceQ96,
            power * (power > WAD ? power - WAD : WAD - power),
            WAD * WAD
        );
        if (power >= WAD) {
            if (growthQ96 > uint256(MAX_POWER_EXPONENT_Q96)) revert IPricer.PowerPerpPriceOverflow();
            exponentQ96 += int256(growthQ96);
        } else {
            if (growthQ96 > uint256(-MIN_POWER_EXPONENT_Q96)) return 0;
            exponentQ96 -= int256(growthQ96);
        }
        if (exponentQ96 > MAX_POWER_EXPONENT_Q96) revert IPricer.PowerPerpPriceOverflow();
        if (exponentQ96 < MIN_POWER_EXPONENT_Q96) return 0;
        (uint256 mantissaQ96, int256 exponent2) = _expQ96(exponentQ96);
        // price = 1e18 * mantissa * 2^(exponent2 - 96); mantissa * 1e18 < 2^158 and exponent2 <= 188.
        uint256 scaled = mantissaQ96 * WAD;
        price = exponent2 >= 96 ? scaled << uint256(exponent2 - 96) : scaled >> uint256(96 - exponent2);
    }

    /// @notice Implied volatility of a power perpetual under normalization-factor funding,
    ///         sqrt(2 ln(mark / index) / (n (n - 1) T)), rounded down.
    /// @param mark The mark price, 18 decimals.
    /// @param index The index price S^n, 18 decimals.
    /// @param power The power n, 18 decimals; not 0 or 1.
    /// @param fundingPeriod The funding period T, seconds.
    /// @return volatility The implied volatility, 18 decimals.
    function powerPerpImpliedVolatility(
        uint256 mark,
        uint256 index,
        uint256 power,
        uint256 fundingPeriod
    ) internal pure returns (uint256 volatility) {
        _checkPrice(mark, true);
        _checkPrice(index, true);
        _checkFundingPeriod(fundingPeriod);
        if (power == 0 || power == WAD || power > MAX_POWER_WAD) revert IPricer.InvalidPower(power);
        bool convex = power > WAD;
        if (convex ? mark < index : mark > index) revert IPricer.MarkOutOfBounds(mark, index);
        if (mark == index) return 0;
        uint256 lnQ96 = convex ? _lnRatioQ96(mark, index) : _lnRatioQ96(index, mark);
        uint256 distance = convex ? power - WAD : WAD - power;
        // sigma^2 in wad^2 = ln * 2 Y 1e72 / (n_wad |n_wad - 1e18| period), ln = lnQ96 / 2^96.
        uint256 scaled = FPML.fullMulDiv(lnQ96, 2 * SECONDS_PER_YEAR * WAD * WAD, power * fundingPeriod);
        if (scaled > (distance << 96) * MAX_VARIANCE_OVER_WAD_SQUARED) {
            revert IPricer.ImpliedVolatilityOutOfRange();
        }
        volatility = FPML.sqrt(FPML.fullMulDiv(scaled, WAD * WAD, distance << 96));
    }

    /// @notice Funding per second of a contract paying (mark - payoff) once per funding period:
    ///         (markPrice - payoff) / fundingPeriod, rounded toward zero (the sign is never flipped).
    /// @param markPrice The mark price, 18 decimals.
    /// @param payoff The payoff (intrinsic value or index), 18 decimals.
    /// @param fundingPeriod The funding period, seconds.
    /// @return rate Funding per second, 18 decimals; positive when longs pay shorts.
    function fundingRate(
        uint256 markPrice,
        uint256 payoff,
        uint256 fundingPeriod
    ) internal pure returns (int256 rate) {
        if (markPrice > MAX_PRICE_WAD) revert IPricer.PriceTooLarge(markPrice, MAX_PRICE_WAD);
        if (payoff > MAX_PRICE_WAD) revert IPricer.PriceTooLarge(payoff, MAX_PRICE_WAD);
        _checkFundingPeriod(fundingPeriod);
        rate = (int256(markPrice) - int256(payoff)) / int256(fundingPeriod);
    }

    // ---------------------------------------------------------------------------------------------------
    // Kernels
    // ---------------------------------------------------------------------------------------------------

    /// @notice The time value with 64 extra fractional bits, and the intermediates the Greeks reuse.
    /// @dev The domain check, then the kernels `_sqrtOnePlusQ64`, `_lnRatioQ96` and `_expQ96` (the ones the
    ///      implied volatility and the power perpetual use too) with the glue between them in assembly, so that
    ///      no checked arithmetic sits on the hot path. Reverts with the interface's errors outside the domain.
    /// @param spot The spot price S, 18 decimals.
    /// @param strike The strike K, 18 decimals.
    /// @param volatility The annualised volatility sigma, 18 decimals.
    /// @param fundingPeriod The funding period T, seconds.
    /// @return timeValueX64 W * 1e18 * 2^64, floored; 0 when W < 2^-64 wei.
    /// @return uQ64 u * 2^64.
    /// @return lnQ96 |ln(S / K)| * 2^96.
    /// @return dQ100 d = u^2 - 1 = 8 / (sigma^2 T) * 2^100, floored.
    function _timeValueX64(
        uint256 spot,
        uint256 strike,
        uint256 volatility,
        uint256 fundingPeriod
    ) private pure returns (uint256 timeValueX64, uint256 uQ64, uint256 lnQ96, uint256 dQ100) {
        bool outOfDomain;
        assembly ("memory-safe") {
            // Zero wraps around to 2^256 - 1, so one comparison per input covers both ends of its range.
            outOfDomain := or(
                or(gt(sub(spot, 1), MAX_PRICE_WAD_MINUS_ONE), gt(sub(strike, 1), MAX_PRICE_WAD_MINUS_ONE)),
                or(
                    gt(sub(volatility, 1), MAX_VOLATILITY_WAD_MINUS_ONE),
                    gt(sub(fundingPeriod, 1), MAX_FUNDING_PERIOD_SECONDS_MINUS_ONE)
                )
            )
            // d = 8 / (sigma^2 T) at 2^100 scale in one division: sigma^2 * period < 2^182, so nothing is
            // truncated to 18 decimals first. (A zero divisor yields 0 in the EVM; zero inputs are flagged.)
            dQ100 := div(D_NUMERATOR_Q100, mul(mul(volatility, volatility), fundingPeriod))
            outOfDomain := or(outOfDomain, shr(D_LIMIT_SHIFT, dQ100))
        }
        if (outOfDomain) _revertOptionInputs(spot, strike, volatility, fundingPeriod);
        uQ64 = _sqrtOnePlusQ64(dQ100);
        uint256 larger;
        uint256 smaller;
        assembly ("memory-safe") {
            larger := xor(strike, mul(xor(spot, strike), gt(spot, strike)))
            smaller := xor(xor(spot, strike), larger)
        }
        lnQ96 = _lnRatioQ96(larger, smaller);
        // W = K e^(-b) / u, b = |l| (u - 1) / 2 above the strike, |l| (u + 1) / 2 below.
        uint256 exponentQ96;
        assembly ("memory-safe") {
            exponentQ96 := shr(65, mul(lnQ96, sub(add(uQ64, Q64), shl(65, gt(spot, strike)))))
        }
        if (exponentQ96 < MAX_EXPONENT_Q96) {
            // e^(-b) = e^r 2^(-k), k >= 0.
            int256 negativeExponentQ96;
            unchecked {
                negativeExponentQ96 = -int256(exponentQ96);
            }
            (uint256 mantissaQ96, int256 exponent2) = _expQ96(negativeExponentQ96);
            assembly ("memory-safe") {
                // W * 1e18 * 2^64 = K e^r 2^(32 - k) / (u 2^64) * 2^64; K e^r < 2^217, so K e^r 2^32 fits.
                timeValueX64 := div(shr(sub(0, exponent2), shl(32, mul(strike, mantissaQ96))), uQ64)
            }
        }
    }

    /// @notice u = sqrt(1 + d) at 2^64 scale, for d < 2^80 at 2^100 scale.
    /// @dev Newton's method on x = (1 + d) 2^128 in [2^128, 2^208]. With x = 2^(128 + e) y, e even and y in
    ///      [1, 4), the minimax linear start sqrt(y) ~ (4 + 2y) / (3 + 2 sqrt2) (relative error 2.9%, y with 16
    ///      fraction bits) leaves a relative error below 1e-28 after four iterations, before the 2^-64
    ///      quantization.
    /// @param dQ100 d * 2^100.
    /// @return uQ64 sqrt(1 + d) * 2^64.
    function _sqrtOnePlusQ64(uint256 dQ100) private pure returns (uint256 uQ64) {
        uint256 onePlusD;
        assembly ("memory-safe") {
            onePlusD := add(dQ100, Q100)
        }
        // e = 2 floor(log4(1 + d)): floor(log2(1 + d)) rounded down to even.
        uint256 e = _log2(onePlusD >> 100) & ~uint256(1);
        assembly ("memory-safe") {
            let x := shl(28, onePlusD)
            // 2^(64 + e / 2) sqrt(y) ~ 2^(32 + e / 2) (4 + 2y) 2^32 / (3 + 2 sqrt2), y = x / 2^(128 + e).
            let z := shl(
                add(32, shr(1, e)),
                add(SQRT_START_INTERCEPT_Q32, mul(SQRT_START_SLOPE_Q16, shr(add(112, e), x)))
            )
            let z1 := shr(1, add(z, div(x, z)))
            let z2 := shr(1, add(z1, div(x, z1)))
            let z3 := shr(1, add(z2, div(x, z2)))
            uQ64 := shr(1, add(z3, div(x, z3)))
        }
    }

    /// @notice ln(numerator / denominator) at 2^96 scale, for numerator >= denominator, both in [1, 2^128).
    /// @dev q = numerator * 2^128 / denominator = 2^(128 + n) y with n from `_log2` and y in [1/sqrt2, sqrt2);
    ///      ln y = 2 atanh(z), z = (y - 1) / (y + 1), |z| <= 3 - 2 sqrt2, with atanh(z) / z approximated by a
    ///      degree-8 polynomial in w = z^2 (Chebyshev interpolation on [0, (3 - 2 sqrt2)^2] at 9 nodes,
    ///      coefficients LN_C*_Q96). Absolute error below 3e-21, plus the 2^-128 relative rounding of q.
    /// @param numerator The larger operand.
    /// @param denominator The smaller operand.
    /// @return result ln(numerator / denominator) * 2^96 (non-negative).
    function _lnRatioQ96(uint256 numerator, uint256 denominator) private pure returns (uint256 result) {
        uint256 q;
        assembly ("memory-safe") {
            q := div(shl(128, numerator), denominator)
        }
        // q = 2^(128 + n) y with y in [1, 2); q >= 2^128 as numerator >= denominator.
        uint256 n = _log2(q >> 128);
        assembly ("memory-safe") {
            // y in [1, 2) at 2^96 scale; compare with sqrt2 to centre the argument on 1.
            let y := shr(add(32, n), q)
            let big := gt(y, SQRT2_Q96)
            let c := shl(big, Q96)
            let z := sdiv(shl(96, sub(y, c)), add(y, c))
            let w := shr(96, mul(z, z))
            // 2 z (C0 + w (C1 + w (C2 + ... + w C8))) by Horner's rule.
            let p := add(
                LN_C4_Q96,
                shr(
                    96,
                    mul(
                        w,
                        add(
                            LN_C5_Q96,
                            shr(
                                96,
                                mul(
                                    w,
                                    add(
                                        LN_C6_Q96,
                                        shr(96, mul(w, add(LN_C7_Q96, shr(96, mul(w, LN_C8_Q96)))))
                                    )
                                )
                            )
                        )
                    )
                )
            )
            p := add(
                LN_C0_Q96,
                shr(
                    96,
                    mul(
                        w,
                        add(
                            LN_C1_Q96,
                            shr(
                                96,
                                mul(w, add(LN_C2_Q96, shr(96, mul(w, add(LN_C3_Q96, shr(96, mul(w, p)))))))
                            )
                        )
                    )
                )
            )
            result := add(mul(add(n, big), LN2_Q96), sar(95, mul(z, p)))
        }
    }

    /// @notice floor(log2 x) for 1 <= x < 2^128 (0 for x = 0).
    /// @dev Binary search down to 8 bits, then two byte-table lookups (BIT_LENGTH_HIGH_TABLE, _LOW_TABLE).
    /// @param x The operand, below 2^128.
    /// @return n floor(log2 x), in [0, 128).
    function _log2(uint256 x) private pure returns (uint256 n) {
        assembly ("memory-safe") {
            // Scoped lets rather than reassignments: legacy code generation spends a SWAP and a POP on every
            // reassignment; via-IR compiles either form alike.
            let n1 := shl(6, lt(0xffffffffffffffff, x))
            let n2 := or(n1, shl(5, lt(0xffffffff, shr(n1, x))))
            let n3 := or(n2, shl(4, lt(0xffff, shr(n2, x))))
            let n4 := or(n3, shl(3, lt(0xff, shr(n3, x))))
            let head := shr(n4, x)
            n := add(n4, add(byte(shr(3, head), BIT_LENGTH_HIGH_TABLE), byte(head, BIT_LENGTH_LOW_TABLE)))
        }
    }

    /// @notice e^x as mantissa * 2^(exponent2 - 96), for |x| < 2^150 at 2^96 scale.
    /// @dev k = round(x / ln2), r = x - k ln2 in [-ln2/2, ln2/2], e^r by the (6, 6) Pade approximant
    ///      e^r = (E(r^2) + r O(r^2)) / (E(r^2) - r O(r^2)), E = 1 + 5 r^2/44 + r^4/792 + r^6/665280,
    ///      O = 1/2 + r^2/66 + r^4/15840 (coefficients PADE_*_Q96); relative error below 2e-19.
    /// @param xQ96 x * 2^96 (signed).
    /// @return mantissaQ96 e^r * 2^96, in [0.7, 1.42] * 2^96.
    /// @return exponent2 k = round(x / ln2).
    function _expQ96(int256 xQ96) private pure returns (uint256 mantissaQ96, int256 exponent2) {
        assembly ("memory-safe") {
            exponent2 := sar(192, add(mul(xQ96, INV_LN2_Q96), HALF_Q192))
            let r := sub(xQ96, mul(exponent2, LN2_Q96))
            let s := shr(96, mul(r, r))
            let even := add(
                Q96,
                shr(
                    96,
                    mul(s, add(PADE_E1_Q96, shr(96, mul(s, add(PADE_E2_Q96, shr(96, mul(s, PADE_E3_Q96)))))))
                )
            )
            let odd := sar(
                96,
                mul(r, add(PADE_O0_Q96, shr(96, mul(s, add(PADE_O1_Q96, shr(96, mul(s, PADE_O2_Q96)))))))
            )
            mantissaQ96 := div(shl(96, add(even, odd)), sub(even, odd))
        }
    }

    /// @notice Solves W = (K / u) exp(-(u |l| - l) / 2) for u when S != K.
    /// @dev With c = |l| / 2 and L = ln(K / W) + sign(S - K) c, u solves ln u + c u = L. In x = ln u,
    ///      h(x) = x + c e^x - L is increasing and convex, h(0) = c - L < 0 inside the no-arbitrage bounds,
    ///      and x0 = min(L, ln(L / c)) has h(x0) >= 0; Newton's iterates from x0 therefore decrease
    ///      monotonically to the root. The loop stops when h <= 0 or the step vanishes, and after
    ///      MAX_NEWTON_ITERATIONS at most.
    /// @param value The time value W, 18 decimals, 0 < W < min(S, K).
    /// @param spot The spot price S, 18 decimals.
    /// @param strike The strike K, 18 decimals.
    /// @return uQ96 u * 2^96.
    function _solveU(uint256 value, uint256 spot, uint256 strike) private pure returns (uint256 uQ96) {
        bool above = spot > strike;
        uint256 halfLnQ96 = (above ? _lnRatioQ96(spot, strike) : _lnRatioQ96(strike, spot)) >> 1;
        uint256 lnStrikeOverValueQ96 = _lnRatioQ96(strike, value);
        uint256 targetQ96;
        if (above) {
            targetQ96 = lnStrikeOverValueQ96 + halfLnQ96;
        } else {
            if (lnStrikeOverValueQ96 <= 2 * halfLnQ96) revert IPricer.ImpliedVolatilityOutOfRange();
            targetQ96 = lnStrikeOverValueQ96 - halfLnQ96;
        }
        // u > 1 needs L > c; only rounding at the upper price bound can break it.
        if (targetQ96 <= halfLnQ96) revert IPricer.ImpliedVolatilityOutOfRange();
        uint256 xQ96 = targetQ96;
        if (halfLnQ96 != 0) {
            uint256 start = _lnRatioQ96(targetQ96, halfLnQ96);
            if (start < xQ96) xQ96 = start;
            // x only decreases from x0 <= 72 (at 2^96 scale), and c e^x <= c e^(x0) <= L < 2^104 at 2^96 scale,
            // so no product or sum below overflows.
            unchecked {
                for (uint256 i; i < MAX_NEWTON_ITERATIONS; ++i) {
                    (uint256 growthMantissaQ96, int256 growthExponent2) = _expQ96(int256(xQ96));
                    bool converged;
                    assembly ("memory-safe") {
                        // c e^x, with e^x = mantissa 2^k (k >= 0 as x >= 0).
                        let growth := shr(96, mul(halfLnQ96, shl(growthExponent2, growthMantissaQ96)))
                        let sum := add(xQ96, growth)
                        // Stop once h(x) = x + c e^x - L <= 0 or the Newton step h / h' vanishes.
                        let step := mul(
                            gt(sum, targetQ96),
                            div(shl(96, sub(sum, targetQ96)), add(Q96, growth))
                        )
                        converged := iszero(step)
                        xQ96 := mul(gt(xQ96, step), sub(xQ96, step))
                    }
                    if (converged) break;
                }
            }
        }
        (uint256 mantissaQ96, int256 exponent2) = _expQ96(int256(xQ96));
        // x >= 0 gives exponent2 >= 0.
        uQ96 = mantissaQ96 << uint256(exponent2);
    }

    /// @notice sigma = sqrt(8 / (T (u^2 - 1))) in 18 decimals from u at 2^96 scale, rounded down.
    /// @param uQ96 u * 2^96.
    /// @param fundingPeriod The funding period T, seconds.
    /// @return volatility The volatility, 18 decimals.
    function _volatilityFromU(uint256 uQ96, uint256 fundingPeriod) private pure returns (uint256 volatility) {
        if (uQ96 <= Q96) revert IPricer.ImpliedVolatilityOutOfRange();
        // sigma^2 in wad^2 = 8 Y 1e36 2^192 / (period (U - 2^96)(U + 2^96)), split in two roundings.
        uint256 varianceNumerator = FPML.fullMulDiv(EIGHT_YEAR_SECONDS_WAD_SQUARED, Q96, uQ96 - Q96);
        volatility = FPML.sqrt(FPML.fullMulDiv(varianceNumerator, Q96, (uQ96 + Q96) * fundingPeriod));
        if (volatility == 0 || volatility > MAX_VOLATILITY_WAD) revert IPricer.ImpliedVolatilityOutOfRange();
    }

    /// @notice value + max(a - b, 0): a time value plus the intrinsic value of the option exchanging b for a.
    /// @dev Unchecked: value <= min(S, K) on the domain, so the sum is at most max(S, K).
    /// @param value The time value (0 for the intrinsic value alone).
    /// @param a What the holder receives on exercise (S for a call, K for a put).
    /// @param b What the holder pays on exercise (K for a call, S for a put).
    /// @return price value + max(a - b, 0).
    function _addIntrinsic(uint256 value, uint256 a, uint256 b) private pure returns (uint256 price) {
        assembly ("memory-safe") {
            price := add(value, mul(gt(a, b), sub(a, b)))
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Input checks
    // ---------------------------------------------------------------------------------------------------

    /// @notice Reverts with the first failing option-input check.
    /// @param spot The spot price S, 18 decimals.
    /// @param strike The strike K, 18 decimals.
    /// @param volatility The annualised volatility sigma, 18 decimals.
    /// @param fundingPeriod The funding period T, seconds.
    function _revertOptionInputs(
        uint256 spot,
        uint256 strike,
        uint256 volatility,
        uint256 fundingPeriod
    ) private pure {
        _checkPrice(spot, true);
        _checkPrice(strike, false);
        _checkVolatility(volatility);
        _checkFundingPeriod(fundingPeriod);
        revert IPricer.VarianceTooSmall(volatility, fundingPeriod);
    }

    /// @notice Reverts unless 0 < price <= MAX_PRICE_WAD.
    /// @param price The price to check, 18 decimals.
    /// @param isSpot Whether a zero is reported as ZeroSpot (true) or ZeroStrike (false).
    function _checkPrice(uint256 price, bool isSpot) private pure {
        if (price == 0) {
            if (isSpot) revert IPricer.ZeroSpot();
            revert IPricer.ZeroStrike();
        }
        if (price > MAX_PRICE_WAD) revert IPricer.PriceTooLarge(price, MAX_PRICE_WAD);
    }

    /// @notice Reverts unless 0 < volatility <= MAX_VOLATILITY_WAD.
    /// @param volatility The volatility to check, 18 decimals.
    function _checkVolatility(uint256 volatility) private pure {
        if (volatility == 0) revert IPricer.ZeroVolatility();
        if (volatility > MAX_VOLATILITY_WAD) {
            revert IPricer.VolatilityTooLarge(volatility, MAX_VOLATILITY_WAD);
        }
    }

    /// @notice Reverts unless 0 < fundingPeriod <= MAX_FUNDING_PERIOD_SECONDS.
    /// @param fundingPeriod The funding period to check, seconds.
    function _checkFundingPeriod(uint256 fundingPeriod) private pure {
        if (fundingPeriod == 0) revert IPricer.ZeroFundingPeriod();
        if (fundingPeriod > MAX_FUNDING_PERIOD_SECONDS) {
            revert IPricer.FundingPeriodTooLarge(fundingPeriod, MAX_FUNDING_PERIOD_SECONDS);
        }
    }
}
