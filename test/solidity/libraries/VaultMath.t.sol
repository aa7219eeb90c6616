// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";

import {PowerPerpMath} from "../../../contracts/libraries/PowerPerpMath.sol";
import {VaultMath} from "../../../contracts/libraries/VaultMath.sol";
import {Test} from "../utils/Test.sol";

/// @notice Properties of the vault health math: exact ratio checks, protocol-favouring rounding, and the
///         liquidation price as the boundary of safety.
contract VaultMathTest is Test {
    uint256 private constant WAD = 1e18;
    uint256 private constant MIN_RATIO = 1.5e18;
    uint256 private constant INDEX_SCALE = 1e4;

    function testMeetsRatioIsExact(
        uint256 collateralSeed,
        uint256 debtValueSeed,
        uint256 ratioSeed
    ) external pure {
        uint256 collateral = bound(collateralSeed, 0, 1e30);
        uint256 debtValue = bound(debtValueSeed, 0, 1e30);
        uint256 ratio = bound(ratioSeed, 1e18, 5e18);
        bool exact = collateral * WAD >= debtValue * ratio;
        assertTrue(VaultMath.meetsRatio(collateral, debtValue, ratio) == exact, "ratio check is not exact");
    }

    /// @dev The 1-wei boundary of the health check, hit directly: collateral = ceil(debtValue * ratio) - 1 fails
    ///      the ratio, ceil(debtValue * ratio) meets it (the ceiling computed here, not by the library). The
    ///      random draw above almost never lands on it.
    function testMeetsRatioAtTheOneWeiBoundary(uint256 debtValueSeed, uint256 ratioSeed) external pure {
        uint256 debtValue = bound(debtValueSeed, 1, 1e30);
        uint256 ratio = bound(ratioSeed, 1e18 + 1, 5e18);
        uint256 required = (debtValue * ratio + WAD - 1) / WAD;
        assertTrue(!VaultMath.meetsRatio(required - 1, debtValue, ratio), "one wei below the ratio passes");
        assertTrue(VaultMath.meetsRatio(required, debtValue, ratio), "exactly the ratio fails");
    }

    /// @dev The same boundary where the product has a remainder (a flipped rounding moves it by one wei): 150% of
    ///      an odd debt value.
    function testMeetsRatioBoundaryWithRemainder() external pure {
        uint256 debtValue = 1e18 + 1; // 1.5 x -> 1.5e18 + 1.5 wei: required 1.5e18 + 2
        assertTrue(!VaultMath.meetsRatio(1.5e18 + 1, debtValue, MIN_RATIO), "1.5e18 + 1 wei is below 150%");
        assertTrue(VaultMath.meetsRatio(1.5e18 + 2, debtValue, MIN_RATIO), "1.5e18 + 2 wei meets 150%");
    }

    function testDebtValueRoundsUp(uint256 debtSeed, uint256 perTokenSeed) external pure {
        uint256 debt = bound(debtSeed, 1, 1e30);
        uint256 perToken = bound(perTokenSeed, 1, 1e24);
        uint256 value = VaultMath.debtValue(debt, perToken);
        assertGe(value * WAD, debt * perToken, "debt value rounded down");
        assertLt((value - 1) * WAD, debt * perToken, "debt value rounded up by more than 1 wei");
    }

    function testMaxDebtIsTheBoundary(uint256 collateralSeed, uint256 perTokenSeed) external pure {
        uint256 collateral = bound(collateralSeed, 0.5e18, 1e27);
        uint256 perToken = bound(perTokenSeed, 1e12, 1e24);
        uint256 maxDebt = VaultMath.maxDebt(collateral, perToken, MIN_RATIO);
        uint256 atMax = VaultMath.debtValue(maxDebt, perToken);
        assertTrue(VaultMath.meetsRatio(collateral, atMax, MIN_RATIO), "max debt is not safe");
        // A few wei of debt value more must break the ratio.
        uint256 step = FPML.divUp(3 * WAD * WAD, perToken * MIN_RATIO) + 1;
        uint256 beyond = VaultMath.debtValue(maxDebt + step, perToken);
        assertTrue(!VaultMath.meetsRatio(collateral, beyond, MIN_RATIO), "max debt is not the maximum");
    }

    function testCollateralRatioRoundsDown(uint256 collateralSeed, uint256 debtValueSeed) external pure {
        uint256 collateral = bound(collateralSeed, 0, 1e30);
        uint256 debtValue = bound(debtValueSeed, 1, 1e30);
        uint256 ratio = VaultMath.collateralRatioWad(collateral, debtValue);
        assertLe(ratio * debtValue, collateral * WAD, "ratio rounded up");
        assertEq(VaultMath.collateralRatioWad(collateral, 0), type(uint256).max, "no debt: infinite ratio");
    }

    /// @dev Just below the liquidation price the vault is safe, just above it is not (n = 2, 3, 4).
    function testLiquidationPriceIsTheSafetyBoundary(
        uint256 collateralSeed,
        uint256 debtSeed,
        uint256 nfSeed,
        uint8 powerSeed
    ) external pure {
        uint256 power = bound(powerSeed, 2, 4);
        uint256 nf = bound(nfSeed, 0.1e18, 10e18);
        uint256 collateral = bound(collateralSeed, 1e18, 1e24);
        uint256 debt = bound(debtSeed, 1e15, 1e24);
        uint256 price = VaultMath.liquidationPriceWad(collateral, debt, nf, MIN_RATIO, power, INDEX_SCALE);
        vm.assume(price > 1e12 && price < 1e27);
        assertTrue(
            isSafe(collateral, debt, nf, FPML.mulWad(price, 0.999999e18), power),
            "unsafe below price"
        );
        assertTrue(!isSafe(collateral, debt, nf, FPML.mulWad(price, 1.000001e18), power), "safe above price");
    }

    function testNoLiquidationPriceWithoutDebtOrForPowerOne() external pure {
        assertEq(VaultMath.liquidationPriceWad(1e18, 0, 1e18, MIN_RATIO, 2, INDEX_SCALE), 0, "no debt");
        assertEq(VaultMath.liquidationPriceWad(1e18, 1e18, 1e18, MIN_RATIO, 1, INDEX_SCALE), 0, "n = 1");
    }

    function testSqueethReferenceVault() external pure {
        // 10 ETH, 15 tokens, NF = 1, ETH = 3000: debt 4.5 ETH, ratio 222.2%, liquidation at 4444.44 USD.
        uint256 perToken = PowerPerpMath.debtValuePerTokenWad(1e18, 3000e18, 2, INDEX_SCALE);
        assertEq(perToken, 0.3e18, "one token's debt at ETH = 3000");
        uint256 debtValue = VaultMath.debtValue(15e18, perToken);
        assertEq(debtValue, 4.5e18, "debt value");
        assertEq(VaultMath.collateralRatioWad(10e18, debtValue), 2222222222222222222, "collateral ratio");
        uint256 price = VaultMath.liquidationPriceWad(10e18, 15e18, 1e18, MIN_RATIO, 2, INDEX_SCALE);
        assertEq(price, 4444444444444444444444, "liquidation price");
        assertEq(PowerPerpMath.indexWad(3000e18, 2, INDEX_SCALE), 900e18, "index");
        assertEq(
            PowerPerpMath.markIndexRatioWad(0.3e18, 3000e18, 1e18, 2, INDEX_SCALE),
            1e18,
            "fair mark / index"
        );
    }

    function isSafe(
        uint256 collateral,
        uint256 debt,
        uint256 nf,
        uint256 ethPrice,
        uint256 power
    ) private pure returns (bool) {
        uint256 perToken = PowerPerpMath.debtValuePerTokenWad(nf, ethPrice, power, INDEX_SCALE);
        return VaultMath.meetsRatio(collateral, VaultMath.debtValue(debt, perToken), MIN_RATIO);
    }
}
