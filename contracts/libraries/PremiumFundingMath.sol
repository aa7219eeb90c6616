// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";

import {FundingMath} from "./FundingMath.sol";

/// @notice The terms of the exchanges' funding rule, per funding period (all WAD fractions of one period).
/// @param interestWad I, the interest rate per period (1e14 = 0.01% per 8 hours on Binance).
/// @param clampWidthWad c, the half-width of the clamp around I (5e14 = 0.05%).
/// @param rateFloorWad The lowest funding rate per period (negative: shorts pay at most this much).
/// @param rateCapWad The highest funding rate per period (positive: longs pay at most this much).
struct PremiumFundingTerms {
    int256 interestWad;
    int256 clampWidthWad;
    int256 rateFloorWad;
    int256 rateCapWad;
}

/// @title PremiumFundingMath
/// @notice The perpetual-futures funding rule of Binance, OKX and Hyperliquid, paid in kind through the
///         normalization factor NF of a power market. Per funding period (8 hours on the exchanges) longs pay
///             F = clamp(P + clamp(I - P, -c, +c), rateFloor, rateCap),   P = mark / index - 1,
///         the premium index P plus the interest rate I, with the difference I - P clamped to +-c: inside
///         |P - I| <= c the rate rests at I (0.01% per 8 hours), outside it follows the premium. Paid in kind:
///             d ln(NF) / dt = -F / T.
///
///         Exact flow. Between two updates the pool prices are fixed and mark = q * S / NF, so z = ln(mark / index)
///         moves as ln NF falls: dz/dtau = F(z), tau = t / T. F is non-decreasing in z, so z moves monotonically in
///         the direction of F's sign through these segments (ascending z):
///             s0  F = rateFloor                 z <= b0 = ln(1 - c + rateFloor)
///             s1  F = e^z - (1 - c)              b0 <= z <= b1 = ln(1 + I - c)
///             s2  F = I                          b1 <= z <= b2 = ln(1 + I + c)
///             s3  F = e^z - (1 + c)              b2 <= z <= b3 = ln(1 + c + rateCap)
///             s4  F = rateCap                    b3 <= z
///         With a constant rate z(tau) = z0 + F tau. Where F = e^z - a, u = e^-z obeys du/dtau = a u - 1, so
///             e^-z(tau) = 1/a + (e^-z0 - 1/a) e^(a tau),
///         and the segment's edge e^-z_e is reached at tau_e = ln((e^-z_e - 1/a) / (e^-z0 - 1/a)) / a. Moving up,
///         e^-z falls towards 0 in finite time, but the edge b1 or b3 always comes first; moving down (only in
///         s1 below 1 - c, where F < 0, and s0) z falls without limit at the floor rate. At most five segments.
///         NF_new = NF e^-(z_end - z0).
///
///         Long gaps (as FundingMath, I-2): the exact flow assumes the pool's price fixed in ETH while NF moves;
///         over weeks arbitrage holds the premium, not the price. So one update integrates exactly over at most
///         EXACT_GAP_MAX_SECONDS = 1 day and the rate reached there continues linearly for the rest of the gap:
///         continuous in dt, monotone, within rateFloor * dt / T <= -ln(NF_new / NF) <= rateCap * dt / T.
///         Updates at most a day apart compose exactly (path independence, to rounding).
/// @dev Never reverts for any elapsed time (uint32), any funding period T >= 1 s, terms within the validated bounds
///      (`invalidTerm`) and any mark / index ratio, 0 and the segment edges included: at an edge, or wherever rounding
///      gives F the sign opposite to the flow's direction, z is at rest.
library PremiumFundingMath {
    int256 private constant WAD = 1e18;
    /// @notice The largest clamp half-width c (WAD per period, 1e16 = 1%).
    uint256 internal constant MAX_CLAMP_WIDTH_WAD = 1e16;
    /// @notice The largest funding rate bound |F| per period (WAD, 0.1e18 = 10%): the rate floor is
    ///         markRatioFloor - 1 >= -10%, the cap markRatioCap - 1 <= +10%.
    uint256 internal constant MAX_RATE_BOUND_WAD = 0.1e18;

    /// @notice The terms from a market's parameters: I, c, and the rate bounds markRatioFloor - 1 and
    ///         markRatioCap - 1 (the mark-ratio clamp fields bound 1 + F for this rule).
    /// @param interestWad I per period (WAD).
    /// @param clampWidthWad c per period (WAD).
    /// @param markRatioFloorWad 1 + the lowest F (WAD, below 1).
    /// @param markRatioCapWad 1 + the highest F (WAD, above 1).
    /// @return The terms.
    function terms(
        uint256 interestWad,
        uint256 clampWidthWad,
        uint256 markRatioFloorWad,
        uint256 markRatioCapWad
    ) internal pure returns (PremiumFundingTerms memory) {
        return
            PremiumFundingTerms(
                int256(interestWad),
                int256(clampWidthWad),
                int256(markRatioFloorWad) - WAD,
                int256(markRatioCapWad) - WAD
            );
    }

    /// @notice The first of the rule's terms that is out of bounds, or "": 0 <= I <= c <= MAX_CLAMP_WIDTH_WAD,
    ///         -MAX_RATE_BOUND_WAD <= rateFloor < 0, I < rateCap <= MAX_RATE_BOUND_WAD.
    /// @param interestWad I per period (WAD).
    /// @param clampWidthWad c per period (WAD).
    /// @param markRatioFloorWad 1 + the lowest F (WAD).
    /// @param markRatioCapWad 1 + the highest F (WAD).
    /// @return The name of the invalid field, or "".
    function invalidTerm(
        uint256 interestWad,
        uint256 clampWidthWad,
        uint256 markRatioFloorWad,
        uint256 markRatioCapWad
    ) internal pure returns (string memory) {
        if (clampWidthWad > MAX_CLAMP_WIDTH_WAD) return "premiumClampWad";
        if (interestWad > clampWidthWad) return "interestRatePerPeriodWad";
        if (markRatioFloorWad >= uint256(WAD) || markRatioFloorWad < uint256(WAD) - MAX_RATE_BOUND_WAD) {
            return "markRatioFloorWad";
        }
        if (
            markRatioCapWad <= uint256(WAD) + interestWad ||
            markRatioCapWad > uint256(WAD) + MAX_RATE_BOUND_WAD
        ) {
            return "markRatioCapWad";
        }
        return "";
    }

    /// @notice F, the funding rate per period at mark / index = `markIndexRatioWad` (WAD; positive: longs pay).
    /// @param markIndexRatioWad mark / index (WAD).
    /// @param t The rule's terms.
    /// @return The rate per period (WAD).
    function ratePerPeriodWad(
        uint256 markIndexRatioWad,
        PremiumFundingTerms memory t
    ) internal pure returns (int256) {
        int256 premium = int256(FPML.min(markIndexRatioWad, uint256(2 * WAD))) - WAD;
        int256 rate = premium + _clamp(t.interestWad - premium, -t.clampWidthWad, t.clampWidthWad);
        return _clamp(rate, t.rateFloorWad, t.rateCapWad);
    }

    /// @notice The funding rate per day, F * 1 day / T (WAD): the fraction of NF longs pay per day, continuously
    ///         compounded (negative: shorts pay).
    /// @param markIndexRatioWad mark / index (WAD).
    /// @param t The rule's terms.
    /// @param fundingPeriodSeconds The funding period T (8 hours on the exchanges).
    /// @return The rate per day (WAD).
    function ratePerDayWad(
        uint256 markIndexRatioWad,
        PremiumFundingTerms memory t,
        uint256 fundingPeriodSeconds
    ) internal pure returns (int256) {
        return (ratePerPeriodWad(markIndexRatioWad, t) * 1 days) / int256(fundingPeriodSeconds);
    }

    /// @notice NF after `elapsedSeconds` of funding from mark / index = `markIndexRatioWad` (computed with NF):
    ///         exact with the pool prices fixed for up to FundingMath.EXACT_GAP_MAX_SECONDS, linear at the rate
    ///         reached there beyond. Rounded down and clamped like FundingMath.applyExponent.
    /// @param normalizationFactor NF at the start (WAD).
    /// @param markIndexRatioWad mark / index at the start (WAD).
    /// @param t The rule's terms.
    /// @param elapsedSeconds The interval.
    /// @param fundingPeriodSeconds The funding period T.
    /// @return NF at the end (WAD).
    function nextNormalizationFactor(
        uint256 normalizationFactor,
        uint256 markIndexRatioWad,
        PremiumFundingTerms memory t,
        uint256 elapsedSeconds,
        uint256 fundingPeriodSeconds
    ) internal pure returns (uint256) {
        if (elapsedSeconds == 0) return normalizationFactor;
        uint256 exactSeconds = FPML.min(elapsedSeconds, FundingMath.EXACT_GAP_MAX_SECONDS);
        int256 exactTau = int256((exactSeconds * uint256(WAD)) / fundingPeriodSeconds);
        int256 linearTau = int256(((elapsedSeconds - exactSeconds) * uint256(WAD)) / fundingPeriodSeconds);
        (int256 deltaZ, int256 rateAtEnd) = _flow(markIndexRatioWad, t, exactTau);
        deltaZ += (rateAtEnd * linearTau) / WAD;
        return FundingMath.applyExponent(normalizationFactor, -deltaZ);
    }

    /// @dev The exact flow dz/dtau = F(z) from mark / index = `ratio` over `tau`: the change of z = ln(mark /
    ///      index) and the rate F it ends at (WAD).
    function _flow(
        uint256 ratio,
        PremiumFundingTerms memory t,
        int256 tau
    ) private pure returns (int256 deltaZ, int256 rateAtEnd) {
        int256[4] memory edges = _edges(t);
        // Beyond the outer edges the rate is the bound and z only moves further out: no logarithm of 0 needed.
        if (ratio <= uint256(FPML.expWad(edges[0]))) return ((t.rateFloorWad * tau) / WAD, t.rateFloorWad);
        if (ratio >= uint256(FPML.expWad(edges[3]))) return ((t.rateCapWad * tau) / WAD, t.rateCapWad);
        int256 z0 = FPML.lnWad(int256(ratio));
        uint256 s = _segment(z0, edges, true);
        int256 rate = _rate(s, z0, t);
        if (rate < 0) {
            // At an edge the two segments' rates agree to rounding: a rate of the other sign there is at rest.
            s = _segment(z0, edges, false);
            rate = FPML.min(_rate(s, z0, t), 0);
        }
        bool up = rate > 0;
        int256 z = z0;
        while (tau > 0 && rate != 0) {
            (z, tau) = _advance(s, z, tau, edges, t, up);
            if (tau > 0) s = up ? s + 1 : s - 1;
            rate = _rate(s, z, t);
            // F keeps its sign along the flow; a rate of the other sign after an edge is rounding: at rest.
            if (up ? rate < 0 : rate > 0) rate = 0;
        }
        return (z - z0, rate);
    }

    /// @dev Moves z through segment `s` (in the direction `up`) for at most `tau`: the new z and the tau left when
    ///      the segment's edge is reached first (0 otherwise).
    function _advance(
        uint256 s,
        int256 z,
        int256 tau,
        int256[4] memory edges,
        PremiumFundingTerms memory t,
        bool up
    ) private pure returns (int256, int256) {
        bool hasEdge = up ? s < 4 : s > 0;
        int256 edge = hasEdge ? edges[up ? s : s - 1] : int256(0);
        if (s % 2 == 0) {
            int256 rate = _rate(s, z, t);
            if (rate == 0) return (z, 0);
            if (hasEdge) {
                int256 toEdge = ((edge - z) * WAD) / rate;
                if (toEdge < tau) return (edge, tau - FPML.max(toEdge, 0));
            }
            return (z + (rate * tau) / WAD, 0);
        }
        int256 a = s == 1 ? WAD - t.clampWidthWad : WAD + t.clampWidthWad;
        int256 inverseA = (WAD * WAD) / a;
        int256 d0 = FPML.expWad(-z) - inverseA; // e^-z0 - 1/a: negative moving up, positive moving down
        // F within rounding of 0, or of the other sign: at rest.
        if (up ? d0 >= 0 : d0 <= 0) return (z, 0);
        // e^(a tau_e) at the edge: above 1 when the edge lies ahead; not positive only at a rest point (rounding).
        int256 growth = ((FPML.expWad(-edge) - inverseA) * WAD) / d0;
        if (growth <= 0) return (z, 0);
        int256 tauToEdge = growth > WAD ? (FPML.lnWad(growth) * WAD) / a : int256(0);
        if (tauToEdge < tau) return (edge, tau - tauToEdge);
        int256 u = inverseA + (d0 * FPML.expWad((a * tau) / WAD)) / WAD;
        return (-FPML.lnWad(u), 0);
    }

    /// @dev The segment z lies in: moving up, the one whose lower edge z has reached; moving down, the one whose upper
    ///      edge z has reached.
    function _segment(int256 z, int256[4] memory edges, bool up) private pure returns (uint256 s) {
        while (s < 4 && (up ? z >= edges[s] : z > edges[s])) ++s;
    }

    /// @dev F in segment `s` at z.
    function _rate(uint256 s, int256 z, PremiumFundingTerms memory t) private pure returns (int256) {
        if (s == 0) return t.rateFloorWad;
        if (s == 2) return t.interestWad;
        if (s == 4) return t.rateCapWad;
        return FPML.expWad(z) - (s == 1 ? WAD - t.clampWidthWad : WAD + t.clampWidthWad);
    }

    /// @dev The segment edges b0..b3 in z = ln(mark / index) (see the library header).
    function _edges(PremiumFundingTerms memory t) private pure returns (int256[4] memory) {
        return
            [
                FPML.lnWad(WAD - t.clampWidthWad + t.rateFloorWad),
                FPML.lnWad(WAD + t.interestWad - t.clampWidthWad),
                FPML.lnWad(WAD + t.interestWad + t.clampWidthWad),
                FPML.lnWad(WAD + t.clampWidthWad + t.rateCapWad)
            ];
    }

    function _clamp(int256 x, int256 lo, int256 hi) private pure returns (int256) {
        return
            x < lo
                ? lo
                : x > hi
                    ? hi
                    : x;
    }
}
