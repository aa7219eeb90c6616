// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LiquidationMath, LiquidationResult} from "../../../contracts/libraries/LiquidationMath.sol";
import {Test} from "../utils/Test.sol";

/// @notice Properties of the liquidation amounts: bounded payouts, the close factor, no dust, and that a
///         liquidation offering the whole debt always goes through.
contract LiquidationMathTest is Test {
    uint256 private constant WAD = 1e18;
    uint256 private constant BONUS = 0.1e18;
    uint256 private constant MIN_COLLATERAL = 0.5e18;

    function boundVault(
        uint256 collateralSeed,
        uint256 debtSeed,
        uint256 priceSeed
    ) private pure returns (uint256 collateral, uint256 debt, uint256 price) {
        collateral = bound(collateralSeed, 0, 1e30);
        debt = bound(debtSeed, 1, 1e30);
        price = bound(priceSeed, 1e9, 1e24);
    }

    function testPayoutNeverExceedsCollateral(
        uint256 collateralSeed,
        uint256 debtSeed,
        uint256 priceSeed,
        uint256 maxDebt
    ) external pure {
        (uint256 collateral, uint256 debt, uint256 price) = boundVault(collateralSeed, debtSeed, priceSeed);
        LiquidationResult memory r = LiquidationMath.compute(
            collateral,
            debt,
            maxDebt,
            price,
            BONUS,
            MIN_COLLATERAL
        );
        assertLe(r.collateralPaid, collateral, "paid more than the vault holds");
        assertLe(r.debtRepaid, debt, "repaid more than the debt");
        assertLe(r.debtRepaid, maxDebt, "repaid more than offered");
        // The payout is the repaid debt's value plus bonus, rounded down, capped at the collateral.
        uint256 fullPay = (r.debtRepaid * ((price * (WAD + BONUS)) / WAD)) / WAD;
        assertTrue(
            r.collateralPaid == fullPay || r.collateralPaid == collateral,
            "payout is not value + bonus"
        );
    }

    /// @dev Offering the whole debt always succeeds and never leaves dust.
    function testUnlimitedOfferAlwaysLiquidates(
        uint256 collateralSeed,
        uint256 debtSeed,
        uint256 priceSeed
    ) external pure {
        (uint256 collateral, uint256 debt, uint256 price) = boundVault(collateralSeed, debtSeed, priceSeed);
        LiquidationResult memory r = LiquidationMath.compute(
            collateral,
            debt,
            type(uint256).max,
            price,
            BONUS,
            MIN_COLLATERAL
        );
        assertTrue(!r.leavesDust, "an unlimited offer left dust");
        assertGt(r.debtRepaid, 0, "nothing repaid");
        uint256 collateralLeft = collateral - r.collateralPaid;
        bool dust = r.debtRepaid < debt && collateralLeft != 0 && collateralLeft < MIN_COLLATERAL;
        assertTrue(!dust, "dust vault left behind");
    }

    /// @dev Half the debt (rounded up) unless the whole debt is needed to avoid dust or insolvency.
    function testCloseFactor(uint256 collateralSeed, uint256 debtSeed, uint256 priceSeed) external pure {
        (uint256 collateral, uint256 debt, uint256 price) = boundVault(collateralSeed, debtSeed, priceSeed);
        LiquidationResult memory r = LiquidationMath.compute(
            collateral,
            debt,
            type(uint256).max,
            price,
            BONUS,
            MIN_COLLATERAL
        );
        uint256 payPerToken = (price * (WAD + BONUS)) / WAD;
        bool coversWholeDebt = (debt * payPerToken) / WAD < collateral;
        if (!coversWholeDebt) {
            assertEq(r.debtRepaid, debt, "insolvent: the whole debt is repaid");
            assertEq(r.collateralPaid, collateral, "insolvent: all collateral goes to the liquidator");
        } else if (r.debtRepaid != debt) {
            assertEq(r.debtRepaid, (debt + 1) / 2, "close factor is half the debt");
        }
    }

    /// @dev A liquidator never gains by offering more than the close factor allows.
    function testRepaidIsMonotoneInOffer(
        uint256 collateralSeed,
        uint256 debtSeed,
        uint256 priceSeed,
        uint256 offerA,
        uint256 offerB
    ) external pure {
        (uint256 collateral, uint256 debt, uint256 price) = boundVault(collateralSeed, debtSeed, priceSeed);
        (uint256 low, uint256 high) = offerA < offerB ? (offerA, offerB) : (offerB, offerA);
        LiquidationResult memory a = LiquidationMath.compute(
            collateral,
            debt,
            low,
            price,
            BONUS,
            MIN_COLLATERAL
        );
        LiquidationResult memory b = LiquidationMath.compute(
            collateral,
            debt,
            high,
            price,
            BONUS,
            MIN_COLLATERAL
        );
        vm.assume(!a.leavesDust && !b.leavesDust);
        assertLe(a.debtRepaid, b.debtRepaid, "a larger offer repaid less");
        assertLe(a.collateralPaid, b.collateralPaid, "a larger offer was paid less");
    }

    function testDustBoundary() external pure {
        // 1 ETH of collateral, 2 tokens at 0.2 ETH: half (1 token) pays 0.22 ETH and leaves 0.78 ETH: partial.
        LiquidationResult memory partialResult = LiquidationMath.compute(
            1e18,
            2e18,
            1e18,
            0.2e18,
            BONUS,
            0.5e18
        );
        assertEq(partialResult.debtRepaid, 1e18, "half the debt");
        assertEq(partialResult.collateralPaid, 0.22e18, "value + 10%");
        // With a 0.78 ETH + 1 wei floor the same half would leave dust: the whole debt is required.
        LiquidationResult memory blocked = LiquidationMath.compute(
            1e18,
            2e18,
            1e18,
            0.2e18,
            BONUS,
            0.78e18 + 1
        );
        assertTrue(blocked.leavesDust, "offer too small to avoid dust");
        LiquidationResult memory full = LiquidationMath.compute(1e18, 2e18, 2e18, 0.2e18, BONUS, 0.78e18 + 1);
        assertEq(full.debtRepaid, 2e18, "whole debt");
        assertEq(full.collateralPaid, 0.44e18, "whole debt value + 10%");
        // Exactly at the floor the half liquidation is allowed.
        LiquidationResult memory atFloor = LiquidationMath.compute(1e18, 2e18, 1e18, 0.2e18, BONUS, 0.78e18);
        assertTrue(
            !atFloor.leavesDust && atFloor.debtRepaid == 1e18,
            "leaving exactly the floor is not dust"
        );
    }
}
