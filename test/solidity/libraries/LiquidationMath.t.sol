// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {
    LiquidationInput,
    LiquidationMath,
    LiquidationResult
} from "../../../contracts/libraries/LiquidationMath.sol";
import {VaultMath} from "../../../contracts/libraries/VaultMath.sol";
import {Test} from "../utils/Test.sol";

/// @notice Properties of the liquidation amounts: bounded payouts, the close factor, no dust, and that a
///         liquidation offering the whole debt always goes through.
contract LiquidationMathTest is Test {
    uint256 private constant WAD = 1e18;
    uint256 private constant BONUS = 0.1e18;
    uint256 private constant MIN_COLLATERAL = 0.5e18;

    /// @dev A vault insolvent at index whenever it is insolvent at the market price (the permissive case), so
    ///      the pure amounts are tested; the index rule has its own tests below.
    function liquidate(
        uint256 collateral,
        uint256 debt,
        uint256 maxDebt,
        uint256 price,
        uint256 floor
    ) private pure returns (LiquidationResult memory) {
        return
            LiquidationMath.compute(LiquidationInput(collateral, debt, maxDebt, true), price, BONUS, floor);
    }

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
        LiquidationResult memory r = liquidate(collateral, debt, maxDebt, price, MIN_COLLATERAL);
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
        LiquidationResult memory r = liquidate(collateral, debt, type(uint256).max, price, MIN_COLLATERAL);
        assertTrue(!r.leavesDust, "an unlimited offer left dust");
        assertGt(r.debtRepaid, 0, "nothing repaid");
        uint256 collateralLeft = collateral - r.collateralPaid;
        bool dust = r.debtRepaid < debt && collateralLeft != 0 && collateralLeft < MIN_COLLATERAL;
        assertTrue(!dust, "dust vault left behind");
    }

    /// @dev Half the debt (rounded up) unless the whole debt is needed to avoid dust or insolvency.
    function testCloseFactor(uint256 collateralSeed, uint256 debtSeed, uint256 priceSeed) external pure {
        (uint256 collateral, uint256 debt, uint256 price) = boundVault(collateralSeed, debtSeed, priceSeed);
        LiquidationResult memory r = liquidate(collateral, debt, type(uint256).max, price, MIN_COLLATERAL);
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
        LiquidationResult memory a = liquidate(collateral, debt, low, price, MIN_COLLATERAL);
        LiquidationResult memory b = liquidate(collateral, debt, high, price, MIN_COLLATERAL);
        vm.assume(!a.leavesDust && !b.leavesDust);
        assertLe(a.debtRepaid, b.debtRepaid, "a larger offer repaid less");
        assertLe(a.collateralPaid, b.collateralPaid, "a larger offer was paid less");
    }

    function testDustBoundary() external pure {
        // 1 ETH of collateral, 2 tokens at 0.2 ETH: half (1 token) pays 0.22 ETH and leaves 0.78 ETH: partial.
        LiquidationResult memory partialResult = liquidate(1e18, 2e18, 1e18, 0.2e18, 0.5e18);
        assertEq(partialResult.debtRepaid, 1e18, "half the debt");
        assertEq(partialResult.collateralPaid, 0.22e18, "value + 10%");
        // With a 0.78 ETH + 1 wei floor the same half would leave dust: the whole debt is required.
        LiquidationResult memory blocked = liquidate(1e18, 2e18, 1e18, 0.2e18, 0.78e18 + 1);
        assertTrue(blocked.leavesDust, "offer too small to avoid dust");
        LiquidationResult memory full = liquidate(1e18, 2e18, 2e18, 0.2e18, 0.78e18 + 1);
        assertEq(full.debtRepaid, 2e18, "whole debt");
        assertEq(full.collateralPaid, 0.44e18, "whole debt value + 10%");
        // Exactly at the floor the half liquidation is allowed.
        LiquidationResult memory atFloor = liquidate(1e18, 2e18, 1e18, 0.2e18, 0.78e18);
        assertTrue(
            !atFloor.leavesDust && atFloor.debtRepaid == 1e18,
            "leaving exactly the floor is not dust"
        );
    }

    /// @dev A vault that covers its debt at index never ends with debt and no collateral, whatever the offer.
    function testSolventVaultNeverBecomesBadDebt(
        uint256 collateralSeed,
        uint256 debtSeed,
        uint256 priceSeed,
        uint256 maxDebt
    ) external pure {
        (uint256 collateral, uint256 debt, uint256 price) = boundVault(collateralSeed, debtSeed, priceSeed);
        LiquidationResult memory r = LiquidationMath.compute(
            LiquidationInput(collateral, debt, maxDebt, false),
            price,
            BONUS,
            MIN_COLLATERAL
        );
        if (r.leavesDust) {
            assertEq(r.debtRequired, debt, "a solvent vault must be liquidated whole");
            return;
        }
        bool badDebt = r.debtRepaid < debt && r.collateralPaid == collateral;
        assertTrue(!badDebt, "bad debt from a vault solvent at index");
    }

    /// @dev Mark at 1.4 x index: a vault at 145% of its index debt cannot cover debt * mark * 1.1 (154%); an offer
    ///      worth all of its collateral but less than the debt is refused, the whole debt is required.
    function testSolventVaultAboveMarkRequiresWholeDebt() external pure {
        uint256 debt = 10e18;
        uint256 indexValue = 0.3e18;
        uint256 collateral = (debt * indexValue * 145) / 100 / 1e18; // 4.35 ETH
        uint256 price = (indexValue * 14) / 10; // 0.42 ETH per token
        uint256 offer = (collateral * 1e18) / ((price * 11) / 10) + 1; // takes all collateral, 94% of the debt
        LiquidationInput memory solvent = LiquidationInput(collateral, debt, offer, false);
        LiquidationResult memory refused = LiquidationMath.compute(solvent, price, BONUS, MIN_COLLATERAL);
        assertTrue(refused.leavesDust && refused.debtRequired == debt, "partial offer refused");
        solvent.maxDebtAmount = debt;
        LiquidationResult memory whole = LiquidationMath.compute(solvent, price, BONUS, MIN_COLLATERAL);
        assertEq(whole.debtRepaid, debt, "whole debt");
        assertEq(whole.collateralPaid, collateral, "all collateral");
        // The same vault below 100% at index may be partly liquidated into bad debt.
        LiquidationInput memory insolvent = LiquidationInput(collateral, debt, offer, true);
        LiquidationResult memory partialResult = LiquidationMath.compute(
            insolvent,
            price,
            BONUS,
            MIN_COLLATERAL
        );
        assertTrue(
            !partialResult.leavesDust && partialResult.collateralPaid == collateral,
            "bad debt allowed"
        );
    }

    /* H-1: sequences of liquidations */

    uint256 private constant STEPS = 6;

    /// @dev A vault and the index value of one token, as the engine sees them within one block (or while the
    ///      index stands still): collateral at or above the debt's value at index, up to twice it.
    struct SolventVault {
        uint256 collateral;
        uint256 debt;
        uint256 valuePerToken;
    }

    function boundSolventVault(
        uint256 debtSeed,
        uint256 valueSeed,
        uint256 ratioSeed
    ) private pure returns (SolventVault memory v) {
        v.debt = bound(debtSeed, 1, 1e30);
        v.valuePerToken = bound(valueSeed, 1e9, 1e24);
        uint256 debtValue = VaultMath.debtValue(v.debt, v.valuePerToken);
        v.collateral = bound(ratioSeed, debtValue, 2 * debtValue);
    }

    /// @dev The engine's rule: insolvent at index when collateral / debt value (rounded down) < 100%.
    function insolventAtIndex(SolventVault memory v) private pure returns (bool) {
        return VaultMath.collateralRatioWad(v.collateral, VaultMath.debtValue(v.debt, v.valuePerToken)) < WAD;
    }

    /// @dev One liquidation step at market price `price`: applies it to `v` unless it is refused (dust), and
    ///      returns it.
    function step(
        SolventVault memory v,
        uint256 offer,
        uint256 price
    ) private pure returns (LiquidationResult memory r) {
        r = LiquidationMath.compute(
            LiquidationInput(v.collateral, v.debt, offer, insolventAtIndex(v)),
            price,
            BONUS,
            MIN_COLLATERAL
        );
        if (r.leavesDust || r.debtRepaid == 0) return LiquidationResult(0, 0, r.leavesDust, 0);
        v.collateral -= r.collateralPaid;
        v.debt -= r.debtRepaid;
    }

    /// @dev H-1: any number of liquidations (up to STEPS), each by any party with any offer at any market price
    ///      between 0.5x and 3x the index value, starting from a vault solvent at index, never leave the vault
    ///      insolvent at index: it ends debt-free or still covering its debt at index, so never with bad debt.
    function testLiquidationSequenceFromSolventVaultNeverMakesBadDebt(
        uint256 debtSeed,
        uint256 valueSeed,
        uint256 ratioSeed,
        uint256[STEPS] memory offers,
        uint256[STEPS] memory premiumSeeds
    ) external pure {
        SolventVault memory v = boundSolventVault(debtSeed, valueSeed, ratioSeed);
        for (uint256 i = 0; i < STEPS && v.debt != 0; i++) {
            uint256 price = (v.valuePerToken * bound(premiumSeeds[i], 0.5e4, 3e4)) / 1e4;
            uint256 offer = offers[i] % 3 == 0 ? offers[i] : bound(offers[i], 0, v.debt);
            step(v, offer, price);
            assertTrue(!insolventAtIndex(v), "H-1: a liquidation made a solvent vault insolvent at index");
            assertTrue(v.debt == 0 || v.collateral != 0, "H-1: bad debt from a vault solvent at index");
        }
    }

    /// @dev H-1, the owner's side: an owner holding the tokens it minted liquidates its own solvent vault in any
    ///      number of steps. Valued at index (tokens and debt at the index value; a vault's equity counts only
    ///      when positive, as the owner may walk away), it never ends better off than repaying the whole debt and
    ///      withdrawing all collateral. Values are compared times 1e18, exactly.
    function testSelfLiquidationInStepsNeverBeatsRepaying(
        uint256 debtSeed,
        uint256 valueSeed,
        uint256 ratioSeed,
        uint256[STEPS] memory offers,
        uint256[STEPS] memory premiumSeeds
    ) external pure {
        SolventVault memory v = boundSolventVault(debtSeed, valueSeed, ratioSeed);
        uint256 repayingScaled = v.collateral * WAD; // tokens held = debt: repaying uses all of them
        uint256 tokens = v.debt;
        uint256 ethReceived;
        for (uint256 i = 0; i < STEPS && v.debt != 0; i++) {
            uint256 price = (v.valuePerToken * bound(premiumSeeds[i], 0.5e4, 3e4)) / 1e4;
            uint256 offer = bound(offers[i], 0, tokens);
            LiquidationResult memory r = step(v, offer, price);
            tokens -= r.debtRepaid;
            ethReceived += r.collateralPaid;
        }
        uint256 equityScaled = v.collateral * WAD;
        uint256 debtScaled = v.debt * v.valuePerToken;
        uint256 selfScaled = ethReceived * WAD + tokens * v.valuePerToken;
        if (equityScaled > debtScaled) selfScaled += equityScaled - debtScaled;
        assertLe(selfScaled, repayingScaled, "H-1: self-liquidation beat repaying");
    }
}
