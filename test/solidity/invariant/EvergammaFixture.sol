// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";
import {FullMath} from "@uniswap/v4-core/src/libraries/FullMath.sol";
import {TickMath} from "@uniswap/v4-core/src/libraries/TickMath.sol";

import {Controller} from "../../../contracts/core/Controller.sol";
import {PowerToken} from "../../../contracts/core/PowerToken.sol";
import {VaultNFT} from "../../../contracts/core/VaultNFT.sol";
import {MarketContracts, MarketParams} from "../../../contracts/interfaces/IController.sol";
import {MockUniswapV3Pool} from "../../../contracts/mocks/MockUniswapV3Pool.sol";
import {TestUSDC} from "../../../contracts/mocks/TestUSDC.sol";
import {WETH9} from "../../../contracts/mocks/WETH9.sol";
import {Test} from "../utils/Test.sol";

/// @notice Everything one Evergamma market needs, deployed inside a Solidity test: WETH9, a 6-decimal USDC, two
///         oracle-faithful mock Uniswap v3 pools the test moves with `setTick`, the power token, the vault NFT and
///         the Controller (whose address the tokens are built for, predicted from this contract's nonce).
struct Protocol {
    Controller controller;
    PowerToken powerToken;
    VaultNFT vaultNFT;
    WETH9 weth;
    TestUSDC usdc;
    MockUniswapV3Pool ethPool;
    MockUniswapV3Pool powerPool;
    /// @dev +1 when a higher pool tick means a higher ETH price in USD (WETH is token0), else -1.
    int256 ethTickSign;
    /// @dev +1 when a higher pool tick means a higher power-token price in ETH (power token is token0), else -1.
    int256 powerTickSign;
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

    function defaultMarketParams() internal pure returns (MarketParams memory) {
        return
            MarketParams({
                power: 2,
                indexScale: 1e4,
                minCollateralRatioWad: 1.5e18,
                minCollateralWei: 0.5e18,
                twapPeriodSeconds: 420,
                fundingPeriodSeconds: 420 hours,
                markRatioFloorWad: 0.8e18,
                markRatioCapWad: 1.4e18,
                liquidationBonusWad: 0.1e18
            });
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
        p.weth = new WETH9();
        p.usdc = new TestUSDC();
        // Nonces from here: PowerToken, VaultNFT, ETH pool, power pool, Controller.
        address predicted = vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + 4);
        p.powerToken = new PowerToken("Evergamma Squared ETH", "eSQTH", predicted);
        p.vaultNFT = new VaultNFT("Evergamma Short Vault", "eSV", predicted);
        p.ethPool = new MockUniswapV3Pool(address(p.weth), address(p.usdc), 1e21);
        p.powerPool = new MockUniswapV3Pool(address(p.powerToken), address(p.weth), 1e21);
        p.ethTickSign = p.ethPool.token0() == address(p.weth) ? int256(1) : int256(-1);
        p.powerTickSign = p.powerPool.token0() == address(p.powerToken) ? int256(1) : int256(-1);
        p.ethPool.initializeAtTick(tickForPrice(address(p.weth), address(p.usdc), ethPriceWad, 18, 6));
        p.powerPool.initializeAtTick(
            tickForPrice(address(p.powerToken), address(p.weth), powerPriceWad, 18, 18)
        );
        p.ethPool.increaseObservationCardinalityNext(ethCardinality);
        p.powerPool.increaseObservationCardinalityNext(powerCardinality);
        warmPool(p.ethPool, params.twapPeriodSeconds);
        p.controller = new Controller(
            MarketContracts({
                powerToken: address(p.powerToken),
                vaultNFT: address(p.vaultNFT),
                weth: address(p.weth),
                quoteToken: address(p.usdc),
                ethQuotePool: address(p.ethPool),
                powerPool: address(p.powerPool)
            }),
            params
        );
        require(address(p.controller) == predicted, "fixture: controller address");
        if (warmup != 0) {
            vm.warp(vm.getBlockTimestamp() + warmup);
            vm.roll(vm.getBlockNumber() + 1);
        }
    }

    /// @notice Makes a freshly initialised pool hold a full window, as the Controller requires of the ETH pool
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
        // exp(0.64 * 420 / 8760) = exp(0.030685) = 1.031160...
        int256 exponent = int256(uint256(0.64e18 * 420) / 8760);
        uint256 premiumWad = uint256(FPML.expWad(exponent));
        return FPML.mulWad(FPML.mulWad(normalizationFactor, ethPriceWad) / 1e4, premiumWad);
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
