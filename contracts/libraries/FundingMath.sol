// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";

/// @notice The clamp of mark / index used for funding, with the logarithms of its bounds precomputed.
/// @param floorWad The lowest mark / index funding uses (0.8e18).
/// @param capWad The highest mark / index funding uses (1.4e18).
/// @param logFloorWad ln(floorWad) in WAD (negative or zero).
/// @param logCapWad ln(capWad) in WAD (positive or zero).
struct MarkClamp {
    uint256 floorWad;
    uint256 capWad;
    int256 logFloorWad;
    int256 logCapWad;
}

/// @title FundingMath
/// @notice Funding paid in kind through the normalization factor NF. The instantaneous rule is
///             d ln(NF) / dt = -ln(clamp(mark / index)) / T,
///         i.e. over a short dt, NF_new = NF * (index / clamp(mark))^(dt / T). Funding is charged on the
///         premium z = ln(mark / index), and with the pool prices fixed z itself moves as NF moves, because
///         mark = q * S / NF: dz/dtau = clamp(z) with tau = t / T. Between two updates the oracle prices are
///         constant, so this library applies the exact solution of that equation instead of one Euler step:
///             inside the clamp   z(tau) = z0 * e^tau                    (until |z| reaches the bound)
///             at the clamp       z(tau) = z_c + bound * (tau - tau_c)   (constant, clamped rate)
///         and NF_new = NF * exp(-(z(tau) - z0)). Exact integration is path-independent: one update over dt and
///         k updates over dt / k agree up to rounding.
///
///         Long gaps (I-2). The exact solution assumes the pool's price stays fixed in ETH while NF moves, which
///         holds over a block but not over weeks: in a live market arbitrage holds the premium, not the price, and
///         z0 * e^tau would charge (e^tau - 1) / tau times the premium's funding (at mark / index = 1.01: -38.6%
///         of NF after 70 days instead of -3.9%). So one update integrates exactly over at most
///         EXACT_GAP_MAX_SECONDS = 1 day (tau_b = 1 day / T); beyond it the rate reached there continues:
///             x(tau) = -(z(tau) - z0)                                       for tau <= tau_b
///             x(tau) = -(z(tau_b) - z0) - clamp(z(tau_b)) * (tau - tau_b)   for tau >  tau_b
///         and NF_new = NF * e^x. x is continuous in the gap (the two branches agree at tau_b), monotone (the
///         linear rate has the sign of z0), and |x| <= |ln(bound)| * tau (|clamp(z)| <= |ln(bound)|), so each
///         update stays within the clamp bounds. Updates at most 1 day apart compose exactly (path-independent);
///         an update after a longer gap charges the rate of the day after the last update, never more. At a clamp
///         it equals Squeeth's NF * (index / clamped mark)^(dt / T) exactly.
/// @dev Never reverts for any elapsed time: the result is clamped into [1, NORMALIZATION_FACTOR_MAX]. Squeeth's
///      original linearised form reverted after about 4 days without updates (TOB-OPYN-PP-005).
library FundingMath {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant SECONDS_PER_DAY = 86_400;
    uint256 internal constant SECONDS_PER_YEAR = 365 days;

    /// @notice The largest normalization factor storable (it lives in a uint128).
    uint256 internal constant NORMALIZATION_FACTOR_MAX = type(uint128).max;
    /// @notice The smallest normalization factor: funding shrinks it towards, never to, zero.
    uint256 internal constant NORMALIZATION_FACTOR_MIN = 1;
    /// @dev Beyond this exponent (WAD) NF * e^x exceeds NORMALIZATION_FACTOR_MAX for any NF >= 3 wei, while
    ///      e^x * NORMALIZATION_FACTOR_MAX still fits in 256 bits.
    int256 private constant EXPONENT_CAP_WAD = 88e18;
    /// @dev expWad's domain ends near 135.3; below -EXPONENT_FLOOR_WAD the result is under 1 wei for any NF.
    int256 private constant EXPONENT_FLOOR_WAD = -135e18;
    /// @dev For tau above this, z0 * e^tau passes any clamp bound even for |z0| = 1e-18 (e^84 > 1e36).
    uint256 private constant TAU_ALWAYS_CLAMPED_WAD = 84e18;
    /// @notice The longest gap one update integrates exactly, in seconds; beyond it the rate reached at this
    ///         bound continues linearly (see the library header, I-2).
    uint256 internal constant EXACT_GAP_MAX_SECONDS = 1 days;

    /// @notice Builds a clamp, precomputing the logarithms of its bounds.
    /// @param floorWad The lower bound of mark / index (0 < floor <= 1e18).
    /// @param capWad The upper bound of mark / index (cap >= 1e18).
    /// @return The clamp.
    function markClamp(uint256 floorWad, uint256 capWad) internal pure returns (MarkClamp memory) {
        return MarkClamp(floorWad, capWad, FPML.lnWad(int256(floorWad)), FPML.lnWad(int256(capWad)));
    }

    /// @notice ln(clamp(mark / index)) in WAD: the instantaneous funding rate per funding period.
    /// @param markIndexRatioWad mark / index (WAD).
    /// @param clamp The mark / index clamp.
    /// @return ln of the clamped ratio (WAD; negative below 1).
    function clampedLogRatioWad(
        uint256 markIndexRatioWad,
        MarkClamp memory clamp
    ) internal pure returns (int256) {
        if (markIndexRatioWad <= clamp.floorWad) return clamp.logFloorWad;
        if (markIndexRatioWad >= clamp.capWad) return clamp.logCapWad;
        return FPML.lnWad(int256(markIndexRatioWad));
    }

    /// @notice The exponent x (WAD) of one funding update, NF_new = NF * e^x, for a premium that starts at
    ///         mark / index = `markIndexRatioWad`: exact with the pool prices fixed for up to
    ///         EXACT_GAP_MAX_SECONDS, then linear at the rate reached there.
    /// @param markIndexRatioWad mark / index at the start of the interval, with the stored NF.
    /// @param clamp The mark / index clamp.
    /// @param elapsedSeconds The interval (any uint32 value).
    /// @param fundingPeriodSeconds The funding period T (non-zero).
    /// @return The exponent x (WAD): negative when longs pay (mark above index).
    function exponentWad(
        uint256 markIndexRatioWad,
        MarkClamp memory clamp,
        uint256 elapsedSeconds,
        uint256 fundingPeriodSeconds
    ) internal pure returns (int256) {
        int256 z0 = clampedLogRatioWad(markIndexRatioWad, clamp);
        if (z0 == 0) return 0;
        int256 bound = z0 > 0 ? clamp.logCapWad : clamp.logFloorWad;
        uint256 exactSeconds =
            elapsedSeconds < EXACT_GAP_MAX_SECONDS ? elapsedSeconds : EXACT_GAP_MAX_SECONDS;
        (int256 deltaZ, int256 rateAtBound) = _exactFlow(
            z0,
            bound,
            int256((exactSeconds * WAD) / fundingPeriodSeconds)
        );
        // Beyond the exact window: the rate clamp(z(tau_b)) continues (zero extra time for gaps within it).
        int256 linearTau = int256(((elapsedSeconds - exactSeconds) * WAD) / fundingPeriodSeconds);
        return -(deltaZ + (rateAtBound * linearTau) / int256(WAD));
    }

    /// @dev The exact flow dz/dtau = clamp(z) from z0 (inside the clamp or at its `bound`) over `tau`: the premium's
    ///      change z(tau) - z0 and the funding rate clamp(z(tau)) it ends at (WAD).
    function _exactFlow(
        int256 z0,
        int256 bound,
        int256 tau
    ) private pure returns (int256 deltaZ, int256 rateAtEnd) {
        // Already at the clamp: the premium drifts at the clamped rate.
        if (z0 == bound) return ((bound * tau) / int256(WAD), bound);
        // Inside the clamp: z(tau) = z0 e^tau while that stays inside.
        if (uint256(tau) < TAU_ALWAYS_CLAMPED_WAD) {
            deltaZ = (z0 * (FPML.expWad(tau) - int256(WAD))) / int256(WAD); // z0 (e^tau - 1)
            int256 z = z0 + deltaZ;
            if (z0 > 0 ? z < bound : z > bound) return (deltaZ, z);
        }
        // Reaches the clamp at tau_c = ln(bound / z0), then drifts at the clamped rate.
        int256 tauToClamp = FPML.lnWad((bound * int256(WAD)) / z0);
        return ((bound - z0) + (bound * (tau - tauToClamp)) / int256(WAD), bound);
    }

    /// @notice NF * e^x, rounded down, clamped into [NORMALIZATION_FACTOR_MIN, NORMALIZATION_FACTOR_MAX].
    /// @dev For x < 0 the result is computed as NF / e^-x: e^-x is a large WAD number with full relative
    ///      precision, where e^x would keep only a few significant digits. Rounding NF down makes funding
    ///      deterministic; it moves at most 1 wei of NF per update between longs and shorts.
    /// @param normalizationFactor The factor before the update (WAD).
    /// @param xWad The exponent x (WAD).
    /// @return result The factor after the update (WAD).
    function applyExponent(uint256 normalizationFactor, int256 xWad) internal pure returns (uint256 result) {
        if (xWad >= 0) {
            if (xWad > EXPONENT_CAP_WAD) xWad = EXPONENT_CAP_WAD;
            result = FPML.fullMulDiv(normalizationFactor, uint256(FPML.expWad(xWad)), WAD);
        } else {
            if (xWad < EXPONENT_FLOOR_WAD) return NORMALIZATION_FACTOR_MIN;
            result = FPML.fullMulDiv(normalizationFactor, WAD, uint256(FPML.expWad(-xWad)));
        }
        if (result > NORMALIZATION_FACTOR_MAX) return NORMALIZATION_FACTOR_MAX;
        if (result < NORMALIZATION_FACTOR_MIN) return NORMALIZATION_FACTOR_MIN;
    }

    /// @notice The normalization factor after `elapsedSeconds` of funding: exact with the pool prices fixed for up
    ///         to EXACT_GAP_MAX_SECONDS, linear at the rate reached there beyond.
    /// @param normalizationFactor The factor at the start of the interval (WAD).
    /// @param markIndexRatioWad mark / index at the start of the interval, computed with that factor.
    /// @param clamp The mark / index clamp.
    /// @param elapsedSeconds The interval.
    /// @param fundingPeriodSeconds The funding period T.
    /// @return The factor at the end of the interval (WAD).
    function nextNormalizationFactor(
        uint256 normalizationFactor,
        uint256 markIndexRatioWad,
        MarkClamp memory clamp,
        uint256 elapsedSeconds,
        uint256 fundingPeriodSeconds
    ) internal pure returns (uint256) {
        if (elapsedSeconds == 0) return normalizationFactor;
        int256 x = exponentWad(markIndexRatioWad, clamp, elapsedSeconds, fundingPeriodSeconds);
        return applyExponent(normalizationFactor, x);
    }

    /// @notice The funding rate per day, ln(clamped mark / index) * 1 day / T (WAD): the fraction of the
    ///         normalization factor longs pay per day, continuously compounded (negative: shorts pay).
    /// @param markIndexRatioWad mark / index (WAD).
    /// @param clamp The mark / index clamp.
    /// @param fundingPeriodSeconds The funding period T.
    /// @return The rate per day (WAD).
    function ratePerDayWad(
        uint256 markIndexRatioWad,
        MarkClamp memory clamp,
        uint256 fundingPeriodSeconds
    ) internal pure returns (int256) {
        return
            (clampedLogRatioWad(markIndexRatioWad, clamp) * int256(SECONDS_PER_DAY)) /
            int256(fundingPeriodSeconds);
    }

    /// @notice The volatility implied by mark / index for a power-n perpetual: the fair mark / index is
    ///         exp(n (n - 1) sigma^2 T / 2), so sigma = sqrt(2 ln(mark / index) / (n (n - 1) T_years)).
    /// @param markIndexRatioWad mark / index (WAD).
    /// @param power The power n of the perpetual.
    /// @param fundingPeriodSeconds The funding period T.
    /// @return The annualised volatility (WAD); 0 when mark <= index or n < 2.
    function impliedVolatilityWad(
        uint256 markIndexRatioWad,
        uint256 power,
        uint256 fundingPeriodSeconds
    ) internal pure returns (uint256) {
        if (power < 2 || markIndexRatioWad <= WAD) return 0;
        uint256 logRatioWad = uint256(FPML.lnWad(int256(markIndexRatioWad)));
        uint256 varianceWad = FPML.fullMulDiv(
            2 * logRatioWad,
            SECONDS_PER_YEAR,
            power * (power - 1) * fundingPeriodSeconds
        );
        return FPML.sqrtWad(varianceWad);
    }
}
