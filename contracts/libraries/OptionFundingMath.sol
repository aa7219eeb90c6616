// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";

import {FundingMath} from "./FundingMath.sol";

/// @notice The band [floor, cap] of x = payoff / mark that an everlasting option's funding uses.
/// @param floorWad The lowest x funding uses (WAD, 0 to OptionFundingMath.FLOOR_MAX_WAD; 0: no floor).
/// @param capWad The highest x funding uses (WAD, OptionFundingMath.CAP_MIN_WAD to CAP_MAX_WAD).
struct OptionFundingBand {
    uint256 floorWad;
    uint256 capWad;
}

/// @title OptionFundingMath
/// @notice Funding of an everlasting call or put paid in kind through the normalization factor NF. A long's
///         claim per token is NF * payoff(S) with payoff = max(S - K, 0) (call) or max(K - S, 0) (put), in USD;
///         the mark per unit of claim is m = q * S / NF (q: the token's TWAP in ETH per token). Paradigm's rule,
///         longs pay (m - payoff) / T per unit of claim and time, paid in kind at the mark (dNF * m = -NF (m -
///         payoff) dt / T), is
///             d ln(NF) / dt = -(1 - x) / T,   x = clamp(payoff / m, floor, cap),
///         so NF falls while the token trades above intrinsic (x < 1) and rises below it (x > 1).
///
///         Exact flow. Between two updates the oracle prices are fixed, so x = payoff * NF / (q * S) is
///         proportional to NF and, with tau = t / T, inside the band dx/dtau = -x (1 - x): the logistic equation.
///         With y = 1 / x, dy/dtau = y - 1, so y - 1 = (1 / x0 - 1) e^tau and
///             x(tau) = x0 / D(tau),   NF(tau) / NF0 = x(tau) / x0 = 1 / D(tau),   D = x0 + (1 - x0) e^tau.
///         - x0 = 1 is a fixed point (D = 1): the token trades at intrinsic and no funding flows.
///         - 0 < x0 < 1: D grows, x decays towards 0 and NF towards NF0 e^-tau / (1 - x0); with floor > 0, x leaves
///           the band through the floor.
///         - x0 > 1: D falls and reaches 0 at e^tau = x0 / (x0 - 1) (NF would blow up in finite time), so x always
///           leaves the band through the cap first (cap >= 1 is required; cap = 1 makes every x >= 1 stationary).
///         - Outside the band the rate is constant, b - 1 at the edge b it left through or lies beyond, and x
///           moves further from the band (x proportional to NF: below the floor NF falls, so x does; above the cap
///           NF rises, so x does): it never comes back. Out of the money (payoff 0, x = 0) is the cheapest case:
///           NF e^-((1 - floor) tau), i.e. NF e^-tau with no floor.
///         Leaving through the edge b (floor or cap) at tau_b, where x(tau_b) = b and so NF / NF0 = b / x0:
///             tau_b = ln(x0 / b) + ln((1 - b) / (1 - x0)),
///             ln(NF(tau) / NF0) = ln(b / x0) + (b - 1)(tau - tau_b)
///                               = b ln(b / x0) - (1 - b)(tau - ln((1 - b) / (1 - x0))).
///         Since 1 wei <= |1 - x0|, |x0|, b, |1 - b| <= 1 (band bounds), tau_b < 83: beyond that the flow has left
///         the band, so e^tau is only ever evaluated below e^83.
///
///         Long gaps (as FundingMath, I-2): the exact flow assumes the pool's price fixed in ETH while NF moves;
///         over weeks arbitrage holds the premium, not the price. So one update integrates exactly over at most
///         EXACT_GAP_MAX_SECONDS = 1 day (tau_e = min(dt, 1 day) / T) and the rate reached there, x(tau_e) - 1,
///         continues linearly for the rest of the gap:
///             ln(NF_new / NF) = ln(NF(tau_e) / NF0) + (x(tau_e) - 1) (dt - min(dt, 1 day)) / T.
///         This is continuous in dt, monotone (the rate keeps the sign of x0 - 1), and within
///         -(1 - floor) dt / T <= ln(NF_new / NF) <= (cap - 1) dt / T. Updates at most a day apart compose exactly.
///
///         Rounding. NF is both the longs' claim and the shorts' debt per token, so its rounding moves value
///         between longs and shorts, never between the vaults and the protocol: the engine's solvency comes from
///         rounding each token's debt up and each claim down, downstream of NF. Every rounding here is directed
///         towards a lower NF (x0 floored, D rounded up, rates and exponents floored, NF floored like
///         FundingMath.applyExponent), so a repeated update cannot ratchet the shorts' debt up by rounding; the
///         transcendental kernels (lnWad, expWad) are accurate to about 1e-18 but not directed.
/// @dev Never reverts for any elapsed time, any funding period T >= 1 s, a band within the validated bounds, NF in
///      [1, 2^128), payoff < 2^128 (the engine's S fits a uint88; the strike must be validated below 2^128), any S
///      and any q (q = 0 or S = 0 with a payoff means no mark: x saturates above every cap). The result is
///      clamped into [1, 2^128 - 1] as in FundingMath.
library OptionFundingMath {
    /// @notice The band's floor is above FLOOR_MAX_WAD.
    /// @param floorWad The floor given.
    /// @param maxFloorWad The largest floor accepted.
    error OptionFundingFloorTooHigh(uint256 floorWad, uint256 maxFloorWad);

    /// @notice The band's cap is outside [CAP_MIN_WAD, CAP_MAX_WAD].
    /// @param capWad The cap given.
    /// @param minCapWad The smallest cap accepted.
    /// @param maxCapWad The largest cap accepted.
    error OptionFundingCapOutOfRange(uint256 capWad, uint256 minCapWad, uint256 maxCapWad);

    /// @notice One unit in 18-decimal fixed point.
    uint256 internal constant WAD = 1e18;
    /// @notice Seconds in a day (the rate unit of `fundingRatePerDayWad`).
    uint256 internal constant SECONDS_PER_DAY = 86_400;
    /// @notice The longest gap one update integrates exactly, in seconds (FundingMath's bound).
    uint256 internal constant EXACT_GAP_MAX_SECONDS = FundingMath.EXACT_GAP_MAX_SECONDS;
    /// @notice Largest band floor, 0.5 (WAD). A floor caps what longs pay at (1 - floor) / T; but x = 0 at and out
    ///         of the money, where the fair rate is the full 1 / T, so any floor undercharges every option without
    ///         intrinsic value. Beyond one half it would cut that funding by more than half.
    uint256 internal constant FLOOR_MAX_WAD = 0.5e18;
    /// @notice Smallest band cap, 1 (WAD): below it a token trading under intrinsic would still pay funding, and the
    ///         fixed point x = 1 would lie outside the band.
    uint256 internal constant CAP_MIN_WAD = 1e18;
    /// @notice Largest band cap, 2 (WAD): NF then rises at most at 1 / T (a token at half its intrinsic value or
    ///         less), as fast as it falls out of the money, so a pool held low moves the shorts' debt at most as
    ///         fast as a pool held high moves the longs' claim. The bound tau_b < 83 also uses cap - 1 <= 1.
    uint256 internal constant CAP_MAX_WAD = 2e18;
    /// @notice x saturates here (x = 1e18): any x at least this large is above every cap.
    uint256 internal constant RATIO_SATURATION_WAD = 1e36;

    /// @dev Beyond this tau (WAD) the flow has left a band with a non-zero floor, or through the cap (tau_b < 83);
    ///      with no floor and x0 < 1, x0 e^-tau < 1e-36 (relative to 1 - x0 >= 1e-18, below 1e-18): ln D = tau +
    ///      ln(1 - x0). Below it e^tau < 1.2e36 (WAD: 1.2e54), so no product here overflows.
    uint256 private constant TAU_EXIT_BOUND_WAD = 83e18;
    int256 private constant IWAD = 1e18;

    /// @notice Builds a band after checking its bounds: 0 <= floor <= FLOOR_MAX_WAD, CAP_MIN_WAD <= cap <= CAP_MAX_WAD.
    /// @param floorWad The lowest x = payoff / mark funding uses (WAD).
    /// @param capWad The highest x funding uses (WAD).
    /// @return The band.
    function band(uint256 floorWad, uint256 capWad) internal pure returns (OptionFundingBand memory) {
        if (floorWad > FLOOR_MAX_WAD) revert OptionFundingFloorTooHigh(floorWad, FLOOR_MAX_WAD);
        if (capWad < CAP_MIN_WAD || capWad > CAP_MAX_WAD) {
            revert OptionFundingCapOutOfRange(capWad, CAP_MIN_WAD, CAP_MAX_WAD);
        }
        return OptionFundingBand(floorWad, capWad);
    }

    /// @notice The option's payoff per unit of claim: max(S - K, 0) for a call, max(K - S, 0) for a put (USD, WAD).
    /// @param isCall Call (true) or put (false).
    /// @param ethPriceWad S, USD per ETH (WAD).
    /// @param strikeWad K, USD per ETH (WAD).
    /// @return The payoff (USD, WAD; exact).
    function payoffWad(bool isCall, uint256 ethPriceWad, uint256 strikeWad) internal pure returns (uint256) {
        if (isCall) return ethPriceWad > strikeWad ? ethPriceWad - strikeWad : 0;
        return strikeWad > ethPriceWad ? strikeWad - ethPriceWad : 0;
    }

    /// @notice The mark per unit of claim, m = q * S / NF (USD, WAD), rounded down: comparable with the payoff.
    /// @dev For views (the lens); reverts only if the result exceeds 2^256 (q * S / NF, not for engine prices).
    /// @param tokenPriceEthWad q, the token's TWAP in ETH per token (WAD).
    /// @param ethPriceWad S, USD per ETH (WAD).
    /// @param normalizationFactor NF (WAD, non-zero).
    /// @return The mark (USD per unit of claim, WAD).
    function markPerClaimWad(
        uint256 tokenPriceEthWad,
        uint256 ethPriceWad,
        uint256 normalizationFactor
    ) internal pure returns (uint256) {
        return FPML.fullMulDiv(tokenPriceEthWad, ethPriceWad, normalizationFactor);
    }

    /// @notice x = payoff / mark = payoff * NF / (q * S) (WAD), rounded down (a lower x lowers NF), saturated at
    ///         RATIO_SATURATION_WAD.
    /// @param payoffUsdWad The payoff per unit of claim (USD, WAD; below 2^128).
    /// @param tokenPriceEthWad q (WAD; any value, 0 meaning no mark).
    /// @param ethPriceWad S (WAD; any value).
    /// @param normalizationFactor NF (WAD, below 2^128).
    /// @return x (WAD).
    function payoffMarkRatioWad(
        uint256 payoffUsdWad,
        uint256 tokenPriceEthWad,
        uint256 ethPriceWad,
        uint256 normalizationFactor
    ) internal pure returns (uint256) {
        if (payoffUsdWad == 0) return 0;
        uint256 numerator = payoffUsdWad * normalizationFactor; // below 2^256 on the domain
        uint256 denominator;
        unchecked {
            denominator = tokenPriceEthWad * ethPriceWad;
            if (tokenPriceEthWad != 0 && denominator / tokenPriceEthWad != ethPriceWad) {
                // q * S >= 2^256 (so q > 2^128 here): x < WAD. Dividing by S first floors by less than one unit,
                // which moves x by less than WAD / q < 1 wei.
                return FPML.fullMulDiv(numerator / ethPriceWad, WAD, tokenPriceEthWad);
            }
        }
        if (denominator == 0) return RATIO_SATURATION_WAD; // no mark: x is unbounded
        if (numerator / denominator >= RATIO_SATURATION_WAD / WAD) return RATIO_SATURATION_WAD;
        return FPML.fullMulDiv(numerator, WAD, denominator); // floor
    }

    /// @notice clamp(x, floor, cap) (WAD).
    /// @param ratioWad x = payoff / mark (WAD).
    /// @param fundingBand The band.
    /// @return The clamped x (WAD).
    function clampedRatioWad(
        uint256 ratioWad,
        OptionFundingBand memory fundingBand
    ) internal pure returns (uint256) {
        if (ratioWad <= fundingBand.floorWad) return fundingBand.floorWad;
        if (ratioWad >= fundingBand.capWad) return fundingBand.capWad;
        return ratioWad;
    }

    /// @notice The funding rate per day, (1 - clamp(x)) * 1 day / T (WAD): the fraction of NF longs pay per day,
    ///         continuously compounded (negative: NF rises, shorts pay), at the current prices and NF.
    /// @param normalizationFactor NF (WAD).
    /// @param payoffUsdWad The payoff per unit of claim (USD, WAD).
    /// @param tokenPriceEthWad q (WAD).
    /// @param ethPriceWad S (WAD).
    /// @param fundingBand The band.
    /// @param fundingPeriodSeconds The funding period T (non-zero).
    /// @return The rate per day (WAD, signed).
    function fundingRatePerDayWad(
        uint256 normalizationFactor,
        uint256 payoffUsdWad,
        uint256 tokenPriceEthWad,
        uint256 ethPriceWad,
        OptionFundingBand memory fundingBand,
        uint256 fundingPeriodSeconds
    ) internal pure returns (int256) {
        uint256 x = clampedRatioWad(
            payoffMarkRatioWad(payoffUsdWad, tokenPriceEthWad, ethPriceWad, normalizationFactor),
            fundingBand
        );
        return ((IWAD - int256(x)) * int256(SECONDS_PER_DAY)) / int256(fundingPeriodSeconds);
    }

    /// @notice The normalization factor after `elapsedSeconds` of funding with the prices fixed: exact for up to
    ///         EXACT_GAP_MAX_SECONDS, then linear at the rate reached there (see the library header).
    /// @param normalizationFactor NF at the start of the interval (WAD, 1 to 2^128 - 1).
    /// @param payoffUsdWad The payoff per unit of claim at S (USD, WAD; `payoffWad`).
    /// @param tokenPriceEthWad q, the token's TWAP in ETH per token (WAD).
    /// @param ethPriceWad S, the ETH/USD TWAP (WAD).
    /// @param fundingBand The band of x (within the bounds `band` checks).
    /// @param elapsedSeconds The interval.
    /// @param fundingPeriodSeconds The funding period T (non-zero).
    /// @return NF at the end of the interval (WAD), floored and clamped into [1, 2^128 - 1].
    function nextNormalizationFactor(
        uint256 normalizationFactor,
        uint256 payoffUsdWad,
        uint256 tokenPriceEthWad,
        uint256 ethPriceWad,
        OptionFundingBand memory fundingBand,
        uint256 elapsedSeconds,
        uint256 fundingPeriodSeconds
    ) internal pure returns (uint256) {
        if (elapsedSeconds == 0) return normalizationFactor;
        uint256 x0 = payoffMarkRatioWad(payoffUsdWad, tokenPriceEthWad, ethPriceWad, normalizationFactor);
        int256 exponent = exponentWad(x0, fundingBand, elapsedSeconds, fundingPeriodSeconds);
        // Floors NF (towards the shorts, by at most a wei per update) and clamps it into [1, 2^128 - 1].
        return FundingMath.applyExponent(normalizationFactor, exponent);
    }

    /// @notice ln(NF_new / NF) (WAD) for an update that starts at x = `ratioWad`, rounded down.
    /// @param ratioWad x0 = payoff / mark at the start of the interval (WAD; `payoffMarkRatioWad`).
    /// @param fundingBand The band.
    /// @param elapsedSeconds The interval.
    /// @param fundingPeriodSeconds The funding period T (non-zero).
    /// @return The exponent (WAD): negative when longs pay.
    function exponentWad(
        uint256 ratioWad,
        OptionFundingBand memory fundingBand,
        uint256 elapsedSeconds,
        uint256 fundingPeriodSeconds
    ) internal pure returns (int256) {
        // Outside the band (out of the money included): the constant rate b - 1 for the whole gap. Rounded
        // down: the magnitude up below the floor, down above the cap.
        if (ratioWad <= fundingBand.floorWad) {
            return -int256(FPML.divUp((WAD - fundingBand.floorWad) * elapsedSeconds, fundingPeriodSeconds));
        }
        if (ratioWad >= fundingBand.capWad) {
            return int256(((fundingBand.capWad - WAD) * elapsedSeconds) / fundingPeriodSeconds);
        }
        if (ratioWad == WAD) return 0; // the fixed point
        uint256 exactSeconds =
            elapsedSeconds < EXACT_GAP_MAX_SECONDS ? elapsedSeconds : EXACT_GAP_MAX_SECONDS;
        (int256 exactExponent, int256 rateAtEnd) = _exactFlow(
            ratioWad,
            fundingBand,
            (exactSeconds * WAD) / fundingPeriodSeconds
        );
        if (exactSeconds == elapsedSeconds) return exactExponent;
        // Beyond the exact window the rate x(tau_e) - 1 reached there continues.
        int256 linearTau = int256(((elapsedSeconds - exactSeconds) * WAD) / fundingPeriodSeconds);
        return exactExponent + _mulWadDown(rateAtEnd, linearTau);
    }

    /// @dev The exact flow from x0 strictly inside the band (x0 != 1) over `tau` (WAD): ln(NF(tau) / NF0) and the
    ///      rate x(tau) - 1 it ends at (WAD), both rounded down.
    function _exactFlow(
        uint256 x0,
        OptionFundingBand memory fundingBand,
        uint256 tau
    ) private pure returns (int256 exponent, int256 rateAtEnd) {
        bool rising = x0 > WAD;
        if (tau < TAU_EXIT_BOUND_WAD) {
            // D = 1 + (1 - x0)(e^tau - 1), rounded up; NF(tau) = NF0 / D and x(tau) = x0 / D.
            uint256 growth = uint256(FPML.expWad(int256(tau))) - WAD; // e^tau - 1 < 1.2e54
            int256 d =
                rising
                    ? IWAD - int256(FPML.mulWad(x0 - WAD, growth))
                    : IWAD + int256(FPML.mulWadUp(WAD - x0, growth));
            // Still inside: x(tau) < cap (D > x0 / cap), or x(tau) > floor (D < x0 / floor; always with no floor).
            bool inside =
                rising
                    ? d > 0 && uint256(d) * fundingBand.capWad > x0 * WAD
                    : fundingBand.floorWad == 0 || uint256(d) * fundingBand.floorWad < x0 * WAD;
            if (inside) return (-FPML.lnWad(d), int256((x0 * WAD) / uint256(d)) - IWAD);
        } else if (!rising && fundingBand.floorWad == 0) {
            // ln D = tau + ln(1 - x0 + x0 e^-tau) = tau + ln(1 - x0) to 1e-18; x(tau) < 1 wei.
            return (-int256(tau) - FPML.lnWad(int256(WAD - x0)), -IWAD);
        }
        // Left through the edge b: ln(NF / NF0) = b ln(b / x0) - (1 - b)(tau - ln((1 - b) / (1 - x0))).
        uint256 edge = rising ? fundingBand.capWad : fundingBand.floorWad;
        int256 logEdgeOverX0 = FPML.lnWad(int256(edge)) - FPML.lnWad(int256(x0));
        int256 logGapRatio =
            rising
                ? FPML.lnWad(int256(edge - WAD)) - FPML.lnWad(int256(x0 - WAD))
                : FPML.lnWad(int256(WAD - edge)) - FPML.lnWad(int256(WAD - x0));
        rateAtEnd = int256(edge) - IWAD;
        exponent =
            _mulWadDown(int256(edge), logEdgeOverX0) + _mulWadDown(rateAtEnd, int256(tau) - logGapRatio);
    }

    /// @dev a * b / WAD rounded towards minus infinity (|a * b| < 2^255 here).
    function _mulWadDown(int256 a, int256 b) private pure returns (int256 z) {
        int256 product = a * b;
        z = product / IWAD;
        if (product < 0 && z * IWAD != product) --z;
    }
}
