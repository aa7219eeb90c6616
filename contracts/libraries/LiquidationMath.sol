// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";

/// @notice The outcome of a liquidation.
/// @param debtRepaid Power tokens the liquidator burns.
/// @param collateralPaid ETH (wei) the liquidator receives.
/// @param leavesDust True when the offered `maxDebtAmount` is too small to avoid leaving a dust vault.
/// @param debtRequired When `leavesDust`: the smallest offer from which the liquidation goes through again
///        (the whole debt, or less when that much already takes all of the collateral).
struct LiquidationResult {
    uint256 debtRepaid;
    uint256 collateralPaid;
    bool leavesDust;
    uint256 debtRequired;
}

/// @title LiquidationMath
/// @notice How much debt a liquidation repays and how much collateral it pays out.
/// @dev The liquidator receives the repaid debt's value at the power token's market price plus a bonus, capped at
///      the vault's collateral. Close factor 50%; the whole debt may be repaid when half would leave dust or when
///      the collateral cannot cover the whole debt plus bonus. Payouts round down (in the protocol's favour).
library LiquidationMath {
    uint256 internal constant WAD = 1e18;

    /// @param collateral The vault's collateral in wei.
    /// @param debt The vault's debt in power-token units (non-zero).
    /// @param maxDebtAmount The most the liquidator offers to repay.
    /// @param powerPriceWad The power token's market price in ETH (WAD).
    /// @param bonusWad The liquidation bonus (0.1e18 = 10%).
    /// @param minCollateral The dust floor in wei.
    function compute(
        uint256 collateral,
        uint256 debt,
        uint256 maxDebtAmount,
        uint256 powerPriceWad,
        uint256 bonusWad,
        uint256 minCollateral
    ) internal pure returns (LiquidationResult memory result) {
        uint256 payPerTokenWad = FPML.mulWad(powerPriceWad, WAD + bonusWad);
        // Insolvent at market (collateral <= whole debt plus bonus): the whole debt is open to liquidation.
        bool coversWholeDebt = FPML.fullMulDiv(debt, payPerTokenWad, WAD) < collateral;
        uint256 closeLimit = coversWholeDebt ? (debt + 1) / 2 : debt; // half, rounded up so 1 wei is liquidatable
        result = _settle(collateral, debt, _min(maxDebtAmount, closeLimit), payPerTokenWad);
        if (_isDust(collateral, debt, result, minCollateral)) {
            // Half would leave dust: the liquidation must take the whole debt.
            result = _settle(collateral, debt, _min(maxDebtAmount, debt), payPerTokenWad);
            if (_isDust(collateral, debt, result, minCollateral)) {
                result.leavesDust = true;
                result.debtRequired = _min(debt, FPML.fullMulDivUp(collateral, WAD, payPerTokenWad));
            }
        }
    }

    function _settle(
        uint256 collateral,
        uint256 debt,
        uint256 repay,
        uint256 payPerTokenWad
    ) private pure returns (LiquidationResult memory) {
        uint256 pay = FPML.fullMulDiv(repay, payPerTokenWad, WAD);
        if (pay > collateral) pay = collateral;
        if (repay > debt) repay = debt;
        return LiquidationResult(repay, pay, false, 0);
    }

    /// @dev Debt left with 0 < collateral < floor. Debt left with no collateral is bad debt, not dust.
    function _isDust(
        uint256 collateral,
        uint256 debt,
        LiquidationResult memory r,
        uint256 minCollateral
    ) private pure returns (bool) {
        uint256 collateralLeft = collateral - r.collateralPaid;
        return r.debtRepaid < debt && collateralLeft != 0 && collateralLeft < minCollateral;
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }
}
