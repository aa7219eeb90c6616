// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";

import {IEverlastingOptionPricer} from "../../../contracts/interfaces/IEverlastingOptionPricer.sol";
import {EverlastingMath} from "../../../contracts/libraries/EverlastingMath.sol";
import {Test} from "../utils/Test.sol";

/// @notice No-arbitrage and shape properties of the everlasting-option prices, fuzzed over the accuracy domain
///         (spot and strike 0.01 to 100, volatility 5% to 500%, funding period 1 hour to 365 days) and over
///         the whole accepted domain.
/// @dev Exact properties (bounds, parity, Greek signs) are asserted exactly. Monotonicity and continuity
///      compare two separately rounded evaluations, so they allow the approximation noise: one wei plus
///      1e-18 of (price + strike), ten times the largest unrounded error measured against the reference.
contract EverlastingMathTest is Test {
    uint256 private constant WAD = 1e18;
    uint256 private constant MIN_PRICE = 0.01e18;
    uint256 private constant MAX_PRICE = 100e18;
    uint256 private constant MIN_VOLATILITY = 0.05e18;
    uint256 private constant MAX_VOLATILITY = 5e18;
    uint256 private constant MIN_PERIOD = 1 hours;
    uint256 private constant MAX_PERIOD = 365 days;
    /// @dev volatility^2 * period must exceed 8 * 365 days * 1e36 / 2^80 for u < 2^40.
    uint256 private constant MIN_VARIANCE_WAD2_SECONDS = 208_687_742_379_778_246_038;

    /// @dev A value spread over the orders of magnitude of [min, max] (min > 0): a random binary exponent,
    ///      then a random mantissa.
    function boundLog(uint256 seed, uint256 min, uint256 max) internal pure returns (uint256) {
        uint256 octaves = FPML.log2(max / min);
        uint256 low = min << bound(seed >> 128, 0, octaves);
        uint256 high = low * 2 > max ? max : low * 2;
        return bound(seed & type(uint128).max, low, high);
    }

    /// @dev The inputs of one price.
    struct Inputs {
        uint256 spot;
        uint256 strike;
        uint256 volatility;
        uint256 period;
    }

    /// @dev A point of the accuracy domain, each input spread over its orders of magnitude.
    function domain(
        uint256 spotSeed,
        uint256 strikeSeed,
        uint256 volatilitySeed,
        uint256 periodSeed
    ) internal pure returns (Inputs memory) {
        return
            Inputs({
                spot: boundLog(spotSeed, MIN_PRICE, MAX_PRICE),
                strike: boundLog(strikeSeed, MIN_PRICE, MAX_PRICE),
                volatility: boundLog(volatilitySeed, MIN_VOLATILITY, MAX_VOLATILITY),
                period: boundLog(periodSeed, MIN_PERIOD, MAX_PERIOD)
            });
    }

    function callPrice(Inputs memory p) internal pure returns (uint256) {
        return EverlastingMath.callPrice(p.spot, p.strike, p.volatility, p.period);
    }

    function putPrice(Inputs memory p) internal pure returns (uint256) {
        return EverlastingMath.putPrice(p.spot, p.strike, p.volatility, p.period);
    }

    /// @dev The two values in increasing order.
    function sorted(uint256 a, uint256 b) internal pure returns (uint256, uint256) {
        return a > b ? (b, a) : (a, b);
    }

    /// @dev Noise allowed between two separately rounded evaluations.
    function noise(uint256 price, uint256 strike) internal pure returns (uint256) {
        return 1 + (price + strike) / 1e18;
    }

    // ---------------------------------------------------------------------------------------------------
    // No-arbitrage bounds and parity
    // ---------------------------------------------------------------------------------------------------

    function testBoundsAndParity(
        uint256 spotSeed,
        uint256 strikeSeed,
        uint256 volatilitySeed,
        uint256 periodSeed
    ) external pure {
        checkBoundsAndParity(domain(spotSeed, strikeSeed, volatilitySeed, periodSeed));
    }

    /// @dev The same over the whole accepted domain: spot and strike 1 wei to 1e36, any volatility and period
    ///      the pricer accepts.
    function testBoundsAndParityWholeDomain(
        uint256 spotSeed,
        uint256 strikeSeed,
        uint256 volatilitySeed,
        uint256 periodSeed
    ) external pure {
        uint256 spot = boundLog(spotSeed, 1, EverlastingMath.MAX_PRICE_WAD);
        uint256 strike = boundLog(strikeSeed, 1, EverlastingMath.MAX_PRICE_WAD);
        uint256 period = boundLog(periodSeed, 1, EverlastingMath.MAX_FUNDING_PERIOD_SECONDS);
        uint256 minVolatility = FPML.sqrt(MIN_VARIANCE_WAD2_SECONDS / period) + 1;
        uint256 volatility = boundLog(volatilitySeed, minVolatility, EverlastingMath.MAX_VOLATILITY_WAD);
        checkBoundsAndParity(Inputs(spot, strike, volatility, period));
    }

    function checkBoundsAndParity(Inputs memory p) internal pure {
        uint256 call = callPrice(p);
        uint256 put = putPrice(p);
        uint256 value = EverlastingMath.timeValue(p.spot, p.strike, p.volatility, p.period);
        uint256 callIntrinsic = p.spot > p.strike ? p.spot - p.strike : 0;
        uint256 putIntrinsic = p.strike > p.spot ? p.strike - p.spot : 0;
        assertGe(call, callIntrinsic, "call below intrinsic");
        assertGe(put, putIntrinsic, "put below intrinsic");
        assertLe(call, p.spot, "call above spot");
        assertLe(put, p.strike, "put above strike");
        assertEq(call - callIntrinsic, value, "call time value");
        assertEq(put - putIntrinsic, value, "put time value");
        assertEq(int256(call) - int256(put), int256(p.spot) - int256(p.strike), "put-call parity");
        // Greeks: deltas in range and one apart, gamma and vega non-negative (unsigned by type).
        int256 callDelta = EverlastingMath.callDelta(p.spot, p.strike, p.volatility, p.period);
        int256 putDelta = EverlastingMath.putDelta(p.spot, p.strike, p.volatility, p.period);
        assertTrue(callDelta >= 0 && callDelta <= int256(WAD), "call delta outside [0, 1]");
        assertEq(callDelta - putDelta, int256(WAD), "delta parity");
        EverlastingMath.gamma(p.spot, p.strike, p.volatility, p.period);
        EverlastingMath.vega(p.spot, p.strike, p.volatility, p.period);
    }

    // ---------------------------------------------------------------------------------------------------
    // Monotonicity
    // ---------------------------------------------------------------------------------------------------

    function testMonotoneInSpot(
        uint256 spotSeed,
        uint256 otherSpotSeed,
        uint256 strikeSeed,
        uint256 volatilitySeed,
        uint256 periodSeed
    ) external pure {
        Inputs memory low = domain(spotSeed, strikeSeed, volatilitySeed, periodSeed);
        Inputs memory high = domain(otherSpotSeed, strikeSeed, volatilitySeed, periodSeed);
        (low.spot, high.spot) = sorted(low.spot, high.spot);
        checkMonotone(low, high, "spot", false);
    }

    /// @dev Adjacent spots one wei apart: the call moves by delta (in [0, 1]) wei, up to the noise.
    function testSpotStepOfOneWei(
        uint256 spotSeed,
        uint256 strikeSeed,
        uint256 volatilitySeed,
        uint256 periodSeed
    ) external pure {
        Inputs memory p = domain(spotSeed, strikeSeed, volatilitySeed, periodSeed);
        uint256 callNow = callPrice(p);
        uint256 callNext = EverlastingMath.callPrice(p.spot + 1, p.strike, p.volatility, p.period);
        assertLe(callNow, callNext + noise(callNext, p.strike), "call decreases by more than the noise");
        assertLe(callNext, callNow + 1 + noise(callNow, p.strike), "call rises by more than one wei");
    }

    function testMonotoneInVolatility(
        uint256 spotSeed,
        uint256 strikeSeed,
        uint256 volatilitySeed,
        uint256 otherVolatilitySeed,
        uint256 periodSeed
    ) external pure {
        Inputs memory low = domain(spotSeed, strikeSeed, volatilitySeed, periodSeed);
        Inputs memory high = domain(spotSeed, strikeSeed, otherVolatilitySeed, periodSeed);
        (low.volatility, high.volatility) = sorted(low.volatility, high.volatility);
        checkMonotone(low, high, "volatility", true);
    }

    function testMonotoneInFundingPeriod(
        uint256 spotSeed,
        uint256 strikeSeed,
        uint256 volatilitySeed,
        uint256 periodSeed,
        uint256 otherPeriodSeed
    ) external pure {
        Inputs memory low = domain(spotSeed, strikeSeed, volatilitySeed, periodSeed);
        Inputs memory high = domain(spotSeed, strikeSeed, volatilitySeed, otherPeriodSeed);
        (low.period, high.period) = sorted(low.period, high.period);
        checkMonotone(low, high, "funding period", true);
    }

    /// @dev From `low` to `high`, two points that differ in one input only, the call must not decrease; the
    ///      put must not decrease either when `putRises`, and must not increase otherwise (up to the noise).
    function checkMonotone(
        Inputs memory low,
        Inputs memory high,
        string memory input,
        bool putRises
    ) internal pure {
        uint256 callLow = callPrice(low);
        uint256 callHigh = callPrice(high);
        assertLe(callLow, callHigh + noise(callHigh, low.strike), string.concat("call decreases in ", input));
        uint256 putLow = putPrice(low);
        uint256 putHigh = putPrice(high);
        if (putRises) {
            assertLe(putLow, putHigh + noise(putHigh, low.strike), string.concat("put decreases in ", input));
        } else {
            assertLe(putHigh, putLow + noise(putLow, low.strike), string.concat("put increases in ", input));
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Continuity at the strike
    // ---------------------------------------------------------------------------------------------------

    function testContinuityAtStrike(
        uint256 strikeSeed,
        uint256 volatilitySeed,
        uint256 periodSeed,
        uint256 offsetSeed
    ) external pure {
        Inputs memory p = domain(0, strikeSeed, volatilitySeed, periodSeed);
        (uint256 strike, uint256 volatility, uint256 period) = (p.strike, p.volatility, p.period);
        uint256 offset = bound(offsetSeed, 1, 1e9);
        uint256 atStrike = EverlastingMath.callPrice(strike, strike, volatility, period);
        uint256 tolerance = noise(atStrike, strike);
        // The time value at the strike is K / u, with u = sqrt(1 + 8 / (sigma^2 T)).
        uint256 u = uAtWad(volatility, period);
        assertApproxEqAbs(atStrike, FPML.fullMulDiv(strike, WAD, u), tolerance + strike / 1e15, "K / u");
        // Price and time value move by at most one wei per wei of spot (|delta| <= 1) on both sides.
        uint256 above = EverlastingMath.callPrice(strike + offset, strike, volatility, period);
        uint256 below = EverlastingMath.callPrice(strike - offset, strike, volatility, period);
        assertLe(below, atStrike + tolerance, "call jumps up below the strike");
        assertLe(atStrike, above + tolerance, "call jumps down above the strike");
        assertLe(above, atStrike + offset + tolerance, "call jumps up above the strike");
        assertLe(atStrike, below + offset + tolerance, "call jumps down below the strike");
        uint256 putAbove = EverlastingMath.putPrice(strike + offset, strike, volatility, period);
        uint256 putBelow = EverlastingMath.putPrice(strike - offset, strike, volatility, period);
        assertLe(putBelow, atStrike + offset + tolerance, "put jumps below the strike");
        assertLe(putAbove, atStrike + tolerance, "put jumps above the strike");
        // Delta is continuous too: (u + 1) / (2u) at the strike, from both sides.
        int256 deltaAt = EverlastingMath.callDelta(strike, strike, volatility, period);
        int256 expected = int256(FPML.fullMulDiv(u + WAD, WAD, 2 * u));
        assertApproxEqAbs(uint256(deltaAt), uint256(expected), 1e6, "delta at the strike");
        int256 deltaAbove = EverlastingMath.callDelta(strike + 1, strike, volatility, period);
        int256 deltaBelow = EverlastingMath.callDelta(strike - 1, strike, volatility, period);
        // |d delta / dS| = gamma <= (u^2 - 1) / (4 u K) per wei, which is below 1e-12 here.
        assertApproxEqAbs(uint256(deltaAbove), uint256(deltaAt), 1e6, "delta jumps above the strike");
        assertApproxEqAbs(uint256(deltaBelow), uint256(deltaAt), 1e6, "delta jumps below the strike");
    }

    /// @dev u = sqrt(1 + 8 / (sigma^2 T)) in 18 decimals.
    function uAtWad(uint256 volatility, uint256 period) internal pure returns (uint256) {
        uint256 d = FPML.fullMulDiv(8 * 365 days * WAD * WAD, WAD, volatility * volatility * period);
        return FPML.sqrt((d + WAD) * WAD);
    }

    // ---------------------------------------------------------------------------------------------------
    // Limits, implied volatility, power perpetuals, funding
    // ---------------------------------------------------------------------------------------------------

    /// @dev Far from the strike with a short period the exponent underflows: the time value is exactly 0, no
    ///      revert, and the prices are their payoffs.
    function testTimeValueUnderflowsToZero(uint256 strikeSeed, uint256 ratioSeed, bool above) external pure {
        uint256 strike = boundLog(strikeSeed, MIN_PRICE, MAX_PRICE);
        uint256 ratio = bound(ratioSeed, 2, 1000);
        uint256 spot = above ? strike * ratio : strike / ratio;
        // sigma = 5%, T = 1 hour: u ~ 5,300, so |ln(S/K)| >= ln 2 gives an exponent below -1,800.
        assertEq(EverlastingMath.timeValue(spot, strike, 0.05e18, 1 hours), 0, "time value");
        assertEq(
            EverlastingMath.callPrice(spot, strike, 0.05e18, 1 hours),
            above ? spot - strike : 0,
            "call"
        );
        assertEq(EverlastingMath.putPrice(spot, strike, 0.05e18, 1 hours), above ? 0 : strike - spot, "put");
        assertEq(EverlastingMath.gamma(spot, strike, 0.05e18, 1 hours), 0, "gamma");
    }

    /// @dev Repricing at the implied volatility returns the price, to the rounding of both directions.
    function testImpliedVolatilityRoundTrip(
        uint256 spotSeed,
        uint256 strikeSeed,
        uint256 volatilitySeed,
        uint256 periodSeed,
        bool isCall
    ) external pure {
        Inputs memory p = domain(spotSeed, strikeSeed, volatilitySeed, periodSeed);
        uint256 price = isCall ? callPrice(p) : putPrice(p);
        uint256 intrinsic =
            isCall
                ? (p.spot > p.strike ? p.spot - p.strike : 0)
                : (p.strike > p.spot ? p.strike - p.spot : 0);
        uint256 upper = isCall ? p.spot : p.strike;
        // The time value must be representable (at least a few wei) for the inversion to be defined.
        if (price <= intrinsic + 2 || price >= upper) return;
        uint256 implied = EverlastingMath.impliedVolatility(price, p.spot, p.strike, p.period, isCall);
        Inputs memory atImplied = Inputs(p.spot, p.strike, implied, p.period);
        uint256 repriced = isCall ? callPrice(atImplied) : putPrice(atImplied);
        // One wei of volatility moves the price by vega / 1e18.
        uint256 vegaAtImplied = EverlastingMath.vega(p.spot, p.strike, implied, p.period);
        assertApproxEqAbs(repriced, price, 3 + vegaAtImplied / WAD + price / 1e15, "repriced");
        // In volatility terms the price's own error (the accuracy bound) is amplified by 1 / vega.
        uint256 vegaAtTrue = EverlastingMath.vega(p.spot, p.strike, p.volatility, p.period);
        if (vegaAtTrue == 0) return;
        uint256 priceError = 3 + price / 1e16 + p.strike / 1e18;
        uint256 relative = 1e6 + FPML.fullMulDiv(priceError, WAD * WAD, vegaAtTrue * p.volatility);
        assertApproxEqRel(implied, p.volatility, relative, "implied volatility");
    }

    function testPowerPerpRoundTrip(
        uint256 spotSeed,
        uint256 powerSeed,
        uint256 volatilitySeed,
        uint256 periodSeed
    ) external pure {
        uint256 spot = boundLog(spotSeed, MIN_PRICE, 10_000e18);
        uint256 power = bound(powerSeed, 0.1e18, 4e18);
        if (power > 0.999e18 && power < 1.001e18) power = 2e18;
        uint256 volatility = boundLog(volatilitySeed, MIN_VOLATILITY, MAX_VOLATILITY);
        uint256 period = boundLog(periodSeed, MIN_PERIOD, 30 days);
        uint256 mark = EverlastingMath.powerPerpFairPrice(spot, power, volatility, period);
        // Zero volatility's limit is S^n: the mark is above it for n > 1 and below for n < 1.
        uint256 index = EverlastingMath.powerPerpFairPrice(spot, power, 1, 1);
        if (power > WAD) assertGe(mark, index, "mark below index for n > 1");
        else assertLe(mark, index, "mark above index for n < 1");
        if (mark == index || mark < 1e9 || index < 1e9) return;
        uint256 implied = EverlastingMath.powerPerpImpliedVolatility(mark, index, power, period);
        // One wei of rounding in mark and in index moves ln(mark / index) by up to 2 / min(mark, index), i.e.
        // sigma by that over 2 h T, where h T = |n (n - 1)| sigma^2 T / 2.
        uint256 distance = power > WAD ? power - WAD : WAD - power;
        uint256 growthWad = FPML.fullMulDiv(
            power * distance,
            volatility * volatility * period,
            2 * 365 days * 1e54
        );
        uint256 smaller = mark < index ? mark : index;
        uint256 relative = 1e6 + (FPML.fullMulDiv(WAD, WAD, smaller) * WAD) / (growthWad + 1);
        assertApproxEqRel(implied, volatility, relative, "power perp implied volatility");
    }

    function testPowerPerpSquared(
        uint256 spotSeed,
        uint256 volatilitySeed,
        uint256 periodSeed
    ) external pure {
        uint256 spot = boundLog(spotSeed, MIN_PRICE, 10_000e18);
        uint256 volatility = boundLog(volatilitySeed, MIN_VOLATILITY, MAX_VOLATILITY);
        uint256 period = boundLog(periodSeed, MIN_PERIOD, 30 days);
        uint256 mark = EverlastingMath.powerPerpFairPrice(spot, 2e18, volatility, period);
        // S^2 e^(sigma^2 T) with solady's expWad as an independent check (its 1e-18 absolute error on the
        // factor and one wei of rounding on each side are the tolerance).
        int256 varianceWad = int256(FPML.fullMulDiv(volatility * volatility, period, 365 days * WAD));
        uint256 factor = uint256(FPML.expWad(varianceWad));
        uint256 expected = FPML.fullMulDiv(spot * spot, factor, WAD * WAD);
        assertApproxEqAbs(mark, expected, 2 + expected / 1e17, "squared perpetual");
        // n = 1: the perpetual future is worth the spot.
        uint256 future = EverlastingMath.powerPerpFairPrice(spot, WAD, volatility, period);
        assertApproxEqAbs(future, spot, 1 + spot / 1e17, "n = 1");
    }

    function testFundingRate(uint256 markSeed, uint256 payoffSeed, uint256 periodSeed) external pure {
        uint256 mark = bound(markSeed, 0, EverlastingMath.MAX_PRICE_WAD);
        uint256 payoff = bound(payoffSeed, 0, EverlastingMath.MAX_PRICE_WAD);
        uint256 period = bound(periodSeed, 1, EverlastingMath.MAX_FUNDING_PERIOD_SECONDS);
        int256 rate = EverlastingMath.fundingRate(mark, payoff, period);
        int256 difference = int256(mark) - int256(payoff);
        assertEq(rate, difference / int256(period), "rate");
        // Rounded toward zero: the sign never flips and |rate| * period <= |mark - payoff|.
        assertTrue(rate == 0 || (rate > 0) == (difference > 0), "sign");
        uint256 paid = uint256(rate >= 0 ? rate : -rate) * period;
        assertLe(paid, uint256(difference >= 0 ? difference : -difference), "overpaid");
    }
}
