// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";
import {FullMath} from "@uniswap/v4-core/src/libraries/FullMath.sol";
import {TickMath} from "@uniswap/v4-core/src/libraries/TickMath.sol";

import {Evergamma} from "../../../contracts/core/Evergamma.sol";
import {IEvergamma} from "../../../contracts/interfaces/IEvergamma.sol";
import {PowerPerpMath} from "../../../contracts/libraries/PowerPerpMath.sol";
import {IEverlastingOptionPricer} from "../../../contracts/interfaces/IEverlastingOptionPricer.sol";
import {EvergammaLens} from "../../../contracts/periphery/EvergammaLens.sol";
import {UniswapTwapPrices} from "../../../contracts/prices/UniswapTwapPrices.sol";
import {EverlastingOptionPricer} from "../../../contracts/pricing/EverlastingOptionPricer.sol";
import {MarketToken} from "../../../contracts/tokens/MarketToken.sol";
import {FundingRule, MarketParams, ProductKind} from "../../../contracts/types/MarketConfig.sol";
import {MockUniswapV3Pool} from "../../../contracts/mocks/MockUniswapV3Pool.sol";
import {TestUSDC} from "../../../contracts/mocks/TestUSDC.sol";
import {WETH9} from "../../../contracts/mocks/WETH9.sol";
import {Test} from "../utils/Test.sol";

/// @notice The engine and its first market (market 0), deployed inside a Solidity test: WETH9, a 6-decimal USDC,
///         oracle-faithful mock Uniswap v3 pools the test moves with `setTick`, the engine (also the vault ERC-721),
///         its lens, market 0's token and its price source (`UniswapTwapPrices` over the ETH pool and the token's
///         pool). Further markets share the ETH pool (`MarketHandles`).
struct Protocol {
    Evergamma engine;
    EvergammaLens lens;
    /// @dev Market 0's token, token/WETH pool and price source.
    MarketToken powerToken;
    UniswapTwapPrices priceSource;
    WETH9 weth;
    TestUSDC usdc;
    MockUniswapV3Pool ethPool;
    MockUniswapV3Pool powerPool;
    /// @dev +1 when a higher pool tick means a higher ETH price in USD (WETH is token0), else -1.
    int256 ethTickSign;
    /// @dev +1 when a higher pool tick means a higher power-token price in ETH (power token is token0), else -1.
    int256 powerTickSign;
    /// @dev The engine's everlasting-option pricer (`optionPricer()`): option markets' debt value and funding.
    EverlastingOptionPricer pricer;
}

/// @notice One market of the engine: its id, parameters, token, token/WETH pool and price source.
struct MarketHandles {
    uint32 id;
    MarketParams params;
    MarketToken token;
    MockUniswapV3Pool pool;
    UniswapTwapPrices source;
    /// @dev +1 when a higher pool tick means a higher token price in ETH (the token is token0), else -1.
    int256 tickSign;
}

/// @notice What to deploy for one market: parameters, token name and symbol, initial token price (ETH per token)
///         and the token pool's observation capacity.
struct MarketSpec {
    MarketParams params;
    string name;
    string symbol;
    uint256 tokenPriceWad;
    uint16 cardinality;
}

/// @title EvergammaFixture
/// @notice Deploys a market on mock pools (Squeeth's parameters, ETH = 3000 USD, power token at the fair price
///         for 80% implied volatility) and converts between prices and pool ticks.
abstract contract EvergammaFixture is Test {
    uint256 internal constant WAD = 1e18;
    /// @dev A realistic start time (the runner starts at 1), far from the uint32 wrap.
    uint256 internal constant START_TIME = 1_750_000_000;
    uint256 internal constant START_BLOCK = 20_000_000;
    uint16 internal constant POOL_CARDINALITY = 1024;
    /// @dev The TWAP window of every market's price source.
    uint32 internal constant TWAP_PERIOD = 420;
    /// @dev The implied volatility (WAD, annualised: 80%) at which every token pool is seeded at its fair price.
    uint256 internal constant FAIR_VOLATILITY_WAD = 0.8e18;
    /// @dev An option market's terms (docs/spec.md, "Option markets"): funding period T (seconds), floor volatility
    ///      of the health rule (WAD, 50%), dust floor (wei) and the band [floor, cap] on payoff / mark (WAD).
    uint32 internal constant OPTION_FUNDING_PERIOD = 7 days;
    uint256 internal constant OPTION_FLOOR_VOLATILITY_WAD = 0.5e18;
    uint256 internal constant OPTION_MIN_COLLATERAL_WEI = 0.1 ether;
    uint256 internal constant OPTION_BAND_FLOOR_WAD = 0;
    uint256 internal constant OPTION_BAND_CAP_WAD = 1.25e18;

    function defaultMarketParams() internal pure returns (MarketParams memory) {
        return
            MarketParams({
                kind: ProductKind.Power,
                power: 2,
                indexScale: 1e4,
                minCollateralRatioWad: 1.5e18,
                minCollateralWei: 0.5e18,
                fundingPeriodSeconds: 420 hours,
                markRatioFloorWad: 0.8e18,
                markRatioCapWad: 1.4e18,
                liquidationBonusWad: 0.1e18,
                strikeWad: 0,
                floorVolatilityWad: 0,
                fundingRule: FundingRule.Standard,
                interestRatePerPeriodWad: 0,
                premiumClampWad: 0
            });
    }

    /// @notice An everlasting option market's terms: a call or put struck at `strikeWad` USD, with the option
    ///         constants above and the power market's minimum ratio and liquidation bonus (power 0, scale 1).
    /// @param isCall A call (true) or a put (false).
    /// @param strikeWad The strike K in USD (WAD).
    /// @return params The terms.
    function optionMarketParams(
        bool isCall,
        uint256 strikeWad
    ) internal pure returns (MarketParams memory params) {
        params = defaultMarketParams();
        params.kind = isCall ? ProductKind.Call : ProductKind.Put;
        params.power = 0;
        params.indexScale = 1;
        params.minCollateralWei = OPTION_MIN_COLLATERAL_WEI;
        params.fundingPeriodSeconds = OPTION_FUNDING_PERIOD;
        params.markRatioFloorWad = OPTION_BAND_FLOOR_WAD;
        params.markRatioCapWad = OPTION_BAND_CAP_WAD;
        params.strikeWad = strikeWad;
        params.floorVolatilityWad = OPTION_FLOOR_VOLATILITY_WAD;
    }

    /// @notice Deploys the market with the caller (this test) as owner, pools seeded at `ethPriceWad` USD per ETH
    ///         and `powerPriceWad` ETH per token, both pools with `cardinality` observation slots, then advances
    ///         time by `warmup` seconds so the pools hold that much TWAP history.
    function deployProtocol(
        MarketParams memory params,
        uint256 ethPriceWad,
        uint256 powerPriceWad,
        uint16 cardinality,
        uint256 warmup
    ) internal returns (Protocol memory) {
        return deployProtocol(params, ethPriceWad, powerPriceWad, cardinality, cardinality, warmup);
    }

    /// @notice As above, with a different observation capacity for each pool.
    function deployProtocol(
        MarketParams memory params,
        uint256 ethPriceWad,
        uint256 powerPriceWad,
        uint16 ethCardinality,
        uint16 powerCardinality,
        uint256 warmup
    ) internal returns (Protocol memory p) {
        MarketSpec[] memory specs = new MarketSpec[](1);
        specs[0] = MarketSpec(params, "Evergamma Squared ETH", "eSQTH", powerPriceWad, powerCardinality);
        (p, ) = deployMarkets(specs, ethPriceWad, ethCardinality, warmup);
    }

    /// @notice Deploys the engine (owned by this test), its lens and one market per spec, all on one ETH pool
    ///         seeded at `ethPriceWad` USD per ETH with `ethCardinality` slots. Every token pool is initialised
    ///         before the ETH pool is warmed (so each holds a TWAP period of history), then each market gets its
    ///         token, price source (which checks that the ETH pool holds a full window, L-4) and `createMarket`.
    ///         Finally `warmup` seconds pass.
    function deployMarkets(
        MarketSpec[] memory specs,
        uint256 ethPriceWad,
        uint16 ethCardinality,
        uint256 warmup
    ) internal returns (Protocol memory p, MarketHandles[] memory markets) {
        return deployMarkets(specs, ethPriceWad, ethCardinality, warmup, new EverlastingOptionPricer());
    }

    /// @notice As above, with the engine's option pricer given (deployed first to seed option pools at its
    ///         fair value: `fairTokenPriceWad(pricer, ...)`).
    function deployMarkets(
        MarketSpec[] memory specs,
        uint256 ethPriceWad,
        uint16 ethCardinality,
        uint256 warmup,
        EverlastingOptionPricer pricer
    ) internal returns (Protocol memory p, MarketHandles[] memory markets) {
        p.weth = new WETH9();
        p.usdc = new TestUSDC();
        p.pricer = pricer;
        p.engine = new Evergamma(address(this), pricer);
        p.lens = new EvergammaLens(IEvergamma(address(p.engine)));
        p.ethPool = new MockUniswapV3Pool(address(p.weth), address(p.usdc), 1e21);
        p.ethTickSign = p.ethPool.token0() == address(p.weth) ? int256(1) : int256(-1);
        p.ethPool.initializeAtTick(tickForPrice(address(p.weth), address(p.usdc), ethPriceWad, 18, 6));
        p.ethPool.increaseObservationCardinalityNext(ethCardinality);
        markets = new MarketHandles[](specs.length);
        for (uint256 i = 0; i < specs.length; i++) markets[i] = newTokenAndPool(p, specs[i]);
        warmPool(p.ethPool, TWAP_PERIOD);
        for (uint256 i = 0; i < specs.length; i++) {
            createMarket(p, markets[i]);
            require(markets[i].id == i, "fixture: market id");
        }
        p.powerToken = markets[0].token;
        p.powerPool = markets[0].pool;
        p.priceSource = markets[0].source;
        p.powerTickSign = markets[0].tickSign;
        if (warmup != 0) {
            vm.warp(vm.getBlockTimestamp() + warmup);
            vm.roll(vm.getBlockNumber() + 1);
        }
    }

    /// @notice A market's token (for the engine) and its token/WETH pool, initialised at the spec's price.
    function newTokenAndPool(
        Protocol memory p,
        MarketSpec memory spec
    ) internal returns (MarketHandles memory mk) {
        mk.params = spec.params;
        mk.token = new MarketToken(spec.name, spec.symbol, address(p.engine));
        mk.pool = new MockUniswapV3Pool(address(mk.token), address(p.weth), 1e21);
        mk.tickSign = mk.pool.token0() == address(mk.token) ? int256(1) : int256(-1);
        mk.pool.initializeAtTick(
            tickForPrice(address(mk.token), address(p.weth), spec.tokenPriceWad, 18, 18)
        );
        mk.pool.increaseObservationCardinalityNext(spec.cardinality);
    }

    /// @notice The market's price source on the ETH pool and its token pool, then `createMarket`.
    function createMarket(Protocol memory p, MarketHandles memory mk) internal {
        mk.source = new UniswapTwapPrices(
            address(p.weth),
            address(p.usdc),
            address(p.ethPool),
            address(mk.token),
            address(mk.pool),
            TWAP_PERIOD
        );
        mk.id = p.engine.createMarket(mk.params, address(mk.token), address(mk.source));
    }

    /// @notice Makes a freshly initialised pool hold a full window, as the price source requires of the ETH pool
    ///         (L-4): a write in the next block grows its ring buffer to `cardinalityNext` (a tick there and back,
    ///         one second at +1 tick), then `periodSeconds` pass in all.
    function warmPool(MockUniswapV3Pool pool, uint32 periodSeconds) internal {
        (, int24 tick, , , , , ) = pool.slot0();
        uint256 start = vm.getBlockTimestamp();
        vm.warp(start + 1);
        vm.roll(vm.getBlockNumber() + 1);
        pool.setTick(tick + 1);
        vm.warp(start + 2);
        vm.roll(vm.getBlockNumber() + 1);
        pool.setTick(tick);
        vm.warp(start + (periodSeconds > 2 ? periodSeconds : 2));
        vm.roll(vm.getBlockNumber() + 1);
    }

    /// @notice The default market at ETH = 3000, power token at its fair price for 80% vol, 1024 observation
    ///         slots, one TWAP period of history.
    function deployDefaultProtocol() internal returns (Protocol memory) {
        vm.warp(START_TIME);
        vm.roll(START_BLOCK);
        return
            deployProtocol(
                defaultMarketParams(),
                3000e18,
                fairPowerPriceWad(3000e18, WAD),
                POOL_CARDINALITY,
                420
            );
    }

    /// @notice NF * S / scale * exp(n(n-1) sigma^2 T / 2) for n = 2, sigma = 0.8, T = 420 h: ETH per token.
    function fairPowerPriceWad(
        uint256 ethPriceWad,
        uint256 normalizationFactor
    ) internal pure returns (uint256) {
        return fairTokenPriceWad(defaultMarketParams(), ethPriceWad, normalizationFactor);
    }

    /// @notice A power market's fair token price in ETH for 80% implied volatility: one token's claim value
    ///         NF * S^(n-1) / scale times exp(n(n-1) sigma^2 T / 2), T = the funding period.
    function fairTokenPriceWad(
        MarketParams memory params,
        uint256 ethPriceWad,
        uint256 normalizationFactor
    ) internal pure returns (uint256) {
        uint256 n = params.power;
        int256 exponent = int256(
            (FPML.mulWad(FAIR_VOLATILITY_WAD, FAIR_VOLATILITY_WAD) *
                n *
                (n - 1) *
                uint256(params.fundingPeriodSeconds)) / (2 * 365 days)
        );
        uint256 premiumWad = uint256(FPML.expWad(exponent));
        uint256 claim = PowerPerpMath.claimValuePerTokenWad(
            normalizationFactor,
            ethPriceWad,
            n,
            params.indexScale
        );
        return FPML.mulWad(claim, premiumWad);
    }

    /// @notice Any market's fair token price in ETH (WAD) for 80% implied volatility: a power market's as above, an
    ///         option's NF * V(S) / S with V the pricer's everlasting fair value (USD per unit of claim) at
    ///         `FAIR_VOLATILITY_WAD` and the market's funding period.
    /// @param pricer The engine's option pricer (read for options only).
    /// @param params The market's terms.
    /// @param ethPriceWad S, USD per ETH (WAD).
    /// @param normalizationFactor NF (WAD).
    /// @return ETH per token (WAD).
    function fairTokenPriceWad(
        IEverlastingOptionPricer pricer,
        MarketParams memory params,
        uint256 ethPriceWad,
        uint256 normalizationFactor
    ) internal pure returns (uint256) {
        if (params.kind == ProductKind.Power)
            return fairTokenPriceWad(params, ethPriceWad, normalizationFactor);
        uint256 fairUsd =
            params.kind == ProductKind.Call
                ? pricer.callPrice(
                    ethPriceWad,
                    params.strikeWad,
                    FAIR_VOLATILITY_WAD,
                    params.fundingPeriodSeconds
                )
                : pricer.putPrice(
                    ethPriceWad,
                    params.strikeWad,
                    FAIR_VOLATILITY_WAD,
                    params.fundingPeriodSeconds
                );
        return FPML.fullMulDiv(normalizationFactor, fairUsd, ethPriceWad);
    }

    /// @notice The pool tick (price of token0 in token1, raw units) at which one whole `base` is worth
    ///         `priceWad` whole `quote` (rounded down to a tick).
    function tickForPrice(
        address base,
        address quote,
        uint256 priceWad,
        uint8 baseDecimals,
        uint8 quoteDecimals
    ) internal pure returns (int24) {
        // raw price of base in quote = priceWad * 10^quoteDecimals / (1e18 * 10^baseDecimals)
        uint256 num = priceWad * 10 ** quoteDecimals;
        uint256 den = 1e18 * 10 ** baseDecimals;
        uint256 ratioX192 =
            base < quote ? FullMath.mulDiv(num, 1 << 192, den) : FullMath.mulDiv(den, 1 << 192, num);
        uint256 sqrtPriceX96 = FPML.sqrt(ratioX192);
        if (sqrtPriceX96 < TickMath.MIN_SQRT_PRICE) sqrtPriceX96 = TickMath.MIN_SQRT_PRICE;
        if (sqrtPriceX96 >= TickMath.MAX_SQRT_PRICE) sqrtPriceX96 = TickMath.MAX_SQRT_PRICE - 1;
        return TickMath.getTickAtSqrtPrice(uint160(sqrtPriceX96));
    }
}
