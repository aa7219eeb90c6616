// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IEverlastingOptionPricer as IPricer} from "../../../contracts/interfaces/IEverlastingOptionPricer.sol";
import {EverlastingMath} from "../../../contracts/libraries/EverlastingMath.sol";
import {EverlastingOptionPricer} from "../../../contracts/pricing/EverlastingOptionPricer.sol";
import {Test} from "../utils/Test.sol";

/// @notice The deployed pricer: it forwards to the library unchanged, and every input outside the domain
///         reverts with the interface's custom error.
contract EverlastingOptionPricerTest is Test {
    uint256 private constant WAD = 1e18;
    uint256 private constant MAX_PRICE = 1e36;
    uint256 private constant MAX_VOLATILITY = 1e22;
    uint256 private constant MAX_PERIOD = 31_536_000_000;

    EverlastingOptionPricer private pricer;

    function setUp() public {
        pricer = new EverlastingOptionPricer();
    }

    function testForwardsToTheLibrary(
        uint256 spotSeed,
        uint256 strikeSeed,
        uint256 volatilitySeed,
        uint256 periodSeed
    ) external view {
        uint256 spot = bound(spotSeed, 1e15, 1e24);
        uint256 strike = bound(strikeSeed, 1e15, 1e24);
        uint256 volatility = bound(volatilitySeed, 0.01e18, 10e18);
        uint256 period = bound(periodSeed, 60, 3650 days);
        uint256[4] memory args = [spot, strike, volatility, period];
        assertForwards(pricer.callPrice, EverlastingMath.callPrice, args, "call");
        assertForwards(pricer.putPrice, EverlastingMath.putPrice, args, "put");
        assertForwards(pricer.timeValue, EverlastingMath.timeValue, args, "W");
        assertEq(
            pricer.callDelta(spot, strike, volatility, period),
            EverlastingMath.callDelta(spot, strike, volatility, period),
            "delta"
        );
        assertEq(
            pricer.putDelta(spot, strike, volatility, period),
            EverlastingMath.putDelta(spot, strike, volatility, period),
            "put delta"
        );
        assertForwards(pricer.gamma, EverlastingMath.gamma, args, "gamma");
        assertForwards(pricer.vega, EverlastingMath.vega, args, "vega");
        // e^(sigma^2 T) must fit: at most 300% over 30 days here.
        uint256 perpVolatility = (volatility % 3e18) + 1;
        uint256 perpPeriod = (period % 30 days) + 1;
        uint256[4] memory perpArgs = [spot, 2e18, perpVolatility, perpPeriod];
        assertForwards(pricer.powerPerpFairPrice, EverlastingMath.powerPerpFairPrice, perpArgs, "power perp");
        assertEq(
            pricer.fundingRate(spot, strike, period),
            EverlastingMath.fundingRate(spot, strike, period),
            "funding"
        );
    }

    /// @dev The pricer's function and the library's agree on the same four arguments.
    function assertForwards(
        function(uint256, uint256, uint256, uint256) external view returns (uint256) fromPricer,
        function(uint256, uint256, uint256, uint256) pure returns (uint256) fromLibrary,
        uint256[4] memory args,
        string memory name
    ) internal view {
        assertEq(
            fromPricer(args[0], args[1], args[2], args[3]),
            fromLibrary(args[0], args[1], args[2], args[3]),
            name
        );
    }

    /// @dev Worked example at the money: K = 3,000, sigma = 100%, T = 1 day: u = sqrt(1 + 8 * 365) and
    ///      C = P = K / u = 55.507986786189632147378...
    function testAtTheMoneyExample() external view {
        uint256 price = pricer.callPrice(3000e18, 3000e18, 1e18, 1 days);
        assertEq(price, 55_507_986_786_189_632_147, "K / u, rounded down");
        assertEq(pricer.putPrice(3000e18, 3000e18, 1e18, 1 days), price, "put");
        uint256 implied = pricer.impliedVolatility(price, 3000e18, 3000e18, 1 days, true);
        assertApproxEqRel(implied, 1e18, 1e5, "closed-form implied volatility");
    }

    function testZeroInputsRevert() external {
        vm.expectRevert(IPricer.ZeroSpot.selector);
        pricer.callPrice(0, 1e18, 1e18, 1 days);
        vm.expectRevert(IPricer.ZeroStrike.selector);
        pricer.putPrice(1e18, 0, 1e18, 1 days);
        vm.expectRevert(IPricer.ZeroVolatility.selector);
        pricer.timeValue(1e18, 1e18, 0, 1 days);
        vm.expectRevert(IPricer.ZeroFundingPeriod.selector);
        pricer.callDelta(1e18, 1e18, 1e18, 0);
        vm.expectRevert(IPricer.ZeroSpot.selector);
        pricer.gamma(0, 1e18, 1e18, 1 days);
        vm.expectRevert(IPricer.ZeroVolatility.selector);
        pricer.vega(1e18, 1e18, 0, 1 days);
        vm.expectRevert(IPricer.ZeroStrike.selector);
        pricer.putDelta(1e18, 0, 1e18, 1 days);
        vm.expectRevert(IPricer.ZeroSpot.selector);
        pricer.impliedVolatility(1e17, 0, 1e18, 1 days, true);
        vm.expectRevert(IPricer.ZeroFundingPeriod.selector);
        pricer.impliedVolatility(1e17, 1e18, 1e18, 0, false);
        vm.expectRevert(IPricer.ZeroSpot.selector);
        pricer.powerPerpFairPrice(0, 2e18, 1e18, 1 days);
        vm.expectRevert(IPricer.ZeroVolatility.selector);
        pricer.powerPerpFairPrice(1e18, 2e18, 0, 1 days);
        vm.expectRevert(IPricer.ZeroFundingPeriod.selector);
        pricer.powerPerpFairPrice(1e18, 2e18, 1e18, 0);
        vm.expectRevert(IPricer.ZeroSpot.selector);
        pricer.powerPerpImpliedVolatility(0, 1e18, 2e18, 1 days);
        vm.expectRevert(IPricer.ZeroSpot.selector);
        pricer.powerPerpImpliedVolatility(1e18, 0, 2e18, 1 days);
        vm.expectRevert(IPricer.ZeroFundingPeriod.selector);
        pricer.fundingRate(1e18, 1e18, 0);
    }

    function testOutOfRangeInputsRevert() external {
        vm.expectRevert(abi.encodeWithSelector(IPricer.PriceTooLarge.selector, MAX_PRICE + 1, MAX_PRICE));
        pricer.callPrice(MAX_PRICE + 1, 1e18, 1e18, 1 days);
        vm.expectRevert(abi.encodeWithSelector(IPricer.PriceTooLarge.selector, type(uint256).max, MAX_PRICE));
        pricer.putPrice(1e18, type(uint256).max, 1e18, 1 days);
        vm.expectRevert(
            abi.encodeWithSelector(IPricer.VolatilityTooLarge.selector, MAX_VOLATILITY + 1, MAX_VOLATILITY)
        );
        pricer.timeValue(1e18, 1e18, MAX_VOLATILITY + 1, 1 days);
        vm.expectRevert(
            abi.encodeWithSelector(IPricer.FundingPeriodTooLarge.selector, MAX_PERIOD + 1, MAX_PERIOD)
        );
        pricer.vega(1e18, 1e18, 1e18, MAX_PERIOD + 1);
        // sigma^2 T so small that u would exceed 2^40.
        vm.expectRevert(abi.encodeWithSelector(IPricer.VarianceTooSmall.selector, 1e9, 1));
        pricer.callPrice(1e18, 1e18, 1e9, 1);
        vm.expectRevert(abi.encodeWithSelector(IPricer.PriceTooLarge.selector, MAX_PRICE + 1, MAX_PRICE));
        pricer.fundingRate(MAX_PRICE + 1, 0, 1 days);
        vm.expectRevert(abi.encodeWithSelector(IPricer.PriceTooLarge.selector, MAX_PRICE + 1, MAX_PRICE));
        pricer.fundingRate(0, MAX_PRICE + 1, 1 days);
        // The extremes of the domain themselves are accepted.
        pricer.callPrice(MAX_PRICE, 1, MAX_VOLATILITY, MAX_PERIOD);
        pricer.putPrice(1, MAX_PRICE, MAX_VOLATILITY, 1);
        pricer.gamma(MAX_PRICE, MAX_PRICE, 1e9, MAX_PERIOD);
    }

    function testImpliedVolatilityBounds() external {
        // Call at S = 1.2, K = 1: intrinsic 0.2, upper bound the spot 1.2 (both exclusive).
        vm.expectRevert(
            abi.encodeWithSelector(IPricer.OptionPriceOutOfBounds.selector, 0.2e18, 0.2e18, 1.2e18)
        );
        pricer.impliedVolatility(0.2e18, 1.2e18, 1e18, 1 days, true);
        vm.expectRevert(
            abi.encodeWithSelector(IPricer.OptionPriceOutOfBounds.selector, 0.1e18, 0.2e18, 1.2e18)
        );
        pricer.impliedVolatility(0.1e18, 1.2e18, 1e18, 1 days, true);
        vm.expectRevert(
            abi.encodeWithSelector(IPricer.OptionPriceOutOfBounds.selector, 1.2e18, 0.2e18, 1.2e18)
        );
        pricer.impliedVolatility(1.2e18, 1.2e18, 1e18, 1 days, true);
        // Put at the same point: intrinsic 0, upper bound the strike.
        vm.expectRevert(abi.encodeWithSelector(IPricer.OptionPriceOutOfBounds.selector, 0, 0, 1e18));
        pricer.impliedVolatility(0, 1.2e18, 1e18, 1 days, false);
        vm.expectRevert(abi.encodeWithSelector(IPricer.OptionPriceOutOfBounds.selector, 1e18, 0, 1e18));
        pricer.impliedVolatility(1e18, 1.2e18, 1e18, 1 days, false);
        // Inside the bounds the solver returns a volatility that reprices the option.
        uint256 implied = pricer.impliedVolatility(0.25e18, 1.2e18, 1e18, 1 days, true);
        assertApproxEqAbs(pricer.callPrice(1.2e18, 1e18, implied, 1 days), 0.25e18, 2, "reprice");
    }

    function testPowerPerpErrors() external {
        vm.expectRevert(abi.encodeWithSelector(IPricer.InvalidPower.selector, 1000e18 + 1));
        pricer.powerPerpFairPrice(1e18, 1000e18 + 1, 1e18, 1 days);
        vm.expectRevert(abi.encodeWithSelector(IPricer.InvalidPower.selector, WAD));
        pricer.powerPerpImpliedVolatility(1.1e18, 1e18, WAD, 1 days);
        vm.expectRevert(abi.encodeWithSelector(IPricer.InvalidPower.selector, 0));
        pricer.powerPerpImpliedVolatility(1.1e18, 1e18, 0, 1 days);
        vm.expectRevert(abi.encodeWithSelector(IPricer.MarkOutOfBounds.selector, 0.9e18, 1e18));
        pricer.powerPerpImpliedVolatility(0.9e18, 1e18, 2e18, 1 days);
        vm.expectRevert(abi.encodeWithSelector(IPricer.MarkOutOfBounds.selector, 1.1e18, 1e18));
        pricer.powerPerpImpliedVolatility(1.1e18, 1e18, 0.5e18, 1 days);
        vm.expectRevert(IPricer.PowerPerpPriceOverflow.selector);
        pricer.powerPerpFairPrice(MAX_PRICE, 4e18, 1e18, 1 days);
        vm.expectRevert(IPricer.PowerPerpPriceOverflow.selector);
        pricer.powerPerpFairPrice(1e18, 2e18, MAX_VOLATILITY, MAX_PERIOD);
        // Underflow is the limit 0, not a revert; equal mark and index imply zero volatility.
        assertEq(pricer.powerPerpFairPrice(1, 4e18, 1e18, 1 days), 0, "underflow");
        assertEq(pricer.powerPerpFairPrice(1e18, 0.5e18, MAX_VOLATILITY, MAX_PERIOD), 0, "n < 1 underflow");
        assertEq(pricer.powerPerpImpliedVolatility(1e18, 1e18, 2e18, 1 days), 0, "no premium");
    }
}
