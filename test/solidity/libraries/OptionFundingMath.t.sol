// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";

import {OptionFundingBand, OptionFundingMath} from "../../../contracts/libraries/OptionFundingMath.sol";
import {Test} from "../utils/Test.sol";

/// @notice Properties of the everlasting option's funding: path independence, direction, the fixed point x = 1,
///         continuity at the band's edges and in the gap, the outside-band closed forms, no revert.
contract OptionFundingMathTest is Test {
    uint256 private constant WAD = 1e18;
    /// @dev One day: the exact window is one funding period, so the flow leaves the band within it.
    uint256 private constant PERIOD = 1 days;
    uint256 private constant TEN_YEARS = 3650 days;
    uint256 private constant NF_MAX = type(uint128).max;

    /// @dev A band within the validated bounds; the seed's low bits pick the common ones.
    function fuzzBand(uint256 seed) private pure returns (OptionFundingBand memory) {
        uint256 floor = seed % 3 == 0 ? 0 : bound(seed >> 8, 0, OptionFundingMath.FLOOR_MAX_WAD);
        uint256 cap = (seed >> 2) % 3 == 0 ? 1.25e18 : bound(seed >> 100, WAD, OptionFundingMath.CAP_MAX_WAD);
        return OptionFundingMath.band(floor, cap);
    }

    /// @dev An option market's prices: S, a payoff from a random strike, and q putting x near `xSeed`'s target
    ///      (0.01 to 3), or any q when the option has no payoff.
    function fuzzPrices(
        uint256 nf,
        uint256 sSeed,
        uint256 kSeed,
        uint256 xSeed
    ) private pure returns (uint256 payoff, uint256 q, uint256 s) {
        s = bound(sSeed, 100e18, 100_000e18);
        uint256 k = bound(kSeed, s / 2, 2 * s);
        payoff = OptionFundingMath.payoffWad(kSeed % 2 == 0, s, k);
        uint256 x = bound(xSeed, 0.01e18, 3e18);
        q = payoff == 0 ? bound(xSeed, 1e12, 10e18) : FPML.fullMulDiv(payoff, nf, FPML.mulWad(x, s));
        if (q == 0) q = 1;
    }

    function step(
        uint256 nf,
        uint256 payoff,
        uint256 q,
        uint256 s,
        OptionFundingBand memory b,
        uint256 dt
    ) private pure returns (uint256) {
        return OptionFundingMath.nextNormalizationFactor(nf, payoff, q, s, b, dt, PERIOD);
    }

    /// @dev `total` seconds in `parts` updates of near-equal length, x recomputed from NF each time.
    function stepped(
        uint256 nf,
        uint256 payoff,
        uint256 q,
        uint256 s,
        OptionFundingBand memory b,
        uint256 total,
        uint256 parts
    ) private pure returns (uint256) {
        uint256 base = total / parts;
        uint256 longer = total % parts;
        for (uint256 i; i < parts; ++i) nf = step(nf, payoff, q, s, b, i < longer ? base + 1 : base);
        return nf;
    }

    /// @dev Within the exact window one update over dt equals k updates over dt / k (1e-12 relative, plus a wei of
    ///      NF rounding per update), whether the flow stays in the band or leaves it on the way.
    function testPathIndependenceWithinExactWindow(
        uint256 nfSeed,
        uint256 sSeed,
        uint256 kSeed,
        uint256 xSeed,
        uint256 bandSeed,
        uint256 dtSeed,
        uint256 partsSeed
    ) external pure {
        uint256 nf = bound(nfSeed, 1e17, 1e21);
        (uint256 payoff, uint256 q, uint256 s) = fuzzPrices(nf, sSeed, kSeed, xSeed);
        OptionFundingBand memory b = fuzzBand(bandSeed);
        uint256 parts = bound(partsSeed, 2, 10);
        uint256 dt = bound(dtSeed, parts, OptionFundingMath.EXACT_GAP_MAX_SECONDS);
        uint256 once = step(nf, payoff, q, s, b, dt);
        assertApproxEqAbs(
            stepped(nf, payoff, q, s, b, dt, parts),
            once,
            once / 1e12 + parts,
            "k updates over dt/k differ from one update over dt"
        );
    }

    /// @dev No revert and a result in [1, 2^128 - 1] for any NF, payoff below 2^128, any q and S (q * S may
    ///      overflow 256 bits, q or S may be 0), any gap up to ten years, any period and any valid band.
    function testNeverRevertsAndStaysInRange(
        uint256 nfSeed,
        uint256 payoffSeed,
        uint256 qSeed,
        uint256 sSeed,
        uint256 bandSeed,
        uint256 dtSeed,
        uint256 periodSeed
    ) external pure {
        uint256 nf = bound(nfSeed, 1, NF_MAX);
        uint256 payoff = payoffSeed % 4 == 0 ? 0 : bound(payoffSeed, 0, NF_MAX);
        uint256 q = qSeed % 8 == 0 ? 0 : qSeed >> (qSeed % 256);
        uint256 s = sSeed % 8 == 0 ? 0 : sSeed >> (sSeed % 256);
        uint256 period = bound(periodSeed, 1, type(uint32).max);
        uint256 dt = bound(dtSeed, 0, TEN_YEARS);
        OptionFundingBand memory b = fuzzBand(bandSeed);
        uint256 next = OptionFundingMath.nextNormalizationFactor(nf, payoff, q, s, b, dt, period);
        assertGe(next, 1, "factor reached zero");
        assertLe(next, NF_MAX, "factor overflowed its slot");
        int256 rate = OptionFundingMath.fundingRatePerDayWad(nf, payoff, q, s, b, period);
        assertTrue(rate <= int256(1 days * WAD) && rate >= -int256(1 days * WAD), "daily rate beyond 1 / T");
    }

    /// @dev Out of the money NF never rises; below intrinsic (x > 1) it never falls; above it (x < 1) never rises.
    function testDirection(
        uint256 nfSeed,
        uint256 sSeed,
        uint256 kSeed,
        uint256 xSeed,
        uint256 bandSeed,
        uint256 dtSeed
    ) external pure {
        uint256 nf = bound(nfSeed, 1e12, 1e24);
        (uint256 payoff, uint256 q, uint256 s) = fuzzPrices(nf, sSeed, kSeed, xSeed);
        OptionFundingBand memory b = fuzzBand(bandSeed);
        uint256 next = step(nf, payoff, q, s, b, bound(dtSeed, 1, TEN_YEARS));
        uint256 x = OptionFundingMath.payoffMarkRatioWad(payoff, q, s, nf);
        if (payoff == 0) {
            assertLt(next, nf, "out of the money the factor must fall");
        } else if (x > WAD) {
            assertGe(next, nf, "below intrinsic (x > 1) the factor must not fall");
        } else {
            assertLe(next, nf, "above intrinsic (x <= 1) the factor must not rise");
        }
    }

    /// @dev x = 1 (q * S = payoff * NF, here q = payoff and S = NF) is a fixed point for any gap; one wei either
    ///      side of it NF moves by at most (e^(tau_e) - 1) wei of x per unit plus rounding over the first day.
    function testFixedPointAtIntrinsic(
        uint256 nfSeed,
        uint256 payoffSeed,
        uint256 dtSeed,
        uint256 bandSeed
    ) external pure {
        uint256 nf = bound(nfSeed, 1e12, 1e30);
        uint256 payoff = bound(payoffSeed, 1, 1e30);
        uint256 dt = bound(dtSeed, 0, TEN_YEARS);
        OptionFundingBand memory b = fuzzBand(bandSeed);
        assertEq(OptionFundingMath.payoffMarkRatioWad(payoff, payoff, nf, nf), WAD, "x = 1");
        assertEq(step(nf, payoff, payoff, nf, b, dt), nf, "x = 1 is stationary");
        assertEq(OptionFundingMath.exponentWad(WAD, b, dt, PERIOD), 0, "x = 1: exponent 0");
        uint256 day = OptionFundingMath.EXACT_GAP_MAX_SECONDS;
        dt = dt < day ? dt : day;
        int256 below = OptionFundingMath.exponentWad(WAD - 1, b, dt, PERIOD);
        int256 above = b.capWad > WAD + 1 ? OptionFundingMath.exponentWad(WAD + 1, b, dt, PERIOD) : int256(0);
        assertTrue(below <= 0 && below >= -4, "x = 1 - 1 wei: at most a few wei of exponent, down");
        assertTrue(above >= 0 && above <= 4, "x = 1 + 1 wei: at most a few wei of exponent, up");
    }

    /// @dev The result is continuous as x0 crosses the floor or the cap: moving x0 by delta wei moves the exponent
    ///      over at most a day by at most 4 delta wei (|d exponent / d x0| <= 2 (e - 1) inside, 3 leaving the band)
    ///      plus rounding.
    function testContinuousAtBandEdges(
        uint256 bandSeed,
        uint256 deltaSeed,
        uint256 dtSeed,
        bool atCap
    ) external pure {
        OptionFundingBand memory b = fuzzBand(bandSeed);
        uint256 edge = atCap ? b.capWad : b.floorWad;
        uint256 delta = bound(deltaSeed, 1, 1e12);
        uint256 dt = bound(dtSeed, 1, OptionFundingMath.EXACT_GAP_MAX_SECONDS);
        int256 atEdge = OptionFundingMath.exponentWad(edge, b, dt, PERIOD);
        int256 bound4 = int256(4 * delta + 100);
        if (edge >= delta) {
            int256 under = OptionFundingMath.exponentWad(edge - delta, b, dt, PERIOD);
            assertTrue(under - atEdge <= bound4 && atEdge - under <= bound4, "jump below the edge");
        }
        int256 over = OptionFundingMath.exponentWad(edge + delta, b, dt, PERIOD);
        assertTrue(over - atEdge <= bound4 && atEdge - over <= bound4, "jump above the edge");
    }

    /// @dev One more second of gap moves ln(NF) in the direction of x0 - 1 (up to 2 wei of rounding where the
    ///      rate is nearly 0) and by at most one second at the fastest rate, max(1 - floor, cap - 1) / T, plus
    ///      rounding: continuous where the flow leaves the band and at the end of the exact window.
    function testContinuousAndMonotoneInGap(uint256 xSeed, uint256 bandSeed, uint256 dtSeed) external pure {
        OptionFundingBand memory b = fuzzBand(bandSeed);
        uint256 x = bound(xSeed, 0, 3e18);
        uint256 dt = bound(dtSeed, 0, TEN_YEARS);
        if (dtSeed % 4 == 0) dt = OptionFundingMath.EXACT_GAP_MAX_SECONDS - 2 + (dtSeed % 16) / 4;
        int256 x0 = OptionFundingMath.exponentWad(x, b, dt, PERIOD);
        int256 x1 = OptionFundingMath.exponentWad(x, b, dt + 1, PERIOD);
        uint256 fastest = WAD - b.floorWad > b.capWad - WAD ? WAD - b.floorWad : b.capWad - WAD;
        int256 oneSecond = int256(fastest / PERIOD) + 100;
        if (x < WAD) assertTrue(x1 <= x0 + 2, "x < 1: a longer gap never lowers the charge");
        if (x > WAD) assertTrue(x1 >= x0 - 2, "x > 1: a longer gap never lowers the credit");
        assertTrue(
            x1 - x0 <= oneSecond && x0 - x1 <= oneSecond,
            "one second moves ln NF faster than the band allows"
        );
    }

    /// @dev Outside the band the rate is constant: NF e^((cap - 1) tau) above the cap, NF e^(-(1 - floor) tau) out
    ///      of the money (NF e^-tau with no floor).
    function testOutsideTheBandClosedForms(
        uint256 nfSeed,
        uint256 bandSeed,
        uint256 dtSeed,
        bool aboveCap
    ) external pure {
        uint256 nf = bound(nfSeed, 1e15, 1e24);
        OptionFundingBand memory b = fuzzBand(bandSeed);
        uint256 dt = bound(dtSeed, 1, 30 days);
        int256 tau = int256((dt * WAD) / PERIOD);
        uint256 next;
        uint256 expected;
        if (aboveCap) {
            // payoff 1000, mark 1000 / (cap + 0.5): x0 = cap + 0.5 (q * S = payoff * NF / x0).
            uint256 q = FPML.fullMulDiv(1000e18, nf, FPML.mulWad(b.capWad + 0.5e18, 3000e18));
            next = step(nf, 1000e18, q, 3000e18, b, dt);
            expected = FPML.mulWad(nf, uint256(FPML.expWad(((int256(b.capWad) - 1e18) * tau) / 1e18)));
        } else {
            next = step(nf, 0, 0.5e18, 3000e18, b, dt);
            expected = FPML.divWad(nf, uint256(FPML.expWad(((1e18 - int256(b.floorWad)) * tau) / 1e18)));
        }
        assertApproxEqAbs(next, expected, expected / 1e14 + 2, "outside the band: constant rate");
    }

    /// @dev A gap of ten years with a one-day period: out of the money NF floors at 1 wei; at x = 3 with cap 2 it
    ///      saturates at 2^128 - 1.
    function testTenYearGapSaturates() external pure {
        OptionFundingBand memory b = OptionFundingMath.band(0, 2e18);
        assertEq(step(1e18, 0, 1e18, 3000e18, b, TEN_YEARS), 1, "out of the money: 1 wei");
        // payoff 1000, q * S = 1000 / 3 per claim: x = 3.
        uint256 q = uint256(1e18) / 9;
        uint256 next = step(1e18, 1000e18, q, 3000e18, b, TEN_YEARS);
        assertEq(next, NF_MAX, "above the cap: saturates");
    }

    function testZeroElapsedIsNoop(
        uint256 nfSeed,
        uint256 payoffSeed,
        uint256 qSeed,
        uint256 sSeed
    ) external pure {
        uint256 nf = bound(nfSeed, 1, NF_MAX);
        OptionFundingBand memory b = OptionFundingMath.band(0.1e18, 1.25e18);
        assertEq(
            OptionFundingMath.nextNormalizationFactor(nf, payoffSeed, qSeed, sSeed, b, 0, PERIOD),
            nf,
            "dt = 0"
        );
    }

    /// @dev x = payoff * NF / (q * S), floored; q * S beyond 256 bits and a missing mark.
    function testPayoffMarkRatio() external pure {
        assertEq(
            OptionFundingMath.payoffMarkRatioWad(1000e18, 0.5e18, 3000e18, 1e18),
            666666666666666666,
            "2/3"
        );
        assertEq(OptionFundingMath.payoffMarkRatioWad(0, 0, 0, 1e18), 0, "no payoff: 0");
        uint256 saturated = OptionFundingMath.RATIO_SATURATION_WAD;
        assertEq(OptionFundingMath.payoffMarkRatioWad(1, 0, 3000e18, 1e18), saturated, "q = 0 saturates");
        assertEq(OptionFundingMath.payoffMarkRatioWad(1, 1e18, 0, 1e18), saturated, "S = 0 saturates");
        assertEq(OptionFundingMath.payoffMarkRatioWad(1e30, 1, 1, 1e30), saturated, "huge x saturates");
        // payoff * NF = 2^254, q * S = 2^260 (overflows 256 bits): x = 2^-6 exactly.
        assertEq(
            OptionFundingMath.payoffMarkRatioWad(2 ** 127, 2 ** 200, 2 ** 60, 2 ** 127),
            WAD / 64,
            "q * S beyond 256 bits"
        );
        assertEq(OptionFundingMath.payoffWad(true, 3000e18, 2000e18), 1000e18, "call ITM");
        assertEq(OptionFundingMath.payoffWad(true, 2000e18, 3000e18), 0, "call OTM");
        assertEq(OptionFundingMath.payoffWad(false, 2000e18, 3000e18), 1000e18, "put ITM");
        assertEq(OptionFundingMath.payoffWad(false, 3000e18, 2000e18), 0, "put OTM");
        assertEq(OptionFundingMath.markPerClaimWad(0.5e18, 3000e18, 2e18), 750e18, "mark q S / NF");
    }

    /// @dev The daily rate: (1 - clamp(x)) * 1 day / T, positive when longs pay.
    function testFundingRatePerDay() external pure {
        OptionFundingBand memory b = OptionFundingMath.band(0.1e18, 1.25e18);
        // x = 0: (1 - 0.1) per day at T = 1 day.
        assertEq(OptionFundingMath.fundingRatePerDayWad(1e18, 0, 1e18, 3000e18, b, 1 days), 0.9e18, "floor");
        // x = 2/3 at T = 2 days: (1/3) / 2.
        assertEq(
            OptionFundingMath.fundingRatePerDayWad(1e18, 1000e18, 0.5e18, 3000e18, b, 2 days),
            166666666666666667,
            "inside"
        );
        // x = 3 > cap: -(0.25) at T = 1 day: shorts pay.
        assertEq(
            OptionFundingMath.fundingRatePerDayWad(1e18, 1000e18, uint256(1e18) / 9, 3000e18, b, 1 days),
            -0.25e18,
            "cap"
        );
    }

    function validateBand(uint256 floor, uint256 cap) external pure returns (OptionFundingBand memory) {
        return OptionFundingMath.band(floor, cap);
    }

    function testBandValidation() external {
        this.validateBand(0, 1e18);
        this.validateBand(0.5e18, 2e18);
        vm.expectRevert(
            abi.encodeWithSelector(OptionFundingMath.OptionFundingFloorTooHigh.selector, 0.5e18 + 1, 0.5e18)
        );
        this.validateBand(0.5e18 + 1, 1.25e18);
        vm.expectRevert(
            abi.encodeWithSelector(
                OptionFundingMath.OptionFundingCapOutOfRange.selector,
                1e18 - 1,
                1e18,
                2e18
            )
        );
        this.validateBand(0, 1e18 - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                OptionFundingMath.OptionFundingCapOutOfRange.selector,
                2e18 + 1,
                1e18,
                2e18
            )
        );
        this.validateBand(0, 2e18 + 1);
    }
}
