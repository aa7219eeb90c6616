// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";

import {FundingMath, MarkClamp} from "../../../contracts/libraries/FundingMath.sol";
import {PowerPerpMath} from "../../../contracts/libraries/PowerPerpMath.sol";
import {Test} from "../utils/Test.sol";

/// @notice Properties of the normalization-factor funding: path independence, direction, clamp bounds, no revert.
contract FundingMathTest is Test {
    uint256 private constant WAD = 1e18;
    uint256 private constant FUNDING_PERIOD = 420 hours;
    uint256 private constant INDEX_SCALE = 1e4;
    uint256 private constant TEN_YEARS = 3650 days;

    function clamp() private pure returns (MarkClamp memory) {
        return FundingMath.markClamp(0.8e18, 1.4e18);
    }

    /// @dev Funding as the engine runs it: mark / index recomputed from the current factor, prices fixed.
    function step(
        uint256 nf,
        uint256 powerPrice,
        uint256 ethPrice,
        uint256 dt
    ) private pure returns (uint256) {
        uint256 ratio = PowerPerpMath.markIndexRatioWad(powerPrice, ethPrice, nf, 2, INDEX_SCALE);
        return FundingMath.nextNormalizationFactor(nf, ratio, clamp(), dt, FUNDING_PERIOD);
    }

    function boundPrices(
        uint256 nf,
        uint256 ethPriceSeed,
        uint256 premiumSeed
    ) private pure returns (uint256 ethPrice, uint256 powerPrice) {
        ethPrice = bound(ethPriceSeed, 100e18, 100_000e18);
        // The power token trades at 0.5x to 2x its index value: both clamps and the band between are reached.
        uint256 premium = bound(premiumSeed, 0.5e18, 2e18);
        powerPrice = FPML.mulWad(PowerPerpMath.debtValuePerTokenWad(nf, ethPrice, 2, INDEX_SCALE), premium);
    }

    /// @dev `total` seconds of funding in `parts` updates of near-equal length (they differ by at most a second).
    function stepped(
        uint256 nf,
        uint256 powerPrice,
        uint256 ethPrice,
        uint256 total,
        uint256 parts
    ) private pure returns (uint256) {
        uint256 base = total / parts;
        uint256 longer = total % parts; // the first `longer` updates take one second more
        for (uint256 i; i < parts; ++i) nf = step(nf, powerPrice, ethPrice, i < longer ? base + 1 : base);
        return nf;
    }

    /// @dev The fewest updates of at most EXACT_GAP_MAX_SECONDS (1 day) that cover `total`.
    function dailyParts(uint256 total) private pure returns (uint256) {
        uint256 day = FundingMath.EXACT_GAP_MAX_SECONDS;
        return (total + day - 1) / day;
    }

    /// @dev Limit found by the fuzzer (mark = index - 1e-18, NF = 1e15): at a near-zero premium z0 carries the
    ///      rounding of q (here 13 significant digits) and the flow amplifies it by e^(t/T), so over 12.7 funding
    ///      periods two paths of updates at most a day apart (222 daily ones, 444 half-daily ones) agree to ~1e-9,
    ///      not 1e-12. With a premium away from zero (or 18-digit prices) the 1e-12 bound holds; the fuzz test
    ///      below excludes |mark / index - 1| < 1e-6 and NF below 1e17.
    function testPathIndependenceNearZeroPremiumLimit() external pure {
        uint256 nf = 1e15 + 4810;
        uint256 ethPrice = 100e18 + 6427;
        uint256 powerPrice = FPML.mulWad(
            PowerPerpMath.debtValuePerTokenWad(nf, ethPrice, 2, INDEX_SCALE),
            WAD - 1
        );
        uint256 daily = stepped(nf, powerPrice, ethPrice, 222 days, 222);
        uint256 halfDaily = stepped(nf, powerPrice, ethPrice, 222 days, 444);
        assertApproxEqRel(halfDaily, daily, 1e9, "near-zero premium over 12.7 periods: within 1e-9");
    }

    /// @dev Within the exact window (a gap of at most a day) one update over dt equals k updates over dt / k.
    function testPathIndependenceWithinExactWindow(
        uint256 nfSeed,
        uint256 ethSeed,
        uint256 premiumSeed,
        uint256 dtSeed,
        uint256 kSeed
    ) external pure {
        uint256 nf = bound(nfSeed, 1e17, 1e21);
        (uint256 ethPrice, uint256 powerPrice) = boundPrices(nf, ethSeed, premiumSeed);
        uint256 ratio = PowerPerpMath.markIndexRatioWad(powerPrice, ethPrice, nf, 2, INDEX_SCALE);
        vm.assume(ratio > WAD + 1e12 || ratio < WAD - 1e12);
        uint256 k = bound(kSeed, 2, 40);
        uint256 dt = bound(dtSeed, k, FundingMath.EXACT_GAP_MAX_SECONDS);
        uint256 once = step(nf, powerPrice, ethPrice, dt);
        // 1e-12 relative, plus one wei of NF rounding per update.
        assertApproxEqAbs(
            stepped(nf, powerPrice, ethPrice, dt, k),
            once,
            once / 1e12 + k,
            "k updates over dt/k differ from one update over dt"
        );
    }

    /// @dev Path independence over long horizons holds for updates at most a day apart (each then integrates
    ///      exactly): up to 240 days (13.7 funding periods), the fewest daily updates and a finer split (up to 40
    ///      more updates) agree. Near a zero premium the flow z(t) = z0 e^(t/T) amplifies the one-wei rounding of
    ///      z0 by e^(t/T): beyond ~14 periods that alone exceeds 1e-12, a limit of the exact solution, not of the
    ///      code. One update over a longer gap charges less than the exact flow (I-2: the rate reached after a
    ///      day continues), so it is not compared here.
    function testPathIndependenceOverDailyUpdates(
        uint256 nfSeed,
        uint256 ethSeed,
        uint256 premiumSeed,
        uint256 dtSeed,
        uint256 kSeed
    ) external pure {
        uint256 nf = bound(nfSeed, 1e17, 1e21);
        (uint256 ethPrice, uint256 powerPrice) = boundPrices(nf, ethSeed, premiumSeed);
        uint256 ratio = PowerPerpMath.markIndexRatioWad(powerPrice, ethPrice, nf, 2, INDEX_SCALE);
        vm.assume(ratio > WAD + 1e12 || ratio < WAD - 1e12);
        uint256 total = bound(dtSeed, 1 days, 240 days);
        uint256 coarse = dailyParts(total);
        uint256 fine = coarse + bound(kSeed, 1, 40);
        uint256 daily = stepped(nf, powerPrice, ethPrice, total, coarse);
        assertApproxEqAbs(
            stepped(nf, powerPrice, ethPrice, total, fine),
            daily,
            daily / 1e12 + fine,
            "two splits into updates at most a day apart differ"
        );
    }

    /* I-2: long gaps are charged at the rate reached after a day, not the exact flow */

    /// @notice Regression I-2. Originally one update after a gap charged the exact flow z0 (e^tau - 1), which
    ///         assumes the pool price fixed for the whole gap: at mark / index = 1.01 one update after 35 days
    ///         moved NF by -6.2% (0.938405) and after 70 days by -38.6% (0.614023), where the one-step rule
    ///         NF * (index / mark)^(dt / T) gives -2.0% and -3.9%. Now the exact flow runs for one day
    ///         (z(tau_b) = z0 e^(1/17.5)) and its rate continues: 0.979166 after 35 days, 0.958750 after 70 days
    ///         (the one-step rule: 0.980296 and 0.960980; the difference is the premium's growth over the first
    ///         day, e^(1/17.5) = 1.059).
    function test_I2_longGapsChargeTheRateReachedAfterADay() external pure {
        MarkClamp memory c = clamp();
        uint256 nf35 = FundingMath.nextNormalizationFactor(WAD, 1.01e18, c, 35 days, FUNDING_PERIOD);
        uint256 nf70 = FundingMath.nextNormalizationFactor(WAD, 1.01e18, c, 70 days, FUNDING_PERIOD);
        assertApproxEqAbs(nf35, 0.979166006617946025e18, 1e6, "35 days at 1.01: NF 0.979166 (was 0.938405)");
        assertApproxEqAbs(nf70, 0.958749886811781442e18, 1e6, "70 days at 1.01: NF 0.958750 (was 0.614023)");
        // Against Squeeth's one-step rule: the same rate up to the premium's growth over the exact day.
        uint256 oneStep35 = 0.980296049406920890e18;
        uint256 oneStep70 = 0.960980344482816282e18;
        assertLt(WAD - nf35, ((WAD - oneStep35) * 1060) / 1000, "35 days: at most 1.06x the one-step charge");
        assertLt(WAD - nf70, ((WAD - oneStep70) * 1060) / 1000, "70 days: at most 1.06x the one-step charge");
        // Up to a day nothing changed: the exact flow.
        assertApproxEqAbs(
            FundingMath.nextNormalizationFactor(WAD, 1.01e18, c, 1 days, FUNDING_PERIOD),
            0.999415021485643059e18,
            1e6,
            "1 day: the exact flow"
        );
    }

    /// @dev The bounded charge is continuous at the bound and monotone in the gap: one more second never charges
    ///      less, and charges at most one second at the clamp's rate (plus rounding).
    function testI2ContinuousAndMonotoneInGap(uint256 ratioSeed, uint256 dtSeed) external pure {
        MarkClamp memory c = clamp();
        uint256 ratio = bound(ratioSeed, 0.5e18, 2e18);
        uint256 dt = bound(dtSeed, 0, TEN_YEARS);
        if (dtSeed % 4 == 0) dt = FundingMath.EXACT_GAP_MAX_SECONDS - 2 + (dtSeed % 16) / 4; // around the bound
        int256 x0 = FundingMath.exponentWad(ratio, c, dt, FUNDING_PERIOD);
        int256 x1 = FundingMath.exponentWad(ratio, c, dt + 1, FUNDING_PERIOD);
        int256 oneSecondAtClamp = c.logCapWad / int256(FUNDING_PERIOD) + 2; // |ln 1.4| > |ln 0.8|
        if (ratio > WAD) {
            assertTrue(x1 <= x0, "mark > index: a longer gap never charges longs less");
            assertTrue(x0 - x1 <= oneSecondAtClamp, "one second charges at most the clamp rate");
        } else if (ratio < WAD) {
            assertTrue(x1 >= x0, "mark < index: a longer gap never charges shorts less");
            assertTrue(x1 - x0 <= oneSecondAtClamp, "one second charges at most the clamp rate");
        }
    }

    function testDirection(
        uint256 nfSeed,
        uint256 ethSeed,
        uint256 premiumSeed,
        uint256 dtSeed
    ) external pure {
        uint256 nf = bound(nfSeed, 1e15, 1e21);
        (uint256 ethPrice, uint256 powerPrice) = boundPrices(nf, ethSeed, premiumSeed);
        uint256 ratio = PowerPerpMath.markIndexRatioWad(powerPrice, ethPrice, nf, 2, INDEX_SCALE);
        uint256 next = step(nf, powerPrice, ethPrice, bound(dtSeed, 1, TEN_YEARS));
        if (ratio > WAD) assertLe(next, nf, "mark > index must not raise the factor");
        if (ratio < WAD) assertGe(next, nf, "mark < index must not lower the factor");
    }

    /// @dev Each update moves ln(NF) by at most |ln(clamp bound)| * dt / T (plus rounding).
    function testStaysWithinClampBounds(uint256 ratioSeed, uint256 dtSeed) external pure {
        MarkClamp memory c = clamp();
        uint256 ratio = bound(ratioSeed, 1, 10e18);
        uint256 dt = bound(dtSeed, 1, TEN_YEARS);
        int256 x = FundingMath.exponentWad(ratio, c, dt, FUNDING_PERIOD);
        int256 tau = int256((dt * WAD) / FUNDING_PERIOD);
        int256 maxFall = (c.logCapWad * tau) / int256(WAD) + 1;
        int256 maxRise = (-c.logFloorWad * tau) / int256(WAD) + 1;
        assertTrue(-x <= maxFall && x <= maxRise, "funding faster than the clamp allows");
    }

    /// @dev With the mark outside the clamp, the update is exactly NF * (index / clamped mark)^(dt / T).
    function testAtClampMatchesPowerFormula(uint256 nfSeed, uint256 dtSeed, bool above) external pure {
        uint256 nf = bound(nfSeed, 1e12, 1e24);
        uint256 dt = bound(dtSeed, 1, 365 days);
        uint256 ratio = above ? 3e18 : 0.1e18;
        uint256 next = FundingMath.nextNormalizationFactor(nf, ratio, clamp(), dt, FUNDING_PERIOD);
        uint256 base = above ? FPML.divWad(WAD, 1.4e18) : FPML.divWad(WAD, 0.8e18);
        uint256 expected = FPML.mulWad(
            nf,
            uint256(FPML.powWad(int256(base), int256((dt * WAD) / FUNDING_PERIOD)))
        );
        assertApproxEqAbs(
            next,
            expected,
            expected / 1e14 + 1,
            "clamped update differs from (index/mark)^(dt/T)"
        );
    }

    /// @dev Over one block the exact flow and Squeeth's one-step formula agree to first order.
    function testShortIntervalMatchesOneStepFormula(uint256 ratioSeed) external pure {
        uint256 ratio = bound(ratioSeed, 0.81e18, 1.39e18);
        uint256 nf = 1e18;
        uint256 next = FundingMath.nextNormalizationFactor(nf, ratio, clamp(), 12, FUNDING_PERIOD);
        uint256 oneStep = uint256(
            FPML.powWad(int256(FPML.divWad(WAD, ratio)), int256((12 * WAD) / FUNDING_PERIOD))
        );
        assertApproxEqRel(
            next,
            oneStep,
            1e8,
            "12-second update differs from the one-step formula by > 1e-10"
        );
    }

    function testNeverRevertsAndStaysPositive(
        uint256 nfSeed,
        uint256 ratioSeed,
        uint256 dtSeed
    ) external pure {
        uint256 nf = bound(nfSeed, 1, type(uint128).max);
        uint256 ratio = bound(ratioSeed, 0, type(uint128).max);
        uint256 dt = bound(dtSeed, 0, type(uint32).max);
        uint256 next = FundingMath.nextNormalizationFactor(nf, ratio, clamp(), dt, FUNDING_PERIOD);
        assertGe(next, 1, "factor reached zero");
        assertLe(next, type(uint128).max, "factor overflowed its slot");
    }

    function testTenYearGapAtBothClamps() external pure {
        uint256 fallen = FundingMath.nextNormalizationFactor(1e18, 5e18, clamp(), TEN_YEARS, FUNDING_PERIOD);
        uint256 risen = FundingMath.nextNormalizationFactor(1e18, 0.1e18, clamp(), TEN_YEARS, FUNDING_PERIOD);
        // ln(1.4) * 3650 / 17.5 = 70.18: e^-70.18 * 1e18 rounds to 0 wei, floored at 1 wei.
        assertEq(fallen, 1, "ten years at the upper clamp floors the factor at 1 wei");
        // ln(1.25) * 3650 / 17.5 = 46.54: the factor grows by e^46.54 = 1.6e20.
        int256 exponent = (-clamp().logFloorWad * int256((TEN_YEARS * WAD) / FUNDING_PERIOD)) / int256(WAD);
        assertApproxEqRel(risen, uint256(FPML.expWad(exponent)), 1e3, "ten years at the lower clamp");
    }

    function testZeroElapsedIsNoop(uint256 nfSeed, uint256 ratioSeed) external pure {
        uint256 nf = bound(nfSeed, 1, type(uint128).max);
        assertEq(
            FundingMath.nextNormalizationFactor(nf, ratioSeed, clamp(), 0, FUNDING_PERIOD),
            nf,
            "dt = 0"
        );
    }

    function testImpliedVolatilityRoundTrip(uint256 volSeed) external pure {
        uint256 vol = bound(volSeed, 0.05e18, 2.5e18);
        // fair mark / index for n = 2: exp(sigma^2 T)
        uint256 varianceT = FPML.mulWad(FPML.mulWad(vol, vol), (FUNDING_PERIOD * WAD) / 365 days);
        uint256 ratio = uint256(FPML.expWad(int256(varianceT)));
        uint256 implied = FundingMath.impliedVolatilityWad(ratio, 2, FUNDING_PERIOD);
        assertApproxEqRel(implied, vol, 1e9, "implied volatility round trip");
    }
}
